// The persistent per-tree index cache: a versioned, checksummed file of chunks (v8.serialize), written atomically
// (tmp + rename) and read chunk by chunk so memory stays bounded. Entries are keyed by path + size + mtime; a corrupt
// or foreign file is reported once by the caller and rebuilt, never trusted.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { FileRecord } from './fileRecord';

const MAGIC = 'IRQLENS-INDEX';
/** Bump when FileRecord's layout or the extraction changes meaning. */
export const CACHE_FORMAT = 6;
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

/** Writes the cache for one tree atomically. */
export function saveCache(file: string, data: CachedTree): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const hash = createHash('sha1');
    let pos = HEADER_BYTES;
    const write = (value: unknown) => {
      const body = v8.serialize(value);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(body.length);
      hash.update(len).update(body);
      fs.writeSync(fd, len, 0, 4, pos);
      fs.writeSync(fd, body, 0, body.length, pos + 4);
      pos += 4 + body.length;
    };
    write({ root: data.root, strings: data.strings, chunks: Math.ceil(data.files.length / CHUNK_FILES) });
    for (let i = 0; i < data.files.length; i += CHUNK_FILES) write(data.files.slice(i, i + CHUNK_FILES));
    fs.writeSync(fd, header(hash.digest('hex')), 0, HEADER_BYTES, 0);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export class CacheError extends Error {}

/** Reads a cache file; undefined when absent; throws CacheError when corrupt, foreign or of another format. */
export function loadCache(file: string, root: string): CachedTree | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
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
