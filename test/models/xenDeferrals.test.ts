// Xen/Linux behaviours that depend on when deferred work runs (issue 9 §1): each scenario's expectations, plus the
// order of the steps that makes the difference, which the synchronous simulator got wrong or could not express.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, runScenario, ScenarioRun } from '../../models/src/index';

const DIR = path.join(__dirname, '../../models/scenarios');
const run = (name: string): ScenarioRun => {
  const r = runScenario(allFlows, JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as unknown);
  assert.ok(r.passed, `${name}:\n${r.expectations.map((e) => `${e.ok ? 'ok' : 'FAIL'} ${e.text}`).join('\n')}`);
  return r;
};
const ids = (r: ScenarioRun): string[] => r.trace.steps.map((s) => `${s.step}:${s.branch}`);

void test('PV 2-level local unmask: no hypercall, the upcall comes at the caller\'s local_irq_restore after the retrigger', () => {
  const r = run('xen-2l-pv-local-unmask-upcall-at-irq-restore');
  const s = ids(r);
  const unmask = s.indexOf('X1.22:local-reraise');
  const retrigger = s.indexOf('X1.24:retrigger');
  const restore = s.indexOf('X1.25:check_events');
  // enable_irq's retrigger runs before the restore; the synchronous model delivered inside the unmask and ran the handler twice.
  assert.ok(unmask < retrigger && retrigger < restore, s.join(' '));
  assert.deepEqual(r.trace.steps[unmask].handedOff, ['X1.25 → vcpu0']);
  assert.equal(r.trace.steps[restore].context, 'vcpu0');
  assert.ok(r.trace.steps[unmask].changes.some((c) => c.path === 'vcpu_info.0.evtchn_upcall_mask' && c.after === 1), 'UM=1 under the caller\'s irqsave');
  // While the caller holds events off, a check on the way back to the guest finds UM=1.
  const held = runScenario(allFlows, { name: 'h', title: 'h', flow: 'X1', actions: [
    { do: 'mask', with: { port: 10 } }, { do: 'send' }, { do: 'unmask', with: { port: 10, cpu: 0 }, run: 'none' }, { do: 'enable-events', with: { cpu: 1 } },
  ] });
  assert.equal(held.trace.steps.filter((t) => t.step === 'X1.25' && t.context === 'vcpu0').length, 1);
});

void test('FIFO: a send after the pop but before the ack re-links the port; the ack covers it and the second entry is dropped', () => {
  const r = run('xen-fifo-send-after-pop-before-ack-relinks');
  const s = ids(r);
  const pop = s.indexOf('X7.9@X1:handle');
  const relink = s.indexOf('X7.5@X1:queued-at-head', pop);
  const ack = s.indexOf('X1.19:acked', pop);
  assert.ok(pop < relink && relink < ack, s.join(' '));
  assert.ok(s.indexOf('X7.9@X1:skip') > ack);
});

void test('GSI callback: a send between the upcall\'s return and the EOI leaves the line asserted; the EOI delivers again', () => {
  const r = run('xen-gsi-callback-send-before-eoi-line-stays');
  const s = ids(r);
  const ret = s.indexOf('X1.14:return-gsi');
  const unchanged = s.indexOf('X6.9@X1:unchanged');
  const redeliver = s.indexOf('X6.13@X1:redeliver');
  assert.ok(ret < unchanged && unchanged < redeliver, s.join(' '));
  assert.equal(s.filter((x) => x === 'X1.18h:handled').length, 2);
});

void test('2007 rebind without masking: an event between bind_vcpu and the mask update is stranded; 6.1 delivers it', () => {
  run('xen-2007-rebind-unmasked-strands-event');
  const raw = JSON.parse(fs.readFileSync(path.join(DIR, 'xen-2007-rebind-unmasked-strands-event.json'), 'utf8')) as { profile?: string; expect?: unknown };
  const modern = runScenario(allFlows, { ...raw, profile: 'xen417-linux61', expect: [] });
  assert.equal(modern.trace.outcome.filter((o) => o.kind === 'delivered').length, 1);
});
