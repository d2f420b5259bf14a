// The index cache's size limit: after a build, the cache folder (trees' caches and the content store's packs) is
// measured and, when over the limit, its least recently used entries are removed until it fits. An entry's mtime is its
// last use (a tree's cache is touched when loaded, a pack when an entry is read from it). The caches of the trees just built are never removed.
// Removing is always safe: a tree's cache and the content store are both only ever a shortcut to a parse, and a
// process that loses an entry another one removed meanwhile parses the file instead. Packs of older cache formats
// and temporary files left by a killed writer (older than an hour) are removed whatever the limit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packsDir, PACKS_PREFIX } from './contentStore';

/** 2 GiB: Linux's tree cache and content packs with room for a second version, Xen and QEMU. */
export const DEFAULT_CACHE_LIMIT_BYTES = 2 * 1024 ** 3;
const STALE_TMP_MS = 60 * 60 * 1000;

export interface CacheUsage {
  dir: string;
  /** Bytes the cache takes on disk after eviction. */
  bytes: number;
  limitBytes: number;
  /** Tree caches and content packs kept. */
  entries: number;
  /** Entries removed by this build (least recently used, older formats, stale temporary files) and their bytes. */
  evicted: number;
  evictedBytes: number;
}

interface Entry {
  file: string;
  bytes: number;
  usedMs: number;
}

/** Bytes a file takes on disk (allocated blocks), its size where blocks are unknown. */
function diskBytes(st: fs.Stats): number {
  return st.blocks !== undefined && st.blksize !== undefined && st.blocks > 0 ? st.blocks * 512 : st.size;
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}

function removed(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch {
    // Removed by another process meanwhile, or not ours to remove.
    return false;
  }
}

/** Measures the cache folder and removes least recently used entries (never those in `keep`) until it fits `limitBytes`. */
export function enforceCacheLimit(cacheDir: string, limitBytes: number, keep: ReadonlySet<string>, now = Date.now()): CacheUsage {
  const usage: CacheUsage = { dir: cacheDir, bytes: 0, limitBytes, entries: 0, evicted: 0, evictedBytes: 0 };
  const entries: Entry[] = [];
  const current = packsDir(cacheDir);
  const dropStale = (file: string, st: fs.Stats): boolean => {
    if (!file.endsWith('.tmp') || now - st.mtimeMs < STALE_TMP_MS) return false;
    if (removed(file)) {
      usage.evicted++;
      usage.evictedBytes += diskBytes(st);
    }
    return true;
  };
  let names: string[];
  try {
    names = fs.readdirSync(cacheDir);
  } catch {
    return usage;
  }
  for (const name of names) {
    const file = path.join(cacheDir, name);
    const st = statOrUndefined(file);
    if (!st) continue;
    if (st.isFile()) {
      if (dropStale(file, st)) continue;
      if (name.endsWith('.idx')) entries.push({ file, bytes: diskBytes(st), usedMs: st.mtimeMs });
      else if (name.endsWith('.tmp')) usage.bytes += diskBytes(st);
      continue;
    }
    if (!st.isDirectory() || !name.startsWith(PACKS_PREFIX)) continue;
    const isCurrent = file === current;
    for (const pack of safeReaddir(file)) {
      const packFile = path.join(file, pack);
      const pst = statOrUndefined(packFile);
      if (!pst?.isFile()) continue;
      if (dropStale(packFile, pst)) continue;
      if (isCurrent) {
        if (pack.endsWith('.pack')) entries.push({ file: packFile, bytes: diskBytes(pst), usedMs: pst.mtimeMs });
        else usage.bytes += diskBytes(pst);
      } else if (removed(packFile)) {
        usage.evicted++;
        usage.evictedBytes += diskBytes(pst);
      }
    }
    if (!isCurrent) safeRmdir(file);
  }
  for (const e of entries) usage.bytes += e.bytes;
  if (usage.bytes > limitBytes) {
    entries.sort((a, b) => a.usedMs - b.usedMs);
    for (const e of entries) {
      if (usage.bytes <= limitBytes) break;
      if (keep.has(e.file)) continue;
      if (removed(e.file)) {
        usage.bytes -= e.bytes;
        usage.evicted++;
        usage.evictedBytes += e.bytes;
        e.bytes = -1;
      }
    }
  }
  usage.entries = entries.filter((e) => e.bytes >= 0).length;
  return usage;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRmdir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty (another process writes there) or gone.
  }
}
