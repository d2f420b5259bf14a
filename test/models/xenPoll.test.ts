// SCHEDOP_poll as xen/common/sched/core.c do_poll does it: a pending port (or events needing delivery) returns at
// once without blocking, a bad port is -EINVAL, otherwise the vCPU blocks with an optional poll timer, and
// poll_timer_fn wakes it only while it is still polling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFlows, runScenario, ScenarioAction } from '@irqlens/models';

function run(actions: ScenarioAction[], set: Record<string, unknown> = {}, params: Record<string, string | number | boolean> = {}) {
  return runScenario(allFlows, { name: 't', title: 't', flow: 'X1', params, set, actions });
}
const branchOf = (r: ReturnType<typeof run>, step: string): string[] => r.trace.steps.filter((s) => s.step === step).map((s) => s.branch);
const vcpu1 = (r: ReturnType<typeof run>) => (r.trace.finalState as { vcpu: { blocked: boolean; poll_evtchn: number; poll_timer: number }[] }).vcpu[1];

void test('2-level: polling a port already pending returns at once, the vCPU never blocks, no timer is armed', () => {
  const r = run([{ do: 'poll', with: { vcpu: 1, port: 10, timeout: 100 } }], { 'shared_info.evtchn_pending': [10], 'shared_info.evtchn_mask': [10] });
  assert.deepEqual(branchOf(r, 'X1.p1'), ['already-pending']);
  assert.deepEqual(vcpu1(r), { ...vcpu1(r), blocked: false, poll_evtchn: -1, poll_timer: 0 });
  assert.equal(r.trace.steps[0].changes.length, 0, 'no state change at all');
});

void test('FIFO: the event word\'s PENDING bit is what evtchn_port_poll reads', () => {
  const pending = run([{ do: 'poll', with: { vcpu: 1, port: 10 } }], { 'fifo.event_word.10': { PENDING: 1, MASKED: 1, LINKED: 0, BUSY: 0, LINK: 0 } }, { abi: 'fifo' });
  assert.deepEqual(branchOf(pending, 'X1.p1'), ['already-pending']);
  const idle = run([{ do: 'poll', with: { vcpu: 1, port: 10 } }], {}, { abi: 'fifo' });
  assert.deepEqual(branchOf(idle, 'X1.p1'), ['blocks']);
  assert.equal(vcpu1(idle).blocked, true);
});

void test('a port that is not pending blocks the vCPU; the timeout arms the poll timer', () => {
  const r = run([{ do: 'poll', with: { vcpu: 1, port: 10, timeout: 7 } }]);
  assert.deepEqual(branchOf(r, 'X1.p1'), ['blocks']);
  assert.equal(vcpu1(r).blocked, true);
  assert.equal(vcpu1(r).poll_evtchn, 10);
  assert.equal(vcpu1(r).poll_timer, 7);
});

void test('an unallocated port is -EINVAL and the vCPU does not block', () => {
  const r = run([{ do: 'poll', with: { vcpu: 1, port: 300 } }]);
  assert.deepEqual(branchOf(r, 'X1.p1'), ['einval']);
  assert.equal(vcpu1(r).blocked, false);
  assert.ok(r.trace.outcome.some((o) => o.kind === 'error' && /EINVAL/.test(o.detail)));
});

void test('PV: an upcall already pending and unmasked makes SCHEDOP_poll return at once (local_events_need_delivery)', () => {
  const r = run([{ do: 'poll', with: { vcpu: 1, port: 10 } }], { 'vcpu_info.1.evtchn_upcall_pending': 1 });
  assert.deepEqual(branchOf(r, 'X1.p1'), ['events-need-delivery']);
  const masked = run([{ do: 'poll', with: { vcpu: 1, port: 10 } }], { 'vcpu_info.1.evtchn_upcall_pending': 1, 'vcpu_info.1.evtchn_upcall_mask': 1 });
  assert.deepEqual(branchOf(masked, 'X1.p1'), ['blocks']);
});

void test('poll_timer_fn wakes a still-polling vCPU once, through vcpu_unblock; a second expiry or an unarmed timer does nothing', () => {
  const r = run([{ do: 'poll', with: { vcpu: 1, port: 10, timeout: 7 } }, { do: 'poll-timer-fires', with: { vcpu: 1 } }, { do: 'poll-timer-fires', with: { vcpu: 1 } }]);
  assert.deepEqual(branchOf(r, 'X1.p2'), ['timeout-wakes', 'not-armed']);
  assert.deepEqual(r.trace.outcome.filter((o) => o.kind === 'woken').map((o) => [o.target, o.handler]), [['vcpu1', 'vcpu_unblock']]);
  assert.equal(vcpu1(r).blocked, false);
});

void test('without a timeout the poll timer never fires', () => {
  const r = run([{ do: 'poll', with: { vcpu: 1, port: 10 } }, { do: 'poll-timer-fires', with: { vcpu: 1 } }]);
  assert.deepEqual(branchOf(r, 'X1.p2'), ['not-armed']);
  assert.equal(vcpu1(r).blocked, true);
});

void test('a blocked vCPU cannot issue SCHEDOP_poll: a clear error, not a trace', () => {
  assert.throws(() => run([{ do: 'block', with: { vcpu: 1 } }, { do: 'poll', with: { vcpu: 1, port: 10 } }]), /vCPU 1 is blocked/);
});
