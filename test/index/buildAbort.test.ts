// An aborted build (a rebuild superseded it, or the server shuts down) stops at once: the workers stop after the file
// they are parsing, no batch in flight is merged after the abort, no cache is written, and the process survives
// (terminating a worker in the middle of a tree-sitter parse aborted the whole process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

void test('an aborted build merges nothing after the abort, writes no cache, and a new build afterwards is complete', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-abort-'));
  const root = path.join(base, 'tree');
  const cacheDir = path.join(base, 'cache');
  fs.mkdirSync(root);
  const files = 600;
  for (let f = 0; f < files; f++) {
    const fns = Array.from({ length: 30 }, (_, i) => `int f${f}_${i}(int x)\n{\n\treturn x ? f${f}_${(i + 1) % 30}(x - 1) : ${i};\n}\n`);
    fs.writeFileSync(path.join(root, `f${f}.c`), fns.join('\n'));
  }
  try {
    const abort = new AbortController();
    let afterAbort = 0;
    let lastDone = 0;
    const idx = await WorkspaceIndex.build({
      roots: [root],
      cacheDir,
      workers: 2,
      signal: abort.signal,
      onProgress: (p) => {
        if (abort.signal.aborted) afterAbort++;
        // Abort once the first batch is merged: the other worker's batch is then in flight.
        else if (p.done > 0) {
          lastDone = p.done;
          abort.abort();
        }
      },
    });
    assert.equal(afterAbort, 0, 'no batch merged after the abort');
    assert.ok(lastDone > 0 && lastDone < files, `stopped part way: ${lastDone} of ${files}`);
    // The content store's packs (`packs-<format>/`) hold whole files' extractions, each checked by its own checksum, and
    // stay valid after an abort; the tree's cache, which claims the whole tree, must not be written.
    const treeCaches = fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((f) => !f.endsWith('.tmp') && !f.startsWith('packs-')) : [];
    assert.deepEqual(treeCaches, [], 'no tree cache written by an aborted build');
    await idx.dispose();

    const full = await WorkspaceIndex.build({ roots: [root], cacheDir, workers: 2 });
    assert.equal(full.stats()[0].files, files);
    assert.equal(full.definitions(`f${files - 1}_29`).length, 1);
    await full.dispose();
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
