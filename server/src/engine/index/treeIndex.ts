// The index of one tree: interned strings, one compact FileRecord per file, and the query maps (CSR arrays keyed by
// string id) that make definitions, call hierarchy and workspace-symbol search answer in milliseconds.
import { ALIAS, BIND, CALL, FIELDT, FileRecord, ICALL, remapRecord, SYM, type WorkerStrings } from './fileRecord';
import { inSortedHashes } from './lexer';
import { StringTable } from './stringTable';
import type { TreeInfo } from './types';

/**
 * Compressed rows over the keys present: entries of keys[k] are at[off[k]..off[k+1]), each the element's number over
 * all files (base[f] + element index inside file f's array; `entryAt` splits it). Only present keys take room (a Linux
 * tree has 4 M strings but 300 k distinct callees), and an entry is one Int32 rather than a (file, index) pair.
 */
export interface Csr {
  keys: Int32Array;
  off: Int32Array;
  at: Int32Array;
  /** base[f]: the number of file f's first element (files.length + 1 entries). */
  base: Int32Array;
}

/** The file slot and element index of entry `p` of a map. */
export function entryAt(c: Csr, p: number): [number, number] {
  const g = c.at[p];
  // The last file whose first element is at or before g (files with no elements share their successor's base).
  let lo = 0;
  let hi = c.base.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (c.base[mid] <= g) lo = mid;
    else hi = mid - 1;
  }
  return [lo, g - c.base[lo]];
}

export interface QueryMaps {
  symByName: Csr;
  callByCallee: Csr;
  callByCaller: Csr;
  icallByField: Csr;
  icallByCaller: Csr;
  bindByField: Csr;
  bindByTarget: Csr;
  /** struct id * 2^26 + field id → field type id. */
  fieldType: Map<number, number>;
  /** typedef id → struct/union tag id. */
  alias: Map<number, number>;
  /** Distinct symbol names sorted by lower case, for search (generated headers' #define names left out). */
  nameCount: number;
  nameIds: Int32Array;
  /** The sorted lower-case names joined by '\n' (one string, not millions), and the start offset of each name in it. */
  joined: string;
  joinedStarts: Int32Array;
  /** Per sorted name, the characters it holds (`charMask`): an abbreviation's letters must all be there. */
  nameMasks: Int32Array;
}

/**
 * A bit per character class a name holds: the 26 letters (either case), and the digits folded into 6 bits. The
 * abbreviation search passes over the names lacking one of the query's characters without reading them.
 */
export function charMask(s: string): number {
  let m = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k) | 32;
    if (c >= 97 && c <= 122) m |= 1 << (c - 97);
    else if (c >= 48 && c <= 57) m |= 1 << (26 + ((c - 48) % 6));
  }
  return m;
}

export const FIELD_KEY = 2 ** 26;

export type CsrName = 'symByName' | 'callByCallee' | 'callByCaller' | 'icallByField' | 'icallByCaller' | 'bindByField' | 'bindByTarget';
const CSR_SPEC: Record<CsrName, { pick: (r: FileRecord) => Int32Array; stride: number; slot: number }> = {
  symByName: { pick: (r) => r.syms, stride: SYM, slot: 0 },
  callByCallee: { pick: (r) => r.calls, stride: CALL, slot: 0 },
  callByCaller: { pick: (r) => r.calls, stride: CALL, slot: 1 },
  icallByField: { pick: (r) => r.icalls, stride: ICALL, slot: 0 },
  icallByCaller: { pick: (r) => r.icalls, stride: ICALL, slot: 1 },
  bindByField: { pick: (r) => r.binds, stride: BIND, slot: 0 },
  bindByTarget: { pick: (r) => r.binds, stride: BIND, slot: 1 },
};
/** Past this many changed files since the maps were built, rebuild them instead of scanning the changed files. */
const MAX_DIRTY = 256;

/**
 * `count` is scratch space of one slot per key (all zero on entry, left dirty): one array serves the seven maps, so
 * preparing them does not allocate and drop seven arrays of the string table's size (17 MB each on Linux).
 */
