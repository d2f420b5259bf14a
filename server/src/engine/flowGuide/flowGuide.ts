// The flow guide: what the models say about a function, for lenses, hovers and the flow requests. It owns the
// memoised model facts (places by symbol, observed branches per flow, the worked run and what-if per step); they depend
// on the models only, so they live as long as the server. Anything about files and locations takes the index as input.
import { allFlows, pathPlace, pathPlaceText, type Codebase, type Flow, type Link, type Step } from '@irqlens/models';
import { builtinScenarioDir } from '../packageRoot';
import { equivalentFunctions, type EquivalentGroup } from './equivalentFunctions';
import { readBuiltinScenarios, type BuiltinScenario } from './builtinScenarios';
import { placesBySymbol, placesFor, type FlowPlace } from './flowPlaces';
import { stepBranches, type StepBranch } from './stepBranches';
import { observeFlow, type FlowObservations, type StepObservation } from './stepObservations';
import { findWhatIf, type WhatIf } from './whatIf';
import { workedRun, type WorkedRun } from './workedSimulation';

export class FlowGuide {
  private readonly bySymbol: Map<string, FlowPlace[]>;
  private builtin: { scenarios: BuiltinScenario[]; problems: string[] } | undefined;
  private readonly observed = new Map<string, FlowObservations>();
  private readonly worked = new Map<string, WorkedRun | null>();
  private readonly whatIfs = new Map<string, WhatIf | null>();
  private readonly equivalentsByOp = new Map<string, EquivalentGroup[]>();

  /** `scenarioDir` defaults to the package's models/scenarios, found when first needed. */
  constructor(
    readonly flows: readonly Flow<unknown>[] = allFlows,
    private readonly scenarioDir?: string,
  ) {
    this.bySymbol = placesBySymbol(flows);
  }

  flow(id: string): Flow<unknown> | undefined {
    return this.flows.find((f) => f.id.toLowerCase() === id.toLowerCase());
  }

  step(flow: Flow<unknown>, id: string | null | undefined): Step<unknown> | undefined {
    return id ? flow.steps.find((s) => s.id === id) : undefined;
  }

  /** "step 7 of 17" along the flow's own path; a copy of another flow's step says whose it is. */
  placeText(flow: Flow<unknown>, step: Step<unknown>): string {
    return pathPlaceText(step, pathPlace(this.flows, flow, step));
  }

  /** The steps a function implements in a codebase (all codebases when undefined), its own flow's step first. */
  places(symbol: string, codebase?: Codebase): FlowPlace[] {
    return placesFor(this.bySymbol, symbol, codebase);
  }

  isLinked(symbol: string): boolean {
    return this.bySymbol.has(symbol);
  }

  scenarios(): BuiltinScenario[] {
    if (!this.builtin) {
      try {
        this.builtin = readBuiltinScenarios(this.scenarioDir ?? builtinScenarioDir());
      } catch (e) {
        // No package root (an unusual install): flows still run, without the built-in scenarios.
        this.builtin = { scenarios: [], problems: [(e as Error).message] };
      }
    }
    return this.builtin.scenarios;
  }

  /** Built-in scenario files that could not be read (reported in the log, not thrown). */
  scenarioProblems(): string[] {
    this.scenarios();
    return this.builtin?.problems ?? [];
  }

  observations(flow: Flow<unknown>): FlowObservations {
    let o = this.observed.get(flow.id);
    if (!o) this.observed.set(flow.id, (o = observeFlow(flow, this.scenarios())));
    return o;
  }

  /** True once the flow's runs have been observed (previous/next steps are known without running anything). */
  isObserved(flow: Flow<unknown>): boolean {
    return this.observed.has(flow.id);
  }

  /** True once the step's worked run is known (its hand-off can be named without running anything). */
  hasWorkedRun(flow: Flow<unknown>, step: Step<unknown>): boolean {
    return this.worked.has(`${flow.id}\u0000${step.id}`);
  }

  observation(flow: Flow<unknown>, step: Step<unknown>): StepObservation | undefined {
    return this.observations(flow).get(step.id);
  }

