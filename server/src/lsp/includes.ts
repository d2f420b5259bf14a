// Resolves `#include` lines for go-to-definition without a build: the including file's folder (quoted form), then the
// `include/` folders of its ancestors up to the tree root, then the x86 arch include folders of Linux, Xen and QEMU.
import * as fs from 'node:fs';
import * as path from 'node:path';

const includeLine = /^\s*#\s*include\s*([<"])([^>"]+)[>"]/;

/** The include directive on a line of text, if any: `quoted` for the `"…"` form. */
export function parseInclude(line: string): { spec: string; quoted: boolean } | undefined {
  const m = includeLine.exec(line);
  return m ? { spec: m[2].trim(), quoted: m[1] === '"' } : undefined;
}

/** Arch include folders relative to a tree root: Linux, Xen (below xen/) and QEMU targets; x86 is what we read. */
const archIncludes = ['arch/x86/include', 'arch/x86/include/uapi', 'include/uapi', 'xen/arch/x86/include', 'xen/include', 'target/i386', 'linux-headers'];

export function resolveInclude(root: string, fromFile: string, spec: string, quoted: boolean): string | undefined {
  const fromDir = path.dirname(fromFile);
  if (quoted && isFile(path.join(fromDir, spec))) return path.join(fromDir, spec);
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const c = path.join(dir, 'include', spec);
    if (isFile(c)) return c;
    if (dir === root || !dir.startsWith(root) || dir === path.dirname(dir)) break;
  }
  for (const a of archIncludes) {
    const c = path.join(root, a, spec);
    if (isFile(c)) return c;
  }
  if (!quoted && isFile(path.join(fromDir, spec))) return path.join(fromDir, spec);
  return undefined;
}

/** Most include candidates are missing: no exception is built for each of them (a review slice tries thousands). */
function isFile(p: string): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}
