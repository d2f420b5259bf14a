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

void test('the abbreviation search reads the names in pieces of whole lines: a name across a piece boundary is found', async () => {
  // Names of 40 characters (41 with the newline joining them): the first piece of 256 KiB ends 31 characters into the
  // 6394th `h` name, whose `q` and `w` come after that point. Cut there, neither piece would match `^h…q…w`.
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-search-'));
  try {
    const names = Array.from({ length: 8000 }, (_, i) => `hx_${String(i).padStart(6, '0')}_${i === 6393 ? 'a'.repeat(25) + 'qw' + 'a'.repeat(3) : 'a'.repeat(30)}`);
    assert.ok(names.every((n) => n.length === 40));
    fs.writeFileSync(path.join(tree, 'names.c'), names.map((n) => `int ${n};\n`).join(''));
    const index = await WorkspaceIndex.build({ roots: [tree], noCache: true, workers: 1 });
    try {
      assert.deepEqual(index.searchSymbols('hqw', 20).map((d) => d.name), [names[6393]]);
    } finally {
      await index.dispose();
    }
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});
