// Fuzz: mutated scenarios through validation and the simulator. A clean rejection is a ModelError naming a field;
// anything else thrown is a crash; over two seconds is a hang; a scenario that validates but whose run has no trace is
// a wrong answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, ModelError, runScenario } from '@irqlens/models';
import { validateScenario } from '../../server/src/engine/scenarios/validateScenario';
import { seeded, type Rng } from '../models/seededRandom';
import { clean, counts, LONG, report } from './fuzzCounts';

const dir = path.join(__dirname, '..', '..', 'models', 'scenarios');

const ODD_VALUES: unknown[] = [null, 0, -1, 1e9, 63, 64, 2.5, '', 'x', true, [], {}, [[[[]]]], { a: 1 }, '__proto__', 'constructor', NaN];

function deep(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { v };
  return v;
}

/** One random change somewhere in the JSON tree: replace, delete or add a value, or nest deep. */
function mutate(rng: Rng, v: unknown, depth = 0): unknown {
  if (typeof v !== 'object' || v === null || depth > 6 || rng.bool(0.25)) {
    const r = rng.int(0, 9);
    if (r === 0) return deep(rng.int(10, 5000));
    if (r < 4 && typeof v === 'number') return v + rng.int(-3, 70);
    return rng.pick(ODD_VALUES);
  }
  const copy: Record<string, unknown> | unknown[] = Array.isArray(v) ? [...v] : { ...(v as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length && !rng.bool(0.15)) {
    const k = rng.pick(keys);
    if (rng.bool(0.1)) delete (copy as Record<string, unknown>)[k];
    else (copy as Record<string, unknown>)[k] = mutate(rng, (copy as Record<string, unknown>)[k], depth + 1);
  } else (copy as Record<string, unknown>)[rng.pick(['extra', 'vcpu.0', 'shared_info', 'count', 'do', '0', 'with'])] = rng.pick(ODD_VALUES);
  return copy;
}

void test('fuzz: mutated scenarios through validation and the simulator', (t) => {
  const c = counts('scenarios');
  const rng = seeded(1203);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'));
  const base = files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as unknown);
  const n = LONG ? 50_000 : 300;
  for (let i = 0; i < n; i++) {
    let raw = rng.pick(base);
    for (let k = rng.int(1, 3); k > 0; k--) raw = mutate(rng, raw);
    // Half the time also through the "set" door, the one that reached model internals.
    if (rng.bool(0.3)) raw = { ...(raw as object), set: { [rng.pick(['shared_info', 'vcpu.0', 'vcpu', 'evtchn.1', 'lapic.0.irr', 'x'])]: rng.pick(ODD_VALUES) } };
    c.tried++;
    const t0 = performance.now();
    try {
      const run = runScenario(allFlows, validateScenario(raw));
      if (!run.trace || !Array.isArray(run.trace.steps)) c.wrong.push(`#${i}: no trace`);
    } catch (e) {
      if (!(e instanceof ModelError) || !/scenario field "|parameter "|state path "|flow |profile/.test(e.message)) {
        c.crashes.push(`#${i}: ${e instanceof Error ? `${e.name}: ${e.message.slice(0, 200)}` : String(e)}`);
      }
    }
    const ms = performance.now() - t0;
    if (ms > 2000) c.hangs.push(`#${i}: ${Math.round(ms)} ms`);
  }
  t.diagnostic(report(c).split('\n')[0]);
  assert.ok(clean(c), report(c));
});
