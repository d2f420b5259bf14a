// Scenario tests of the Xen flows X1–X7, each written from a rule (XR…), plus every built-in
// xen-*.json scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, runScenario, simulate, Scenario, ScenarioAction, Trace } from '@irqlens/models';
import type { XenDomainState } from '../../models/src/components/xenDomain';
import { xenFlows } from '../../models/src/flows/xen/index';

const dir = path.join(__dirname, '..', '..', 'models', 'scenarios');

function run(s: Omit<Scenario, 'name' | 'title'> & { name?: string }): { trace: Trace; state: XenDomainState } {
  const r = runScenario(allFlows, { name: s.name ?? 'inline', title: 'inline', ...s });
  assert.equal(r.trace.truncated, false, 'run ended');
  return { trace: r.trace, state: r.trace.finalState as XenDomainState };
}
const branches = (t: Trace, step: string): string[] => t.steps.filter((s) => s.step === step).map((s) => s.branch);
const delivered = (t: Trace) => t.outcome.filter((o) => o.kind === 'delivered');

void test('every built-in xen-*.json scenario passes', () => {
  const files = fs.readdirSync(dir).filter((f) => f.startsWith('xen-') && f.endsWith('.json'));
  assert.ok(files.length >= 20, `found ${files.length} Xen scenarios`);
  for (const f of files) {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    const r = runScenario(allFlows, raw);
    assert.ok(r.passed, `${f}: ${r.expectations.filter((e) => !e.ok).map((e) => e.text).join('; ')}`);
  }
});

void test('the required Xen scenarios exist', () => {
  for (const n of ['xen-gsi-callback-only-vcpu0', 'xen-pvhvm-vector-callback-gain', 'xen-event-while-masked-then-unmask']) {
    assert.ok(fs.existsSync(path.join(dir, `${n}.json`)), n);
  }
});

void test('XR2/XR3: an interdomain send pends the remote port on its notify_vcpu_id', () => {
  const { trace, state } = run({ flow: 'X1', set: { 'evtchn.10.notify_vcpu_id': 1, 'linux.irq_info.40.cpu': 1, 'linux.cpu_evtchn_mask.0': [1, 11], 'linux.cpu_evtchn_mask.1': [2, 10] }, actions: [{ do: 'send' }] });
  assert.deepEqual(branches(trace, 'X1.4'), ['interdomain']);
  assert.equal(delivered(trace)[0].target, 'vcpu1');
  assert.deepEqual(state.vcpu_info[0].evtchn_pending_sel, []);
});

void test('XR2: a send on an ECS_UNBOUND peer port is dropped silently', () => {
  const { trace } = run({ flow: 'X1', set: { 'peer_evtchn.7.state': 'ECS_UNBOUND' }, actions: [{ do: 'send' }] });
  assert.deepEqual(branches(trace, 'X1.4'), ['unbound']);
  assert.equal(trace.outcome.filter((o) => o.kind === 'dropped').length, 1);
  assert.equal(delivered(trace).length, 0);
});

void test('XR8: a second send while pending changes nothing (one handler run)', () => {
  const { trace } = run({ flow: 'X1', actions: [{ do: 'disable-events', with: { cpu: 0 } }, { do: 'send' }, { do: 'send' }, { do: 'enable-events', with: { cpu: 0 } }] });
  assert.deepEqual(branches(trace, 'X1.6'), ['sel-newly-set', 'already-pending']);
  assert.equal(delivered(trace).length, 1);
});

void test('XR9: a masked port latches P only — no selector, no upcall', () => {
  const { trace, state } = run({ flow: 'X1', actions: [{ do: 'mask', with: { port: 10 } }, { do: 'send' }] });
  assert.deepEqual(branches(trace, 'X1.6'), ['masked']);
  assert.deepEqual(state.shared_info.evtchn_pending, [10]);
  assert.deepEqual(state.vcpu_info[0].evtchn_pending_sel, []);
  assert.equal(state.vcpu_info[0].evtchn_upcall_pending, 0);
});

