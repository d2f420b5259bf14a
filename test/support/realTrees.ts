// Locates the real Debian Xen, QEMU and Linux trees for tests: from IRQLENS_XEN/QEMU/LINUX (set by scripts/test.sh),
// else by running scripts/fetch-trees.sh, which installs them into the cache on first use.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export interface RealTrees {
  xen: string;
  qemu: string;
  linux: string;
}

let cached: RealTrees | undefined;

export function realTrees(): RealTrees {
  if (cached) return cached;
  let { IRQLENS_XEN: xen, IRQLENS_QEMU: qemu, IRQLENS_LINUX: linux } = process.env;
  if (!xen || !qemu || !linux) {
    const script = path.join(__dirname, '..', '..', 'scripts', 'fetch-trees.sh');
    const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const kv = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
    xen ??= kv.XEN;
    qemu ??= kv.QEMU;
    linux ??= kv.LINUX;
  }
  if (!xen || !qemu || !linux) throw new Error('realTrees: could not locate the Xen, QEMU and Linux trees');
  cached = { xen, qemu, linux };
  return cached;
}
