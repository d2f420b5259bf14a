// Builds the index of one tree: walk it, take unchanged files from the cache, parse the rest in the worker pool
// (largest first), count what was found, and write the cache back when anything changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CacheError, cacheFile, ensureCacheDir, loadCache, saveCacheOrWarn } from './cache';
import type { CacheUsage } from './cacheLimit';
import { reusableRecord } from './cacheFreshness';
import { ContentStore, packsDir, type StoreRef } from './contentStore';
import { loadStoreTable } from './storeTable';
import { recordInStore } from './fileExtract';
import { addPhaseTimes, emptyPhaseTimes, type PhaseTimes, threadCpuMs } from './extractProfile';
import type { FileRecord } from './fileRecord';
import type { ParsePool } from './parsePool';
import { callSiteCount, functionCount } from './recordViews';
import { confirmSibling, matchSibling, maySeedFromSibling, siblingCache, type SiblingCache, type SiblingCandidate } from './siblingCache';
import { detectTree } from './treeInfo';
import { TreeIndex } from './treeIndex';
import type { FileSelection } from './treeMembership';
import type { Codebase, IndexProgress } from './types';
import { admitFile, type WalkEntry, walkTreeYielding, type WalkResult } from './walker';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type IndexLog = (level: LogLevel, msg: string) => void;

export interface TreeStats {
  root: string;
  codebase: Codebase;
  version?: string;
  files: number;
  functions: number;
  calls: number;
  skipped: { file: string; reason: string }[];
  seconds: number;
  /** Files taken from the tree's cache (same path, same file). */
  fromCache: number;
  /** Files taken by content (same bytes parsed before, in any tree: the content store or a sibling's cache), not parsed. */
  fromStore: number;
  /** The tree whose cache this tree's first index started from (siblingCache.ts), when one was used. */
  seededFrom?: string;
  /** True when the build found the tree's cache as the tree is (nothing parsed, restated, added or removed). */
  unchanged?: boolean;
  /** The cache folder's size, limit and what this build evicted (the same for every tree of one build). */
  cache?: CacheUsage;
  /** Where the build's time went: the main thread's steps (ms, wall) and the workers' extraction phases. */
  profile?: BuildProfile;
}

export interface BuildProfile {
  /**
   * Main-thread steps, ms: walk, cache read, checking files against a sibling tree's cache (while the pool parses),
   * waiting for the pool, merging records, counting, cache write.
   */
  main: Record<'walk' | 'cacheRead' | 'sibling' | 'pool' | 'merge' | 'count' | 'cacheWrite', number>;
  /** CPU time of the main thread during the build, ms (0 where it cannot be read). */
  mainCpuMs: number;
  workers: PhaseTimes;
}

export interface BuildTreeOptions {
  selection: FileSelection;
  /** Where the tree's cache file lives; undefined: no cache. */
  cacheDir?: string;
  log: IndexLog;
  /** Files larger than this many bytes are skipped without being read (default: the walker's). */
  maxFileSize?: number;
  /** Index only these tree-relative files (those that exist and are selected) instead of walking the tree. */
  only?: readonly string[];
  onProgress?: (p: IndexProgress) => void;
  signal?: AbortSignal;
}

/**
 * Most files to parse that are looked up in the content store on the main thread before any worker starts: a lookup
 * costs ~0.1 ms, a worker's start and query compile ~0.2 s of CPU; past this many, the workers look them up in parallel.
 */
const MAIN_THREAD_LOOKUPS = 512;

/**
 * Source bytes per worker a run starts: a worker's start, query compile and first files (run before V8 has optimized
 * the lexer, at a tenth of its later speed) cost ~0.2 s of CPU, more than a second worker saves on a few changed files
 * (Xen's second version: 53 files, 0.65 MB, parsed in ~0.3 s by one worker, with 0.1 s less CPU than by two).
 */
const BYTES_PER_WORKER = 2 * 1024 * 1024;

