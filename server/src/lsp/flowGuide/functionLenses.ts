// The lenses above functions, in two phases so the editor never jumps: `functionLenses` gives every lens's line and
// what it is about at once (its count is final), `resolveFunctionLens` fills in its title and command. On a function
// linked to a model step: the flow and position, previous and next step, the hand-off into another codebase, and
// "▶ Simulate from here" (a function on more than two flows: its own flow's lenses and a picker for the rest). On
// every function: "N callers · M callees".
import type { Codebase } from '@irqlens/models';
import type { IndexQueries, SymbolDef } from '../../engine/index/types';
import type { PickFlowStepArgs } from '../../protocol/flowMessages';
import { codebaseName, goToStep, linkLabel, pickFlowStep, showCallHierarchy, showFlow, simulateFromHere, type CommandRef } from './commandLinks';
import { codebaseOfFile } from '../../engine/flowGuide/fileCodebase';
import type { FlowGuide } from '../../engine/flowGuide/flowGuide';
import type { FlowPlace } from '../../engine/flowGuide/flowPlaces';
import { linkView } from './linkViews';
import { pathToFileURL } from 'node:url';

export interface LensSettings {
  flows: boolean;
  calls: boolean;
}

/**
 * `complete` computes every lens (the CLI). `ready` leaves out the previous/next/hand-off lenses whose flow the guide
 * has not run yet (the server right after start): a lens request never waits for simulations; the server asks the
 * editor to refresh once they are known. Each linked function keeps its flow and "Simulate" lenses either way, so
 * the lines above functions are there from the first answer and nothing jumps.
 */
export type LensMode = 'complete' | 'ready';

/** What a lens is about; the client hands it back on resolve. Plain JSON. */
export type LensData =
  | { kind: 'flow' | 'simulate'; symbol: string; flow: string; step: string; codebase: Codebase }
  | { kind: 'previous' | 'next' | 'handoff'; symbol: string; flow: string; step: string; codebase: Codebase; target: string }
  | { kind: 'pick'; symbol: string; codebase?: Codebase }
  | { kind: 'calls'; symbol: string; file: string; line: number; character: number };

export interface FunctionLens {
  /** 0-based line of the function's name; the lens spans the name. */
  line: number;
  character: number;
  endCharacter: number;
  data: LensData;
}

/** More places than this and the rest go behind a picker. */
const maxPlacesShown = 2;

/** Names a lens can sit on: functions, and the macros and asm labels some model steps link to. */
function lensTargets(index: IndexQueries, file: string): SymbolDef[] {
  return index.fileSymbols(file).filter((d) => d.kind === 'function' || (d.kind === 'macro' && d.isFunctionLike));
}

/** A compact place (the second of two flows) shows its flow and position and "Simulate from here" only. */
function placeLenses(guide: FlowGuide, place: FlowPlace, symbol: string, codebase: Codebase, compact: boolean, mode: LensMode): LensData[] {
  const base = { symbol, flow: place.flow.id, step: place.step.id, codebase };
  if (compact || (mode === 'ready' && !guide.isObserved(place.flow))) return [{ kind: 'flow', ...base }, { kind: 'simulate', ...base }];
  const out: LensData[] = [{ kind: 'flow', ...base }];
  const prev = guide.previous(place.flow, place.step);
  if (prev) out.push({ kind: 'previous', ...base, target: prev.id });
  const next = guide.next(place.flow, place.step);
  if (next) out.push({ kind: 'next', ...base, target: next.id });
  // When the next step stays in this codebase, say where the path leaves it (Xen's hvm_assert_evtchn_irq → Linux).
  if ((!next || next.links[0]?.codebase === codebase) && (mode === 'complete' || guide.hasWorkedRun(place.flow, place.step))) {
    const h = guide.handoff(place.flow, place.step, codebase);
    if (h && h.step.id !== next?.id) out.push({ kind: 'handoff', ...base, target: h.step.id });
  }
  out.push({ kind: 'simulate', ...base });
  return out;
}

