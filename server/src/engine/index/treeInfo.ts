// Recognises the codebase and version of a tree: Xen (xen/Makefile XEN_VERSION/SUBVERSION/EXTRAVERSION; the tree may
// be the xen/ folder itself), QEMU (VERSION next to hw/i386 or qemu-options.hx), Linux (top Makefile VERSION/
// PATCHLEVEL/SUBLEVEL next to kernel/). Any version is accepted; unknown trees are `unknown`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TreeInfo } from './types';

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function makeVar(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}\\s*[?:]?=[ \\t]*([^\\s#$]*)`, 'm').exec(text);
  return m ? m[1] : undefined;
}

export function detectTree(root: string): TreeInfo {
  const exists = (p: string) => fs.existsSync(path.join(root, p));
  for (const makefile of ['xen/Makefile', 'Makefile']) {
    const text = read(path.join(root, makefile));
    if (!text || !/^\s*export\s+XEN_VERSION|^XEN_VERSION/m.test(text)) continue;
    const major = makeVar(text, '(?:export\\s+)?XEN_VERSION');
    const minor = makeVar(text, '(?:export\\s+)?XEN_SUBVERSION');
    const extra = makeVar(text, '(?:export\\s+)?XEN_EXTRAVERSION') ?? '';
    // XEN_EXTRAVERSION is `.5$(XEN_VENDORVERSION)` or `-unstable`: keep the literal part.
    const version = major && minor ? `${major}.${minor}${extra.replace(/\$.*/, '')}` : undefined;
    return { root, codebase: 'xen', version };
  }
  const qv = read(path.join(root, 'VERSION'));
  if (qv && (exists('hw/i386') || exists('qemu-options.hx') || exists('softmmu') || exists('include/qemu'))) {
    return { root, codebase: 'qemu', version: qv.trim().split(/\s+/)[0] || undefined };
  }
  const mk = read(path.join(root, 'Makefile'));
  if (mk && exists('kernel') && /^VERSION\s*=/m.test(mk)) {
    const v = makeVar(mk, 'VERSION');
    const p = makeVar(mk, 'PATCHLEVEL');
    const s = makeVar(mk, 'SUBLEVEL');
    return { root, codebase: 'linux', version: v && p ? `${v}.${p}${s !== undefined && s !== '' ? `.${s}` : ''}` : undefined };
  }
  return { root, codebase: 'unknown' };
}