function buildCsr(count: Int32Array, files: (FileRecord | undefined)[], pick: (r: FileRecord) => Int32Array, stride: number, slot: number): Csr {
  // Counting sort by key through the per-key count array, then only the keys present are kept.
  const nKeys = count.length;
  const base = new Int32Array(files.length + 1);
  let total = 0;
  let elements = 0;
  for (let f = 0; f < files.length; f++) {
    base[f] = elements;
    const r = files[f];
    if (!r) continue;
    const a = pick(r);
    elements += Math.floor(a.length / stride);
    for (let i = slot; i < a.length; i += stride) {
      const k = a[i];
      if (k >= 0) {
        count[k]++;
        total++;
      }
    }
  }
  let present = 0;
  for (let k = 0; k < nKeys; k++) if (count[k]) present++;
  const keys = new Int32Array(present);
  const off = new Int32Array(present + 1);
  let j = 0;
  let acc = 0;
  for (let k = 0; k < nKeys; k++) {
    if (!count[k]) continue;
    keys[j] = k;
    off[j] = acc;
    acc += count[k];
    // count[k] now holds where the next entry of k goes.
    count[k] = off[j];
    j++;
  }
  off[present] = acc;
  base[files.length] = elements;
  const at = new Int32Array(total);
  for (let f = 0; f < files.length; f++) {
    const r = files[f];
    if (!r) continue;
    const a = pick(r);
    for (let i = slot, e = base[f]; i < a.length; i += stride, e++) {
      const k = a[i];
      if (k < 0) continue;
      at[count[k]++] = e;
    }
  }
  return { keys, off, at, base };
}

export class TreeIndex {
  ids = new StringTable();
  files: (FileRecord | undefined)[] = [];
  slotOf = new Map<string, number>();
  private maps?: QueryMaps;
  /** Per-name answers derived from the maps (a function's preferred definition); cleared on every change. */
  readonly memo = new Map<number, unknown>();
  /** Slots changed since the maps were built: their CSR entries are stale, their records are scanned directly. */
  private dirty = new Set<number>();
  /** Slots of the records with a define table (defineTable.ts), found when first asked after a change. */
  private defineSlotList?: number[];
  /** The distinct name hashes of those tables, sorted: most names asked for are in none, which one search tells. */
  private defineHashes?: Int32Array;

  constructor(readonly info: TreeInfo) {}

  /** The i-th name of the sorted search list, lower case. */
  searchName(i: number): string {
    const m = this.queryMaps();
    const end = i + 1 < m.nameCount ? m.joinedStarts[i + 1] - 1 : m.joined.length;
    return m.joined.slice(m.joinedStarts[i], end);
  }

  get root(): string {
    return this.info.root;
  }

  get strings(): string[] {
    return this.ids.strings;
  }

  intern(s: string): number {
    return this.ids.intern(s);
  }

  loadStrings(strings: string[]): void {
    this.ids = new StringTable(strings);
  }

  /**
   * Adds or replaces a record; records with local `strings` are re-mapped to this tree's ids first, and so are records
   * from a parse worker (`from`: the worker's strings, those not yet mapped interned now).
   */
  setRecord(r: FileRecord, from?: WorkerStrings): void {
    if (from) {
      if (from.mapped < from.strings.length) {
        if (from.treeIds.length < from.strings.length) {
          let n = from.treeIds.length;
          while (n < from.strings.length) n *= 2;
          const grown = new Int32Array(n);
          grown.set(from.treeIds.subarray(0, from.mapped));
          from.treeIds = grown;
        }
        for (let i = from.mapped; i < from.strings.length; i++) from.treeIds[i] = this.intern(from.strings[i]);
        from.mapped = from.strings.length;
      }
      remapRecord(r, from.treeIds);
    } else if (r.strings) {
      const local = r.strings;
      const map = new Int32Array(local.length);
      for (let i = 0; i < local.length; i++) map[i] = this.intern(local[i]);
      remapRecord(r, map);
    }
    let slot = this.slotOf.get(r.file);
    if (slot === undefined) {
      slot = this.files.length;
      this.slotOf.set(r.file, slot);
      this.files.push(r);
    } else this.files[slot] = r;
    this.touch(slot, r);
  }

