// The local APIC as the SDM defines it (IRR/ISR/TMR, TPR, PPR, SVR, LVT, ICR), shared by the
// QEMU-TCG, KVM and Xen models. Rules QR1–QR7 and QR13; SDM 10.8 (Vol. 3A ch. 11 in newer editions).
// 256-bit registers are sorted number arrays, so a trace shows `irr: [] → [48]`.

export interface LapicState {
  /** Software enable, SVR[8]. */
  svr_enabled: boolean;
  /** SVR[7:0]. */
  spurious_vector: number;
  /** SVR[12], EOI-broadcast suppression (directed EOI). Writable only when `lvr_directed_eoi`. */
  svr_directed_eoi: boolean;
  /** LVR[24]: the APIC advertises directed EOI. QEMU-TCG never does; KVM split irqchip may. */
  lvr_directed_eoi: boolean;
  tpr: number;
  /** Cached processor priority (QR2), recomputed by every ISR/TPR change. */
  ppr: number;
  irr: number[];
  isr: number[];
  tmr: number[];
  /** LVT timer entry: vector, masked, mode. */
  lvt_timer: { vector: number; masked: boolean; mode: 'oneshot' | 'periodic' | 'tsc-deadline' };
  /** LINT0 (ExtINT from the i8259 on the BSP), LINT1 (NMI). */
  lvt_lint0: { vector: number; masked: boolean; mode: 'fixed' | 'extint' | 'nmi' };
  lvt_lint1: { vector: number; masked: boolean; mode: 'fixed' | 'extint' | 'nmi' };
  /** ESR (error status): bit 5 send illegal vector, bit 6 receive illegal vector; set by APICs that check vectors. */
  esr: number;
  /** ICR low 32 bits (xAPIC offset 0x300; x2APIC MSR 0x830 bits 31:0) as a read returns it (see writeIcr). */
  icr: number;
  /** ICR high 32 bits (xAPIC ICR2 at 0x310, destination in bits 31:24; x2APIC MSR 0x830 bits 63:32, a 32-bit destination). */
  icr2: number;
}

export function newLapic(): LapicState {
  return {
    svr_enabled: true,
    spurious_vector: 0xff,
    svr_directed_eoi: false,
    lvr_directed_eoi: false,
    tpr: 0,
    ppr: 0,
    irr: [],
    isr: [],
    tmr: [],
    lvt_timer: { vector: 0xec, masked: false, mode: 'oneshot' },
    lvt_lint0: { vector: 0, masked: true, mode: 'extint' },
    lvt_lint1: { vector: 2, masked: true, mode: 'nmi' },
    esr: 0,
    icr: 0,
    icr2: 0,
  };
}

/** Priority class: the upper nibble (QR1). */
export const vclass = (v: number): number => v >> 4;

/** Highest vector set, −1 if none (`hi(S)`). */
export function highest(set: readonly number[]): number {
  return set.length === 0 ? -1 : set[set.length - 1];
}

export function addBit(set: number[], v: number): void {
  if (!set.includes(v)) {
    set.push(v);
    set.sort((a, b) => a - b);
  }
}

export function clearBit(set: number[], v: number): void {
  const i = set.indexOf(v);
  if (i >= 0) set.splice(i, 1);
}

export const hasBit = (set: readonly number[], v: number): boolean => set.includes(v);

/** QR2: PPR from TPR and the highest in-service vector (SDM 10.8.3.1). */
export function computePpr(l: Pick<LapicState, 'tpr' | 'isr'>): number {
  const isrv = Math.max(highest(l.isr), 0);
  return vclass(l.tpr) >= vclass(isrv) ? l.tpr & 0xff : isrv & 0xf0;
}

export function updatePpr(l: LapicState): void {
  l.ppr = computePpr(l);
}

/**
 * QR3: the vector the APIC would present to the core, or −1. Only hi(IRR) is considered;
 * `qemu` uses QEMU's `apic_irq_pending` form (PPR==0 lets vectors below 16 through), otherwise KVM's.
 * Vectors 0..15 (class 0): KVM's apic_has_interrupt_for_ppr (arch/x86/kvm/lapic.c) returns −1 when
 * `(highest_irr & 0xF0) <= ppr`, always true for class 0, so such a vector stays in IRR and is never injected. QEMU's
 * apic_irq_pending (hw/intc/apic.c) tests `ppr && (irrv & 0xf0) <= (ppr & 0xf0)`: with PPR 0 vectors 1..15 are
 * presented (and taken through the guest IDT entry of that number); vector 0 reads as "no interrupt" to its callers
 * (apicIrqPending treats 0 as none), and any PPR above 0 blocks them.
 */
export function deliverableVector(l: LapicState, form: 'sdm' | 'qemu' | 'kvm' = 'sdm'): number {
  const v = highest(l.irr);
  if (v < 0 || !l.svr_enabled) return -1;
  const ppr = computePpr(l);
  if (form === 'qemu') return ppr === 0 || (v & 0xf0) > (ppr & 0xf0) ? v : -1;
  return (v & 0xf0) > ppr ? v : -1;
}

