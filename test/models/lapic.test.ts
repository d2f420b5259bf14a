// Property tests of the shared LAPIC component (rules QR2, QR3, QR5, QR7, QR13) with a seeded generator, and the
// same invariants observed through the QEMU-TCG flow Q1 (every delivery and every EOI in real traces).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acknowledge, computePpr, eoi, highest, newLapic, acceptFixed, writeSvr, deliverableVector, LapicState, vclass } from '../../models/src/components/lapic';
import { apicGetInterruptLike } from './lapicHelpers';
import { seeded } from './seededRandom';
import { findFlow, runScenario, allFlows } from '@irqlens/models';

function randomLapic(seed: number): { l: LapicState; rng: ReturnType<typeof seeded> } {
  const rng = seeded(seed);
  const l = newLapic();
  l.tpr = rng.pick([0, 0x10, 0x20, 0x40, 0x5f, 0x80, 0xc0, 0xef, rng.int(0, 255)]);
  for (let i = rng.int(0, 6); i > 0; i--) acceptFixed(l, rng.int(16, 255), rng.bool(0.3));
  for (let i = rng.int(0, 3); i > 0; i--) acknowledge(l, rng.pick(['sdm', 'qemu', 'kvm'] as const));
  l.ppr = computePpr(l);
  return { l, rng };
}

void test('QR3/QR5: a delivered vector’s class always exceeds the PPR class (2000 seeded cases, every form)', () => {
  let delivered = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const { l, rng } = randomLapic(seed);
    for (let k = 0; k < 8; k++) {
      if (rng.bool(0.6)) acceptFixed(l, rng.int(16, 255), rng.bool(0.3));
      if (rng.bool(0.2)) l.tpr = rng.int(0, 255);
      const form = rng.pick(['sdm', 'qemu', 'kvm'] as const);
      const pprBefore = computePpr(l);
      const v = acknowledge(l, form);
      if (v >= 0) {
        delivered++;
        assert.ok(vclass(v) > vclass(pprBefore), `seed ${seed}: delivered ${v} (class ${vclass(v)}) but PPR was ${pprBefore} (class ${vclass(pprBefore)})`);
        assert.ok(l.isr.includes(v) && !l.irr.includes(v), `seed ${seed}: ${v} moved IRR → ISR`);
        assert.ok(vclass(l.ppr) >= vclass(v), 'QR5: PPR is now at least the class of the acknowledged vector');
      } else if (highest(l.irr) >= 0 && l.svr_enabled) {
        assert.ok(vclass(highest(l.irr)) <= vclass(pprBefore), `seed ${seed}: hi(IRR) ${highest(l.irr)} was deliverable but not acknowledged`);
      }
    }
  }
  assert.ok(delivered > 1000, `the generator exercised deliveries (${delivered})`);
});

void test('QR7: every EOI clears exactly the highest ISR bit and nothing else (2000 seeded cases)', () => {
  let eois = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const { l, rng } = randomLapic(seed * 7919);
    for (let k = 0; k < 6; k++) {
      if (rng.bool(0.7)) acceptFixed(l, rng.int(16, 255), rng.bool(0.4));
      acknowledge(l);
      const isrBefore = [...l.isr];
      const irrBefore = [...l.irr];
      const r = eoi(l);
      if (isrBefore.length === 0) {
        assert.equal(r.vector, -1, 'QR7: EOI with ISR empty has no effect');
        assert.deepEqual(l.isr, []);
        continue;
      }
      eois++;
      assert.equal(r.vector, highest(isrBefore), `seed ${seed}: EOI cleared ${r.vector}, highest was ${highest(isrBefore)}`);
      assert.deepEqual(l.isr, isrBefore.slice(0, -1), 'exactly one bit, the highest, cleared');
      assert.deepEqual(l.irr, irrBefore, 'IRR untouched by EOI');
      assert.equal(l.ppr, computePpr(l), 'QR2: PPR recomputed');
      assert.equal(r.broadcast, r.level && !l.svr_directed_eoi, 'QR7: broadcast iff TMR set and SVR[12]=0');
    }
  }
  assert.ok(eois > 3000, `EOIs exercised (${eois})`);
});

