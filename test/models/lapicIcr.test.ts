// ICR / ICR2 as LAPIC state: the guest's write sends the IPI through the existing flows (Q10 for KVM, Q1 for QEMU
// TCG), with every destination shorthand and mode, and a read returns what each implementation stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFlows, runScenario, ScenarioAction, OutcomeEvent } from '@irqlens/models';
import { decodeIcr, encodeIcr, newLapic, writeIcr, writeIcr2, lapicProblems } from '../../models/src/components/lapic';

type Lap = { icr: number; icr2: number; irr: number[] };
const kvm = (profile: string, actions: ScenarioAction[]) => runScenario(allFlows, { name: 't', title: 't', flow: 'Q10', profile, actions });
const qemu = (profile: string, actions: ScenarioAction[], cpus = 3) => runScenario(allFlows, { name: 't', title: 't', flow: 'Q1', profile, params: { cpus }, actions });
const kvmLapic = (r: ReturnType<typeof kvm>, i: number): Lap => (r.trace.finalState as { vcpus: { lapic: Lap }[] }).vcpus[i].lapic;
const qemuLapic = (r: ReturnType<typeof kvm>, i: number): Lap => (r.trace.finalState as { cpus: { lapic: Lap }[] }).cpus[i].lapic;
const deliveredTo = (o: OutcomeEvent[]): string[] => [...new Set(o.filter((e) => e.kind === 'delivered').map((e) => e.target ?? ''))].sort();

void test('decodeIcr / encodeIcr: vector, delivery mode, logical, assert, trigger, shorthand', () => {
  const f = decodeIcr(0xc5941);
  assert.deepEqual(f, { vector: 0x41, delivery: 'lowest', logical: true, assert: true, level_triggered: false, shorthand: 'all-excluding-self' });
  assert.equal(encodeIcr(f), 0xc5941 & ~0x1000, "BUSY is not a field");
  assert.equal(decodeIcr(0x4500).delivery, 'init');
  assert.equal(decodeIcr(0x40000).shorthand, 'self');
  assert.equal(decodeIcr(0x80000).shorthand, 'all-including-self');
});

void test('read-back rule per implementation: kvm and sdm clear BUSY and mask ICR2; qemu stores both as written', () => {
  for (const [rule, icr, icr2] of [['kvm', 0x40fd, 0x01000000], ['sdm', 0x40fd, 0x01000000], ['qemu', 0x50fd, 0x01abcdef]] as const) {
    const l = newLapic();
    writeIcr2(l, 0x01abcdef, rule);
    writeIcr(l, 0x50fd, rule);
    assert.deepEqual([l.icr, l.icr2], [icr, icr2], rule);
    assert.deepEqual(lapicProblems(l, 'l'), []);
  }
});

void test('KVM xAPIC: ICR2 latches only the destination, the ICR write sends to ICR2[31:24] and reads back without BUSY', () => {
  const r = kvm('kvm-inkernel', [{ do: 'write-icr', with: { src: 0, icr_reg: 'icr2', icr_value: 0x01abcdef } }, { do: 'write-icr', with: { src: 0, icr_reg: 'icr', icr_value: 0x50fd } }]);
  assert.deepEqual([kvmLapic(r, 0).icr, kvmLapic(r, 0).icr2], [0x40fd, 0x01000000]);
  assert.deepEqual(deliveredTo(r.trace.outcome), ['vcpu1']);
});

