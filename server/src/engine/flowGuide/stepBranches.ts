// A step's branches and where each leads: as the model declares them (`step.branches`, when the step has it), else as
// observed in the flow's runs (stepObservations.ts).
import type { Step } from '../../../../models/src/index';
import type { StepObservation } from './stepObservations';

export interface StepBranch {
  name: string;
  /** When the branch is taken, in the model's words. */
  when: string;
  /** The next step's id; null when the flow ends there. */
  next: string | null;
  /** Declared by the model, or only seen in runs. */
  source: 'declared' | 'observed';
}

interface DeclaredBranch {
  name: string;
  when: string;
  next: string | null;
}

function isDeclaredBranch(b: unknown): b is DeclaredBranch {
  if (typeof b !== 'object' || b === null) return false;
  const o = b as Record<string, unknown>;
  return typeof o.name === 'string' && typeof o.when === 'string' && (o.next === null || typeof o.next === 'string' || o.next === undefined);
}

/** `branches` is an optional Step field some model versions have: read it without depending on its type. */
function declaredBranches(step: Step<unknown>): DeclaredBranch[] | undefined {
  const raw = (step as unknown as { branches?: unknown }).branches;
  if (!Array.isArray(raw)) return undefined;
  const ok = raw.filter(isDeclaredBranch);
  return ok.length > 0 ? ok.map((b) => ({ name: b.name, when: b.when, next: b.next ?? null })) : undefined;
}

export function stepBranches(step: Step<unknown>, observed: StepObservation | undefined): StepBranch[] {
  const declared = declaredBranches(step);
  if (declared) return declared.map((b) => ({ ...b, source: 'declared' }));
  const out: StepBranch[] = [];
  for (const b of observed?.branches ?? []) {
    // One line per (branch, next): the same branch name leading to two places is two branches to a reader.
    if (out.some((x) => x.name === b.name && x.next === b.next)) continue;
    out.push({ name: b.name, when: b.why, next: b.next, source: 'observed' });
  }
  return out;
}
