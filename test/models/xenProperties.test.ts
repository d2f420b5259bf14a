// Property tests of the Xen event-channel invariants (rules XR1–XR35) over seeded random states:
// a masked port never raises the upcall, the 2-level scan handles each eligible port exactly once,
// FIFO consumes in priority order, rebinding never moves pending state; plus bad input → ModelError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError, allFlows, findFlow, runScenario, simulate } from '@irqlens/models';
import { SharedInfo, VcpuInfo, bindVcpu, newEvtchn, set2lPending, virqIsGlobal, wordOf } from '../../models/src/components/evtchn2l';
import { activeEvtchns, newLinuxEvtchn, newScan, scan2lNext } from '../../models/src/components/linuxEvtchn';
import { newFifo, newWord, fifoSetPending, fifoConsumeOne } from '../../models/src/components/evtchnFifo';
import type { XenDomainState } from '../../models/src/components/xenDomain';

/** mulberry32: a small seeded generator, so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const sample = (r: () => number, n: number, max: number): number[] => [...new Set(Array.from({ length: n }, () => 1 + Math.floor(r() * (max - 1))))].sort((a, b) => a - b);

void test('property: a masked port never raises the upcall (XR9), on any flow state, PV or HVM', () => {
  const r = rng(1);
  for (let i = 0; i < 60; i++) {
    const guest = pick(r, ['pv', 'hvm'] as const);
    const callback = pick(r, ['percpu-vector', 'vector', 'gsi', 'pci-intx']);
    const port = pick(r, [1, 2, 10, 11]);
    const vcpu = pick(r, [-1, 0, 1]);
    const run = runScenario(allFlows, {
      name: 'p', title: 'p', flow: 'X1', params: { guest, callback },
      actions: [{ do: 'mask', with: { port } }, { do: 'raise', with: { port, vcpu } }],
    });
    const st = run.trace.finalState as XenDomainState;
    const ctx = `trial ${i}: ${guest}/${callback} port ${port} vcpu ${vcpu}`;
    assert.ok(!run.trace.steps.some((s) => /^X1\.8/.test(s.step)), `${ctx}: vcpu_mark_events_pending ran`);
    assert.ok(st.vcpu_info.every((v) => v.evtchn_upcall_pending === 0 && v.evtchn_pending_sel.length === 0), `${ctx}: UP/SEL changed`);
    assert.equal(run.trace.outcome.filter((o) => o.kind === 'delivered').length, 0, `${ctx}: delivered`);
    assert.ok(st.shared_info.evtchn_pending.includes(port), `${ctx}: P latched`);
  }
});

void test('property: set-pending is idempotent — a second call changes nothing (XR8)', () => {
  const r = rng(2);
  for (let i = 0; i < 200; i++) {
    const si: SharedInfo = { evtchn_pending: sample(r, 5, 4096), evtchn_mask: sample(r, 5, 4096) };
    const vi: VcpuInfo = { evtchn_upcall_pending: 0, evtchn_upcall_mask: 0, evtchn_pending_sel: [...new Set(sample(r, 3, 4096).map((p) => wordOf(p)))].sort((a, b) => a - b) };
    const port = 1 + Math.floor(r() * 4095);
    set2lPending(si, vi, port);
    const snap = JSON.stringify([si, vi]);
    assert.equal(set2lPending(si, vi, port), 'already-pending');
    assert.equal(JSON.stringify([si, vi]), snap);
  }
});

for (const profile of ['xen417-linux61', 'linux2007']) {
  void test(`property (${profile}): the 2-level scan handles every pending unmasked port bound to the CPU exactly once (XR20, XR21)`, () => {
    const r = rng(profile === 'linux2007' ? 4 : 3);
    const W = profile === 'linux2007' ? 32 : 64; // the 2007 guest is i386: 32-port words, 1024 ports
    for (let i = 0; i < 300; i++) {
      const cpus = 2;
      const l = newLinuxEvtchn(cpus);
      const bound = sample(r, 12, W * W);
      for (const p of bound) l.cpu_evtchn_mask[Math.floor(r() * cpus)].push(p);
      l.cpu_evtchn_mask.forEach((m) => m.sort((a, b) => a - b));
      const si: SharedInfo = { evtchn_pending: bound.filter(() => r() < 0.6), evtchn_mask: bound.filter(() => r() < 0.25) };
      const cpu = Math.floor(r() * cpus);
      const words = [...new Set(si.evtchn_pending.map((p) => wordOf(p, W)))];
      const vi: VcpuInfo = { evtchn_upcall_pending: 0, evtchn_upcall_mask: 0, evtchn_pending_sel: words.filter(() => r() < 0.8).sort((a, b) => a - b) };
      l.current_word_idx[cpu] = Math.floor(r() * W);
      l.current_bit_idx[cpu] = Math.floor(r() * W);
      const timerPort = r() < 0.3 ? pick(r, bound) : 0;
      const expected = si.evtchn_pending
        .filter((p) => vi.evtchn_pending_sel.includes(wordOf(p, W)) && activeEvtchns(si, l.cpu_evtchn_mask[cpu], wordOf(p, W), W).includes(p % W))
        .concat(timerPort && activeEvtchns(si, l.cpu_evtchn_mask[cpu], wordOf(timerPort, W), W).includes(timerPort % W) && profile !== 'linux2007' && !vi.evtchn_pending_sel.includes(wordOf(timerPort, W)) ? [timerPort] : []);
      const s = newScan();
      const seen: number[] = [];
      for (let n = 0; n < 10000; n++) {
        const got = scan2lNext(s, si, vi, l, cpu, timerPort, profile, W);
        if (!got) break;
        seen.push(got.port);
        si.evtchn_pending = si.evtchn_pending.filter((p) => p !== got.port); // the handler's ack clears P (XR23)
      }
      assert.deepEqual([...seen].sort((a, b) => a - b), [...new Set(expected)].sort((a, b) => a - b), `trial ${i}`);
      assert.equal(new Set(seen).size, seen.length, `trial ${i}: a port was handled twice`);
      assert.deepEqual(vi.evtchn_pending_sel, [], 'the selector was consumed (xchg)');
    }
  });
}

void test('property: 6.1 scan order starts at the cursor and wraps (XR21b)', () => {
  const r = rng(5);
  for (let i = 0; i < 200; i++) {
    const l = newLinuxEvtchn(1);
    const ports = sample(r, 10, 4096);
    l.cpu_evtchn_mask[0] = ports;
    const si: SharedInfo = { evtchn_pending: [...ports], evtchn_mask: [] };
    const vi: VcpuInfo = { evtchn_upcall_pending: 0, evtchn_upcall_mask: 0, evtchn_pending_sel: [...new Set(ports.map((p) => wordOf(p)))].sort((a, b) => a - b) };
    const cursor = Math.floor(r() * 4096);
    l.current_word_idx[0] = Math.floor(cursor / 64);
    l.current_bit_idx[0] = cursor % 64;
    const s = newScan();
    const seen: number[] = [];
    for (let got = scan2lNext(s, si, vi, l, 0, 0, 'xen417-linux61'); got; got = scan2lNext(s, si, vi, l, 0, 0, 'xen417-linux61')) {
      seen.push(got.port);
      si.evtchn_pending = si.evtchn_pending.filter((p) => p !== got!.port);
    }
    const rotated = [...ports.filter((p) => p >= cursor), ...ports.filter((p) => p < cursor)];
    assert.deepEqual(seen, rotated, `trial ${i}: cursor ${cursor}`);
  }
});

void test('property: FIFO consumes each linked, pending, unmasked port once, by priority then arrival (XR29, XR31)', () => {
  const r = rng(6);
  for (let i = 0; i < 200; i++) {
    const f = newFifo(1);
    const ports = sample(r, 8, 1024);
    const chs = Object.fromEntries(ports.map((p) => [p, newEvtchn({ state: 'ECS_INTERDOMAIN', priority: Math.floor(r() * 16) })]));
    for (const p of ports) f.event_word[String(p)] = newWord({ MASKED: r() < 0.2 ? 1 : 0 });
    const order: number[] = [];
    for (const p of ports.sort(() => r() - 0.5)) if (fifoSetPending(f, chs[p], p, 0).result !== 'masked') order.push(p);
    const expected = [...order].sort((a, b) => chs[a].priority - chs[b].priority || order.indexOf(a) - order.indexOf(b));
    const ready = [...f.control_block[0].ready];
    f.control_block[0].ready = [];
    const seen: number[] = [];
    while (ready.length) {
      const c = fifoConsumeOne(f, 0, ready[0], ready);
      if (c.handle) seen.push(c.port);
    }
    assert.deepEqual(seen, expected, `trial ${i}`);
    assert.ok(Object.values(f.event_word).every((w) => w.LINKED === 0), 'every consumed word is unlinked');
  }
});

void test('property: EVTCHNOP_bind_vcpu never touches pending or selector state (XR5)', () => {
  const r = rng(7);
  for (let i = 0; i < 200; i++) {
    const st = pick(r, ['ECS_UNBOUND', 'ECS_INTERDOMAIN', 'ECS_PIRQ', 'ECS_VIRQ', 'ECS_IPI'] as const);
    const ch = newEvtchn({ state: st, virq: pick(r, [0, 2]), notify_vcpu_id: 0 });
    const si: SharedInfo = { evtchn_pending: sample(r, 4, 4096), evtchn_mask: [] };
    const snap = JSON.stringify(si);
    const v = Math.floor(r() * 3);
    const res = bindVcpu(ch, v, 2, virqIsGlobal);
    assert.equal(JSON.stringify(si), snap);
    if (v >= 2) assert.equal(res, -2, 'unknown vCPU → -ENOENT first');
    else if (st === 'ECS_IPI' || (st === 'ECS_VIRQ' && ch.virq === 0)) assert.equal(res, -22, `${st} virq ${ch.virq} must be refused`);
    else assert.equal(ch.notify_vcpu_id, v);
  }
});

// ---- bad input -------------------------------------------------------------------------------------------
function throwsModelError(fn: () => unknown, field: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ModelError && field.test(e.message), `expected a ModelError matching ${field}`);
}

void test('bad input: port ≥ 4096 under 2-level and ≥ 131072 under FIFO are ModelErrors naming the port', () => {
  throwsModelError(() => simulate(findFlow('X5')!, { params: { port: 4096 } }), /port = 4096: the 2-level ABI has ports 1\.\.4095/);
  throwsModelError(() => simulate(findFlow('X7')!, { params: { port: 131072 } }), /port = 131072: the FIFO ABI has ports 1\.\.131071/);
  assert.doesNotThrow(() => simulate(findFlow('X7')!, { params: { port: 5000 } }), 'FIFO accepts port 5000');
  throwsModelError(() => runScenario(allFlows, { name: 'b', title: 'b', flow: 'X1', actions: [{ do: 'raise', with: { port: 5000 } }] }), /port = 5000/);
  // The 2007 guest is i386: a 32-bit shared_info has 32 × 32 = 1024 ports (Linux 2.6.23's "1024 event channels").
  throwsModelError(() => runScenario(allFlows, { name: 'b', title: 'b', flow: 'X1', profile: 'linux2007', actions: [{ do: 'raise', with: { port: 1024 } }] }), /port = 1024: the 2-level ABI has ports 1\.\.1023/);
  throwsModelError(() => simulate(findFlow('X1')!, { profile: 'linux2007', set: { 'shared_info.evtchn_pending': '2000' } }), /holds port 2000, beyond the ABI's 1024 ports/);
});

void test('bad input: unknown vCPU is a ModelError naming the field', () => {
  throwsModelError(() => simulate(findFlow('X2')!, { params: { vcpu: 5 } }), /vcpu = 5: unknown vCPU/);
  throwsModelError(() => runScenario(allFlows, { name: 'b', title: 'b', flow: 'X1', actions: [{ do: 'unmask', with: { port: 10, cpu: 3 } }] }), /cpu = 3: unknown vCPU/);
  throwsModelError(() => simulate(findFlow('X1')!, { set: { 'evtchn.10.notify_vcpu_id': '7' } }), /evtchn\.10\.notify_vcpu_id = 7: unknown vCPU/);
});

void test('bad input: impossible states name the field', () => {
  throwsModelError(() => simulate(findFlow('X1')!, { set: { 'shared_info.evtchn_pending': '10,4100' } }), /shared_info\.evtchn_pending holds port 4100/);
  throwsModelError(() => simulate(findFlow('X1')!, { set: { 'shared_info.evtchn_pending': '0' } }), /port 0/);
  throwsModelError(() => simulate(findFlow('X1')!, { set: { 'vcpu_info.0.evtchn_pending_sel': '64' } }), /evtchn_pending_sel holds word 64/);
  throwsModelError(() => simulate(findFlow('X1')!, { set: { 'linux.irq_info.40.mask_reason': '8' } }), /mask_reason = 8/);
  throwsModelError(() => simulate(findFlow('X6')!, { set: { 'vcpu.1.evtchn_upcall_vector': '5' } }), /evtchn_upcall_vector = 5/);
  throwsModelError(() => simulate(findFlow('X1')!, { profile: 'linux2007', params: { guest: 'hvm' } }), /linux2007\) supports PV guests only/);
  throwsModelError(() => simulate(findFlow('X7')!, { set: { 'fifo.event_word.10.LINK': '200000' } }), /LINK = 200000/);
  throwsModelError(() => simulate(findFlow('X1')!, { from: 'X6.4@X1' }), /X6\.4 runs only for HVM guests, but the domain is pv/);
  throwsModelError(() => simulate(findFlow('X1')!, { from: 'X1.10', params: { guest: 'hvm' } }), /X1\.10 runs only for PV guests/);
  throwsModelError(() => simulate(findFlow('X1')!, { from: 'X1.6', params: { port: 10, vcpu: 4 } }), /vcpu = 4: unknown vCPU/);
});