void test('KVM: self, all-including-self, all-excluding-self, physical and logical flat destinations', () => {
  const send = (low: number, icr2 = 0) => kvm('kvm-inkernel', [{ do: 'write-icr', with: { src: 1, icr_reg: 'icr2', icr_value: icr2 } }, { do: 'write-icr', with: { src: 1, icr_reg: 'icr', icr_value: low } }]);
  assert.deepEqual(deliveredTo(send(0x440fd).trace.outcome), ['vcpu1'], 'self');
  assert.deepEqual(deliveredTo(send(0x840fd).trace.outcome), ['vcpu0', 'vcpu1'], 'all including self');
  assert.deepEqual(deliveredTo(send(0xc40fd).trace.outcome), ['vcpu0'], 'all excluding self');
  assert.deepEqual(deliveredTo(send(0x40fd, 0).trace.outcome), ['vcpu0'], 'physical 0');
  assert.deepEqual(deliveredTo(send(0x48fd, 0x03000000).trace.outcome), ['vcpu0', 'vcpu1'], 'logical flat mask 0x03');
  assert.deepEqual(deliveredTo(send(0x48fd, 0x02000000).trace.outcome), ['vcpu1'], 'logical flat mask 0x02');
});

void test('KVM x2APIC: one MSR write carries the 32-bit destination; reserved bits are #GP and change nothing; xAPIC registers are refused', () => {
  const r = kvm('kvm-inkernel', [{ do: 'x2apic' }, { do: 'write-icr', with: { src: 0, icr_reg: 'msr', icr_value: 0x50fd, icr_high: 1 } }]);
  assert.deepEqual([kvmLapic(r, 0).icr, kvmLapic(r, 0).icr2], [0x40fd, 1]);
  assert.deepEqual(deliveredTo(r.trace.outcome), ['vcpu1']);
  const gp = kvm('kvm-inkernel', [{ do: 'x2apic' }, { do: 'write-icr', with: { src: 0, icr_reg: 'msr', icr_value: 0x2000 | 0xfd, icr_high: 1 } }]);
  assert.deepEqual(gp.trace.steps.map((s) => s.branch).slice(-1), ['gp-reserved-bits']);
  assert.equal(kvmLapic(gp, 0).icr, 0);
  assert.throws(() => kvm('kvm-inkernel', [{ do: 'x2apic' }, { do: 'write-icr', with: { src: 0, icr_reg: 'icr', icr_value: 0x40fd } }]), /x2APIC mode/);
  assert.throws(() => kvm('kvm-inkernel', [{ do: 'write-icr', with: { src: 0, icr_reg: 'msr', icr_value: 0x40fd } }]), /xAPIC mode/);
});

void test('KVM with IPI virtualization: no exit, so KVM never rewrites the ICR; with an exit (APICv, no IPIv) BUSY is cleared', () => {
  const ipiv = kvm('apicv-ipiv', [{ do: 'write-icr', with: { src: 0, icr_reg: 'icr2', icr_value: 0x01000000 } }, { do: 'write-icr', with: { src: 0, icr_reg: 'icr', icr_value: 0x50fd } }]);
  assert.ok(ipiv.trace.steps.some((s) => s.step === 'Q10.2' && s.branch === 'ipiv-no-exit'));
  assert.ok(!ipiv.trace.steps.some((s) => s.step === 'Q10.3'), 'kvm_apic_send_ipi never runs');
  assert.equal(kvmLapic(ipiv, 0).icr, 0x50fd);
  const exit = kvm('apicv-on', [{ do: 'write-icr', with: { src: 0, icr_reg: 'icr2', icr_value: 0x01000000 } }, { do: 'write-icr', with: { src: 0, icr_reg: 'icr', icr_value: 0x50fd } }]);
  assert.ok(exit.trace.steps.some((s) => s.step === 'Q10.2' && s.branch === 'apic-write-exit'));
  assert.equal(kvmLapic(exit, 0).icr, 0x40fd);
});

void test('the ipi action records the ICR it writes (KVM rule) too', () => {
  const r = kvm('kvm-inkernel', [{ do: 'ipi', with: { src: 0, dest: 1, vector: 0xfd } }]);
  assert.deepEqual([kvmLapic(r, 0).icr, kvmLapic(r, 0).icr2], [0x40fd, 0x01000000]);
});

