// Injection and EOI: kvm_check_and_inject_events / kvm_get_apic_interrupt (Q3.6–Q3.8, QR5, QR6, QR28), PV EOI arming
// (Q12.3, QR23), VM entry, the guest's EOI (trap, PV EOI, EOI virtualization: Q3.9–Q3.12, Q4.6, QR7, QR18) and the IO-APIC scan (Q4.7).

import { deliverVirtual, recognised, virtualizeEoi } from '../../components/apicv';
import { ioapicEoi, IoapicMessage, ioapicSetIrq } from '../../components/ioapic';
import { addBit, clearBit, deliverableVector, hasBit, highest, updatePpr, vclass } from '../../components/lapic';
import { arm, ArmDecision, armDecision, consumeAtExit, guestTestAndClear } from '../../components/pvEoi';
import { makeRequest } from '../../components/vcpu';
import { OutcomeEvent } from '../../core/types';
import { hex, KvmState, profileConfig } from './kvmState';

/** The Linux guest's handler for a vector (arch/x86/include/asm/irq_vectors.h). */
export function guestHandler(vector: number): string {
  switch (vector) {
    case 0xec: return 'sysvec_apic_timer_interrupt';
    case 0xfd: return 'sysvec_reschedule_ipi';
    case 0xfc: return 'sysvec_call_function';
    case 0xfb: return 'sysvec_call_function_single';
    default: return 'common_interrupt';
  }
}

/** Q3.6/Q3.7/Q3.8 without APICv: what `kvm_check_and_inject_events` does with the LAPIC (QR3, QR5, QR6, QR28). */
export function checkAndInject(s: KvmState, i: number): { kind: 'reinject' | 'nmi' | 'injected' | 'window' | 'nothing'; vector: number; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  if (v.intr_info >= 0) return { kind: 'reinject', vector: v.intr_info, why: `interrupt.injected ${hex(v.intr_info)} re-injected with no second ISR transition (QR28)` };
  if (v.nmi_pending > 0) {
    v.nmi_pending--;
    return { kind: 'nmi', vector: 2, why: 'NMI pending and allowed: vmx_inject_nmi' };
  }
  if (v.apicv_active) return { kind: 'nothing', vector: -1, why: 'APICv active: kvm_cpu_has_injectable_intr is 0 for LAPIC vectors; the CPU delivers them (QR17)' };
  // kvm_apic_has_interrupt refreshes PPR (__apic_update_ppr) before comparing (QR2, QR3).
  updatePpr(slot.lapic);
  const vec = deliverableVector(slot.lapic, 'kvm');
  if (vec < 0) {
    const hi = highest(slot.lapic.irr);
    return { kind: 'nothing', vector: -1, why: hi < 0 ? 'IRR is empty' : `hi(IRR) ${hex(hi)} class ${vclass(hi)} does not beat PPR ${hex(slot.lapic.ppr)} (QR3)` };
  }
  if (!v.rflags_if || v.interrupt_shadow) {
    v.irq_window_exiting = true;
    return { kind: 'window', vector: vec, why: `IRR ${hex(vec)} is deliverable but ${v.rflags_if ? 'an interrupt shadow blocks it' : 'RFLAGS.IF=0'}: vmx_enable_irq_window (QR6)` };
  }
  ackApicInterrupt(s, i);
  v.intr_info = vec;
  v.irq_window_exiting = false;
  return { kind: 'injected', vector: vec, why: `IF=1, ${hex(vec)} class ${vclass(vec)} > PPR: IRR→ISR, PPR := ${hex(slot.lapic.ppr)}; VM_ENTRY_INTR_INFO_FIELD := 0x8000_00${vec.toString(16).padStart(2, '0')} (QR5)` };
}

/** Q3.7 `kvm_get_apic_interrupt` (QR5): hi(IRR) deliverable → IRR[v]=0, ISR[v]=1, PPR recomputed; −1 if none. */
export function ackApicInterrupt(s: KvmState, i: number): number {
  const slot = s.vcpus[i];
  const vec = deliverableVector(slot.lapic, 'kvm');
  if (vec < 0) return -1;
  clearBit(slot.lapic.irr, vec);
  addBit(slot.lapic.isr, vec);
  updatePpr(slot.lapic);
  slot.vcpu.irr_pending = slot.lapic.irr.length > 0;
  slot.vcpu.highest_isr_cache = vec;
  return vec;
}

