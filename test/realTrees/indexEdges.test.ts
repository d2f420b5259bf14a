// The index on the real trees: indirect call edges through function-pointer tables, codebase/version detection, and
// a corrupt cache rebuilt. Linux is indexed on its interrupt-relevant parts plus the headers that type the receivers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheFile } from '../../server/src/engine/index/cache';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { realTrees } from '../support/realTrees';

const LINUX_PARTS = ['arch/x86', 'drivers/xen', 'virt', 'kernel/irq', 'drivers/vhost', 'drivers/vfio', 'include/linux', 'include/xen'];

void test('Linux: incoming of ack_dynirq reaches handle_edge_irq through xen_dynamic_chip.irq_ack', { timeout: 600_000 }, async () => {
  const { linux } = realTrees();
  const index = await WorkspaceIndex.build({ roots: [linux], noCache: true, include: LINUX_PARTS.map((d) => `${d}/**/*.{c,h}`) });
  const [info] = index.trees();
  console.log(`Linux tree: ${info.codebase} ${info.version}`);
  assert.equal(info.codebase, 'linux');
  assert.match(info.version ?? '', /^6\.1\.\d+$/);
  const edges = index.incomingCalls('ack_dynirq');
  const edge = edges.find((e) => e.name === 'handle_edge_irq' && e.via === 'xen_dynamic_chip.irq_ack');
  assert.ok(edge, `edges: ${edges.map((e) => `${e.name} via ${e.via}`).join(', ')}`);
  assert.match(edge.file ?? '', /kernel\/irq\/chip\.c$/);
  // Narrowed by struct type: a call through an irq_chip never comes from a different struct's `irq_ack`-less table.
  assert.ok(edges.every((e) => !e.via || e.via.endsWith('.irq_ack')));
  await index.dispose();
});

void test('Xen: incoming of evtchn_2l_set_pending reaches evtchn_port_set_pending through evtchn_port_ops_2l.set_pending', { timeout: 600_000 }, async () => {
  const { xen } = realTrees();
  const index = await WorkspaceIndex.build({ roots: [path.join(xen, 'xen')], noCache: true });
  const [info] = index.trees();
  console.log(`Xen tree: ${info.codebase} ${info.version}`);
  assert.equal(info.codebase, 'xen');
  assert.match(info.version ?? '', /^4\.17\.\d+$/);
  const edges = index.incomingCalls('evtchn_2l_set_pending');
  assert.ok(
    edges.some((e) => e.name === 'evtchn_port_set_pending' && e.via === 'evtchn_port_ops_2l.set_pending'),
    `edges: ${edges.map((e) => `${e.name} via ${e.via}`).join(', ')}`,
  );
  await index.dispose();
});

void test('QEMU: apic_mem_write is bound by apic_io_ops; the tree is recognised', { timeout: 600_000 }, async () => {
  const { qemu } = realTrees();
  const index = await WorkspaceIndex.build({ roots: [qemu], noCache: true, include: ['hw/intc/**/*.{c,h}', 'hw/i386/**/*.{c,h}', 'include/**/*.h', 'softmmu/**/*.{c,h}'] });
  const [info] = index.trees();
  console.log(`QEMU tree: ${info.codebase} ${info.version}`);
  assert.equal(info.codebase, 'qemu');
  assert.match(info.version ?? '', /^7\.2\.\d+$/);
  const binds = index.bindingsOf('apic_mem_write');
  assert.ok(binds.some((b) => b.table === 'apic_io_ops' && b.field === 'write' && b.file.endsWith('hw/intc/apic.c')), JSON.stringify(binds));
  const callers = index.incomingCalls('apic_mem_write');
  assert.ok(callers.some((e) => e.via === 'apic_io_ops.write'), `callers: ${callers.map((e) => `${e.name} via ${e.via}`).join(', ')}`);
  await index.dispose();
});

void test('Xen: a corrupt cache is detected, reported once and rebuilt', { timeout: 600_000 }, async () => {
  const { xen } = realTrees();
  const root = path.join(xen, 'xen', 'common');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-real-cache-'));
  const first = await WorkspaceIndex.build({ roots: [root], cacheDir });
  const file = cacheFile(cacheDir, root);
  const bytes = fs.readFileSync(file);
  bytes.fill(0x41, 200, 400);
  fs.writeFileSync(file, bytes);
  const warnings: string[] = [];
  const second = await WorkspaceIndex.build({ roots: [root], cacheDir, log: (l, m) => l === 'warn' && m.includes('index cache') && warnings.push(m) });
  assert.equal(warnings.length, 1);
  console.log(`corrupt cache: ${warnings[0]}`);
  assert.equal(second.stats()[0].fromCache, 0);
  assert.equal(second.stats()[0].functions, first.stats()[0].functions);
  const third = await WorkspaceIndex.build({ roots: [root], cacheDir });
  assert.equal(third.stats()[0].fromCache, third.stats()[0].files);
  fs.rmSync(cacheDir, { recursive: true, force: true });
});
