// Workspace-symbol search: abbreviations match as subsequences, and any query text is safe (regex characters included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
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

void test('an abbreviation finds its name at the end of a large block of names sharing its first letter', async () => {
  // 60000 names starting with `h`: the one holding `q`, `w` and a 7 comes last in the block; capitals and digits
  // count as the query's characters do.
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-search-'));
  try {
    const names = Array.from({ length: 60000 }, (_, i) => `hx_${String(i).padStart(6, '0')}_aaaa`.replace(/7/g, '8'));
    names.push('hz_Queue_Wait7');
    fs.writeFileSync(path.join(tree, 'names.c'), names.map((n) => `int ${n};\n`).join(''));
    const index = await WorkspaceIndex.build({ roots: [tree], noCache: true, workers: 1 });
    try {
      assert.deepEqual(index.searchSymbols('hqw7', 20).map((d) => d.name), ['hz_Queue_Wait7']);
      assert.deepEqual(index.searchSymbols('hqw8', 20).map((d) => d.name), []);
      assert.equal(index.searchSymbols('hx8', 20).length, 20);
    } finally {
      await index.dispose();
    }
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});
