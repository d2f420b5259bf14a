// Scenarios: a flow, a profile, an initial state, a sequence of actions and expectations.
// Validation names the bad field; `scenario.schema.json` publishes the same shape for editors.

import { checkProfile, resolveParams, resolveStart, runFrom } from './simulator';
import { deepClone, diffStates, getPath, setPath } from './statePath';
import { Flow, ModelError, OutcomeEvent, ParamValues, Trace, TraceStep } from './types';

export interface ScenarioAction {
  /** An action name the flow declares (`send`, `unmask`, `eoi`, `raise` …). */
  do: string;
  with?: ParamValues;
}

export type Expectation =
  | { path: string; equals: unknown; because?: string }
  | { outcome: OutcomeEvent['kind']; target?: string; handler?: string; what?: string; count?: number; because?: string }
  | { step: string; branch: string; action?: number; because?: string }
  | { neverStep: string; because?: string };

export interface Scenario {
  name: string;
  title: string;
  /** The open question this scenario answers, quoted or paraphrased from reading notes. */
  question?: string;
  /** Where the answer comes from: model steps, rule ids, SDM sections. */
  source?: string;
  flow: string;
  profile?: string;
  params?: ParamValues;
  /** Initial-state overrides, `path → JSON value`. */
  set?: Record<string, unknown>;
  actions: ScenarioAction[];
  expect?: Expectation[];
}

export interface ExpectationResult {
  ok: boolean;
  text: string;
}

export interface ScenarioRun {
  scenario: Scenario;
  trace: Trace;
  expectations: ExpectationResult[];
  passed: boolean;
}

const TOP_FIELDS = ['$schema', 'name', 'title', 'question', 'source', 'flow', 'profile', 'params', 'set', 'actions', 'expect'];

function fail(field: string, message: string): never {
  throw new ModelError(`scenario field "${field}": ${message}`, field);
}

/** JSON in a scenario nests no deeper than this (a state is a few levels; 10k levels overflowed the stack). */
export const MAX_SCENARIO_DEPTH = 64;

/** The path of the first value nested deeper than `max` levels, found without recursion; undefined when none. */
export function tooDeep(raw: unknown, max = MAX_SCENARIO_DEPTH): string | undefined {
  const work: [unknown, string, number][] = [[raw, '', 0]];
  while (work.length) {
    const [v, path, depth] = work.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return path || '(root)';
    for (const [k, x] of Object.entries(v)) work.push([x, Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k, depth + 1]);
  }
  return undefined;
}

/** Structural validation of untrusted JSON; returns a typed scenario or throws naming the field. */
export function parseScenario(raw: unknown): Scenario {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(root)', 'must be an object');
  const deep = tooDeep(raw);
  if (deep) fail(deep, `nested deeper than ${MAX_SCENARIO_DEPTH} levels`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!TOP_FIELDS.includes(k)) fail(k, `unknown field (allowed: ${TOP_FIELDS.slice(1).join(', ')})`);
  for (const k of ['name', 'title', 'flow']) if (typeof o[k] !== 'string' || o[k] === '') fail(k, 'required, a non-empty string');
  for (const k of ['question', 'source', 'profile']) if (o[k] !== undefined && typeof o[k] !== 'string') fail(k, 'must be a string');
  for (const k of ['params', 'set']) {
    if (o[k] !== undefined && (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k]))) fail(k, 'must be an object');
  }
  if (!Array.isArray(o.actions) || o.actions.length === 0) fail('actions', 'required, a non-empty list');
  (o.actions as unknown[]).forEach((a, i) => {
    if (typeof a !== 'object' || a === null) fail(`actions[${i}]`, 'must be an object');
    const act = a as Record<string, unknown>;
    for (const k of Object.keys(act)) if (k !== 'do' && k !== 'with') fail(`actions[${i}].${k}`, 'unknown field (allowed: do, with)');
    if (typeof act.do !== 'string') fail(`actions[${i}].do`, 'required, an action name');
    if (act.with !== undefined && (typeof act.with !== 'object' || act.with === null || Array.isArray(act.with))) fail(`actions[${i}].with`, 'must be an object');
  });
  if (o.expect !== undefined) {
    if (!Array.isArray(o.expect)) fail('expect', 'must be a list');
    (o.expect as unknown[]).forEach((e, i) => {
      if (typeof e !== 'object' || e === null) fail(`expect[${i}]`, 'must be an object');
      const x = e as Record<string, unknown>;
      const kinds = ['path', 'outcome', 'step', 'neverStep'].filter((k) => k in x);
      if (kinds.length !== 1) fail(`expect[${i}]`, 'needs exactly one of path, outcome, step, neverStep');
      if ('path' in x && !('equals' in x)) fail(`expect[${i}].equals`, 'required with path');
      if ('step' in x && typeof x.branch !== 'string') fail(`expect[${i}].branch`, 'required with step');
      if ('outcome' in x && !['delivered', 'pending', 'lost', 'dropped', 'woken', 'error', 'note'].includes(String(x.outcome))) {
        fail(`expect[${i}].outcome`, 'one of delivered, pending, lost, dropped, woken, error, note');
      }
    });
  }
  return o as unknown as Scenario;
}

