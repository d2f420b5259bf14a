// Reads one file from disk and extracts it, choosing how: skipped (not a regular file, too large, binary), `#define`
// names only (huge or generated headers), or a full parse. Every failure becomes a record with a problem.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentHash } from './cacheFreshness';
import { extractDefinesOnly } from './definesOnly';
import { extractSource } from './extract';
import { type PhaseTimes, PhaseClock } from './extractProfile';
import type { FileRecord } from './fileRecord';
import { DEFAULT_MAX_FILE_SIZE } from './walker';

export const HUGE_FILE_BYTES = 3 * 1024 * 1024;
export const GENERATED_HEADER_BYTES = 256 * 1024;

/** Reads and extracts one file from disk; every failure becomes a record with a `problem`, never an exception. */
export function extractFile(root: string, rel: string, times?: PhaseTimes): FileRecord {
  const clock = new PhaseClock(times);
  const r = readAndExtract(root, rel, clock);
  clock.done(rel, r.size);
  return r;
}

function readAndExtract(root: string, rel: string, clock: PhaseClock): FileRecord {
  const abs = path.join(root, rel);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    return { ...emptyFile(rel, 0, 0), problem: `unreadable: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  // Every record carries the stat and content hash the cache checks freshness with (cacheFreshness.ts).
  const stamp = { ctimeMs: st.ctimeMs, ino: st.ino };
  let hashed: string | undefined;
  const record = extractStatted(abs, rel, st, clock, (buf) => (hashed = contentHash(buf)));
  return Object.assign(record, stamp, hashed ? { hash: hashed } : {});
}

function extractStatted(abs: string, rel: string, st: fs.Stats, clock: PhaseClock, onRead: (buf: Buffer) => void): FileRecord {
  let buf: Buffer;
  try {
    // Checked before reading: a FIFO would block the read, a 1.5 GB file would be read whole.
    if (!st.isFile()) return { ...emptyFile(rel, 0, 0), problem: 'not a regular file, skipped' };
    if (st.size > DEFAULT_MAX_FILE_SIZE) return { ...emptyFile(rel, st.size, st.mtimeMs), problem: `too large (${(st.size / 1048576).toFixed(1)} MB), skipped without reading` };
    buf = fs.readFileSync(abs);
    onRead(buf);
  } catch (e) {
    return { ...emptyFile(rel, 0, 0), problem: `unreadable: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  const size = st.size;
  const mtimeMs = st.mtimeMs;
  const probe = buf.subarray(0, 8192);
  if (probe.includes(0)) return { ...emptyFile(rel, size, mtimeMs), problem: 'binary (NUL bytes), skipped' };
  let text: string;
  let problem: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    // Not UTF-8 (Latin-1 comments in old drivers): one character per byte keeps identifiers and offsets intact.
    text = buf.toString('latin1');
    problem = 'not UTF-8, decoded as Latin-1';
  }
  clock.lap('read');
  if (size > HUGE_FILE_BYTES) return definesOnly(clock, text, rel, size, mtimeMs, `huge (${(size / 1048576).toFixed(1)} MB): only #define names indexed`);
  if (size > GENERATED_HEADER_BYTES) {
    // Register-definition headers (amdgpu's asic_reg, NIC firmware interfaces) are mostly #define lines: a line scan
    // finds every name they define at a fraction of a parse.
    const lines = text.match(/^[ \t]*\S/gm)?.length ?? 0;
    const defines = text.match(/^[ \t]*#[ \t]*define\b/gm)?.length ?? 0;
    if (lines > 0 && defines / lines >= 0.6) {
      return definesOnly(clock, text, rel, size, mtimeMs, `generated header (${Math.round((100 * defines) / lines)}% #define lines, ${(size / 1048576).toFixed(1)} MB): only #define names indexed`);
    }
  }
  try {
    const r = extractSource(text, rel, size, mtimeMs, { clock });
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
  return { file, size, mtimeMs, strings: [], syms: z, calls: z, icalls: z, binds: z, fieldTypes: z, aliases: z, idents: z };
}