void test('XR10: a second port in an already-selected word does not call vcpu_mark_events_pending', () => {
  const { trace } = run({ flow: 'X1', actions: [{ do: 'disable-events', with: { cpu: 0 } }, { do: 'send', with: { lport: 7 } }, { do: 'send', with: { lport: 8 } }] });
  assert.deepEqual(branches(trace, 'X1.6'), ['sel-newly-set', 'sel-already-set']);
  assert.equal(branches(trace, 'X1.8').length, 1);
});

void test('XR11/XR24 case 1: an unmask from a non-owning CPU goes through EVTCHNOP_unmask and re-raises on notify_vcpu_id', () => {
  const { trace } = run({ flow: 'X1', actions: [{ do: 'mask', with: { port: 10 } }, { do: 'send' }, { do: 'unmask', with: { port: 10, cpu: 1 } }] });
  assert.deepEqual(branches(trace, 'X1.22'), ['non-local']);
  assert.deepEqual(branches(trace, 'X1.23'), ['re-raise']);
  assert.equal(delivered(trace)[0].target, 'vcpu0');
});

void test('XR14/XR15: UM=1 holds the upcall until events are re-enabled', () => {
  const { trace } = run({ flow: 'X1', actions: [{ do: 'disable-events', with: { cpu: 0 } }, { do: 'send' }, { do: 'enable-events', with: { cpu: 0 } }] });
  assert.ok(branches(trace, 'X1.10').includes('masked-by-UM'));
  assert.deepEqual(branches(trace, 'X1.25'), ['check_events']);
  assert.equal(delivered(trace).length, 1);
});

void test('XR16: an HVM vCPU ignores evtchn_upcall_mask', () => {
  const { trace } = run({ flow: 'X1', params: { guest: 'hvm', callback: 'percpu-vector' }, set: { 'vcpu_info.0.evtchn_upcall_mask': 1 }, actions: [{ do: 'send' }] });
  assert.equal(delivered(trace).length, 1);
  const gsi = run({ flow: 'X1', params: { guest: 'hvm', callback: 'gsi' }, set: { 'vcpu_info.0.evtchn_upcall_mask': 1 }, actions: [{ do: 'send' }] });
  assert.equal(delivered(gsi.trace).length, 1);
});

void test('XR17/XR18c: on a GSI callback an event for vCPU1 interrupts nobody; vCPU0 drives the line', () => {
  const { trace, state } = run({ flow: 'X6', params: { callback: 'gsi' }, actions: [{ do: 'raise', with: { port: 2 } }] });
  assert.deepEqual(branches(trace, 'X6.8'), ['nothing']);
  assert.equal(state.vcpu_info[1].evtchn_upcall_pending, 1);
  assert.equal(delivered(trace).length, 0);
  assert.equal(state.hvm_irq.callback_via_asserted, false);
});

void test('XR18: the global callback vector never touches the vLAPIC and needs no EOI', () => {
  const { trace, state } = run({ flow: 'X6', params: { callback: 'vector' }, actions: [{ do: 'raise', with: { port: 10 } }] });
  assert.ok(branches(trace, 'X6.14').includes('inject-callback-vector'));
  assert.equal(branches(trace, 'X6.13').length, 0);
  assert.deepEqual(state.vlapic[0].isr, []);
});

void test('XR18b: HVMOP_set_evtchn_upcall_vector raises the vector unconditionally (spurious upcall)', () => {
  const { trace } = run({ flow: 'X6', params: { callback: 'gsi' }, actions: [{ do: 'set-upcall-vector', with: { vcpu: 1, vector: 0xf3 } }] });
  assert.deepEqual(branches(trace, 'X6.4'), ['percpu-vector']);
  assert.deepEqual(branches(trace, 'X6.6'), ['accepted']);
});

