// Records packed into one buffer keep every array's contents, and stay independent: a re-mapping or sort of one
// record's view (what the index does on merge) touches neither its neighbours nor the arrays it was copied from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyRecord, type FileRecord, remapRecord } from '../../server/src/engine/index/fileRecord';
import { packRecords } from '../../server/src/engine/index/recordArena';

function rec(file: string, n: number): FileRecord {
  return {
    ...emptyRecord(file, 10, 0),
    syms: Int32Array.from({ length: 9 * n }, (_, i) => (i % 9 === 0 ? i % 3 : i + n)),
    calls: Int32Array.from({ length: 4 * n }, (_, i) => (i % 4 < 2 ? i % 3 : i)),
    idents: Int32Array.of(2, 0, 1).subarray(0, Math.min(3, n)),
  };
}

void test('packed records keep their arrays, share one buffer, and change independently', () => {
  const records = [rec('a.c', 2), rec('b.c', 0), rec('c.c', 5)];
  const before = records.map((r) => ({ syms: [...r.syms], calls: [...r.calls], idents: [...r.idents], icalls: r.icalls.length }));
  const originals = records.map((r) => r.syms);
  const arena = packRecords(records);
  assert.equal(arena.byteLength, 4 * before.reduce((a, b) => a + b.syms.length + b.calls.length + b.idents.length, 0));
  records.forEach((r, i) => {
    assert.deepEqual([...r.syms], before[i].syms);
    assert.deepEqual([...r.calls], before[i].calls);
    assert.deepEqual([...r.idents], before[i].idents);
    assert.equal(r.icalls.length, before[i].icalls);
    for (const a of [r.syms, r.calls, r.icalls, r.binds, r.fieldTypes, r.aliases, r.idents]) assert.equal(a.buffer, arena);
  });
  // Re-mapping the first record (ids 0,1,2 → 12,11,10) changes its string ids, not its identifier hashes, and leaves
  // the others as they were.
  remapRecord(records[0], Int32Array.of(12, 11, 10));
  assert.deepEqual([...records[0].syms].filter((_, i) => i % 9 === 0), [12, 12]);
  assert.deepEqual([...records[0].idents], before[0].idents);
  assert.deepEqual([...records[2].syms], before[2].syms);
  assert.deepEqual([...records[2].idents], before[2].idents);
  assert.deepEqual([...originals[0]], before[0].syms, 'the source arrays are copied, not moved');
});
