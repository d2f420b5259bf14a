// Scenario tests of the KVM flows (Q3, Q4, Q5, Q6, Q9, Q10, Q12) written from the rules QR…; each test
// names the rule it checks. Also runs every built-in kvm-*.json scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allFlows, findFlow, runScenario, simulate, Flow, Trace } from '@irqlens/models';
import { KvmState, newKvmState, routeIrq, kickVcpu, apicSetEoi } from '../../models/src/flows/kvm/kvmMachine';
import { newPiDesc, postSoftware, postHardware, syncPirToIrr } from '../../models/src/components/postedInterrupt';
import { divideCount, newKvmTimer, setTargetExpiration, advancePeriodic } from '../../models/src/components/kvmTimer';
import { armDecision, newPvEoi } from '../../models/src/components/pvEoi';
import { newLapic } from '../../models/src/components/lapic';
import { newVcpu } from '../../models/src/components/vcpu';
import { deliverVirtual, recognised, virtualizeEoi } from '../../models/src/components/apicv';

const scenarioDir = path.join(__dirname, '..', '..', 'models', 'scenarios');
const flow = (id: string): Flow<unknown> => {
  const f = findFlow(id);
  assert.ok(f, `flow ${id} exists`);
  return f;
};
const scen = (raw: Record<string, unknown>) => runScenario(allFlows, { name: 't', title: 't', ...raw });
const branches = (t: Trace, step: string): string[] => t.steps.filter((s) => s.step === step).map((s) => s.branch);
const delivered = (t: Trace, target?: string): string[] => t.outcome.filter((o) => o.kind === 'delivered' && (!target || o.target === target)).map((o) => o.what ?? '');

void test('every built-in kvm-*.json scenario passes, and the three posted-interrupt scenarios exist', () => {
  const files = fs.readdirSync(scenarioDir).filter((f) => /^kvm-.*\.json$/.test(f));
  assert.ok(files.length >= 20, `found ${files.length} kvm scenarios`);
  for (const need of ['kvm-posted-interrupt-vcpu-running', 'kvm-posted-interrupt-vcpu-blocked', 'kvm-posted-interrupt-vcpu-preempted']) {
    assert.ok(files.includes(`${need}.json`), `${need}.json exists`);
  }
  for (const f of files) {
    const raw = JSON.parse(fs.readFileSync(path.join(scenarioDir, f), 'utf8'));
    assert.equal(raw.name, f.replace(/\.json$/, ''), `${f}: name matches the file`);
    const run = runScenario(allFlows, raw);
    assert.ok(run.passed, `${f}:\n${run.expectations.filter((e) => !e.ok).map((e) => e.text).join('\n')}`);
    assert.ok(run.expectations.length >= 3, `${f} checks something`);
  }
});

void test('every KVM flow runs in every profile from its entry and ends', () => {
  for (const id of ['Q3', 'Q4', 'Q5', 'Q6', 'Q9', 'Q10', 'Q12']) {
    const f = flow(id);
    for (const p of f.profiles) {
      const t = simulate(f, { profile: p.id });
      assert.equal(t.truncated, false, `${id}/${p.id} ended`);
      assert.equal(t.profile, p.id);
    }
  }
});

void test('QR19: the software sender coalesces on a set PIR bit and sends no second notification while ON=1; SN is not consulted', () => {
  const pi = newPiDesc(1);
  pi.sn = true;
  assert.equal(postSoftware(pi, 0x41), 'notify', 'SN=1 does not stop the KVM sender');
  assert.equal(postSoftware(pi, 0x41), 'pir-coalesced');
  assert.equal(postSoftware(pi, 0x51), 'on-already-set');
  assert.deepEqual(pi.pir, [0x41, 0x51]);
  const irr: number[] = [];
  const r = syncPirToIrr(pi, irr);
  assert.deepEqual(irr, [0x41, 0x51]);
  assert.equal(r.maxIrr, 0x51);
  assert.equal(pi.on, false);
  assert.deepEqual(pi.pir, []);
});

void test('QR21: the IOMMU honours SN unless URG; ON suppresses a second notification', () => {
  const pi = newPiDesc(0);
  pi.sn = true;
  assert.equal(postHardware(pi, 0x41, false), 'suppressed');
  assert.equal(pi.on, false);
  assert.equal(postHardware(pi, 0x42, true), 'notify', 'URG=1 notifies despite SN');
  assert.equal(postHardware(pi, 0x43, true), 'on-already-set');
});

