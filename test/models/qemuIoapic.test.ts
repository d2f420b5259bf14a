// IO-APIC rules QR8–QR12 on the component, per profile, plus the Remote-IRR property with a seeded
// generator: a level pin with Remote-IRR=1 never sends a second message until an EOI for its vector (or an edge RTE write).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IoapicMessage, ioapicEoi, ioapicSetIrq, ioapicService, ioapicWriteEoiRegister, ioapicWriteRte, newIoapic, newRte, ioapicProblems, ioapicForm,
} from '../../models/src/components/ioapic';
import { ModelError } from '../../models/src/core/types';
import { seeded } from './seededRandom';

function level(profile: string, pins: number[], vector = 0x50) {
  const s = newIoapic(profile);
  for (const p of pins) s.ioredtbl[p] = newRte({ vector, trig_mode: 1, mask: 0, dest_mode: 1, dest: 1 });
  return s;
}

void test('QR8 (QEMU-TCG): an edge pin fires on every assert call, even while the line is already high; masked asserts are lost', () => {
  const s = newIoapic('qemu-tcg');
  s.ioredtbl[4] = newRte({ vector: 0x34, mask: 0 });
  const sent: IoapicMessage[] = [];
  const d = (m: IoapicMessage) => (sent.push(m), 1);
  ioapicSetIrq(s, 4, true, 'qemu-tcg', d);
  ioapicSetIrq(s, 4, true, 'qemu-tcg', d);
  assert.equal(sent.length, 2, 'no edge detection in QEMU');
  s.ioredtbl[4].mask = 1;
  assert.equal(ioapicSetIrq(s, 4, true, 'qemu-tcg', d).action, 'ignored');
  s.ioredtbl[4].mask = 0;
  ioapicService(s, 'qemu-tcg', undefined, d);
  assert.equal(sent.length, 2, 'the masked edge was not latched');
});

void test('QR8 (KVM in-kernel, SDM): an edge pin fires only on 0→1; a second assert while high coalesces', () => {
  for (const profile of ['kvm-inkernel', 'sdm']) {
    const s = newIoapic(profile);
    s.ioredtbl[4] = newRte({ vector: 0x34, mask: 0 });
    let n = 0;
    const d = () => (n++, 1);
    assert.equal(ioapicSetIrq(s, 4, true, profile, d).action, 'service');
    assert.equal(ioapicSetIrq(s, 4, true, profile, d).action, 'coalesced', profile);
    ioapicSetIrq(s, 4, false, profile, d);
    ioapicSetIrq(s, 4, true, profile, d);
    assert.equal(n, 2, `${profile}: two 0→1 transitions, two messages`);
  }
});

void test('QR9: a masked level pin keeps its request latched and an unmasking RTE write delivers it (QR11, both profiles)', () => {
  for (const profile of ['qemu-tcg', 'kvm-inkernel']) {
    const s = level(profile, [10]);
    s.ioredtbl[10].mask = 1;
    const r = ioapicSetIrq(s, 10, true, profile);
    assert.equal(r.service?.sent.length ?? 0, 0);
    assert.deepEqual(s.irr, [10]);
    const w = ioapicWriteRte(s, 10, { mask: 0 }, profile);
    assert.equal(w.service.sent.length, 1, `${profile}: unmask delivers the latched level request`);
    assert.equal(s.ioredtbl[10].remote_irr, 1);
  }
});

void test('QR9 (KVM): Remote-IRR is set only when delivery found a target (non-zero), QEMU sets it unconditionally', () => {
  const k = level('kvm-inkernel', [10]);
  ioapicSetIrq(k, 10, true, 'kvm-inkernel', () => 0);
  assert.equal(k.ioredtbl[10].remote_irr, 0);
  const q = level('qemu-tcg', [10]);
  ioapicSetIrq(q, 10, true, 'qemu-tcg', () => 0);
  assert.equal(q.ioredtbl[10].remote_irr, 1);
});