void test('XR18d: HVM_PARAM_CALLBACK_IRQ parsing — GSI truncated to 8 bits, GSI 0 and unknown types mean none', () => {
  const type = (via: string) => (run({ flow: 'X6', params: { callback: 'gsi' }, actions: [{ do: 'set-callback-via', with: { via } }] }).state.hvm_irq);
  assert.equal(type('0x11c').callback_via.gsi, 0x1c);
  assert.equal(type('0x0').callback_via_type, 'HVMIRQ_callback_none');
  assert.equal(type('0x0300000000000010').callback_via_type, 'HVMIRQ_callback_none');
  assert.equal(type('0x02000000000000f3').callback_via_type, 'HVMIRQ_callback_vector');
  const intx = type('0x0100000000001801');
  assert.deepEqual([intx.callback_via_type, intx.callback_via.dev, intx.callback_via.intx], ['HVMIRQ_callback_pci_intx', 3, 1]);
});

void test('XR19: xen_evtchn_do_upcall loops while UP is set again; the 2007 version does not', () => {
  const set = { 'linux.irq_info.40.resend_in_handler': 1 };
  const now = run({ flow: 'X1', set, actions: [{ do: 'send' }] }).trace;
  assert.ok(branches(now, 'X1.14').includes('loop'));
  const old = run({ flow: 'X1', profile: 'linux2007', set, actions: [{ do: 'send' }] }).trace;
  assert.ok(!branches(old, 'X1.14').includes('loop'));
  assert.equal(delivered(now).length, 2);
  assert.equal(delivered(old).length, 2);
});

void test('XR20: the CPU is chosen by Linux cpu_evtchn_mask, not by notify_vcpu_id', () => {
  const { trace, state } = run({ flow: 'X5', actions: [{ do: 'bind-vcpu', with: { port: 10, vcpu: 1 } }, { do: 'raise', with: { port: 10 } }] });
  assert.equal(delivered(trace).length, 0, 'vCPU1 scans but port 10 is in CPU0\'s mask');
  assert.deepEqual(state.shared_info.evtchn_pending, [10]);
});

void test('XR32: under FIFO the handling CPU is the vCPU whose queue the port was linked on; bind_to_cpu is a no-op', () => {
  const { trace, state } = run({ flow: 'X5', params: { abi: 'fifo' }, actions: [{ do: 'set-affinity', with: { port: 10, dest: 2, cpu: 0 } }, { do: 'raise', with: { port: 10 } }] });
  assert.ok(trace.steps.some((s) => s.step === 'X5.5' && s.why.includes('FIFO')));
  assert.deepEqual(state.linux.cpu_evtchn_mask, [[], []]);
  assert.equal(delivered(trace)[0].target, 'vcpu1');
});

void test('XR21: 6.1 scan order (cursor) vs 2007 (lowest first, re-read) with a busy port', () => {
  const actions: ScenarioAction[] = [{ do: 'disable-events', with: { cpu: 0 } }, { do: 'send', with: { lport: 7 } }, { do: 'send', with: { lport: 8 } }, { do: 'enable-events', with: { cpu: 0 } }];
  const set = { 'linux.irq_info.40.resend_in_handler': 2 };
  assert.deepEqual(run({ flow: 'X1', set, actions }).state.handled[0], [10, 11, 10, 10]);
  assert.deepEqual(run({ flow: 'X1', profile: 'linux2007', set, actions }).state.handled[0], [10, 10, 10, 11]);
});

void test('XR21a: the CPU\'s VIRQ_TIMER port is handled before lower ports', () => {
  const { state } = run({ flow: 'X2', set: { 'linux.current_bit_idx.0': 5 }, actions: [{ do: 'disable-events', with: { cpu: 0 } }, { do: 'vcpu-virq', with: { vcpu: 0, virq: 0 } }, { do: 'enable-events', with: { cpu: 0 } }] });
  assert.deepEqual(state.handled[0], [1]);
});

