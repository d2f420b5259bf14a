// QEMU's APIC timer with the expiry as deferred work (issue 9 §1): apic_timer delivers, then calls
// apic_timer_update(s, s->next_time) on the main loop before the vCPU takes the interrupt; an LVTT write in between
// runs apic_timer_update(now), so a masked LVTT deletes the timer and the armed callback never fires.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, runScenario, ScenarioRun, simulate } from '../../models/src/index';

const DIR = path.join(__dirname, '../../models/scenarios');
const run = (name: string): ScenarioRun => {
  const r = runScenario(allFlows, JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as unknown);
  assert.ok(r.passed, `${name}:\n${r.expectations.map((e) => `${e.ok ? 'ok' : 'FAIL'} ${e.text}`).join('\n')}`);
  return r;
};

void test('one-shot: apic_timer_update(next_time) right after delivery deletes the timer (timer_expiry = -1)', () => {
  const r = run('qemu-apic-timer-oneshot-expired-deleted');
  const s = r.trace.steps.map((x) => `${x.step}:${x.branch}`);
  // The update runs on the main loop right after the local delivery, before the vCPU takes the vector.
  assert.deepEqual(s.slice(s.indexOf('Q2.4:fixed'), s.indexOf('Q2.4:fixed') + 3), ['Q2.4:fixed', 'Q2.2:timer-del', 'Q2.5:taken']);
  assert.equal(r.trace.steps.find((x) => x.step === 'Q2.5')?.context, 'vcpu0');
  assert.equal(r.trace.steps.find((x) => x.step === 'Q2.3')?.context, 'qemu-main');
});

void test('LVTT masked between arming and expiry: the write deletes the timer, the callback never fires', () => {
  const r = run('qemu-apic-timer-lvtt-masked-before-expiry');
  assert.equal(r.trace.steps.filter((x) => x.step === 'Q2.4').length, 0);
  assert.equal(r.trace.outcome.filter((o) => o.kind === 'delivered').length, 0);
});

void test('periodic: each expiry re-arms before the guest takes the vector; the next expiry comes after the EOI', () => {
  const t = simulate(allFlows.find((f) => f.id === 'Q2')!, { params: { lvtt: 0xec | 0x20000, ticks: 3 } });
  const s = t.steps.map((x) => `${x.step}:${x.branch}`);
  assert.equal(s.filter((x) => x === 'Q2.5:taken').length, 3);
  for (let i = s.indexOf('Q2.4:fixed'); i >= 0; i = s.indexOf('Q2.4:fixed', i + 1)) assert.match(s[i + 1], /^Q2\.2:armed/);
  assert.ok(s.indexOf('Q2.6:periodic') < s.indexOf('Q2.3:expired', s.indexOf('Q2.6:periodic')));
});
