// Bad input to the KVM flows gets a ModelError that names the field, never a trace: vectors below 16, unknown vCPUs,
// impossible vCPU modes, impossible posted-interrupt descriptors, IRTEs, timers and profile combinations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFlows, findFlow, ModelError, runScenario, simulate, Flow } from '@irqlens/models';

const flow = (id: string): Flow<unknown> => {
  const f = findFlow(id);
  assert.ok(f);
  return f;
};

/** Asserts a ModelError whose message names `field` (and, if given, whose `field` property is it). */
function rejects(fn: () => unknown, field: string, exactField?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ModelError, `a ModelError, got ${String(e)}`);
    assert.ok(e.message.includes(field), `"${e.message}" names ${field}`);
    if (exactField !== undefined) assert.equal(e.field, exactField);
    return true;
  });
}

// Message vectors and IRR/ISR/PIR bits below 16 are accepted as KVM accepts them (lowVectors.test.ts); the
// injection, the EOI-exit bitmap and an MSI route still refuse them.
void test('a vector below 16 is rejected where KVM programs it itself: late injection, EOI-exit bitmap, MSI route', () => {
  rejects(() => simulate(flow('Q3'), { params: { late_vector: 9 } }), 'parameter "late_vector"');
  rejects(() => simulate(flow('Q4'), { set: { 'vcpus.0.vcpu.eoi_exit_bitmap': '8' } }), 'vcpus.0.vcpu.eoi_exit_bitmap');
  rejects(() => simulate(flow('Q6'), { set: { 'irqfd.msi': '{"dest":0,"vector":7,"logical":false,"delivery":"fixed","level_triggered":false}' } }), 'irqfd.msi.vector');
});

void test('an unknown vCPU is rejected, naming the parameter or state field', () => {
  rejects(() => simulate(flow('Q10'), { params: { src: 7 } }), 'src');
  rejects(() => simulate(flow('Q9'), { params: { vcpu: 9 } }), 'vcpu');
  rejects(() => runScenario(allFlows, { name: 'x', title: 'x', flow: 'Q4', actions: [{ do: 'schedule-in', with: { vcpu: 5, cpu: 0 } }] }), 'vcpu', 'vcpu');
  rejects(() => runScenario(allFlows, { name: 'x', title: 'x', flow: 'Q5', actions: [{ do: 'preempt', with: { vcpu: 3 } }] }), 'vcpu', 'vcpu');
  rejects(() => simulate(flow('Q5'), { set: { 'irte.p_pst': 'true', 'irte.p_vector': '65', 'irte.pda': '4' } }), 'irte.pda');
  rejects(() => simulate(flow('Q5'), { set: { 'wakeup_vcpus_on_cpu.0': '6' } }), 'wakeup_vcpus_on_cpu.0');
});

void test('impossible vCPU modes are rejected: blocked in guest mode, preempted in guest mode, blocked and preempted, unknown mode', () => {
  rejects(() => simulate(flow('Q4'), { set: { 'vcpus.1.vcpu.blocked': 'true', 'vcpus.1.vcpu.halted': 'true' } }), 'vcpus.1.vcpu.mode');
  rejects(() => simulate(flow('Q4'), { set: { 'vcpus.1.vcpu.preempted': 'true' } }), 'vcpus.1.vcpu.mode');
  rejects(() => simulate(flow('Q4'), { set: { 'vcpus.1.vcpu.mode': 'RUNNING' } }), 'vcpus.1.vcpu.mode');
  rejects(() => simulate(flow('Q4'), { set: { 'vcpus.1.vcpu.mode': 'OUTSIDE_GUEST_MODE', 'vcpus.1.vcpu.preempted': 'true', 'vcpus.1.vcpu.blocked': 'true', 'vcpus.1.vcpu.halted': 'true' } }), 'vcpus.1.vcpu.preempted');
  rejects(() => simulate(flow('Q4'), { set: { 'vcpus.1.vcpu.mode': 'OUTSIDE_GUEST_MODE', 'vcpus.1.vcpu.blocked': 'true' } }), 'vcpus.1.vcpu.halted');
  rejects(() => runScenario(allFlows, { name: 'x', title: 'x', flow: 'Q4', set: { 'vcpus.1.vcpu.requests': ['KVM_REQ_NOPE'] }, actions: [{ do: 'scan-ioapic' }] }), 'vcpus.1.vcpu.requests', 'set');
  rejects(() => runScenario(allFlows, { name: 'x', title: 'x', flow: 'Q5', actions: [{ do: 'preempt', with: { vcpu: 1 } }, { do: 'block', with: { vcpu: 1 } }] }), 'preempted', 'vcpu');
  rejects(() => runScenario(allFlows, { name: 'x', title: 'x', flow: 'Q3', actions: [{ do: 'block', with: { vcpu: 1 } }, { do: 'preempt', with: { vcpu: 1 } }] }), 'blocked', 'vcpu');
});

