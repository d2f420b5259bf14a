// The smaller QEMU components: the i8259 pair (QEMU pic_set_irq / pic_get_irq / pic_read_irq, Q1.2a), the TCG
// delivery bitmask (QR15, apic_get_delivery_bitmask), QEMU's APIC timer arithmetic (QR24) and eventfd counting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newI8259, picGetOutput, picReadIrq, picSetIrq } from '../../models/src/components/i8259';
import { deliveryBitmask, newTcgCpu, decodeLvt, LVT_LINT0 } from '../../models/src/components/tcgCpu';
import { apicNextTimer, currentCount, newQemuApicTimer, writeTdcr, writeTmict } from '../../models/src/components/qemuApicTimer';
import { decodeMsi, eventfdRead, eventfdSignal, newEventfd } from '../../models/src/components/eventfd';
import { ModelError } from '../../models/src/core/types';

void test('i8259: an edge input latches once per 0→1, a level (ELCR) input follows the line; IMR gates the output', () => {
  const p = newI8259([4, 10]);
  picSetIrq(p, 4, true);
  assert.equal(picGetOutput(p), true);
  assert.deepEqual(picReadIrq(p), { vector: 0x34, irq: 4, spurious: false });
  picSetIrq(p, 4, true); // still high: no new edge
  assert.equal(picGetOutput(p), false, 'IRQ4 in service and no new edge');
  picSetIrq(p, 3, true);
  assert.equal(picGetOutput(p), false, 'IRQ3 is masked in IMR');
  picSetIrq(p, 10, true); // ELCR level, through the slave on master input 2
  assert.equal(p.slave.int_out, 1);
  const r = picReadIrq(p);
  assert.equal(r.irq, 10, 'IRQ10 via the cascade outranks in-service IRQ4 (IRQ2 has higher priority than 4)');
  assert.equal(r.vector, 0x38 + 2);
  assert.equal(p.slave.irr & (1 << 2), 1 << 2, 'a level IRQ stays in IRR after INTA');
});

void test('i8259: INTA with nothing pending returns the spurious IRQ 7 vector; bad IRQ numbers name the field', () => {
  const p = newI8259();
  assert.deepEqual(picReadIrq(p), { vector: 0x37, irq: 7, spurious: true });
  assert.throws(() => picSetIrq(p, 16, true), (e: unknown) => e instanceof ModelError && e.field === 'irq');
});

void test('QR15 (QEMU): physical, broadcast, logical flat and logical cluster destinations', () => {
  const cpus = [0, 1, 2, 3].map((i) => newTcgCpu(i, 'qemu-tcg'));
  assert.deepEqual(deliveryBitmask(cpus, 2, 0), [2], 'physical ID 2');
  assert.deepEqual(deliveryBitmask(cpus, 0xff, 0), [0, 1, 2, 3], 'physical broadcast');
  assert.deepEqual(deliveryBitmask(cpus, 0x09, 1), [0, 3], 'flat: LDR bits 0 and 3');
  assert.deepEqual(deliveryBitmask(cpus, 7, 0), [], 'no APIC with ID 7');
  for (const c of cpus) {
    c.dest_mode = 0x0;
    c.log_dest = c.index < 2 ? 0x10 | (1 << c.index) : 0x20 | (1 << (c.index - 2));
  }
  assert.deepEqual(deliveryBitmask(cpus, 0x13, 1), [0, 1], 'cluster 1, members 0 and 1');
  assert.deepEqual(deliveryBitmask(cpus, 0x21, 1), [2], 'cluster 2, member 0');
});

void test('LVT decode of a raw dump: LINT0 0x10700 is a masked ExtINT, LINT1 0x400 an NMI', () => {
  assert.match(decodeLvt(LVT_LINT0, 67328), /ExtINT.*masked/);
  assert.match(decodeLvt(4, 1024), /NMI.*unmasked/);
  assert.match(decodeLvt(0, 236), /vector 236 fixed one-shot unmasked/);
});

void test('QR24 (QEMU): TDCR → shift, one-shot at load + (IC+1)<<shift, current count, TMICT 0 / masked never arm', () => {
  const t = newQemuApicTimer();
  writeTdcr(t, 0xb);
  assert.equal(t.count_shift, 0, 'TDCR 0xB → ÷1');
  writeTdcr(t, 0x3);
  assert.equal(t.count_shift, 4, 'TDCR 0x3 → ÷16');
  writeTmict(t, 100, 1000);
  assert.equal(apicNextTimer(t, 0xec, 1000).armed, true);
  assert.equal(t.next_time, 1000 + 101 * 16);
  assert.equal(currentCount(t, 0xec, 1000 + 10 * 16), 90);
  assert.equal(apicNextTimer(t, 0xec, t.next_time).armed, false, 'one-shot: deleted after it fired');
  assert.equal(apicNextTimer(t, 0x100ec, 1000).armed, false, 'masked');
  writeTmict(t, 0, 0);
  assert.equal(apicNextTimer(t, 0x200ec, 0).armed, false, 'periodic with IC 0');
  assert.throws(() => writeTmict(t, -1, 0), (e: unknown) => e instanceof ModelError && e.field === 'tmict');
});

void test('eventfd: signals add up and one read takes them all (several vhost signals → one irqfd injection); MSI decode (QR14)', () => {
  const fd = newEventfd('kvm-irqfd');
  assert.equal(eventfdSignal(fd), 'kvm-irqfd');
  eventfdSignal(fd, 2);
  assert.equal(eventfdRead(fd), 3);
  assert.equal(eventfdRead(fd), 0);
  assert.deepEqual(decodeMsi(0xfee01004, 0x80b1), { dest: 1, dest_mode: 1, vector: 0xb1, delivery_mode: 0, trig_mode: 1 });
  assert.throws(() => decodeMsi(0x1000, 0x41), (e: unknown) => e instanceof ModelError && e.field === 'address');
});
