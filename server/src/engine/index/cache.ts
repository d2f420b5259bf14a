// The persistent per-tree index cache: a versioned, checksummed file of chunks (v8.serialize), written atomically
// (every write checked, tmp + fsync + rename: the old cache stays until the new one is complete) and read chunk by
// chunk so memory stays bounded. Entries carry size, mtime, ctime, inode and a content hash (see cacheFreshness.ts);
// a corrupt, foreign or non-regular file is reported once by the caller and rebuilt, never trusted.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { FileRecord } from './fileRecord';
import { openRegular } from './regularFile';

const MAGIC = 'IRQLENS-INDEX';
/** Bump when FileRecord's layout or the extraction changes meaning. */
export const CACHE_FORMAT = 9;
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
function writeAll(fd: number, buf: Buffer, pos: number): void {
  for (let off = 0; off < buf.length; ) {
    const n = fs.writeSync(fd, buf, off, buf.length - off, pos + off);
    if (n <= 0) throw new Error(`wrote nothing at byte ${pos + off} (disk full?)`);
    off += n;
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

/** Writes the cache for one tree atomically; on any failure the old cache file is left as it was. */
export function saveCache(file: string, data: CachedTree): void {
  ensureCacheDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  let complete = false;
  try {
    const hash = createHash('sha1');
    let pos = HEADER_BYTES;
    const write = (value: unknown) => {
      const body = v8.serialize(value);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(body.length);
      hash.update(len).update(body);
      writeAll(fd, len, pos);
      writeAll(fd, body, pos + 4);
      pos += 4 + body.length;
    };
    write({ root: data.root, strings: data.strings, chunks: Math.ceil(data.files.length / CHUNK_FILES) });
    for (let i = 0; i < data.files.length; i += CHUNK_FILES) write(data.files.slice(i, i + CHUNK_FILES));
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
    // Two passes over the chunks: verify the checksum over everything first, then deserialise chunk by chunk, so a
    // corrupt file is never half-loaded and the raw bytes never sit in memory all at once.
    const readChunk = (pos: number): Buffer => {
      const len = Buffer.alloc(4);
      if (fs.readSync(fd, len, 0, 4, pos) !== 4) throw new CacheError('truncated chunk length');
      const n = len.readUInt32LE();
      if (pos + 4 + n > size) throw new CacheError('truncated chunk');
      const body = Buffer.allocUnsafe(n);
      if (fs.readSync(fd, body, 0, n, pos + 4) !== n) throw new CacheError('short read');
      return body;
    };
    const hash = createHash('sha1');
    const offsets: number[] = [];
    for (let pos = HEADER_BYTES; pos < size; ) {
      const body = readChunk(pos);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(body.length);
      hash.update(len).update(body);
      offsets.push(pos);
      pos += 4 + body.length;
    }
    if (hash.digest('hex') !== m[3]) throw new CacheError('checksum mismatch');
    if (!offsets.length) throw new CacheError('empty cache');
    let meta: { root: string; strings: string[]; chunks: number };
    try {
      meta = v8.deserialize(readChunk(offsets[0])) as typeof meta;
    } catch (e) {
      throw new CacheError(`unreadable metadata: ${(e as Error).message}`);
    }
    if (path.resolve(meta.root) !== path.resolve(root)) throw new CacheError(`cache belongs to ${meta.root}`);
    if (meta.chunks !== offsets.length - 1) throw new CacheError('chunk count mismatch');
    const files: FileRecord[] = [];
    for (let i = 1; i < offsets.length; i++) for (const r of v8.deserialize(readChunk(offsets[i])) as FileRecord[]) files.push(r);
    return { root: meta.root, strings: meta.strings, files };
  } catch (e) {
    if (e instanceof CacheError) throw e;
    throw new CacheError((e as Error).message);
  } finally {
    fs.closeSync(fd);
  }
}