void test('QR3: the QEMU form differs from the KVM form only for vectors below 16 with PPR 0', () => {
  for (let seed = 1; seed <= 500; seed++) {
    const { l } = randomLapic(seed * 31);
    const q = deliverableVector(l, 'qemu');
    const k = deliverableVector(l, 'kvm');
    if (q !== k) assert.ok(highest(l.irr) < 16 && computePpr(l) === 0, `seed ${seed}: forms differ at hi(IRR)=${highest(l.irr)}, PPR ${computePpr(l)}`);
  }
  const l = newLapic();
  l.irr = [5];
  assert.equal(deliverableVector(l, 'qemu'), 5, 'QEMU: PPR==0 lets vector 5 through');
  assert.equal(deliverableVector(l, 'kvm'), -1, 'KVM: (5 & 0xF0) > 0 is false');
});

void test('QR5 (QEMU): an interrupt blocked between request and INTA yields the spurious vector, ISR untouched', () => {
  const { intno, isr } = apicGetInterruptLike();
  assert.equal(intno, 0xff);
  assert.deepEqual(isr, []);
});

void test('QR13: SVR bit 12 sticks only when LVR[24] advertises directed EOI', () => {
  const l = newLapic();
  writeSvr(l, 0x11ff);
  assert.equal(l.svr_directed_eoi, false, 'QEMU-TCG/KVM in-kernel: LVR[24]=0, bit 12 dropped');
  l.lvr_directed_eoi = true;
  writeSvr(l, 0x11ff);
  assert.equal(l.svr_directed_eoi, true);
  acceptFixed(l, 0x50, true);
  acknowledge(l);
  assert.deepEqual(eoi(l), { vector: 0x50, level: true, broadcast: false }, 'QR7: a level EOI is not broadcast with SVR[12]=1');
});

void test('the invariants hold in Q1 traces: every handled vector beat the PPR it met, every EOI cleared the highest ISR bit', () => {
  const flow = findFlow('Q1');
  assert.ok(flow);
  const rng = seeded(424242);
  let checked = 0;
  for (let i = 0; i < 60; i++) {
    const cpus = rng.int(1, 2);
    const run = runScenario(allFlows, {
      name: `random-${i}`, title: 'random', flow: 'Q1', profile: rng.pick(['qemu-tcg', 'sdm']),
      params: { source: rng.pick(['isa', 'pci-i440fx', 'pci-q35']), irq: rng.pick([1, 3, 4, 5, 10]), pirq: rng.int(0, 3), cpus, device_events: rng.int(1, 3), from_thread: rng.pick(['main-loop', 'vcpu0']) },
      set: { 'cpus.0.lapic.tpr': rng.pick([0, 0x20, 0x40]) },
      actions: [{ do: 'raise' }, { do: 'write-tpr', with: { write_tpr: 0 } }, { do: 'raise' }],
    });
    for (const s of run.trace.steps) {
      if (s.step === 'Q1.11' && s.branch === 'apic') {
        const isr = s.changes.find((c) => /cpus\.\d+\.lapic\.isr$/.test(c.path));
        const pprBefore = s.changes.find((c) => /cpus\.\d+\.lapic\.ppr$/.test(c.path))?.before as number | undefined;
        assert.ok(isr, `${s.step} moved a vector into ISR`);
        const added = (isr.after as number[]).filter((v) => !(isr.before as number[]).includes(v));
        assert.equal(added.length, 1);
        const isrBefore = isr.before as number[];
        const ppr = pprBefore ?? computePpr({ tpr: 0, isr: isrBefore });
        assert.ok(vclass(added[0]) > vclass(ppr), `delivered ${added[0]} above PPR ${ppr}`);
        checked++;
      }
      if (s.step === 'Q1.14' && s.branch !== 'stray') {
        const isr = s.changes.find((c) => /cpus\.\d+\.lapic\.isr$/.test(c.path));
        assert.ok(isr, 'EOI changed ISR');
        const before = isr.before as number[];
        assert.deepEqual(isr.after, before.slice(0, -1), 'the EOI cleared exactly the highest ISR bit');
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `checked ${checked} deliveries and EOIs`);
});
