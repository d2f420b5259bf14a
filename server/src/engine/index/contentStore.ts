// The content-addressed half of the index cache: the extraction of each distinct file content, keyed by the SHA-1 of
// its bytes, with its own string table. Extraction depends on a file's bytes alone, so a file parsed once — in another
// tree, another version, before a checkout — is not parsed again while its entry is kept.
//
// Entries live in packs, one per worker batch (a file per entry cost ~0.35 ms of CPU each to create: 20 s on Linux).
// A pack is written whole and renamed into place, so readers see complete packs only and two processes never share a
// file; each entry carries a checksum of its body, and anything unreadable, foreign or mismatched is a miss (the file
// is parsed). The main thread reads the packs' tables into one sorted, shared table that the workers search
// (storeTable.ts). A pack's mtime is its last use (touched when an entry is read): the cache limit evicts the least
// recently used packs.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { CACHE_FORMAT, writeRenamed } from './cache';
import { type FileRecord, RECORD_ARRAYS, type RecordArray } from './fileRecord';
import { openRegular } from './regularFile';

const MAGIC = 'IRQLENS-PACK';
const HEADER_BYTES = 64;
/** In a pack's table: key (20), offset (4), length (4), body SHA-1 (20). */
export const PACK_ENTRY = 48;
/** In the shared table (storeTable.ts): key (20), pack id (8), offset (4), length (4), body SHA-1 (20). */
export const ENTRY = 56;
export const PACK_NAME = /^([0-9a-f]{16})\.pack$/;

export const PACKS_PREFIX = 'packs-';

/** The packs folder of a cache folder, one per cache format (older formats' folders are evicted whole). */
export function packsDir(cacheDir: string): string {
  return path.join(cacheDir, `${PACKS_PREFIX}${CACHE_FORMAT}`);
}

/** What an entry holds: a record's content part (no path, no stat), ids indexing its own `strings`. */
export type StoredBody = Pick<FileRecord, RecordArray | 'problem'> & { strings: string[] };


/** The SHA-1 of a file's bytes (the entry's key) and the record's `hash` (its base64). */
export function contentKey(buf: Buffer): { key: Buffer; hash: string } {
  const key = createHash('sha1').update(buf).digest();
  return { key, hash: key.toString('base64') };
}

/**
 * Whether a record depends on the bytes alone: a record cut short by the time budget or failing for a reason of the
 * moment (unreadable, a crashed worker) is kept in the tree's cache only, so that another run may do better.
 */
export function storable(r: FileRecord): boolean {
  return !r.problem || !/took longer|stopped after|parse failed|unreadable|worker failed|skipped without reading/.test(r.problem);
}

