// The compact per-file extraction record: flat Int32Arrays over interned string ids, as produced by the parse
// workers, kept in memory by the index and written to the cache. Plain data (structured-clone and v8.serialize safe).
import type { SymbolKind } from './types';

export const KINDS: SymbolKind[] = ['function', 'prototype', 'macro', 'struct', 'union', 'enum', 'typedef', 'variable', 'enumerator', 'field'];
export const KIND_ID: Record<SymbolKind, number> = Object.fromEntries(KINDS.map((k, i) => [k, i])) as Record<SymbolKind, number>;

/** Flags stored above the kind in a symbol's second slot. */
export const F_STATIC = 1 << 8;
export const F_FUNCLIKE = 1 << 9;
/** A function produced by a generator macro (DEFINE_IDTENTRY_SYSVEC(name)); its `aux` slot holds the macro's name. */
export const F_GENERATED = 1 << 10;
/** Recovered from inside a tree-sitter ERROR region by the fallback scanner. */
export const F_RECOVERED = 1 << 11;

/** name, kind|flags, nameLine, nameCol, startLine, startCol, endLine, endCol, aux (struct type of a variable / generator). */
export const SYM = 9;
/** callee, caller (-1 at file scope), line, col. */
export const CALL = 4;
/** field, caller, line, col, receiver text, receiver base type (-1 unknown). */
export const ICALL = 6;
/** field, target, table (variable name, or receiver text for assignments), table type (-1), line, col, flags, base type. */
export const BIND = 8;
export const B_ASSIGN = 1;
export const B_NESTED = 2;
/** struct, field, field type. */
export const FIELDT = 3;
/** typedef name, struct/union tag. */
export const ALIAS = 2;

export interface FileRecord {
  /** Path relative to the tree root, forward slashes. */
  file: string;
  size: number;
  mtimeMs: number;
  /** Change time and inode at extraction: with size and mtime, the cheap "unchanged" test (cacheFreshness.ts). */
  ctimeMs?: number;
  ino?: number;
  /** Content hash at extraction (contentHash), for files whose stat changed but whose text may not have. */
  hash?: string;
  /** Ids index this table while the record travels from a worker; the index re-maps them to tree-wide ids. */
  strings?: string[];
  syms: Int32Array;
  calls: Int32Array;
  icalls: Int32Array;
  binds: Int32Array;
  fieldTypes: Int32Array;
  aliases: Int32Array;
  /** Sorted distinct identifiers of the file (for find-references: positions are found on demand). */
  idents: Int32Array;
  problem?: string;
}

export function emptyRecord(file: string, size: number, mtimeMs: number, problem?: string): FileRecord {
  const z = new Int32Array(0);
  return { file, size, mtimeMs, strings: [], syms: z, calls: z, icalls: z, binds: z, fieldTypes: z, aliases: z, idents: z, problem };
}

/** Re-maps every string-id slot of a record through `map` (local id → tree id) and sorts the identifier set. */
export function remapRecord(r: FileRecord, map: Int32Array): void {
  const m = (a: Int32Array, stride: number, slots: number[]) => {
    for (let i = 0; i < a.length; i += stride) for (const s of slots) if (a[i + s] >= 0) a[i + s] = map[a[i + s]];
  };
  m(r.syms, SYM, [0, 8]);
  m(r.calls, CALL, [0, 1]);
  m(r.icalls, ICALL, [0, 1, 4, 5]);
  m(r.binds, BIND, [0, 1, 2, 3, 7]);
  m(r.fieldTypes, FIELDT, [0, 1, 2]);
  m(r.aliases, ALIAS, [0, 1]);
  m(r.idents, 1, [0]);
  r.idents.sort();
  delete r.strings;
}
