// The content-addressed reuse the issue asks for, measured: a second version of a tree next to the first (a copy with
// 5% of its `.c` files changed) indexed into the same cache, then a `git checkout`-like change of another 5% of the
// copy's `.c` files re-indexed in place. Both are compared with the tree's cold index (target ≤ 0.3×).
// The copy is a real copy (not hard links: linking would change the original files' ctime, which the cache checks).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** The `.c` files of a tree, relative and sorted, so the same files are chosen on every run. */
export function cFiles(root: string): string[] {
  const r = spawnSync('find', ['.', '-type', 'f', '-name', '*.c'], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`find in ${root} failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^\.\//, '')).sort();
}

/** Copies `root` to `dest` (a fresh folder), preserving times, so the copy is a separate tree with equal bytes. */
export function copyTree(root: string, dest: string): void {
  rmSync(dest, { recursive: true, force: true });
  const r = spawnSync('cp', ['-a', '--reflink=auto', root, dest], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -a ${root} ${dest} failed: ${r.stderr}`);
}

/**
 * Changes every `1/fraction`-th `.c` file of `root` (starting at `offset`), as an edit would: a new line at the end,
 * written as a new file (unlink first, so a shared inode is never written through). Returns how many changed.
 */
export function editEveryNth(root: string, files: readonly string[], fraction: number, offset: number, tag: string): number {
  const step = Math.max(1, Math.round(1 / fraction));
  let changed = 0;
  for (let i = offset % step; i < files.length; i += step) {
    const abs = path.join(root, files[i]);
    const bytes = readFileSync(abs);
    unlinkSync(abs);
    writeFileSync(abs, Buffer.concat([bytes, Buffer.from(`\n/* ${tag} */\n`)]));
    changed++;
  }
  return changed;
}
