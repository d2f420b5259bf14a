// What a delivery from a step needs (RunOptions), and helpers of the target vCPU's run that several steps call: the
// pending-timer injection (Q9.5, Q3.5), INIT/SIPI acceptance (Q10.6, Q3.5) and the 'what is pending' text. The run
// itself is steps: a kicked, woken or notified vCPU gets its entry (Q3.5 / Q4.4 / Q4.8) or the hardware's
// notification processing (Q4.3) handed to its own context, and goes on through Q3's and Q4's steps there.

import { HandOff, OutcomeEvent, ParamValues } from '../../core/types';
import { apicAcceptIrq, deliverInterrupt } from './kvmDelivery';
import { RedeliverFn } from './kvmEntry';
import { LapicIrq } from './kvmRouting';
import { hex, KvmState } from './kvmState';

export interface RunOptions {
  emit: (e: OutcomeEvent) => void;
  profile: string;
  redeliver: RedeliverFn;
  /** Where a target that is to run gets its work: a hand-off to its context, by the home id of the first step. */
  handOffs: HandOff[];
  /** Parameters the handed-off run starts with besides the vCPU (e.g. handler_eoi: false when the flow's own step EOIs). */
  runParams?: ParamValues;
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