function workersFor(files: readonly WalkEntry[]): number {
  let bytes = 0;
  for (const f of files) bytes += f.size;
  return Math.max(1, Math.ceil(bytes / BYTES_PER_WORKER));
}

/**
 * Workers started as soon as a tree with a cache is seen to have changed files: two, since the changed files are then
 * parsed before V8 has optimized the extraction, and two workers halve that (Xen, 5% of its .c files changed, 6 runs
 * interleaved, medians: 0.64-0.66 s with no early worker, 0.61-0.63 s with one, 0.53-0.61 s with two).
 */
const WORKERS_ON_CHANGE = 2;

/**
 * For a tree with a cache of its own: a walk callback that starts workers (each one's start and compile, ~0.12 s) as
 * soon as the walk meets a file whose status changed after the cache was last used (a checkout, an edit), so that they
 * are ready when the build has found what to parse. A file touched but not changed starts them for nothing: the pool
 * then has them end their compile at its next step before terminating them (ParsePool.terminateAll).
 */
function prepareOnChange(cachePath: string, pool: ParsePool): ((entry: WalkEntry) => void) | undefined {
  let since: number;
  try {
    since = fs.statSync(cachePath).mtimeMs;
  } catch {
    return undefined;
  }
  let started = false;
  return (entry) => {
    if (started || entry.ctimeMs <= since) return;
    started = true;
    pool.prepare(WORKERS_ON_CHANGE);
  };
}

/** The cached records of a tree, or none when the cache is missing or unusable (then it is removed and rebuilt). */
function readCache(cachePath: string, root: string, tree: TreeIndex, log: IndexLog): Map<string, FileRecord> {
  const cached = new Map<string, FileRecord>();
  try {
    const c = loadCache(cachePath, root);
    if (c) {
      tree.loadStrings(c.strings);
      for (const r of c.files) cached.set(r.file, r);
      touch(cachePath);
    }
  } catch (e) {
    log('warn', `index cache ${cachePath} is unusable (${e instanceof CacheError ? e.message : String(e)}); rebuilding it`);
    try {
      fs.rmSync(cachePath, { force: true });
    } catch {
      // Rewritten after the build anyway.
    }
  }
  return cached;
}

/** Sets the records of the `files` the content store holds into `tree`; returns the others (to be parsed). */
function takeFromStore(root: string, files: WalkEntry[], ref: StoreRef | undefined, tree: TreeIndex): WalkEntry[] {
  if (!ref?.table) return files;
  const view = new ContentStore(ref.dir, ref.table);
  const rest: WalkEntry[] = [];
  try {
    for (const f of files) {
      const r = recordInStore(root, f.rel, view);
      if (r) tree.setRecord(r);
      else rest.push(f);
    }
  } finally {
    try {
      view.flush();
    } catch {
      // Nothing was added: flush only closes the packs read and marks them used.
    }
  }
  return rest;
}

/** Marks a cache file used now (the cache limit evicts the least recently used). */
function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // Read-only cache folder: eviction order is then by write time.
  }
}

/** The content store when the cache folder is usable, else none (the build parses every file). */
function openStore(cacheDir: string | undefined): StoreRef | undefined {
  if (!cacheDir) return undefined;
  try {
    ensureCacheDir(cacheDir);
  } catch {
    return undefined;
  }
  const dir = packsDir(cacheDir);
  return { dir, table: loadStoreTable(dir) };
}

