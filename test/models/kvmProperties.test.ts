// Property tests of the KVM models with a seeded generator: a posted vector is never lost, ON implies a non-empty PIR
// (and a non-empty PIR without ON implies SN), KVM and the CPU deliver only a vector whose class beats PPR, every EOI
// clears exactly the highest in-service vector, and the timer's pending slot never exceeds one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allFlows, runScenario, ScenarioAction, Trace } from '@irqlens/models';
import { KvmState, newKvmState, ackApicInterrupt, apicSetEoi } from '../../models/src/flows/kvm/kvmMachine';
import { newLapic, computePpr, vclass, highest } from '../../models/src/components/lapic';
import { newVcpu } from '../../models/src/components/vcpu';
import { deliverVirtual, recognised, virtualizeEoi, vppr } from '../../models/src/components/apicv';

/** mulberry32: a tiny deterministic generator, so every failure replays from its seed. */
function rng(seed: number): { int(lo: number, hi: number): number; pick<T>(xs: readonly T[]): T; bool(p?: number): boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), pick: (xs) => xs[Math.floor(next() * xs.length)], bool: (p = 0.5) => next() < p };
}

const VECTORS = [0x31, 0x41, 0x45, 0x61, 0x81, 0xd1];

function deliveries(t: Trace, target: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const o of t.outcome) {
    if (o.kind !== 'delivered' || o.target !== target || !o.what?.startsWith('vector ')) continue;
    const v = Number(o.what.slice(7));
    m.set(v, (m.get(v) ?? 0) + 1);
  }
  return m;
}

/** Runs every prefix of an action list as a scenario, so the invariant is checked after each action. */
function prefixes(flowId: string, profile: string, actions: ScenarioAction[], params: Record<string, number | boolean | string>, check: (k: number, t: Trace, prev: Trace | undefined) => void): void {
  let prev: Trace | undefined;
  for (let k = 1; k <= actions.length; k++) {
    const r = runScenario(allFlows, { name: 'prop', title: 'prop', flow: flowId, profile, params, actions: actions.slice(0, k) });
    assert.equal(r.trace.truncated, false, `prefix ${k} ended`);
    check(k - 1, r.trace, prev);
    prev = r.trace;
  }
}

function pendingSets(s: KvmState, i: number): Set<number> {
  const slot = s.vcpus[i];
  return new Set([...slot.pi_desc.pir, ...slot.lapic.irr, ...slot.lapic.isr]);
}

void test('property (QR19, QR21): a posted vector is never lost — it stays in PIR, IRR or ISR until it is delivered (software and IOMMU senders)', () => {
  let cases = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const iommu = seed % 2 === 0;
    const vec = r.pick(VECTORS);
    const actions: ScenarioAction[] = iommu ? [{ do: 'setup', with: { vector: vec, dest: 1 } }] : [];
    const posted: (number | undefined)[] = iommu ? [undefined] : [];
    for (let n = 0; n < 14; n++) {
      const op = r.int(0, 9);
      if (op <= 3) {
        const v = iommu ? vec : r.pick(VECTORS);
        actions.push(iommu ? { do: 'fire' } : { do: 'post', with: { vector: v, dest: 1, src: -1 } });
        posted.push(v);
        continue;
      }
      posted.push(undefined);
      if (op === 4) actions.push({ do: 'block', with: { vcpu: 1 } });
      else if (op === 5) actions.push({ do: 'preempt', with: { vcpu: 1 } });
      else if (op <= 7) actions.push({ do: 'schedule-in', with: { vcpu: 1, cpu: r.int(0, 3) } });
      else actions.push({ do: 'set-if', with: { vcpu: 1, if: r.bool(0.7) } });
    }
    // Skip impossible sequences the model rejects (HLT while preempted, preempting a blocked vCPU): they are bad input.
    const valid: ScenarioAction[] = [];
    const validPosted: (number | undefined)[] = [];
    for (let k = 0; k < actions.length; k++) {
      try {
        runScenario(allFlows, { name: 'p', title: 'p', flow: iommu ? 'Q5' : 'Q4', profile: 'apicv-on', actions: [...valid, actions[k]] });
        valid.push(actions[k]);
        validPosted.push(posted[k]);
      } catch {
        /* rejected with a ModelError: not a reachable sequence */
      }
    }
    let outstanding = new Set<number>();
    prefixes(iommu ? 'Q5' : 'Q4', 'apicv-on', valid, {}, (k, t, prev) => {
      const now = deliveries(t, 'vcpu1');
      const before = prev ? deliveries(prev, 'vcpu1') : new Map<number, number>();
      const v = validPosted[k];
      if (v !== undefined) outstanding.add(v);
      outstanding = new Set([...outstanding].filter((x) => (now.get(x) ?? 0) <= (before.get(x) ?? 0)));
      const s = t.finalState as KvmState;
      const pend = pendingSets(s, 1);
      for (const x of outstanding) assert.ok(pend.has(x), `seed ${seed} after action ${k} (${valid[k].do}): vector 0x${x.toString(16)} posted but neither delivered nor in PIR/IRR/ISR`);
      cases++;
    });
  }
  assert.ok(cases > 300, `checked ${cases} states`);
});

