// Implements call hierarchy (prepare, incoming, outgoing): direct calls, and indirect calls through function-pointer
// fields expanded to every function bound to that field, each labelled in `detail` with its table ("via xen_dynamic_chip.irq_ack").
import * as path from 'node:path';
import {
  SymbolKind as LspKind,
  type CallHierarchyIncomingCall,
  type CallHierarchyItem,
  type CallHierarchyOutgoingCall,
  type Connection,
  type Position,
  type Range,
} from 'vscode-languageserver';
import type { CallEdge, IndexQueries, SymbolDef } from '../engine/index/types';
import { preferLocal } from './definition';
import type { Documents } from './documents';
import { nameAt, pathToUri, pointRange, spanRange, uriToPath } from './positions';
import type { RequestGuard } from './requestGuard';
import { absolutePath, lspKind } from './symbolKinds';

/** What an item carries between prepare and the incoming/outgoing requests. */
interface ItemData {
  name: string;
}

const callable = (d: SymbolDef) => d.kind === 'function' || d.kind === 'prototype' || (d.kind === 'macro' && !!d.isFunctionLike);

function itemOf(def: SymbolDef, file: string, detail?: string): CallHierarchyItem {
  const data: ItemData = { name: def.name };
  return {
    name: def.name,
    kind: lspKind(def),
    detail: detail ?? def.file,
    uri: pathToUri(file),
    range: spanRange(def.span),
    selectionRange: spanRange(def.nameSpan),
    data,
  };
}

export function computePrepare(index: IndexQueries, file: string, pos: Position, text?: string): CallHierarchyItem[] {
  const name = nameAt(index, file, pos, text);
  let defs = name ? index.definitions(name, file).filter(callable) : [];
  const bodies = defs.filter((d) => d.kind !== 'prototype');
  defs = preferLocal(bodies.length > 0 ? bodies : defs, file);
  if (defs.length > 0) return defs.map((d) => itemOf(d, absolutePath(d.root, d.file)));
  // Not on a function name: the hierarchy of the function around the cursor.
  const enclosing = index.enclosingFunction(file, pos.line);
  return enclosing ? [itemOf(enclosing, file)] : [];
}

/** The item for the other end of an edge: its definition when the index knows it, else the first call site. */
function edgeItem(index: IndexQueries, edge: CallEdge): CallHierarchyItem {
  const detail = edge.via ? `via ${edge.via}` : undefined;
  const defs = index.definitions(edge.name, edge.file).filter(callable);
  const def =
    defs.find((d) => absolutePath(d.root, d.file) === edge.file && (d.nameSpan.line === edge.line || d.span.line === edge.line)) ??
    defs.find((d) => absolutePath(d.root, d.file) === edge.file) ??
    (edge.file === undefined ? defs[0] : undefined);
  if (def) return itemOf(def, absolutePath(def.root, def.file), detail);
  const file = edge.file ?? edge.sites[0]?.file ?? '';
  const line = edge.line ?? edge.sites[0]?.line ?? 0;
  const range: Range = pointRange(line, 0, 0);
  const data: ItemData = { name: edge.name };
  return { name: edge.name, kind: LspKind.Function, detail: detail ?? path.basename(file), uri: pathToUri(file), range, selectionRange: range, data };
}

/** The called name at a site spans the callee (direct) or the field (indirect, `via` is `table.field`). */
function calleeLength(edge: CallEdge, callee: string): number {
  return edge.via ? (edge.via.split('.').pop() ?? callee).length : callee.length;
}

function dataName(item: CallHierarchyItem): string {
  const d = item.data as Partial<ItemData> | undefined;
  return typeof d?.name === 'string' ? d.name : item.name;
}

export function computeIncoming(index: IndexQueries, item: CallHierarchyItem): CallHierarchyIncomingCall[] {
  const name = dataName(item);
  return index.incomingCalls(name).map((edge) => ({
    from: edgeItem(index, edge),
    fromRanges: edge.sites.map((s) => pointRange(s.line, s.col, calleeLength(edge, name))),
  }));
}

export function computeOutgoing(index: IndexQueries, item: CallHierarchyItem): CallHierarchyOutgoingCall[] {
  const name = dataName(item);
  const file = uriToPath(item.uri);
  const edges = index.outgoingCalls(name);
  // fromRanges are in the item's document: for a name defined in several files (statics) keep this definition's calls.
  const inItem = (s: { file: string; line: number }) => s.file === file && s.line >= item.range.start.line && s.line <= item.range.end.line;
  const narrow = edges.some((e) => e.sites.some(inItem));
  const out: CallHierarchyOutgoingCall[] = [];
  for (const edge of edges) {
    const sites = narrow ? edge.sites.filter(inItem) : edge.sites;
    if (sites.length === 0) continue;
    out.push({ to: edgeItem(index, edge), fromRanges: sites.map((s) => pointRange(s.line, s.col, calleeLength(edge, edge.name))) });
  }
  return out;
}

export class CallHierarchyFeature {
  constructor(
    private readonly documents: Documents,
    private readonly guard: RequestGuard,
  ) {}

  register(connection: Connection): void {
    connection.languages.callHierarchy.onPrepare((params, token) =>
      this.guard.run('textDocument/prepareCallHierarchy', token, null as CallHierarchyItem[] | null, (idx) => {
        const file = uriToPath(params.textDocument.uri);
        if (!file) return null;
        const items = computePrepare(idx, file, params.position, this.documents.text(params.textDocument.uri));
        return items.length > 0 ? items : null;
      }),
    );
    connection.languages.callHierarchy.onIncomingCalls((params, token) =>
      this.guard.run('callHierarchy/incomingCalls', token, null as CallHierarchyIncomingCall[] | null, (idx) => computeIncoming(idx, params.item)),
    );
    connection.languages.callHierarchy.onOutgoingCalls((params, token) =>
      this.guard.run('callHierarchy/outgoingCalls', token, null as CallHierarchyOutgoingCall[] | null, (idx) => computeOutgoing(idx, params.item)),
    );
  }
}
