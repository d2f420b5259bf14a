// Vectors 0..15 per implementation: accepted in state (KVM_SET_LAPIC may restore them), and for a message carrying
// one, what each APIC's code does — KVM and QEMU accept it into IRR, the SDM (and Xen's vlapic) record ESR bit 6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFlows, runScenario, simulate } from '@irqlens/models';
import { acceptMessage, deliverableVector, ESR_RECV_ILLEGAL_VECTOR, lapicProblems, newLapic } from '../../models/src/components/lapic';
import { newTcgCpu, apicIrqPending } from '../../models/src/components/tcgCpu';

const flow = (id: string) => allFlows.find((f) => f.id === id)!;

void test('acceptMessage: sdm sets ESR bit 6 and leaves IRR; qemu and kvm accept vector 5 into IRR and TMR', () => {
  const sdm = newLapic();
  assert.equal(acceptMessage(sdm, 5, true, 'sdm'), 'illegal-vector');
  assert.deepEqual([sdm.irr, sdm.tmr, sdm.esr], [[], [], ESR_RECV_ILLEGAL_VECTOR]);
  for (const rule of ['qemu', 'kvm'] as const) {
    const l = newLapic();
    assert.equal(acceptMessage(l, 5, true, rule), 'accepted');
    assert.equal(acceptMessage(l, 5, true, rule), 'coalesced');
    assert.deepEqual([l.irr, l.tmr, l.esr], [[5], [5], 0], rule);
  }
  const ok = newLapic();
  assert.equal(acceptMessage(ok, 0x30, false, 'sdm'), 'accepted', 'vectors ≥ 16 are unaffected');
});

void test('validate accepts vectors 0..15 in IRR/ISR (a restored state), still refuses values outside 0..255', () => {
  const l = newLapic();
  l.irr = [3, 48];
  l.isr = [5];
  assert.deepEqual(lapicProblems(l, 'lapic'), []);
  l.irr = [300];
  assert.match(lapicProblems(l, 'lapic').join(';'), /not a vector 0\.\.255/);
  assert.doesNotThrow(() => simulate(flow('Q3'), { set: { 'vcpus.0.lapic.irr': '15,48' } }));
  assert.doesNotThrow(() => simulate(flow('Q1'), { set: { 'cpus.0.lapic.irr': '3' } }));
  assert.doesNotThrow(() => simulate(flow('Q4'), { set: { 'vcpus.1.pi_desc.pir': '3' } }));
});

void test('KVM: a class-0 vector is never presented (apic_has_interrupt_for_ppr), whatever PPR is', () => {
  const l = newLapic();
  l.irr = [5];
  assert.equal(deliverableVector(l, 'kvm'), -1);
});

void test('QEMU apic_irq_pending: vectors 1..15 are presented only at PPR 0; vector 0 reads as none; PPR > 0 blocks them', () => {
  const cpu = newTcgCpu(0, 'qemu-tcg');
  cpu.lapic.irr = [5];
  assert.equal(apicIrqPending(cpu, 'qemu'), 5);
  cpu.lapic.irr = [0];
  assert.equal(apicIrqPending(cpu, 'qemu'), 0);
  cpu.lapic.irr = [5];
  cpu.lapic.tpr = 0x20;
  assert.equal(apicIrqPending(cpu, 'qemu'), -1);
});

void test('KVM with APICv: vector 5 is posted into PIR, synced to VIRR, and never recognised (RVI class 0)', () => {
  const r = runScenario(allFlows, { name: 't', title: 't', flow: 'Q4', profile: 'apicv-on', actions: [{ do: 'post', with: { vector: 5, dest: 1 } }] });
  const st = r.trace.finalState as { vcpus: { lapic: { irr: number[]; isr: number[] }; pi_desc: { pir: number[] } }[] };
  assert.deepEqual(st.vcpus[1].lapic.irr, [5]);
  assert.deepEqual(st.vcpus[1].lapic.isr, []);
  assert.equal(r.trace.outcome.filter((o) => o.kind === 'delivered').length, 0);
  assert.ok(r.trace.steps.some((s) => s.step === 'Q4.1' && s.branch === 'notify'), 'posted like any vector');
});

void test('KVM Q10: an IPI with vector 5 is sent and accepted (no send-illegal check), stays in the target IRR', () => {
  const r = runScenario(allFlows, { name: 't', title: 't', flow: 'Q10', profile: 'kvm-inkernel', actions: [{ do: 'ipi', with: { vector: 5, dest: 1, src: 0 } }] });
  const st = r.trace.finalState as { vcpus: { lapic: { irr: number[]; esr: number } }[] };
  assert.deepEqual(st.vcpus[1].lapic.irr, [5]);
  assert.equal(st.vcpus[0].lapic.esr, 0);
  assert.equal(st.vcpus[1].lapic.esr, 0);
});

void test('QEMU sdm profile vs qemu-tcg on the same MSI with vector 5', () => {
  const qemu = runScenario(allFlows, { name: 't', title: 't', flow: 'Q1', profile: 'qemu-tcg', actions: [{ do: 'msi', with: { vector: 5, dest: 1, dest_mode: 1 } }] });
  const sdm = runScenario(allFlows, { name: 't', title: 't', flow: 'Q1', profile: 'sdm', actions: [{ do: 'msi', with: { vector: 5, dest: 1, dest_mode: 1 } }] });
  assert.deepEqual(qemu.trace.steps.filter((s) => s.step === 'Q1.7').map((s) => s.branch), ['accepted']);
  assert.deepEqual(sdm.trace.steps.filter((s) => s.step === 'Q1.7').map((s) => s.branch), ['illegal-vector']);
});
