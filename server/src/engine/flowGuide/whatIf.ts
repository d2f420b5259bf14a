// The one "what if" a hover shows: the flow's bool/enum parameters and its profile changed one at a time, run from the
// same start as the worked example, keeping a change whose result differs. Best: the step itself branches differently
// and the outcome differs; then the step branches differently ("if callback = vector: hvm_assert_evtchn_irq takes
// no-upcall-vector"); then only the outcome differs. Ties go to the first in declaration order.
import type { Flow, ParamValues, Step, TraceStep } from '../../../../models/src/index';
import { paramVariations } from './stepObservations';
import { outcomeLine, runToStep, type RunVariation, type WorkedRun, type WorkedStrategy } from './workedSimulation';

export interface WhatIf {
  /** What was changed, e.g. `callback = vector`, `profile apicv-off`. */
  change: string;
  variation: RunVariation;
  /** The step's own trace line under the change (its branch and why). */
  step: TraceStep;
  /** True when the step itself branches differently. */
  changesStep: boolean;
  outcome: string;
  /** The steps that follow under the change, by id and title. */
  then: { step: string; title: string; branch: string }[];
}

function describe(v: RunVariation): string {
  if (v.profile) return `profile ${v.profile}`;
  return Object.entries(v.params ?? {}).map(([k, x]) => `${k} = ${String(x)}`).join(', ');
}

export function findWhatIf(flow: Flow<unknown>, step: Step<unknown>, base: WorkedRun): WhatIf | undefined {
  if (base.start.kind === 'scenario') return undefined; // a scenario's actions are not parameters to toggle
  const strategy: WorkedStrategy = base.start.kind;
  const variations: RunVariation[] = [
    ...flow.profiles.filter((p) => p.id !== base.profile).map((p) => ({ profile: p.id })),
    ...paramVariations(flow).map((params: ParamValues) => ({ params })),
  ];
  const baseOutcome = outcomeLine(base.outcome);
  const baseBranch = base.steps[0]?.branch;
  let best: { w: WhatIf; score: number } | undefined;
  for (const v of variations) {
    const run = runToStep(flow, step, strategy, v);
    const first = run?.steps[0];
    if (!run || !first) continue;
    const outcome = outcomeLine(run.outcome);
    const changesStep = first.branch !== baseBranch;
    if (!changesStep && outcome === baseOutcome) continue;
    const w: WhatIf = {
      change: describe(v), variation: v, step: first, changesStep, outcome,
      then: run.steps.slice(1).map((s) => ({ step: s.step, title: s.title, branch: s.branch })),
    };
    const score = (changesStep ? 2 : 0) + (outcome !== baseOutcome ? 1 : 0);
    if (score === 3) return w;
    if (!best || score > best.score) best = { w, score };
  }
  return best?.w;
}
