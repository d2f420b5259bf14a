// The event-driven core of the simulator. Each execution context (a vCPU, Xen, a KVM or QEMU thread, the timer
// wheel, the scenario's own context `main`) has a queue of pending work; the head of a queue is that context's
// continuation. A step whose code hands work to another context returns `deferTo`, and its `next` is queued there
// instead of running at once. A logical clock ticks once per executed step; `timer@+N` work becomes runnable N ticks
// later. Scheduling is deterministic: a running chain keeps going until it ends or defers, then the context whose
// head work is oldest runs; when nothing is runnable the clock jumps to the earliest timer. With one chain at a time
// (every existing scenario and `simulate`) the order of steps is exactly the old synchronous one.

import { ChangeRecorder } from './changeRecorder';
import { Flow, ModelError, OutcomeEvent, ParamValues, StateChange, Step, StepResult, TraceStep } from './types';

/** What a step that emitted nothing passes to the afterStep hook. */
const NONE_EMITTED: OutcomeEvent[] = [];

/** The context scenario actions run in unless they name another. */
export const MAIN_CONTEXT = 'main';

/** One piece of queued work. Every one is made with all five fields, in this order (one object shape for the loop). */
interface Work<S> {
  step: Step<S>;
  params: ParamValues;
  /** Set on the first step of a scenario action. */
  action: string | undefined;
  /** Enqueue order; a continuation keeps the order of the work that started its chain. */
  seq: number;
  /** The step that handed this work over (its `deferTo`), on the first step of deferred work. */
  deferredFrom: string | undefined;
}

interface Timer {
  at: number;
  seq: number;
  fire(): void;
}

/** Called around every step; a hook may `inject` work, which then runs before the step (or right after it). */
export interface MachineHooks<S> {
  beforeStep?(m: Machine<S>, step: Step<S>, context: string, deferredFrom: string | undefined): void;
  afterStep?(m: Machine<S>, done: TraceStep, emitted: OutcomeEvent[], context: string): void;
}

export interface MachineOptions<S> {
  /** false: ignore `deferTo` and run every `next` at once, as the synchronous simulator did. */
  deferral?: boolean;
  hooks?: MachineHooks<S>;
  /** false: leave `changes` empty (the writes are then not tracked at all). */
  recordChanges?: boolean;
  /** The most steps a trace may hold (a bound on memory for long schedules); reaching it stops the run, truncated. */
  maxSteps?: number;
  /** Says where the limit is set, for the message when it is reached (`--max-steps`, the scenario's `maxSteps`). */
  maxStepsSource?: string;
}

/** The trace bound when none is given: a 10,000-event random schedule is about 60,000 steps. */
export const DEFAULT_MAX_TRACE_STEPS = 200_000;

/** Targets already parsed (a run hands work to the same few contexts over and over). */
const deferTargets = new Map<string, { context: string; delay: number }>();

/** Where deferred work goes: a named context, or `context@+N` (that context, N clock ticks from now; `timer@+N`). */
export function parseDeferTarget(target: string): { context: string; delay: number } {
  const known = deferTargets.get(target);
  if (known) return known;
  const m = /^([A-Za-z][\w.-]*)@\+(\d+)$/.exec(target);
  let out: { context: string; delay: number };
  if (m) out = { context: m[1], delay: Number(m[2]) };
  else if (!/^[A-Za-z][\w.-]*$/.test(target)) throw new ModelError(`deferTo "${target}": a context name (vcpu1, xen, qemu-main …) or timer@+N`);
  else out = { context: target, delay: 0 };
  if (deferTargets.size >= 1024) deferTargets.clear();
  deferTargets.set(target, Object.freeze(out));
  return out;
}

export class Machine<S> {
  readonly steps: TraceStep[] = [];
  readonly outcome: OutcomeEvent[] = [];
  clock = 0;
  truncated = false;
  private seq = 0;
  private readonly queues = new Map<string, Work<S>[]>();
  private timers: Timer[] = [];
  /** The context whose chain is running (it continues until it ends or defers). */
  private running: string | undefined;
  private readonly byId: Map<string, Step<S>>;
  /** Notes each step's writes as they happen (undefined when changes are not recorded). */
  private readonly recorder: ChangeRecorder<S & object> | undefined;
  /** What the running step emitted (undefined: nothing yet), for the afterStep hook. */
  private emitted: OutcomeEvent[] | undefined;
  /** The steps' `emit`, made once: a step's outcome goes to the run's outcome and to the step's own list. */
  private readonly emit = (e: OutcomeEvent): void => {
    this.outcome.push(e);
    (this.emitted ??= []).push(e);
  };

