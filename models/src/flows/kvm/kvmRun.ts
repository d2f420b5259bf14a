// A compact vcpu_run for a vCPU until the guest is idle (block check, pending timer, entry, delivery, EOI): used by
// flows whose own steps end where Q3/Q4 take over (Q5, Q6, Q9, Q10, Q12), so their traces still say what the guest got.

import { deliverVirtual, recognised } from '../../components/apicv';
import { deliverableVector } from '../../components/lapic';
import { checkRequest } from '../../components/vcpu';
import { OutcomeEvent } from '../../core/types';
import { checkBlock, leaveHalt, piLoad } from './kvmBlocking';
import { apicAcceptIrq, deliverInterrupt, syncPir } from './kvmDelivery';
import { checkAndInject, guestEoi, guestHandler, pvEoiArm, RedeliverFn, vmEntry } from './kvmEntry';
import { LapicIrq } from './kvmRouting';
import { hex, KvmState, vname } from './kvmState';

export interface RunOptions {
  handlerEoi: boolean;
  /** The guest handler services its device before the EOI (a level line it drove falls); default true. */
  clearsLine?: boolean;
  emit: (e: OutcomeEvent) => void;
  profile: string;
  redeliver: RedeliverFn;
}

/** `vcpu_run` for vCPU i: block check, pending timer, entry, delivery, guest handler and EOI, repeated while work remains. */
export function runVcpu(s: KvmState, i: number, o: RunOptions): string[] {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  const log: string[] = [];
  if (v.preempted) {
    o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: `${vname(i)} is preempted: it runs only when scheduled in` });
    return ['preempted: not running'];
  }
  for (let guard = 0; guard < 16; guard++) {
    if (v.halted) {
      const c = checkBlock(s, i);
      log.push(`kvm_vcpu_check_block: ${c.why}`);
      if (!c.runnable) {
        v.blocked = true;
        v.mode = 'OUTSIDE_GUEST_MODE';
        o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: `${vname(i)} stays blocked: ${c.why}` });
        return log;
      }
      leaveHalt(s, i, o.emit, c.why);
      log.push(`vmx_vcpu_pi_load: ${piLoad(s, i, v.pcpu)}`);
    }
    v.mode = 'OUTSIDE_GUEST_MODE';
    if (slot.timer.pending > 0) log.push(injectPendingTimer(s, i));
    if (v.pending_events.length) log.push(acceptEvents(s, i));
    const ev = checkRequest(v, 'KVM_REQ_EVENT');
    let inj = '';
    if (ev || v.nmi_pending > 0 || v.intr_info >= 0) {
      const r = checkAndInject(s, i);
      inj = r.why;
      if (r.kind === 'nmi') {
        o.emit({ kind: 'delivered', target: vname(i), handler: 'exc_nmi', what: 'NMI', detail: 'NMI injected at entry' });
        continue;
      }
      log.push(`kvm_check_and_inject_events: ${r.why}`);
      log.push(`kvm_lapic_sync_to_vapic: ${pvEoiArm(s, i).why}`);
    }
    if (v.apicv_active) log.push(`vmx_sync_pir_to_irr: ${syncPir(s, i).why}`);
    const e = vmEntry(s, i);
    log.push(e.why);
    if (e.vector < 0) {
      if (!inj && !ev) break;
      if (slot.lapic.irr.length === 0 && slot.pi_desc.pir.length === 0 && !v.requests.includes('KVM_REQ_EVENT')) break;
      if (deliverableVector(slot.lapic, 'kvm') < 0 || !v.rflags_if) {
        o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: `${vname(i)} runs with [${slot.lapic.irr.map(hex).join(', ')}] pending: ${e.why}` });
        break;
      }
      continue;
    }
    o.emit({ kind: 'delivered', target: vname(i), handler: guestHandler(e.vector), what: `vector ${hex(e.vector)}`, detail: e.why });
    if (!o.handlerEoi) {
      log.push(`guest handler for ${hex(e.vector)} has not written EOI yet`);
      break;
    }
    const eoi = guestEoi(s, i, o.profile, o.emit, o.redeliver, o.clearsLine !== false);
    log.push(`EOI ${hex(eoi.vector)}: ${eoi.why}`);
    if (eoi.path === 'virtualized-no-exit' && !recognised(slot.lapic, v) && slot.pi_desc.pir.length === 0) break;
  }
  return log;
}

