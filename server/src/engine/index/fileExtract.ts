// Reads one file from disk and extracts it, choosing how: skipped (not a regular file, too large, binary), `#define`
// names only (huge or generated headers), or a full parse. Every failure becomes a record with a problem.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentHash } from './cacheFreshness';
import { type ContentStore, contentKey, recordFromStore, storable } from './contentStore';
import { extractDefinesOnly, extractGeneratedHeader } from './definesOnly';
import { extractSource } from './extract';
import { type PhaseTimes, PhaseClock } from './extractProfile';
import { type FileRecord, withOwnStrings } from './fileRecord';
import { decodeSource } from './sourceText';
import type { SharedStrings } from './recordBuilder';
import { DEFAULT_MAX_FILE_SIZE } from './walker';

export const HUGE_FILE_BYTES = 3 * 1024 * 1024;
export const GENERATED_HEADER_BYTES = 256 * 1024;
/** Share of `#define` lines from which a header larger than GENERATED_HEADER_BYTES is read by the line scan alone. */
const GENERATED_DEFINE_SHARE = 0.6;

/** True when the index reads only the `#define` lines of a file of this text and size (huge, or a generated header). */
export function readByDefineScan(text: string, size: number): boolean {
  if (size > HUGE_FILE_BYTES) return true;
  if (size <= GENERATED_HEADER_BYTES) return false;
  return extractGeneratedHeader(text, '', size, 0, GENERATED_DEFINE_SHARE, () => '') !== undefined;
}

/**
 * Reads and extracts one file from disk; every failure becomes a record with a `problem`, never an exception. With a
 * content store, bytes extracted before are taken from it (counted in `times.reused`, no parse) and new extractions
 * are added to it. With `shared`, a parsed file's names are interned there (its record has no `strings`; records
 * read otherwise, from the store or by a line scan, keep their own).
 */
export function extractFile(root: string, rel: string, times?: PhaseTimes, store?: ContentStore, shared?: SharedStrings): FileRecord {
  const clock = new PhaseClock(times);
  const { record, reused } = readAndExtract(root, rel, clock, store, shared);
  // A record from the store is no extraction: not counted among the files extracted.
  if (reused) clock.reused();
  else clock.done(rel, record.size);
  return record;
}