export function readAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got);
    if (n <= 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Reads one pack's table; undefined when it is not a complete pack of this format. */
export function readPackTable(file: string): Buffer | undefined {
  // A FIFO or folder in a pack's place is no pack: refused without blocking.
  const opened = openRegular(file);
  if (!('fd' in opened)) return undefined;
  const fd = opened.fd;
  try {
    const size = fs.fstatSync(fd).size;
    const head = readAt(fd, HEADER_BYTES, 0).toString('latin1');
    const m = /^(\S+) (\d+) (\d+)\n/.exec(head);
    if (!m || m[1] !== MAGIC || Number(m[2]) !== CACHE_FORMAT) return undefined;
    const count = Number(m[3]);
    const tableBytes = count * PACK_ENTRY;
    if (HEADER_BYTES + tableBytes > size) return undefined;
    const table = readAt(fd, tableBytes, HEADER_BYTES);
    if (table.length !== tableBytes) return undefined;
    for (let i = 0; i < count; i++) {
      const off = table.readUInt32LE(i * PACK_ENTRY + 20);
      const len = table.readUInt32LE(i * PACK_ENTRY + 24);
      if (off + len > size) return undefined;
    }
    return table;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** What a parse request carries of the store: its folder and the shared table (the same for every batch of a build). */
export interface StoreRef {
  dir: string;
  table?: SharedArrayBuffer;
}

/**
 * Past this many bytes of new entries a worker writes them as a pack before its batch ends: what it holds for the store
 * stays bounded whatever the batch holds (Linux's generated headers make entries of megabytes each).
 */
const PACK_BYTES = 8 * 1024 * 1024;

/**
 * A worker's view of the store: looks entries up in the shared table and gathers its batch's new entries into packs
 * (one per batch, more when they exceed PACK_BYTES).
 */
export class ContentStore {
  private readonly table: Buffer;
  private readonly count: number;
  private pending: { key: Buffer; body: Buffer }[] = [];
  private pendingBytes = 0;
  /** Entries written by packs of this batch so far (returned by flush). */
  private written = 0;
  private readonly used = new Set<string>();
  /**
   * Packs opened for reading in this batch, kept open until it ends: a batch reads many entries of the same few packs
   * (open, fstat and close per entry were most of a lookup's system time). A pack is never rewritten in place (written
   * to a temporary file and renamed), so an open pack stays what the table describes even if it is evicted meanwhile.
   */
  private readonly readFds = new Map<string, number>();

  constructor(
    readonly dir: string,
    table: SharedArrayBuffer | undefined,
  ) {
    this.table = table ? Buffer.from(table) : Buffer.alloc(0);
    this.count = this.table.length / ENTRY;
  }

  private find(key: Buffer): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.table.compare(key, 0, 20, mid * ENTRY, mid * ENTRY + 20);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The stored content of `key`, or undefined (absent, evicted meanwhile, corrupt or of another format). */
  get(key: Buffer): StoredBody | undefined {
    const i = this.find(key);
    if (i < 0) return undefined;
    const at = i * ENTRY;
    const pack = this.table.toString('hex', at + 20, at + 28);
    const offset = this.table.readUInt32LE(at + 28);
    const length = this.table.readUInt32LE(at + 32);
    let body: Buffer;
    try {
      let fd = this.readFds.get(pack);
      if (fd === undefined) {
        const opened = openRegular(path.join(this.dir, `${pack}.pack`));
        if (!('fd' in opened)) return undefined;
        fd = opened.fd;
        this.readFds.set(pack, fd);
      }
      body = readAt(fd, length, offset);
    } catch {
      this.closeReads();
      return undefined;
    }
    if (body.length !== length || this.table.compare(createHash('sha1').update(body).digest(), 0, 20, at + 36, at + 56) !== 0) return undefined;
    let stored: StoredBody;
    try {
      stored = v8.deserialize(body) as StoredBody;
    } catch {
      return undefined;
    }
    if (!stored || !Array.isArray(stored.strings) || RECORD_ARRAYS.some((k) => !(stored[k] instanceof Int32Array))) return undefined;
    this.used.add(pack);
    return stored;
  }

  /** Adds the content part of a freshly extracted record (ids into its own `strings`) to the batch's pack. */
  add(key: Buffer, r: FileRecord): void {
    const stored = { strings: r.strings ?? [], ...(r.problem ? { problem: r.problem } : {}) } as StoredBody;
    for (const k of RECORD_ARRAYS) stored[k] = r[k];
    const body = v8.serialize(stored);
    this.pending.push({ key, body });
    this.pendingBytes += body.length;
    if (this.pendingBytes < PACK_BYTES) return;
    try {
      this.written += this.writePack();
    } catch {
      // A full disk or a removed cache folder: these entries are lost, the tree's own cache still holds the records.
    }
  }

  /**
   * Writes the batch's remaining entries as one pack (tmp + rename) and marks the packs read from as used now; returns
   * how many entries the batch wrote. Throws when the pack cannot be written (the caller goes on without it).
   */
  flush(): number {
    this.closeReads();
    const now = new Date();
    for (const pack of this.used) {
      try {
        fs.utimesSync(path.join(this.dir, `${pack}.pack`), now, now);
      } catch {
        // Evicted by another process meanwhile.
      }
    }
    this.used.clear();
    const written = this.written + this.writePack();
    this.written = 0;
    return written;
  }

  /** Closes the packs opened for reading (flush does it; the worker also calls it should its batch end otherwise). */
  closeReads(): void {
    for (const fd of this.readFds.values()) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already closed.
      }
    }
    this.readFds.clear();
  }

  /** Writes the pending entries as one pack, each body written in turn (never concatenated); returns how many. */
  private writePack(): number {
    const entries = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (!entries.length) return 0;
    const header = Buffer.alloc(HEADER_BYTES, 0x20);
    header.write(`${MAGIC} ${CACHE_FORMAT} ${entries.length}\n`, 'latin1');
    const table = Buffer.alloc(entries.length * PACK_ENTRY);
    let offset = HEADER_BYTES + table.length;
    entries.forEach((e, i) => {
      const at = i * PACK_ENTRY;
      e.key.copy(table, at);
      table.writeUInt32LE(offset, at + 20);
      table.writeUInt32LE(e.body.length, at + 24);
      createHash('sha1').update(e.body).digest().copy(table, at + 28);
      offset += e.body.length;
    });
    try {
      fs.mkdirSync(this.dir);
    } catch (e) {
      // One level only (below /proc a recursive mkdir spins): the cache folder exists already.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const file = path.join(this.dir, `${randomBytes(8).toString('hex')}.pack`);
    // Each body written in turn, never concatenated (a pack holds up to PACK_BYTES and more).
    writeRenamed(file, `${file}.tmp`, [header, table, ...entries.map((e) => e.body)]);
    return entries.length;
  }
}

/**
 * A record for `rel` from a stored content and the file's stat and hash. The arrays are copied: deserialised ones may
 * be views into a shared pool, which cannot be transferred to another thread.
 */
export function recordFromStore(stored: StoredBody, rel: string, st: fs.Stats, hash: string): FileRecord {
  const r: FileRecord = {
    file: rel,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ctimeMs: st.ctimeMs,
    ino: st.ino,
    hash,
    strings: stored.strings,
  } as FileRecord;
  for (const k of RECORD_ARRAYS) r[k] = stored[k].slice();
  if (stored.problem) r.problem = stored.problem;
  return r;
}
