// The macros of a file indexed by its `#define` lines alone (generated register headers, huge files), kept by name
// hash instead of by name. Linux's 152 such headers define 3.4 M macros under 1.3 M names used nowhere else: as
// interned strings, symbol rows and name-map entries they were ~240 MB of the long-lived server; as this table, 68 MB.
// A name is found by its two hashes and its length (a false match needs two 32-bit hashes and the length to agree);
// the names themselves are read back from the file's text, when a file's symbols are listed.
import { DEF, type FileRecord } from './fileRecord';
import { identifierHash } from './lexer';
import type { SymbolDef } from './types';

/** Set in an entry's last slot above the name's length: the macro takes arguments. */
const FUNCLIKE_BIT = 1 << 30;

/** FNV-1a's start and prime, also for a scan that hashes a name while it reads it (`h = Math.imul(h ^ c, FNV_PRIME)`). */
export const FNV_START = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** The second hash of a name (FNV-1a over its UTF-16 units), independent of identifierHash. */
export function secondHash(name: string): number {
  let h = FNV_START;
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), FNV_PRIME);
  return h;
}

/** Rows are collected as the scan meets them: name hash, second hash, line, column, length, function-like. */
export class DefineRows {
  private rows = new Int32Array(1024);
  private n = 0;

  add(hash: number, hash2: number, line: number, col: number, length: number, funclike: boolean): void {
    if (this.n + DEF > this.rows.length) {
      const grown = new Int32Array(2 * this.rows.length);
      grown.set(this.rows);
      this.rows = grown;
    }
    const r = this.rows;
    const o = this.n;
    r[o] = hash;
    r[o + 1] = hash2;
    r[o + 2] = line;
    r[o + 3] = col;
    r[o + 4] = length | (funclike ? FUNCLIKE_BIT : 0);
    this.n += DEF;
  }

  /** The table: rows sorted by hash, second hash, then text order, so one binary search finds a name's rows. */
  table(): Int32Array {
    const count = this.n / DEF;
    const r = this.rows;
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort((a, b) => {
      const x = a * DEF;
      const y = b * DEF;
      return r[x] - r[y] || r[x + 1] - r[y + 1] || a - b;
    });
    const out = new Int32Array(this.n);
    for (let i = 0; i < count; i++) out.set(r.subarray(order[i] * DEF, order[i] * DEF + DEF), i * DEF);
    return out;
  }
}

/** A macro of a table, as a definition of `name`. */
function macroDef(file: string, name: string, table: Int32Array, o: number): SymbolDef {
  const line = table[o + 2];
  const col = table[o + 3];
  const endCol = col + (table[o + 4] & ~FUNCLIKE_BIT);
  return {
    name,
    kind: 'macro',
    file,
    nameSpan: { line, col, endLine: line, endCol },
    span: { line, col, endLine: line, endCol },
    isFunctionLike: (table[o + 4] & FUNCLIKE_BIT) !== 0,
  };
}

/** First row whose hash is `h` or greater. */
function lowerBound(table: Int32Array, h: number): number {
  let lo = 0;
  let hi = table.length / DEF;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table[mid * DEF] < h) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A name's two hashes, computed once for lookups over many tables. */
export interface DefineKey {
  name: string;
  hash: number;
  hash2: number;
}

export function defineKey(name: string): DefineKey {
  return { name, hash: identifierHash(name), hash2: secondHash(name) };
}

/** The macros a record's define table holds under `key`'s name, in text order. */
export function definesNamed(r: FileRecord, key: DefineKey): SymbolDef[] {
  const t = r.defines;
  const out: SymbolDef[] = [];
  if (!t.length || !key.name) return out;
  for (let i = lowerBound(t, key.hash) * DEF; i < t.length && t[i] === key.hash; i += DEF) {
    if (t[i + 1] === key.hash2 && (t[i + 4] & ~FUNCLIKE_BIT) === key.name.length) out.push(macroDef(r.file, key.name, t, i));
  }
  return out;
}

/**
 * Every macro of a record's define table, with its name read from the file's text (`text`, as the file is now); a row
 * whose name no longer reads there (the file changed since it was indexed) is left out. In text order.
 */
export function allDefines(r: FileRecord, text: string): SymbolDef[] {
  const t = r.defines;
  if (!t.length) return [];
  const count = t.length / DEF;
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => t[a * DEF + 2] - t[b * DEF + 2] || t[a * DEF + 3] - t[b * DEF + 3]);
  const out: SymbolDef[] = [];
  let line = 0;
  let lineStart = 0;
  for (let k = 0; k < count; k++) {
    const o = order[k] * DEF;
    while (line < t[o + 2]) {
      const nl = text.indexOf('\n', lineStart);
      if (nl < 0) return out;
      lineStart = nl + 1;
      line++;
    }
    const at = lineStart + t[o + 3];
    const name = text.slice(at, at + (t[o + 4] & ~FUNCLIKE_BIT));
    if (identifierHash(name) !== t[o] || secondHash(name) !== t[o + 1]) continue;
    out.push(macroDef(r.file, name, t, o));
  }
  return out;
}