function readAndExtract(root: string, rel: string, clock: PhaseClock, store: ContentStore | undefined, shared: SharedStrings | undefined): { record: FileRecord; reused: boolean } {
  const abs = path.join(root, rel);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    return { record: { ...emptyFile(rel, 0, 0), problem: `unreadable: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }, reused: false };
  }
  // Every record carries the stat and content hash the cache checks freshness with (cacheFreshness.ts).
  const stamp = { ctimeMs: st.ctimeMs, ino: st.ino };
  let hashed: string | undefined;
  let key: Buffer | undefined;
  let fromStore: FileRecord | undefined;
  const record = extractStatted(abs, rel, st, clock, (buf) => {
    if (!store) {
      hashed = contentHash(buf);
      return undefined;
    }
    clock.lap('read');
    ({ key, hash: hashed } = contentKey(buf));
    const stored = store.get(key);
    clock.lap('store');
    return (fromStore = stored && recordFromStore(stored, rel, st, hashed));
  }, shared);
  if (fromStore) return { record: fromStore, reused: true };
  Object.assign(record, stamp, hashed ? { hash: hashed } : {});
  if (store && key && storable(record)) {
    // The store keeps records apart from any batch: one whose ids index the batch's table is given its own.
    store.add(key, record.strings || !shared ? record : withOwnStrings(record, shared.strings));
    clock.lap('store');
  }
  return { record, reused: false };
}

/**
 * The record of `rel` when the content store holds its bytes' extraction, else undefined (then the file is to be
 * extracted: unreadable, special and oversized files included, whose records say why). The same lookup as a worker's,
 * for a thread that has no parser.
 */
export function recordInStore(root: string, rel: string, store: ContentStore): FileRecord | undefined {
  const abs = path.join(root, rel);
  let buf: Buffer;
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
    if (!st.isFile() || st.size > DEFAULT_MAX_FILE_SIZE) return undefined;
    buf = readWhole(abs);
  } catch {
    return undefined;
  }
  const { key, hash } = contentKey(buf);
  const stored = store.get(key);
  return stored && recordFromStore(stored, rel, st, hash);
}

/** `onRead` sees the bytes before anything else is done with them; a record it returns is the file's record. */
function extractStatted(abs: string, rel: string, st: fs.Stats, clock: PhaseClock, onRead: (buf: Buffer) => FileRecord | undefined, shared: SharedStrings | undefined): FileRecord {
  let buf: Buffer;
  try {
    // Checked before reading: a FIFO would block the read, a 1.5 GB file would be read whole.
    if (!st.isFile()) return { ...emptyFile(rel, 0, 0), problem: 'not a regular file, skipped' };
    if (st.size > DEFAULT_MAX_FILE_SIZE) return { ...emptyFile(rel, st.size, st.mtimeMs), problem: `too large (${(st.size / 1048576).toFixed(1)} MB), skipped without reading` };
    buf = readWhole(abs);
  } catch (e) {
    return { ...emptyFile(rel, 0, 0), problem: `unreadable: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  const early = onRead(buf);
  if (early) return early;
  const size = st.size;
  const mtimeMs = st.mtimeMs;
  const probe = buf.subarray(0, 8192);
  if (probe.includes(0)) return { ...emptyFile(rel, size, mtimeMs), problem: 'binary (NUL bytes), skipped' };
  const text = decodeSource(buf);
  // Not UTF-8 (Latin-1 comments in old drivers): one character per byte keeps identifiers and offsets intact.
  const problem = text === undefined ? 'not UTF-8, decoded as Latin-1' : undefined;
  return extractText(text ?? buf.toString('latin1'), problem, rel, size, mtimeMs, clock, shared);
}

/**
 * The file's bytes read into one buffer the thread reuses (valid until the next call): a new buffer per file made
 * every file's bytes count as external memory, which the collector reclaims only with full collections. A buffer grown
 * past KEPT_READ_BUFFER for a large file is not kept.
 */
const KEPT_READ_BUFFER = 4 << 20;
let readBuffer = Buffer.allocUnsafe(1 << 20);
function readWhole(abs: string): Buffer {
  const buf = readInto(abs);
  if (readBuffer.length > KEPT_READ_BUFFER) readBuffer = Buffer.allocUnsafe(1 << 20);
  return buf;
}

function readInto(abs: string): Buffer {
  const fd = fs.openSync(abs, 'r');
  try {
    let got = 0;
    for (;;) {
      if (got === readBuffer.length) {
        const bigger = Buffer.allocUnsafe(2 * readBuffer.length);
        readBuffer.copy(bigger, 0, 0, got);
        readBuffer = bigger;
      }
      const n = fs.readSync(fd, readBuffer, got, readBuffer.length - got, null);
      if (n <= 0) break;
      got += n;
    }
    return readBuffer.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

function extractText(text: string, problem: string | undefined, rel: string, size: number, mtimeMs: number, clock: PhaseClock, shared: SharedStrings | undefined): FileRecord {
  clock.lap('read');
  if (size > HUGE_FILE_BYTES) return definesOnly(clock, text, rel, size, mtimeMs, `huge (${(size / 1048576).toFixed(1)} MB): only #define names indexed`);
  if (size > GENERATED_HEADER_BYTES) {
    // Register-definition headers (amdgpu's asic_reg, NIC firmware interfaces) are mostly #define lines: a line scan
    // finds every name they define at a fraction of a parse.
    const r = extractGeneratedHeader(text, rel, size, mtimeMs, GENERATED_DEFINE_SHARE, (defines, lines) => `generated header (${Math.round((100 * defines) / lines)}% #define lines, ${(size / 1048576).toFixed(1)} MB): only #define names indexed`);
    clock.lap('defines');
    if (r) return r;
  }
  try {
    const r = extractSource(text, rel, size, mtimeMs, { clock, ...(shared ? { strings: shared } : {}) });
    if (problem) r.record.problem = r.record.problem ? `${problem}; ${r.record.problem}` : problem;
    return r.record;
  } catch (e) {
    return { ...emptyFile(rel, size, mtimeMs), problem: `parse failed: ${(e as Error).message}` };
  }
}

function definesOnly(clock: PhaseClock, ...args: Parameters<typeof extractDefinesOnly>): FileRecord {
  const r = extractDefinesOnly(...args);
  clock.lap('defines');
  return r;
}

function emptyFile(file: string, size: number, mtimeMs: number): FileRecord {
  const z = new Int32Array(0);
  return { file, size, mtimeMs, strings: [], syms: z, calls: z, icalls: z, binds: z, fieldTypes: z, aliases: z, idents: z, defines: z };
}