void test('QR10: an EOI is matched by vector only: two level pins sharing a vector are both released', () => {
  const s = level('qemu-tcg', [10, 11], 0x3a);
  ioapicSetIrq(s, 10, true, 'qemu-tcg');
  ioapicSetIrq(s, 11, true, 'qemu-tcg');
  ioapicSetIrq(s, 10, false, 'qemu-tcg');
  ioapicSetIrq(s, 11, false, 'qemu-tcg');
  const r = ioapicEoi(s, 0x3a, 'qemu-tcg');
  assert.deepEqual(r.released, [10, 11]);
  assert.equal(s.ioredtbl[10].remote_irr + s.ioredtbl[11].remote_irr, 0);
});

void test('QR10: storm limiter — the 10000th consecutive re-send is delayed (QEMU, KVM), the SDM model has none', () => {
  for (const profile of ['qemu-tcg', 'kvm-inkernel']) {
    const s = level(profile, [10]);
    ioapicSetIrq(s, 10, true, profile);
    s.irq_eoi[10] = 9999;
    const r = ioapicEoi(s, 0x50, profile);
    assert.deepEqual(r.delayed, [10], profile);
    assert.equal(s.irq_eoi[10], 0);
    assert.equal(s.delayed_service_pending, true);
    assert.equal(s.ioredtbl[10].remote_irr, 0, 'released but not re-sent yet');
  }
  const sdm = level('sdm', [10]);
  ioapicSetIrq(sdm, 10, true, 'sdm');
  sdm.irq_eoi[10] = 9999;
  assert.equal(ioapicEoi(sdm, 0x50, 'sdm').resent.length, 1);
});

void test('QR11: writing trigger=edge clears Remote-IRR (Linux’s fake EOI); other fields keep it', () => {
  for (const profile of ['qemu-tcg', 'kvm-inkernel']) {
    const s = level(profile, [10]);
    ioapicSetIrq(s, 10, true, profile);
    ioapicWriteRte(s, 10, { remote_irr: 0, vector: 0x51 } as never, profile);
    assert.equal(s.ioredtbl[10].remote_irr, 1, `${profile}: Remote-IRR is read-only`);
    const w = ioapicWriteRte(s, 10, { trig_mode: 0, mask: 1 }, profile);
    assert.equal(w.remoteIrrCleared, true);
    assert.equal(s.ioredtbl[10].remote_irr, 0);
  }
});

void test('QR11: after an RTE write QEMU re-services every pin, KVM only the written level pin', () => {
  const q = level('qemu-tcg', [10, 11]);
  q.ioredtbl[11].mask = 1;
  ioapicSetIrq(q, 11, true, 'qemu-tcg');
  q.ioredtbl[11].mask = 0; // unmasked behind the model's back: only a re-service of all pins finds it
  const wq = ioapicWriteRte(q, 10, { vector: 0x52 }, 'qemu-tcg');
  assert.deepEqual(wq.service.sent.map((m) => m.pin), [11]);
  const k = level('kvm-inkernel', [10, 11]);
  k.ioredtbl[11].mask = 1;
  ioapicSetIrq(k, 11, true, 'kvm-inkernel');
  k.ioredtbl[11].mask = 0;
  const wk = ioapicWriteRte(k, 10, { vector: 0x52 }, 'kvm-inkernel');
  assert.deepEqual(wk.service.sent, []);
});

void test('QR12: the EOI register exists on QEMU’s version 0x20 for 4-byte writes only, and not on KVM’s 0x11', () => {
  const q = level('qemu-tcg', [10]);
  ioapicSetIrq(q, 10, true, 'qemu-tcg');
  ioapicSetIrq(q, 10, false, 'qemu-tcg');
  assert.equal(ioapicWriteEoiRegister(q, 0x50, 'qemu-tcg', 2).honoured, false);
  assert.equal(q.ioredtbl[10].remote_irr, 1);
  assert.equal(ioapicWriteEoiRegister(q, 0x50, 'qemu-tcg', 4).honoured, true);
  assert.equal(q.ioredtbl[10].remote_irr, 0);
  const k = level('kvm-inkernel', [10]);
  ioapicSetIrq(k, 10, true, 'kvm-inkernel');
  assert.equal(ioapicWriteEoiRegister(k, 0x50, 'kvm-inkernel').honoured, false);
  assert.equal(k.ioredtbl[10].remote_irr, 1);
});

