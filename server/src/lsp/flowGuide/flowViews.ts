// Flows as the flows view and the simulation panel show them: steps in order, each link resolved against the trees.
import { pathPlace, pathPlaceText, type Flow, type Step } from '@irqlens/models';
import type { IndexQueries, TreeInfo } from '../../engine/index/types';
import type { FlowView, StepView } from '../../protocol/flowMessages';
import { linkView } from './linkViews';

/** `flows`: where a copy of another flow's step finds its home flow (for its place). */
export function stepView(index: IndexQueries, flow: Flow<unknown>, step: Step<unknown>, flows: readonly Flow<unknown>[], trees: TreeInfo[] = index.trees()): StepView {
  const where = pathPlace(flows, flow, step);
  return {
    id: step.id,
    title: step.title,
    position: where?.position ?? 0,
    total: where?.total ?? 0,
    ...(where?.sharedFrom ? { sharedFrom: where.sharedFrom } : {}),
    place: pathPlaceText(step, where),
    role: step.role,
    component: step.component,
    ...(step.operation ? { operation: step.operation } : {}),
    links: step.links.map((l) => linkView(index, l, trees)),
  };
}

export function flowView(index: IndexQueries, flow: Flow<unknown>, flows: readonly Flow<unknown>[], trees: TreeInfo[] = index.trees()): FlowView {
  return {
    id: flow.id,
    name: flow.name,
    description: flow.description,
    codebases: [...flow.codebases],
    profiles: flow.profiles.map((p) => ({ id: p.id, title: p.title })),
    defaultProfile: flow.defaultProfile,
    params: flow.params.map((p) => ({ ...p })),
    steps: flow.steps.map((s) => stepView(index, flow, s, flows, trees)),
  };
}

export function flowViews(index: IndexQueries, flows: readonly Flow<unknown>[]): FlowView[] {
  const trees = index.trees();
  return flows.map((f) => flowView(index, f, flows, trees));
}
