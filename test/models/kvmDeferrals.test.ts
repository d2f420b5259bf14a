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

void test('posted interrupts: the notification is processed by the target later; a post before that sends no second IPI', () => {
  const r = runScenario(allFlows, JSON.parse(fs.readFileSync(path.join(DIR, 'kvm-posted-second-post-before-notification-processed.json'), 'utf8')) as unknown);
  assert.ok(r.passed, r.expectations.map((e) => `${e.ok ? 'ok' : 'FAIL'} ${e.text}`).join('\n'));
  const s = r.trace.steps;
  assert.equal(s.filter((x) => x.step === 'Q4.2').length, 1);
  const ipi = s.findIndex((x) => x.step === 'Q4.2');
  const second = s.findIndex((x) => x.step === 'Q4.1' && x.branch === 'on-already-set');
  const processed = s.findIndex((x) => x.step === 'Q4.3');
  assert.ok(ipi < second && second < processed);
  assert.equal(s[processed].context, 'vcpu1');
  // Both vectors were in the PIR when the one notification was processed.
  assert.deepEqual(s[processed].changes.find((c) => c.path === 'vcpus.1.pi_desc.pir')?.before, [65, 97]);
});
