// "Step k of n" as a reader counts it: along the flow's own path, i.e. its own steps in the order the model declares
// them (the order of its docs page). Steps a flow reuses from another flow (`X1.9@X6`, the shared delivery steps) are
// on its path too, but they are that other flow's steps: they have no number here and say whose they are. So n is the
// number of steps the flow itself describes, not 55 for X6 because it carries copies of X1's guest-side steps.

import { Flow, Step } from './types';

const ownCache = new WeakMap<Flow<unknown>, Step<unknown>[]>();

/** True for a copy of another flow's step (`X1.9@X6`). */
export function isSharedStep(step: Step<unknown>): boolean {
  return step.id.includes('@');
}

/** The id of the step a copy was made from (`X1.9@X6` → `X1.9`); the id itself for an own step. */
export function homeStepId(step: Step<unknown>): string {
  return step.id.split('@')[0];
}

/** The flow a copy comes from (`X1.9@X6` → `X1`); the flow's own id for an own step. */
export function homeFlowId(flow: Flow<unknown>, step: Step<unknown>): string {
  return isSharedStep(step) ? homeStepId(step).split('.')[0] : flow.id;
}

/** The flow's own steps, in declared order. */
export function ownSteps(flow: Flow<unknown>): Step<unknown>[] {
  let own = ownCache.get(flow);
  if (!own) ownCache.set(flow, (own = flow.steps.filter((s) => !isSharedStep(s))));
  return own;
}

export interface StepPosition {
  /** 1-based position among the flow's own steps. */
  position: number;
  /** How many own steps the flow has. */
  total: number;
}

/** "Step k of n" of an own step; undefined for a copy of another flow's step (or a step not in the flow). */
export function stepPosition(flow: Flow<unknown>, step: Step<unknown>): StepPosition | undefined {
  if (isSharedStep(step)) return undefined;
  const own = ownSteps(flow);
  const i = own.findIndex((s) => s.id === step.id);
  return i < 0 ? undefined : { position: i + 1, total: own.length };
}

export interface PathPlace extends StepPosition {
  /** Set for a copy of another flow's step: that flow's id (position and total are the step's there). */
  sharedFrom?: string;
}

/**
 * Where a step sits for a reader: an own step's "k of n" in its flow; a copy's in the flow it comes from (`X1.9@X6`:
 * X1.9's place in X1, sharedFrom X1). Undefined when the step is not found.
 */
export function pathPlace(flows: readonly Flow<unknown>[], flow: Flow<unknown>, step: Step<unknown>): PathPlace | undefined {
  if (!isSharedStep(step)) return stepPosition(flow, step);
  const homeId = homeFlowId(flow, step);
  const home = flows.find((f) => f.id === homeId);
  const homeStep = home?.steps.find((s) => s.id === homeStepId(step));
  const p = home && homeStep ? stepPosition(home, homeStep) : undefined;
  return p && { ...p, sharedFrom: homeId };
}

/** "step 7 of 17", or for a copy "X1.9 of X1 (step 9 of 32 there)"; what every front end prints. */
export function pathPlaceText(step: Step<unknown>, place: PathPlace | undefined): string {
  if (!place) return `step ${step.id}`;
  if (place.sharedFrom) return `shared step ${homeStepId(step)} of ${place.sharedFrom} (step ${place.position} of ${place.total} there)`;
  return `step ${place.position} of ${place.total}`;
}
