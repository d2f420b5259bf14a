// The vocabulary of an executable interrupt-path model: flows, steps, links, contracts, traces.
// Plain data and pure functions only; the server, the CLI and the tests all drive these types.

/** The codebases a step can be implemented in. KVM lives in the Linux tree. */
export type Codebase = 'xen' | 'qemu' | 'linux';
export const CODEBASES: readonly Codebase[] = ['xen', 'qemu', 'linux'];

/** A function (or macro / asm label) that implements a step in one codebase. */
export interface Link {
  codebase: Codebase;
  /** The name as defined in the versions the models follow (Xen 4.17, QEMU 7.2, Linux 6.1). */
  symbol: string;
  /** Path hint relative to the tree root, e.g. `xen/common/event_2l.c`. */
  file?: string;
  /** What the symbol is when it is not a C function: resolution then looks for that kind. */
  kind?: 'function' | 'macro' | 'asm' | 'variable' | 'type';
  /** Names this symbol had in other versions (e.g. Linux 5.x's `__xen_evtchn_do_upcall`). */
  formerly?: { symbol: string; in: string }[];
  /** When the symbol exists only in some versions: a short human statement, e.g. "Linux ≥ 5.9". */
  versions?: string;
  /** Why this link is here, when the step's title does not make it obvious. */
  note?: string;
}

/**
 * A property the implementation of a step must keep, as data the review engine can check on code.
 * `text` is what a reviewer reads; `check` is what the engine tests on a function body.
 */
export interface Contract {
  id: string;
  text: string;
  /** Where the property comes from: rule ids of the registry (`XR9`, `QR7`), an SDM section, or the step's docs page. */
  source: string;
  /** Which codebase's implementation the check applies to. */
  codebase: Codebase;
  /** The function whose body the check reads. */
  symbol: string;
  check: ContractCheck;
}

export type ContractCheck =
  /** The body calls (or expands) at least one of these names. */
  | { kind: 'calls'; anyOf: string[] }
  /** Some call to one of `first` appears before some later call to one of `then`. */
  | { kind: 'callOrder'; first: string[]; then: string[] }
  /** The body mentions (as an identifier or field) at least one of these names. */
  | { kind: 'mentions'; anyOf: string[] }
  /** The body does not call any of these names. */
  | { kind: 'doesNotCall'; names: string[] };

/** A named implementation variant a flow can be run under (e.g. QEMU TCG vs KVM in-kernel vs the SDM). */
export interface Profile {
  id: string;
  title: string;
  description: string;
}

/** A parameter a flow reads (the port, the vector, the target vCPU …). */
export interface ParamSpec {
  name: string;
  type: 'int' | 'bool' | 'string' | 'enum';
  description: string;
  default: number | boolean | string;
  min?: number;
  max?: number;
  values?: string[];
}

export type ParamValues = Record<string, number | boolean | string>;

/** Something a run ends with, for the trace's outcome summary. */
export interface OutcomeEvent {
  kind: 'delivered' | 'pending' | 'lost' | 'dropped' | 'woken' | 'error' | 'note';
  /** e.g. `vcpu1`, `cpu0`, `dom1`. */
  target?: string;
  /** The handler that ran (a function name) when kind is delivered. */
  handler?: string;
  /** Port, vector, GSI, queue … whatever identifies the interrupt. */
  what?: string;
  detail: string;
}

/** One state field that changed in a step, on a dotted path of the flow's state. */
export interface StateChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** What a step's `run` returns. */
export interface StepResult {
  /** Short name of the branch taken, e.g. `already-pending`, `masked`, `deliver`. */
  branch: string;
  /** Why that branch was taken, in terms of the state read. */
  why: string;
  /** The next step's id, or null when the flow ends here. */
  next: string | null;
  /** Parameters the next step sees (merged over the current ones), e.g. the vector chosen. */
  params?: ParamValues;
  /**
   * Where the code hands `next` to another execution context instead of calling it (an IPI, a kick, a tasklet,
   * a work item, a VM entry): a context name (`vcpu1`, `xen`, `qemu-main` …), or `context@+N` (N clock ticks later:
   * a timer or delayed work; `timer@+N` runs on the `timer` context).
   * The simulator queues `next` there; absent, `next` runs at once on the same context.
   */
  deferTo?: string;
  /**
   * Work the code hands to another context while this chain goes on (an IPI sent, a tasklet, timer or work item
   * scheduled, the caller's later local_irq_restore): each `next` is queued on `to` (a context or `timer@+N`) with the
   * current parameters merged with its own.
   */
  handOff?: HandOff[];
}

export interface HandOff {
  next: string;
  to: string;
  params?: ParamValues;
}

/** What a step may use while it runs. */
export interface StepContext<S> {
  /** The flow state; mutate it in place, the simulator records before → after. */
  state: S;
  params: ParamValues;
  profile: string;
  /** Record an outcome (delivered, pending, lost …). */
  emit(event: OutcomeEvent): void;
  /**
   * The execution context the step runs on (`main`, `vcpu1`, `kvm-wq` …), for a step whose next work belongs to a
   * given thread: it goes on at once when that is this context, and is handed over otherwise.
   */
  context?: string;
}