void test('QR21: schedule-in after a suppressed post sets ON (pi_set_on), so the next entry syncs it (flow Q5)', () => {
  const r = scen({
    flow: 'Q5', profile: 'apicv-on', params: { vector: 0x45, dest: 1 },
    actions: [{ do: 'setup', with: { vector: 0x45, dest: 1 } }, { do: 'preempt', with: { vcpu: 1 } }, { do: 'fire' }, { do: 'fire' }, { do: 'schedule-in', with: { vcpu: 1, cpu: 2 } }],
  });
  assert.deepEqual(branches(r.trace, 'Q5.5'), ['suppressed', 'suppressed'], 'both posts suppressed by SN');
  assert.deepEqual(branches(r.trace, 'Q5.8b'), ['loaded']);
  const s = r.trace.finalState as KvmState;
  assert.equal(s.vcpus[1].pi_desc.ndst, 2, 'NDST follows the new pCPU');
  assert.deepEqual(delivered(r.trace, 'vcpu1'), ['vector 0x45'], 'two posts of one vector: one delivery (coalesced in PIR)');
});

void test('QR20: kvm_vcpu_kick — blocked → wake, own thread → EXITING_GUEST_MODE without IPI, guest mode elsewhere → IPI, preempted → nothing', () => {
  const s = newKvmState('kvm-inkernel');
  assert.equal(kickVcpu(s, 1, 1).result, 'self');
  assert.equal(s.vcpus[1].vcpu.mode, 'EXITING_GUEST_MODE');
  assert.equal(kickVcpu(s, 0, -1).result, 'ipi');
  s.vcpus[1].vcpu.mode = 'OUTSIDE_GUEST_MODE';
  s.vcpus[1].vcpu.halted = true;
  s.vcpus[1].vcpu.blocked = true;
  assert.equal(kickVcpu(s, 1, -1).result, 'woken');
  const p = newKvmState('kvm-inkernel');
  p.vcpus[0].vcpu.mode = 'OUTSIDE_GUEST_MODE';
  p.vcpus[0].vcpu.preempted = true;
  const k = kickVcpu(p, 0, -1);
  assert.equal(k.result, 'none');
  assert.equal(k.enters, false);
});

void test('QR20: a blocked vCPU with IF=0 is not woken by an interrupt (flow Q3)', () => {
  const r = scen({
    flow: 'Q3', profile: 'kvm-inkernel',
    set: { 'vcpus.1.vcpu.rflags_if': false },
    actions: [{ do: 'block', with: { vcpu: 1 } }, { do: 'send', with: { vector: 0x41, dest: 1 } }],
  });
  assert.deepEqual(branches(r.trace, 'Q3.5'), ['stays-blocked']);
  assert.deepEqual(delivered(r.trace), []);
  assert.equal((r.trace.finalState as KvmState).vcpus[1].vcpu.blocked, true);
});

void test('QR3/QR5: KVM acks only a vector whose class beats PPR; TPR blocks a lower class (flow Q3)', () => {
  const r = scen({ flow: 'Q3', profile: 'kvm-inkernel', set: { 'vcpus.1.lapic.tpr': 0x50 }, actions: [{ do: 'send', with: { vector: 0x45, dest: 1 } }, { do: 'send', with: { vector: 0x65, dest: 1 } }] });
  assert.ok(branches(r.trace, 'Q3.6').includes('nothing'), '0x45 is blocked by TPR 0x50');
  assert.deepEqual(delivered(r.trace), ['vector 0x65']);
  assert.deepEqual((r.trace.finalState as KvmState).vcpus[1].lapic.irr, [0x45]);
});

void test('QR7: apic_set_eoi clears the highest ISR bit whatever the handler meant', () => {
  const s = newKvmState('kvm-inkernel');
  s.vcpus[0].lapic.isr = [0x31, 0x61];
  const r = apicSetEoi(s, 0, 'kvm-inkernel', () => undefined, () => 0);
  assert.equal(r.vector, 0x61);
  assert.deepEqual(s.vcpus[0].lapic.isr, [0x31]);
  assert.equal(s.vcpus[0].lapic.ppr, 0x30);
});

