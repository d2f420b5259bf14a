// Content-addressed reuse and the bounded cache: a file whose bytes were extracted before (another tree, another
// version, before a checkout) is taken from the content store, and the index built that way equals a cold index of the
// same files; eviction (least recently used, to the limit) and damaged packs never serve a wrong record; two processes
// indexing trees that share files into one cache at once both get exact results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheFile } from '../../server/src/engine/index/cache';
import { enforceCacheLimit } from '../../server/src/engine/index/cacheLimit';
import { ContentStore, contentKey, packsDir } from '../../server/src/engine/index/contentStore';
import { loadStoreTable } from '../../server/src/engine/index/storeTable';
import { emptyRecord } from '../../server/src/engine/index/fileRecord';
import { coldSnapshot, driverFile, indexTree, type IndexSnapshot, writeDriverTree } from '../support/indexSnapshot';

const N = 40;

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-reuse-'));
}

function packFiles(cacheDir: string): string[] {
  const dir = packsDir(cacheDir);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.pack')).map((f) => path.join(dir, f)) : [];
}

void test('a second version of a tree parses only the files whose bytes are new', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const v1 = path.join(base, 'v1');
  const v2 = path.join(base, 'v2');
  writeDriverTree(v1, N);
  // 5% of the files changed, one added.
  writeDriverTree(v2, N, (i) => (i === 3 || i === 17 ? 1 : 0));
  fs.writeFileSync(path.join(v2, 'added.c'), 'int added_fn(void) { return common_count(2); }\n');
  const first = await indexTree(v1, cacheDir);
  assert.equal(first.stats.fromStore, 0);
  const second = await indexTree(v2, cacheDir);
  assert.equal(second.stats.fromCache, 0, 'another tree: nothing from a tree cache');
  assert.equal(second.stats.fromStore, second.stats.files - 3, 'all but the two changed files and the new one by content');
  assert.deepEqual(second.snap, await coldSnapshot(v2));
  assert.ok(second.snap.symbols.some((s) => s.includes('"drv3_v1_extra"')), 'the changed file was parsed');
});

void test('after a simulated checkout (files rewritten, removed, added, then switched back) the index equals a cold one', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const tree = path.join(base, 'tree');
  writeDriverTree(tree, N);
  const v1 = await indexTree(tree, cacheDir);
  assert.deepEqual(v1.snap, await coldSnapshot(tree));
  // "git checkout other": two files get new contents, one is deleted, one created.
  for (const i of [5, 30]) fs.writeFileSync(path.join(tree, `drv${i}.c`), driverFile(i, N, 2));
  fs.rmSync(path.join(tree, 'drv9.c'));
  fs.writeFileSync(path.join(tree, 'new_on_branch.c'), 'int branch_only(void) { return common_count(3); }\n');
  const other = await indexTree(tree, cacheDir);
  assert.equal(other.stats.fromCache, other.stats.files - 3);
  assert.deepEqual(other.snap, await coldSnapshot(tree));
  // "git checkout -": the first contents come back with new stat data; their extraction is found by content.
  for (const i of [5, 30]) fs.writeFileSync(path.join(tree, `drv${i}.c`), driverFile(i, N, 0));
  fs.writeFileSync(path.join(tree, 'drv9.c'), driverFile(9, N, 0));
  fs.rmSync(path.join(tree, 'new_on_branch.c'));
  const back = await indexTree(tree, cacheDir);
  assert.equal(back.stats.fromStore, 3, 'the switched-back files are not parsed');
  assert.deepEqual(back.snap, v1.snap);
  assert.deepEqual(back.snap, await coldSnapshot(tree));
});

void test('a same-size edit with the old mtime restored is not served from either cache', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const tree = path.join(base, 'tree');
  writeDriverTree(tree, 4);
  await indexTree(tree, cacheDir);
  const file = path.join(tree, 'drv1.c');
  const st = fs.statSync(file);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('drv1_ack', 'drv1_ACK'));
  fs.utimesSync(file, st.atime, st.mtime);
  const after = await indexTree(tree, cacheDir);
  assert.deepEqual(after.snap, await coldSnapshot(tree));
  assert.ok(after.snap.symbols.some((s) => s.includes('"drv1_ACK"')));
});