void test('QEMU TCG: ICR/ICR2 read back as written; shorthands and logical flat route like apic_deliver', () => {
  const r = qemu('qemu-tcg', [{ do: 'write-icr', with: { cpu: 0, icr_reg: 'icr2', icr_value: 0x01abcdef } }, { do: 'write-icr', with: { cpu: 0, icr_reg: 'icr', icr_value: 0x50fd } }]);
  assert.deepEqual([qemuLapic(r, 0).icr, qemuLapic(r, 0).icr2], [0x50fd, 0x01abcdef]);
  assert.deepEqual(deliveredTo(r.trace.outcome), ['vcpu1']);
  const send = (low: number, icr2 = 0) => qemu('qemu-tcg', [{ do: 'write-icr', with: { cpu: 1, icr_reg: 'icr2', icr_value: icr2 } }, { do: 'write-icr', with: { cpu: 1, icr_reg: 'icr', icr_value: low } }]);
  const irrs = (x: ReturnType<typeof kvm>) => [0, 1, 2].map((i) => qemuLapic(x, i).irr.length + (deliveredTo(x.trace.outcome).includes(`vcpu${i}`) ? 1 : 0) > 0);
  assert.deepEqual(irrs(send(0x440fd)), [false, true, false], 'self');
  assert.deepEqual(irrs(send(0x840fd)), [true, true, true], 'all including self');
  assert.deepEqual(irrs(send(0xc40fd)), [true, false, true], 'all excluding self');
  assert.deepEqual(irrs(send(0x40fd, 0x02000000)), [false, false, true], 'physical 2');
  assert.deepEqual(irrs(send(0x48fd, 0x05000000)), [true, false, true], 'logical flat mask 0x05');
});

void test('QEMU sdm profile: BUSY reads idle and ICR2 keeps its destination byte', () => {
  const r = qemu('sdm', [{ do: 'write-icr', with: { cpu: 0, icr_reg: 'icr2', icr_value: 0x01abcdef } }, { do: 'write-icr', with: { cpu: 0, icr_reg: 'icr', icr_value: 0x50fd } }]);
  assert.deepEqual([qemuLapic(r, 0).icr, qemuLapic(r, 0).icr2], [0x40fd, 0x01000000]);
});

void test('the KVM LAPIC flows take the same ICR write: Q3 (no APICv) injects, Q4 (APICv) posts, both store ICR without BUSY', () => {
  for (const [id, profile, route] of [['Q3', 'kvm-inkernel', 'Q3.1'], ['Q4', 'apicv-on', 'Q4.0']] as const) {
    const r = runScenario(allFlows, { name: 't', title: 't', flow: id, profile, actions: [
      { do: 'write-icr', with: { src: 0, icr_reg: 'icr2', icr_value: 0x01abcdef } },
      { do: 'write-icr', with: { src: 0, icr_reg: 'icr', icr_value: 0x5041 } },
    ] });
    assert.deepEqual([kvmLapic(r, 0).icr, kvmLapic(r, 0).icr2], [0x4041, 0x01000000], id);
    assert.ok(r.trace.steps.some((s) => s.step === route && s.branch === 'fast-physical'), `${id} routes through ${route}`);
    assert.deepEqual(deliveredTo(r.trace.outcome), ['vcpu1'], id);
    const self = runScenario(allFlows, { name: 't', title: 't', flow: id, profile, actions: [{ do: 'write-icr', with: { src: 1, icr_reg: 'icr', icr_value: 0x44041 } }] });
    assert.ok(self.trace.steps.some((s) => s.step === route && s.branch === 'fast-self'), `${id} self shorthand`);
    // Q3 injects on the sender's own re-entry; in Q4 the sender is in its exit, so the post waits in its PIR for the next entry.
    if (id === 'Q3') assert.deepEqual(deliveredTo(self.trace.outcome), ['vcpu1'], 'Q3 self');
    else assert.ok(self.trace.outcome.some((o) => o.kind === 'pending' && o.target === 'vcpu1' && o.what === 'PIR [0x41]'), 'Q4 self: posted, synced at the next entry');
  }
});
