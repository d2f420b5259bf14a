// A worked example for a hover: the flow's default scenario run from one step — the state the step reads, what it
// changes (before → after), the branch it takes and why, then the following steps one line each, and the outcome.
// A step that cannot start a run on its own (it needs a vector or a port chosen upstream) is shown as reached from
// the flow's entry, or from the first built-in scenario of the flow that reaches it.
import { getPath, runScenario, simulate, type Flow, type OutcomeEvent, type ParamValues, type Step, type TraceStep } from '../../../../models/src/index';
import type { BuiltinScenario } from './builtinScenarios';
import { recordingFlow } from './readRecorder';

export interface WorkedRun {
  /** How the step was reached: run from the step itself, from the flow's entry, or by a scenario. */
  start: { kind: 'step' } | { kind: 'entry' } | { kind: 'scenario'; name: string };
  profile: string;
  params: ParamValues;
  /** The trace from the step's first run on. */
  steps: TraceStep[];
  outcome: OutcomeEvent[];
  truncated: boolean;
  /** What the step read, with the value before it ran (only when the run starts at the step, where that state is known). */
  reads: { path: string; value: unknown }[];
}

/** The run-from-step strategy with one parameter set or profile changed (the what-if search uses the same start). */
export interface RunVariation {
  profile?: string;
  params?: ParamValues;
}

function fromStep(flow: Flow<unknown>, step: Step<unknown>, v: RunVariation, recordReads: boolean): WorkedRun {
  if (!recordReads) {
    const t = simulate(flow, { from: step.id, profile: v.profile, params: v.params });
    return { start: { kind: 'step' }, profile: t.profile, params: t.params, steps: t.steps, outcome: t.outcome, truncated: t.truncated, reads: [] };
  }
  const reads: string[] = [];
  let first = true;
  const recording = recordingFlow(flow, (id, path) => {
    if (first && id === step.id && !reads.includes(path)) reads.push(path);
  });
  // Only the first execution of the step counts as "what it read": later visits see a changed state.
  const originalRun = recording.steps.find((s) => s.id === step.id);
  if (originalRun) {
    const inner = originalRun.run.bind(originalRun);
    originalRun.run = (ctx) => {
      try {
        return inner(ctx);
      } finally {
        first = false;
      }
    };
  }
  const trace = simulate(recording, { from: step.id, profile: v.profile, params: v.params });
  const initial = flow.initialState(trace.profile, trace.params);
  const values = reads.map((path) => {
    try {
      return { path, value: getPath(initial, path) };
    } catch {
      return undefined;
    }
  });
  return {
    start: { kind: 'step' }, profile: trace.profile, params: trace.params, steps: trace.steps, outcome: trace.outcome, truncated: trace.truncated,
    reads: values.filter((x): x is { path: string; value: unknown } => x !== undefined),
  };
}

function fromEntry(flow: Flow<unknown>, step: Step<unknown>, v: RunVariation): WorkedRun | undefined {
  const trace = simulate(flow, { profile: v.profile, params: v.params });
  const at = trace.steps.findIndex((s) => s.step === step.id);
  if (at < 0) return undefined;
  return { start: { kind: 'entry' }, profile: trace.profile, params: trace.params, steps: trace.steps.slice(at), outcome: trace.outcome, truncated: trace.truncated, reads: [] };
}

function fromScenario(flows: readonly Flow<unknown>[], flow: Flow<unknown>, step: Step<unknown>, scenarios: readonly BuiltinScenario[]): WorkedRun | undefined {
  for (const sc of scenarios) {
    if (sc.summary.flow !== flow.id) continue;
    try {
      const run = runScenario(flows, sc.raw);
      const at = run.trace.steps.findIndex((s) => s.step === step.id);
      if (at >= 0) {
        const t = run.trace;
        return { start: { kind: 'scenario', name: sc.name }, profile: t.profile, params: t.params, steps: t.steps.slice(at), outcome: t.outcome, truncated: t.truncated, reads: [] };
      }
    } catch {
      // A broken scenario file is reported by `irqlens scenarios --check`, not here.
    }
  }
  return undefined;
}

export type WorkedStrategy = 'step' | 'entry';

/** Runs `flow` to `step` with a strategy; undefined when that strategy cannot reach the step. */
export function runToStep(flow: Flow<unknown>, step: Step<unknown>, strategy: WorkedStrategy, v: RunVariation = {}, recordReads = false): WorkedRun | undefined {
  try {
    return strategy === 'step' ? fromStep(flow, step, v, recordReads) : fromEntry(flow, step, v);
  } catch {
    return undefined;
  }
}

export function workedRun(flows: readonly Flow<unknown>[], flow: Flow<unknown>, step: Step<unknown>, scenarios: readonly BuiltinScenario[]): WorkedRun | undefined {
  return runToStep(flow, step, 'step', {}, true) ?? runToStep(flow, step, 'entry') ?? fromScenario(flows, flow, step, scenarios);
}

/** The outcome in one line, for comparing runs and for the hover. */
export function outcomeLine(outcome: OutcomeEvent[]): string {
  if (outcome.length === 0) return 'nothing delivered, nothing left pending';
  return outcome
    .map((o) => `${o.kind}${o.target ? ` on ${o.target}` : ''}${o.handler ? ` → ${o.handler}` : ''}${o.what ? ` (${o.what})` : ''}`)
    .join('; ');
}
