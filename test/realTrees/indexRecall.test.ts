// Recall of function definitions against universal-ctags (name + file) on the real trees: Xen 4.17 (whole tree and the
// xen/ hypervisor), QEMU 7.2 and the interrupt-relevant parts of Linux 6.1. Misses are printed; the bar is 99.5%.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { recallAgainstCtags, type Recall } from '../support/ctagsRecall';
import { realTrees } from '../support/realTrees';

export const LINUX_SUBSET = ['arch/x86', 'drivers/xen', 'virt', 'kernel/irq', 'drivers/vhost', 'drivers/vfio'];

function report(label: string, r: Recall): void {
  console.log(`${label}: recall ${r.found}/${r.total} = ${(100 * r.recall).toFixed(2)}% (${r.misses.length} misses; ${r.notDefinitions.length} ctags tags without a body not counted)`);
  for (const m of r.misses) console.log(`  miss ${m.file}:${m.line} ${m.name}`);
  if (r.notDefinitions.length) console.log(`  not definitions: ${[...new Set(r.notDefinitions.map((m) => m.name))].join(' ')}`);
}

async function recall(root: string, dirs: string[], include?: string[]): Promise<{ index: WorkspaceIndex; r: Recall }> {
  const index = await WorkspaceIndex.build({ roots: [root], noCache: true, include });
  return { index, r: recallAgainstCtags(index, index.trees()[0].root, dirs) };
}

void test('Xen 4.17: function-definition recall vs ctags ≥ 99.5% (whole tree and xen/)', { timeout: 600_000 }, async () => {
  const { xen } = realTrees();
  const { index, r } = await recall(xen, ['.']);
  report(`Xen ${index.trees()[0].version} (whole tree)`, r);
  assert.ok(r.total > 10_000, `ctags found only ${r.total} functions`);
  assert.ok(r.recall >= 0.995, `recall ${r.recall}`);
  const hyp = recallAgainstCtags(index, index.trees()[0].root, ['xen']);
  report('Xen xen/ (hypervisor)', hyp);
  assert.ok(hyp.recall >= 0.995, `recall ${hyp.recall}`);
});

void test('QEMU 7.2: function-definition recall vs ctags ≥ 99.5%', { timeout: 900_000 }, async () => {
  const { qemu } = realTrees();
  const { index, r } = await recall(qemu, ['.']);
  report(`QEMU ${index.trees()[0].version}`, r);
  assert.ok(r.total > 50_000, `ctags found only ${r.total} functions`);
  assert.ok(r.recall >= 0.995, `recall ${r.recall}`);
});

void test('Linux 6.1 (interrupt-relevant parts): function-definition recall vs ctags ≥ 99.5%', { timeout: 600_000 }, async () => {
  const { linux } = realTrees();
  const { index, r } = await recall(linux, LINUX_SUBSET, LINUX_SUBSET.map((d) => `${d}/**/*.{c,h}`));
  report(`Linux ${index.trees()[0].version} (${LINUX_SUBSET.join(', ')})`, r);
  assert.ok(r.total > 10_000, `ctags found only ${r.total} functions`);
  assert.ok(r.recall >= 0.995, `recall ${r.recall}`);
});
