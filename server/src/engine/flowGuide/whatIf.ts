// The one "what if" a hover shows: the flow's bool/enum parameters and its profile changed one at a time, run the way
// the worked example was (from the flow's entry, or from the step), keeping the change whose result differs most.
// Best: the step itself branches differently and the outcome differs; then the step branches differently ("if
// callback = vector: hvm_assert_evtchn_irq takes no-upcall-vector"); then only the outcome differs; last, only the
// path after the step. When the default run shows no difference at all, the same search runs from the step itself.
// Ties go to the first change in declaration order.
import type { Flow, ParamValues, Step, TraceStep } from '../../../../models/src/index';
import { paramVariations } from './stepObservations';
import { outcomeLine, runToStep, type RunVariation, type WorkedRun, type WorkedStrategy } from './workedSimulation';

export interface WhatIf {
  /** What was changed, e.g. `callback = vector`, `profile apicv-off`. */
  change: string;
  variation: RunVariation;
  /** How the changed run was started (the worked example's way, or from the step when that showed nothing). */
  strategy: WorkedStrategy;
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

const pathOf = (run: WorkedRun) => run.steps.map((s) => `${s.step}:${s.branch}`).join(' ');

function search(flow: Flow<unknown>, step: Step<unknown>, base: WorkedRun, strategy: WorkedStrategy): { w: WhatIf; score: number } | undefined {
  const variations: RunVariation[] = [
    ...flow.profiles.filter((p) => p.id !== base.profile).map((p) => ({ profile: p.id })),
    ...paramVariations(flow).map((params: ParamValues) => ({ params })),
  ];
  const baseOutcome = outcomeLine(base.outcome);
  const basePath = pathOf(base);
  let best: { w: WhatIf; score: number } | undefined;
  for (const v of variations) {
    const run = runToStep(flow, step, strategy, v);
    const first = run?.steps[0];
    if (!run || !first) continue;
    const outcome = outcomeLine(run.outcome);
    const changesStep = first.branch !== base.steps[0]?.branch;
    const score = (changesStep ? 2 : 0) + (outcome !== baseOutcome ? 1 : 0) + (pathOf(run) !== basePath ? 0.5 : 0);
    if (score === 0 || (best && score <= best.score)) continue;
    best = {
      score,
      w: {
        change: describe(v), variation: v, strategy, step: first, changesStep, outcome,
        then: run.steps.slice(1).map((s) => ({ step: s.step, title: s.title, branch: s.branch })),
      },
    };
    if (score >= 3) break;
  }
  return best;
}

export function findWhatIf(flow: Flow<unknown>, step: Step<unknown>, base: WorkedRun): WhatIf | undefined {
  if (base.start.kind === 'scenario') return undefined; // a scenario's actions are not parameters to toggle
  const found = search(flow, step, base, base.start.kind);
  if (found && found.score >= 1) return found.w;
  if (base.start.kind === 'entry') {
    const fromStep = runToStep(flow, step, 'step');
    const other = fromStep && search(flow, step, fromStep, 'step');
    if (other && other.score > (found?.score ?? 0)) return other.w;
  }
  return found?.w;
}
