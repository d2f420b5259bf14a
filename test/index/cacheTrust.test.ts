// The cache never lies and never loses data: a same-length edit with the old mtime restored is re-parsed; a file only
// touched (same content) is reused after hashing; a failed write keeps the old cache and warns once; a FIFO in place
// of the cache file and an unusable cache folder are refused with a message instead of blocking or spinning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheFile, ensureCacheDir, loadCache, saveCache, saveCacheOrWarn, CacheError } from '../../server/src/engine/index/cache';
import { WorkspaceIndex } from '../../server/src/engine/index/workspaceIndex';

const fixtures = path.join(__dirname, '..', 'fixtures', 'index', 'tree');

function setup(): { tree: string; cacheDir: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-trust-'));
  const tree = path.join(base, 'tree');
  fs.cpSync(fixtures, tree, { recursive: true });
  return { tree, cacheDir: path.join(base, 'cache') };
}

async function index(tree: string, cacheDir: string) {
  const logs: string[] = [];
  const idx = await WorkspaceIndex.build({ roots: [tree], cacheDir, workers: 1, log: (l, m) => logs.push(`${l} ${m}`) });
  return { idx, stats: idx.stats()[0], logs };
}

void test('a same-length edit with size and mtime unchanged (touch -r) is re-parsed, not served stale', async () => {
  const { tree, cacheDir } = setup();
  const file = path.join(tree, 'irq.c');
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.includes('ack_dynirq'));
  const before = await index(tree, cacheDir);
  assert.equal(before.idx.definitions('ack_dynirq').length, 1);
  await before.idx.dispose();
  const st = fs.statSync(file);
  const ref = path.join(path.dirname(tree), 'times-ref');
  fs.writeFileSync(ref, '');
  execFileSync('touch', ['-r', file, ref]);
  fs.writeFileSync(file, text.replaceAll('ack_dynirq', 'ack_dynIRQ'));
  execFileSync('touch', ['-r', ref, file]);
  assert.equal(fs.statSync(file).size, st.size);
  assert.equal(fs.statSync(file).mtimeMs, st.mtimeMs);
  const after = await index(tree, cacheDir);
  assert.deepEqual(after.idx.definitions('ack_dynirq'), [], 'the old name is gone');
  assert.equal(after.idx.definitions('ack_dynIRQ').length, 1, 'the new name is found');
  assert.equal(after.stats.fromCache, after.stats.files - 1);
  await after.idx.dispose();
});

void test('a file rewritten with the same content is reused after hashing, and its new stat is saved', async () => {
  const { tree, cacheDir } = setup();
  await (await index(tree, cacheDir)).idx.dispose();
  const file = path.join(tree, 'irq.c');
  fs.writeFileSync(file, fs.readFileSync(file));
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
  const warm = await index(tree, cacheDir);
  assert.equal(warm.stats.fromCache, warm.stats.files, 'same content: nothing parsed');
  await warm.idx.dispose();
  const c = loadCache(cacheFile(cacheDir, tree), tree)!;
  assert.equal(c.files.find((r) => r.file === 'irq.c')!.mtimeMs, fs.statSync(file).mtimeMs, 'the cache was rewritten with the new stat');
});

void test('a failed write keeps the old cache, removes its temporary file and warns once', () => {
  const { tree, cacheDir } = setup();
  const file = cacheFile(cacheDir, tree);
  saveCache(file, { root: tree, strings: ['a'], files: [] });
  const good = fs.readFileSync(file);
  // A record v8 cannot serialise stands for a write that fails half-way (full disk).
  const bad = { root: tree, strings: ['a'], files: [{ file: 'x.c', oops: () => 1 }] } as never;
  const warnings: string[] = [];
  saveCacheOrWarn(file, bad, (m) => warnings.push(m));
  saveCacheOrWarn(file, bad, (m) => warnings.push(m));
  assert.equal(warnings.length, 1, 'warned once');
  assert.match(warnings[0], /previous one is kept/);
  assert.deepEqual(fs.readFileSync(file), good, 'old cache intact');
  assert.deepEqual(fs.readdirSync(cacheDir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
});

void test('a full disk is detected, not written truncated (a 64 KiB loop device filesystem when available)', { skip: process.getuid?.() !== 0 || spawnSync('which', ['mkfs.ext2']).status !== 0 }, (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-full-'));
  const img = path.join(base, 'img');
  const mnt = path.join(base, 'mnt');
  fs.mkdirSync(mnt);
  execFileSync('dd', ['if=/dev/zero', `of=${img}`, 'bs=1k', 'count=128'], { stdio: 'ignore' });
  execFileSync('mkfs.ext2', ['-q', '-F', img], { stdio: 'ignore' });
  if (spawnSync('mount', ['-o', 'loop', img, mnt]).status !== 0) {
    t.skip('loop mounts are not available here');
    return;
  }
  try {
    const file = path.join(mnt, 'tree.idx');
    saveCache(file, { root: '/t', strings: ['a'], files: [] });
    const good = fs.readFileSync(file);
    const big = { root: '/t', strings: Array.from({ length: 50_000 }, (_, i) => `string-${i}`), files: [] };
    assert.throws(() => saveCache(file, big), /ENOSPC|disk full/);
    assert.deepEqual(fs.readFileSync(file), good);
    assert.deepEqual(fs.readdirSync(mnt).filter((f) => f.endsWith('.tmp')), []);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

void test('a FIFO in place of the cache file is refused at once, not opened', async () => {
  const { tree, cacheDir } = setup();
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = cacheFile(cacheDir, tree);
  execFileSync('mkfifo', [file]);
  assert.throws(() => loadCache(file, tree), (e: unknown) => e instanceof CacheError && /not a regular file/.test(e.message));
  const r = await index(tree, cacheDir);
  assert.equal(r.logs.filter((l) => /not a regular file/.test(l)).length, 1);
  assert.ok(r.idx.definitions('ack_dynirq').length === 1);
  await r.idx.dispose();
});

void test('an unusable cache folder (below /proc, or a file) is refused with a message instead of spinning', () => {
  assert.throws(() => ensureCacheDir('/proc/irqlens-x/y'), /cache folder \/proc\/irqlens-x\/y is unusable: cannot create/);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-cd-'));
  fs.writeFileSync(path.join(base, 'f'), '');
  assert.throws(() => ensureCacheDir(path.join(base, 'f', 'sub')), /is not a folder/);
  const cli = path.join(__dirname, '..', '..', 'server', 'src', 'cli', 'main.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'symbols', '--cache-dir', '/proc/irqlens-x', fixtures], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, 'ended by itself');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cache folder \/proc\/irqlens-x is unusable/);
});