  /** Keeps built maps usable after a change: field types and aliases are added, the slot is marked dirty. */
  private touch(slot: number, r: FileRecord | undefined): void {
    this.memo.clear();
    // The define tables' slots and hashes change only with a file that has (or had) one.
    if (r?.defines.length || this.defineSlotList?.includes(slot)) {
      this.defineSlotList = undefined;
      this.defineHashes = undefined;
    }
    if (!this.maps) return;
    if (this.dirty.size >= MAX_DIRTY) {
      this.maps = undefined;
      this.dirty.clear();
      return;
    }
    this.dirty.add(slot);
    if (!r) return;
    for (let i = 0; i < r.fieldTypes.length; i += FIELDT) this.maps.fieldType.set(r.fieldTypes[i] * FIELD_KEY + r.fieldTypes[i + 1], r.fieldTypes[i + 2]);
    for (let i = 0; i < r.aliases.length; i += ALIAS) if (r.aliases[i] !== r.aliases[i + 1]) this.maps.alias.set(r.aliases[i], r.aliases[i + 1]);
  }

  /** Entries of `key` in one of the maps, as [file slot, element index] pairs, changed files included. */
  lookup(name: CsrName, key: number): [number, number][] {
    const out: [number, number][] = [];
    if (key < 0) return out;
    const c = this.queryMaps()[name];
    const [a, b] = csrRange(c, key);
    for (let p = a; p < b; p++) {
      const entry = entryAt(c, p);
      if (!this.dirty.has(entry[0])) out.push(entry);
    }
    if (this.dirty.size) {
      const spec = CSR_SPEC[name];
      for (const slot of this.dirty) {
        const r = this.files[slot];
        if (!r) continue;
        const arr = spec.pick(r);
        for (let i = spec.slot, e = 0; i < arr.length; i += spec.stride, e++) if (arr[i] === key) out.push([slot, e]);
      }
    }
    return out;
  }

  /** Ids of the symbol names defined in files changed since the maps were built: the sorted search list lacks new ones. */
  dirtySymbolIds(): number[] {
    const out = new Set<number>();
    for (const slot of this.dirty) {
      const r = this.files[slot];
      if (!r) continue;
      for (let i = 0; i < r.syms.length; i += SYM) out.add(r.syms[i]);
    }
    return [...out];
  }

  removeFile(rel: string): void {
    const slot = this.slotOf.get(rel);
    if (slot === undefined) return;
    this.files[slot] = undefined;
    this.slotOf.delete(rel);
    this.touch(slot, undefined);
  }

  record(rel: string): FileRecord | undefined {
    const slot = this.slotOf.get(rel);
    return slot === undefined ? undefined : this.files[slot];
  }

  liveRecords(): FileRecord[] {
    return this.files.filter((r): r is FileRecord => r !== undefined);
  }

  /** Drops dead slots (after deletions) so the cache and CSR arrays stay dense. */
  compact(): void {
    const live = this.liveRecords();
    this.files = live;
    this.slotOf = new Map(live.map((r, i) => [r.file, i]));
    this.maps = undefined;
    this.dirty.clear();
    this.defineSlotList = undefined;
    this.defineHashes = undefined;
  }

  /** The slots of the files whose macros are kept by name hash (a few hundred generated headers at most). */
  defineSlots(): readonly number[] {
    if (this.defineSlotList) return this.defineSlotList;
    const out: number[] = [];
    for (let f = 0; f < this.files.length; f++) if (this.files[f]?.defines.length) out.push(f);
    return (this.defineSlotList = out);
  }

