// Definitions: where a name is defined (functions first, then prototypes, macros, types, variables), the symbols of a
// file, the function enclosing a line, and the memoised "where is this function defined" the call graph asks for.
import * as path from 'node:path';
import type { IndexedTrees } from './indexedTrees';
import { enclosingFunctionEntry, symbolAt, symbolCount, symbolKindAt, symbolNameLineAt, toSymbolDef } from './recordViews';
import { allDefines, defineKey, definesNamed } from './defineTable';
import { addSymbolDetails } from './symbolDetails';
import type { TreeIndex } from './treeIndex';
import type { FileRecord } from './fileRecord';
import type { DefinitionQueries, SymbolDef, SymbolKind } from './types';

const KIND_RANK: Record<SymbolKind, number> = {
  function: 0, prototype: 1, macro: 2, struct: 3, union: 3, enum: 3, typedef: 3, variable: 4, enumerator: 5, field: 6,
};

/** How a call-graph end point is ranked among a name's definitions: a body before a prototype before a macro. */
function definitionRank(kind: SymbolKind): number {
  return kind === 'function' ? 0 : kind === 'prototype' ? 2 : kind === 'macro' ? 4 : 6;
}

/** Details (signature, comment) are read from the file for small answers only: they cost a file read each. */
const maxDetailed = 20;

export type RootedSymbol = SymbolDef & { root: string };

export class Definitions implements DefinitionQueries {
  constructor(private readonly trees: IndexedTrees) {}

  /** A record's symbol as the queries return it, with its tree's root. */
  symbol(t: TreeIndex, r: FileRecord, element: number): RootedSymbol {
    return { ...toSymbolDef(r, element, t.strings), root: t.root };
  }

  definitions(name: string, fromFile?: string): RootedSymbol[] {
    const out: RootedSymbol[] = [];
    const from = fromFile ? this.trees.locate(fromFile) : undefined;
    const key = defineKey(name);
    for (const t of this.trees.list) {
      const id = t.ids.get(name);
      if (id !== undefined) for (const [f, e] of t.lookup('symByName', id)) out.push(this.symbol(t, t.files[f]!, e));
      // Macros of generated headers are kept by name hash: their names are no ids of the tree.
      for (const f of t.defineSlotsFor(key.hash)) for (const d of definesNamed(t.files[f]!, key)) out.push({ ...d, root: t.root });
    }
    const local = (d: RootedSymbol) => (from && d.root === from.tree.root && d.file === from.rel ? 0 : 1);
    out.sort(
      (x, y) =>
        KIND_RANK[x.kind] - KIND_RANK[y.kind] ||
        local(x) - local(y) ||
        Number(!!x.isStatic) - Number(!!y.isStatic) ||
        (x.file < y.file ? -1 : x.file > y.file ? 1 : 0) ||
        x.nameSpan.line - y.nameSpan.line,
    );
    if (out.length <= maxDetailed) {
      for (const d of out) {
        const text = this.trees.textOf(path.join(d.root, d.file));
        if (text !== undefined) addSymbolDetails(d, text);
      }
    }
    return out;
  }

  /** The generator macro of a generated function definition (DEFINE_IDTENTRY_SYSVEC for sysvec_*), if any. */
  generatorOf(def: RootedSymbol): string | undefined {
    const t = this.trees.byRoot(def.root);
    const r = t?.record(def.file);
    if (!t || !r) return undefined;
    for (let e = 0; e < symbolCount(r); e++) {
      const s = symbolAt(r, e);
      if (s.isGenerated && t.strings[s.nameId] === def.name && s.nameLine === def.nameSpan.line) return t.strings[s.auxId];
    }
    return undefined;
  }

  fileSymbols(file: string): SymbolDef[] {
    const found = this.trees.recordOf(file);
    if (!found) return [];
    const out = this.definesOf(found.tree, found.record);
    for (let e = 0; e < symbolCount(found.record); e++) out.push(toSymbolDef(found.record, e, found.tree.strings));
    return out.sort((a, b) => a.span.line - b.span.line || a.span.col - b.span.col);
  }

