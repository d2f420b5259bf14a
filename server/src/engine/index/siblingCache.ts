// A tree indexed for the first time (a second version next to the first, a copy, another worktree) starts from the
// cache of a tree of the same codebase: a file with the same path and the same bytes (content hash) has the same
// record. Those records already hold ids into the sibling's string table, so taking that table along spares the
// per-name work a record from the content store costs (its own strings, interned one by one), and the file needs no
// worker. Files that differ are left to the content store and the parse workers as before.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cachedRoot, loadCache } from './cache';
import { contentHash } from './cacheFreshness';
import { storable } from './contentStore';
import type { FileRecord } from './fileRecord';
import { detectTree } from './treeInfo';
import type { TreeInfo } from './types';
import type { WalkEntry } from './walker';

export interface SiblingCache {
  /** The sibling's cache file and tree root. */
  file: string;
  root: string;
  strings: string[];
  records: Map<string, FileRecord>;
}

/** Most caches looked at (newest use first) before giving up: each costs a header read and a look at its tree. */
const MAX_CANDIDATES = 8;

/**
 * The caches in `cacheDir` that may seed a tree described by `info`, most recently used first: other than `ownCache`,
 * of a tree that still exists and is of the same known codebase. Unknown codebases have no sibling: two unrelated C
 * trees would share little but a string table.
 */
function* siblingCandidates(cacheDir: string, ownCache: string, info: TreeInfo): Generator<{ file: string; root: string }> {
  if (info.codebase === 'unknown') return;
  let names: string[];
  try {
    names = fs.readdirSync(cacheDir);
  } catch {
    return;
  }
  const own = path.resolve(ownCache);
  const candidates: { file: string; used: number }[] = [];
  for (const name of names) {
    if (!name.endsWith('.idx')) continue;
    const file = path.resolve(cacheDir, name);
    if (file === own) continue;
    try {
      const st = fs.statSync(file);
      if (st.isFile()) candidates.push({ file, used: st.mtimeMs });
    } catch {
      // Evicted meanwhile.
    }
  }
  candidates.sort((a, b) => b.used - a.used);
  for (const { file } of candidates.slice(0, MAX_CANDIDATES)) {
    const root = cachedRoot(file);
    if (!root || path.resolve(root) === path.resolve(info.root) || detectTree(root).codebase !== info.codebase) continue;
    yield { file, root };
  }
}

/**
 * True when `cacheDir` holds a cache that may seed the tree (see siblingCandidates), without loading any: a build
 * that will likely parse only the files a sibling lacks starts fewer workers.
 */
export function maySeedFromSibling(cacheDir: string, ownCache: string, info: TreeInfo): boolean {
  return !siblingCandidates(cacheDir, ownCache, info).next().done;
}

/** The first of siblingCandidates that loads whole (checksum verified); undefined when there is none. */
export function siblingCache(cacheDir: string, ownCache: string, info: TreeInfo): SiblingCache | undefined {
  for (const { file, root } of siblingCandidates(cacheDir, ownCache, info)) {
    try {
      const loaded = loadCache(file, root);
      if (!loaded) continue;
      const records = new Map<string, FileRecord>();
      // Only records that depend on the bytes alone (the content store's rule): a parse cut short may do better now.
      for (const r of loaded.files) if (r.hash && storable(r)) records.set(r.file, r);
      return { file, root, strings: loaded.strings, records };
    } catch {
      // Damaged, foreign or rewritten meanwhile: try the next one.
    }
  }
  return undefined;
}

/** A walked file and the sibling's record at the same path and of the same size: the same file if the bytes hash alike. */
export type SiblingCandidate = { entry: WalkEntry; record: FileRecord };

/**
 * Splits the walked files into those the sibling may hold (a record at the same path, of the same size) and the others,
 * which are known to need the content store or a parse without reading them.
 */
export function matchSibling(sibling: SiblingCache, files: readonly WalkEntry[]): { candidates: SiblingCandidate[]; others: WalkEntry[] } {
  const candidates: SiblingCandidate[] = [];
  const others: WalkEntry[] = [];
  for (const entry of files) {
    const record = sibling.records.get(entry.rel);
    if (record && record.size === entry.size) candidates.push({ entry, record });
    else others.push(entry);
  }
  return { candidates, others };
}

/** How long the hash check runs before it lets the event loop turn (the pool hands out batches meanwhile). */
const SLICE_MS = 8;

/**
 * Reads and hashes each candidate: the sibling's record (restamped with the file's own stat) when the content hash
 * matches, else the file is `differ`. The hash is always checked: another tree's inode numbers prove nothing. Yields to
 * the event loop every few milliseconds, so parse workers started on the other files are fed meanwhile; stops early
 * (the rest counted as `differ`) when `signal` is aborted.
 */
export async function confirmSibling(candidates: readonly SiblingCandidate[], root: string, signal?: AbortSignal): Promise<{ reused: FileRecord[]; differ: WalkEntry[] }> {
  const reused: FileRecord[] = [];
  const differ: WalkEntry[] = [];
  let sliceStart = performance.now();
  for (let i = 0; i < candidates.length; i++) {
    if ((i & 31) === 31 && performance.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    const { entry, record } = candidates[i];
    if (!signal?.aborted && record.hash === hashOf(path.join(root, entry.rel), entry.size)) {
      reused.push({ ...record, mtimeMs: entry.mtimeMs, ctimeMs: entry.ctimeMs, ino: entry.ino });
    } else differ.push(entry);
  }
  return { reused, differ };
}

/** One buffer for every file read (a new one per file made the main thread collect garbage for ~0.25 s on QEMU). */
let readBuffer = Buffer.allocUnsafe(1 << 20);
/** A buffer grown past this for a large file is not kept. */
const KEPT_READ_BUFFER = 4 << 20;

/** The content hash of a file whose size is `size`, or undefined when it cannot be read or its size changed. */
function hashOf(abs: string, size: number): string | undefined {
  // One byte more than expected is asked for: a file grown since the walk reads longer and is no match.
  if (readBuffer.length < size + 1) readBuffer = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(size + 1)));
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    let got = 0;
    while (got <= size) {
      const n = fs.readSync(fd, readBuffer, got, size + 1 - got, null);
      if (n <= 0) break;
      got += n;
    }
    return got === size ? contentHash(readBuffer.subarray(0, size)) : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
    if (readBuffer.length > KEPT_READ_BUFFER) readBuffer = Buffer.allocUnsafe(1 << 20);
  }
}