/** What is still waiting for vCPU i, for 'pending' outcomes. */
export function pendingWhat(s: KvmState, i: number): string {
  const slot = s.vcpus[i];
  const parts: string[] = [];
  if (slot.pi_desc.pir.length) parts.push(`PIR [${slot.pi_desc.pir.map(hex).join(', ')}]`);
  if (slot.lapic.irr.length) parts.push(`IRR [${slot.lapic.irr.map(hex).join(', ')}]`);
  if (slot.timer.pending) parts.push('timer pending');
  return parts.join(', ') || 'nothing';
}

/** Q10.6 `kvm_apic_accept_events`: INIT/SIPI handling on the target. */
export function acceptEvents(s: KvmState, i: number): string {
  const v = s.vcpus[i].vcpu;
  const ev = v.pending_events.join('+');
  v.pending_events = [];
  return `kvm_apic_accept_events: ${ev} processed (INIT resets the vCPU to wait-for-SIPI; SIPI starts it at the vector's page)`;
}

/**
 * Q9.5 `kvm_inject_pending_timer_irqs` → `kvm_apic_local_deliver(APIC_LVTT)` → `__apic_accept_irq` (QR25, QR26):
 * one-shot / TSC-deadline clear the deadline, then pending := 0.
 */
export function injectPendingTimer(s: KvmState, i: number): string {
  const slot = s.vcpus[i];
  const lvt = slot.lapic.lvt_timer;
  const t = slot.timer;
  if (!slot.lapic.svr_enabled || lvt.masked) {
    t.pending = 0;
    return `kvm_apic_local_deliver(APIC_LVTT): LVTT ${lvt.masked ? 'masked' : 'with APIC disabled'}: nothing delivered (QR26)`;
  }
  const irq: LapicIrq = { vector: lvt.vector, delivery: 'fixed', dest: slot.apic_id, logical: false, shorthand: 'self', level_triggered: false, level: true };
  const acc = apicAcceptIrq(s, i, irq);
  let d = acc.why;
  if (acc.kind === 'fixed') d = deliverInterrupt(s, i, lvt.vector).why;
  if (lvt.mode !== 'periodic') {
    t.tscdeadline = 0;
    if (lvt.mode === 'oneshot') t.target_expiration = 0;
  }
  t.pending = 0;
  // From the vCPU's own thread the kick is a no-op (mode is not IN_GUEST_MODE); a post is synced at entry.
  return `kvm_apic_local_deliver(APIC_LVTT): vector ${hex(lvt.vector)} → ${d}; pending := 0`;
}

/** A vCPU already in non-root mode after a notification: the CPU evaluates and delivers without an exit. */
export function runInGuest(s: KvmState, i: number, o: RunOptions): string[] {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  const log: string[] = [];
  for (let guard = 0; guard < 16; guard++) {
    const e = vmEntryInGuest(s, i);
    log.push(e.why);
    if (e.vector < 0) {
      if (slot.lapic.irr.length) o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: e.why });
      break;
    }
    o.emit({ kind: 'delivered', target: vname(i), handler: guestHandler(e.vector), what: `vector ${hex(e.vector)}`, detail: e.why });
    if (!o.handlerEoi) break;
    const eoi = guestEoi(s, i, o.profile, o.emit, o.redeliver, o.clearsLine !== false);
    log.push(`EOI ${hex(eoi.vector)}: ${eoi.why}`);
    if (eoi.path === 'eoi-induced-exit') {
      // The exit goes back through vcpu_run; KVM_REQ_EVENT is consumed at the next entry.
      log.push(...runVcpu(s, i, o));
      break;
    }
    if (!recognised(slot.lapic, v)) break;
  }
  return log;
}

function vmEntryInGuest(s: KvmState, i: number): { vector: number; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  if (!recognised(slot.lapic, v)) return { vector: -1, why: `RVI ${hex(v.rvi)} does not beat VPPR (SDM 29.2.1): nothing delivered` };
  if (!v.rflags_if) return { vector: -1, why: `RVI ${hex(v.rvi)} recognised but RFLAGS.IF=0: delivery waits for IF=1 (SDM 29.2.2)` };
  const vec = deliverVirtual(slot.lapic, v);
  return { vector: vec, why: `virtual-interrupt delivery of ${hex(vec)}: VISR[${hex(vec)}]=1, SVI := ${hex(v.svi)}, RVI := ${hex(v.rvi)} (QR17)` };
}
