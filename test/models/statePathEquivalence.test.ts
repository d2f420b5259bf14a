// The state diff and copy were rewritten to walk values instead of writing JSON text (statePath.ts). On seeded random
// pairs of values — nested structures and lists, bit sets, logs, undefined, null, NaN, −0, keys in other orders — and on
// every built-in scenario's final state, they must give exactly what the old ones gave (legacyStatePath.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, deepClone, diffStates, runScenario } from '../../models/src/index';
import { legacyDeepClone, legacyDiffStates } from './legacyStatePath';
import { Rng, seeded } from './seededRandom';

const PLAIN = [0, 1, 2, -0, NaN, Infinity, null, undefined, 'a', 'b', 'null', true, false];

function value(rng: Rng, depth: number): unknown {
  const kind = depth > 3 ? 0 : rng.int(0, 5);
  if (kind <= 1) return rng.pick(PLAIN);
  if (kind === 2) return Array.from({ length: rng.int(0, 6) }, () => rng.pick(PLAIN.filter((x) => typeof x === 'number' || x === null || x === undefined)));
  if (kind === 3) return Array.from({ length: rng.int(0, 4) }, () => value(rng, depth + 1));
  // A long plain list (a log) now and then.
  if (kind === 4 && rng.bool(0.3)) return Array.from({ length: rng.int(14, 20) }, (_, i) => i);
  const o: Record<string, unknown> = {};
  for (const k of ['x', 'y', '3', 'z', '10'].filter(() => rng.bool(0.6))) o[k] = value(rng, depth + 1);
  return o;
}

/** A copy of `v` with a few random edits: values replaced, keys added, removed or reordered, list items pushed. */
function edited(rng: Rng, v: unknown, depth: number): unknown {
  if (rng.bool(0.15)) return value(rng, depth);
  if (Array.isArray(v)) {
    const out = v.map((x) => (rng.bool(0.3) ? edited(rng, x, depth + 1) : x));
    if (rng.bool(0.2)) out.push(rng.pick(PLAIN));
    if (rng.bool(0.1)) out.push(rng.pick(PLAIN));
    return out;
  }
  if (typeof v === 'object' && v !== null) {
    let keys = Object.keys(v);
    if (rng.bool(0.2)) keys = keys.reverse();
    const out: Record<string, unknown> = {};
    for (const k of keys) if (!rng.bool(0.1)) out[k] = rng.bool(0.3) ? edited(rng, (v as Record<string, unknown>)[k], depth + 1) : (v as Record<string, unknown>)[k];
    if (rng.bool(0.2)) out.w = value(rng, depth + 1);
    return out;
  }
  return v;
}

void test('diffStates and deepClone equal the old JSON-text ones on random values', () => {
  let changes = 0;
  for (let seed = 1; seed <= 3000; seed++) {
    const rng = seeded(seed);
    const a = value(rng, 0);
    const b = edited(rng, a, 0);
    const prefix = rng.bool() ? 'root' : '';
    const want = legacyDiffStates(a, b, prefix);
    assert.deepStrictEqual(diffStates(a, b, prefix), want, `seed ${seed}`);
    assert.deepStrictEqual(deepClone(a), legacyDeepClone(a), `seed ${seed} copy`);
    assert.deepStrictEqual(deepClone(b), legacyDeepClone(b), `seed ${seed} copy`);
    changes += want.length;
  }
  assert.ok(changes > 1000, `only ${changes} changes compared`);
});

void test('the edge cases JSON text decides: undefined against null in a list of structures, −0, key order', () => {
  const cases: [unknown, unknown][] = [
    [[{}, undefined], [{}, null]],
    [[{ a: 1 }, undefined], [{ a: 2 }, null]],
    [{ k: [{}, undefined] }, { k: [{}, null] }],
    [{ a: undefined }, {}],
    [{ a: undefined }, { a: null }],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }],
    [{ a: NaN }, { a: null }],
    [{ a: -0 }, { a: 0 }],
    [[1, undefined, 3], [1, null, 3]],
    [undefined, null],
    [{ f: () => 1 }, {}],
  ];
  for (const [a, b] of cases) {
    assert.deepStrictEqual(diffStates(a, b, 'p'), legacyDiffStates(a, b, 'p'), JSON.stringify([a, b]));
    assert.deepStrictEqual(diffStates(b, a, ''), legacyDiffStates(b, a, ''), JSON.stringify([b, a]));
    assert.deepStrictEqual(deepClone(a), legacyDeepClone(a));
  }
  // Not plain data: the copy is still the JSON round trip.
  const odd = { d: new Date(0), m: new Map([[1, 2]]), ['__proto__']: { x: 1 } };
  assert.deepStrictEqual(deepClone(odd), legacyDeepClone(odd));
  const parsed = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown;
  assert.deepStrictEqual(deepClone(parsed), legacyDeepClone(parsed));
});

void test('every built-in scenario: the diff from the initial to the final state, and the final state copy, as before', () => {
  const dir = path.join(__dirname, '../../models/scenarios');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'));
  for (const f of files) {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { flow: string; profile?: string; params?: Record<string, unknown> };
    const r = runScenario(allFlows, raw);
    const flow = allFlows.find((x) => x.id === raw.flow)!;
    const start = flow.initialState(r.trace.profile, r.trace.params);
    assert.deepStrictEqual(diffStates(start, r.trace.finalState), legacyDiffStates(start, r.trace.finalState), f);
    assert.deepStrictEqual(deepClone(r.trace.finalState), legacyDeepClone(r.trace.finalState), f);
  }
});

void test('logs: a long list of plain values that grew at its end, with holes, NaN and null items', () => {
  const base = Array.from({ length: 18 }, (_, i) => i);
  const holey = [1, , 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17] as unknown[];
  const cases: [unknown[], unknown[]][] = [
    [base, [...base, 18]],
    [base, [...base, 18, 19]],
    [base, [...base, 18, 19, 20]],
    [[...base.slice(0, 17), NaN], [...base.slice(0, 17), null, 5]],
    [[...base.slice(0, 17), undefined], [...base.slice(0, 17), null, 5]],
    [holey, [...holey.map((x) => x ?? 2), 18]],
    [base, [...base.slice(0, 17), 99, 18]],
  ];
  for (const [a, b] of cases) assert.deepStrictEqual(diffStates({ log: a }, { log: b }), legacyDiffStates({ log: a }, { log: b }), JSON.stringify([a, b]));
});
