// Scenario actions placed at a point of the run (`at`), run modes (`run`) and their validation, on the event-driven core.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, ModelError, parseScenario, runScenario } from '../../models/src/index';

const DIR = path.join(__dirname, '../../models/scenarios');
const load = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as unknown;

void test('an event sent while the handler runs is caught by the scan under way, with no nested upcall', () => {
  const r = runScenario(allFlows, load('xen-event-while-handler-runs-same-activation'));
  assert.ok(r.passed, r.expectations.map((e) => e.text).join('\n'));
  const ids = r.trace.steps.map((s) => `${s.step}:${s.branch}`);
  // One upcall (bounce frame) for two handler runs.
  assert.equal(ids.filter((s) => s === 'X1.11:bounce').length, 1);
  const handled = ids.flatMap((s, i) => (s === 'X1.18h:handled' ? [i] : []));
  assert.equal(handled.length, 2);
  // Both handler runs come before the upcall returns: the second is taken by the same activation.
  const ret = ids.indexOf('X1.14:return-pv');
  assert.ok(handled[1] < ret, 'second handler run after the upcall returned');
  // The kick's entry check is vCPU0's work: it runs after the scan, not in the middle of the sender's chain.
  const kick = r.trace.steps.findIndex((s, i) => i > handled[0] && s.step === 'X1.9');
  assert.deepEqual(r.trace.steps[kick].handedOff, ['X1.10 → vcpu0']);
  // The sender's set-pending goes on to its pollers; the entry check is vCPU0's, later.
  assert.equal(r.trace.steps[kick + 1].step, 'X1.7');
  assert.equal(r.trace.steps.at(-1)?.step, 'X1.10');
  assert.equal(r.trace.steps.at(-1)?.branch, 'nothing-pending');
});

void test('same scenario, same trace: every built-in scenario, run twice', () => {
  for (const f of fs.readdirSync(DIR).filter((x) => x.endsWith('.json') && !x.endsWith('.schema.json'))) {
    const a = runScenario(allFlows, load(f.replace(/\.json$/, '')));
    const b = runScenario(allFlows, load(f.replace(/\.json$/, '')));
    assert.deepEqual(a.trace, b.trace, f);
  }
});

void test('beforeStep, afterStep and afterTime place an action; an unreached point fails the scenario', () => {
  const base = { name: 'n', title: 't', flow: 'X1' };
  const before = runScenario(allFlows, { ...base, actions: [{ do: 'send' }, { do: 'disable-events', with: { cpu: 0 }, at: { beforeStep: 'X1.10' } }] });
  const i = before.trace.steps.findIndex((s) => s.step === 'action:disable-events');
  assert.equal(before.trace.steps[i + 1].step, 'X1.10');
  assert.equal(before.trace.steps[i + 1].branch, 'masked-by-UM');
  const after = runScenario(allFlows, { ...base, actions: [{ do: 'send' }, { do: 'disable-events', with: { cpu: 0 }, at: { afterStep: 'X1.10' } }] });
  assert.equal(after.trace.steps.find((s) => s.step === 'X1.10')?.branch, 'deliver');
  const timed = runScenario(allFlows, { ...base, actions: [{ do: 'send' }, { do: 'disable-events', with: { cpu: 0 }, at: { afterTime: 3 } }] });
  assert.equal(timed.trace.steps.findIndex((s) => s.step === 'action:disable-events'), 3);
  const never = runScenario(allFlows, { ...base, actions: [{ do: 'send' }, { do: 'send', at: { afterStep: 'X7.5' } }] });
  assert.equal(never.passed, false);
  assert.match(never.expectations[0].text, /actions\[1\]\.at: .*never happened/);
});

void test('run modes: none leaves work queued, context advances one context, untilStep stops at the step', () => {
  const base = { name: 'n', title: 't', flow: 'X1' };
  // Stop the sender at the kick; mask upcalls on vCPU0 before vCPU0 runs its entry check.
  const r = runScenario(allFlows, { ...base, actions: [{ do: 'send', run: { untilStep: 'X1.9' } }, { do: 'disable-events', with: { cpu: 0 } }] });
  assert.equal(r.trace.steps.find((s) => s.step === 'X1.10')?.branch, 'masked-by-UM');
  const one = runScenario(allFlows, { ...base, actions: [{ do: 'send', run: 'none' }, { do: 'disable-events', with: { cpu: 0 } }] });
  assert.equal(one.trace.steps[0].step, 'action:disable-events');
  const ctx = runScenario(allFlows, { ...base, actions: [{ do: 'send', run: { context: 'main', steps: 2 } }, { do: 'disable-events', with: { cpu: 0 } }] });
  assert.deepEqual(ctx.trace.steps.slice(0, 3).map((s) => s.step), ['X1.1', 'X1.2', 'action:disable-events']);
});

void test('validation names the bad field of at, run and on', () => {
  const base = { name: 'n', title: 't', flow: 'X1' };
  const bad: [unknown, string][] = [
    [{ do: 'send', at: { afterStep: 'X1.6', beforeStep: 'X1.7' } }, 'actions[0].at'],
    [{ do: 'send', at: { afterTime: -1 } }, 'actions[0].at.afterTime'],
    [{ do: 'send', at: { whileHandler: 3 } }, 'actions[0].at.whileHandler'],
    [{ do: 'send', run: 'fast' }, 'actions[0].run'],
    [{ do: 'send', run: { context: 'vcpu0', steps: 0 } }, 'actions[0].run.steps'],
    [{ do: 'send', run: 'none', at: { afterStep: 'X1.6' } }, 'actions[0].run'],
    [{ do: 'send', on: 'timer@+3' }, 'actions[0].on'],
    [{ do: 'send', at: { beforeDeferred: '' } }, 'actions[0].at.beforeDeferred'],
  ];
  for (const [action, field] of bad) {
    assert.throws(() => parseScenario({ ...base, actions: [action] }), (e: unknown) => e instanceof ModelError && e.field === field, field);
  }
  assert.throws(() => parseScenario({ ...base, actions: [{ do: 'send' }], maxSteps: 0 }), (e: unknown) => e instanceof ModelError && e.field === 'maxSteps');
});

void test('a second event before the kicked vCPU has run is coalesced: one kick, one handler run', () => {
  const r = runScenario(allFlows, load('xen-second-event-before-vcpu-runs-coalesced'));
  assert.ok(r.passed, r.expectations.map((e) => e.text).join('\n'));
  assert.equal(r.trace.steps.filter((s) => s.step === 'X1.9').length, 1);
  // The second send ran between the kick and vCPU0's entry check, which the synchronous core could not do.
  const kick = r.trace.steps.findIndex((s) => s.step === 'X1.9');
  assert.equal(r.trace.steps[kick + 1].step, 'X1.1');
  assert.equal(r.trace.steps.filter((s) => s.step === 'X1.11').length, 1);
});
