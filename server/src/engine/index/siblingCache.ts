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
 * The most recently used cache in `cacheDir`, other than `ownCache`, of a tree that still exists and is of the same
 * known codebase as `info`, loaded whole (checksum verified); undefined when there is none. Unknown codebases have no
 * sibling: two unrelated C trees would share little but a string table.
 */
export function siblingCache(cacheDir: string, ownCache: string, info: TreeInfo): SiblingCache | undefined {
  if (info.codebase === 'unknown') return undefined;
  let names: string[];
  try {
    names = fs.readdirSync(cacheDir);
  } catch {
    return undefined;
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

/**
 * The sibling's records for the walked files whose path, size and content hash match (restamped with the file's own
 * stat), and the files left to index otherwise. The hash is always checked: another tree's inode numbers prove nothing.
 */
export function reuseSibling(sibling: SiblingCache, files: readonly WalkEntry[], root: string): { reused: FileRecord[]; rest: WalkEntry[] } {
  const reused: FileRecord[] = [];
  const rest: WalkEntry[] = [];
  for (const f of files) {
    const r = sibling.records.get(f.rel);
    const same = r !== undefined && r.size === f.size && r.hash === hashOf(path.join(root, f.rel), f.size);
    if (same) reused.push({ ...r, mtimeMs: f.mtimeMs, ctimeMs: f.ctimeMs, ino: f.ino });
    else rest.push(f);
  }
  return { reused, rest };
}

/** The content hash of a file whose size is `size`, or undefined when it cannot be read or its size changed. */
function hashOf(abs: string, size: number): string | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(abs);
  } catch {
    return undefined;
  }
  return buf.length === size ? contentHash(buf) : undefined;
}
