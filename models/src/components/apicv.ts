// APIC virtualization as the CPU does it: virtual-interrupt evaluation and delivery (QR17, SDM 29.2.1/29.2.2)
// and EOI virtualization with the EOI-exit bitmap (QR18, SDM 29.1.4). VIRR/VISR are the KVM LAPIC's irr/isr,
// because with APICv `apic->regs` is the virtual-APIC page.

import { LapicState, addBit, clearBit, computePpr, hasBit, highest, updatePpr, vclass } from './lapic';
import { VcpuState } from './vcpu';

/** VPPR from VTPR and SVI (SDM 29.1.3 "PPR Virtualization", same formula as QR2). */
export function vppr(l: LapicState, svi: number): number {
  return computePpr({ tpr: l.tpr, isr: svi > 0 ? [svi] : [] });
}

/** QR17 evaluation: a virtual interrupt is recognised iff RVI[7:4] > VPPR[7:4]. */
export function recognised(l: LapicState, v: VcpuState): boolean {
  return v.rvi > 0 && vclass(v.rvi) > vclass(vppr(l, v.svi));
}

/**
 * QR17 delivery (when RFLAGS.IF=1): VISR[RVI]=1, SVI=RVI, VIRR[RVI]=0, RVI = hi(VIRR) or 0, VPPR = RVI & 0xF0.
 * Returns the vector delivered.
 */
export function deliverVirtual(l: LapicState, v: VcpuState): number {
  const vec = v.rvi;
  addBit(l.isr, vec);
  v.svi = vec;
  clearBit(l.irr, vec);
  v.rvi = Math.max(highest(l.irr), 0);
  updatePpr(l);
  return vec;
}

/**
 * QR18 EOI virtualization: v=SVI; VISR[v]=0; SVI = hi(VISR) or 0; PPR updated. `exit` when EOI_EXIT_BITMAP[v]
 * (a trap-like EOI-induced VM exit with qualification v); otherwise the CPU re-evaluates (QR17) with no exit.
 */
export function virtualizeEoi(l: LapicState, v: VcpuState): { vector: number; exit: boolean } {
  const vec = v.svi;
  if (vec > 0) clearBit(l.isr, vec);
  v.svi = Math.max(highest(l.isr), 0);
  updatePpr(l);
  return { vector: vec, exit: vec > 0 && hasBit(v.eoi_exit_bitmap, vec) };
}

/** QR17, `vmx_set_rvi` after a PIR→IRR sync or an IRR change made by KVM: RVI = hi(IRR) or 0. */
export function setRviFromIrr(l: LapicState, v: VcpuState): void {
  v.rvi = Math.max(highest(l.irr), 0);
}
