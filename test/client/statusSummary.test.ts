// The status bar summary: known trees with version and links resolved, other C trees by folder name, folders without
// C files left out.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { codebaseCell, statusSummary } from '../../client/src/statusSummary';
import type { TreeStatus } from '../../server/src/protocol/customMessages';

const tree = (root: string, codebase: TreeStatus['codebase'], files: number, version?: string): TreeStatus => ({
  root, codebase, version, files, functions: files * 10, calls: 0, skipped: 0, seconds: 1, fromCache: false,
});

void test('known trees show codebase, version and their own links; a C folder shows its name; an empty one nothing', () => {
  const trees = [tree('/src/xen', 'xen', 1900, '4.17.5'), tree('/src/linux/', 'linux', 60000, '6.1'), tree('/ws/scenarios', 'unknown', 0), tree('/ws/mydriver', 'unknown', 12)];
  const links = [
    { root: '/src/xen', codebase: 'xen' as const, resolved: 39, total: 40 },
    { root: '/src/xen', codebase: 'linux' as const, resolved: 0, total: 21 },
    { root: '/src/linux/', codebase: 'linux' as const, resolved: 21, total: 21 },
  ];
  assert.equal(statusSummary(trees, links), 'xen 4.17.5 39/40, linux 6.1 21/21, mydriver');
  assert.equal(statusSummary(trees, []), 'xen 4.17.5, linux 6.1, mydriver');
  assert.equal(statusSummary([tree('C:\\ws\\drv\\', 'unknown', 3)], []), 'drv');
  assert.equal(codebaseCell(trees[0]), 'xen 4.17.5');
  assert.equal(codebaseCell(trees[2]), 'no C files');
  assert.equal(codebaseCell(trees[3]), 'C tree (not Xen, QEMU or Linux)');
});