  /** The slots whose define table may hold a name of hash `hash` (none for the names no generated header defines). */
  defineSlotsFor(hash: number): readonly number[] {
    const slots = this.defineSlots();
    if (!slots.length) return slots;
    if (!this.defineHashes) {
      // A define table's file identifiers are its names' hashes (definesOnly.ts).
      let n = 0;
      for (const f of slots) n += this.files[f]!.idents.length;
      const all = new Int32Array(n);
      n = 0;
      for (const f of slots) {
        all.set(this.files[f]!.idents, n);
        n += this.files[f]!.idents.length;
      }
      all.sort();
      let u = 0;
      for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[u - 1]) all[u++] = all[i];
      this.defineHashes = all.slice(0, u);
    }
    if (inSortedHashes(this.defineHashes, hash)) return slots;
    return [];
  }

  queryMaps(): QueryMaps {
    if (this.maps) return this.maps;
    this.dirty.clear();
    const n = this.strings.length;
    const files = this.files;
    const fieldType = new Map<number, number>();
    const alias = new Map<number, number>();
    const symNames = new Uint8Array(n);
    for (const r of files) {
      if (!r) continue;
      for (let i = 0; i < r.fieldTypes.length; i += FIELDT) fieldType.set(r.fieldTypes[i] * FIELD_KEY + r.fieldTypes[i + 1], r.fieldTypes[i + 2]);
      for (let i = 0; i < r.aliases.length; i += ALIAS) if (r.aliases[i] !== r.aliases[i + 1]) alias.set(r.aliases[i], r.aliases[i + 1]);
      // Register headers indexed by a #define scan hold millions of names: reachable by definitions and references,
      // not offered by workspace-symbol search (it would triple the memory of the search structures on Linux).
      if (r.problem?.includes('#define names indexed')) continue;
      for (let i = 0; i < r.syms.length; i += SYM) symNames[r.syms[i]] = 1;
    }
    let count = 0;
    for (let i = 0; i < n; i++) count += symNames[i];
    const ids = new Int32Array(count);
    for (let i = 0, j = 0; i < n; i++) if (symNames[i]) ids[j++] = i;
    // Sorted by lower-case name, then id, through a permutation: one lower-case string per name (the name itself when
    // it has no capital) and no sort keys. Keys of `name\x01id` for the native string sort made ~700 MB of transient
    // strings on Linux's 2.4 M names, which lifted the server's peak RSS to 1.8 GB while it prepared these tables.
    const lower: string[] = new Array(count);
    for (let j = 0; j < count; j++) lower[j] = this.strings[ids[j]].toLowerCase();
    const order = new Int32Array(count);
    for (let j = 0; j < count; j++) order[j] = j;
    order.sort((a, b) => {
      const x = lower[a];
      const y = lower[b];
      return x < y ? -1 : x > y ? 1 : ids[a] - ids[b];
    });
    const nameIds = new Int32Array(count);
    const joinedStarts = new Int32Array(count);
    const nameMasks = new Int32Array(count);
    const parts: string[] = new Array(count);
    let off = 0;
    for (let i = 0; i < count; i++) {
      const j = order[i];
      nameIds[i] = ids[j];
      parts[i] = lower[j];
      joinedStarts[i] = off;
      nameMasks[i] = charMask(lower[j]);
      off += lower[j].length + 1;
    }
    lower.length = 0;
    const joined = parts.join('\n');
    parts.length = 0;
    const scratch = new Int32Array(n);
    const csr = (name: CsrName) => buildCsr(scratch.fill(0), files, CSR_SPEC[name].pick, CSR_SPEC[name].stride, CSR_SPEC[name].slot);
    this.maps = {
      symByName: csr('symByName'),
      callByCallee: csr('callByCallee'),
      callByCaller: csr('callByCaller'),
      icallByField: csr('icallByField'),
      icallByCaller: csr('icallByCaller'),
      bindByField: csr('bindByField'),
      bindByTarget: csr('bindByTarget'),
      fieldType,
      alias,
      nameCount: nameIds.length,
      nameIds,
      joined,
      joinedStarts,
      nameMasks,
    };
    // Built with the maps, so that no query pays for it.
    this.defineSlotsFor(0);
    return this.maps;
  }

  /** Normalises a type id through typedef aliases (`MemoryRegionOps` → its struct tag). */
  normType(id: number): number {
    const alias = this.queryMaps().alias;
    for (let i = 0; i < 8; i++) {
      const a = alias.get(id);
      if (a === undefined || a === id) break;
      id = a;
    }
    return id;
  }

  /**
   * The struct type an indirect call's receiver evaluates to: the base variable's type, then each field step
   * through the recorded struct field types (`desc->irq_data.chip` → irq_desc → irq_data → irq_chip).
   */
  receiverType(baseType: number, receiver: number): number {
    if (baseType < 0) return -1;
    const text = this.strings[receiver];
    const m = /^[(*&]*[A-Za-z_]\w*((?:(?:->|\.)[A-Za-z_]\w*|\[[^\]]*\])*)\)*$/.exec(text);
    if (!m) return -1;
    let t = this.normType(baseType);
    const steps = m[1].replace(/\[[^\]]*\]/g, '').split(/->|\./).filter(Boolean);
    const maps = this.queryMaps();
    for (const s of steps) {
      const f = this.ids.get(s);
      if (f === undefined) return -1;
      const next = maps.fieldType.get(t * FIELD_KEY + f);
      if (next === undefined) return -1;
      t = this.normType(next);
    }
    return t;
  }
}

export function csrRange(c: Csr, key: number): [number, number] {
  let lo = 0;
  let hi = c.keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = c.keys[mid];
    if (k === key) return [c.off[mid], c.off[mid + 1]];
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return [0, 0];
}