void test('XR22: a port without a Linux irq is skipped and stays pending', () => {
  const { trace, state } = run({ flow: 'X1', set: { 'evtchn.11.state': 'ECS_UNBOUND', 'linux.evtchn_to_irq.11': -1 }, actions: [{ do: 'raise', with: { port: 11 } }] });
  // The start word is visited twice (XR21b), so the unbound port is looked at twice and left pending both times.
  assert.deepEqual(branches(trace, 'X1.17'), ['no-irq', 'no-irq']);
  assert.deepEqual(state.shared_info.evtchn_pending, [11]);
  assert.equal(delivered(trace).length, 0);
});

void test('XR23/XR25: lateeoi keeps the port masked (EOI_PENDING) until xen_irq_lateeoi', () => {
  const { state, trace } = run({ flow: 'X1', params: { chip: 'xen_lateeoi_chip', lateeoi: 'deferred' }, actions: [{ do: 'send' }] });
  assert.equal(state.linux.irq_info['40'].mask_reason, 4);
  assert.deepEqual(state.shared_info.evtchn_mask, [10]);
  assert.equal(state.linux.irq_info['40'].is_active, 1);
  assert.equal(delivered(trace).length, 1);
});

void test('XR25: unmask only when the last mask reason goes', () => {
  const { trace, state } = run({ flow: 'X1', params: { chip: 'xen_lateeoi_chip', lateeoi: 'deferred' }, actions: [{ do: 'send' }, { do: 'disable', with: { port: 10 } }, { do: 'lateeoi', with: { port: 10, cpu: 0 } }] });
  assert.deepEqual(branches(trace, 'X1.21'), ['still-masked']);
  assert.deepEqual(state.shared_info.evtchn_mask, [10]);
});

void test('XR26: an event dispatched to a disabled irq is mask-acked (IRQS_PENDING) and retriggered by enable_irq', () => {
  const { trace } = run({ flow: 'X1', set: { 'linux.irq_info.40.disabled': true }, actions: [{ do: 'raise', with: { port: 10 } }, { do: 'enable', with: { port: 10, cpu: 0 } }] });
  assert.deepEqual(branches(trace, 'X1.18'), ['disabled', 'ack']);
  assert.deepEqual(branches(trace, 'X1.24'), ['retrigger']);
  assert.equal(delivered(trace).length, 1);
});

void test('XR4/XR6: a global VIRQ binds on vCPU0 only; a per-vCPU VIRQ cannot be re-bound', () => {
  const { trace } = run({ flow: 'X2', actions: [{ do: 'bind-virq', with: { virq: 3, cpu: 1 } }, { do: 'rebind-virq', with: { virq: 0, vcpu: 1 } }] });
  assert.deepEqual(branches(trace, 'X2.3'), ['einval-global']);
  assert.deepEqual(branches(trace, 'X2.8'), ['refused']);
});

void test('XR7: a VIRQ with no bound channel is lost', () => {
  const { trace } = run({ flow: 'X2', actions: [{ do: 'vcpu-virq', with: { vcpu: 1, virq: 1 } }] });
  assert.equal(trace.outcome.filter((o) => o.kind === 'lost').length, 1);
});

void test('XR12: pollers are woken by a newly pending port even when masked', () => {
  const { trace } = run({ flow: 'X1', actions: [{ do: 'poll', with: { vcpu: 1, port: 0 } }, { do: 'mask', with: { port: 10 } }, { do: 'send' }] });
  assert.equal(trace.outcome.filter((o) => o.kind === 'woken' && o.target === 'vcpu1').length, 1);
});

