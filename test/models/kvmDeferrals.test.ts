// KVM work that runs later in the code (issue 9 §1): the in-kernel IO-APIC's eoi_inject delayed work after an EOI storm.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, runScenario } from '../../models/src/index';

const DIR = path.join(__dirname, '../../models/scenarios');

void test('EOI storm: the delayed re-send runs later on the work queue, after the vCPU went back to the guest', () => {
  const r = runScenario(allFlows, JSON.parse(fs.readFileSync(path.join(DIR, 'kvm-ioapic-eoi-storm-delayed-reinject.json'), 'utf8')) as unknown);
  assert.ok(r.passed, r.expectations.map((e) => `${e.ok ? 'ok' : 'FAIL'} ${e.text}`).join('\n'));
  const s = r.trace.steps;
  const storm = s.findIndex((x) => x.step === 'Q3.12' && x.branch === 'storm-delayed');
  const work = s.findIndex((x) => x.step === 'Q3.13');
  assert.deepEqual(s[storm].handedOff, ['Q3.13 → kvm-wq@+10']);
  assert.equal(s[work].context, 'kvm-wq');
  // Between the storm and the work the vCPU re-entered the guest with nothing pending.
  assert.ok(s.slice(storm, work).some((x) => x.step === 'Q3.5e' && x.branch === 'guest-runs'));
  // The line never falls: the delayed work keeps re-sending (a storm with a pause), it is never lost.
  const stuck = runScenario(allFlows, { name: 'x', title: 'x', flow: 'Q3', params: { handler_clears_line: false }, set: { 'ioapic.irq_eoi.10': 9998 }, maxSteps: 400, actions: [{ do: 'raise', with: { pin: 10 } }] });
  assert.ok(stuck.trace.steps.filter((x) => x.step === 'Q3.13').length >= 1);
});
