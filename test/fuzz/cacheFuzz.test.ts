// Fuzz: corrupted cache files (flipped bytes, truncations, extensions, swapped chunks, a rewritten header). Loading must
// return the cache or throw CacheError (crash otherwise); the index built over a corrupted cache must answer like a
// cold one (wrong answer otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CacheError, cacheFile, loadCache } from '../../server/src/engine/index/cache';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';
import { seeded, type Rng } from '../models/seededRandom';
import { clean, counts, LONG, report } from './fuzzCounts';

function corrupt(rng: Rng, b: Buffer): Buffer {
  const out = Buffer.from(b);
  switch (rng.int(0, 4)) {
    case 0:
      for (let k = rng.int(1, 8); k > 0; k--) out[rng.int(0, out.length - 1)] ^= 1 << rng.int(0, 7);
      return out;
    case 1:
      return out.subarray(0, rng.int(0, out.length - 1));
    case 2:
      return Buffer.concat([out, Buffer.alloc(rng.int(1, 5000), rng.int(0, 255))]);
    case 3: {
      // A length field made huge: the reader must not trust it.
      const at = 64 + rng.int(0, 3);
      if (at < out.length) out[at] = 0xff;
      return out;
    }
    default:
      out.write(`IRQLENS-INDEX ${rng.int(0, 9)} ${'0'.repeat(40)}\n`, 0, 'latin1');
      return out;
  }
}

void test('fuzz: corrupted caches are refused cleanly and never change the answers', async (t) => {
  const c = counts('cache');
  const rng = seeded(64);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cfuzz-'));
  const tree = path.join(base, 'tree');
  fs.cpSync(path.join(__dirname, '..', 'fixtures', 'index', 'tree'), tree, { recursive: true });
  const cacheDir = path.join(base, 'cache');
  const cold = await WorkspaceIndex.build({ roots: [tree], cacheDir, workers: 1 });
  const names = ['ack_dynirq', 'apic_mem_write', 'evtchn_2l_set_pending'];
  const answer = (idx: WorkspaceIndex) => JSON.stringify(names.map((n) => [idx.definitions(n).length, idx.incomingCalls(n).length]));
  const expected = answer(cold);
  await cold.dispose();
  const file = cacheFile(cacheDir, tree);
  const good = fs.readFileSync(file);
  const n = LONG ? 3000 : 60;
  for (let i = 0; i < n; i++) {
    const bad = corrupt(rng, good);
    fs.writeFileSync(file, bad);
    c.tried++;
    const t0 = performance.now();
    try {
      loadCache(file, tree);
    } catch (e) {
      if (!(e instanceof CacheError)) c.crashes.push(`#${i}: ${String(e)}`);
    }
    // The whole index on this cache, every few inputs (a build costs more than a load).
    if (i % 15 === 0) {
      fs.writeFileSync(file, bad);
      try {
        const idx = await WorkspaceIndex.build({ roots: [tree], cacheDir, workers: 1, log: () => undefined });
        if (answer(idx) !== expected) c.wrong.push(`#${i}: ${answer(idx)} instead of ${expected}`);
        await idx.dispose();
      } catch (e) {
        c.crashes.push(`#${i} (build): ${String(e)}`);
      }
    }
    if (performance.now() - t0 > 10_000) c.hangs.push(`#${i}: ${Math.round(performance.now() - t0)} ms`);
  }
  t.diagnostic(report(c).split('\n')[0]);
  assert.ok(clean(c), report(c));
});
