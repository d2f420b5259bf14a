// The persistent per-tree index cache: a versioned, checksummed file of chunks (v8.serialize for the string table and
// the records' scalars, raw Int32 bytes for their arrays), written atomically
// (every write checked, tmp + fsync + rename: the old cache stays until the new one is complete) and read chunk by
// chunk so memory stays bounded. Entries carry size, mtime, ctime, inode and a content hash (see cacheFreshness.ts);
// a corrupt, foreign or non-regular file is reported once by the caller and rebuilt, never trusted.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { type FileRecord, RECORD_ARRAYS } from './fileRecord';
import { openRegular } from './regularFile';

const MAGIC = 'IRQLENS-INDEX';
/** Bump when FileRecord's layout or the extraction changes meaning. */
export const CACHE_FORMAT = 19;
const HEADER_BYTES = 64;
const CHUNK_FILES = 2000;

export interface CachedTree {
  root: string;
  strings: string[];
  files: FileRecord[];
}

export function cacheFile(cacheDir: string, root: string): string {
  const key = createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 16);
  return path.join(cacheDir, `${path.basename(root).replace(/[^\w.+-]/g, '_')}-${key}.idx`);
}

function header(sha: string): Buffer {
  const h = Buffer.alloc(HEADER_BYTES, 0x20);
  h.write(`${MAGIC} ${CACHE_FORMAT} ${sha}\n`);
  return h;
}

/** Writes all of `buf` at `pos`; a short write (full disk) goes on until done or throws, never truncates silently. */
export function writeAll(fd: number, buf: Buffer, pos: number): void {
  for (let off = 0; off < buf.length; ) {
    const n = fs.writeSync(fd, buf, off, buf.length - off, pos + off);
    if (n <= 0) throw new Error(`wrote nothing at byte ${pos + off} (disk full?)`);
    off += n;
  }
}

/**
 * Writes `parts` one after the other as `file`, through `tmp` renamed into place: a concurrent reader sees the old file
 * or the whole new one. Throws when it cannot (the temporary file is removed).
 */
