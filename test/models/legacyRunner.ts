// A frozen copy of the synchronous stepping loop the simulator had before its event-driven core (every `next` runs at
// once, one chain per action). The equivalence test runs every built-in scenario and every flow's default run through
// both and requires identical traces: the new core's run-until-quiet default changes no existing result.

import { Flow, OutcomeEvent, ParamValues, Scenario, Step, TraceStep, deepClone, diffStates, resolveParams, resolveStart, checkProfile, setPath } from '../../models/src/index';

export interface LegacyRun { steps: TraceStep[]; outcome: OutcomeEvent[]; finalState: unknown; truncated: boolean }

export function legacyRunFrom<S>(flow: Flow<S>, start: Step<S>, state: S, params: ParamValues, profile: string, maxSteps: number, indexBase = 0, action?: string): LegacyRun {
  const steps: TraceStep[] = [];
  const outcome: OutcomeEvent[] = [];
  const byId = new Map(flow.steps.map((s) => [s.id, s]));
  let cur: Step<S> | undefined = start;
  let curParams = { ...params };
  let truncated = false;
  while (cur) {
    if (steps.length >= maxSteps) {
      truncated = true;
      outcome.push({ kind: 'error', detail: `stopped after ${maxSteps} steps: the model is looping at ${cur.id}` });
      break;
    }
    const before = deepClone(state);
    const result = cur.run({ state, params: curParams, profile, emit: (e) => outcome.push(e) });
    steps.push({
      index: indexBase + steps.length, step: cur.id, title: cur.title, component: cur.component, branch: result.branch, why: result.why,
      changes: diffStates(before, state), functions: cur.links, next: result.next, action: steps.length === 0 ? action : undefined,
    });
    if (result.params) curParams = { ...curParams, ...result.params };
    cur = result.next === null ? undefined : byId.get(result.next);
  }
  return { steps, outcome, finalState: deepClone(state), truncated };
}

/** The old scenario loop: actions in order, each run to its end. */
export function legacyRunScenario(flows: readonly Flow<unknown>[], scenario: Scenario): LegacyRun {
  const flow = flows.find((f) => f.id === scenario.flow)!;
  const profile = checkProfile(flow, scenario.profile);
  const params = resolveParams(flow.params, scenario.params, 'legacy');
  const state = flow.initialState(profile, params);
  for (const [path, value] of Object.entries(scenario.set ?? {})) setPath(state, path, deepClone(value));
  const steps: TraceStep[] = [];
  const outcome: OutcomeEvent[] = [];
  let truncated = false;
  for (const act of scenario.actions) {
    const spec = flow.actions.find((a) => a.name === act.do)!;
    const given = scenario.params ?? {};
    const inherited = Object.fromEntries(spec.params.filter((p) => p.name in given).map((p) => [p.name, params[p.name]]));
    const actParams = resolveParams(spec.params, { ...inherited, ...act.with }, 'legacy');
    if (spec.apply) {
      const before = deepClone(state);
      const what = spec.apply(state, { ...params, ...actParams });
      steps.push({
        index: steps.length, step: `action:${spec.name}`, title: spec.name, component: 'scenario', branch: 'applied', why: what,
        changes: diffStates(before, state), functions: [], next: null, action: spec.name,
      });
    } else {
      const t = legacyRunFrom(flow, resolveStart(flow, spec.from), state, { ...params, ...actParams }, profile, 200, steps.length, spec.name);
      steps.push(...t.steps);
      outcome.push(...t.outcome);
      truncated ||= t.truncated;
    }
  }
  return { steps, outcome, finalState: deepClone(state), truncated };
}
