// Decides whether a file reported by the file watcher belongs in the index: the same rules as the engine's tree walk
// (engine/index/walker.ts: include/exclude globs relative to the tree, VCS and build folders skipped).
import * as path from 'node:path';
import picomatch from 'picomatch';
import { DEFAULT_INCLUDE, SKIP_DIRS } from '../engine/index/walker';

export class FileFilter {
  private readonly isIncluded: (rel: string) => boolean;
  private readonly isExcluded: (rel: string) => boolean;

  constructor(
    private readonly roots: string[],
    include: string[],
    exclude: string[],
  ) {
    this.isIncluded = picomatch(include.length > 0 ? include : DEFAULT_INCLUDE, { dot: false });
    this.isExcluded = exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false;
  }

  /** The tree (longest root) holding `file`, or undefined. */
  rootOf(file: string): string | undefined {
    let best: string | undefined;
    for (const r of this.roots) {
      if ((file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep)) && (!best || r.length > best.length)) best = r;
    }
    return best;
  }

  /** True when the tree walk would have indexed `file` (absolute). */
  wants(file: string): boolean {
    const root = this.rootOf(file);
    if (!root) return false;
    const rel = path.relative(root, file).split(path.sep).join('/');
    if (rel.split('/').slice(0, -1).some((d) => SKIP_DIRS.has(d))) return false;
    return this.isIncluded(rel) && !this.isExcluded(rel);
  }
}
