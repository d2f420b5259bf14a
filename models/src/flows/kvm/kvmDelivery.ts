// Delivery of a message to a vCPU: __apic_accept_irq (Q3.2, QR4), vmx_deliver_interrupt into IRR or the PIR (Q3.3,
// Q4.1, QR19), kvm_vcpu_kick (Q3.4, QR20), the posted-interrupt notification (Q4.2/Q4.3) and the PIR sync (Q4.4).

import { setRviFromIrr } from '../../components/apicv';
import { addBit, clearBit, hasBit } from '../../components/lapic';
import { POSTED_INTR_VECTOR, postSoftware, processNotification, SoftwarePost, syncPirToIrr } from '../../components/postedInterrupt';
import { kick, KickResult, makeRequest } from '../../components/vcpu';
import { OutcomeEvent } from '../../core/types';
import { reportWoken } from '../../core/wake';
import { LapicIrq } from './kvmRouting';
import { hex, KvmState, vname } from './kvmState';

type Emit = (e: OutcomeEvent) => void;
/** For callers outside a run (unit tests of the rule itself) that have no outcome log. */
const ignore: Emit = () => undefined;

export type AcceptResult =
  | { kind: 'fixed'; why: string }
  | { kind: 'dropped'; why: string }
  | { kind: 'nmi' | 'init' | 'startup'; why: string };

/** Q3.2 `__apic_accept_irq` up to the `deliver_interrupt` call (QR4: TMR := trigger; KVM drops when disabled). */
export function apicAcceptIrq(s: KvmState, i: number, irq: LapicIrq): AcceptResult {
  const slot = s.vcpus[i];
  if (irq.delivery === 'fixed' || irq.delivery === 'lowest') {
    if (irq.delivery === 'lowest') slot.vcpu.apic_arb_prio++;
    if (irq.level_triggered && !irq.level) return { kind: 'dropped', why: 'level-triggered message with level=0: nothing to accept (QR4)' };
    if (!slot.lapic.svr_enabled) return { kind: 'dropped', why: `${vname(i)} APIC is software-disabled (SVR[8]=0): KVM drops at acceptance (QR4)` };
    if (irq.level_triggered) addBit(slot.lapic.tmr, irq.vector);
    else clearBit(slot.lapic.tmr, irq.vector);
    // __apic_accept_irq checks no vector: 0..15 are accepted like any other and never set ESR (KVM writes ESR bits
    // nowhere); apic_has_interrupt_for_ppr then never presents them, so they stay pending.
    const low = irq.vector < 16 ? `; vector ${hex(irq.vector)} < 16 accepted unchecked (KVM sets no ESR bit), it will never be injected` : '';
    return { kind: 'fixed', why: `APIC enabled; TMR[${hex(irq.vector)}] := ${irq.level_triggered ? 1 : 0} (${irq.level_triggered ? 'level' : 'edge'}, QR4)${low}` };
  }
  if (irq.delivery === 'nmi') {
    slot.vcpu.nmi_pending++;
    return { kind: 'nmi', why: 'NMI: kvm_inject_nmi (nmi_queued++) and kick; bypasses IRR (QR26)' };
  }
  if (irq.delivery === 'init') {
    if (!slot.vcpu.pending_events.includes('INIT')) slot.vcpu.pending_events.push('INIT');
    makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
    return { kind: 'init', why: 'INIT: pending_events |= INIT, KVM_REQ_EVENT, kick' };
  }
  if (!slot.vcpu.pending_events.includes('SIPI')) slot.vcpu.pending_events.push('SIPI');
  makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
  return { kind: 'startup', why: `STARTUP: sipi_vector = ${hex(irq.vector)}, pending_events |= SIPI, KVM_REQ_EVENT, kick` };
}

export type DeliverResult =
  | { kind: 'irr'; coalesced: boolean; why: string }
  | { kind: 'posted'; post: SoftwarePost; why: string };

/** Q3.3 / Q4.1 `vmx_deliver_interrupt`: APICv → `vmx_deliver_posted_interrupt` (QR19); else IRR + KVM_REQ_EVENT. */
export function deliverInterrupt(s: KvmState, i: number, vector: number): DeliverResult {
  const slot = s.vcpus[i];
  if (slot.vcpu.apicv_active) {
    const post = postSoftware(slot.pi_desc, vector);
    const why =
      post === 'pir-coalesced' ? `PIR[${hex(vector)}] was already 1: coalesced, no notification (QR19)`
        : post === 'on-already-set' ? `PIR[${hex(vector)}] := 1; ON was already 1: a notification is outstanding, nothing sent (QR19)`
          : `PIR[${hex(vector)}] := 1 and ON 0 → 1: notify (QR19; SN=${slot.pi_desc.sn ? 1 : 0} is not consulted)`;
    return { kind: 'posted', post, why };
  }
  const coalesced = hasBit(slot.lapic.irr, vector);
  addBit(slot.lapic.irr, vector);
  slot.vcpu.irr_pending = true;
  makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
  return { kind: 'irr', coalesced, why: `APICv inactive: kvm_lapic_set_irr: IRR[${hex(vector)}] ${coalesced ? 'was already 1 (coalesced, QR4)' : ':= 1'}; KVM_REQ_EVENT` };
}