  constructor(readonly flow: Flow<S>, readonly state: S, readonly profile: string, private readonly options: MachineOptions<S> = {}) {
    this.byId = new Map(flow.steps.map((s) => [s.id, s]));
    if (options.recordChanges !== false && typeof state === 'object' && state !== null) this.recorder = new ChangeRecorder(state as S & object);
  }

  /** Change the state outside a step (a scenario action applied directly); returns `change`'s result and the changes made. */
  change<T>(change: (state: S) => T): { result: T; changes: StateChange[] } {
    if (!this.recorder) return { result: change(this.state), changes: [] };
    this.recorder.begin();
    const result = change(this.recorder.view);
    return { result, changes: this.recorder.end() };
  }

  /** Queue the start of a chain at the tail of `context`. */
  post(context: string, step: Step<S>, params: ParamValues, action?: string, deferredFrom?: string): void {
    this.queue(context).push({ step, params, action, seq: this.seq++, deferredFrom });
  }

  /** Run a chain on `context` before anything else: it preempts that context's continuation, and the running chain. */
  inject(context: string, step: Step<S>, params: ParamValues, action?: string): void {
    this.queue(context).unshift({ step, params, action, seq: this.seq++, deferredFrom: undefined });
    this.running = context;
  }

  /** Call `fire` when the clock reaches `at` (deterministic among equal times: first scheduled first). */
  at(time: number, fire: () => void): void {
    this.timers.push({ at: time, seq: this.seq++, fire });
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Record a step that is not a flow step (a scenario action applied directly to the state). */
  record(t: Omit<TraceStep, 'index'>): TraceStep {
    const done = { index: this.steps.length, ...t };
    this.steps.push(done);
    return done;
  }

  /** Contexts with queued work, and each one's next step, in scheduling order. */
  pending(): { context: string; step: string }[] {
    return [...this.queues.entries()].filter(([, q]) => q.length > 0)
      .sort((a, b) => a[1][0].seq - b[1][0].seq)
      .map(([context, q]) => ({ context, step: q[0].step.id }));
  }

  isQuiet(): boolean {
    return this.pending().length === 0 && this.timers.length === 0;
  }

  /** Run one step: of `context` if given (undefined when it has no work), else of the scheduler's choice. */
  step(context?: string): TraceStep | undefined {
    for (;;) {
      this.fireDueTimers();
      const ctx = context ?? this.choose();
      if (ctx === undefined) {
        if (context !== undefined || this.timers.length === 0) return undefined;
        this.clock = Math.max(this.clock, this.timers[0].at);
        continue;
      }
      const q = this.queue(ctx);
      if (q.length === 0) return undefined;
      const head = q[0];
      this.running = ctx;
      this.options.hooks?.beforeStep?.(this, head.step, ctx, head.deferredFrom);
      if (q[0] !== head || this.running !== ctx) {
        // A hook injected work: run that first (the chosen context is asked again next time round).
        if (context !== undefined && this.queue(context)[0] === head) context = undefined;
        continue;
      }
      return this.execute(ctx, head);
    }
  }

  /** Run until no work and no timer is left, or `budget` steps have run (then the run is marked truncated). */
  runUntilQuiet(budget: number): void {
    this.runWhile(() => true, budget);
  }

  /** Run until a step `stepId` has run (true) or the machine is quiet (false). */
  runUntilStep(stepId: string, budget: number): boolean {
    let seen = false;
    this.runWhile((t) => { seen = t.step === stepId; return !seen; }, budget);
    return seen;
  }

  /** True once the trace holds `maxSteps` steps: the run is stopped, truncated, with a message naming the limit. */
  atLimit(): boolean {
    const max = this.options.maxSteps ?? DEFAULT_MAX_TRACE_STEPS;
    if (this.steps.length < max) return false;
    if (!this.truncated) {
      this.truncated = true;
      const left = this.pending().length + this.timers.length;
      this.outcome.push({ kind: 'error', detail: `stopped at the trace limit of ${max} steps (${this.options.maxStepsSource ?? 'maxSteps'})${left ? `; ${left} queued item(s) not run` : ''}` });
      this.dropAll();
    }
    return true;
  }

  private runWhile(more: (t: TraceStep) => boolean, budget: number): void {
    for (let n = 0; ; n++) {
      if (this.atLimit()) return;
      if (n >= budget) {
        const ctx = this.choose();
        this.truncated = true;
        this.outcome.push({ kind: 'error', detail: `stopped after ${budget} steps: the model is looping at ${ctx !== undefined ? this.queue(ctx)[0].step.id : 'a timer'}` });
        this.dropAll();
        return;
      }
      const t = this.step();
      if (!t || !more(t)) return;
    }
  }

  private execute(ctx: string, work: Work<S>): TraceStep {
    const q = this.queue(ctx);
    this.running = ctx;
    const cur = work.step;
    this.emitted = undefined;
    const recorder = this.recorder;
    recorder?.begin();
    const result: StepResult = cur.run({ state: recorder ? recorder.view : this.state, params: work.params, profile: this.profile, emit: this.emit, context: ctx });
    const changes = recorder ? recorder.end() : [];
    const next = result.next === null ? undefined : this.byId.get(result.next);
    if (result.next !== null && next === undefined) {
      throw new Error(`model bug: step ${cur.id} of flow ${this.flow.id} names unknown next step ${result.next}`);
    }
    this.clock++;
    // The context is written in the literal (the trace keeps every step: a field added later costs a separate store).
    const done: TraceStep = ctx === MAIN_CONTEXT
      ? { index: this.steps.length, step: cur.id, title: cur.title, component: cur.component, branch: result.branch, why: result.why, changes, functions: cur.links, next: result.next, action: work.action }
      : { index: this.steps.length, step: cur.id, title: cur.title, component: cur.component, branch: result.branch, why: result.why, changes, functions: cur.links, next: result.next, action: work.action, context: ctx };
    this.steps.push(done);
    q.shift();
    const deferral = this.options.deferral !== false;
    if (result.handOff !== undefined) {
      for (const h of result.handOff) {
        const step = this.byId.get(h.next);
        if (!step) throw new Error(`model bug: step ${cur.id} of flow ${this.flow.id} hands off unknown step ${h.next}`);
        const params = { ...work.params, ...result.params, ...h.params };
        if (!deferral) {
          q.unshift({ step, params, action: undefined, seq: work.seq, deferredFrom: undefined });
          continue;
        }
        (done.handedOff ??= []).push(`${h.next} → ${h.to}`);
        this.handTo(h.to, step, params, cur.id);
      }
    }
    if (next !== undefined) {
      const params = result.params ? { ...work.params, ...result.params } : work.params;
      if (result.deferTo !== undefined && deferral) {
        done.deferredTo = result.deferTo;
        this.handTo(result.deferTo, next, params, cur.id);
        this.running = undefined;
      } else {
        q.unshift({ step: next, params, action: undefined, seq: work.seq, deferredFrom: undefined });
      }
    } else {
      this.running = undefined;
    }
    this.options.hooks?.afterStep?.(this, done, this.emitted ?? NONE_EMITTED, ctx);
    return done;
  }

  /** Queue work handed over by step `from` on a context, or on a context N ticks from now (`context@+N`). */
  private handTo(to: string, step: Step<S>, params: ParamValues, from: string): void {
    const target = parseDeferTarget(to);
    if (target.delay > 0) this.at(this.clock + target.delay, () => this.post(target.context, step, params, undefined, from));
    else this.post(target.context, step, params, undefined, from);
  }

  private choose(): string | undefined {
    if (this.running !== undefined && this.queue(this.running).length > 0) return this.running;
    // The context whose head work is oldest (what pending() lists first), without building the list.
    let best: string | undefined;
    let seq = Infinity;
    for (const [context, q] of this.queues) if (q.length > 0 && q[0].seq < seq) { seq = q[0].seq; best = context; }
    return best;
  }

  private fireDueTimers(): void {
    while (this.timers.length > 0 && this.timers[0].at <= this.clock) this.timers.shift()!.fire();
  }

  private dropAll(): void {
    this.queues.clear();
    this.timers = [];
    this.running = undefined;
  }

  private queue(context: string): Work<S>[] {
    let q = this.queues.get(context);
    if (!q) this.queues.set(context, (q = []));
    return q;
  }
}