export function functionLenses(guide: FlowGuide, index: IndexQueries, file: string, settings: LensSettings, mode: LensMode = 'complete'): FunctionLens[] {
  const codebase = codebaseOfFile(index, file);
  const out: FunctionLens[] = [];
  for (const def of lensTargets(index, file)) {
    const at = { line: def.nameSpan.line, character: def.nameSpan.col, endCharacter: def.nameSpan.col + def.name.length };
    if (settings.flows && codebase) {
      const places = guide.places(def.name, codebase);
      const shown = places.length > maxPlacesShown ? places.slice(0, 1) : places;
      shown.forEach((p, i) => {
        for (const data of placeLenses(guide, p, def.name, codebase, i > 0, mode)) out.push({ ...at, data });
      });
      if (places.length > shown.length) out.push({ ...at, data: { kind: 'pick', symbol: def.name, codebase } });
    }
    if (settings.calls && def.kind === 'function') {
      out.push({ ...at, data: { kind: 'calls', symbol: def.name, file, line: at.line, character: at.character } });
    }
  }
  return out;
}

function isLensData(d: unknown): d is LensData {
  if (typeof d !== 'object' || d === null) return false;
  const o = d as Record<string, unknown>;
  return typeof o.kind === 'string' && typeof o.symbol === 'string';
}

export function compactFlowName(name: string): string {
  return name.replace(/\s*[(:].*$/, '').trim();
}

function flowTitle(guide: FlowGuide, flowId: string, stepId: string): string | undefined {
  const flow = guide.flow(flowId);
  const step = flow && guide.step(flow, stepId);
  if (!flow || !step) return undefined;
  const codebases = flow.codebases.map(codebaseName).join(' → ');
  return `${flow.id} ${compactFlowName(flow.name)} · ${guide.placeText(flow, step)} · ${codebases}`;
}

export function pickArgs(guide: FlowGuide, symbol: string, codebase?: Codebase): PickFlowStepArgs {
  return {
    symbol,
    places: guide.places(symbol, codebase).map((p) => ({
      flow: p.flow.id, flowName: p.flow.name, step: p.step.id, position: p.position, total: p.total, place: p.placeText, title: p.step.title,
    })),
  };
}

/** The title and command of a lens; undefined when its data no longer makes sense (a stale lens from an older model). */
export function resolveFunctionLens(guide: FlowGuide, index: IndexQueries, data: unknown): CommandRef | undefined {
  if (!isLensData(data)) return undefined;
  switch (data.kind) {
    case 'calls': {
      const callers = index.incomingCalls(data.symbol).length;
      const callees = index.outgoingCalls(data.symbol).length;
      const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
      return showCallHierarchy(`${plural(callers, 'caller')} · ${plural(callees, 'callee')}`, {
        location: { uri: pathToFileURL(data.file).href, line: data.line, character: data.character },
      });
    }
    case 'pick': {
      const args = pickArgs(guide, data.symbol, data.codebase);
      const others = args.places.slice(1).map((p) => p.flow);
      return pickFlowStep(`also on ${others.length} flows: ${others.join(' ')}`, args);
    }
    case 'flow': {
      const title = flowTitle(guide, data.flow, data.step);
      return title ? showFlow(title, { flow: data.flow, step: data.step }) : undefined;
    }
    case 'simulate':
      return guide.flow(data.flow) ? simulateFromHere('▶ Simulate from here', { flow: data.flow, step: data.step, symbol: data.symbol }) : undefined;
    default: {
      const flow = guide.flow(data.flow);
      const target = flow && guide.step(flow, data.target);
      const link = target?.links[0];
      if (!flow || !target || !link) return undefined;
      const view = linkView(index, link);
      const label = linkLabel(view, data.codebase);
      const title = data.kind === 'previous' ? `← ${label}` : data.kind === 'next' ? `→ ${label}` : `⇢ ${label}`;
      return goToStep(title, { flow: flow.id, step: target.id, title: target.title, link: view });
    }
  }
}