/** Q3.4 `kvm_vcpu_kick` (QR20), with whether the vCPU now runs its entry path. A wake-up is reported here. */
export function kickVcpu(s: KvmState, i: number, src: number, emit: Emit = ignore): { result: KickResult; enters: boolean; why: string } {
  const v = s.vcpus[i].vcpu;
  const mode = v.mode;
  const result = kick(v, src === i);
  if (result === 'woken') {
    const why = `${vname(i)} was blocked in kvm_vcpu_block: kvm_vcpu_wake_up`;
    reportWoken(emit, { target: vname(i), by: 'kvm_vcpu_wake_up', detail: why });
    return { result, enters: true, why };
  }
  if (result === 'self') return { result, enters: true, why: `the caller is ${vname(i)}'s own thread: mode IN_GUEST_MODE → EXITING_GUEST_MODE, no IPI` };
  if (result === 'ipi') return { result, enters: true, why: `${vname(i)} IN_GUEST_MODE on pCPU ${v.pcpu}: cmpxchg to EXITING_GUEST_MODE, smp_send_reschedule → EXTERNAL_INTERRUPT exit` };
  if (v.preempted) return { result, enters: false, why: `${vname(i)} is ${mode} and preempted: nothing to kick; the request waits for it to be scheduled in` };
  if (v.halted) return { result, enters: false, why: `${vname(i)} is halted but not asleep: it re-checks kvm_vcpu_check_block itself` };
  return { result, enters: true, why: `${vname(i)} is ${mode} in the host: the request is seen before the next entry (kvm_vcpu_exit_request)` };
}

/**
 * Q4.2 `kvm_vcpu_trigger_posted_interrupt` (QR19). When the target is not in guest mode, vmx_deliver_posted_interrupt
 * (arch/x86/kvm/vmx/vmx.c) calls kvm_vcpu_wake_up: a blocked target is woken, and that is reported here like every
 * other wake-up (the APICv-off kick and the IPIv wakeup vector report theirs the same way).
 */
export function triggerPosted(s: KvmState, i: number, src: number, emit: Emit = ignore): { kind: 'ipi' | 'self' | 'woken' | 'none'; why: string } {
  const v = s.vcpus[i].vcpu;
  if (v.mode === 'IN_GUEST_MODE' && i !== src) {
    return { kind: 'ipi', why: `${vname(i)} IN_GUEST_MODE on pCPU ${v.pcpu}: send_IPI_mask(POSTED_INTR_VECTOR ${hex(POSTED_INTR_VECTOR)})` };
  }
  if (v.mode === 'IN_GUEST_MODE') return { kind: 'self', why: `${vname(i)} is the running vCPU (fastpath exit): the PIR is synced before re-entry` };
  if (v.blocked) {
    v.blocked = false;
    const why = `${vname(i)} is ${v.mode} and blocked: kvm_vcpu_wake_up`;
    reportWoken(emit, { target: vname(i), by: 'kvm_vcpu_wake_up', detail: why });
    return { kind: 'woken', why };
  }
  return { kind: 'none', why: `${vname(i)} is ${v.mode}${v.preempted ? ', preempted' : ''}: kvm_vcpu_wake_up is a no-op; the PIR waits for the next entry's sync` };
}

/** Q4.3 [hw]: notification received in non-root mode (SDM 29.6): ON=0, VIRR |= PIR, PIR=0, RVI updated. */
export function hwProcessNotification(s: KvmState, i: number): string {
  const slot = s.vcpus[i];
  const pir = [...slot.pi_desc.pir];
  slot.vcpu.rvi = processNotification(slot.pi_desc, slot.lapic.irr, slot.vcpu.rvi);
  return `vector ${hex(POSTED_INTR_VECTOR)} == POSTED_INTR_NV in non-root: no VM exit; ON := 0, VIRR |= PIR [${pir.map(hex).join(', ')}], RVI := ${hex(slot.vcpu.rvi)}`;
}

/** Q4.4 `vmx_sync_pir_to_irr`: ON → clear, IRR |= xchg(PIR,0); then RVI := max_irr (APICv) or KVM_REQ_EVENT. */
export function syncPir(s: KvmState, i: number): { moved: number[]; maxIrr: number; why: string } {
  const slot = s.vcpus[i];
  const on = slot.pi_desc.on;
  const r = syncPirToIrr(slot.pi_desc, slot.lapic.irr);
  if (slot.vcpu.apicv_active) setRviFromIrr(slot.lapic, slot.vcpu);
  else if (r.newMax) makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
  const why = on
    ? `ON was 1: ON := 0, IRR |= PIR [${r.moved.map(hex).join(', ')}]; max_irr ${hex(Math.max(r.maxIrr, 0))}; RVI := ${hex(slot.vcpu.rvi)}`
    : `ON was 0: PIR left alone${slot.pi_desc.pir.length ? ` (holds [${slot.pi_desc.pir.map(hex).join(', ')}], posted while SN=1)` : ''}; RVI := hi(IRR) = ${hex(slot.vcpu.rvi)}`;
  return { moved: r.moved, maxIrr: r.maxIrr, why };
}
