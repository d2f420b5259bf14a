// The one owner of "which tree holds this file, and would the tree walk index it": the include/exclude globs relative
// to each tree, the folders never indexed, and the longest-root search. The walker, the index's document and disk
// updates and the language server's file-watcher filter all ask this module, so they cannot disagree.
import * as path from 'node:path';
import picomatch from 'picomatch';

export const DEFAULT_INCLUDE = ['**/*.c', '**/*.h'];
/** Folders never worth indexing: VCS metadata, dependency caches, build outputs (Kbuild/meson/autotools). */
export const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.pc', 'build', 'out', '.cache', '.tmp_versions', 'autom4te.cache', '.vscode-test']);

/** Include/exclude globs of one index: an empty or absent include list means the default (`**\/*.c`, `**\/*.h`). */
export class FileSelection {
  private readonly included: (rel: string) => boolean;
  private readonly excluded: (rel: string) => boolean;

  constructor(include?: readonly string[], exclude?: readonly string[]) {
    this.included = picomatch(include && include.length > 0 ? [...include] : DEFAULT_INCLUDE, { dot: false });
    this.excluded = exclude && exclude.length > 0 ? picomatch([...exclude], { dot: true }) : () => false;
  }

  /** A folder (tree-relative) the walk descends into. */
  wantsFolder(rel: string, name: string): boolean {
    return !SKIP_DIRS.has(name) && !this.excluded(rel) && !this.excluded(rel + '/');
  }

  /** A file (tree-relative, forward slashes) the walk indexes; its folders are checked too. */
  wantsFile(rel: string): boolean {
    if (rel.split('/').slice(0, -1).some((d) => SKIP_DIRS.has(d))) return false;
    return this.included(rel) && !this.excluded(rel);
  }

  /** The file-name test alone, for a walk that has already checked the folders on the way down. */
  wantsFileIn(rel: string): boolean {
    return this.included(rel) && !this.excluded(rel);
  }
}

/** The tree root holding `file` (absolute): the longest root that contains it, or undefined. */
export function longestRoot(roots: Iterable<string>, file: string): string | undefined {
  const abs = path.resolve(file);
  let best: string | undefined;
  for (const r of roots) {
    const inside = abs === r || abs.startsWith(r.endsWith(path.sep) ? r : r + path.sep);
    if (inside && (!best || r.length > best.length)) best = r;
  }
  return best;
}

/** A path relative to a tree root with forward slashes, as records and globs name files. */
export function treeRelative(root: string, file: string): string {
  return path.relative(root, path.resolve(file)).split(path.sep).join('/');
}

/** The trees of an index and its file selection: where a file belongs and whether it is indexed. */
export class TreeMembership {
  readonly selection: FileSelection;
  private readonly roots: string[];

  constructor(roots: readonly string[], include?: readonly string[], exclude?: readonly string[]) {
    this.roots = roots.map((r) => path.resolve(r));
    this.selection = new FileSelection(include, exclude);
  }

  rootOf(file: string): string | undefined {
    return longestRoot(this.roots, file);
  }

  /** The tree and tree-relative path of a file the walk would index; undefined outside the trees or the selection. */
  locate(file: string): { root: string; rel: string } | undefined {
    const root = this.rootOf(file);
    if (!root) return undefined;
    const rel = treeRelative(root, file);
    return this.selection.wantsFile(rel) ? { root, rel } : undefined;
  }

  /** True when the tree walk would index `file` (absolute). */
  wants(file: string): boolean {
    return this.locate(file) !== undefined;
  }
}
