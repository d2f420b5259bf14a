// Delivering one interrupt message to its target vCPUs and running them: route (kvmRouting), accept and deliver
// (kvmDelivery), kick or notify, then the target's vcpu_run (kvmRun). Kept apart from kvmDelivery because it calls
// vcpu_run, which itself calls into kvmDelivery.
import { makeRequest } from '../../components/vcpu';
import { RedeliverFn } from './kvmEntry';
import { apicAcceptIrq, deliverInterrupt, hwProcessNotification, kickVcpu, triggerPosted } from './kvmDelivery';
import { irqFromIoapic, LapicIrq, routeIrq } from './kvmRouting';
import { pendingWhat, runInGuest, RunOptions, runVcpu } from './kvmRun';
import { hex, KvmState, vname } from './kvmState';

/** Deliver a message to every target: Q3.1 → deliverOne per target; returns accepted count. */
export function deliverToApics(s: KvmState, irq: LapicIrq, src: number, o: RunOptions, run: boolean): { accepted: number; log: string[] } {
  const r = routeIrq(s, irq, src);
  const log = [`kvm_irq_delivery_to_apic: ${r.why}`];
  let accepted = 0;
  for (const i of r.targets) {
    const d = deliverOne(s, i, irq, src, o, run);
    log.push(...d.log);
    if (d.accepted) accepted++;
  }
  return { accepted, log };
}

/**
 * One target: Q3.2 `__apic_accept_irq` → Q3.3/Q4.1 `vmx_deliver_interrupt` → Q3.4 kick or Q4.2 notification
 * (+ Q4.3 in hardware), then, when `run`, the target's vcpu_run / in-guest delivery.
 */
export function deliverOne(s: KvmState, i: number, irq: LapicIrq, src: number, o: RunOptions, run: boolean): { accepted: boolean; log: string[] } {
  const log: string[] = [];
  const acc = apicAcceptIrq(s, i, irq);
  log.push(`__apic_accept_irq(${vname(i)}): ${acc.why}`);
  if (acc.kind === 'dropped') {
    o.emit({ kind: 'dropped', target: vname(i), what: `vector ${hex(irq.vector)}`, detail: acc.why });
    return { accepted: false, log };
  }
  if (acc.kind === 'fixed') {
    const d = deliverInterrupt(s, i, irq.vector);
    log.push(`vmx_deliver_interrupt: ${d.why}`);
    if (d.kind === 'posted') {
      if (d.post !== 'notify') {
        o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: d.why });
        return { accepted: true, log };
      }
      const t = triggerPosted(s, i, src, o.emit);
      log.push(`kvm_vcpu_trigger_posted_interrupt: ${t.why}`);
      if (t.kind === 'ipi') {
        log.push(hwProcessNotification(s, i));
        if (run) log.push(...runInGuest(s, i, o));
      } else if (t.kind === 'woken') {
        if (run) log.push(...runVcpu(s, i, o));
      } else if (run && (t.kind === 'self' || (t.kind === 'none' && i === src && !s.vcpus[i].vcpu.preempted))) {
        // The sender itself (e.g. a broadcast IPI including self): it re-enters after its exit and syncs the PIR.
        log.push(...runVcpu(s, i, o));
      } else if (t.kind === 'none') {
        o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: t.why });
      }
      return { accepted: true, log };
    }
  } else if (acc.kind === 'nmi') {
    makeRequest(s.vcpus[i].vcpu, 'KVM_REQ_EVENT');
  }
  const k = kickVcpu(s, i, src, o.emit);
  log.push(`kvm_vcpu_kick: ${k.why}`);
  if (k.enters && run) log.push(...runVcpu(s, i, o));
  else if (!k.enters) o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: k.why });
  return { accepted: true, log };
}

/** A RedeliverFn for IO-APIC messages: route + accept + deliver, and run the targets when `run`. */
export function makeRedeliver(s: KvmState, o: Omit<RunOptions, 'redeliver'>, run: boolean): RedeliverFn {
  // A line that stays asserted re-fires at every EOI (QR10); the guest would loop until the storm limiter. Nested
  // re-deliveries past a few levels are accepted but not run, so a model run always ends.
  let depth = 0;
  const fn: RedeliverFn = (m) => {
    const irq = irqFromIoapic(m);
    depth++;
    try {
      const r = deliverToApics(s, irq, -1, { ...o, redeliver: fn }, run && depth <= 3);
      o.emit({ kind: 'note', target: 'ioapic', what: `pin ${m.pin}`, detail: `ioapic_service re-sent vector ${hex(m.vector)}: ${r.log.join(' → ')}` });
      return r.accepted === 0 && routeIrq(s, irq, -1).targets.length === 0 ? -1 : r.accepted;
    } finally {
      depth--;
    }
  };
  return fn;
}
