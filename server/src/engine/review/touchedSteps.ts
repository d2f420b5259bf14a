// The interrupt-path steps an edit reaches: steps linked to a changed function, steps whose function calls a changed
// function (one call away: the file's own calls, and the index's callers when there is one), and steps whose function
// joins or leaves an ops-table field (`.irq_ack = …`) that a flow goes through.

import { equivalents, Flow, stepsForSymbol } from '@irqlens/models';
import type { Codebase, IndexQueries } from '../index/types';
import { hintMatches } from './contractFindings';
import { FileEdit } from './functionChanges';
import { StepTouch } from './types';

function touches(flows: readonly Flow<unknown>[], symbol: string, codebase: Codebase, rel: string | undefined, how: StepTouch['how'], via?: string): StepTouch[] {
  if (codebase === 'unknown') return [];
  return stepsForSymbol(flows, symbol, codebase)
    .filter((r) => rel === undefined || hintMatches(r.link.file, rel))
    .map((r) => {
      const eq: StepTouch['equivalents'] = [];
      if (r.step.operation) {
        for (const [cb, links] of equivalents(flows, r.step.operation)) {
          if (cb === codebase) continue;
          for (const l of links) eq.push({ codebase: cb, symbol: l.symbol });
        }
      }
      return { flow: r.flow.id, step: r.step.id, position: r.position, steps: r.total, title: r.step.title, function: symbol, codebase, file: r.link.file ?? rel ?? '', how, ...(via ? { via } : {}), equivalents: eq };
    });
}

/** Every linked symbol of a codebase (for ops-table fields a flow goes through). */
function linkedSymbols(flows: readonly Flow<unknown>[], codebase: Codebase): Set<string> {
  const out = new Set<string>();
  for (const f of flows) for (const s of f.steps) for (const l of s.links) if (l.codebase === codebase) out.add(l.symbol);
  return out;
}

/** The index as review uses it: the query interface, and the façade's ops-table bindings when it has them. */
export type ReviewIndex = IndexQueries & { bindingsOf?(name: string): { field: string }[] };

export function touchedSteps(flows: readonly Flow<unknown>[], edit: FileEdit, index: ReviewIndex | undefined): StepTouch[] {
  const out: StepTouch[] = [];
  const cb = edit.codebase;
  for (const side of edit.functions) {
    const own = touches(flows, side.touched.name, cb, edit.rel, 'body');
    out.push(...own);
    if (own.length || side.touched.cosmetic) continue;
    // One call away: a linked function calling the changed one.
    const callers = new Set<string>();
    for (const [caller, callees] of edit.post.calls) if (callees.has(side.touched.name)) callers.add(caller);
    for (const [caller, callees] of edit.pre.calls) if (callees.has(side.touched.name)) callers.add(caller);
    if (index) for (const e of index.incomingCalls(side.touched.name)) callers.add(e.name);
    callers.delete(side.touched.name);
    for (const c of callers) out.push(...touches(flows, c, cb, undefined, 'callee', side.touched.name));
  }
  if (edit.joins.length || edit.leaves.length) {
    const linked = linkedSymbols(flows, cb);
    const all = [...edit.pre.bindings, ...edit.post.bindings];
    for (const [list, how] of [[edit.joins, 'ops-table-join'], [edit.leaves, 'ops-table-leave']] as const) {
      for (const b of list) {
        const via = `${b.table}.${b.field}`;
        const direct = touches(flows, b.target, cb, undefined, how, via);
        out.push(...direct);
        if (direct.length) continue;
        // An unlinked function joining a field that linked functions fill in other tables: the flow calls through it.
        const peers = new Set(all.filter((x) => x.field === b.field && linked.has(x.target)).map((x) => x.target));
        if (index?.bindingsOf) for (const sym of linked) if (index.bindingsOf(sym).some((x) => x.field === b.field)) peers.add(sym);
        for (const p of peers) out.push(...touches(flows, p, cb, undefined, how, `${via} = ${b.target}`).map((t) => ({ ...t, function: b.target })));
      }
    }
  }
  const seen = new Set<string>();
  return out.filter((t) => {
    const k = `${t.flow}|${t.step}|${t.function}|${t.how}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