void test('QR9/QR10 property: a level pin with Remote-IRR=1 never sends a second message until an EOI for its vector (3000 seeded sequences)', () => {
  let sequences = 0;
  let blockedAsserts = 0;
  for (let seed = 1; seed <= 3000; seed++) {
    const rng = seeded(seed);
    const profile = rng.pick(['qemu-tcg', 'kvm-inkernel', 'sdm']);
    const s = newIoapic(profile);
    const pins = [9, 10, 11, 16];
    for (const p of pins) s.ioredtbl[p] = newRte({ vector: rng.pick([0x40, 0x41, 0x50]), trig_mode: rng.bool(0.8) ? 1 : 0, mask: rng.bool(0.2) ? 1 : 0, dest_mode: 1, dest: 1 });
    const inService = new Set<number>(); // level pins whose message is out and not yet EOIed
    const record = (m: IoapicMessage): number => {
      if (s.ioredtbl[m.pin].trig_mode === 1) {
        assert.ok(!inService.has(m.pin), `seed ${seed} (${profile}): pin ${m.pin} sent a second message before its EOI`);
        inService.add(m.pin);
      }
      return 1;
    };
    for (let k = 0; k < 40; k++) {
      const op = rng.int(0, 5);
      const pin = rng.pick(pins);
      if (op <= 1) {
        if (inService.has(pin)) blockedAsserts++;
        ioapicSetIrq(s, pin, true, profile, record);
      } else if (op === 2) {
        ioapicSetIrq(s, pin, false, profile, record);
      } else if (op === 3) {
        const v = rng.pick([0x40, 0x41, 0x50, 0x60]);
        const before = s.ioredtbl.map((e) => e.remote_irr);
        // An EOI for v legitimately ends the service of every level pin with that vector (QR10).
        for (const p of pins) if (s.ioredtbl[p].vector === v && s.ioredtbl[p].trig_mode === 1) inService.delete(p);
        ioapicEoi(s, v, profile, { deliver: record });
        for (const p of pins) if (s.ioredtbl[p].vector !== v && before[p] === 1) assert.equal(s.ioredtbl[p].remote_irr, 1, `seed ${seed}: EOI ${v} touched pin ${p}`);
      } else if (op === 4) {
        const mask = rng.bool(0.3) ? 1 : 0;
        ioapicWriteRte(s, pin, { mask }, profile, record);
      } else {
        // Edge write (Linux's fake EOI, QR11) ends the service; restoring level follows.
        const wasLevel = s.ioredtbl[pin].trig_mode === 1;
        inService.delete(pin);
        ioapicWriteRte(s, pin, { trig_mode: 0, mask: 1 }, profile, record);
        if (wasLevel) ioapicWriteRte(s, pin, { trig_mode: 1, mask: 0 }, profile, record);
      }
      for (const p of pins) if (s.ioredtbl[p].trig_mode === 1) assert.equal(s.ioredtbl[p].remote_irr === 1, inService.has(p), `seed ${seed}: Remote-IRR of pin ${p} tracks its service`);
    }
    assert.deepEqual(ioapicProblems(s, 'ioapic'), []);
    sequences++;
  }
  assert.equal(sequences, 3000);
  assert.ok(blockedAsserts > 1000, `asserts while in service were exercised (${blockedAsserts})`);
});

void test('bad input names the field: pin ≥ 24, reserved delivery mode, vector < 16 unmasked, unknown profile', () => {
  const s = newIoapic('qemu-tcg');
  assert.throws(() => ioapicSetIrq(s, 24, true, 'qemu-tcg'), (e: unknown) => e instanceof ModelError && e.field === 'pin' && /pins 0\.\.23/.test(e.message));
  assert.throws(() => ioapicWriteRte(s, 3, { vector: 5, mask: 0 }, 'qemu-tcg'), (e: unknown) => e instanceof ModelError && /vector = 5/.test(e.message));
  assert.throws(() => ioapicWriteRte(s, 3, { delivery_mode: 3 }, 'qemu-tcg'), (e: unknown) => e instanceof ModelError && /delivery_mode = 3 is reserved/.test(e.message));
  assert.throws(() => ioapicForm('bochs'), (e: unknown) => e instanceof ModelError && e.field === 'profile');
  s.irr = [30];
  assert.match(ioapicProblems(s, 'ioapic').join(';'), /ioapic\.irr holds pin 30/);
});