void test('impossible posted-interrupt, timer, PV EOI and profile combinations are rejected', () => {
  rejects(() => simulate(flow('Q4'), { set: { 'vcpus.1.pi_desc.nv': '100' } }), 'vcpus.1.pi_desc.nv');
  rejects(() => simulate(flow('Q3'), { set: { 'vcpus.1.pi_desc.on': 'true', 'vcpus.1.pi_desc.pir': '65' } }), 'vcpus.1.pi_desc');
  rejects(() => simulate(flow('Q3'), { set: { 'vcpus.1.vcpu.apicv_active': 'true' } }), 'vcpus.1.vcpu.apicv_active');
  rejects(() => simulate(flow('Q9'), { set: { 'vcpus.0.timer.pending': '2' } }), 'vcpus.0.timer.pending');
  rejects(() => simulate(flow('Q9'), { set: { 'vcpus.0.timer.tdcr': '4' } }), 'vcpus.0.timer.tdcr');
  rejects(() => simulate(flow('Q12'), { set: { 'vcpus.1.pv_eoi.pending': 'true' } }), 'vcpus.1.pv_eoi.pending');
  rejects(() => simulate(flow('Q3'), { set: { 'vcpus.0.lapic.lvr_directed_eoi': 'true' } }), 'vcpus.0.lapic.lvr_directed_eoi');
  rejects(() => simulate(flow('Q10'), { profile: 'kvm-inkernel', set: { 'config.ipiv': 'true' } }), 'config.ipiv');
  rejects(() => simulate(flow('Q5'), { profile: 'kvm-split-apicv', set: { 'config.vtd_pi': 'true' } }), 'config.vtd_pi');
  rejects(() => simulate(flow('Q4'), { set: { 'vcpus.1.apic_id': '0' } }), 'apic_id');
  rejects(() => simulate(flow('Q4'), { set: { 'vcpus.1.vcpu.pcpu': '9' } }), 'vcpus.1.vcpu.pcpu');
});

void test('unknown profiles, steps, actions and scenario fields are rejected by name', () => {
  rejects(() => simulate(flow('Q4'), { profile: 'qemu-tcg' }), 'profile', 'profile');
  rejects(() => simulate(flow('Q5'), { from: 'Q9.9' }), 'Q9.9', 'from');
  rejects(() => runScenario(allFlows, { name: 'x', title: 'x', flow: 'Q9', actions: [{ do: 'warp' }] }), 'actions[0].do', 'actions[0].do');
  rejects(() => runScenario(allFlows, { name: 'x', title: 'x', flow: 'Q12', set: { 'vcpus.1.pv_eoi.guest_byte': 3 }, actions: [{ do: 'enable' }] }), 'vcpus.1.pv_eoi.guest_byte', 'set');
});

void test('a simulation can start from a linked function name, including a former name', () => {
  assert.equal(simulate(flow('Q3'), { from: 'inject_pending_event', params: {} }).steps[0].step, 'Q3.6');
  assert.equal(simulate(flow('Q9'), { from: 'kvm_apic_expired' }).steps[0].step, 'Q9.4');
  assert.equal(simulate(flow('Q5'), { from: 'vmx_pi_update_irte' }).steps[0].step, 'Q5.4');
});

void test('a run may start at any step of a KVM flow in any profile: it ends, or it refuses with a ModelError — it never crashes', () => {
  let runs = 0;
  let refused = 0;
  for (const id of ['Q3', 'Q4', 'Q5', 'Q6', 'Q9', 'Q10', 'Q12']) {
    const f = flow(id);
    for (const p of f.profiles) {
      for (const s of f.steps) {
        runs++;
        try {
          const t = simulate(f, { profile: p.id, from: s.id });
          assert.equal(t.truncated, false, `${id}/${p.id} from ${s.id} ended`);
        } catch (e) {
          assert.ok(e instanceof ModelError, `${id}/${p.id} from ${s.id}: ${String(e)}`);
          assert.ok(e.field, `${id}/${p.id} from ${s.id}: the refusal names a field (${e.message})`);
          refused++;
        }
      }
    }
  }
  assert.ok(runs > 150 && refused < runs / 10, `${runs} runs, ${refused} refused`);
});
