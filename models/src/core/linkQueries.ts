// Questions asked of the links across all flows: which steps a function implements, and which
// functions in other codebases perform the same component operation (the equivalents a reader compares).

import { pathPlace } from './stepPosition';
import { Codebase, Flow, Link, Step } from './types';

export interface StepRef {
  flow: Flow<unknown>;
  step: Step<unknown>;
  /** "Step k of n" along the flow's own path (stepPosition.ts); a copy (`X1.6@X2`): its home step's in its home flow. */
  position: number;
  total: number;
  link: Link;
}

/** Every step whose links name `symbol` (current or former name), optionally in one codebase. */
export function stepsForSymbol(flows: readonly Flow<unknown>[], symbol: string, codebase?: Codebase): StepRef[] {
  const out: StepRef[] = [];
  for (const flow of flows) {
    for (const step of flow.steps) {
      for (const link of step.links) {
        if (codebase && link.codebase !== codebase) continue;
        if (link.symbol === symbol || link.formerly?.some((f) => f.symbol === symbol)) {
          const place = pathPlace(flows, flow, step);
          out.push({ flow, step, position: place?.position ?? 0, total: place?.total ?? 0, link });
        }
      }
    }
  }
  return out;
}

/** The implementations of one component operation, grouped by codebase (deduplicated by symbol). */
export function equivalents(flows: readonly Flow<unknown>[], operation: string): Map<Codebase, Link[]> {
  const out = new Map<Codebase, Link[]>();
  for (const flow of flows) {
    for (const step of flow.steps) {
      if (step.operation !== operation) continue;
      for (const link of step.links) {
        const list = out.get(link.codebase) ?? [];
        if (!list.some((l) => l.symbol === link.symbol)) list.push(link);
        out.set(link.codebase, list);
      }
    }
  }
  return out;
}

/** Every operation key used by some step, sorted. */
export function operations(flows: readonly Flow<unknown>[]): string[] {
  const s = new Set<string>();
  for (const f of flows) for (const st of f.steps) if (st.operation) s.add(st.operation);
  return [...s].sort();
}

/** Every (flow, step, link) triple, in flow order: what `irqlens links` resolves. */
export function allLinks(flows: readonly Flow<unknown>[]): StepRef[] {
  const out: StepRef[] = [];
  for (const flow of flows) {
    for (const step of flow.steps) {
      const place = pathPlace(flows, flow, step);
      for (const link of step.links) out.push({ flow, step, position: place?.position ?? 0, total: place?.total ?? 0, link });
    }
  }
  return out;
}