void test('XR27/XR28: the physical EOI is withheld until the guest EOIs; a second EOI is harmless', () => {
  const { state, trace } = run({ flow: 'X3', actions: [{ do: 'irq' }] });
  assert.equal(state.pirq['16'].eoi_withheld, false);
  assert.deepEqual(branches(trace, 'X3.13'), ['eoi']);
  const t2 = run({ flow: 'X3', set: { 'linux.irq_info.16.needs_eoi': false }, actions: [{ do: 'irq' }] });
  assert.equal(t2.state.pirq['16'].eoi_withheld, true);
  assert.equal(t2.state.pirq['16'].in_flight, 1);
});

void test('XR29: FIFO notifies only when the queue was empty and READY was clear', () => {
  const { trace } = run({ flow: 'X7', actions: [{ do: 'disable-events', with: { cpu: 0 } }, { do: 'raise', with: { port: 10 } }, { do: 'raise', with: { port: 11 } }] });
  assert.deepEqual(branches(trace, 'X7.5'), ['queued-at-head', 'linked-to-tail']);
  assert.equal(branches(trace, 'X1.8@X7').length, 1);
});

void test('XR8 vs XR29: a second event on a pending, already-consumed port: 2-level ignores it, FIFO links and notifies again', () => {
  const set = { 'linux.irq_info.40.is_active': 1 };
  const actions = [{ do: 'raise', with: { port: 10 } }, { do: 'raise', with: { port: 10 } }];
  const twoLevel = run({ flow: 'X1', set, actions }).trace;
  assert.deepEqual(branches(twoLevel, 'X1.6'), ['sel-newly-set', 'already-pending']);
  const fifo = run({ flow: 'X7', set, actions }).trace;
  assert.deepEqual(branches(fifo, 'X7.5'), ['queued-at-head', 'queued-at-head']);
  assert.equal(branches(fifo, 'X1.8@X7').length, 2);
});

void test('XR30: a LINKED port stays in its old queue after a priority change', () => {
  const { state } = run({ flow: 'X7', actions: [{ do: 'disable-events', with: { cpu: 0 } }, { do: 'raise', with: { port: 10 } }, { do: 'set-priority', with: { port: 10, priority: 0 } }] });
  assert.equal(state.fifo!.control_block[0].head[7], 10);
  assert.equal(state.evtchn['10'].last_priority, 7);
  assert.equal(state.evtchn['10'].priority, 0);
});

void test('XR31: FIFO consumes the highest-priority queue first', () => {
  const { state } = run({ flow: 'X7', actions: [{ do: 'set-priority', with: { port: 11, priority: 3 } }, { do: 'disable-events', with: { cpu: 0 } }, { do: 'raise', with: { port: 10 } }, { do: 'raise', with: { port: 11 } }, { do: 'enable-events', with: { cpu: 0 } }] });
  assert.deepEqual(state.handled[0], [11, 10]);
});

void test('XR33: FIFO unmask of a pending port hypercalls; of an idle port clears MASKED locally', () => {
  const a = run({ flow: 'X7', actions: [{ do: 'mask', with: { port: 10 } }, { do: 'unmask', with: { port: 10, cpu: 0 } }] });
  assert.deepEqual(branches(a.trace, 'X7.10'), ['cleared-locally']);
  const b = run({ flow: 'X7', actions: [{ do: 'mask', with: { port: 10 } }, { do: 'raise', with: { port: 10 } }, { do: 'unmask', with: { port: 10, cpu: 0 } }] });
  assert.deepEqual(branches(b.trace, 'X7.10'), ['hypercall']);
  assert.equal(delivered(b.trace).length, 1);
});

void test('the default run of every Xen flow ends and names its profile', () => {
  for (const f of xenFlows) {
    for (const p of f.profiles) {
      const t = simulate(f, { profile: p.id });
      assert.equal(t.profile, p.id);
      assert.equal(t.truncated, false, `${f.id}/${p.id}`);
    }
  }
});