  enclosingFunction(file: string, line: number): SymbolDef | undefined {
    const found = this.trees.recordOf(file);
    const e = found && enclosingFunctionEntry(found.record, line);
    return found && e ? toSymbolDef(found.record, e.element, found.tree.strings) : undefined;
  }

  /** The name of the function whose body holds `line` in a record, if any. */
  containerIn(t: TreeIndex, r: FileRecord, line: number): string | undefined {
    const e = enclosingFunctionEntry(r, line);
    return e && t.strings[e.nameId];
  }

  /** The symbols of one tree file by file (paths sorted, symbols by line): streams a Linux-sized listing. */
  *symbolsByFile(root: string): Generator<RootedSymbol[]> {
    const t = this.trees.byRoot(root);
    if (!t) return;
    const records = t.liveRecords().sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    for (const r of records) {
      const batch: RootedSymbol[] = this.definesOf(t, r).map((d) => ({ ...d, root: t.root }));
      for (let e = 0; e < symbolCount(r); e++) batch.push(this.symbol(t, r, e));
      batch.sort((a, b) => a.nameSpan.line - b.nameSpan.line || a.nameSpan.col - b.nameSpan.col);
      if (batch.length) yield batch;
    }
  }

  /** The macros of a record's define table, their names read from the file's current text (none when unreadable). */
  private definesOf(t: TreeIndex, r: FileRecord): SymbolDef[] {
    if (!r.defines.length) return [];
    const text = this.trees.textOf(path.join(t.root, r.file));
    return text === undefined ? [] : allDefines(r, text);
  }

  /** True when some definition of the name in the tree is a function (body or prototype). */
  isFunctionName(t: TreeIndex, nameId: number): boolean {
    for (const [f, e] of t.lookup('symByName', nameId)) {
      const k = symbolKindAt(t.files[f]!, e);
      if (k === 'function' || k === 'prototype') return true;
    }
    return false;
  }

  /** Where a function is defined in a tree (absolute file, line), preferring the given file slot (static functions). */
  functionDef(t: TreeIndex, nameId: number, preferFile?: number): { file: string; line: number } | undefined {
    // Memoised per name for the common case (no preference decides): call hierarchies of kfree-like functions ask
    // for tens of thousands of callers' definitions at once.
    const memo = t.memo.get(nameId) as { def?: { file: string; line: number }; files: Set<number> } | undefined;
    if (memo && (preferFile === undefined || !memo.files.has(preferFile))) return memo.def;
    const best = this.bestDefinition(t, nameId, preferFile);
    if (!memo) {
      // Files where a preference could change the answer: those holding a definition of the name.
      const files = new Set<number>(t.lookup('symByName', nameId).map(([f]) => f));
      const key = defineKey(t.strings[nameId]);
      for (const f of t.defineSlotsFor(key.hash)) if (definesNamed(t.files[f]!, key).length) files.add(f);
      t.memo.set(nameId, { def: this.bestDefinition(t, nameId, undefined), files });
    }
    return best;
  }

  private bestDefinition(t: TreeIndex, nameId: number, preferFile: number | undefined): { file: string; line: number } | undefined {
    let best: { file: string; line: number; rank: number; slot: number } | undefined;
    for (const [f, e] of t.lookup('symByName', nameId)) {
      const r = t.files[f]!;
      const rank = definitionRank(symbolKindAt(r, e)) + (preferFile === undefined || preferFile === f ? 0 : 1);
      if (!best || rank < best.rank) best = { file: path.join(t.root, r.file), line: symbolNameLineAt(r, e), rank, slot: f };
    }
    if (best && best.rank < definitionRank('macro')) return { file: best.file, line: best.line };
    const key = defineKey(t.strings[nameId]);
    for (const f of t.defineSlotsFor(key.hash)) {
      const r = t.files[f]!;
      const rank = definitionRank('macro') + (preferFile === undefined || preferFile === f ? 0 : 1);
      // Of equal ranks the file first in the tree wins, as in the name map's order.
      if (best && (rank > best.rank || (rank === best.rank && f > best.slot))) continue;
      const [first] = definesNamed(r, key);
      if (first) best = { file: path.join(t.root, r.file), line: first.nameSpan.line, rank, slot: f };
    }
    return best && { file: best.file, line: best.line };
  }
}
