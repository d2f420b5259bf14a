// The benchmark's repeated timings (repeats.ts): the row kept is one real run (its CPU and RSS belong to the same run as
// its wall time), the median by wall time, and only short trees are timed more than once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { medianRow, medianRun, REPEAT_BELOW_S, roundsFor } from './repeats';

const run = (wallS: number, cpuS: number) => ({ wallS, cpuS });

void test('the median run is a whole run, chosen by wall time, with the extremes', () => {
  const m = medianRun([run(1.94, 3.36), run(1.4, 2.54), run(1.45, 2.6)]);
  assert.deepEqual(m.median, run(1.45, 2.6));
  assert.equal(m.runs, 3);
  assert.equal(m.wallMinS, 1.4);
  assert.equal(m.wallMaxS, 1.94);
});

void test('of an even count the lower middle run; of one run that run', () => {
  assert.deepEqual(medianRun([run(4, 1), run(1, 2), run(3, 3), run(2, 4)]).median, run(2, 4));
  const one = medianRun([run(7, 9)]);
  assert.deepEqual([one.median, one.runs, one.wallMinS, one.wallMaxS], [run(7, 9), 1, 7, 7]);
  assert.throws(() => medianRun([]), /no runs/);
});

void test('only a tree whose first round was short is repeated', () => {
  assert.equal(roundsFor([0.4, 0.4, 1.4, 0.2], 3), 3);
  assert.equal(roundsFor([29, 49, 45, 2.5], 3), 1);
  assert.equal(roundsFor([REPEAT_BELOW_S - 0.01], 5), 5);
  assert.equal(roundsFor([REPEAT_BELOW_S], 5), 1);
  assert.equal(roundsFor([0.4], 1), 1);
  assert.equal(roundsFor([], 3), 1);
});

void test('a row timed once is that run alone; a row timed more carries its count and range', () => {
  assert.deepEqual(medianRow([run(7, 9)]), run(7, 9));
  assert.deepEqual(medianRow([run(1.94, 3.36), run(1.4, 2.54), run(1.45, 2.6)]), { ...run(1.45, 2.6), runs: 3, wallMinS: 1.4, wallMaxS: 1.94 });
});
