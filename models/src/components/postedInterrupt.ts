// The VMX posted-interrupt descriptor (struct pi_desc) and the VT-d posted-format IRTE, with the posting rules
// QR19 (KVM software sender) and QR21 (IOMMU / IPIv hardware sender) (models/src/rules); SDM 29.6, VT-d 5.2.3.

import { addBit, highest } from './lapic';

/** `POSTED_INTR_VECTOR`, `POSTED_INTR_WAKEUP_VECTOR`, `POSTED_INTR_NESTED_VECTOR` (arch/x86/include/asm/irq_vectors.h). */
export const POSTED_INTR_VECTOR = 0xf2;
export const POSTED_INTR_WAKEUP_VECTOR = 0xf1;
export const POSTED_INTR_NESTED_VECTOR = 0xf0;

/** `struct pi_desc` (arch/x86/kvm/vmx/posted_intr.h). */
export interface PiDesc {
  /** 256 posted-interrupt request bits, as a sorted vector list. */
  pir: number[];
  /** Bit 256: a notification is outstanding. */
  on: boolean;
  /** Bit 257: suppress notifications (set while the vCPU is preempted). */
  sn: boolean;
  /** Bits 279:272: the notification vector (0xF2 running, 0xF1 blocked). */
  nv: number;
  /** Bits 319:288: the pCPU's APIC ID (xAPIC: ID << 8). Modelled as the pCPU number. */
  ndst: number;
}

export function newPiDesc(pcpu: number): PiDesc {
  return { pir: [], on: false, sn: false, nv: POSTED_INTR_VECTOR, ndst: pcpu };
}

/** A VT-d IRTE as `intel_ir_set_vcpu_affinity` leaves it (drivers/iommu/intel/irq_remapping.c): posted or remapped. */
export interface PostedIrte {
  /** Posted format (`p_pst`=1) or remapped (0). */
  p_pst: boolean;
  /** URG: notify even when SN=1. KVM always writes 0. */
  p_urgent: boolean;
  /** The guest vector posted into PIR. */
  p_vector: number;
  /** `pda_l`/`pda_h`: whose pi_desc, modelled as the vCPU index (−1 when remapped). */
  pda: number;
}

export function newRemappedIrte(): PostedIrte {
  return { p_pst: false, p_urgent: false, p_vector: 0, pda: -1 };
}

/** Outcome of the KVM software sender `vmx_deliver_posted_interrupt` (QR19). */
export type SoftwarePost = 'pir-coalesced' | 'on-already-set' | 'notify';

/**
 * QR19: `pi_test_and_set_pir` then `pi_test_and_set_on`. A vector already in PIR coalesces; with ON already set a
 * notification is outstanding and nothing is sent. SN is never consulted by this sender.
 */
export function postSoftware(pi: PiDesc, vector: number): SoftwarePost {
  if (pi.pir.includes(vector)) return 'pir-coalesced';
  addBit(pi.pir, vector);
  if (pi.on) return 'on-already-set';
  pi.on = true;
  return 'notify';
}

/** Outcome of a hardware post (IOMMU posted IRTE, or IPI virtualization) (QR21). */
export type HardwarePost = 'notify' | 'on-already-set' | 'suppressed';

/**
 * QR21 (VT-d 5.2.3): set PIR[v]; if ON==0 and (URG==1 or SN==0) set ON and send NV to NDST; else only the PIR bit
 * changes. Unlike the software sender the hardware honours SN.
 */
export function postHardware(pi: PiDesc, vector: number, urgent: boolean): HardwarePost {
  addBit(pi.pir, vector);
  if (pi.on) return 'on-already-set';
  if (!urgent && pi.sn) return 'suppressed';
  pi.on = true;
  return 'notify';
}

/**
 * QR19, non-root reception of the notification (SDM 29.6): ON=0, VIRR |= PIR, PIR=0, RVI = max(RVI, hi(old PIR)).
 * Returns the new RVI.
 */
export function processNotification(pi: PiDesc, virr: number[], rvi: number): number {
  const hiPir = highest(pi.pir);
  pi.on = false;
  for (const v of pi.pir) addBit(virr, v);
  pi.pir = [];
  return Math.max(rvi, hiPir, 0);
}

/**
 * QR19, `vmx_sync_pir_to_irr`: if ON, clear it and `IRR |= xchg(PIR, 0)`. Returns `max_irr` (−1 if none) and whether
 * a newly posted vector became the maximum (what `__kvm_apic_update_irr` reports). With ON=0 the PIR is left alone.
 */
export function syncPirToIrr(pi: PiDesc, irr: number[]): { maxIrr: number; moved: number[]; newMax: boolean } {
  if (!pi.on) return { maxIrr: highest(irr), moved: [], newMax: false };
  pi.on = false;
  const moved = [...pi.pir];
  const before = highest(irr);
  for (const v of moved) addBit(irr, v);
  pi.pir = [];
  const maxIrr = highest(irr);
  return { maxIrr, moved, newMax: moved.length > 0 && maxIrr !== before && moved.includes(maxIrr) };
}

/** `pi_has_pending_interrupt`: ON, or SN with a non-empty PIR (directed yield, Q5.9). */
export function piHasPending(pi: PiDesc): boolean {
  return pi.on || (pi.sn && pi.pir.length > 0);
}

/**
 * Impossible descriptors a user supplied: PIR bits outside 0..255, NV not one of the three host vectors. Vectors 0..15
 * may be in the PIR: vmx_deliver_posted_interrupt (arch/x86/kvm/vmx/vmx.c) posts whatever vector __apic_accept_irq
 * passes it, and __apic_accept_irq checks none.
 */
export function piDescProblems(pi: PiDesc, where: string): string[] {
  const out: string[] = [];
  for (const v of pi.pir) {
    if (!Number.isInteger(v) || v < 0 || v > 255) out.push(`${where}.pir holds ${v}, not a vector 0..255`);
  }
  const sorted = [...pi.pir].sort((a, b) => a - b);
  if (JSON.stringify(sorted) !== JSON.stringify(pi.pir) || new Set(pi.pir).size !== pi.pir.length) {
    out.push(`${where}.pir must be a sorted list of distinct vectors`);
  }
  if (![POSTED_INTR_VECTOR, POSTED_INTR_WAKEUP_VECTOR, POSTED_INTR_NESTED_VECTOR].includes(pi.nv)) {
    out.push(`${where}.nv = ${pi.nv}: KVM only programs 0xf2 (POSTED_INTR_VECTOR), 0xf1 (POSTED_INTR_WAKEUP_VECTOR) or 0xf0 (nested)`);
  }
  return out;
}

export function irteProblems(irte: PostedIrte, vcpuCount: number, where: string): string[] {
  const out: string[] = [];
  if (irte.p_pst) {
    if (irte.p_vector < 16 || irte.p_vector > 255) out.push(`${where}.p_vector = ${irte.p_vector}: a posted guest vector must be 16..255`);
    if (irte.pda < 0 || irte.pda >= vcpuCount) out.push(`${where}.pda = ${irte.pda}: names no vCPU's pi_desc (vCPUs 0..${vcpuCount - 1})`);
  }
  return out;
}
