// The persistent index cache: a warm start re-parses nothing, a touched file is re-parsed alone, and a corrupt or
// foreign cache file is reported once and rebuilt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheFile } from '../../server/src/engine/index/cache';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

const fixtures = path.join(__dirname, '..', 'fixtures', 'index', 'tree');

function setup(): { tree: string; cacheDir: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cache-'));
  const tree = path.join(base, 'tree');
  fs.cpSync(fixtures, tree, { recursive: true });
  return { tree, cacheDir: path.join(base, 'cache') };
}

async function index(tree: string, cacheDir: string) {
  const logs: string[] = [];
  const idx = await WorkspaceIndex.build({ roots: [tree], cacheDir, workers: 1, log: (l, m) => logs.push(`${l} ${m}`) });
  const [stats] = idx.stats();
  return { idx, stats, logs };
}

void test('warm start re-parses nothing and answers the same queries', async () => {
  const { tree, cacheDir } = setup();
  const cold = await index(tree, cacheDir);
  assert.equal(cold.stats.fromCache, 0);
  assert.ok(fs.existsSync(cacheFile(cacheDir, tree)));
  const warm = await index(tree, cacheDir);
  assert.equal(warm.stats.fromCache, warm.stats.files);
  assert.equal(warm.stats.functions, cold.stats.functions);
  assert.deepEqual(warm.idx.incomingCalls('ack_dynirq'), cold.idx.incomingCalls('ack_dynirq'));
  assert.deepEqual(warm.idx.definitions('apic_mem_write'), cold.idx.definitions('apic_mem_write'));
});

void test('a touched file is re-parsed, the others come from the cache', async () => {
  const { tree, cacheDir } = setup();
  await index(tree, cacheDir);
  const file = path.join(tree, 'irq.c');
  fs.appendFileSync(file, '\nint added_later(void) { return 1; }\n');
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
  const warm = await index(tree, cacheDir);
  assert.equal(warm.stats.fromCache, warm.stats.files - 1);
  assert.equal(warm.idx.definitions('added_later')[0]?.file, 'irq.c');
});

void test('a corrupt cache file is reported once and rebuilt, never trusted', async () => {
  const { tree, cacheDir } = setup();
  await index(tree, cacheDir);
  const file = cacheFile(cacheDir, tree);
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 10] ^= 0xff;
  fs.writeFileSync(file, bytes);
  const rebuilt = await index(tree, cacheDir);
  assert.equal(rebuilt.stats.fromCache, 0);
  const warnings = rebuilt.logs.filter((l) => l.startsWith('warn index cache'));
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /checksum/);
  assert.equal(rebuilt.idx.definitions('ack_dynirq').length, 1);
  const again = await index(tree, cacheDir);
  assert.equal(again.stats.fromCache, again.stats.files);
  assert.equal(again.logs.filter((l) => l.startsWith('warn index cache')).length, 0);
});

void test('a foreign or garbage cache file is detected', async () => {
  const { tree, cacheDir } = setup();
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(cacheFile(cacheDir, tree), 'not a cache at all');
  const a = await index(tree, cacheDir);
  assert.equal(a.stats.fromCache, 0);
  assert.equal(a.logs.filter((l) => /not an irqlens index cache/.test(l)).length, 1);
  // Another tree's (valid) cache under this tree's name.
  const other = setup();
  await index(other.tree, other.cacheDir);
  fs.copyFileSync(cacheFile(other.cacheDir, other.tree), cacheFile(cacheDir, tree));
  const b = await index(tree, cacheDir);
  assert.equal(b.stats.fromCache, 0);
  assert.equal(b.logs.filter((l) => /belongs to/.test(l)).length, 1);
});