/** QR4: accept a fixed message. Returns true when the vector was already requested (coalesced). */
export function acceptFixed(l: LapicState, vector: number, level: boolean): boolean {
  const coalesced = hasBit(l.irr, vector);
  addBit(l.irr, vector);
  if (level) addBit(l.tmr, vector);
  else clearBit(l.tmr, vector);
  return coalesced;
}

/** QR5: INTA. Moves hi(IRR) to ISR if deliverable; returns the vector or −1. */
export function acknowledge(l: LapicState, form: 'sdm' | 'qemu' | 'kvm' = 'sdm'): number {
  const v = deliverableVector(l, form);
  if (v < 0) return -1;
  clearBit(l.irr, v);
  addBit(l.isr, v);
  updatePpr(l);
  return v;
}

/** ESR bit 5 (APIC_ESR_SENDILL) and bit 6 (APIC_ESR_RECVILL). */
export const ESR_SEND_ILLEGAL_VECTOR = 0x20;
export const ESR_RECV_ILLEGAL_VECTOR = 0x40;

/**
 * Who checks a fixed / lowest-priority message's vector on receipt:
 * - `sdm`: the SDM's rule, which Xen follows (xen/arch/x86/hvm/vlapic.c vlapic_set_irq: a vector below 16 calls
 *   vlapic_error(APIC_ESR_RECVILL) and returns): the vector never reaches IRR, ESR bit 6 is set. (An unmasked LVT
 *   error entry would then raise its own interrupt; the model has no LVT error entry.)
 * - `qemu`: hw/intc/apic.c apic_set_irq sets IRR[v] and TMR[v] for any vector; no ESR update.
 * - `kvm`: arch/x86/kvm/lapic.c __apic_accept_irq (APIC_DM_FIXED / APIC_DM_LOWEST) has no vector check either: TMR is
 *   updated and kvm_x86_deliver_interrupt sets IRR (or posts to the PIR with APICv).
 */
export type VectorCheck = 'sdm' | 'qemu' | 'kvm';

/** QR4 with the vector rule above (QR31): `illegal-vector` (ESR bit 6 set, IRR untouched), `coalesced` or `accepted`. */
export function acceptMessage(l: LapicState, vector: number, level: boolean, rule: VectorCheck): 'illegal-vector' | 'coalesced' | 'accepted' {
  if (vector < 16 && rule === 'sdm') {
    l.esr |= ESR_RECV_ILLEGAL_VECTOR;
    return 'illegal-vector';
  }
  return acceptFixed(l, vector, level) ? 'coalesced' : 'accepted';
}

/** QR7: EOI clears the highest ISR bit, whatever the handler meant. Returns it and whether it was level. */
export function eoi(l: LapicState): { vector: number; level: boolean; broadcast: boolean } {
  const v = highest(l.isr);
  if (v < 0) return { vector: -1, level: false, broadcast: false };
  clearBit(l.isr, v);
  updatePpr(l);
  const level = hasBit(l.tmr, v);
  return { vector: v, level, broadcast: level && !l.svr_directed_eoi };
}

/** QR13: a guest SVR write. Bit 12 sticks only when LVR[24] advertises directed EOI (KVM restores it unchecked, QR33). */
export function writeSvr(l: LapicState, value: number): void {
  l.spurious_vector = value & 0xff;
  l.svr_enabled = (value & 0x100) !== 0;
  l.svr_directed_eoi = l.lvr_directed_eoi && (value & 0x1000) !== 0;
}

/**
 * Problems with a LAPIC state a user supplied. Vectors 0..15 are accepted in IRR/ISR: a state restored through
 * KVM_SET_LAPIC may hold them (arch/x86/kvm/lapic.c kvm_apic_set_state copies the 256-bit registers unchecked), and
 * QEMU's apic_set_irq / KVM's __apic_accept_irq put them there from a message.
 */
export function lapicProblems(l: LapicState, where: string, opts: { restoredSpiv?: boolean } = {}): string[] {
  const out: string[] = [];
  for (const reg of ['irr', 'isr', 'tmr'] as const) {
    for (const v of l[reg]) {
      if (!Number.isInteger(v) || v < 0 || v > 255) out.push(`${where}.${reg} holds ${v}, not a vector 0..255`);
    }
    const sorted = [...l[reg]].sort((a, b) => a - b);
    if (JSON.stringify(sorted) !== JSON.stringify(l[reg]) || new Set(l[reg]).size !== l[reg].length) {
      out.push(`${where}.${reg} must be a sorted list of distinct vectors`);
    }
  }
  for (const reg of ['icr', 'icr2'] as const) {
    if (!Number.isInteger(l[reg]) || l[reg] < 0 || l[reg] > 0xffffffff) out.push(`${where}.${reg} = ${l[reg]} is not a 32-bit register value`);
  }
  if (!Number.isInteger(l.esr) || l.esr < 0 || l.esr > 0xff) out.push(`${where}.esr = ${l.esr} is not an 8-bit error status`);
  if (l.tpr < 0 || l.tpr > 255) out.push(`${where}.tpr = ${l.tpr} is not an 8-bit value`);
  // KVM_SET_LAPIC copies SPIV as given (kvm_apic_set_state → apic_set_spiv), so KVM accepts bit 12 without LVR[24];
  // an APIC whose SVR only a guest write can set never holds it (QR13, QR33).
  if (l.svr_directed_eoi && !l.lvr_directed_eoi && !opts.restoredSpiv) out.push(`${where}.svr_directed_eoi is set but LVR[24] (lvr_directed_eoi) does not advertise directed EOI (SDM 10.8.5)`);
  return out;
}