void test('property (QR19, QR21): ON=1 implies a non-empty PIR; a non-empty PIR with ON=0 implies SN=1; a vCPU in guest mode has ON=0', () => {
  let cases = 0;
  for (let seed = 100; seed < 130; seed++) {
    const r = rng(seed);
    const actions: ScenarioAction[] = [{ do: 'setup', with: { vector: r.pick(VECTORS), dest: 1 } }];
    for (let n = 0; n < 12; n++) actions.push(r.pick<ScenarioAction>([{ do: 'fire' }, { do: 'fire' }, { do: 'preempt', with: { vcpu: 1 } }, { do: 'schedule-in', with: { vcpu: 1, cpu: r.int(0, 3) } }, { do: 'block', with: { vcpu: 1 } }, { do: 'set-if', with: { vcpu: 1, if: r.bool(0.6) } }]));
    const valid: ScenarioAction[] = [];
    for (const a of actions) {
      try {
        runScenario(allFlows, { name: 'p', title: 'p', flow: 'Q5', profile: 'apicv-on', actions: [...valid, a] });
        valid.push(a);
      } catch {
        /* unreachable sequence */
      }
    }
    prefixes('Q5', 'apicv-on', valid, {}, (k, t) => {
      const s = t.finalState as KvmState;
      for (const [i, slot] of s.vcpus.entries()) {
        const pi = slot.pi_desc;
        const where = `seed ${seed} action ${k} vcpu${i}`;
        if (pi.on) assert.ok(pi.pir.length > 0, `${where}: ON=1 with an empty PIR`);
        if (pi.pir.length > 0 && !pi.on) assert.ok(pi.sn, `${where}: PIR [${pi.pir}] stranded with ON=0 and SN=0`);
        if (slot.vcpu.mode === 'IN_GUEST_MODE') assert.equal(pi.on, false, `${where}: in guest mode with ON=1`);
      }
      cases++;
    });
  }
  assert.ok(cases > 200, `checked ${cases} states`);
});

void test('property (QR3, QR5, QR17): KVM acks, and the CPU delivers, only a vector whose class exceeds the PPR class', () => {
  const r = rng(7);
  let acked = 0;
  for (let n = 0; n < 2000; n++) {
    const s = newKvmState('kvm-inkernel');
    const l = s.vcpus[0].lapic;
    l.tpr = r.int(0, 255);
    l.irr = [...new Set(Array.from({ length: r.int(0, 4) }, () => r.int(16, 255)))].sort((a, b) => a - b);
    l.isr = [...new Set(Array.from({ length: r.int(0, 2) }, () => r.int(16, 255)))].sort((a, b) => a - b);
    const pprBefore = computePpr(l);
    const v = ackApicInterrupt(s, 0);
    if (v >= 0) {
      acked++;
      assert.ok(vclass(v) > vclass(pprBefore), `acked 0x${v.toString(16)} with PPR 0x${pprBefore.toString(16)}`);
      assert.equal(v, highest([...l.irr, v]), 'the acked vector was hi(IRR)');
      assert.ok(l.isr.includes(v));
    } else if (highest(l.irr) >= 0) {
      assert.ok(vclass(highest(l.irr)) <= vclass(pprBefore), 'a deliverable vector was refused');
    }
    // The CPU's virtual-interrupt delivery (APICv).
    const vl = newLapic();
    const vc = newVcpu(0, true);
    vl.tpr = r.int(0, 255);
    vl.irr = [...new Set(Array.from({ length: r.int(1, 4) }, () => r.int(16, 255)))].sort((a, b) => a - b);
    vl.isr = [...new Set(Array.from({ length: r.int(0, 2) }, () => r.int(16, 255)))].sort((a, b) => a - b);
    vc.svi = Math.max(highest(vl.isr), 0);
    vc.rvi = highest(vl.irr);
    const vp = vppr(vl, vc.svi);
    if (recognised(vl, vc)) {
      const d = deliverVirtual(vl, vc);
      assert.ok(vclass(d) > vclass(vp), `virtual delivery of 0x${d.toString(16)} with VPPR 0x${vp.toString(16)}`);
    }
  }
  assert.ok(acked > 300, `${acked} acknowledgements checked`);
});