  branches(flow: Flow<unknown>, step: Step<unknown>): StepBranch[] {
    const declared = stepBranches(step, undefined);
    return declared.length > 0 ? declared : stepBranches(step, this.observation(flow, step));
  }

  /** The step most often seen right after this one (else the first declared branch's next). */
  next(flow: Flow<unknown>, step: Step<unknown>): Step<unknown> | undefined {
    const seen = this.observation(flow, step)?.branches.find((b) => b.next !== null)?.next;
    const id = seen ?? this.branches(flow, step).find((b) => b.next !== null)?.next;
    return this.step(flow, id);
  }

  /** The step most often seen right before this one. */
  previous(flow: Flow<unknown>, step: Step<unknown>): Step<unknown> | undefined {
    const preds = [...(this.observation(flow, step)?.predecessors ?? new Map<string, number>())].filter(([id]) => id !== step.id);
    preds.sort((a, b) => b[1] - a[1]);
    return this.step(flow, preds[0]?.[0]);
  }

  workedRun(flow: Flow<unknown>, step: Step<unknown>): WorkedRun | undefined {
    const key = `${flow.id}\u0000${step.id}`;
    if (!this.worked.has(key)) this.worked.set(key, workedRun(this.flows, flow, step, this.scenarios()) ?? null);
    return this.worked.get(key) ?? undefined;
  }

  whatIf(flow: Flow<unknown>, step: Step<unknown>): WhatIf | undefined {
    const key = `${flow.id}\u0000${step.id}`;
    if (!this.whatIfs.has(key)) {
      const base = this.workedRun(flow, step);
      this.whatIfs.set(key, (base && findWhatIf(flow, step, base)) ?? null);
    }
    return this.whatIfs.get(key) ?? undefined;
  }

  /** The first step after this one, in the worked run, whose main function is in another codebase (Xen → Linux). */
  handoff(flow: Flow<unknown>, step: Step<unknown>, codebase: Codebase): { step: Step<unknown>; link: Link } | undefined {
    for (const t of this.workedRun(flow, step)?.steps.slice(1) ?? []) {
      const s = this.step(flow, t.step);
      const link = s?.links[0];
      if (s && link && link.codebase !== codebase) return { step: s, link };
    }
    return undefined;
  }

  equivalents(operation: string): EquivalentGroup[] {
    let e = this.equivalentsByOp.get(operation);
    if (!e) this.equivalentsByOp.set(operation, (e = equivalentFunctions(this.flows, operation)));
    return e;
  }

  /**
   * Prepares the hovers of the functions a file shows lenses for (worked run and what-if of each one's own step),
   * one step per turn of the event loop, so the first hover on any of them is answered from memory.
   */
  async prepareHovers(symbols: { symbol: string; codebase: Codebase }[], isCancelled: () => boolean = () => false): Promise<void> {
    for (const { symbol, codebase } of symbols) {
      const place = this.places(symbol, codebase)[0];
      if (!place || this.whatIfs.has(`${place.flow.id}\u0000${place.step.id}`)) continue;
      if (isCancelled()) return;
      await new Promise((resolve) => setImmediate(resolve));
      this.whatIf(place.flow, place.step);
    }
  }

  /** Computes every flow's observations, yielding between flows so requests are answered meanwhile. */
  async warmUp(isCancelled: () => boolean = () => false): Promise<void> {
    for (const flow of this.flows) {
      if (isCancelled()) return;
      await new Promise((resolve) => setImmediate(resolve));
      this.observations(flow);
    }
  }

  /**
   * Computes the worked run and what-if of every step in its own flow (copies like `X6.4@X1` show their own flow's),
   * one step per turn of the event loop: after this, no hover waits for a simulation.
   */
  async prepareAllHovers(isCancelled: () => boolean = () => false): Promise<void> {
    for (const flow of this.flows) {
      for (const step of flow.steps) {
        if (step.id.includes('@') || this.whatIfs.has(`${flow.id}\u0000${step.id}`)) continue;
        if (isCancelled()) return;
        await new Promise((resolve) => setImmediate(resolve));
        this.whatIf(flow, step);
      }
    }
  }
}
