// A few files to parse whose bytes the content store holds (a branch switched back) are taken from it on the main
// thread, before any worker starts: the record must be the one a parse gives, and when every such file is found no
// worker runs at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContentStore, packsDir } from '../../server/src/engine/index/contentStore';
import { loadStoreTable } from '../../server/src/engine/index/storeTable';
import { extractFile, recordInStore } from '../../server/src/engine/index/fileExtract';
import type { FileRecord } from '../../server/src/engine/index/fileRecord';
import { driverFile, indexTree, writeDriverTree } from '../support/indexSnapshot';
import { recordTuples } from './recordTuples';

const N = 20;

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-lookup-'));
}

/** A record's meaning with its own strings resolved (stat fields left out: they differ between two reads). */
function meaning(r: FileRecord): unknown {
  return { file: r.file, size: r.size, hash: r.hash, problem: r.problem, tuples: recordTuples(r), idents: Array.from(r.idents) };
}

void test('a record looked up on the main thread equals the record a parse gives', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const tree = path.join(base, 'tree');
  writeDriverTree(tree, N);
  await indexTree(tree, cacheDir);
  const store = new ContentStore(packsDir(cacheDir), loadStoreTable(packsDir(cacheDir)));
  for (const rel of ['common.h', 'drv0.c', 'drv7.c']) {
    const found = recordInStore(tree, rel, store);
    assert.ok(found, `${rel} is in the store`);
    assert.deepEqual(meaning(found), meaning(extractFile(tree, rel)));
    assert.equal(found.ino, fs.statSync(path.join(tree, rel)).ino, 'the record carries the file\'s stat');
  }
  // Bytes never extracted, a missing file and a folder are no hits: a worker reads and reports them.
  fs.writeFileSync(path.join(tree, 'new.c'), 'int fresh(void) { return 0; }\n');
  fs.mkdirSync(path.join(tree, 'dir.c'));
  assert.equal(recordInStore(tree, 'new.c', store), undefined);
  assert.equal(recordInStore(tree, 'gone.c', store), undefined);
  assert.equal(recordInStore(tree, 'dir.c', store), undefined);
  store.flush();
});

void test('files switched back to contents the store holds are indexed without a worker, exactly', async () => {
  const base = scratch();
  const cacheDir = path.join(base, 'cache');
  const tree = path.join(base, 'tree');
  writeDriverTree(tree, N);
  const first = await indexTree(tree, cacheDir);
  for (const i of [4, 11]) fs.writeFileSync(path.join(tree, `drv${i}.c`), driverFile(i, N, 1));
  const other = await indexTree(tree, cacheDir);
  assert.equal(other.stats.profile?.workers.files, 2, 'new contents are parsed');
  // Back to the first contents (new inodes and times): both come from the store, on the main thread.
  for (const i of [4, 11]) fs.writeFileSync(path.join(tree, `drv${i}.c`), driverFile(i, N, 0));
  const back = await indexTree(tree, cacheDir);
  assert.equal(back.stats.fromStore, 2);
  assert.equal(back.stats.profile?.workers.files, 0, 'nothing parsed');
  assert.equal(back.stats.profile?.workers.reused, 0, 'no worker looked anything up');
  assert.deepEqual(back.snap, first.snap);
  assert.deepEqual(back.snap, (await indexTree(tree, undefined)).snap);
  // One back, one new: the new one goes to a worker, the other is still found here.
  fs.writeFileSync(path.join(tree, 'drv4.c'), driverFile(4, N, 1));
  fs.writeFileSync(path.join(tree, 'drv11.c'), driverFile(11, N, 2));
  const mixed = await indexTree(tree, cacheDir);
  assert.equal(mixed.stats.fromStore, 1);
  assert.equal(mixed.stats.profile?.workers.files, 1);
  assert.deepEqual(mixed.snap, (await indexTree(tree, undefined)).snap);
});