export async function buildTreeIndex(rootIn: string, pool: ParsePool, opts: BuildTreeOptions): Promise<{ tree: TreeIndex; stats: TreeStats }> {
  const t0 = performance.now();
  const cpu0 = threadCpuMs();
  const main: BuildProfile['main'] = { walk: 0, cacheRead: 0, sibling: 0, pool: 0, merge: 0, count: 0, cacheWrite: 0 };
  let lapAt = t0;
  const lap = (step: keyof BuildProfile['main']) => {
    const now = performance.now();
    main[step] += now - lapAt;
    lapAt = now;
  };
  const root = path.resolve(rootIn);
  const cachePath = opts.cacheDir ? cacheFile(opts.cacheDir, root) : undefined;
  // A tree with no cache of its own will be parsed, at least in part: the workers start while the tree is walked. One
  // only when a sibling's cache will likely hold most of it (a second version): the run starts more if need be.
  const prepared = !opts.only && !(cachePath && fs.existsSync(cachePath));
  const info = detectTree(root);
  if (prepared) pool.prepare(opts.cacheDir && cachePath && maySeedFromSibling(opts.cacheDir, cachePath, info) ? 1 : pool.size);
  const tree = new TreeIndex(info);
  const onFile = prepared || opts.only || !cachePath ? undefined : prepareOnChange(cachePath, pool);
  const walked = opts.only ? statFiles(root, opts.only, opts.selection, opts.maxFileSize) : await walkTreeYielding(root, opts.selection, { maxFileSize: opts.maxFileSize, onFile });
  for (const s of walked.skipped) opts.log('warn', `${path.join(root, s.file)}: ${s.reason}`);
  lap('walk');
  const cached = cachePath ? readCache(cachePath, root, tree, opts.log) : new Map<string, FileRecord>();
  let files = walked.files;
  // A tree without a cache of its own starts from a sibling's (siblingCache.ts): the files it may hold are checked by
  // hash while the pool parses the files it cannot hold.
  let seed: { sibling: SiblingCache; candidates: SiblingCandidate[] } | undefined;
  if (opts.cacheDir && cachePath && !cached.size && !opts.only) {
    const sibling = siblingCache(opts.cacheDir, cachePath, info);
    const { candidates, others } = sibling ? matchSibling(sibling, files) : { candidates: [], others: files };
    // Worth its string table only when it may hold most of this tree; otherwise the table would carry mostly names of
    // files this tree does not have (every file is still looked up in the content store).
    if (sibling && candidates.length * 2 >= files.length) {
      tree.loadStrings(sibling.strings);
      seed = { sibling, candidates };
      files = others;
      touch(sibling.file);
    }
  }
  let toParse: WalkEntry[] = [];
  let fromCache = 0;
  // A record found by content (same bytes, new ctime or inode) is rewritten with the new stat.
  let restated = false;
  for (const f of files) {
    const c = reusableRecord(cached.get(f.rel), f, root);
    if (c) {
      restated ||= c !== cached.get(f.rel);
      tree.setRecord(c);
      fromCache++;
    } else toParse.push(f);
  }
  const changed = toParse.length > 0 || cached.size !== fromCache || restated || seed !== undefined;
  cached.clear();
  let done = fromCache;
  const total = walked.files.length;
  opts.onProgress?.({ tree: root, done, total });
  // The content store's table is read once, when there is something to parse.
  let store: { ref: StoreRef | undefined } | undefined;
  // A few files to parse and no worker started yet (a branch switched back, a few files restored): those the content
  // store holds are taken here, and when that is all of them no worker starts (its start and query compile cost more).
  let fromStoreHere = 0;
  if (!prepared && toParse.length && toParse.length <= MAIN_THREAD_LOOKUPS) {
    store = { ref: openStore(opts.cacheDir) };
    const rest = takeFromStore(root, toParse, store.ref, tree);
    fromStoreHere = toParse.length - rest.length;
    done += fromStoreHere;
    toParse = rest;
  }
  lap('cacheRead');
  let mergeMs = 0;
  const parse = (list: WalkEntry[]): Promise<PhaseTimes> => {
    if (!list.length) return Promise.resolve(emptyPhaseTimes());
    store ??= { ref: openStore(opts.cacheDir) };
    // Largest files first: the pool's tail is then made of small files.
    list.sort((a, b) => b.size - a.size);
    return pool.run(
      root,
      list.map((f) => f.rel),
      (records, strings) => {
        const m0 = performance.now();
        for (const r of records) tree.setRecord(r, strings);
        mergeMs += performance.now() - m0;
        done += records.length;
        opts.onProgress?.({ tree: root, done, total });
      },
      opts.signal,
      store.ref,
      list.map((f) => f.size),
      workersFor(list),
    );
  };
  const parsing = parse(toParse);
  // Awaited below; a failure meanwhile must not count as unhandled while the sibling's files are checked.
  parsing.catch(() => undefined);
  let fromSibling = 0;
  let workers: PhaseTimes;
  if (seed) {
    const { reused, differ } = await confirmSibling(seed.candidates, root, opts.signal);
    for (const r of reused) tree.setRecord(r);
    fromSibling = reused.length;
    done += fromSibling;
    opts.onProgress?.({ tree: root, done, total });
    lap('sibling');
    // Batches merged while the files were checked are the merge's time, not the check's.
    main.sibling -= mergeMs;
    main.pool += mergeMs;
    workers = await parsing;
    // Same size, other bytes: parsed (or found in the content store) once the first files are done.
    if (differ.length) addPhaseTimes(workers, await parse(differ));
  } else workers = await parsing;
  lap('pool');
  main.merge = mergeMs;
  main.pool -= mergeMs;
  const skipped = [...walked.skipped];
  let functions = 0;
  let calls = 0;
  for (const r of tree.liveRecords()) {
    if (r.problem) {
      skipped.push({ file: r.file, reason: r.problem });
      opts.log('warn', `${path.join(root, r.file)}: ${r.problem}`);
    }
    functions += functionCount(r);
    calls += callSiteCount(r);
  }
  lap('count');
  if (cachePath && changed && !opts.signal?.aborted) {
    // The workers' memory is given back before the write, the build's peak (Linux: ~60 MiB less).
    await pool.release();
    saveCacheOrWarn(cachePath, { root, strings: tree.strings, files: tree.liveRecords() }, (msg) => opts.log('warn', msg));
  }
  lap('cacheWrite');
  const seconds = (performance.now() - t0) / 1000;
  for (const k of Object.keys(main) as (keyof typeof main)[]) main[k] = Math.round(main[k]);
  for (const k of Object.keys(workers.ms) as (keyof typeof workers.ms)[]) workers.ms[k] = Math.round(workers.ms[k]);
  const cpu1 = threadCpuMs();
  const profile: BuildProfile = { main, mainCpuMs: cpu0 !== undefined && cpu1 !== undefined ? Math.round(cpu1 - cpu0) : 0, workers };
  workers.threadCpuMs = Math.round(workers.threadCpuMs);
  const stats: TreeStats = { root, codebase: info.codebase, version: info.version, files: total, functions, calls, skipped, seconds, fromCache, fromStore: workers.reused + fromSibling + fromStoreHere, ...(seed ? { seededFrom: seed.sibling.root } : {}), ...(cachePath && !changed ? { unchanged: true } : {}), profile };
  const seeded = seed ? ` (${fromSibling} from the cache of ${seed.sibling.root})` : '';
  opts.log('info', `indexed ${root} (${info.codebase} ${info.version ?? '?'}): ${total} files (${fromCache} from cache, ${workers.reused + fromSibling + fromStoreHere} by content${seeded}), ${functions} functions, ${calls} calls in ${seconds.toFixed(1)} s`);
  return { tree, stats };
}

/**
 * The listed files as a walk would report them: missing or unselected ones are left out silently (they are hints);
 * links leading out of the tree, special files and files over the size limit are skipped with the walk's reason (a
 * priority header reached through `include -> /usr/include` was indexed from outside the tree).
 */
function statFiles(root: string, rels: readonly string[], selection: FileSelection, maxFileSize?: number): WalkResult {
  const files: WalkResult['files'] = [];
  const skipped: WalkResult['skipped'] = [];
  for (const rel of new Set(rels)) {
    if (!selection.wantsFile(rel)) continue;
    const admitted = admitFile(root, rel, maxFileSize);
    if (!admitted) continue;
    if ('entry' in admitted) files.push(admitted.entry);
    else skipped.push({ file: rel, reason: admitted.reason });
  }
  return { files, skipped };
}