void test('eviction keeps the cache within its limit and never serves a stale file', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const tree = path.join(base, 'tree');
  writeDriverTree(tree, N);
  // A limit of 0: every pack goes after each build, the caches of the trees just built stay.
  const first = await indexTree(tree, cacheDir, 0);
  assert.ok(first.stats.cache, 'the build reports the cache');
  assert.ok(first.stats.cache.evicted > 0);
  assert.deepEqual(packFiles(cacheDir), []);
  assert.ok(fs.existsSync(cacheFile(cacheDir, tree)), 'the tree just built keeps its cache');
  assert.equal(first.stats.cache.bytes, fs.statSync(cacheFile(cacheDir, tree)).blocks * 512);
  for (const v of [1, 2, 0, 1]) {
    for (const i of [2, 11]) fs.writeFileSync(path.join(tree, `drv${i}.c`), driverFile(i, N, v));
    const r = await indexTree(tree, cacheDir, 0);
    assert.equal(r.stats.fromStore, 0, 'evicted entries are gone');
    assert.deepEqual(r.snap, await coldSnapshot(tree), `version ${v}`);
  }
  // Another tree indexed later under the same limit evicts the first tree's cache (least recently used).
  const other = path.join(base, 'other');
  writeDriverTree(other, 3);
  await indexTree(other, cacheDir, 0);
  assert.ok(!fs.existsSync(cacheFile(cacheDir, tree)));
  const again = await indexTree(tree, cacheDir, 0);
  assert.equal(again.stats.fromCache, 0);
  assert.deepEqual(again.snap, await coldSnapshot(tree));
});

void test('least recently used entries go first; older formats and stale temporary files always', () => {
  const dir = path.join(scratch(), 'cache');
  const packs = packsDir(dir);
  fs.mkdirSync(packs, { recursive: true });
  const old = path.join(dir, 'packs-1');
  fs.mkdirSync(old);
  fs.writeFileSync(path.join(old, '0000000000000000.pack'), 'x');
  const files = ['a.idx', 'b.idx'].map((f) => path.join(dir, f)).concat(['1111111111111111', '2222222222222222', '3333333333333333'].map((f) => path.join(packs, `${f}.pack`)));
  const now = Date.now();
  // Used, oldest first: b.idx, pack 3, a.idx, pack 1, pack 2.
  const used = [3, 1, 4, 5, 2];
  files.forEach((f, i) => {
    fs.writeFileSync(f, Buffer.alloc(8192, 1));
    const t = new Date(now - (10 - used[i]) * 60_000);
    fs.utimesSync(f, t, t);
  });
  const tmp = path.join(packs, '4444444444444444.pack.tmp');
  fs.writeFileSync(tmp, 'partial');
  const hourAgo = new Date(now - 2 * 3600_000);
  fs.utimesSync(tmp, hourAgo, hourAgo);
  const one = fs.statSync(files[0]).blocks * 512;
  // Room for three entries; b.idx is kept whatever its age (a tree just built).
  const u = enforceCacheLimit(dir, 3 * one, new Set([files[1]]));
  assert.ok(!fs.existsSync(old), 'an older format is removed');
  assert.ok(!fs.existsSync(tmp), 'a stale temporary file is removed');
  assert.deepEqual(files.map((f) => fs.existsSync(f)), [false, true, true, true, false]);
  assert.equal(u.bytes, 3 * one);
  assert.equal(u.entries, 3);
  assert.equal(u.evicted, 4);
});

void test('a damaged, replaced or vanished pack is a miss, never a wrong record', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const v1 = path.join(base, 'v1');
  writeDriverTree(v1, N);
  await indexTree(v1, cacheDir);
  // Flip one byte in the body area of every pack: each entry's checksum fails.
  for (const p of packFiles(cacheDir)) {
    const b = fs.readFileSync(p);
    b[b.length - 3] ^= 0xff;
    fs.writeFileSync(p, b);
  }
  const copy = path.join(base, 'copy');
  fs.cpSync(v1, copy, { recursive: true });
  const damaged = await indexTree(copy, cacheDir);
  assert.ok(damaged.stats.fromStore < damaged.stats.files, 'damaged entries are parsed again');
  assert.deepEqual(damaged.snap, await coldSnapshot(copy));

  // A table read before a pack vanished or was replaced by another pack's bytes.
  const dir = path.join(base, 'unit');
  const store = new ContentStore(dir, undefined);
  const a = contentKey(Buffer.from('int a;'));
  const b = contentKey(Buffer.from('int b;'));
  store.add(a.key, { ...emptyRecord('a.c', 6, 0), strings: ['a'], syms: Int32Array.of(0, 7, 0, 4, 0, 4, 0, 5, -1) });
  store.flush();
  const second = new ContentStore(dir, undefined);
  second.add(b.key, { ...emptyRecord('b.c', 6, 0), strings: ['b', 'x', 'y'], syms: Int32Array.of(0, 7, 0, 4, 0, 4, 0, 5, -1) });
  second.flush();
  const table = loadStoreTable(dir);
  const reader = new ContentStore(dir, table);
  assert.deepEqual(reader.get(a.key)?.strings, ['a']);
  assert.deepEqual(reader.get(b.key)?.strings, ['b', 'x', 'y']);
  assert.equal(reader.get(contentKey(Buffer.from('int c;')).key), undefined);
  const [pa, pb] = fs.readdirSync(dir).filter((f) => f.endsWith('.pack')).map((f) => path.join(dir, f));
  const bytesB = fs.readFileSync(pb);
  fs.copyFileSync(pa, pb);
  fs.rmSync(pa);
  const stale = new ContentStore(dir, table);
  assert.equal(stale.get(a.key), undefined, 'vanished');
  assert.equal(stale.get(b.key), undefined, 'replaced by other bytes');
  fs.writeFileSync(pb, bytesB);
});