/** Q12.3 `kvm_lapic_sync_to_vapic` → `apic_sync_pv_eoi_to_guest` (QR23). */
export function pvEoiArm(s: KvmState, i: number): { decision: ArmDecision; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  const irrPending = v.apicv_active ? true : slot.lapic.irr.length > 0;
  const cache = v.apicv_active ? -1 : v.highest_isr_cache;
  const decision = armDecision(slot.pv_eoi, irrPending, cache, (x) => hasBit(v.ioapic_handled_vectors, x));
  if (decision === 'armed') arm(slot.pv_eoi);
  const why: Record<ArmDecision, string> = {
    disabled: 'pv_eoi_enabled is false (MSR_KVM_PV_EOI_EN not written): no arming',
    'irr-pending': v.apicv_active ? 'APICv: irr_pending is always true, so PV EOI is never armed (QR23)' : `irr_pending: IRR [${slot.lapic.irr.map(hex).join(', ')}] waits, deferring the EOI would delay it`,
    'isr-unknown': 'highest_isr_cache is −1 (unknown): no arming',
    'ioapic-needs-eoi': `${hex(cache)} is in ioapic_handled_vectors: the IO-APIC needs this EOI`,
    armed: `ISR ${hex(cache)} is the only work: pv_eoi_set_pending, guest byte := 1, KVM_APIC_PV_EOI_PENDING`,
  };
  return { decision, why: why[decision] };
}

/** The hardware part of VM entry: event injection (Q3.8) or virtual-interrupt evaluation/delivery (Q4.4, QR17). */
export function vmEntry(s: KvmState, i: number): { vector: number; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  v.mode = 'IN_GUEST_MODE';
  if (v.intr_info >= 0) {
    const vec = v.intr_info;
    v.intr_info = -1;
    return { vector: vec, why: `VM entry injects ${hex(vec)} from VM_ENTRY_INTR_INFO_FIELD through the guest IDT (SDM 26.6)` };
  }
  if (v.apicv_active) {
    if (!recognised(slot.lapic, v)) return { vector: -1, why: `RVI ${hex(v.rvi)} does not beat VPPR (SDM 29.2.1): nothing delivered` };
    if (!v.rflags_if) return { vector: -1, why: `RVI ${hex(v.rvi)} recognised but RFLAGS.IF=0: held until IF=1 (SDM 29.2.2)` };
    const vec = deliverVirtual(slot.lapic, v);
    return { vector: vec, why: `RVI ${hex(vec)} class > VPPR class: virtual-interrupt delivery, VISR[${hex(vec)}]=1, SVI := ${hex(v.svi)}, RVI := ${hex(v.rvi)} (QR17)` };
  }
  return { vector: -1, why: 'nothing injected: the guest runs' };
}

export interface EoiRun {
  /** How the EOI travelled. */
  path: 'pv-eoi-no-exit' | 'virtualized-no-exit' | 'eoi-induced-exit' | 'trap' | 'stray';
  vector: number;
  /** What kvm_ioapic_send_eoi did, when it ran. */
  ioapic?: string;
  why: string;
}

/**
 * Q3.9–Q3.12 / Q4.6 / Q12.4–Q12.5: the guest writes EOI. PV EOI armed → no exit and KVM completes it at the next
 * exit; APICv → EOI virtualization, exit only if EOI_EXIT_BITMAP[v]; else the write traps and `apic_set_eoi` runs.
 */
export function guestEoi(s: KvmState, i: number, profile: string, emit: (e: OutcomeEvent) => void, redeliver: RedeliverFn, clearsLine = true): EoiRun {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  if (clearsLine) guestServicesDevice(s, v.apicv_active ? v.svi : highest(slot.lapic.isr), profile);
  if (slot.pv_eoi.msr_val !== 0 && guestTestAndClear(slot.pv_eoi)) {
    // Q12.4 → Q12.5: the next exit finds the byte clear and performs the EOI on the guest's behalf.
    consumeAtExit(slot.pv_eoi);
    const r = apicSetEoi(s, i, profile, emit, redeliver);
    return { path: 'pv-eoi-no-exit', vector: r.vector, ioapic: r.ioapic, why: `guest byte was 1: kvm_guest_apic_eoi_write returns with no exit; at the next exit KVM runs apic_set_eoi(${hex(r.vector)}) (QR23)` };
  }
  if (v.apicv_active) {
    const r = virtualizeEoi(slot.lapic, v);
    if (!r.exit) return { path: 'virtualized-no-exit', vector: r.vector, why: `EOI virtualization: VISR[${hex(r.vector)}] := 0, SVI := ${hex(v.svi)}; EOI_EXIT_BITMAP[${hex(r.vector)}]=0: no exit (QR18)` };
    makeRequest(v, 'KVM_REQ_EVENT');
    const io = ioapicSendEoi(s, i, r.vector, profile, emit, redeliver);
    return { path: 'eoi-induced-exit', vector: r.vector, ioapic: io, why: `EOI virtualization cleared VISR[${hex(r.vector)}]; EOI_EXIT_BITMAP[${hex(r.vector)}]=1: EOI-induced exit → kvm_apic_set_eoi_accelerated → ${io} (QR18)` };
  }
  const r = apicSetEoi(s, i, profile, emit, redeliver);
  if (r.vector < 0) return { path: 'stray', vector: -1, why: 'ISR empty: stray EOI, no effect (QR7)' };
  return { path: 'trap', vector: r.vector, ioapic: r.ioapic, why: `the EOI write traps: apic_set_eoi clears ISR[${hex(r.vector)}] (the highest, QR7); ${r.ioapic}` };
}

/**
 * The guest handler services its device before the EOI: a level IO-APIC line that device drove falls (QR8), so the
 * EOI's re-check (QR10) finds it low. Returns the pins lowered.
 */
