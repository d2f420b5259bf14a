// Workers started before the build knows what to parse (ParsePool.prepare): disposing of them while they still compile
// their parser and query (they end it at the next step, see parseWorker.ts) must not abort the process (tree-sitter's addon throws when its thread is torn down inside a
// call), and a prepared pool's records equal an unprepared one's; a pool released between runs works on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheFile } from '../../server/src/engine/index/cache';
import { buildTreeIndex } from '../../server/src/engine/index/indexBuilder';
import { ParsePool } from '../../server/src/engine/index/parsePool';
import { FileSelection } from '../../server/src/engine/index/treeMembership';
import { namedSymbols } from '../../server/src/engine/index/recordViews';
import { TreeIndex } from '../../server/src/engine/index/treeIndex';
import { detectTree } from '../../server/src/engine/index/treeInfo';
import { writeDriverTree } from '../support/indexSnapshot';

void test('a pool disposed while its prepared workers compile exits cleanly, again and again', async () => {
  for (let i = 0; i < 3; i++) {
    const pool = new ParsePool(2);
    pool.prepare();
    await pool.dispose();
  }
  // Disposed right after the compile was asked for and a batch sent behind it.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-prepare-'));
  writeDriverTree(root, 4);
  const pool = new ParsePool(2);
  pool.prepare();
  const running = pool.run(root, ['drv0.c', 'drv1.c'], () => undefined);
  await pool.dispose();
  await running;
});

/** Every file's symbol names, in file order: what the pool extracted, independent of string ids. */
async function symbolNames(pool: ParsePool, root: string, files: string[]): Promise<string[]> {
  const tree = new TreeIndex(detectTree(root));
  await pool.run(root, files, (records, strings) => {
    for (const r of records) tree.setRecord(r, strings);
  });
  return files.map((f) => `${f}: ${namedSymbols(tree.record(f)!, tree.strings).map((s) => `${s.entry.kind} ${s.name} ${s.entry.startLine}-${s.entry.endLine}`).sort().join(', ')}`);
}

void test('a prepared pool extracts what an unprepared one does', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-prepare-'));
  writeDriverTree(root, 12);
  const files = fs.readdirSync(root).sort();
  const plain = new ParsePool(2);
  const prepared = new ParsePool(2);
  prepared.prepare();
  try {
    const want = await symbolNames(plain, root, files);
    assert.ok(want.some((l) => l.includes('function drv3_handle')), 'the fixture has functions');
    assert.deepEqual(await symbolNames(prepared, root, files), want);
  } finally {
    await plain.dispose();
    await prepared.dispose();
  }
});

void test('a pool released between runs (its workers terminated before a cache write) extracts the same on the next run', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-release-'));
  writeDriverTree(root, 6);
  const files = fs.readdirSync(root).sort();
  const pool = new ParsePool(2);
  try {
    const first = await symbolNames(pool, root, files);
    assert.ok(first.some((l) => l.includes('function drv3_handle')), 'the fixture has functions');
    assert.equal(pool.running, 2);
    await pool.release();
    assert.equal(pool.running, 0);
    // Released twice, and right after a prepare: no worker left behind, none terminated inside its compile.
    await pool.release();
    pool.prepare();
    await pool.release();
    assert.equal(pool.running, 0);
    assert.deepEqual(await symbolNames(pool, root, files), first);
  } finally {
    await pool.dispose();
  }
});

void test('a pool starts no more workers than asked: prepare(1), and a run capped at one worker', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cap-'));
  writeDriverTree(root, 8);
  const files = fs.readdirSync(root).sort();
  const want = await (async () => {
    const pool = new ParsePool(2);
    try {
      return await symbolNames(pool, root, files);
    } finally {
      await pool.dispose();
    }
  })();
  const pool = new ParsePool(2);
  try {
    pool.prepare(1);
    assert.equal(pool.running, 1);
    const tree = new TreeIndex(detectTree(root));
    await pool.run(root, files, (records, strings) => records.forEach((r) => tree.setRecord(r, strings)), undefined, undefined, undefined, 1);
    assert.equal(pool.running, 1, 'the cap held over many batches');
    assert.deepEqual(files.map((f) => `${f}: ${namedSymbols(tree.record(f)!, tree.strings).map((s) => `${s.entry.kind} ${s.name} ${s.entry.startLine}-${s.entry.endLine}`).sort().join(', ')}`), want);
    // Uncapped, the next run starts the second worker.
    await symbolNames(pool, root, files);
    assert.equal(pool.running, 2);
  } finally {
    await pool.dispose();
  }
});

void test('a tree without a cache prepares every worker while it is walked; a changed one two, as soon as the walk meets a change; a warm one none', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-changed-'));
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-changed-cache-'));
  writeDriverTree(root, 6);
  const build = async () => {
    const pool = new ParsePool(2);
    const asked: number[] = [];
    const prepare = pool.prepare.bind(pool);
    pool.prepare = (count?: number) => {
      asked.push(count ?? pool.size);
      prepare(count);
    };
    try {
      const { stats } = await buildTreeIndex(root, pool, { selection: new FileSelection(), cacheDir, log: () => undefined });
      return { asked, parsed: stats.profile?.workers.files ?? 0, fromCache: stats.fromCache };
    } finally {
      await pool.dispose();
    }
  };
  // File times have the kernel's tick as resolution: the cache is made to have been used a minute ago, so that a file
  // changed now is after it whatever the tick.
  const usedBefore = () => {
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(cacheFile(cacheDir, root), past, past);
  };
  const n = fs.readdirSync(root).length;
  assert.deepEqual((await build()).asked, [2], 'cold: every worker while the tree is walked');
  assert.deepEqual(await build(), { asked: [], parsed: 0, fromCache: n }, 'warm: none');
  usedBefore();
  fs.appendFileSync(path.join(root, 'drv2.c'), '\nint drv2_added(void) { return 2; }\n');
  assert.deepEqual(await build(), { asked: [2], parsed: 1, fromCache: n - 1 }, 'edited: two, started by the walk');
  // Touched, not changed (a branch switched and back): the workers started for nothing end their compile early and are
  // terminated without aborting the process; the file is restated from the cache by its hash.
  usedBefore();
  const drv3 = path.join(root, 'drv3.c');
  const bytes = fs.readFileSync(drv3);
  fs.rmSync(drv3);
  fs.writeFileSync(drv3, bytes);
  assert.deepEqual(await build(), { asked: [2], parsed: 0, fromCache: n }, 'touched: started, then cancelled');
  assert.deepEqual(await build(), { asked: [], parsed: 0, fromCache: n }, 'warm again: the cache holds the new status');
});