export function writeRenamed(file: string, tmp: string, parts: readonly Buffer[]): void {
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      let pos = 0;
      for (const part of parts) {
        writeAll(fd, part, pos);
        pos += part.length;
      }
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Makes sure `dir` is a usable folder, creating missing parents one by one (a recursive mkdir below /proc spins
 * forever); throws with a clear message otherwise.
 */
export function ensureCacheDir(dir: string): void {
  const missing: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(d);
    } catch {
      // Not there yet.
    }
    if (st) {
      if (!st.isDirectory()) throw new Error(`cache folder ${dir} is unusable: ${d} is not a folder`);
      break;
    }
    missing.unshift(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing) {
    try {
      fs.mkdirSync(m);
    } catch (e) {
      throw new Error(`cache folder ${dir} is unusable: cannot create ${m} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    throw new Error(`cache folder ${dir} is unusable: not writable (${(e as NodeJS.ErrnoException).code})`);
  }
}

const ARRAYS = RECORD_ARRAYS;
/** Strings per chunk of the string table (a chunk is serialised whole: this bounds what a write or read holds). */
const STRING_CHUNK = 262144;
/** The staging buffer the raw arrays of a chunk are gathered in before each write. */
const STAGE_BYTES = 1 << 20;

/** A record in a chunk's list: everything but its arrays, whose lengths say how to cut the chunk's raw part. */
type RecordHead = Omit<FileRecord, (typeof ARRAYS)[number] | 'strings'> & { lens: number[] };

/**
 * Writes the cache for one tree atomically; on any failure the old cache file is left as it was. Layout after the
 * header: checksummed frames (length, bytes) — the metadata, the string table in chunks, then per chunk of files the
 * records without their arrays (v8.serialize) and the arrays' raw Int32 bytes. The arrays are written from the records
 * through a small staging buffer, never serialised: a serialised copy of Linux's records (500 MB) was what the end of
 * a cold build peaked on.
 */
export function saveCache(file: string, data: CachedTree): void {
  ensureCacheDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  let complete = false;
  try {
    const hash = createHash('sha1');
    let pos = HEADER_BYTES;
    const frameLength = (n: number) => {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(n);
      hash.update(len);
      writeAll(fd, len, pos);
      pos += 4;
    };
    const put = (bytes: Buffer) => {
      hash.update(bytes);
      writeAll(fd, bytes, pos);
      pos += bytes.length;
    };
    const write = (value: unknown) => {
      const body = v8.serialize(value);
      frameLength(body.length);
      put(body);
    };
    const stringChunks = Math.ceil(data.strings.length / STRING_CHUNK);
    write({ root: data.root, stringChunks, chunks: Math.ceil(data.files.length / CHUNK_FILES) });
    for (let i = 0; i < data.strings.length; i += STRING_CHUNK) write(data.strings.slice(i, i + STRING_CHUNK));
    const stage = Buffer.allocUnsafe(STAGE_BYTES);
    for (let i = 0; i < data.files.length; i += CHUNK_FILES) {
      const chunk = data.files.slice(i, i + CHUNK_FILES);
      let bytes = 0;
      write(
        chunk.map((r): RecordHead => {
          const head: Record<string, unknown> = { ...r, lens: ARRAYS.map((k) => r[k].length) };
          for (const k of ARRAYS) delete head[k];
          delete head.strings;
          for (const k of ARRAYS) bytes += r[k].byteLength;
          return head as RecordHead;
        }),
      );
      frameLength(bytes);
      let staged = 0;
      for (const r of chunk) {
        for (const k of ARRAYS) {
          const a = r[k];
          let from = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
          while (from.length) {
            if (staged === STAGE_BYTES) {
              put(stage);
              staged = 0;
            }
            const n = from.copy(stage, staged);
            staged += n;
            from = from.subarray(n);
          }
        }
      }
      if (staged) put(stage.subarray(0, staged));
    }
    writeAll(fd, header(hash.digest('hex')), 0);
    fs.fsyncSync(fd);
    complete = true;
  } finally {
    fs.closeSync(fd);
    if (!complete) fs.rmSync(tmp, { force: true });
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

const warned = new Set<string>();

/** saveCache, with a failure reported once per cache file through `warn` (the index works on without a cache). */
export function saveCacheOrWarn(file: string, data: CachedTree, warn: (msg: string) => void): void {
  try {
    saveCache(file, data);
    warned.delete(file);
  } catch (e) {
    if (warned.has(file)) return;
    warned.add(file);
    warn(`could not write index cache ${file} (the previous one is kept): ${(e as Error).message}`);
  }
}

export class CacheError extends Error {}

/**
 * The root a cache file was written for, read from its header and metadata alone (nothing else is verified: a caller
 * that uses the cache loads it with loadCache); undefined when it is no cache of this format.
 */
export function cachedRoot(file: string): string | undefined {
  const opened = openRegular(file);
  if (!('fd' in opened)) return undefined;
  try {
    const head = Buffer.alloc(HEADER_BYTES + 4);
    if (fs.readSync(opened.fd, head, 0, head.length, 0) !== head.length) return undefined;
    const m = /^(\S+) (\d+) /.exec(head.toString('latin1', 0, HEADER_BYTES));
    if (!m || m[1] !== MAGIC || Number(m[2]) !== CACHE_FORMAT) return undefined;
    const n = head.readUInt32LE(HEADER_BYTES);
    if (n > 1 << 20) return undefined;
    const body = Buffer.alloc(n);
    if (fs.readSync(opened.fd, body, 0, n, HEADER_BYTES + 4) !== n) return undefined;
    const meta = v8.deserialize(body) as { root?: unknown } | undefined;
    return typeof meta?.root === 'string' ? meta.root : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(opened.fd);
  }
}

/** Reads a cache file; undefined when absent; throws CacheError when corrupt, foreign or of another format. */
export function loadCache(file: string, root: string): CachedTree | undefined {
  // A FIFO would block a plain open forever; a folder or device is no cache either.
  const opened = openRegular(file);
  if ('absent' in opened) return undefined;
  if ('notRegular' in opened) throw new CacheError('not a regular file');
  const fd = opened.fd;
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(HEADER_BYTES);
    const got = fs.readSync(fd, head, 0, HEADER_BYTES, 0);
    if (!head.subarray(0, got).toString('latin1').startsWith(MAGIC)) throw new CacheError('not an irqlens index cache');
    if (got !== HEADER_BYTES) throw new CacheError('truncated header');
    const m = /^(\S+) (\d+) ([0-9a-f]{40})\n/.exec(head.toString('latin1'));
    if (!m || m[1] !== MAGIC) throw new CacheError('not an irqlens index cache');
    if (Number(m[2]) !== CACHE_FORMAT) throw new CacheError(`cache format ${m[2]}, expected ${CACHE_FORMAT}`);
    // Two passes over the frames: verify the checksum over everything first (read piece by piece), then read frame by
    // frame, so a corrupt file is never half-loaded and the raw bytes never sit in memory all at once.
    const frameAt = (pos: number): number => {
      const len = Buffer.alloc(4);
      if (fs.readSync(fd, len, 0, 4, pos) !== 4) throw new CacheError('truncated chunk length');
      const n = len.readUInt32LE();
      if (pos + 4 + n > size) throw new CacheError('truncated chunk');
      return n;
    };
    const readInto = (into: Buffer, pos: number) => {
      for (let got = 0; got < into.length; ) {
        const r = fs.readSync(fd, into, got, into.length - got, pos + got);
        if (r <= 0) throw new CacheError('short read');
        got += r;
      }
    };
    const readFrame = (pos: number): Buffer => {
      const body = Buffer.allocUnsafe(frameAt(pos));
      readInto(body, pos + 4);
      return body;
    };
    const hash = createHash('sha1');
    const offsets: number[] = [];
    const piece = Buffer.allocUnsafe(STAGE_BYTES);
    for (let pos = HEADER_BYTES; pos < size; ) {
      const n = frameAt(pos);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(n);
      hash.update(len);
      for (let done = 0; done < n; ) {
        const step = Math.min(piece.length, n - done);
        readInto(piece.subarray(0, step), pos + 4 + done);
        hash.update(piece.subarray(0, step));
        done += step;
      }
      offsets.push(pos);
      pos += 4 + n;
    }
    if (hash.digest('hex') !== m[3]) throw new CacheError('checksum mismatch');
    if (!offsets.length) throw new CacheError('empty cache');
    let meta: { root: string; stringChunks: number; chunks: number };
    try {
      meta = v8.deserialize(readFrame(offsets[0])) as typeof meta;
    } catch (e) {
      throw new CacheError(`unreadable metadata: ${(e as Error).message}`);
    }
    if (path.resolve(meta.root) !== path.resolve(root)) throw new CacheError(`cache belongs to ${meta.root}`);
    if (!Number.isInteger(meta.stringChunks) || !Number.isInteger(meta.chunks) || 1 + meta.stringChunks + 2 * meta.chunks !== offsets.length) throw new CacheError('chunk count mismatch');
    const strings: string[] = [];
    for (let i = 1; i <= meta.stringChunks; i++) {
      const part = v8.deserialize(readFrame(offsets[i])) as unknown;
      if (!Array.isArray(part)) throw new CacheError('string table chunk is no list');
      for (const x of part as unknown[]) strings.push(x as string);
    }
    const files: FileRecord[] = [];
    for (let i = 1 + meta.stringChunks; i < offsets.length; i += 2) {
      const heads = v8.deserialize(readFrame(offsets[i])) as RecordHead[];
      // The chunk's arrays: read straight into one aligned buffer, each record's arrays views of it.
      const bytes = frameAt(offsets[i + 1]);
      if (!Array.isArray(heads) || bytes % 4) throw new CacheError('malformed chunk');
      const arena = new Int32Array(bytes / 4);
      readInto(Buffer.from(arena.buffer), offsets[i + 1] + 4);
      let at = 0;
      for (const h of heads) {
        const { lens, ...rest } = h;
        if (!Array.isArray(lens) || lens.length !== ARRAYS.length) throw new CacheError('malformed record');
        const r = rest as FileRecord;
        ARRAYS.forEach((k, j) => {
          const n = lens[j];
          if (!Number.isInteger(n) || n < 0 || at + n > arena.length) throw new CacheError('malformed record');
          r[k] = arena.subarray(at, at + n);
          at += n;
        });
        files.push(r);
      }
      if (at !== arena.length) throw new CacheError('malformed chunk');
    }
    return { root: meta.root, strings, files };
  } catch (e) {
    if (e instanceof CacheError) throw e;
    throw new CacheError((e as Error).message);
  } finally {
    fs.closeSync(fd);
  }
}
