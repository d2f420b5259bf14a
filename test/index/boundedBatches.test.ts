// Memory bounds of a cold build: batches bounded by source bytes as well as by count, and content-store packs written
// by a worker before its batch ends once its new entries grow large. Neither may change a record: the bounded batches
// give the records of one batch per file, and every entry of a batch written as several packs is found exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planBatches } from '../../server/src/engine/index/batchPlan';
import { ContentStore, contentKey } from '../../server/src/engine/index/contentStore';
import { loadStoreTable } from '../../server/src/engine/index/storeTable';
import { emptyRecord, type FileRecord, mapRecordIds } from '../../server/src/engine/index/fileRecord';
import { ParsePool } from '../../server/src/engine/index/parsePool';
import { TreeIndex } from '../../server/src/engine/index/treeIndex';
import { detectTree } from '../../server/src/engine/index/treeInfo';
import { writeDriverTree } from '../support/indexSnapshot';

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'irqlens-bounded-'));
}

void test('batches cover every file once, in order, within the count and (past a first large file) the byte limit', () => {
  const sizes = [9_000, 5_000, 3_000, 3_000, 1_000, 1_000, 1_000, 1_000, 1_000, 10, 10, 10, 10, 10];
  const batches = planBatches(sizes, 4, 4_000);
  assert.deepEqual(
    batches.map((b) => [b.start, b.end]),
    [[0, 1], [1, 2], [2, 3], [3, 5], [5, 9], [9, 13], [13, 14]],
  );
  for (const b of batches) {
    const bytes = sizes.slice(b.start, b.end).reduce((a, s) => a + s, 0);
    assert.ok(b.end - b.start <= 4);
    assert.ok(b.end - b.start === 1 || bytes <= 4_000, `batch ${b.start}..${b.end} holds ${bytes} bytes`);
  }
  assert.deepEqual(planBatches([], 64, 1), []);
  // Unknown sizes (all 0): the count alone.
  assert.deepEqual(planBatches(new Array(10).fill(0), 4, 1).map((b) => b.end - b.start), [4, 4, 2]);
});

/** The records of a pool run, merged as a build merges them, as one comparable value (strings numbered by first use). */
async function poolRecords(pool: ParsePool, root: string, files: string[], sizes?: number[]): Promise<{ value: unknown; batches: number }> {
  const tree = new TreeIndex(detectTree(root));
  let batches = 0;
  await pool.run(
    root,
    files,
    (records, strings) => {
      batches++;
      for (const r of records) tree.setRecord(r, strings);
    },
    undefined,
    undefined,
    sizes,
  );
  const records = tree.liveRecords().sort((a, b) => a.file.localeCompare(b.file));
  return { value: records.map((r) => resolved(r, tree.strings)), batches };
}

/** A record with every string id replaced by its string (ids differ with the merge order; the strings may not). */
function resolved(r: FileRecord, strings: readonly string[]): unknown {
  const tag = Int32Array.from(strings, (_, i) => -i - 2);
  const c: FileRecord = { ...r, syms: r.syms.slice(), calls: r.calls.slice(), icalls: r.icalls.slice(), binds: r.binds.slice(), fieldTypes: r.fieldTypes.slice(), aliases: r.aliases.slice(), idents: r.idents.slice() };
  mapRecordIds(c, tag);
  const named = (a: Int32Array) => Array.from(a, (v) => (v <= -2 ? strings[-v - 2] : v));
  return {
    file: c.file,
    size: c.size,
    hash: c.hash,
    problem: c.problem,
    syms: named(c.syms),
    calls: named(c.calls),
    icalls: named(c.icalls),
    binds: named(c.binds),
    fieldTypes: named(c.fieldTypes),
    aliases: named(c.aliases),
    idents: Array.from(c.idents),
  };
}

void test('records from byte-bounded batches equal those of count-only batches', async () => {
  const root = scratch();
  // 65 files: batches of 5 by count with two workers.
  writeDriverTree(root, 60);
  // Large files: with their sizes the pool cuts them into batches of their own.
  const big = (i: number) => Array.from({ length: 60_000 }, (_, k) => `#define BIG${i}_REG_${k} 0x${k.toString(16)}\n`).join('') + `int big${i}_fn(void) { return common_count(${i}); }\n`;
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(root, `big${i}.h`), big(i));
  const files = fs.readdirSync(root).sort();
  const sizes = files.map((f) => fs.statSync(path.join(root, f)).size);
  assert.ok(sizes.reduce((a, s) => a + s, 0) > 4 * 1024 * 1024, 'the fixture exceeds one batch of bytes');
  const pool = new ParsePool(2);
  try {
    const counted = await poolRecords(pool, root, files);
    const bounded = await poolRecords(pool, root, files, sizes);
    assert.ok(bounded.batches > counted.batches, `sizes cut more batches (${bounded.batches} vs ${counted.batches})`);
    assert.deepEqual(bounded.value, counted.value);
  } finally {
    await pool.dispose();
  }
});

void test('a batch whose new entries exceed the pack size is written as several packs, every entry found exactly', () => {
  const dir = path.join(scratch(), 'packs');
  const store = new ContentStore(dir, undefined);
  const entries = Array.from({ length: 6 }, (_, i) => {
    const key = contentKey(Buffer.from(`file ${i}`)).key;
    // About 3 MB serialised each: 8 MB of pending entries are written as a pack before the batch ends.
    const strings = [`name${i}`, 'x'.repeat(3_000_000 + i)];
    const syms = Int32Array.from({ length: 9 * 1000 }, (_, k) => (k % 9 === 0 ? k % 2 : k));
    store.add(key, { ...emptyRecord(`f${i}.c`, 10, 0), strings, syms, idents: Int32Array.of(0, 1) });
    return { key, strings, syms };
  });
  assert.ok(fs.readdirSync(dir).filter((f) => f.endsWith('.pack')).length >= 1, 'a pack is written before flush');
  assert.equal(store.flush(), entries.length, 'flush counts every entry the batch wrote');
  const packs = fs.readdirSync(dir).filter((f) => f.endsWith('.pack'));
  assert.ok(packs.length >= 2, `several packs (${packs.length})`);
  assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.tmp')));
  const reader = new ContentStore(dir, loadStoreTable(dir));
  for (const e of entries) {
    const got = reader.get(e.key);
    assert.ok(got, 'entry found');
    assert.deepEqual(got.strings, e.strings);
    assert.deepEqual([...got.syms], [...e.syms]);
    assert.deepEqual([...got.idents], [0, 1]);
  }
});
