// The map between the text tree-sitter parses (the file with bodies left out) and the file: both directions agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetMap } from '../../server/src/engine/index/offsetMap';

void test('offsets map from the short text to the original and back to the first kept character', () => {
  // Original 0..100; kept: [0, 10), [20, 30), [30, 35) (contiguous, one piece), [50, 60).
  const m = new OffsetMap();
  m.add(0, 10);
  m.add(20, 30);
  m.add(30, 35);
  m.add(50, 60);
  // Short text: [0,10) ← 0..9, [10,25) ← 20..34, [25,35) ← 50..59.
  assert.deepEqual([0, 9, 10, 24, 25, 34].map((a) => m.start(a)), [0, 9, 20, 34, 50, 59]);
  assert.equal(m.end(10), 10);
  // Kept characters map back to themselves; a left-out one to the next kept one; past the last, the length.
  for (const a of [0, 9, 10, 24, 25, 34]) assert.equal(m.toShort(m.start(a)), a);
  assert.equal(m.toShort(12), 10);
  assert.equal(m.toShort(35), 25);
  assert.equal(m.toShort(49), 25);
  assert.equal(m.toShort(60), 35);
  assert.equal(m.toShort(99), 35);
});

void test('a map of one piece at an offset, and an empty map, which is the identity', () => {
  const m = new OffsetMap();
  m.add(5, 15);
  assert.equal(m.toShort(0), 0);
  assert.equal(m.toShort(7), 2);
  assert.equal(new OffsetMap().toShort(42), 42);
});
