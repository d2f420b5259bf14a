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
/** A `#define`-only file's macros (defineTable.ts): name hash, second name hash, line, column, length | function-like. */
export const DEF = 5;

/** A record's typed arrays, in the order the cache and the batch arena lay them out. */
export const RECORD_ARRAYS = ['syms', 'calls', 'icalls', 'binds', 'fieldTypes', 'aliases', 'idents', 'defines'] as const;
export type RecordArray = (typeof RECORD_ARRAYS)[number];

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
  /** The file's distinct identifiers as sorted hashes (lexer.ts identifierHash), no string ids: find-references takes
   *  the files holding a name's hash and finds the name's positions in their text, so a hash shared by two names costs
   *  one file read and never a wrong answer. */
  idents: Int32Array;
  /** The macros of a file indexed by its `#define` lines alone (a generated register header), by name hash, with no
   *  string ids: their millions of names are never interned (defineTable.ts). Empty for every other file. */
  defines: Int32Array;
  problem?: string;
}

export function emptyRecord(file: string, size: number, mtimeMs: number, problem?: string): FileRecord {
  const z = new Int32Array(0);
  return { file, size, mtimeMs, strings: [], syms: z, calls: z, icalls: z, binds: z, fieldTypes: z, aliases: z, idents: z, defines: z, problem };
}

/**
 * The string table of a batch of records from a parse worker: the records carry ids into it, not tables of their own,
 * so that a name crosses threads once per batch rather than once per file. `treeIds` maps them to the receiving tree's
 * ids (filled by the tree); `mapped` is how many are mapped.
 */
export interface WorkerStrings {
  strings: string[];
  treeIds: Int32Array;
  mapped: number;
}

export function workerStrings(strings: string[]): WorkerStrings {
  return { strings, treeIds: new Int32Array(strings.length), mapped: 0 };
}

export function emptyWorkerStrings(): WorkerStrings {
  return workerStrings([]);
}

/** Re-maps every string-id slot of a record through `map` (local id → tree id). */
export function remapRecord(r: FileRecord, map: Int32Array): void {
  mapRecordIds(r, map);
  delete r.strings;
}

/** The arrays of a record that hold string ids, with their stride and the slots of an entry that are ids. */
const ID_SLOTS: readonly { key: 'syms' | 'calls' | 'icalls' | 'binds' | 'fieldTypes' | 'aliases'; stride: number; slots: readonly number[] }[] = [
  { key: 'syms', stride: SYM, slots: [0, 8] },
  { key: 'calls', stride: CALL, slots: [0, 1] },
  { key: 'icalls', stride: ICALL, slots: [0, 1, 4, 5] },
  { key: 'binds', stride: BIND, slots: [0, 1, 2, 3, 7] },
  { key: 'fieldTypes', stride: FIELDT, slots: [0, 1, 2] },
  { key: 'aliases', stride: ALIAS, slots: [0, 1] },
];

/** Re-maps every string-id slot of a record through `map`, in place (-1 slots stay -1). */
export function mapRecordIds(r: FileRecord, map: Int32Array): void {
  for (const { key, stride, slots } of ID_SLOTS) {
    const a = r[key];
    for (const slot of slots) {
      for (let i = slot; i < a.length; i += stride) {
        const v = a[i];
        if (v >= 0) a[i] = map[v];
      }
    }
  }
}

/**
 * A copy of a record whose ids index `table` (a shared table, see recordBuilder.SharedStrings) with a table of its
 * own: only the names it uses, numbered in the order its slots first use them.
 */
export function withOwnStrings(r: FileRecord, table: readonly string[]): FileRecord {
  if (localOf.length < table.length) localOf = new Int32Array(Math.max(table.length, 2 * localOf.length));
  const strings: string[] = [];
  const used: number[] = [];
  const copy: FileRecord = { ...r, strings };
  for (const { key, stride, slots } of ID_SLOTS) {
    const a = r[key].slice();
    copy[key] = a;
    for (let i = 0; i < a.length; i += stride) {
      for (const slot of slots) {
        const v = a[i + slot];
        if (v < 0) continue;
        let id = localOf[v] - 1;
        if (id < 0) {
          id = strings.length;
          localOf[v] = id + 1;
          strings.push(table[v]);
          used.push(v);
        }
        a[i + slot] = id;
      }
    }
  }
  for (const v of used) localOf[v] = 0;
  return copy;
}

/** withOwnStrings' map from a shared id to its local id + 1 (0: not met yet), all zero between calls: a Map per record
 *  cost more than the rest of the copy. */
let localOf = new Int32Array(1024);