/** Run a scenario against its flow: actions in order on one state, then expectations. */
export function runScenario(flows: readonly Flow<unknown>[], raw: unknown): ScenarioRun {
  const scenario = parseScenario(raw);
  const flow = flows.find((f) => f.id === scenario.flow);
  if (!flow) fail('flow', `unknown flow "${scenario.flow}" (flows: ${flows.map((f) => f.id).join(', ')})`);
  let profile: string;
  try {
    profile = checkProfile(flow, scenario.profile);
  } catch (e) {
    fail('profile', (e as Error).message);
  }
  const params = resolveParams(flow.params, scenario.params, `scenario ${scenario.name} params`);
  checkIndexParams(params, 'params');
  const state = modelCode('params', () => flow.initialState(profile, params));
  for (const [path, value] of Object.entries(scenario.set ?? {})) {
    try {
      setPath(state, path, deepClone(value));
    } catch (e) {
      fail(`set.${path}`, (e as Error).message);
    }
  }
  const problems = flow.validate(state, params, profile);
  if (problems.length > 0) fail('set', problems.join('; '));

  const steps: TraceStep[] = [];
  const outcome: OutcomeEvent[] = [];
  const actionStarts: number[] = [];
  let truncated = false;
  scenario.actions.forEach((act, i) => {
    const spec = flow.actions.find((a) => a.name === act.do);
    if (!spec) fail(`actions[${i}].do`, `flow ${flow.id} has no action "${act.do}" (actions: ${flow.actions.map((a) => a.name).join(', ')})`);
    // An action parameter the scenario's `params` explicitly sets keeps that value unless `with` overrides it. A flow
    // parameter's default never overrides the action's own default of the same name (Q1 `lower` has level=false
    // while the flow's `level` defaults to true), so only names the scenario wrote are inherited.
    const given = scenario.params ?? {};
    const inherited = Object.fromEntries(spec.params.filter((p) => p.name in given).map((p) => [p.name, params[p.name]]));
    const actParams = resolveParams(spec.params, { ...inherited, ...act.with }, `actions[${i}] (${act.do})`);
    checkIndexParams({ ...params, ...actParams }, `actions[${i}].with`);
    actionStarts.push(steps.length);
    if (spec.apply) {
      const before = deepClone(state);
      const what = modelCode(`actions[${i}]`, () => spec.apply!(state, { ...params, ...actParams }));
      const actionProblems = flow.validate(state, { ...params, ...actParams }, profile);
      if (actionProblems.length > 0) fail(`actions[${i}]`, actionProblems.join('; '));
      steps.push({
        index: steps.length, step: `action:${spec.name}`, title: spec.name, component: 'scenario', branch: 'applied', why: what,
        changes: diffStates(before, state), functions: [], next: null, action: spec.name,
      });
    } else {
      const start = resolveStart(flow, spec.from);
      const t = modelCode(`actions[${i}]`, () => runFrom(flow, start, state, { ...params, ...actParams }, profile, 200, steps.length, spec.name));
      steps.push(...t.steps);
      outcome.push(...t.outcome);
      truncated ||= t.truncated;
    }
  });
  const trace: Trace = { flow: flow.id, profile, from: steps[0]?.step ?? flow.entry, params, steps, outcome, finalState: deepClone(state), truncated };
  const expectations = (scenario.expect ?? []).map((e) => checkExpectation(e, trace, actionStarts));
  return { scenario, trace, expectations, passed: expectations.every((e) => e.ok) && !truncated };
}

