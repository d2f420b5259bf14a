// What each step of a flow was seen to do when the flow runs: the branches it took (with why and where each led), the
// steps that led to it, the state it wrote and read. Runs: the flow's entry under every profile with each bool/enum
// parameter changed one at a time, every step as a start under every profile, and the built-in scenarios of the flow.
import { runScenario, simulate, type Flow, type ParamValues, type Trace } from '../../../../models/src/index';
import type { BuiltinScenario } from './builtinScenarios';
import { foldIndices, recordingFlow } from './readRecorder';

export interface ObservedBranch {
  name: string;
  /** One reason the model gave for taking it (the first seen). */
  why: string;
  next: string | null;
  count: number;
}

export interface StepObservation {
  branches: ObservedBranch[];
  /** Steps seen right before this one, with how often. */
  predecessors: Map<string, number>;
  /** State paths the step changed (indices folded to `*`). */
  writes: Set<string>;
  /** State paths the step read (indices folded to `*`). */
  reads: Set<string>;
}

export type FlowObservations = Map<string, StepObservation>;

/** One changed bool or enum parameter (or none): the variations the observation runs and the what-if search share. */
export function paramVariations(flow: Flow<unknown>): ParamValues[] {
  const out: ParamValues[] = [];
  for (const p of flow.params) {
    if (p.type === 'bool') out.push({ [p.name]: !(p.default === true) });
    if (p.type === 'enum') for (const v of p.values ?? []) if (v !== p.default) out.push({ [p.name]: v });
  }
  return out;
}

function record(obs: FlowObservations, trace: Trace): void {
  let prev: string | undefined;
  for (const s of trace.steps) {
    const o = obs.get(s.step);
    if (!o) {
      prev = undefined; // a scenario's direct state change between runs
      continue;
    }
    const b = o.branches.find((x) => x.name === s.branch && x.next === s.next);
    if (b) b.count++;
    else o.branches.push({ name: s.branch, why: s.why, next: s.next, count: 1 });
    if (prev && !s.action) o.predecessors.set(prev, (o.predecessors.get(prev) ?? 0) + 1);
    for (const c of s.changes) o.writes.add(foldIndices(c.path));
    prev = s.step;
  }
}

export function observeFlow(flow: Flow<unknown>, scenarios: readonly BuiltinScenario[]): FlowObservations {
  const obs: FlowObservations = new Map();
  for (const s of flow.steps) obs.set(s.id, { branches: [], predecessors: new Map(), writes: new Set(), reads: new Set() });
  const recording = recordingFlow(flow, (id, path) => obs.get(id)?.reads.add(foldIndices(path)));
  const attempt = (run: () => Trace): void => {
    try {
      record(obs, run());
    } catch {
      // Many steps cannot start a run on their own (they need a vector or a port chosen upstream): not an observation.
    }
  };
  for (const profile of flow.profiles) {
    attempt(() => simulate(recording, { profile: profile.id }));
    for (const params of paramVariations(flow)) attempt(() => simulate(recording, { profile: profile.id, params }));
    for (const step of flow.steps) attempt(() => simulate(recording, { profile: profile.id, from: step.id }));
  }
  for (const sc of scenarios) if (sc.summary.flow === flow.id) attempt(() => runScenario([recording], sc.raw).trace);
  for (const o of obs.values()) o.branches.sort((a, b) => b.count - a.count);
  return obs;
}
