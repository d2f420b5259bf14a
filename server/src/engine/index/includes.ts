// Resolves `#include` lines without a build, for go-to-definition, the editor's first files and a review's slice: the
// including file's folder (quoted form), then the `include/` folders of its ancestors up to the tree root, then the
// x86 arch include folders of Linux, Xen and QEMU.
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

/**
 * The file an include names, or undefined. `folders`, shared by the resolutions of one pass over many include lines,
 * remembers which ancestors have an `include/` folder at all, so that the others are asked once, not per line.
 */
export function resolveInclude(root: string, fromFile: string, spec: string, quoted: boolean, folders?: Map<string, boolean>): string | undefined {
  const fromDir = path.dirname(fromFile);
  if (quoted && isFile(path.join(fromDir, spec))) return path.join(fromDir, spec);
  for (let dir = fromDir; ; ) {
    const include = path.join(dir, 'include');
    // Without a memo one stat of the candidate says as much as a stat of the folder would.
    let has = folders ? folders.get(include) : true;
    if (has === undefined) {
      has = isDirectory(include);
      folders!.set(include, has);
    }
    if (has) {
      const c = path.join(include, spec);
      if (isFile(c)) return c;
    }
    const parent = path.dirname(dir);
    if (dir === root || !dir.startsWith(root) || dir === parent) break;
    dir = parent;
  }
  for (const a of archIncludes) {
    const c = path.join(root, a, spec);
    if (isFile(c)) return c;
  }
  if (!quoted && isFile(path.join(fromDir, spec))) return path.join(fromDir, spec);
  return undefined;
}

/**
 * The files `text` (the file `file`'s) includes directly that resolve, absolute, at most `max`: the headers worth
 * indexing with it (the editor's first files, a review's slice).
 */
export function includedFiles(root: string, file: string, text: string | undefined, max: number): string[] {
  const out: string[] = [];
  const folders = new Map<string, boolean>();
  for (const line of (text ?? '').split('\n')) {
    if (out.length >= max) break;
    if (!line.trimStart().startsWith('#')) continue;
    const inc = parseInclude(line);
    const target = inc && resolveInclude(root, file, inc.spec, inc.quoted, folders);
    if (target) out.push(target);
  }
  return out;
}

/** Most include candidates are missing: no exception is built for each of them (a review slice tries thousands). */
function isFile(p: string): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}
