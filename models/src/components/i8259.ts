// The cascaded i8259 pair (master + slave on master input 2) as QEMU 7.2 emulates it (hw/intc/i8259.c):
// ELCR edge/level inputs, IRR with edge detection, IMR, ISR, rotating priority, INTA (`pic_read_irq`).
// Mirrors QEMU's `PICCommonState` (include/hw/isa/i8259_internal.h); step Q1.2a. Registers are 8-bit masks, as in the code.

import { ModelError } from '../core/types';

export interface PicChip {
  /** Request register: level inputs follow the line, edge inputs latch a 0→1. */
  irr: number;
  /** Line state seen at the last call, for edge detection. */
  last_irr: number;
  imr: number;
  isr: number;
  /** Rotating priority: the input with the highest priority is `priority_add`. */
  priority_add: number;
  /** ICW2: vector of input 0 (Linux: 0x30 master, 0x38 slave; BIOS: 0x08/0x70). */
  irq_base: number;
  /** Edge/level control register: bit set = level (QEMU's ELCR; master 0x4d0, slave 0x4d1). */
  elcr: number;
  auto_eoi: boolean;
  special_mask: boolean;
  special_fully_nested_mode: boolean;
  /** The INT output (`int_out[0]`): master → `pic_irq_request`, slave → master input 2. */
  int_out: number;
}

export interface I8259State {
  master: PicChip;
  slave: PicChip;
}

function newChip(irq_base: number, imr: number, elcr: number): PicChip {
  return { irr: 0, last_irr: 0, imr, isr: 0, priority_add: 0, irq_base, elcr, auto_eoi: false, special_mask: false, special_fully_nested_mode: false, int_out: 0 };
}

/**
 * A Linux guest in APIC mode: vectors 0x30/0x38 (`init_8259A`), every IRQ routed through the IO-APIC masked in
 * the 8259 (`legacy_pic->mask` in `mp_irqdomain_alloc`), ELCR as the MADT says (QEMU: 5, 9, 10, 11 level).
 * `unmaskedIrqs` lists the ISA IRQs left unmasked (PIC mode, or a test).
 */
export function newI8259(unmaskedIrqs: number[] = []): I8259State {
  let imr = 0xffff;
  for (const irq of unmaskedIrqs) {
    checkIsaIrq(irq);
    imr &= ~(1 << irq);
    if (irq >= 8) imr &= ~(1 << 2); // the cascade input must be open for a slave IRQ
  }
  const elcr = (1 << 5) | (1 << 9) | (1 << 10) | (1 << 11);
  return { master: newChip(0x30, imr & 0xff, elcr & 0xff), slave: newChip(0x38, imr >> 8, elcr >> 8) };
}

export function checkIsaIrq(irq: number, field = 'irq'): void {
  if (!Number.isInteger(irq) || irq < 0 || irq > 15) throw new ModelError(`${field} = ${irq} is not an ISA IRQ of the i8259 pair (0..15)`, field);
}

/** QEMU `get_priority`: 0 = highest; 8 = none. */
function getPriority(s: PicChip, mask: number): number {
  if (mask === 0) return 8;
  let p = 0;
  while ((mask & (1 << ((p + s.priority_add) & 7))) === 0) p++;
  return p;
}

/** QEMU `pic_get_irq`: the input that should be raised now, or −1 (R: irr & ~imr vs isr priority). */
export function picGetIrq(s: PicChip, isMaster: boolean): number {
  const prio = getPriority(s, s.irr & ~s.imr);
  if (prio === 8) return -1;
  let mask = s.isr;
  if (s.special_mask) mask &= ~s.imr;
  if (s.special_fully_nested_mode && isMaster) mask &= ~(1 << 2);
  const cur = getPriority(s, mask);
  return prio < cur ? (prio + s.priority_add) & 7 : -1;
}

/** QEMU `pic_update_irq` on both chips (slave first, since its output is master input 2). */
function update(p: I8259State): void {
  p.slave.int_out = picGetIrq(p.slave, false) >= 0 ? 1 : 0;
  chipSetIrq(p.master, 2, p.slave.int_out === 1);
  p.master.int_out = picGetIrq(p.master, true) >= 0 ? 1 : 0;
}

function chipSetIrq(s: PicChip, irq: number, level: boolean): void {
  const m = 1 << irq;
  if (s.elcr & m) {
    if (level) {
      s.irr |= m;
      s.last_irr |= m;
    } else {
      s.irr &= ~m;
      s.last_irr &= ~m;
    }
  } else if (level) {
    if ((s.last_irr & m) === 0) s.irr |= m;
    s.last_irr |= m;
  } else {
    s.last_irr &= ~m;
  }
}

/** QEMU `pic_set_irq` for ISA IRQ 0..15 (Q1.2a). Returns the master's INT output afterwards. */
export function picSetIrq(p: I8259State, irq: number, level: boolean): number {
  checkIsaIrq(irq);
  if (irq < 8) chipSetIrq(p.master, irq, level);
  else chipSetIrq(p.slave, irq - 8, level);
  update(p);
  return p.master.int_out;
}

/** QEMU `pic_get_output`: is the master asking for service? */
export const picGetOutput = (p: I8259State): boolean => picGetIrq(p.master, true) >= 0;

function intack(s: PicChip, irq: number): void {
  if (s.auto_eoi) {
    /* rotate_on_auto_eoi is not modelled */
  } else {
    s.isr |= 1 << irq;
  }
  if (!(s.elcr & (1 << irq))) s.irr &= ~(1 << irq);
}

/** QEMU `pic_read_irq` (INTA): returns the vector; spurious IRQ 7 (or 15) when nothing is pending. */
export function picReadIrq(p: I8259State): { vector: number; irq: number; spurious: boolean } {
  const irq = picGetIrq(p.master, true);
  let out: { vector: number; irq: number; spurious: boolean };
  if (irq < 0) {
    out = { vector: p.master.irq_base + 7, irq: 7, spurious: true };
  } else if (irq === 2) {
    let irq2 = picGetIrq(p.slave, false);
    const spurious = irq2 < 0;
    if (irq2 >= 0) intack(p.slave, irq2);
    else irq2 = 7;
    intack(p.master, 2);
    out = { vector: p.slave.irq_base + irq2, irq: irq2 + 8, spurious };
  } else {
    intack(p.master, irq);
    out = { vector: p.master.irq_base + irq, irq, spurious: false };
  }
  update(p);
  return out;
}

export function i8259Problems(p: I8259State, where: string): string[] {
  const out: string[] = [];
  for (const chip of ['master', 'slave'] as const) {
    for (const k of ['irr', 'last_irr', 'imr', 'isr', 'elcr'] as const) {
      const v = p[chip][k];
      if (!Number.isInteger(v) || v < 0 || v > 0xff) out.push(`${where}.${chip}.${k} = ${v} is not an 8-bit mask`);
    }
    if ((p[chip].irq_base & 7) !== 0) out.push(`${where}.${chip}.irq_base = ${p[chip].irq_base} must be a multiple of 8 (ICW2)`);
  }
  return out;
}