void test('QR15: lowest priority with vector hashing picks the (vector mod n)-th candidate', () => {
  const s = newKvmState('kvm-inkernel', 4);
  const r = routeIrq(s, { vector: 0x42, delivery: 'lowest', dest: 0x0f, logical: true, shorthand: 'none', level_triggered: false, level: true }, -1);
  assert.deepEqual(r.targets, [0x42 % 4]);
  s.config.vector_hashing = false;
  s.vcpus[0].vcpu.apic_arb_prio = 5;
  s.vcpus[1].vcpu.apic_arb_prio = 1;
  s.vcpus[2].vcpu.apic_arb_prio = 3;
  s.vcpus[3].vcpu.apic_arb_prio = 2;
  assert.deepEqual(routeIrq(s, { vector: 0x42, delivery: 'lowest', dest: 0x0f, logical: true, shorthand: 'none', level_triggered: false, level: true }, -1).targets, [1]);
});

void test('QR17/QR18: virtual-interrupt delivery and EOI virtualization; an EOI exits only for a vector in the EOI-exit bitmap', () => {
  const l = newLapic();
  const v = newVcpu(0, true);
  l.irr = [0x31, 0x61];
  v.rvi = 0x61;
  v.eoi_exit_bitmap = [0x31];
  assert.equal(recognised(l, v), true);
  assert.equal(deliverVirtual(l, v), 0x61);
  assert.equal(v.svi, 0x61);
  assert.equal(v.rvi, 0x31);
  assert.equal(recognised(l, v), false, '0x31 does not beat VPPR 0x60');
  assert.deepEqual(virtualizeEoi(l, v), { vector: 0x61, exit: false });
  assert.equal(deliverVirtual(l, v), 0x31);
  assert.deepEqual(virtualizeEoi(l, v), { vector: 0x31, exit: true });
});

void test('QR13: kvm-split forwards the EOI even with SVR[12]; the in-kernel IO-APIC never offers LVR[24]', () => {
  const r = scen({ flow: 'Q3', profile: 'kvm-split', set: { 'vcpus.0.lapic.lvr_directed_eoi': true, 'vcpus.0.lapic.svr_directed_eoi': true }, actions: [{ do: 'raise', with: { pin: 10 } }] });
  assert.ok(r.passed);
  assert.deepEqual(branches(r.trace, 'Q3.11'), ['split-exit']);
  assert.equal((r.trace.finalState as KvmState).ioapic.ioredtbl[10].remote_irr, 0);
  assert.throws(() => simulate(flow('Q3'), { profile: 'kvm-inkernel', set: { 'vcpus.0.lapic.lvr_directed_eoi': 'true' } }), /split irqchip/);
});

void test('QR25: divide count, 200 µs periodic clamp, one pending slot, periodic snap to now', () => {
  assert.equal(divideCount(0xb), 1);
  assert.equal(divideCount(0x0), 2);
  assert.equal(divideCount(0x3), 16);
  assert.equal(divideCount(0xa), 128);
  const t = newKvmTimer();
  t.tmict = 10;
  t.tdcr = 0xb;
  assert.deepEqual(setTargetExpiration(t, 'periodic'), { running: true, clamped: true });
  assert.equal(t.period, 200_000);
  t.now = 1_000_000;
  assert.deepEqual(advancePeriodic(t), { snapped: true });
  assert.equal(t.target_expiration, 1_000_000);
  const r = scen({
    flow: 'Q9', profile: 'kvm-inkernel',
    actions: [{ do: 'hv-timer', with: { on: false } }, { do: 'program', with: { vcpu: 1, mode: 'oneshot', tmict: 300000 } }, { do: 'preempt', with: { vcpu: 1 } }, { do: 'advance', with: { vcpu: 1, ns: 400000 } }, { do: 'advance', with: { vcpu: 1, ns: 400000 } }],
  });
  assert.deepEqual(branches(r.trace, 'Q9.4'), ['pending-not-running']);
  assert.deepEqual(branches(r.trace, 'Q9.3'), ['hrtimer', 'not-armed'], 'a one-shot timer fires once');
});

void test('QR25/QR26: a masked LVTT delivers nothing; the timer vector is LVTT[7:0] (236 for Linux)', () => {
  const r = scen({ flow: 'Q9', profile: 'kvm-inkernel', actions: [{ do: 'program', with: { vcpu: 0, mode: 'oneshot', tmict: 1000, masked: true } }, { do: 'advance', with: { vcpu: 0, ns: 2000 } }] });
  assert.deepEqual(branches(r.trace, 'Q9.5'), ['masked']);
  assert.deepEqual(delivered(r.trace), []);
  const ok = scen({ flow: 'Q9', profile: 'kvm-inkernel', actions: [{ do: 'program', with: { vcpu: 0, mode: 'oneshot', tmict: 1000 } }, { do: 'advance', with: { vcpu: 0, ns: 2000 } }] });
  assert.deepEqual(delivered(ok.trace, 'vcpu0'), ['vector 0xec']);
});