void test('XR17: a tasklet still waiting on the softirq list is not queued twice (tasklet_schedule moves it): one run', () => {
  // The raise queues vCPU 1's tasklet; HVMOP_set_evtchn_upcall_vector, placed before the tasklet runs, calls
  // hvm_assert_evtchn_irq again with Xen's interrupts off: the same tasklet, so it runs once.
  const r = run({ flow: 'X6', params: { callback: 'percpu-vector', xen_in_irq: true }, actions: [
    { do: 'raise', with: { port: 2 } },
    { do: 'set-upcall-vector', with: { vcpu: 1 }, at: { beforeDeferred: 'X6.4' } },
  ] });
  assert.deepEqual(branches(r.trace, 'X6.4'), ['tasklet', 'tasklet-queued', 'percpu-vector']);
  assert.equal(r.trace.steps.filter((s) => s.step === 'X6.5').length, 1);
  assert.equal(delivered(r.trace).length, 1);
  assert.equal((r.trace.finalState as { vcpu: { assert_tasklet_queued: boolean }[] }).vcpu[1].assert_tasklet_queued, false);
});

void test('XR17: hvm_assert_evtchn_irq in IRQ context (xen_in_irq) defers to its softirq tasklet, for every callback type', () => {
  for (const callback of ['percpu-vector', 'vector', 'gsi']) {
    const now = run({ flow: 'X6', params: { callback }, actions: [{ do: 'raise', with: { port: 10, vcpu: 0 } }] });
    const later = run({ flow: 'X6', params: { callback, xen_in_irq: true }, actions: [{ do: 'raise', with: { port: 10, vcpu: 0 } }] });
    const first = later.trace.steps.findIndex((s) => s.step === 'X6.4');
    assert.equal(later.trace.steps[first].branch, 'tasklet', callback);
    assert.deepEqual(later.trace.steps[first].handedOff, ['X6.5 → xen-softirq'], `${callback}: queued on the softirq, not called`);
    // tasklet_schedule returns: the caller (evtchn_2l_set_pending) goes on with its pollers before the tasklet runs.
    const tasklet = later.trace.steps.findIndex((s) => s.step === 'X6.5');
    assert.equal(later.trace.steps[first + 1].step, 'X1.7@X6', callback);
    assert.ok(tasklet > first + 1, callback);
    assert.equal(later.trace.steps[tasklet].context, 'xen-softirq');
    // The tasklet's call takes the branch the direct call takes, and the guest gets the same deliveries.
    assert.equal(later.trace.steps[tasklet + 1].branch, now.trace.steps.find((s) => s.step === 'X6.4')?.branch, callback);
    assert.deepEqual(delivered(later.trace), delivered(now.trace), callback);
  }
  // Every Xen flow takes the parameter: X1 on an HVM guest reaches the same step (X6.4@X1) and defers the same way.
  const x1 = run({ flow: 'X1', params: { guest: 'hvm', xen_in_irq: true }, actions: [{ do: 'raise', with: { port: 10 } }] });
  assert.deepEqual(branches(x1.trace, 'X6.4@X1'), ['tasklet', 'percpu-vector']);
  assert.equal(delivered(x1.trace).length, 1);
  // The default (false) is the direct call: a scenario that does not set it never sees the tasklet.
  assert.ok(!branches(run({ flow: 'X6', actions: [{ do: 'raise', with: { port: 10 } }] }).trace, 'X6.4').includes('tasklet'));
});

void test('X1.4: a guest cannot send on a port Xen consumes (consumer_is_xen(lchn)): -EINVAL, nothing pends', () => {
  const r = run({ flow: 'X1', set: { 'peer_evtchn.7.xen_consumer': 1 }, actions: [{ do: 'send' }] });
  assert.deepEqual(branches(r.trace, 'X1.4'), ['einval']);
  assert.ok(r.trace.outcome.some((o) => o.kind === 'error' && /consumed by Xen/.test(o.detail)));
  assert.equal(delivered(r.trace).length, 0);
});
