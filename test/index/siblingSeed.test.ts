// A tree indexed for the first time next to a tree of the same codebase starts from that tree's cache: a file with the
// same path, size and bytes takes the sibling's record, anything else goes through the content store or a parse. The
// result must equal a cold index of the new tree whatever differs (size, same-size bytes, added and removed files), and
// a sibling that is damaged, gone, of another codebase or holding too little of the tree is not used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheFile } from '../../server/src/engine/index/cache';
import { confirmSibling, matchSibling, maySeedFromSibling, siblingCache } from '../../server/src/engine/index/siblingCache';
import { detectTree } from '../../server/src/engine/index/treeInfo';
import { walkTree } from '../../server/src/engine/index/walker';
import { coldSnapshot, indexTree, writeDriverTree } from '../support/indexSnapshot';

const N = 40;

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-sibling-'));
}

/** A driver tree that detectTree takes for Xen (a Makefile with XEN_VERSION), so that it may have siblings. */
function writeXenLike(dir: string, version: (i: number) => number = () => 0): void {
  writeDriverTree(dir, N, version);
  fs.writeFileSync(path.join(dir, 'Makefile'), 'export XEN_VERSION = 4\nexport XEN_SUBVERSION = 17\nexport XEN_EXTRAVERSION ?= .5\n');
}

/** Same length, other bytes: only the content hash tells the file from the sibling's. */
function sameSizeEdit(file: string, from: string, to: string): void {
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.includes(from) && from.length === to.length);
  fs.writeFileSync(file, text.replace(from, to));
}

void test('a second version starts from the first one\'s cache and equals a cold index of itself', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const v1 = path.join(base, 'v1');
  const v2 = path.join(base, 'v2');
  writeXenLike(v1);
  // Changed with a new size (3, 17), the same size with other bytes (drv1), one added, one removed.
  writeXenLike(v2, (i) => (i === 3 || i === 17 ? 1 : 0));
  sameSizeEdit(path.join(v2, 'drv1.c'), 'drv1_ack', 'drv1_ACK');
  fs.writeFileSync(path.join(v2, 'added.c'), 'int added_fn(void) { return common_count(2); }\n');
  fs.rmSync(path.join(v2, 'drv9.c'));
  const first = await indexTree(v1, cacheDir);
  assert.equal(first.stats.seededFrom, undefined, 'nothing to start from');
  const second = await indexTree(v2, cacheDir);
  assert.equal(second.stats.seededFrom, v1);
  assert.equal(second.stats.fromCache, 0, 'another tree: nothing from a tree cache');
  assert.equal(second.stats.fromStore, second.stats.files - 4, 'all but the four new contents by content');
  assert.equal(second.stats.profile?.workers.files, 4, 'the four new contents parsed');
  assert.deepEqual(second.snap, await coldSnapshot(v2));
  assert.ok(second.snap.symbols.some((s) => s.includes('"drv1_ACK"')), 'the same-size edit was parsed');
  assert.ok(!second.snap.symbols.some((s) => s.includes('"drv9_ack"')), 'the removed file is not indexed');
  // The cache written for v2 is its own: a warm index takes every file from it.
  const warm = await indexTree(v2, cacheDir);
  assert.equal(warm.stats.fromCache, warm.stats.files);
  assert.equal(warm.stats.seededFrom, undefined);
  assert.deepEqual(warm.snap, second.snap);
});