void test('QR23: PV EOI arming order — disabled, IRR pending, ISR unknown, IO-APIC-handled, else armed', () => {
  const p = newPvEoi();
  assert.equal(armDecision(p, false, 0x41, () => false), 'disabled');
  p.msr_val = 0x1001;
  assert.equal(armDecision(p, true, 0x41, () => false), 'irr-pending');
  assert.equal(armDecision(p, false, -1, () => false), 'isr-unknown');
  assert.equal(armDecision(p, false, 0x41, (v) => v === 0x41), 'ioapic-needs-eoi');
  assert.equal(armDecision(p, false, 0x41, () => false), 'armed');
});

void test('QR23: a guest that has not EOI\'d by the next exit gets its byte disarmed, and no EOI happens (flow Q12)', () => {
  const r = scen({ flow: 'Q12', profile: 'kvm-inkernel', params: { vcpu: 1, dest: 1, handler_eoi: false }, actions: [{ do: 'enable', with: { vcpu: 1 } }, { do: 'exit', with: { vcpu: 1 } }] });
  assert.deepEqual(branches(r.trace, 'Q12.5'), ['disarmed']);
  const s = r.trace.finalState as KvmState;
  assert.deepEqual(s.vcpus[1].lapic.isr, [0x41], 'still in service');
  assert.equal(s.vcpus[1].pv_eoi.guest_byte, 0);
});

void test('QR9/QR10 (KVM in-kernel): Remote-IRR holds a re-asserted level line until the EOI, which re-delivers it', () => {
  const r = runScenario(allFlows, JSON.parse(fs.readFileSync(path.join(scenarioDir, 'kvm-level-eoi-must-reach-ioapic.json'), 'utf8')));
  assert.ok(r.passed);
  assert.equal(delivered(r.trace, 'vcpu0').length, 2);
});

void test('QR28: an injection cancelled by a late request is re-injected with no second ISR transition (flow Q3)', () => {
  const r = scen({
    flow: 'Q3', profile: 'kvm-inkernel',
    set: { 'vcpus.1.lapic.isr': [0x41], 'vcpus.1.lapic.ppr': 0x40, 'vcpus.1.vcpu.intr_info': 0x41, 'vcpus.1.vcpu.mode': 'OUTSIDE_GUEST_MODE' },
    actions: [{ do: 'run', with: { vcpu: 1 } }],
  });
  assert.deepEqual(branches(r.trace, 'Q3.6'), ['reinject', 'nothing']);
  assert.deepEqual(branches(r.trace, 'Q3.7'), [], 'no second kvm_get_apic_interrupt');
  assert.deepEqual(delivered(r.trace, 'vcpu1'), ['vector 0x41']);
  assert.deepEqual((r.trace.finalState as KvmState).vcpus[1].lapic.isr, []);
});

void test('Q10(e): IPI virtualization handles only Fixed physical no-shorthand IPIs; a broadcast still exits', () => {
  const r = scen({ flow: 'Q10', profile: 'apicv-ipiv', actions: [{ do: 'ipi', with: { src: 0, dest: 0xff, vector: 0xfd } }] });
  assert.deepEqual(branches(r.trace, 'Q10.2'), ['apic-write-exit']);
  assert.deepEqual(branches(r.trace, 'Q10.4'), ['slow-broadcast']);
  assert.deepEqual(delivered(r.trace).length, 2);
});

void test('Q10.6: INIT becomes a pending event accepted by kvm_apic_accept_events, never IRR', () => {
  const r = scen({ flow: 'Q10', profile: 'kvm-inkernel', actions: [{ do: 'ipi', with: { src: 0, dest: 1, vector: 0, delivery: 'init' } }] });
  assert.deepEqual(branches(r.trace, 'Q10.6'), ['accepted']);
  const s = r.trace.finalState as KvmState;
  assert.deepEqual(s.vcpus[1].lapic.irr, []);
  assert.deepEqual(s.vcpus[1].vcpu.pending_events, []);
});

