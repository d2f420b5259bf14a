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

/** QR7: EOI clears the highest ISR bit, whatever the handler meant. Returns it and whether it was level. */
export function eoi(l: LapicState): { vector: number; level: boolean; broadcast: boolean } {
  const v = highest(l.isr);
  if (v < 0) return { vector: -1, level: false, broadcast: false };
  clearBit(l.isr, v);
  updatePpr(l);
  const level = hasBit(l.tmr, v);
  return { vector: v, level, broadcast: level && !l.svr_directed_eoi };
}

/** QR13: SVR write. Bit 12 sticks only when LVR[24] advertises directed EOI. */
export function writeSvr(l: LapicState, value: number): void {
  l.spurious_vector = value & 0xff;
  l.svr_enabled = (value & 0x100) !== 0;
  l.svr_directed_eoi = l.lvr_directed_eoi && (value & 0x1000) !== 0;
}

/** Problems with a LAPIC state a user supplied (QR1: vectors 16..255 in IRR/ISR). */
export function lapicProblems(l: LapicState, where: string): string[] {
  const out: string[] = [];
  for (const reg of ['irr', 'isr', 'tmr'] as const) {
    for (const v of l[reg]) {
      if (!Number.isInteger(v) || v < 0 || v > 255) out.push(`${where}.${reg} holds ${v}, not a vector 0..255`);
      else if (v < 16 && reg !== 'tmr') out.push(`${where}.${reg} holds vector ${v}: vectors 0..15 are reserved and illegal for fixed delivery (SDM 10.5.2)`);
    }
    const sorted = [...l[reg]].sort((a, b) => a - b);
    if (JSON.stringify(sorted) !== JSON.stringify(l[reg]) || new Set(l[reg]).size !== l[reg].length) {
      out.push(`${where}.${reg} must be a sorted list of distinct vectors`);
    }
  }
  if (l.tpr < 0 || l.tpr > 255) out.push(`${where}.tpr = ${l.tpr} is not an 8-bit value`);
  if (l.svr_directed_eoi && !l.lvr_directed_eoi) out.push(`${where}.svr_directed_eoi is set but LVR[24] (lvr_directed_eoi) does not advertise directed EOI (SDM 10.8.5)`);
  return out;
}