// ---- ICR -----------------------------------------------------------------------------------------------------------
// The guest sends an IPI by writing the ICR: xAPIC writes ICR2 (0x310, destination in bits 31:24) and then ICR (0x300),
// whose write sends; x2APIC writes MSR 0x830 once with the 32-bit destination in bits 63:32.

/** ICR bit 12, delivery status ("send pending"). */
export const ICR_BUSY = 0x1000;
/** Bits KVM's kvm_x2apic_icr_write refuses in an x2APIC ICR write (X2APIC_ICR_RESERVED_BITS: 31:20, 17:16, 13). */
export const X2APIC_ICR_RESERVED_LOW = 0xfff30000 | 0x2000;

export type IcrShorthand = 'none' | 'self' | 'all-including-self' | 'all-excluding-self';
export type IcrDelivery = 'fixed' | 'lowest' | 'smi' | 'nmi' | 'init' | 'startup' | 'reserved';

export interface IcrFields {
  vector: number;
  delivery: IcrDelivery;
  logical: boolean;
  /** Bit 14, level (assert / de-assert). */
  assert: boolean;
  /** Bit 15, trigger mode. */
  level_triggered: boolean;
  shorthand: IcrShorthand;
}

const DELIVERY: IcrDelivery[] = ['fixed', 'lowest', 'smi', 'reserved', 'nmi', 'init', 'startup', 'reserved'];
const SHORTHAND: IcrShorthand[] = ['none', 'self', 'all-including-self', 'all-excluding-self'];

/** The fields of an ICR low word, as kvm_apic_send_ipi (arch/x86/kvm/lapic.c) and apic_deliver (hw/intc/apic.c) read them. */
export function decodeIcr(low: number): IcrFields {
  return {
    vector: low & 0xff,
    delivery: DELIVERY[(low >>> 8) & 7],
    logical: (low & 0x800) !== 0,
    assert: (low & 0x4000) !== 0,
    level_triggered: (low & 0x8000) !== 0,
    shorthand: SHORTHAND[(low >>> 18) & 3],
  };
}

/** An ICR low word from its fields (what a guest's apic->send_IPI writes). */
export function encodeIcr(f: Omit<IcrFields, 'assert'> & { assert?: boolean }): number {
  const mode = f.delivery === 'reserved' ? 3 : DELIVERY.indexOf(f.delivery);
  return ((f.vector & 0xff) | (mode << 8) | (f.logical ? 0x800 : 0) | (f.assert !== false ? 0x4000 : 0) | (f.level_triggered ? 0x8000 : 0) | (SHORTHAND.indexOf(f.shorthand) << 18)) >>> 0;
}

/**
 * Who decides what a read of the ICR returns after a write:
 * - `kvm`: arch/x86/kvm/lapic.c kvm_lapic_reg_write(APIC_ICR) clears APIC_ICR_BUSY before storing ("no delay here"),
 *   and stores ICR2 masked to its destination byte (`val & 0xff000000`); kvm_x2apic_icr_write clears BUSY too and
 *   stores the high half whole.
 * - `qemu`: hw/intc/apic.c apic_mem_write stores `s->icr[0] = val` and `s->icr[1] = val` as written, so a BUSY bit the
 *   guest wrote reads back set, and ICR2's reserved bits read back too.
 * - `sdm`: delivery status is read-only and idle once the IPI is sent; ICR2 bits 23:0 are reserved (read 0).
 */
export type IcrRule = 'kvm' | 'qemu' | 'sdm';

/** The guest's xAPIC ICR2 write (offset 0x310). */
export function writeIcr2(l: LapicState, value: number, rule: IcrRule): void {
  l.icr2 = (rule === 'qemu' ? value : value & 0xff000000) >>> 0;
}

/** The guest's ICR write (xAPIC 0x300, or the low half of x2APIC MSR 0x830); returns the fields that are sent. */
export function writeIcr(l: LapicState, value: number, rule: IcrRule): IcrFields {
  l.icr = (rule === 'qemu' ? value : value & ~ICR_BUSY) >>> 0;
  return decodeIcr(value);
}
