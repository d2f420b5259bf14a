// A blocked vCPU and its posted-interrupt descriptor: kvm_vcpu_check_block (Q5.9, QR20), vmx_vcpu_pi_put / _load on
// schedule-out / -in and pi_wakeup_handler (Q5.7, Q5.8, QR21).

import { deliverableVector, updatePpr } from '../../components/lapic';
import { POSTED_INTR_VECTOR, POSTED_INTR_WAKEUP_VECTOR } from '../../components/postedInterrupt';
import { OutcomeEvent } from '../../core/types';
import { reportWoken } from '../../core/wake';
import { syncPir } from './kvmDelivery';
import { hex, KvmState, vname } from './kvmState';

/** `vmx_needs_pi_wakeup`: IPIv or VT-d PI in use. */
export const needsPiWakeup = (s: KvmState): boolean => s.config.ipiv || s.config.vtd_pi;

/** Q5.9 `kvm_vcpu_check_block` → `kvm_arch_vcpu_runnable` → `kvm_vcpu_has_events` (QR20). */
export function checkBlock(s: KvmState, i: number): { runnable: boolean; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  let synced = '';
  if (v.apicv_active && slot.pi_desc.on) synced = `sync_pir_to_irr moved [${syncPir(s, i).moved.map(hex).join(', ')}]; `;
  // kvm_cpu_has_interrupt → kvm_apic_has_interrupt refreshes PPR first (__apic_update_ppr).
  updatePpr(slot.lapic);
  const vec = deliverableVector(slot.lapic, 'kvm');
  if (v.rflags_if && vec >= 0) return { runnable: true, why: `${synced}IF=1 and IRR ${hex(vec)} beats PPR ${hex(slot.lapic.ppr)}: runnable` };
  if (slot.timer.pending > 0 && !slot.lapic.lvt_timer.masked) return { runnable: true, why: `${synced}a timer interrupt is pending: runnable` };
  if (v.requests.includes('KVM_REQ_UNBLOCK')) return { runnable: true, why: `${synced}KVM_REQ_UNBLOCK: runnable` };
  if (v.pending_events.length > 0) return { runnable: true, why: `${synced}INIT/SIPI pending: runnable` };
  if (v.nmi_pending > 0) return { runnable: true, why: `${synced}an NMI is pending: runnable` };
  if (!v.rflags_if && vec >= 0) return { runnable: false, why: `${synced}IRR ${hex(vec)} is pending but IF=0: kvm_arch_interrupt_allowed fails, stays blocked (QR20)` };
  return { runnable: false, why: `${synced}nothing deliverable (IRR [${slot.lapic.irr.map(hex).join(', ')}], PPR ${hex(slot.lapic.ppr)}): stays blocked` };
}

/**
 * `kvm_vcpu_block` returns because `kvm_vcpu_check_block` found the vCPU runnable: mp_state leaves HALTED. A vCPU that
 * was still asleep (nothing had called kvm_vcpu_wake_up in the model) is reported woken here.
 */
export function leaveHalt(s: KvmState, i: number, emit: (e: OutcomeEvent) => void, why: string): void {
  const v = s.vcpus[i].vcpu;
  if (v.blocked) reportWoken(emit, { target: vname(i), by: 'kvm_vcpu_check_block', detail: why });
  v.halted = false;
  v.blocked = false;
}

