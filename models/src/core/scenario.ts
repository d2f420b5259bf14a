// Scenarios: a flow, a profile, an initial state, a sequence of actions and expectations.
// Validation names the bad field; `scenario.schema.json` publishes the same shape for editors.

import { Machine, MAIN_CONTEXT, parseDeferTarget } from './machine';
import { ActionPoint, PlacedActions, POINT_KINDS } from './placedActions';
import { checkProfile, resolveParams, resolveStart } from './simulator';
import { deepClone, getPath, setPath } from './statePath';
import { answersTo, checkScenarioNames, withCurrentBranchNames, withCurrentStepNames } from './scenarioNames';
import { Flow, Link, ModelError, OutcomeEvent, ParamValues, Trace } from './types';

export interface ScenarioAction {
  /** An action name the flow declares (`send`, `unmask`, `eoi`, `raise` …). */
  do: string;
  with?: ParamValues;
  /** The execution context the action's chain runs on (default: the one the action names, e.g. the EOI'ing vCPU's; else `main`). */
  on?: string;
  /** Place the action at a point of the run instead of after the previous action: it then preempts what runs there. */
  at?: ActionPoint;
  /** How far to run after starting it (default `quiet`: until no work is left, as a sequential scenario always did). */
  run?: RunMode;
}

export type RunMode = 'quiet' | 'none' | { untilStep: string } | { context: string; steps?: number };

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
  /** The most steps the trace may hold (default DEFAULT_MAX_TRACE_STEPS); reaching it fails the scenario, naming the limit. */
  maxSteps?: number;
}

export type { ActionPoint } from './placedActions';

/** A direct action's trace step implements no function: one frozen empty list for all of them. */
const NO_FUNCTIONS = Object.freeze([]) as unknown as Link[];

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

const TOP_FIELDS = ['$schema', 'name', 'title', 'question', 'source', 'flow', 'profile', 'params', 'set', 'actions', 'expect', 'maxSteps'];

const ACTION_FIELDS = ['do', 'with', 'on', 'at', 'run'];
const POINTS: readonly string[] = POINT_KINDS;

function checkPoint(at: unknown, field: string): void {
  if (typeof at !== 'object' || at === null || Array.isArray(at)) fail(field, `must be an object with one of ${POINTS.join(', ')}`);
  const keys = Object.keys(at);
  if (keys.length !== 1 || !POINTS.includes(keys[0])) fail(field, `needs exactly one of ${POINTS.join(', ')}`);
  const v = (at as Record<string, unknown>)[keys[0]];
  if (keys[0] === 'afterTime') { if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`${field}.afterTime`, 'a whole number of clock ticks, 0 or more'); }
  else if (typeof v !== 'string' || v === '') fail(`${field}.${keys[0]}`, keys[0] === 'whileHandler' ? 'a handler name, as outcomes report it' : keys[0] === 'beforeDeferred' ? 'the id of the step that hands the work over' : 'a step id');
}

function checkRunMode(run: unknown, field: string): void {
  if (run === 'quiet' || run === 'none') return;
  if (typeof run !== 'object' || run === null || Array.isArray(run)) fail(field, 'one of "quiet", "none", { untilStep }, { context, steps }');
  const r = run as Record<string, unknown>;
  if ('untilStep' in r) {
    if (Object.keys(r).length !== 1 || typeof r.untilStep !== 'string') fail(`${field}.untilStep`, 'a step id, alone');
  } else if ('context' in r) {
    if (typeof r.context !== 'string') fail(`${field}.context`, 'a context name');
    if (Object.keys(r).some((k) => k !== 'context' && k !== 'steps')) fail(field, 'with context, only steps may be given');
    if (r.steps !== undefined && (typeof r.steps !== 'number' || !Number.isInteger(r.steps) || r.steps < 1)) fail(`${field}.steps`, 'a whole number, 1 or more');
  } else fail(field, 'one of "quiet", "none", { untilStep }, { context, steps }');
}

function fail(field: string, message: string): never {
  throw new ModelError(`scenario field "${field}": ${message}`, field);
}