void test('property (QR7, QR18): every EOI clears exactly the highest in-service vector (KVM apic_set_eoi and EOI virtualization)', () => {
  const r = rng(11);
  for (let n = 0; n < 1000; n++) {
    const s = newKvmState('kvm-inkernel');
    const isr = [...new Set(Array.from({ length: r.int(1, 5) }, () => r.int(16, 255)))].sort((a, b) => a - b);
    s.vcpus[0].lapic.isr = [...isr];
    const e = apicSetEoi(s, 0, 'kvm-inkernel', () => undefined, () => 0);
    assert.equal(e.vector, isr[isr.length - 1]);
    assert.deepEqual(s.vcpus[0].lapic.isr, isr.slice(0, -1));
    const l = newLapic();
    const v = newVcpu(0, true);
    l.isr = [...isr];
    v.svi = isr[isr.length - 1];
    const ve = virtualizeEoi(l, v);
    assert.equal(ve.vector, isr[isr.length - 1]);
    assert.deepEqual(l.isr, isr.slice(0, -1));
    assert.equal(v.svi, Math.max(highest(l.isr), 0));
  }
});

void test('property (QR25): the timer never holds more than one pending interrupt, and every expiry is delivered, pending, dropped or coalesced', () => {
  let cases = 0;
  for (let seed = 200; seed < 225; seed++) {
    const r = rng(seed);
    const actions: ScenarioAction[] = [{ do: 'hv-timer', with: { on: r.bool() } }, { do: 'program', with: { vcpu: 0, mode: r.pick(['oneshot', 'periodic', 'tsc-deadline']), tmict: r.int(1000, 400000), tdcr: 0xb, deadline: r.int(1000, 900000) } }];
    for (let n = 0; n < 10; n++) {
      actions.push(r.pick<ScenarioAction>([
        { do: 'advance', with: { vcpu: 0, ns: r.int(0, 500000) } },
        { do: 'advance', with: { vcpu: 0, ns: r.int(0, 500000) } },
        { do: 'preempt', with: { vcpu: 0 } },
        { do: 'schedule-in', with: { vcpu: 0 } },
        { do: 'set-if', with: { vcpu: 0, if: r.bool(0.7) } },
        { do: 'program', with: { vcpu: 0, mode: r.pick(['oneshot', 'periodic']), tmict: r.int(1000, 400000), tdcr: 0xb } },
      ]));
    }
    const valid: ScenarioAction[] = [];
    for (const a of actions) {
      try {
        runScenario(allFlows, { name: 'p', title: 'p', flow: 'Q9', profile: r.pick(['kvm-inkernel', 'apicv-on']), actions: [...valid, a] });
        valid.push(a);
      } catch {
        /* unreachable sequence */
      }
    }
    for (const profile of ['kvm-inkernel', 'apicv-on']) {
      prefixes('Q9', profile, valid, {}, (k, t) => {
        const s = t.finalState as KvmState;
        const tm = s.vcpus[0].timer;
        assert.ok(tm.pending === 0 || tm.pending === 1, `seed ${seed} ${profile} action ${k}: pending = ${tm.pending}`);
        const expiries = t.steps.filter((x) => x.step === 'Q9.4').length;
        const dropped = t.steps.filter((x) => x.step === 'Q9.4' && x.branch === 'dropped').length;
        assert.equal(dropped, tm.dropped, 'every dropped tick is counted');
        const injections = t.steps.filter((x) => x.step === 'Q9.5' && x.branch === 'injected').length;
        assert.ok(expiries - dropped >= injections, 'no injection without an expiry');
        assert.ok(expiries - dropped - injections <= 1 + t.steps.filter((x) => x.step === 'Q9.1').length, 'undelivered expiries are at most the pending slot (reset by reprogramming)');
        cases++;
      });
    }
  }
  assert.ok(cases > 200, `checked ${cases} states`);
});