export function guestServicesDevice(s: KvmState, vector: number, profile: string): number[] {
  const form = profileConfig(profile).split ? 'kvm-split' : 'kvm-inkernel';
  const pins: number[] = [];
  s.ioapic.ioredtbl.forEach((e, pin) => {
    if (vector > 0 && e.vector === vector && e.trig_mode === 1 && s.ioapic.line.includes(pin)) {
      ioapicSetIrq(s.ioapic, pin, false, form);
      pins.push(pin);
    }
  });
  return pins;
}

/** Re-delivery of an IO-APIC message from inside an EOI (ioapic_service → kvm_irq_delivery_to_apic): returns accepted count. */
export type RedeliverFn = (m: IoapicMessage) => number;

/** Q3.10 `apic_set_eoi` (QR7) → Q3.11. */
export function apicSetEoi(s: KvmState, i: number, profile: string, emit: (e: OutcomeEvent) => void, redeliver: RedeliverFn): { vector: number; ioapic: string } {
  const slot = s.vcpus[i];
  const vec = highest(slot.lapic.isr);
  if (vec < 0) return { vector: -1, ioapic: 'no EOI to forward' };
  clearBit(slot.lapic.isr, vec);
  updatePpr(slot.lapic);
  slot.vcpu.highest_isr_cache = -1;
  makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
  return { vector: vec, ioapic: ioapicSendEoi(s, i, vec, profile, emit, redeliver) };
}

/** Q3.11 `kvm_ioapic_send_eoi` and Q3.12 `kvm_ioapic_update_eoi_one` / split `KVM_EXIT_IOAPIC_EOI` (QR7, QR10, QR13, QR18). */
export function ioapicSendEoi(s: KvmState, i: number, vector: number, profile: string, emit: (e: OutcomeEvent) => void, redeliver: RedeliverFn): string {
  const slot = s.vcpus[i];
  if (!hasBit(slot.vcpu.ioapic_handled_vectors, vector)) return `${hex(vector)} is not in ioapic_handled_vectors: the IO-APIC is not told`;
  const { split } = profileConfig(profile);
  const level = hasBit(slot.lapic.tmr, vector);
  // Ack notifiers first (kvm_notify_acked_irq): the irqfd resampler de-asserts and signals the resamplefd (Q6.5).
  const notes: string[] = [];
  const pin = s.irqfd.gsi;
  const resample = s.irqfd.resampler && s.irqfd.route === 'ioapic' && s.ioapic.ioredtbl[pin]?.vector === vector;
  if (split) {
    slot.vcpu.pending_ioapic_eoi = vector;
    notes.push(`split irqchip: pending_ioapic_eoi := ${hex(vector)}, KVM_EXIT_IOAPIC_EOI → QEMU ioapic_eoi_broadcast (SVR[12]=${slot.lapic.svr_directed_eoi ? 1 : 0} not consulted, QR13)`);
  }
  if (!split && (!level || slot.lapic.svr_directed_eoi)) {
    return `kvm_ioapic_update_eoi with trigger ${level ? 'level' : 'edge'}${slot.lapic.svr_directed_eoi ? ' and SVR[12]=1' : ''}: Remote-IRR kept`;
  }
  if (resample) {
    const r = resamplerAck(s);
    notes.push(r);
  }
  const eoi = ioapicEoi(s.ioapic, vector, split ? 'kvm-split' : 'kvm-inkernel', { trigger_level: split ? undefined : level, svr_directed_eoi: split ? false : slot.lapic.svr_directed_eoi, deliver: redeliver });
  if (split) slot.vcpu.pending_ioapic_eoi = -1;
  notes.push(eoi.released.length ? `Remote-IRR cleared on pin ${eoi.released.join(', ')}` : `no level pin with vector ${hex(vector)} had Remote-IRR`);
  if (eoi.resent.length) notes.push(`line still asserted: re-sent pin ${eoi.resent.map((m) => m.pin).join(', ')}`);
  if (eoi.delayed.length) notes.push(`storm limiter: re-send of pin ${eoi.delayed.join(', ')} delayed by 10 ms`);
  if (eoi.released.length) emit({ kind: 'note', target: 'ioapic', what: `vector ${hex(vector)}`, detail: notes[notes.length - 1] });
  return notes.join('; ');
}

/** Q6.5 `irqfd_resampler_ack`: de-assert the GSI for the resampler source and signal the resamplefd (VFIO unmasks). */
export function resamplerAck(s: KvmState): string {
  const pin = s.irqfd.gsi;
  const i = s.ioapic.line.indexOf(pin);
  if (i >= 0) s.ioapic.line.splice(i, 1);
  const j = s.ioapic.irr.indexOf(pin);
  if (j >= 0) s.ioapic.irr.splice(j, 1);
  s.irqfd.resample_count++;
  s.device.intx_masked = false;
  return `irqfd_resampler_ack: kvm_set_irq(GSI ${pin}, 0) and eventfd_signal(resamplefd): VFIO unmasks the device`;
}
