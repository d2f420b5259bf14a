// The content store's table: every pack's entries, sorted by key, in shared memory that the workers search. Read from
// the packs alone it cost an open and two reads per pack and a sort of every entry on each build that parses: a cache
// that has indexed Linux holds ~900 packs and 55,000 entries, and every edit adds packs. So the table as last read is
// kept in the packs folder (`table`) with the ids of the packs it covers; a build reads that one file, drops the
// entries of packs gone since (evicted), reads only the packs written since, and merges their entries in.
// The file is only a shortcut: a pack it covers is still checked entry by entry when read (ContentStore.get), and a
// missing, damaged or foreign file means the packs are read as before. It is written whole and renamed into place.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CACHE_FORMAT, writeRenamed } from './cache';
import { ENTRY, PACK_ENTRY, PACK_NAME, readAt, readPackTable } from './contentStore';
import { openRegular } from './regularFile';

export const TABLE_FILE = 'table';
const TABLE_MAGIC = 'IRQLENS-TABLE';
const TABLE_HEADER = 64;
const PACK_ID = 8;

interface SavedTable {
  /** Hex ids of the packs whose entries the table holds. */
  packs: string[];
  /** Their entries, ENTRY bytes each, sorted by key. */
  entries: Buffer;
}

/**
 * The table of every entry in the packs folder `dir`, sorted by key, in shared memory for the workers; undefined when
 * there is none. Brings the saved table up to date when the packs changed.
 */
export function loadStoreTable(dir: string): SharedArrayBuffer | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return undefined;
  }
  const present = new Set<string>();
  for (const name of names) {
    const m = PACK_NAME.exec(name);
    if (m) present.add(m[1]);
  }
  const saved = readSavedTable(dir);
  const covered = new Set(saved?.packs);
  const gone = saved ? saved.packs.filter((id) => !present.has(id)) : [];
  let entries = saved ? withoutPacks(saved.entries, gone) : Buffer.alloc(0);
  const added: string[] = [];
  const fresh: Buffer[] = [];
  for (const id of present) {
    if (covered.has(id)) continue;
    const table = readPackTable(path.join(dir, `${id}.pack`));
    // Not a complete pack of this format (or no regular file): tried again next time, never covered.
    if (!table) continue;
    fresh.push(packEntries(id, table));
    added.push(id);
  }
  if (fresh.length) entries = mergeSorted(entries, sortEntries(Buffer.concat(fresh)));
  if (gone.length || added.length) {
    const packs = [...(saved?.packs.filter((id) => present.has(id)) ?? []), ...added];
    writeSavedTable(dir, { packs, entries });
  }
  if (!entries.length) return undefined;
  const sab = new SharedArrayBuffer(entries.length);
  Buffer.from(sab).set(entries);
  return sab;
}

/** One pack's table (PACK_ENTRY bytes per entry) as shared-table entries: the pack's id put after each key. */
function packEntries(id: string, table: Buffer): Buffer {
  const idBytes = Buffer.from(id, 'hex');
  const count = table.length / PACK_ENTRY;
  const out = Buffer.allocUnsafe(count * ENTRY);
  for (let i = 0; i < count; i++) {
    const from = i * PACK_ENTRY;
    const to = i * ENTRY;
    table.copy(out, to, from, from + 20);
    idBytes.copy(out, to + 20);
    table.copy(out, to + 20 + PACK_ID, from + 20, from + PACK_ENTRY);
  }
  return out;
}

function compareKeys(a: Buffer, ai: number, b: Buffer, bi: number): number {
  return a.compare(b, bi * ENTRY, bi * ENTRY + 20, ai * ENTRY, ai * ENTRY + 20);
}

function sortEntries(flat: Buffer): Buffer {
  const count = flat.length / ENTRY;
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((a, b) => compareKeys(flat, a, flat, b));
  const out = Buffer.allocUnsafe(flat.length);
  for (let i = 0; i < count; i++) flat.copy(out, i * ENTRY, order[i] * ENTRY, order[i] * ENTRY + ENTRY);
  return out;
}

/** Two sorted entry lists as one (entries of equal keys from both kept: either one is a valid answer). */
function mergeSorted(a: Buffer, b: Buffer): Buffer {
  const na = a.length / ENTRY;
  const nb = b.length / ENTRY;
  const out = Buffer.allocUnsafe(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < na && j < nb) {
    if (compareKeys(a, i, b, j) <= 0) a.copy(out, k++ * ENTRY, i * ENTRY, ++i * ENTRY);
    else b.copy(out, k++ * ENTRY, j * ENTRY, ++j * ENTRY);
  }
  if (i < na) a.copy(out, k * ENTRY, i * ENTRY);
  else if (j < nb) b.copy(out, k * ENTRY, j * ENTRY);
  return out;
}

/** `entries` without those of the packs `gone` (hex ids), order kept: one lookup per entry, however many are gone. */
function withoutPacks(entries: Buffer, gone: readonly string[]): Buffer {
  if (!gone.length) return entries;
  // A pack id is 8 bytes: read as one 64-bit number, the same way from the ids and from the entries.
  const drop = new Set(gone.map((id) => Buffer.from(id, 'hex').readBigUInt64LE(0)));
  const count = entries.length / ENTRY;
  const out = Buffer.allocUnsafe(entries.length);
  let k = 0;
  for (let i = 0; i < count; i++) {
    const at = i * ENTRY;
    if (drop.has(entries.readBigUInt64LE(at + 20))) continue;
    entries.copy(out, k++ * ENTRY, at, at + ENTRY);
  }
  return out.subarray(0, k * ENTRY);
}

/** The saved table, or undefined when there is none or it is not a complete table of this format. */
function readSavedTable(dir: string): SavedTable | undefined {
  const opened = openRegular(path.join(dir, TABLE_FILE));
  if (!('fd' in opened)) return undefined;
  const fd = opened.fd;
  try {
    const size = fs.fstatSync(fd).size;
    const head = readAt(fd, TABLE_HEADER, 0).toString('latin1');
    const m = /^(\S+) (\d+) (\d+) (\d+)\n/.exec(head);
    if (!m || m[1] !== TABLE_MAGIC || Number(m[2]) !== CACHE_FORMAT) return undefined;
    const packCount = Number(m[3]);
    const count = Number(m[4]);
    if (size !== TABLE_HEADER + packCount * PACK_ID + count * ENTRY) return undefined;
    const ids = readAt(fd, packCount * PACK_ID, TABLE_HEADER);
    const entries = readAt(fd, count * ENTRY, TABLE_HEADER + packCount * PACK_ID);
    if (ids.length !== packCount * PACK_ID || entries.length !== count * ENTRY) return undefined;
    const packs: string[] = [];
    for (let i = 0; i < packCount; i++) packs.push(ids.toString('hex', i * PACK_ID, (i + 1) * PACK_ID));
    return { packs, entries };
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the table (tmp + rename: a concurrent reader sees the old file or the new one); a failure only costs speed. */
function writeSavedTable(dir: string, table: SavedTable): void {
  const file = path.join(dir, TABLE_FILE);
  const header = Buffer.alloc(TABLE_HEADER, 0x20);
  header.write(`${TABLE_MAGIC} ${CACHE_FORMAT} ${table.packs.length} ${table.entries.length / ENTRY}\n`, 'latin1');
  const ids = Buffer.concat(table.packs.map((id) => Buffer.from(id, 'hex')));
  try {
    writeRenamed(file, `${file}.${randomBytes(6).toString('hex')}.tmp`, [header, ids, table.entries]);
  } catch {
    // A full disk or a removed folder: the next build reads the packs again.
  }
}