/** Q5.8 (out) `vmx_vcpu_pi_put` (QR21). Returns whether a self-IPI of the wakeup vector was sent. */
export function piPut(s: KvmState, i: number): { selfWakeupIpi: boolean; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  if (!v.apicv_active || !needsPiWakeup(s)) return { selfWakeupIpi: false, why: 'vmx_needs_pi_wakeup is false (neither IPIv nor VT-d PI in use): return' };
  const parts: string[] = [];
  let selfWakeupIpi = false;
  if (v.blocked && v.rflags_if) {
    const list = s.wakeup_vcpus_on_cpu[v.pcpu];
    if (!list.includes(i)) list.push(i);
    slot.pi_desc.nv = POSTED_INTR_WAKEUP_VECTOR;
    parts.push(`blocking with IF=1: added to wakeup_vcpus_on_cpu[${v.pcpu}], NV := ${hex(POSTED_INTR_WAKEUP_VECTOR)}`);
    if (slot.pi_desc.on) {
      selfWakeupIpi = true;
      parts.push('ON already 1: send_IPI_self(POSTED_INTR_WAKEUP_VECTOR) so the racing post is not lost');
    }
  } else if (v.blocked) {
    parts.push(`blocking with IF=0: NV stays ${hex(slot.pi_desc.nv)} (notifications reach the host handler, which ignores them, QR21)`);
  }
  if (v.preempted) {
    slot.pi_desc.sn = true;
    parts.push('vcpu->preempted: SN := 1 (pi_set_sn)');
  }
  return { selfWakeupIpi, why: parts.join('; ') || 'neither blocking nor preempted: nothing to change' };
}

/** Q5.8 (in) `vmx_vcpu_pi_load` on `cpu` (QR21). */
export function piLoad(s: KvmState, i: number, cpu: number): string {
  const slot = s.vcpus[i];
  const pi = slot.pi_desc;
  const v = slot.vcpu;
  v.preempted = false;
  if (!v.apicv_active) {
    v.pcpu = cpu;
    return '!enable_apicv: return';
  }
  let head: string;
  if (pi.nv !== POSTED_INTR_WAKEUP_VECTOR && v.pcpu === cpu) {
    if (!pi.sn) return `same pCPU ${cpu}, NV ${hex(pi.nv)}, SN was 0: return`;
    pi.sn = false;
    head = `same pCPU ${cpu}: pi_test_and_clear_sn (SN 1 → 0)`;
  } else {
    if (pi.nv === POSTED_INTR_WAKEUP_VECTOR) {
      const list = s.wakeup_vcpus_on_cpu[v.pcpu];
      const k = list.indexOf(i);
      if (k >= 0) list.splice(k, 1);
    }
    const wasNv = pi.nv;
    pi.ndst = cpu;
    pi.sn = false;
    pi.nv = POSTED_INTR_VECTOR;
    head = `${wasNv === POSTED_INTR_WAKEUP_VECTOR ? `left wakeup_vcpus_on_cpu[${v.pcpu}]; ` : ''}NDST := pCPU ${cpu}${s.config.x2apic ? '' : ' (xAPIC: ID<<8)'}, SN := 0, NV := ${hex(POSTED_INTR_VECTOR)}`;
    v.pcpu = cpu;
  }
  if (pi.pir.length > 0 && !pi.on) {
    pi.on = true;
    return `${head}; PIR [${pi.pir.map(hex).join(', ')}] non-empty: pi_set_on (re-arms posts made while SN=1)`;
  }
  return `${head}; ON ${pi.on ? 'already 1' : 'stays 0 (PIR empty)'}`;
}

/** Q5.7 `pi_wakeup_handler` on `pcpu`: wake every listed vCPU whose ON is set, reporting each. Returns the woken vCPUs. */
export function piWakeupHandler(s: KvmState, pcpu: number, emit: (e: OutcomeEvent) => void): { woken: number[]; why: string } {
  const list = s.wakeup_vcpus_on_cpu[pcpu] ?? [];
  const woken: number[] = [];
  for (const i of list) {
    const v = s.vcpus[i].vcpu;
    if (s.vcpus[i].pi_desc.on && v.blocked) {
      v.blocked = false;
      woken.push(i);
    }
  }
  const why = `wakeup_vcpus_on_cpu[${pcpu}] = [${list.map(vname).join(', ')}]; ON set on ${woken.length ? woken.map(vname).join(', ') : 'none'} → kvm_vcpu_wake_up`;
  for (const i of woken) reportWoken(emit, { target: vname(i), by: 'pi_wakeup_handler', detail: why });
  return { woken, why };
}
