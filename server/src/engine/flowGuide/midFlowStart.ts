// Starting a flow at one of its steps ("Simulate from here", `irqlens simulate --from`, the hover's worked run). A step
// on its own sees a fresh state: the pending bit, the vector, the target vCPU that earlier steps set are missing, and a
// delivery the flow makes after the step is lost. So the flow runs from its entry with the same profile, parameters and
// state, silently up to the step's first visit, and the shown trace starts there: its steps and outcomes are exactly
// what the whole run does from that point, and the steps run before it are listed as assumed. Only a step that run
// never reaches (an action's own start, another branch) starts on its own, and the trace says so.
import { ModelError, resolveStart, simulate, traceToText, type Flow, type OutcomeEvent, type SimulateOptions, type Step, type Trace } from '@irqlens/models';

/** A step run before the shown trace starts, as the trace names it. */
export interface AssumedStep {
  step: string;
  title: string;
  branch: string;
}

export type StartKind =
  /** The step is the flow's entry: nothing to assume. */
  | { kind: 'entry' }
  /** The run from the entry, up to the step's first visit, established the state; its steps are listed. */
  | { kind: 'after-entry'; assumed: AssumedStep[] }
  /** The run from the entry does not reach the step (with these parameters), or `alone` was asked: a fresh state. */
  | { kind: 'alone'; reason: string };

export interface StartedRun {
  /** The trace from the step on: indices from 0, outcomes the shown steps emitted, the whole run's final state. */
  trace: Trace;
  start: StartKind;
}

export interface StartOptions extends SimulateOptions {
  /** Start at the step with a fresh state even when the run from the entry reaches it (the what-if search's "from here"). */
  alone?: boolean;
  /** Only the run from the entry: a step it does not reach is a ModelError, not a fresh start (the what-if search). */
  afterEntryOnly?: boolean;
}

/** A copy of `flow` that records which run of a step (its index in the trace) emitted each outcome. */
function attributing<S>(flow: Flow<S>): { flow: Flow<S>; emittedAt: Map<OutcomeEvent, number> } {
  const emittedAt = new Map<OutcomeEvent, number>();
  let runs = 0;
  const steps = flow.steps.map((step): Step<S> => {
    const wrapped = Object.create(step) as Step<S>;
    wrapped.run = (ctx) => {
      const at = runs++;
      return step.run({ ...ctx, emit: (e) => { emittedAt.set(e, at); ctx.emit(e); } });
    };
    return wrapped;
  });
  const copy = Object.create(flow) as Flow<S>;
  copy.steps = steps;
  return { flow: copy, emittedAt };
}

/** The trace of `run` from step index `at` on, renumbered; outcomes emitted before `at` are the assumed part's. */
function suffix(trace: Trace, at: number, emittedAt: Map<OutcomeEvent, number>): Trace {
  const steps = trace.steps.slice(at).map((s, i) => ({ ...s, index: i }));
  // An outcome no step emitted (the step limit's error) belongs to the end of the run, so to the shown part.
  const outcome = trace.outcome.filter((o) => (emittedAt.get(o) ?? Infinity) >= at);
  return { ...trace, from: steps[0]?.step ?? trace.from, steps, outcome };
}

/**
 * Runs `flow` from `options.from` (a step id or linked function; the entry when absent). Throws the models' ModelError
 * on bad input, as `simulate` does.
 */
export function simulateFromStep<S>(flow: Flow<S>, options: StartOptions = {}): StartedRun {
  const start = resolveStart(flow, options.from);
  const { alone, afterEntryOnly, ...simulateOptions } = options;
  if (start.id === flow.entry) return { trace: simulate(flow, { ...simulateOptions, from: start.id }), start: { kind: 'entry' } };
  const fresh = (reason: string): StartedRun => {
    if (afterEntryOnly) throw new ModelError(reason.replace(/: started on its own.*$/, ''), 'from');
    try {
      return { trace: simulate(flow, { ...simulateOptions, from: start.id }), start: { kind: 'alone', reason } };
    } catch (e) {
      if (e instanceof ModelError) throw e;
      // Model code that finds no state to read (a FIFO control block, a bound port) where earlier steps would set it.
      throw new ModelError(`${start.id} cannot run with a fresh state (${(e as Error).message}); ${reason.replace(/: started on its own.*$/, '')}`, 'from');
    }
  };
  if (alone) return fresh('started on its own with a fresh state, as asked');
  const rec = attributing(flow);
  // Bad parameters or state fail here as they would from the step; a refusal of the entry (a step that needs another
  // guest type) is only a reason to start alone.
  let whole: Trace;
  try {
    whole = simulate(rec.flow, { ...simulateOptions, from: undefined });
  } catch (e) {
    return fresh(`the run from the entry ${flow.entry} stops with an error (${(e as Error).message}): started on its own with a fresh state`);
  }
  const at = whole.steps.findIndex((s) => s.step === start.id);
  if (at < 0) return fresh(`the run from the entry ${flow.entry} does not reach ${start.id} with these parameters: started on its own with a fresh state`);
  const assumed = whole.steps.slice(0, at).map((s) => ({ step: s.step, title: s.title, branch: s.branch }));
  return { trace: suffix(whole, at, rec.emittedAt), start: { kind: 'after-entry', assumed } };
}

/** One line saying how the trace started: which earlier steps were assumed, or why the step ran on its own. */
export function startLine(run: StartedRun, maxSteps = 12): string | undefined {
  const s = run.start;
  if (s.kind === 'entry') return undefined;
  if (s.kind === 'alone') return `assumed: nothing (${s.reason})`;
  const shown = s.assumed.slice(0, maxSteps).map((a) => `${a.step} ${a.branch}`);
  const more = s.assumed.length > maxSteps ? ` … ${s.assumed.length - maxSteps} more` : '';
  return `assumed: the run from the entry up to ${run.trace.from}, not shown (${s.assumed.length} steps): ${shown.join(' → ')}${more}`;
}

/** The trace as the CLI prints it, with the "assumed" line under its header. */
export function startedTraceText(run: StartedRun, flow?: Flow<unknown>, options?: Parameters<typeof traceToText>[2]): string {
  const text = traceToText(run.trace, flow, options);
  const line = startLine(run);
  if (!line) return text;
  const lines = text.split('\n');
  lines.splice(2, 0, line);
  return lines.join('\n');
}
