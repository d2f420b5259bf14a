// Finds the source trees to index inside the workspace folders: the `irqlens.trees` setting, else trees recognised by
// their codebase markers (Xen `xen/Makefile`, QEMU `VERSION` + `include/qemu`, Linux top `Makefile` with PATCHLEVEL), else the folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** How deep below a workspace folder to look for tree markers (a folder holding several unpacked trees is common). */
const maxDepth = 3;
const skipDirs = new Set(['.git', 'node_modules', 'out', 'build', '.vscode', '.irqlens-cache']);

async function readHead(file: string): Promise<string | undefined> {
  try {
    const fh = await fs.open(file, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** True when `dir` is the top of a Xen, QEMU or Linux tree. */
export async function isTreeRoot(dir: string): Promise<boolean> {
  const xen = await readHead(path.join(dir, 'xen', 'Makefile'));
  if (xen && /^XEN_VERSION\s*=/m.test(xen)) return true;
  if ((await exists(path.join(dir, 'VERSION'))) && (await exists(path.join(dir, 'include', 'qemu')))) return true;
  const mk = await readHead(path.join(dir, 'Makefile'));
  return !!mk && /^VERSION\s*=/m.test(mk) && /^PATCHLEVEL\s*=/m.test(mk) && (await exists(path.join(dir, 'Kconfig')));
}

async function findBelow(dir: string, depth: number, out: string[]): Promise<void> {
  if (await isTreeRoot(dir)) {
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
