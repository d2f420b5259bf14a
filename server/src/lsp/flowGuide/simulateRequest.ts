// Answers a simulation request (a flow from a step or function, or a scenario by name or by file text) with the trace as
// the panel draws it: lanes, state changes, resolved functions, the CLI's trace text, and for scenarios each expectation.
// Bad input comes back as { ok: false } naming the field (and its line in a scenario file), never as an exception.
import {
  ModelError, checkProfile, deepClone, getPath, parseValueFor, resolveParams, runScenario, setPath, traceToText,
  type Flow, type ScenarioRun, type Trace,
} from '@irqlens/models';
import type { IndexQueries } from '../../engine/index/types';
import type { SimulateParams, SimulateResult, TraceView } from '../../protocol/flowMessages';
import type { BuiltinScenario } from '../../engine/flowGuide/builtinScenarios';
import { flowView } from './flowViews';
import { laneOf } from './lanes';
import { linkView } from './linkViews';
import { fieldLine, parseScenarioText } from '../../engine/flowGuide/scenarioFieldLines';
import { simulateFromStep, startedTraceText, type StartedRun } from '../../engine/flowGuide/midFlowStart';

type Failure = Extract<SimulateResult, { ok: false }>;

class RequestProblem extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/** `started`: a run from a step (its trace and how it got its state); absent for a scenario's trace. */
export function traceView(index: IndexQueries, flow: Flow<unknown>, trace: Trace, started?: StartedRun): TraceView {
  const trees = index.trees();
  const links = new Map<string, ReturnType<typeof linkView>>();
  const resolve = (l: Flow<unknown>['steps'][number]['links'][number]) => {
    const key = `${l.codebase}:${l.symbol}:${l.file ?? ''}`;
    let v = links.get(key);
    if (!v) links.set(key, (v = linkView(index, l, trees)));
    return v;
  };
  return {
    flow: flow.id,
    flowName: flow.name,
    profile: trace.profile,
    from: trace.from,
    params: { ...trace.params },
    steps: trace.steps.map((s) => ({
      index: s.index,
      step: s.step,
      title: s.title,
      component: s.component,
      lane: laneOf(s.component),
      branch: s.branch,
      why: s.why,
      changes: s.changes.map((c) => ({ ...c })),
      functions: s.functions.map(resolve),
      next: s.next,
      ...(s.action ? { action: s.action } : {}),
      ...(s.context ? { context: s.context } : {}),
      ...(s.deferredTo ? { deferredTo: s.deferredTo } : {}),
      ...(s.handedOff ? { handedOff: [...s.handedOff] } : {}),
    })),
    outcome: trace.outcome.map((o) => ({ ...o })),
    truncated: trace.truncated,
    text: started ? startedTraceText(started, flow) : traceToText(trace, flow),
    ...(started?.start.kind === 'after-entry' ? { assumed: started.start.assumed.map((a) => ({ ...a })) } : {}),
    ...(started?.start.kind === 'alone' ? { startedAlone: started.start.reason } : {}),
  };
}

/** A scenario's parameter error names the parameter only; say where it sits in the file. */
function scenarioField(e: ModelError): string | undefined {
  if (!e.field) return undefined;
  const action = /^actions\[(\d+)\] \(/.exec(e.message);
  if (action && !e.field.startsWith('actions')) return `actions[${action[1]}].with.${e.field}`;
  if (/^scenario .* params: /.test(e.message) && !e.field.startsWith('params')) return `params.${e.field}`;
  return e.field;
}

function runFlow(flows: readonly Flow<unknown>[], p: SimulateParams): { flow: Flow<unknown>; run: StartedRun } {
  if (!p.flow) throw new RequestProblem('give a flow id or a scenario', 'flow');
  const flow = flows.find((f) => f.id.toLowerCase() === p.flow?.toLowerCase());
  if (!flow) throw new RequestProblem(`unknown flow "${p.flow}" (flows: ${flows.map((f) => f.id).join(', ')})`, 'flow');
  const profile = checkProfile(flow, p.profile);
  let params;
  try {
    params = resolveParams(flow.params, p.params, `flow ${flow.id}`);
  } catch (e) {
    if (e instanceof ModelError) throw new RequestProblem(e.message, e.field ? `params.${e.field}` : 'params');
    throw e;
  }
  let state: unknown;
  if (p.set && Object.keys(p.set).length > 0) {
    state = flow.initialState(profile, params);
    for (const [path, value] of Object.entries(p.set)) {
      try {
        // A string is a command-line value (`10`, `48,80`), read for the field's type; anything else is JSON, as in scenarios.
        setPath(state, path, typeof value === 'string' ? parseValueFor(getPath(state, path), value, path) : deepClone(value));
      } catch (e) {
        throw new RequestProblem((e as Error).message, `set.${path}`);
      }
    }
  }
  return { flow, run: simulateFromStep(flow, { from: p.from, profile, params, state }) };
}

function scenarioResult(index: IndexQueries, flows: readonly Flow<unknown>[], run: ScenarioRun): SimulateResult {
  const flow = flows.find((f) => f.id === run.scenario.flow) as Flow<unknown>;
  const trace = traceView(index, flow, run.trace);
  trace.expectations = run.expectations.map((x) => ({ text: x.text, ok: x.ok }));
  return { ok: true, trace, flow: flowView(index, flow, flows) };
}

export function simulateRequest(index: IndexQueries, flows: readonly Flow<unknown>[], scenarios: readonly BuiltinScenario[], p: SimulateParams): SimulateResult {
  const sc = p?.scenario;
  if (sc) {
    let text: string | undefined;
    let root: ReturnType<typeof parseScenarioText>['root'];
    try {
      let raw: unknown;
      if ('name' in sc) {
        const found = scenarios.find((s) => s.name === sc.name);
        if (!found) return { ok: false, error: `no built-in scenario "${sc.name}" (irqlens scenarios lists them)`, field: 'scenario.name' };
        raw = found.raw;
      } else {
        if (typeof sc.text !== 'string') return { ok: false, error: 'scenario text missing', field: 'scenario.text' };
        text = sc.text;
        const parsed = parseScenarioText(text);
        if (parsed.syntaxError) return { ok: false, error: `scenario file ${parsed.syntaxError.message}`, line: parsed.syntaxError.line };
        raw = parsed.value;
        root = parsed.root;
      }
      return scenarioResult(index, flows, runScenario(flows, raw));
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      const field = scenarioField(e);
      const line = text !== undefined && field ? fieldLine(text, root, field) : undefined;
      const out: Failure = { ok: false, error: e.message };
      if (field) out.field = field;
      if (line !== undefined) out.line = line;
      return out;
    }
  }
  try {
    const { flow, run } = runFlow(flows, p ?? {});
    return { ok: true, trace: traceView(index, flow, run.trace, run), flow: flowView(index, flow, flows) };
  } catch (e) {
    if (e instanceof RequestProblem) return { ok: false, error: e.message, ...(e.field ? { field: e.field } : {}) };
    if (e instanceof ModelError) return { ok: false, error: e.message, ...(e.field ? { field: e.field } : {}) };
    throw e;
  }
}