void test('a FIFO in place of a pack is refused without blocking, when the tables are read and when an entry is', { timeout: 60_000 }, async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const v1 = path.join(base, 'v1');
  writeDriverTree(v1, N);
  await indexTree(v1, cacheDir);
  const packs = packFiles(cacheDir);
  assert.ok(packs.length > 0);
  for (const p of packs) {
    fs.rmSync(p);
    execFileSync('mkfifo', [p]);
  }
  const copy = path.join(base, 'copy');
  fs.cpSync(v1, copy, { recursive: true });
  const again = await indexTree(copy, cacheDir);
  assert.equal(again.stats.fromStore, 0, 'nothing is read from a FIFO');
  assert.deepEqual(again.snap, await coldSnapshot(copy));

  // A table read while the pack was whole; a FIFO put in its place before the entry is read.
  const dir = path.join(base, 'unit');
  const store = new ContentStore(dir, undefined);
  const a = contentKey(Buffer.from('int a;'));
  store.add(a.key, { ...emptyRecord('a.c', 6, 0), strings: ['a'], syms: Int32Array.of(0, 7, 0, 4, 0, 4, 0, 5, -1) });
  store.flush();
  const table = loadStoreTable(dir);
  const [pack] = fs.readdirSync(dir).filter((f) => f.endsWith('.pack')).map((f) => path.join(dir, f));
  fs.rmSync(pack);
  execFileSync('mkfifo', [pack]);
  assert.equal(new ContentStore(dir, table).get(a.key), undefined);
});

function child(tree: string, cacheDir: string, limit?: number): Promise<{ snapshot: IndexSnapshot; fromCache: number; fromStore: number }> {
  const script = path.join(__dirname, '..', 'support', 'indexSnapshotChild.ts');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script, tree, cacheDir, ...(limit === undefined ? [] : [String(limit)])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as never) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

void test('two processes indexing trees that share files into one cache at once both get exact results', { timeout: 300_000 }, async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const a = path.join(base, 'a');
  const b = path.join(base, 'b');
  writeDriverTree(a, N);
  writeDriverTree(b, N, (i) => (i % 10 === 0 ? 1 : 0));
  const expectA = await coldSnapshot(a);
  const expectB = await coldSnapshot(b);
  // Round 1: an empty cache, both write packs and tree caches at once. Round 2: both read what both wrote. Round 3:
  // the trees change and a small limit evicts while the other process reads.
  for (let round = 1; round <= 3; round++) {
    if (round === 3) {
      for (const t of [a, b]) fs.writeFileSync(path.join(t, 'drv7.c'), driverFile(7, N, 3));
    }
    const [ra, rb] = await Promise.all([child(a, cacheDir), child(b, cacheDir, round === 3 ? 0 : undefined)]);
    const wantA = round === 3 ? await coldSnapshot(a) : expectA;
    const wantB = round === 3 ? await coldSnapshot(b) : expectB;
    assert.deepEqual(ra.snapshot, wantA, `round ${round}: tree a`);
    assert.deepEqual(rb.snapshot, wantB, `round ${round}: tree b`);
    if (round === 2) assert.equal(ra.fromCache + rb.fromCache, 2 * (N + 1), 'round 2: both trees from their caches');
  }
  assert.deepEqual(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.tmp')), []);
  assert.deepEqual(fs.readdirSync(packsDir(cacheDir)).filter((f) => f.endsWith('.tmp')), []);
});
