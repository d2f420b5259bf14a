// The index `irqlens review` loads: not the whole tree (reading Linux's full cache alone takes longer than a review
// may), but the files a review asks the index about. Callers one call away only count when they are linked from a
// model step, and every model link names its file, so those files answer `incomingCalls`; ops-table bindings of
// linked functions sit in the same files; function-like macros a touched body calls come from the headers the touched
// files include. That slice is kept in its own cache next to the full one (`<cache-dir>/review/`), grown with the
// files each review needs (and written by `irqlens index` from the full index), so a warm review reads a few megabytes
// instead of the tree's whole index.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, Flow } from '@irqlens/models';
import { cacheFile, CacheError, loadCache } from '../engine/index/cache';
import { longestRoot, treeRelative } from '../engine/index/treeMembership';
import type { TreeInfo } from '../engine/index/types';
import { WorkspaceIndex } from '../engine/index/workspaceIndex';
import { TreeFiles } from '../engine/review/treeFiles';
import { includedFiles } from '../engine/index/includes';
import { cliCacheOptions } from './cacheOptions';
import { IndexCliOptions } from './indexOptions';

/** Headers taken from one touched file at most (as the editor's early index does). */
const MAX_INCLUDES = 80;
/** Above this many files the slice starts again from what this review needs (it never becomes a second full cache). */
const MAX_SLICE_FILES = 4000;

/** Tree-relative paths of the headers a file includes directly, in the same tree. */
function includedHeaders(root: string, abs: string, text: string | undefined): string[] {
  return includedFiles(root, abs, text, MAX_INCLUDES)
    .filter((target) => longestRoot([root], target) === root)
    .map((target) => treeRelative(root, target));
}

/** Per tree root, the tree-relative files a review of `touched` (absolute paths) asks the index about. */
export function reviewIndexFiles(trees: readonly TreeInfo[], touched: readonly string[], flows: readonly Flow<unknown>[] = allFlows): Map<string, string[]> {
  const reader = new TreeFiles([], trees);
  const out = new Map<string, Set<string>>();
  for (const t of trees) {
    const wanted = new Set<string>();
    // The links' files only (allLinks would also place each step on its flow's path, a third of this function's time).
    for (const flow of flows) for (const step of flow.steps) for (const link of step.links) if (link.codebase === t.codebase && link.file) wanted.add(link.file);
    out.set(t.root, wanted);
  }
  const roots = trees.map((t) => t.root);
  for (const abs of touched) {
    const root = longestRoot(roots, abs);
    if (!root) continue;
    const wanted = out.get(root)!;
    wanted.add(treeRelative(root, abs));
    for (const h of includedHeaders(root, abs, reader.read(abs))) wanted.add(h);
  }
  return new Map([...out].map(([root, files]) => [root, [...files].sort()]));
}

/** The files the review slice of a tree holds now (none when it is missing or unusable: it is then rebuilt). */
function sliceFiles(dir: string, root: string): string[] {
  try {
    return loadCache(cacheFile(dir, root), root)?.files.map((f) => f.file) ?? [];
  } catch (e) {
    if (e instanceof CacheError) return [];
    throw e;
  }
}

/** The review slice's cache folder under the CLI's cache folder; undefined with --no-cache. */
function sliceDir(opts: IndexCliOptions): string | undefined {
  const cache = cliCacheOptions(opts);
  return cache.cacheDir ? path.join(cache.cacheDir, 'review') : undefined;
}

/**
 * After a full index (`irqlens index`): writes each tree's review slice from the records in memory — the linked files,
 * the headers they include and whatever the slice held already — so the first review after indexing finds them cached.
 */
export function saveReviewSlices(index: WorkspaceIndex, opts: IndexCliOptions): void {
  const dir = sliceDir(opts);
  if (!dir) return;
  // A tree found as its cache has it, with a slice already: the slice was written from the same records (a review
  // that finds one of its files changed since parses it again anyway).
  const unchanged = new Set(index.stats().filter((s) => s.unchanged && fs.existsSync(cacheFile(dir, s.root))).map((s) => s.root));
  const trees = index.trees().filter((t) => !unchanged.has(t.root));
  if (!trees.length) return;
  // The linked files are the likeliest to be patched: their headers go in too.
  const linked = [...reviewIndexFiles(trees, [])].flatMap(([root, files]) => files.map((f) => path.join(root, f)));
  for (const [root, files] of reviewIndexFiles(trees, linked)) {
    const union = [...new Set([...files, ...sliceFiles(dir, root)])].slice(0, MAX_SLICE_FILES);
    if (union.length) index.writeCacheSlice(root, union, cacheFile(dir, root));
  }
}

/**
 * The index a review of `touched` needs over `trees`, from the review slice's cache (files missing from it, or
 * changed since, are parsed and added to it).
 */
export async function openReviewIndex(trees: readonly TreeInfo[], touched: readonly string[], opts: IndexCliOptions): Promise<WorkspaceIndex> {
  const dir = sliceDir(opts);
  const only = reviewIndexFiles(trees, touched);
  if (dir) {
    for (const [root, files] of only) {
      const union = new Set([...files, ...sliceFiles(dir, root)]);
      if (union.size <= MAX_SLICE_FILES) only.set(root, [...union].sort());
    }
  }
  return WorkspaceIndex.build({
    roots: trees.map((t) => t.root),
    only,
    ...(dir ? { cacheDir: dir, noCache: false } : { noCache: true }),
    log: (level, msg) => {
      if (level === 'error' || (opts.verbose && level !== 'debug')) process.stderr.write(`irqlens: ${msg}\n`);
    },
  });
}
