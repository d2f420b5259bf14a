// Finds the source trees to index inside the workspace folders: the `irqlens.trees` setting, else trees recognised by
// their codebase markers (engine/index/treeInfo.ts: Xen `xen/Makefile`, QEMU `VERSION`, Linux top `Makefile`), else the folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { detectTree } from '../engine/index/treeInfo';

/** How deep below a workspace folder to look for tree markers (a folder holding several unpacked trees is common). */
const maxDepth = 3;
const skipDirs = new Set(['.git', 'node_modules', 'out', 'build', '.vscode', '.irqlens-cache']);

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** True when `dir` is the top of a Xen, QEMU or Linux tree (the engine's detector: one definition of the markers). */
export function isTreeRoot(dir: string): boolean {
  return detectTree(dir).codebase !== 'unknown';
}

async function findBelow(dir: string, depth: number, out: string[]): Promise<void> {
  if (isTreeRoot(dir)) {
    out.push(dir);
    return; // a tree's subfolders are part of it, not trees of their own
  }
  if (depth >= maxDepth) return;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory() && !e.name.startsWith('.') && !skipDirs.has(e.name)) await findBelow(path.join(dir, e.name), depth + 1, out);
  }
}

/**
 * The tree roots for one workspace folder. `configured` (the `irqlens.trees` setting) wins when it is set; its entries
 * are relative to the folder or absolute, and only those that exist are kept.
 */
export async function treeRootsOf(folder: string, configured: string[]): Promise<{ roots: string[]; missing: string[] }> {
  if (configured.length > 0) {
    const roots: string[] = [];
    const missing: string[] = [];
    for (const t of configured) {
      const p = path.resolve(folder, t);
      ((await exists(p)) ? roots : missing).push(p);
    }
    return { roots, missing };
  }
  const found: string[] = [];
  await findBelow(folder, 0, found);
  return { roots: found.length > 0 ? found : [folder], missing: [] };
}
