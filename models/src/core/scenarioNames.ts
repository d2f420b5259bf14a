// What a scenario names in its flow, checked before it runs: step ids (expectations, action placement, run modes),
// branch names against the branches the step declares, and vCPU/CPU outcome targets against the domain's size. A
// misspelt step in `neverStep` was a test that could not fail (the step never runs, so the expectation held).
import { Flow, ModelError, ParamValues, Step } from './types';

/** The parts of a parsed scenario this check reads (structural: scenario.ts imports this file). */
interface NamedParts {
  actions: { at?: object; run?: unknown }[];
  expect?: object[];
}

function fail(field: string, message: string): never {
  throw new ModelError(`scenario field "${field}": ${message}`, field);
}

function closest(name: string, known: readonly string[]): string {
  const prefix = name.split('.')[0];
  const near = known.filter((k) => k.split('.')[0] === prefix).slice(0, 12);
  return near.length ? ` (steps of this flow include ${near.join(', ')}${known.length > near.length ? ', …' : ''})` : '';
}

/** `Q4.6` for a step reused from another flow (`Q4.6@Q10`), else undefined. */
function reusedBase(id: string): string | undefined {
  return /^(.*)@[^@]+$/.exec(id)?.[1];
}

/**
 * The flow's steps by the names a scenario may use: a step reused from another flow is `<id>@<flow>` in the flow and
 * in traces, and a scenario may name it `<id>` as well.
 */
function stepsByName(flow: Flow<unknown>): Map<string, Step<unknown>> {
  const steps = new Map<string, Step<unknown>>();
  for (const s of flow.steps) {
    steps.set(s.id, s);
    const base = reusedBase(s.id);
    if (base && !steps.has(base)) steps.set(base, s);
  }
  return steps;
}

/** Whether a trace step id answers to the name an expectation uses (its own id, or `<id>` for `<id>@<flow>`). */
export function answersTo(traced: string, named: string): boolean {
  return traced === named || reusedBase(traced) === named;
}

/**
 * Expectations that name a branch a step had before it was split (`Step.formerBranches`) are rewritten to the step and
 * branch that take that decision now, so scenario files written for the earlier model keep working.
 */
export function withCurrentBranchNames<E extends object>(flow: Flow<unknown>, expect: readonly E[]): E[] {
  const steps = stepsByName(flow);
  const former = flow.formerSteps;
  return expect.map((raw) => {
    const e = raw as { step?: unknown; branch?: unknown; neverStep?: unknown };
    // A step the flow no longer has (Flow.formerSteps): its branch is checked where that decision is taken now.
    if (former && typeof e.neverStep === 'string' && Object.hasOwn(former, e.neverStep)) return { ...raw, neverStep: former[e.neverStep].now };
    if (typeof e.step !== 'string' || typeof e.branch !== 'string') return raw;
    if (former && Object.hasOwn(former, e.step) && !steps.has(e.step)) {
      const was = former[e.step];
      const moved = Object.hasOwn(was.branches, e.branch) ? was.branches[e.branch] : undefined;
      // A branch the former step never had keeps the former id, and the name check refuses it.
      return moved ? { ...raw, step: moved.step, branch: moved.branch } : raw;
    }
    const s = steps.get(e.step);
    const moved = s?.formerBranches?.[e.branch];
    if (!moved || s?.branches?.some((b) => b.name === e.branch)) return raw;
    return { ...raw, step: moved.step, branch: moved.branch };
  });
}

/** Actions placed at, or run until, a step the flow no longer has (Flow.formerSteps) name the step that does it now. */
export function withCurrentStepNames<A extends { at?: object; run?: unknown }>(flow: Flow<unknown>, actions: readonly A[]): A[] {
  const former = flow.formerSteps;
  if (!former) return [...actions];
  const now = (id: unknown): string | undefined => (typeof id === 'string' && Object.hasOwn(former, id) ? former[id].now : undefined);
  return actions.map((a) => {
    let out = a;
    const at = a.at as { beforeStep?: unknown; afterStep?: unknown } | undefined;
    const before = now(at?.beforeStep);
    const after = now(at?.afterStep);
    if (before !== undefined) out = { ...out, at: { beforeStep: before } };
    if (after !== undefined) out = { ...out, at: { afterStep: after } };
    const until = now((a.run as { untilStep?: unknown } | undefined)?.untilStep);
    if (until !== undefined) out = { ...out, run: { untilStep: until } };
    return out;
  });
}

export function checkScenarioNames(flow: Flow<unknown>, scenario: NamedParts, params: ParamValues): void {
  const steps = stepsByName(flow);
  const ids = flow.steps.map((s) => s.id);
  // Action steps appear in traces as `action:<name>` with the branch `applied`.
  const actionStep = (id: string) => id.startsWith('action:') && flow.actions.some((a) => `action:${a.name}` === id);
  const step = (field: string, id: string) => {
    if (!steps.has(id) && !actionStep(id)) fail(field, `flow ${flow.id} has no step "${id}"${closest(id, ids)}`);
  };
  scenario.actions.forEach((a, i) => {
    const at = a.at as { beforeStep?: string; afterStep?: string } | undefined;
    if (typeof at?.beforeStep === 'string') step(`actions[${i}].at.beforeStep`, at.beforeStep);
    if (typeof at?.afterStep === 'string') step(`actions[${i}].at.afterStep`, at.afterStep);
    const run = a.run as { untilStep?: string } | undefined;
    if (typeof run?.untilStep === 'string') step(`actions[${i}].run.untilStep`, run.untilStep);
  });
  const vcpus = typeof params.vcpus === 'number' ? params.vcpus : undefined;
  (scenario.expect ?? []).forEach((raw, i) => {
    const e = raw as { neverStep?: string; step?: string; branch?: string; outcome?: string; target?: string };
    if (typeof e.neverStep === 'string') step(`expect[${i}].neverStep`, e.neverStep);
    if (typeof e.step === 'string' && typeof e.branch === 'string') {
      step(`expect[${i}].step`, e.step);
      const declared = actionStep(e.step) ? ['applied'] : steps.get(e.step)?.branches?.map((b) => b.name);
      if (declared && !declared.includes(e.branch)) fail(`expect[${i}].branch`, `step ${e.step} has no branch "${e.branch}" (its branches: ${[...new Set(declared)].join(', ')})`);
    }
    if (typeof e.outcome === 'string' && typeof e.target === 'string' && vcpus !== undefined) {
      const m = /^v?cpu(\d+)$/.exec(e.target);
      if (m && Number(m[1]) >= vcpus) fail(`expect[${i}].target`, `${e.target}: no such vCPU (the domain has vcpus = ${vcpus}: 0..${vcpus - 1})`);
    }
  });
}
