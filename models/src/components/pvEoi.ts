// KVM PV EOI: the guest byte shared through MSR_KVM_PV_EOI_EN and KVM's KVM_APIC_PV_EOI_PENDING attention bit,
// rule QR23 (flow Q12); mirrors apic_sync_pv_eoi_to_guest / kvm_guest_apic_eoi_write / apic_sync_pv_eoi_from_guest.

export const MSR_KVM_PV_EOI_EN = 0x4b564d04;
export const KVM_MSR_ENABLED = 1;

export interface PvEoiState {
  /** `arch.pv_eoi.msr_val`: guest physical address | KVM_MSR_ENABLED; 0 = off. */
  msr_val: number;
  /** The guest's per-CPU `kvm_apic_eoi` byte (KVM_PV_EOI_BIT). */
  guest_byte: number;
  /** `KVM_APIC_PV_EOI_PENDING` in `apic_attention`. */
  pending: boolean;
}

export function newPvEoi(): PvEoiState {
  return { msr_val: 0, guest_byte: 0, pending: false };
}

/** `pv_eoi_enabled`. */
export const pvEoiEnabled = (p: PvEoiState): boolean => (p.msr_val & KVM_MSR_ENABLED) !== 0;

/** Why `apic_sync_pv_eoi_to_guest` does or does not arm (QR23), in the order the kernel tests. */
export type ArmDecision = 'disabled' | 'irr-pending' | 'isr-unknown' | 'ioapic-needs-eoi' | 'armed';

export function armDecision(p: PvEoiState, irrPending: boolean, highestIsrCache: number, ioapicHandles: (v: number) => boolean): ArmDecision {
  if (!pvEoiEnabled(p)) return 'disabled';
  if (irrPending) return 'irr-pending';
  if (highestIsrCache === -1) return 'isr-unknown';
  if (ioapicHandles(highestIsrCache)) return 'ioapic-needs-eoi';
  return 'armed';
}

/** `pv_eoi_set_pending`: guest byte := 1, PENDING := 1. */
export function arm(p: PvEoiState): void {
  p.guest_byte = 1;
  p.pending = true;
}

/** QR23, `kvm_guest_apic_eoi_write`: test_and_clear the byte; true = it was 1, the EOI is done without an exit. */
export function guestTestAndClear(p: PvEoiState): boolean {
  const was = p.guest_byte === 1;
  p.guest_byte = 0;
  return was;
}

/**
 * QR23, `apic_sync_pv_eoi_from_guest` → `pv_eoi_test_and_clr_pending`: byte 1 → KVM disarms it (no EOI);
 * byte 0 → the guest EOI'd, KVM must run `apic_set_eoi`. PENDING is cleared either way.
 */
export function consumeAtExit(p: PvEoiState): 'guest-eoi-done' | 'disarmed' {
  p.pending = false;
  if (p.guest_byte === 1) {
    p.guest_byte = 0;
    return 'disarmed';
  }
  return 'guest-eoi-done';
}

export function pvEoiProblems(p: PvEoiState, where: string): string[] {
  const out: string[] = [];
  if (p.guest_byte !== 0 && p.guest_byte !== 1) out.push(`${where}.guest_byte = ${p.guest_byte}: only KVM_PV_EOI_BIT (bit 0) is used`);
  if (p.msr_val !== 0 && (p.msr_val & 0x2) !== 0) out.push(`${where}.msr_val = ${p.msr_val}: the address must be 4-byte aligned (kvm_lapic_set_pv_eoi)`);
  if (p.pending && !pvEoiEnabled(p)) out.push(`${where}.pending is set while PV EOI is disabled (msr_val has no KVM_MSR_ENABLED)`);
  return out;
}
