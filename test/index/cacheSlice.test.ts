// A cache slice (a few files' records with their own small string table) reads back as the same records the full
// index holds: same symbols, same calls, and every file served from the cache.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { cacheFile } from '../../server/src/engine/index/cache';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { LINUX_FIX } from '../review/patchKit';

void test('a slice written from the full index is read back whole by a partial build', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-slice-'));
  try {
    const files = ['drivers/xen/events/events_2l.c', 'arch/x86/kvm/vmx/vmx.c'];
    const full = await WorkspaceIndex.build({ roots: [LINUX_FIX], noCache: true });
    const root = full.trees()[0].root;
    assert.equal(full.writeCacheSlice(root, [...files, 'no/such.c'], cacheFile(dir, root)), 2);
    const part = await WorkspaceIndex.build({ roots: [LINUX_FIX], only: new Map([[LINUX_FIX, files]]), cacheDir: dir });
    assert.equal(part.stats()[0].fromCache, 2);
    let calls = 0;
    for (const f of files) {
      const abs = path.join(root, f);
      const strip = (idx: WorkspaceIndex) => idx.fileSymbols(abs).map((s) => `${s.kind} ${s.name} ${s.nameSpan.line}`);
      assert.deepEqual(strip(part), strip(full));
      for (const s of full.fileSymbols(abs).filter((x) => x.kind === 'function')) {
        const want = full.outgoingCalls(s.name).map((e) => e.name).sort();
        calls += want.length;
        assert.deepEqual(part.outgoingCalls(s.name).map((e) => e.name).sort(), want, s.name);
      }
    }
    assert.ok(calls > 3, 'the files hold calls to compare');
    await full.dispose();
    await part.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
