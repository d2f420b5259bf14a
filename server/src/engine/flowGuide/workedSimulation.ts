// A worked example for a hover: the flow's default scenario up to one step — the state the step reads (as it read it),
// what it changes (before → after), the branch it takes and why, then the following steps, and the outcome.
// It is the simulation panel's and the CLI's run from the step (midFlowStart.ts): the default run from the flow's entry
// up to the step, so upstream steps choose the vector, the port, the target and the step sees realistic values. A step
// that run does not reach is run on its own with the defaults, else taken from the first built-in scenario of the flow
// that reaches it.
import { deepClone, runScenario, type Flow, type OutcomeEvent, type ParamValues, type Step, type Trace, type TraceStep } from '@irqlens/models';
import type { BuiltinScenario } from './builtinScenarios';
import { simulateFromStep, type AssumedStep } from './midFlowStart';
import { recordingFlow } from './readRecorder';

export interface WorkedRun {
  /** How the step was reached: the default run from the flow's entry, a run from the step itself, or a scenario. */
  start: { kind: 'entry' } | { kind: 'step' } | { kind: 'scenario'; name: string };
  /** The steps run before this one (from the entry, or the scenario's), not shown. */
  assumed: AssumedStep[];
  profile: string;
  params: ParamValues;
  /** The trace from the step's first run on. */
  steps: TraceStep[];
  /** Outcome events from the step on (a scenario's: of its whole run). */
  outcome: OutcomeEvent[];
  truncated: boolean;
  /** What the step read on its first run, with the value it read. */
  reads: { path: string; value: unknown }[];
}

/** One parameter set or the profile changed (the what-if search runs the same strategy with it). */
export interface RunVariation {
  profile?: string;
  params?: ParamValues;
}

export type WorkedStrategy = 'entry' | 'step';

/** Records what `step` reads on its first run only: later visits see a changed state. */
function firstRunReads(flow: Flow<unknown>, step: Step<unknown>): { flow: Flow<unknown>; reads: { path: string; value: unknown }[] } {
  const reads: { path: string; value: unknown }[] = [];
  let first = true;
  const recording = recordingFlow(flow, (id, path, value) => {
    if (first && id === step.id && !reads.some((r) => r.path === path)) reads.push({ path, value: deepClone(value) });
  });
  const wrapped = recording.steps.find((s) => s.id === step.id);
  if (wrapped) {
    const inner = wrapped.run.bind(wrapped);
    wrapped.run = (ctx) => {
      try {
        return inner(ctx);
      } finally {
        first = false;
      }
    };
  }
  return { flow: recording, reads };
}

function fromTrace(start: WorkedRun['start'], trace: Trace, step: Step<unknown>, reads: WorkedRun['reads']): WorkedRun | undefined {
  const at = trace.steps.findIndex((s) => s.step === step.id);
  if (at < 0) return undefined;
  const assumed = trace.steps.slice(0, at).map((s) => ({ step: s.step, title: s.title, branch: s.branch }));
  return { start, assumed, profile: trace.profile, params: trace.params, steps: trace.steps.slice(at), outcome: trace.outcome, truncated: trace.truncated, reads };
}

/**
 * Runs `flow` to `step` with a strategy: `entry`, the run from the flow's entry (undefined when it does not reach the
 * step); `step`, the step on its own. Undefined when the run is refused.
 */
export function runToStep(flow: Flow<unknown>, step: Step<unknown>, strategy: WorkedStrategy, v: RunVariation = {}, recordReads = false): WorkedRun | undefined {
  const rec = recordReads ? firstRunReads(flow, step) : { flow, reads: [] };
  try {
    const run = simulateFromStep(rec.flow, { profile: v.profile, params: v.params, from: step.id, alone: strategy === 'step', afterEntryOnly: strategy === 'entry' });
    const assumed = run.start.kind === 'after-entry' ? run.start.assumed : [];
    const t = run.trace;
    return { start: { kind: strategy }, assumed, profile: t.profile, params: t.params, steps: t.steps, outcome: t.outcome, truncated: t.truncated, reads: rec.reads };
  } catch {
    return undefined;
  }
}

function fromScenario(flows: readonly Flow<unknown>[], flow: Flow<unknown>, step: Step<unknown>, scenarios: readonly BuiltinScenario[]): WorkedRun | undefined {
  for (const sc of scenarios) {
    if (sc.summary.flow !== flow.id) continue;
    const rec = firstRunReads(flow, step);
    try {
      const run = runScenario(flows.map((f) => (f === flow ? rec.flow : f)), sc.raw);
      const found = fromTrace({ kind: 'scenario', name: sc.name }, run.trace, step, rec.reads);
      if (found) return found;
    } catch {
      // A broken scenario file is reported by `irqlens scenarios --check`, not here.
    }
  }
  return undefined;
}

export function workedRun(flows: readonly Flow<unknown>[], flow: Flow<unknown>, step: Step<unknown>, scenarios: readonly BuiltinScenario[]): WorkedRun | undefined {
  return runToStep(flow, step, 'entry', {}, true) ?? runToStep(flow, step, 'step', {}, true) ?? fromScenario(flows, flow, step, scenarios);
}

/** The outcome in one line, for comparing runs and for the hover. */
export function outcomeLine(outcome: OutcomeEvent[]): string {
  if (outcome.length === 0) return 'nothing delivered, nothing left pending';
  return outcome
    .map((o) => `${o.kind}${o.target ? ` on ${o.target}` : ''}${o.handler ? ` → ${o.handler}` : ''}${o.what ? ` (${o.what})` : ''}`)
    .join('; ');
}