/** vCPU and CPU indices must name one of the domain's vCPUs (`vcpus`); −1 means "the port's own" where allowed. */
function checkIndexParams(values: ParamValues, field: string): void {
  const count = values.vcpus;
  if (typeof count !== 'number') return;
  for (const name of ['vcpu', 'cpu']) {
    const v = values[name];
    if (typeof v === 'number' && v >= count) fail(`${field}.${name}`, `${name} = ${v}: unknown vCPU (the domain has vcpus = ${count}: 0..${count - 1})`);
  }
}

/** Runs model code on scenario values; a JavaScript error inside it becomes a scenario error naming the field. */
function modelCode<T>(field: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof ModelError) throw e;
    fail(field, `the model cannot run these values (${e instanceof RangeError ? 'too deep' : 'an index or field outside the state'}); check the params, set and with values`);
  }
}

function checkExpectation(e: Expectation, trace: Trace, actionStarts: number[]): ExpectationResult {
  const why = e.because ? ` (${e.because})` : '';
  if ('path' in e) {
    let actual: unknown;
    try {
      actual = getPath(trace.finalState, e.path);
    } catch (err) {
      return { ok: false, text: `${e.path}: ${(err as Error).message}` };
    }
    const ok = JSON.stringify(actual) === JSON.stringify(e.equals);
    return { ok, text: `${e.path} = ${JSON.stringify(actual)}${ok ? '' : `, expected ${JSON.stringify(e.equals)}`}${why}` };
  }
  if ('outcome' in e) {
    const matches = trace.outcome.filter(
      (o) => o.kind === e.outcome && (e.target === undefined || o.target === e.target) && (e.handler === undefined || o.handler === e.handler) && (e.what === undefined || o.what === e.what),
    );
    const want = e.count;
    const ok = want === undefined ? matches.length > 0 : matches.length === want;
    const desc = [e.outcome, e.target && `on ${e.target}`, e.handler && `by ${e.handler}`, e.what && `(${e.what})`].filter(Boolean).join(' ');
    return { ok, text: `outcome ${desc}: seen ${matches.length}${want === undefined ? '' : `, expected ${want}`}${why}` };
  }
  if ('neverStep' in e) {
    const seen = trace.steps.some((s) => s.step === e.neverStep);
    return { ok: !seen, text: `step ${e.neverStep} ${seen ? 'ran, expected never' : 'never ran'}${why}` };
  }
  const lo = e.action !== undefined ? actionStarts[e.action] ?? Infinity : 0;
  const hi = e.action !== undefined ? actionStarts[e.action + 1] ?? trace.steps.length : trace.steps.length;
  const inRange = trace.steps.slice(lo, hi).filter((s) => s.step === e.step);
  const ok = inRange.some((s) => s.branch === e.branch);
  const seen = inRange.map((s) => s.branch).join(', ') || 'not run';
  return { ok, text: `step ${e.step}${e.action !== undefined ? ` in action ${e.action}` : ''} took ${seen}${ok ? '' : `, expected ${e.branch}`}${why}` };
}
