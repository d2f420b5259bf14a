// Delivering one interrupt message to its target vCPUs: route (kvmRouting), accept and deliver (kvmDelivery), kick
// or notify; a target that is to run gets its run handed to its own context (`vcpuN`) as the first step of Q3's or
// Q4's run steps, which each flow carries as shared steps (kvmVcpuSteps).
import { makeRequest } from '../../components/vcpu';
import { RedeliverFn } from './kvmEntry';
import { checkBlock, leaveHalt } from './kvmBlocking';
import { apicAcceptIrq, deliverInterrupt, kickVcpu, triggerPosted } from './kvmDelivery';
import { irqFromIoapic, LapicIrq, routeIrq } from './kvmRouting';
import { pendingWhat, RunOptions } from './kvmRun';
import { hex, KvmState, vname } from './kvmState';

/**
 * Where a target's run starts, by home step id: `Q3.5` vcpu_run (a kick: block check, timers, events, injection),
 * `Q4.3` the CPU's processing of a notification in non-root mode, `Q4.4` the PIR sync at entry, `Q4.8` the load after
 * a wake-up.
 */
export type RunStart = 'Q3.5' | 'Q4.3' | 'Q4.4' | 'Q4.8';

/** Hand vCPU i's run, from `start`, to its own context. */
export function handRun(o: RunOptions, i: number, start: RunStart): void {
  o.handOffs.push({ next: start, to: vname(i), params: { ...o.runParams, vcpu: i, rest: '', eoi_vcpu: -1, notification_race: false } });
}

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
 * One target: Q3.2 `__apic_accept_irq` → Q3.3/Q4.1 `vmx_deliver_interrupt` → Q3.4 kick or Q4.2 notification; when
 * `run`, the target's run is handed to its context (handRun), from the point the kick or notification leaves it at.
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
        // The CPU processes the notification on the target's pCPU, in non-root mode (Q4.3 on vcpuN).
        if (run) handRun(o, i, 'Q4.3');
      } else if (t.kind === 'woken' && run) {
        // kvm_vcpu_block returns when kvm_vcpu_check_block finds it runnable; then vmx_vcpu_pi_load and entry (Q4.8).
        const c = checkBlock(s, i);
        log.push(`kvm_vcpu_check_block: ${c.why}`);
        if (!c.runnable) {
          s.vcpus[i].vcpu.blocked = true;
          o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: `woken, but ${c.why}` });
        } else {
          leaveHalt(s, i, o.emit, c.why);
          handRun(o, i, 'Q4.8');
        }
      } else if (run && (t.kind === 'self' || (t.kind === 'none' && i === src && !s.vcpus[i].vcpu.preempted))) {
        // The sender itself (e.g. a broadcast IPI including self): it re-enters after its exit and syncs the PIR.
        handRun(o, i, 'Q4.4');
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
  if (k.enters && run) handRun(o, i, 'Q3.5');
  else if (!k.enters) o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: k.why });
  return { accepted: true, log };
}

/** A RedeliverFn for IO-APIC messages: route + accept + deliver, and run the targets when `run`. */
export function makeRedeliver(s: KvmState, o: Omit<RunOptions, 'redeliver'>, run: boolean): RedeliverFn {
  // The targets' runs are handed off (o.handOffs), so a line that stays asserted re-fires once per EOI as the code
  // does, each EOI being a step of its own: nothing nests here.
  const fn: RedeliverFn = (m) => {
    const irq = irqFromIoapic(m);
    const r = deliverToApics(s, irq, -1, { ...o, redeliver: fn }, run);
    o.emit({ kind: 'note', target: 'ioapic', what: `pin ${m.pin}`, detail: `ioapic_service re-sent vector ${hex(m.vector)}: ${r.log.join(' → ')}` });
    return r.accepted === 0 && routeIrq(s, irq, -1).targets.length === 0 ? -1 : r.accepted;
  };
  return fn;
}
