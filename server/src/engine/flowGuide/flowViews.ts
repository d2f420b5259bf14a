// Flows as the flows view and the simulation panel show them: steps in order, each link resolved against the trees.
import type { Flow, Step } from '../../../../models/src/index';
import type { IndexQueries, TreeInfo } from '../index/types';
import type { FlowView, StepView } from '../../protocol/flowMessages';
import { linkView } from './linkViews';

export function stepView(index: IndexQueries, step: Step<unknown>, position: number, trees: TreeInfo[] = index.trees()): StepView {
  return {
    id: step.id,
    title: step.title,
    position,
    role: step.role,
    component: step.component,
    ...(step.operation ? { operation: step.operation } : {}),
    links: step.links.map((l) => linkView(index, l, trees)),
  };
}

export function flowView(index: IndexQueries, flow: Flow<unknown>, trees: TreeInfo[] = index.trees()): FlowView {
  return {
    id: flow.id,
    name: flow.name,
    description: flow.description,
    codebases: [...flow.codebases],
    profiles: flow.profiles.map((p) => ({ id: p.id, title: p.title })),
    defaultProfile: flow.defaultProfile,
    params: flow.params.map((p) => ({ ...p })),
    steps: flow.steps.map((s, i) => stepView(index, s, i + 1, trees)),
  };
}

export function flowViews(index: IndexQueries, flows: readonly Flow<unknown>[]): FlowView[] {
  const trees = index.trees();
  return flows.map((f) => flowView(index, f, trees));
}