/**
 * A branch a step declares: its name as `StepResult.branch`, when it is taken (in words, or as the model explains it),
 * and the step it leads to; null when the chain ends there (the run ends, or resumes the step that called the chain,
 * or goes on with the next queued target). A name may appear twice when it can lead to two steps.
 */
export interface StepBranch {
  name: string;
  when: string;
  next: string | null;
}

export interface Step<S = unknown> {
  /** Step id, e.g. `X1.6`, `Q1.3`; a step reused in another flow F is `<id>@F`. */
  id: string;
  /** Short title, usually the main function's name. */
  title: string;
  /** What this step does in the path: shown in hovers and lenses. */
  role: string;
  /** The component whose state the step reads or writes, e.g. `evtchn-2l`, `lapic`. */
  component: string;
  /**
   * The component operation this step performs, when several codebases implement the same
   * operation (e.g. `lapic.accept`: QEMU `apic_set_irq`, KVM `__apic_accept_irq`, Xen `vlapic_set_irq`).
   * Keys into `EQUIVALENTS`.
   */
  operation?: string;
  links: Link[];
  contracts?: Contract[];
  /** Ids of the rules (models/src/rules) this step implements, e.g. `['XR8', 'XR9']`. */
  rules?: string[];
  /** Further reading a user can check beyond the rules, e.g. `SDM 10.8.5`. The step's page is docs/flows/<flow>.md. */
  source?: string;
  /**
   * The branches this step can take, declared for readers (docs, hovers): `when` says in words when it is taken,
   * `next` is the step it leads to (null: the run ends there). A run that takes an undeclared name fails the test.
   */
  branches?: StepBranch[];
  /**
   * Branch names this step had in earlier versions, for scenario files that still name them (a public interface): an
   * expectation `{ step: <this step>, branch: <old name> }` is checked as the step and branch that now take that
   * decision (the work moved to a later step when the step was split).
   */
  formerBranches?: Record<string, { step: string; branch: string }>;
  run(ctx: StepContext<S>): StepResult;
}

/** A scenario action a flow understands: either run from a step, or change state directly. */
export interface ActionSpec<S = unknown> {
  name: string;
  description: string;
  params: ParamSpec[];
  /** Run the flow from this step with these parameters … */
  from?: string;
  /** … or apply a direct state change (e.g. a guest writing a mask bit, a vCPU blocking). */
  apply?(state: S, params: ParamValues): string;
  /**
   * The context a `from` action's chain starts on when the scenario's action gives no `on` (default `main`): what a
   * guest does on one vCPU (its EOI write, its run loop) runs on that vCPU's thread, e.g. `vcpu1`.
   */
  on?(params: ParamValues): string;
}

export interface Flow<S = unknown> {
  /** Flow id: X1 … X7 (Xen), Q1 … Q12 (QEMU, KVM). */
  id: string;
  name: string;
  description: string;
  /** Which codebases implement steps of this flow. */
  codebases: Codebase[];
  profiles: Profile[];
  defaultProfile: string;
  params: ParamSpec[];
  /** The step a run starts at when no `from` is given. */
  entry: string;
  steps: Step<S>[];
  actions: ActionSpec<S>[];
  /** A fresh state for this profile and parameters. */
  initialState(profile: string, params: ParamValues): S;
  /** Impossible states and parameters (a vector below 16, a port beyond the ABI): precise messages, empty if fine. */
  validate(state: S, params: ParamValues, profile: string): string[];
  /** Human notes on how to read this flow's state paths, for `--set` and the README. */
  stateDoc: Record<string, string>;
  /**
   * Steps this flow had in earlier versions, for scenario files that still name them (a public interface): the id
   * answers as the step `now` (placements, `neverStep`), and a branch it had as the step and branch that take that
   * decision now.
   */
  formerSteps?: Record<string, FormerStep>;
}

export interface FormerStep {
  now: string;
  branches: Record<string, { step: string; branch: string }>;
}

/** One executed step in a trace. */
export interface TraceStep {
  index: number;
  step: string;
  title: string;
  component: string;
  branch: string;
  why: string;
  changes: StateChange[];
  functions: Link[];
  next: string | null;
  /** Set when this step started a scenario action. */
  action?: string;
  /** The execution context the step ran on, when not the scenario's own (`main`). */
  context?: string;
  /** Set when the step queued `next` on another context (its `deferTo`). */
  deferredTo?: string;
  /** Work the step handed to other contexts while its own chain went on: `step → context`. */
  handedOff?: string[];
}

export interface Trace {
  flow: string;
  profile: string;
  from: string;
  params: ParamValues;
  steps: TraceStep[];
  outcome: OutcomeEvent[];
  finalState: unknown;
  /** True when the run stopped at the step limit instead of reaching an end. */
  truncated: boolean;
}

/** A precise, user-facing model error (unknown flow, bad field, impossible state). */
export class ModelError extends Error {
  constructor(message: string, readonly field?: string) {
    super(message);
    this.name = 'ModelError';
  }
}
