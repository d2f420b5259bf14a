// Where a function sits in the flows: every (flow, step) whose links name it in one codebase, with "step k of n" along
// the flow's own path (the models' stepPosition.ts; a copy of another flow's step is placed in that flow).
import { pathPlace, pathPlaceText, type Codebase, type Flow, type Link, type Step } from '@irqlens/models';

export interface FlowPlace {
  flow: Flow<unknown>;
  step: Step<unknown>;
  /** 1-based position along the flow's own path (a copy: its home step's in its home flow). */
  position: number;
  total: number;
  /** Set for a copy of another flow's step (`X6.4@X1`): that flow. */
  sharedFrom?: string;
  /** "step 7 of 17", or for a copy "shared step X6.4 of X6 (step 7 of 17 there)". */
  placeText: string;
  link: Link;
}

/** name → places, for current and former names of every link; built once per flow list. */
export function placesBySymbol(flows: readonly Flow<unknown>[]): Map<string, FlowPlace[]> {
  const out = new Map<string, FlowPlace[]>();
  const add = (name: string, place: FlowPlace) => {
    const list = out.get(name) ?? [];
    if (!list.some((p) => p.flow === place.flow && p.step === place.step && p.link.codebase === place.link.codebase)) list.push(place);
    out.set(name, list);
  };
  for (const flow of flows) {
    flow.steps.forEach((step) => {
      const where = pathPlace(flows, flow, step);
      const placeText = pathPlaceText(step, where);
      for (const link of step.links) {
        const place: FlowPlace = { flow, step, position: where?.position ?? 0, total: where?.total ?? 0, ...(where?.sharedFrom ? { sharedFrom: where.sharedFrom } : {}), placeText, link };
        add(link.symbol, place);
        for (const f of link.formerly ?? []) add(f.symbol, place);
      }
    });
  }
  return out;
}

/** A step's own flow first (`X6.4` in X6 before its copy `X6.4@X1` in X1), then flow order. */
export function homeFirst(places: FlowPlace[]): FlowPlace[] {
  const home = (p: FlowPlace) => (p.step.id.includes('@') ? 1 : 0);
  return places.map((p, i) => ({ p, i })).sort((a, b) => home(a.p) - home(b.p) || a.i - b.i).map((x) => x.p);
}

export function placesFor(bySymbol: Map<string, FlowPlace[]>, symbol: string, codebase?: Codebase): FlowPlace[] {
  const all = bySymbol.get(symbol) ?? [];
  return homeFirst(codebase ? all.filter((p) => p.link.codebase === codebase) : all);
}
