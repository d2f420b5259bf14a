// Workspace-symbol search: abbreviations match as subsequences, and any query text is safe (regex characters included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

const linux = path.join(__dirname, '..', '..', 'sample', 'linux');

void test('abbreviations find their function; exact names rank first; odd query text never throws', async () => {
  const index = await WorkspaceIndex.build({ roots: [linux], noCache: true });
  try {
    assert.ok(index.searchSymbols('hanedgirq', 20).some((d) => d.name === 'handle_edge_irq'), 'hanedgirq → handle_edge_irq');
    assert.ok(index.searchSymbols('xevdoup', 20).some((d) => d.name === 'xen_evtchn_do_upcall'), 'xevdoup → xen_evtchn_do_upcall');
    assert.equal(index.searchSymbols('ack_dynirq', 20)[0]?.name, 'ack_dynirq');
    assert.deepEqual(index.searchSymbols('zzqqxx', 20), []);
    for (const q of ['h[e', 'a\\', 'x.*', '(', '^$', 'h-]i', '\n']) assert.doesNotThrow(() => index.searchSymbols(q, 20), q);
  } finally {
    await index.dispose();
  }
});