void test('Q5.4: a multicast MSI is not postable and stays remapped; with posting off (apicv-off) the IRTE stays remapped', () => {
  const r = scen({ flow: 'Q5', profile: 'apicv-on', actions: [{ do: 'setup', with: { vector: 0x41, dest: 0xff } }] });
  assert.deepEqual(branches(r.trace, 'Q5.4'), ['not-single-vcpu']);
  const off = scen({ flow: 'Q5', profile: 'apicv-off', actions: [{ do: 'setup' }, { do: 'fire' }] });
  assert.deepEqual(branches(off.trace, 'Q5.4'), ['remapped']);
  assert.deepEqual(branches(off.trace, 'Q5.5'), ['remapped']);
  assert.equal(delivered(off.trace).length, 1, 'delivered through vfio_msihandler and the irqfd instead');
});

void test('QR27: a masked MSI-X vector latches its PBA bit in QEMU instead of reaching KVM (flow Q6)', () => {
  const r = scen({ flow: 'Q6', profile: 'kvm-inkernel', actions: [{ do: 'mask' }, { do: 'msi' }] });
  assert.deepEqual(branches(r.trace, 'Q6.6'), ['masked-pba']);
  assert.equal((r.trace.finalState as KvmState).device.pba, true);
  assert.deepEqual(delivered(r.trace), []);
});

void test('QR9: KVM sets Remote-IRR only when kvm_irq_delivery_to_apic returned non-zero — a disabled APIC or an empty fast-path destination leaves it 0', () => {
  const disabled = scen({ flow: 'Q3', profile: 'kvm-inkernel', set: { 'vcpus.0.lapic.svr_enabled': false }, actions: [{ do: 'raise', with: { pin: 10 } }] });
  assert.deepEqual(branches(disabled.trace, 'Q3.2'), ['dropped']);
  assert.equal((disabled.trace.finalState as KvmState).ioapic.ioredtbl[10].remote_irr, 0);
  // Physical destination 7 has no LAPIC: the fast path handles it with an empty bitmap and returns 0 (not −1).
  const nobody = scen({ flow: 'Q3', profile: 'kvm-inkernel', set: { 'ioapic.ioredtbl.10.dest': 7 }, actions: [{ do: 'raise', with: { pin: 10 } }, { do: 'raise', with: { pin: 10, level: false } }, { do: 'raise', with: { pin: 10 } }] });
  assert.equal((nobody.trace.finalState as KvmState).ioapic.ioredtbl[10].remote_irr, 0);
  assert.deepEqual(branches(nobody.trace, 'Q3.0'), ['message', 'lowered', 'message'], 'with Remote-IRR 0 the next assertion is sent again');
  assert.deepEqual(branches(nobody.trace, 'Q3.1'), ['no-target', 'no-target']);
  // A level message to all (broadcast, slow path) with every APIC enabled is accepted and sets Remote-IRR.
  const all = scen({ flow: 'Q3', profile: 'kvm-inkernel', params: { handler_eoi: false }, set: { 'ioapic.ioredtbl.10.dest': 255 }, actions: [{ do: 'raise', with: { pin: 10 } }] });
  assert.equal((all.trace.finalState as KvmState).ioapic.ioredtbl[10].remote_irr, 1);
  assert.equal(delivered(all.trace).length, 2);
});

void test('QR8 (KVM in-kernel): an edge pin fires only on a 0→1 transition, and an edge that rises while masked is lost', () => {
  const r = scen({
    flow: 'Q3', profile: 'kvm-inkernel',
    actions: [
      { do: 'write-rte', with: { pin: 4, vector: 0x34, trigger: 'edge', dest: 1, mask: false } },
      { do: 'raise', with: { pin: 4, level: true } },
      { do: 'raise', with: { pin: 4, level: true } },
      { do: 'raise', with: { pin: 4, level: false } },
      { do: 'write-rte', with: { pin: 4, vector: 0x34, trigger: 'edge', dest: 1, mask: true } },
      { do: 'raise', with: { pin: 4, level: true } },
      { do: 'write-rte', with: { pin: 4, vector: 0x34, trigger: 'edge', dest: 1, mask: false } },
    ],
  });
  assert.deepEqual(branches(r.trace, 'Q3.0'), ['message', 'coalesced', 'lowered', 'ignored']);
  assert.deepEqual(delivered(r.trace, 'vcpu1'), ['vector 0x34'], 'one delivery: the re-assert coalesced and the masked edge was not replayed on unmask');
  assert.ok(r.trace.outcome.some((o) => o.kind === 'lost' && o.what === 'pin 4'));
  const s = r.trace.finalState as KvmState;
  assert.deepEqual(s.vcpus[1].vcpu.ioapic_handled_vectors, [], 'an edge RTE is not IO-APIC-handled (QR18)');
});
