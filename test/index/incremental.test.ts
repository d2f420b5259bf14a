// Incremental indexing: an open, edited document is re-parsed (tree-sitter edit + reparse) and its symbols and edges
// change at once; closing it goes back to the disk; files created, changed or deleted on disk are picked up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

const fixtures = path.join(__dirname, '..', 'fixtures', 'index', 'tree');

void test('edits in an open document update definitions and call edges; close returns to the disk', async () => {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-incr-'));
  fs.cpSync(fixtures, tree, { recursive: true });
  const index = await WorkspaceIndex.build({ roots: [tree], noCache: true, workers: 1 });
  index.prepareQueries();
  const file = path.join(tree, 'irq.c');
  const original = fs.readFileSync(file, 'utf8');
  // Rename ack_dynirq to ack_dynirq_v2 in the editor: the table now binds the new name.
  const edited = original.replace(/\back_dynirq\b/g, 'ack_dynirq_v2');
  index.updateDocument(file, edited);
  assert.deepEqual(index.definitions('ack_dynirq'), []);
  assert.equal(index.definitions('ack_dynirq_v2')[0]?.kind, 'function');
  assert.deepEqual(index.incomingCalls('ack_dynirq_v2').map((e) => `${e.name} via ${e.via}`), ['handle_edge_irq via xen_dynamic_chip.irq_ack']);
  // A second edit on top of the first (incremental reparse from the kept tree): add a caller.
  index.updateDocument(file, edited + '\nvoid poke(struct irq_data *d)\n{\n    ack_dynirq_v2(d);\n}\n');
  assert.deepEqual(index.incomingCalls('ack_dynirq_v2').map((e) => e.name).sort(), ['handle_edge_irq', 'poke']);
  // Definition, table entry, the new call; the marker comments that mention it do not count.
  assert.equal(index.references('ack_dynirq_v2').length, 3);
  index.closeDocument(file);
  await index.refreshFile(file);
  assert.equal(index.definitions('ack_dynirq')[0]?.kind, 'function');
  assert.deepEqual(index.definitions('poke'), []);
  await index.dispose();
});

void test('files created, changed and deleted on disk are refreshed', async () => {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-incr-'));
  fs.cpSync(fixtures, tree, { recursive: true });
  const index = await WorkspaceIndex.build({ roots: [tree], noCache: true, workers: 1 });
  index.prepareQueries();
  const created = path.join(tree, 'new.c');
  fs.writeFileSync(created, 'static void newcomer(void)\n{\n    mask_lapic(0);\n}\n');
  await index.refreshFile(created);
  assert.equal(index.definitions('newcomer')[0]?.file, 'new.c');
  assert.ok(index.incomingCalls('mask_lapic').some((e) => e.name === 'newcomer'));
  // Two static functions of the same name in different files are two callers, each with its own definition.
  for (const f of ['drv_a.c', 'drv_b.c']) {
    fs.writeFileSync(path.join(tree, f), 'static int probe(void)\n{\n    mask_lapic(0);\n    return 0;\n}\n');
    await index.refreshFile(path.join(tree, f));
  }
  const probes = index.incomingCalls('mask_lapic').filter((e) => e.name === 'probe');
  assert.deepEqual(probes.map((e) => `${path.basename(e.file ?? '')}:${e.line}:${e.sites.length}`).sort(), ['drv_a.c:0:1', 'drv_b.c:0:1']);
  // A file the walk would not index stays out when it changes.
  fs.writeFileSync(path.join(tree, 'notes.txt'), 'int not_indexed_here(void) { return 0; }\n');
  await index.refreshFile(path.join(tree, 'notes.txt'));
  assert.deepEqual(index.definitions('not_indexed_here'), []);
  fs.rmSync(path.join(tree, 'apic.c'));
  await index.refreshFile(path.join(tree, 'apic.c'));
  assert.deepEqual(index.definitions('apic_mem_write'), []);
  assert.deepEqual(index.fileSymbols(path.join(tree, 'apic.c')), []);
  await index.dispose();
});
