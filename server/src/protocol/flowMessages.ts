// The messages between the client and the server about interrupt flows: the flows view, the simulation panel and the
// command links that lenses and hovers carry. Plain data only: this module imports nothing from the engine or models.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per message (method, types), as in vscode-eslint's customMessages */
import { RequestType, RequestType0 } from 'vscode-languageserver-protocol';

export type CodebaseName = 'xen' | 'qemu' | 'linux';

/** A place in a workspace file (0-based line and character, as in LSP). */
export interface SourceLocation {
  uri: string;
  line: number;
  character: number;
}

/** One function (or macro, asm label) that implements a step in one codebase, resolved against the open trees. */
export interface LinkView {
  codebase: CodebaseName;
  symbol: string;
  /** Path hint relative to the tree root, as the model states it. */
  file?: string;
  /** Where the definition is, when a tree of that codebase is open and the symbol resolves. */
  location?: SourceLocation;
  /** Why there is no location (no tree of that codebase open, not found in this version, …). */
  unresolved?: string;
}

export interface StepView {
  id: string;
  title: string;
  /**
   * "Step k of n" along the flow's own path: its own steps in declared order. A copy of another flow's step
   * (`X1.9@X6`, `sharedFrom` X1) has its home step's position and total in that flow.
   */
  position: number;
  total: number;
  sharedFrom?: string;
  /** The place as every front end prints it: "step 7 of 17", "shared step X1.9 of X1 (step 9 of 32 there)". */
  place: string;
  role: string;
  component: string;
  operation?: string;
  links: LinkView[];
}

export interface ParamView {
  name: string;
  type: 'int' | 'bool' | 'string' | 'enum';
  description: string;
  default: number | boolean | string;
  min?: number;
  max?: number;
  values?: string[];
}

export interface FlowView {
  id: string;
  name: string;
  description: string;
  codebases: CodebaseName[];
  profiles: { id: string; title: string }[];
  defaultProfile: string;
  params: ParamView[];
  steps: StepView[];
}

/** client → server: every flow with its steps and their links resolved against the indexed trees (the flows view). */
export namespace FlowsRequest {
  export const method = 'irqlens/flows';
  export const type = new RequestType0<FlowView[], void>(method);
}

export interface ScenarioSummary {
  name: string;
  title: string;
  flow: string;
  question?: string;
}

/** client → server: the built-in scenarios (a quick pick). */
export namespace ScenariosRequest {
  export const method = 'irqlens/scenarios';
  export const type = new RequestType0<ScenarioSummary[], void>(method);
}

export type ParamValue = number | boolean | string;

/** What to simulate: a flow from a step (or function), or a scenario (built-in by name, or a file's JSON text). */
export interface SimulateParams {
  flow?: string;
  /** A step id (`X6.6`) or a linked function name (`hvm_assert_evtchn_irq`). */
  from?: string;
  profile?: string;
  params?: Record<string, ParamValue>;
  /** State paths to set before running (`shared_info.evtchn_mask`: [10]). */
  set?: Record<string, unknown>;
  scenario?: { name: string } | { uri: string; text: string };
}

/** The part of the picture a step belongs to: one column of the sequence diagram. */
export type Lane = 'device' | 'ioapic' | 'lapic' | 'xen' | 'host' | 'vcpu' | 'guest';

export interface TraceStepView {
  index: number;
  step: string;
  title: string;
  component: string;
  lane: Lane;
  branch: string;
  why: string;
  changes: { path: string; before: unknown; after: unknown }[];
  functions: LinkView[];
  next: string | null;
  action?: string;
  /** The execution context the step ran on, when not the scenario's own (`vcpu1`, `xen-softirq` …). */
  context?: string;
  /** Set when the step queued its next step on another context (a kick, a tasklet) instead of calling it. */
  deferredTo?: string;
  /** Work the step queued on other contexts while its own chain went on (`X6.5 → xen-softirq`). */
  handedOff?: string[];
}

export interface OutcomeView {
  kind: 'delivered' | 'pending' | 'lost' | 'dropped' | 'woken' | 'error' | 'note';
  target?: string;
  handler?: string;
  what?: string;
  detail: string;
}

export interface TraceView {
  flow: string;
  flowName: string;
  profile: string;
  from: string;
  params: Record<string, ParamValue>;
  steps: TraceStepView[];
  outcome: OutcomeView[];
  truncated: boolean;
  /** The trace as the CLI prints it (the `irqlens-trace` language). */
  text: string;
  /** For scenarios: each expectation and whether it held. */
  expectations?: { text: string; ok: boolean; detail?: string }[];
  /**
   * A run from a step after the flow's entry: the steps that ran before it from the entry (not in `steps`), which
   * established the state the trace starts with.
   */
  assumed?: { step: string; title: string; branch: string }[];
  /** A run from a step the run from the entry does not reach: why it started with a fresh state. */
  startedAlone?: string;
}

export type SimulateResult =
  | { ok: true; trace: TraceView; flow: FlowView }
  /** `field` names the bad scenario field or parameter (`actions[1].with`); `line` is its line in a scenario file, if known. */
  | { ok: false; error: string; field?: string; line?: number };

/** client → server: run a simulation (the "Simulate from here" panel, a scenario file). */
export namespace SimulateRequest {
  export const method = 'irqlens/simulate';
  export const type = new RequestType<SimulateParams, SimulateResult, void>(method);
}

// ---- Command links ---------------------------------------------------------------------------------------------------
// Lenses and hovers carry these client commands with one argument each. Hover markdown trusts exactly these ids
// (`isTrusted: { enabledCommands }`), never everything.

/** Opens the simulation panel for a flow from a step. */
export interface SimulateFromHereArgs {
  flow: string;
  step: string;
  /** The function the user stood on, for the panel's title. */
  symbol?: string;
}

/** Goes to a step's function in a codebase; with no location, says where it lives and offers to add the folder. */
export interface GoToStepArgs {
  flow: string;
  step: string;
  title: string;
  link: LinkView;
}

/** A function on several flows: a quick pick of its places. */
export interface PickFlowStepArgs {
  symbol: string;
  /** `place` as StepView's. */
  places: { flow: string; flowName: string; step: string; position: number; total: number; place: string; title: string }[];
}

/** Opens the call hierarchy at a function's name. */
export interface ShowCallHierarchyArgs {
  location: SourceLocation;
}

/** Opens the flows view on a flow (and a step in it). */
export interface ShowFlowArgs {
  flow: string;
  step?: string;
}

export const ClientCommands = {
  simulateFromHere: 'irqlens.simulateFromHere',
  goToStep: 'irqlens.goToStep',
  pickFlowStep: 'irqlens.pickFlowStep',
  showCallHierarchy: 'irqlens.showCallHierarchy',
  showFlow: 'irqlens.showFlow',
} as const;

/** The command ids hover markdown may run. */
export const hoverCommandAllowList: readonly string[] = [ClientCommands.simulateFromHere, ClientCommands.goToStep, ClientCommands.showFlow];

/** Per tree and codebase: how many model links resolve (the status item's "xen 317/317"). */
export interface LinkCoverage {
  root: string;
  codebase: CodebaseName;
  resolved: number;
  total: number;
}

/** client → server: link coverage per indexed tree. */
export namespace LinkCoverageRequest {
  export const method = 'irqlens/linkCoverage';
  export const type = new RequestType0<LinkCoverage[], void>(method);
}