/** JSON in a scenario nests no deeper than this (a state is a few levels; 10k levels overflowed the stack). */
export const MAX_SCENARIO_DEPTH = 64;

/** The path of the first value nested deeper than `max` levels, found without recursion; undefined when none. */
export function tooDeep(raw: unknown, max = MAX_SCENARIO_DEPTH): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  // Most scenarios are shallow: a walk that keeps only values and depths says so; the path is found only for a deep one.
  const values: object[] = [raw];
  const depths: number[] = [0];
  for (;;) {
    const v = values.pop();
    if (v === undefined) return undefined;
    const depth = depths.pop()!;
    if (depth >= max) return deepPath(raw, max);
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null) {
        values.push(x);
        depths.push(depth + 1);
      }
    }
  }
}

/** The path tooDeep reports: the same walk, each structure keeping the way it was reached. */
function deepPath(raw: object, max: number): string | undefined {
  interface Reached { v: object; depth: number; parent?: Reached; key: string; inList: boolean }
  const work: Reached[] = [{ v: raw, depth: 0, key: '', inList: false }];
  while (work.length) {
    const r = work.pop()!;
    if (r.depth >= max) return pathOf(r) || '(root)';
    const inList = Array.isArray(r.v);
    for (const k of Object.keys(r.v)) {
      const x = (r.v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null) work.push({ v: x, depth: r.depth + 1, parent: r, key: k, inList });
    }
  }
  return undefined;

  function pathOf(r: Reached): string {
    if (!r.parent) return '';
    const up = pathOf(r.parent);
    return r.inList ? `${up}[${r.key}]` : up ? `${up}.${r.key}` : r.key;
  }
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
  if (o.maxSteps !== undefined && (typeof o.maxSteps !== 'number' || !Number.isInteger(o.maxSteps) || o.maxSteps < 1)) fail('maxSteps', 'a whole number of trace steps, 1 or more');
  for (const k of ['params', 'set']) {
    if (o[k] !== undefined && (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k]))) fail(k, 'must be an object');
  }
  if (!Array.isArray(o.actions) || o.actions.length === 0) fail('actions', 'required, a non-empty list');
  (o.actions as unknown[]).forEach((a, i) => {
    if (typeof a !== 'object' || a === null) fail(`actions[${i}]`, 'must be an object');
    const act = a as Record<string, unknown>;
    for (const k of Object.keys(act)) if (!ACTION_FIELDS.includes(k)) fail(`actions[${i}].${k}`, `unknown field (allowed: ${ACTION_FIELDS.join(', ')})`);
    if (act.on !== undefined) {
      if (typeof act.on !== 'string') fail(`actions[${i}].on`, 'must be a context name');
      try { if (parseDeferTarget(act.on).delay > 0) throw new Error('a timer is not a context to run on'); } catch (e) { fail(`actions[${i}].on`, (e as Error).message); }
    }
    if (act.at !== undefined) checkPoint(act.at, `actions[${i}].at`);
    if (act.run !== undefined) checkRunMode(act.run, `actions[${i}].run`);
    if (act.at !== undefined && act.run !== undefined) fail(`actions[${i}].run`, 'a placed action (at) runs as part of the run it is placed in; give run on the action that starts that run');
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
export interface ScenarioOptions {
  /** false: trace steps carry no state changes; expectations are unaffected. */
  recordChanges?: boolean;
  /** The trace bound (the CLI's --max-steps); wins over the scenario's own maxSteps. */
  maxSteps?: number;
}

export function runScenario(flows: readonly Flow<unknown>[], raw: unknown, options: ScenarioOptions = {}): ScenarioRun {
  let scenario = parseScenario(raw);
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
  // A copy: the caller's object is theirs.
  if (scenario.expect) scenario = { ...scenario, expect: withCurrentBranchNames(flow, scenario.expect) };
  if (flow.formerSteps) scenario = { ...scenario, actions: withCurrentStepNames(flow, scenario.actions) };
  checkScenarioNames(flow, scenario, params);
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

  const actionStarts: number[] = [];
  const placed = new PlacedActions();
  const notes: ExpectationResult[] = [];
  /** The parameters of the last state check that found no problem, while the state has not changed since. */
  let validated: { params: ParamValues; text: string | undefined } | undefined;
  const m: Machine<unknown> = new Machine(flow, state, profile, {
    recordChanges: options.recordChanges,
    maxSteps: options.maxSteps ?? scenario.maxSteps,
    maxStepsSource: options.maxSteps !== undefined ? '--max-steps' : scenario.maxSteps !== undefined ? 'the scenario\'s maxSteps' : 'the default; raise it with --max-steps or the scenario\'s maxSteps',
    hooks: {
      // Most steps are no action's point: a lookup or two says so before any list of points is built.
      beforeStep: (_m, step, _ctx, deferredFrom) => {
        if (placed.size === 0) return;
        if (!placed.waits('beforeStep', step.id) && (deferredFrom === undefined || !placed.waits('beforeDeferred', deferredFrom))) return;
        const points: ActionPoint[] = [{ beforeStep: step.id }];
        if (deferredFrom !== undefined) points.push({ beforeDeferred: deferredFrom });
        firePlaced(points);
      },
      afterStep: (_m, done, emitted) => {
        if (done.changes.length > 0) validated = undefined;
        if (placed.size === 0) return;
        if (!placed.waits('afterStep', done.step) && !emitted.some((e) => e.kind === 'delivered' && e.handler !== undefined && placed.waits('whileHandler', e.handler))) return;
        const points: ActionPoint[] = [{ afterStep: done.step }];
        for (const e of emitted) if (e.kind === 'delivered' && e.handler !== undefined) points.push({ whileHandler: e.handler });
        firePlaced(points);
      },
    },
  });
  const firePlaced = (points: ActionPoint[]): void => {
    const i = placed.take(points);
    if (i !== undefined) start(i, true);
  };
  // Each action name's spec and first step, looked up once (a long schedule starts thousands of actions).
  const specs = new Map<string, (typeof flow.actions)[number]>();
  for (const a of flow.actions) if (!specs.has(a.name)) specs.set(a.name, a);
  const firstSteps = new Map<string, ReturnType<typeof resolveStart>>();
  const start = (i: number, preempt: boolean): void => {
    const act = scenario.actions[i];
    const spec = specs.get(act.do)!;
    // An action parameter the scenario's `params` explicitly sets keeps that value unless `with` overrides it. A flow
    // parameter's default never overrides the action's own default of the same name (Q1 `lower` has level=false
    // while the flow's `level` defaults to true), so only names the scenario wrote are inherited.
    const given = scenario.params;
    const inherited = given === undefined ? undefined : Object.fromEntries(spec.params.filter((p) => p.name in given).map((p) => [p.name, params[p.name]]));
    const actParams = resolveParams(spec.params, inherited === undefined ? act.with : { ...inherited, ...act.with }, `actions[${i}] (${act.do})`);
    // The action sees the scenario's parameters overridden by its own; checks read this one copy, the model gets its own.
    const all = { ...params, ...actParams };
    checkIndexParams(all, `actions[${i}].with`);
    actionStarts[i] = m.steps.length;
    if (spec.apply) {
      const { result: what, changes } = modelCode(`actions[${i}]`, () => m.change((st) => spec.apply!(st, { ...params, ...actParams })));
      // The state is checked after every direct change; a check is skipped only when it would repeat the last one
      // exactly: the same parameters, and no recorded change to the state since (not knowable unless changes are recorded).
      // The parameters' text is built only when it is compared (most direct actions change the state, so the check runs).
      const same = options.recordChanges !== false && changes.length === 0 && validated !== undefined && (validated.text ??= JSON.stringify(validated.params)) === JSON.stringify(all);
      if (!same) {
        const actionProblems = flow.validate(state, all, profile);
        if (actionProblems.length > 0) fail(`actions[${i}]`, actionProblems.join('; '));
        validated = options.recordChanges === false ? undefined : { params: all, text: undefined };
      }
      m.record({ step: `action:${spec.name}`, title: spec.name, component: 'scenario', branch: 'applied', why: what, changes, functions: NO_FUNCTIONS, next: null, action: spec.name });
      return;
    }
    const context = act.on ?? spec.on?.(all) ?? MAIN_CONTEXT;
    let first = firstSteps.get(spec.name);
    if (first === undefined) firstSteps.set(spec.name, (first = resolveStart(flow, spec.from)));
    // Nothing reads `all` after this: the run gets it as its own copy.
    if (preempt) m.inject(context, first, all, spec.name);
    else m.post(context, first, all, spec.name);
  };
  // Placed actions are armed from the start, wherever they stand in the list; the others run in order.
  scenario.actions.forEach((act, i) => {
    if (!specs.has(act.do)) fail(`actions[${i}].do`, `flow ${flow.id} has no action "${act.do}" (actions: ${flow.actions.map((a) => a.name).join(', ')})`);
    const at = act.at;
    if (at && 'afterTime' in at) m.at(at.afterTime, () => start(i, true));
    else if (at) placed.arm(i, at);
  });
  // The step limit guards against a looping model: 200 per action run, plus 200 for each placed action that may join it.
  const budget = 200 * (1 + scenario.actions.filter((a) => a.at !== undefined).length);
  scenario.actions.forEach((act, i) => {
    if (act.at || m.atLimit()) return;
    // A JavaScript error inside model code is reported against the action that ran it, never as a bare stack.
    modelCode(`actions[${i}]`, () => {
      start(i, false);
      const mode = act.run ?? 'quiet';
      if (mode === 'quiet') m.runUntilQuiet(budget);
      else if (mode === 'none') return;
      else if ('untilStep' in mode) {
        if (!m.runUntilStep(mode.untilStep, budget)) notes.push({ ok: false, text: `actions[${i}].run.untilStep: step ${mode.untilStep} never ran` });
      } else for (let n = 0; n < (mode.steps ?? 1) && !m.atLimit() && m.step(mode.context); n++);
    });
  });
  modelCode('actions', () => m.runUntilQuiet(budget));
  if (!m.truncated) for (const p of placed.unfired()) notes.push({ ok: false, text: `actions[${p.i}].at: ${JSON.stringify(p.at)} never happened, so ${scenario.actions[p.i].do} never ran` });
  const steps = m.steps;
  const outcome = m.outcome;
  const truncated = m.truncated;
  const trace: Trace = { flow: flow.id, profile, from: steps[0]?.step ?? flow.entry, params, steps, outcome, finalState: deepClone(state), truncated };
  const expectations = [...notes, ...(scenario.expect ?? []).map((e) => checkExpectation(e, trace, actionStarts))];
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

/**
 * Runs model code on scenario values; a JavaScript error inside it becomes a scenario error naming the field, and so
 * does a model's own error that names only its parameter (`pin = 73 is not an IO-APIC input`).
 */
function modelCode<T>(field: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof ModelError) {
      // Already placed: by an inner modelCode, or by a message that starts with the field (`actions[0] (send): …`).
      if (e.message.startsWith('scenario field "') || e.message.startsWith(field)) throw e;
      // The message says where in the scenario; `field` keeps the model's own parameter name. The error itself is kept
      // (its class, its data) for callers that catch a subclass.
      e.message = `scenario field "${field}": ${e.message}`;
      if (e.field === undefined) Object.defineProperty(e, 'field', { value: field });
      throw e;
    }
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
    const seen = trace.steps.some((s) => answersTo(s.step, e.neverStep));
    return { ok: !seen, text: `step ${e.neverStep} ${seen ? 'ran, expected never' : 'never ran'}${why}` };
  }
  const lo = e.action !== undefined ? actionStarts[e.action] ?? Infinity : 0;
  // An action's steps run until the next action starts (placed actions start out of list order).
  const hi = e.action !== undefined ? Math.min(trace.steps.length, ...actionStarts.filter((x) => x > lo)) : trace.steps.length;
  const inRange = trace.steps.slice(lo, hi).filter((s) => answersTo(s.step, e.step));
  const ok = inRange.some((s) => s.branch === e.branch);
  const seen = inRange.map((s) => s.branch).join(', ') || 'not run';
  return { ok, text: `step ${e.step}${e.action !== undefined ? ` in action ${e.action}` : ''} took ${seen}${ok ? '' : `, expected ${e.branch}`}${why}` };
}