void test('no sibling: another codebase, a vanished or damaged sibling, or one holding too little of the tree', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const v1 = path.join(base, 'v1');
  writeXenLike(v1);
  await indexTree(v1, cacheDir);

  // A copy that is no Xen tree (no Makefile): unknown codebases have no sibling; the content store still serves it.
  const plain = path.join(base, 'plain');
  writeDriverTree(plain, N);
  const p = await indexTree(plain, cacheDir);
  assert.equal(p.stats.seededFrom, undefined);
  assert.equal(p.stats.fromStore, p.stats.files);
  assert.deepEqual(p.snap, await coldSnapshot(plain));

  // Most files of another size: the sibling would bring mostly names this tree does not have.
  const far = path.join(base, 'far');
  writeXenLike(far, (i) => (i % 4 === 0 ? 0 : 2));
  const f = await indexTree(far, cacheDir);
  assert.equal(f.stats.seededFrom, undefined);
  assert.deepEqual(f.snap, await coldSnapshot(far));

  // Damaged sibling caches (every one in the folder): checksum fails, the tree is indexed without them.
  for (const name of fs.readdirSync(cacheDir).filter((n) => n.endsWith('.idx'))) {
    const file = path.join(cacheDir, name);
    const b = fs.readFileSync(file);
    b[b.length - 5] ^= 0xff;
    fs.writeFileSync(file, b);
  }
  const v2 = path.join(base, 'v2');
  writeXenLike(v2, (i) => (i === 5 ? 1 : 0));
  const d = await indexTree(v2, cacheDir);
  assert.equal(d.stats.seededFrom, undefined, 'a damaged cache is no sibling');
  assert.deepEqual(d.snap, await coldSnapshot(v2));

  // The sibling's tree is gone: its cache is not used (its codebase cannot be told).
  const v3 = path.join(base, 'v3');
  writeXenLike(v3, (i) => (i === 6 ? 1 : 0));
  fs.rmSync(v2, { recursive: true });
  fs.rmSync(v1, { recursive: true });
  fs.rmSync(far, { recursive: true });
  assert.ok(fs.existsSync(cacheFile(cacheDir, v2)));
  const g = await indexTree(v3, cacheDir);
  assert.equal(g.stats.seededFrom, undefined);
  assert.deepEqual(g.snap, await coldSnapshot(v3));
});

void test('a file rewritten between the walk and the hash check is not served from the sibling', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const v1 = path.join(base, 'v1');
  const v2 = path.join(base, 'v2');
  writeXenLike(v1);
  writeXenLike(v2);
  await indexTree(v1, cacheDir);
  const sibling = siblingCache(cacheDir, cacheFile(cacheDir, v2), detectTree(v2));
  assert.equal(sibling?.root, v1);
  const { files } = walkTree(v2);
  const { candidates, others } = matchSibling(sibling, files);
  assert.equal(candidates.length, files.length, 'every file has the same path and size in v1');
  assert.deepEqual(others, []);
  // After the walk: one file gets other bytes of the same size, one grows, one goes.
  sameSizeEdit(path.join(v2, 'drv20.c'), 'helper20', 'HELPER20');
  fs.appendFileSync(path.join(v2, 'drv21.c'), '\nint drv21_more(void) { return 1; }\n');
  fs.rmSync(path.join(v2, 'drv22.c'));
  const { reused, differ } = await confirmSibling(candidates, v2);
  assert.deepEqual(differ.map((f) => f.rel).sort(), ['drv20.c', 'drv21.c', 'drv22.c']);
  assert.equal(reused.length, files.length - 3);
  const stat = fs.statSync(path.join(v2, 'drv0.c'));
  const r0 = reused.find((r) => r.file === 'drv0.c');
  assert.equal(r0?.ino, stat.ino, 'a reused record carries the new file\'s own stat');
  assert.equal(r0?.mtimeMs, stat.mtimeMs);
});

void test('a build that a sibling may seed is told so before any cache is loaded; others are not', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const v1 = path.join(base, 'v1');
  const v2 = path.join(base, 'v2');
  const other = path.join(base, 'plain');
  writeXenLike(v1);
  writeXenLike(v2);
  writeDriverTree(other, 4);
  fs.mkdirSync(cacheDir);
  assert.equal(maySeedFromSibling(cacheDir, cacheFile(cacheDir, v2), detectTree(v2)), false, 'an empty cache folder');
  await indexTree(v1, cacheDir);
  assert.equal(maySeedFromSibling(cacheDir, cacheFile(cacheDir, v2), detectTree(v2)), true, 'a Xen tree next to a Xen cache');
  assert.equal(maySeedFromSibling(cacheDir, cacheFile(cacheDir, v1), detectTree(v1)), false, 'its own cache is no sibling');
  assert.equal(maySeedFromSibling(cacheDir, cacheFile(cacheDir, other), detectTree(other)), false, 'an unknown codebase has none');
  assert.equal(maySeedFromSibling(path.join(base, 'missing'), cacheFile(cacheDir, v2), detectTree(v2)), false, 'no cache folder');
});
