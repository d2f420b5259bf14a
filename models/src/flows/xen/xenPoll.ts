// SCHEDOP_poll and its timeout, and the one way a Xen vCPU is unblocked (vcpu_unblock), shared by the X flows.
//
// Rules, as Xen 4.17 implements them:
// - xen/common/sched/core.c do_poll: the vCPU first marks itself blocked and sets its poll_mask bit, then checks, in
//   order, local_events_need_delivery() and evtchn_port_poll() for each port. Any of them makes it `goto out`, which
//   clears _VPF_blocked and the poll_mask bit and returns (0 for a pending port, −EINVAL for a bad or unusable one):
//   the vCPU never sleeps. Only when nothing is pending does it arm v->poll_timer (sched_poll->timeout, if non-zero)
//   and schedule away.
// - xen/include/xen/event.h evtchn_port_poll: −EINVAL unless the port is valid and evtchn_usable; else
//   evtchn_is_pending (2-level: the shared_info pending bit; FIFO: the event word's PENDING bit).
// - xen/common/sched/core.c poll_timer_fn: when the timer fires, the vCPU is woken only if its poll_mask bit is still
//   set (test_and_clear_bit), i.e. nothing woke it before; an event wake does not stop the timer, so a later expiry
//   finds the bit clear and does nothing.
// - xen/common/sched/core.c vcpu_unblock: clears _VPF_blocked and ends any polling period (poll_evtchn := 0).
// KVM's Xen emulation (arch/x86/kvm/xen.c kvm_xen_schedop_poll) follows the same shape: wait_pending_event() before
// kvm_vcpu_halt, so an already pending port returns at once; its timeout is relative and is deleted when the halt ends.
// The model keeps poll_evtchn −1 for "not in poll_mask", 0 for "any port", p for one port.

import { hasBit } from '../../components/lapic';
import { evtchnUsable } from '../../components/evtchn2l';
import { hasWord } from '../../components/evtchnFifo';
import { maxPorts } from '../../components/xenDomain';
import { ModelError } from '../../core/types';
import { reportWoken } from '../../core/wake';
import { XCtx, XStep, finish, num, vcpuOf, xenLink } from './xenFlowKit';

const XEN_SCHED_CORE = 'xen/common/sched/core.c';
const tag = (v: number): string => `vcpu${v}`;

/**
 * `vcpu_unblock` (xen/common/sched/core.c): a blocked vCPU becomes runnable and its polling period ends. Every X step
 * that wakes a vCPU goes through here, so the wake is reported once, the same way. Returns whether it was blocked.
 */
export function unblockXenVcpu(ctx: XCtx, i: number, detail: string, what?: string): boolean {
  const vc = ctx.state.vcpu[i];
  if (!vc.blocked) return false;
  vc.blocked = false;
  vc.poll_evtchn = -1;
  reportWoken(ctx.emit, { target: tag(i), by: 'vcpu_unblock', detail, what });
  return true;
}

/** `evtchn_port_poll` (xen/include/xen/event.h): 1 pending, 0 not, −EINVAL (as a reason string) for a bad port. */
function portPoll(ctx: XCtx, port: number): boolean | string {
  const d = ctx.state;
  if (!Number.isInteger(port) || port < 1 || port >= maxPorts(d)) return `port ${port} is not valid (port_is_valid)`;
  const ch = d.evtchn[String(port)];
  if (!evtchnUsable(ch)) return `port ${port} is ${ch ? (ch.xen_consumer ? 'consumed by Xen' : ch.state) : 'not allocated'} (evtchn_usable is false)`;
  if (d.abi === 'fifo') {
    // evtchn_fifo_is_pending: no event word yet reads as not pending.
    return d.fifo !== null && hasWord(d.fifo, port) && (d.fifo.event_word[String(port)]?.PENDING ?? 0) === 1;
  }
  return hasBit(d.shared_info.evtchn_pending, port);
}

export const xenPollSteps: XStep[] = [
  {
    id: 'X1.p1', title: 'do_poll', component: 'xen-sched',
    role: 'SCHEDOP_poll: marks the vCPU blocked and polling, then returns at once (never sleeping) if events already need delivery (PV) or a polled port is already pending; an invalid or unusable port returns −EINVAL. Otherwise it arms the poll timer (timeout ≠ 0) and blocks until evtchn_check_pollers or the timer wakes it. HVM: only the ports are checked here.',
    rules: ['XR36'],
    branches: [
      { name: 'events-need-delivery', when: 'PV vCPU with evtchn_upcall_pending=1 and the upcall unmasked: returns 0 at once, never blocks', next: null },
      { name: 'einval', when: 'the polled port is invalid or unusable: returns −EINVAL, never blocks', next: null },
      { name: 'already-pending', when: 'the polled port is already pending: returns 0 at once, never blocks', next: null },
      { name: 'blocks', when: 'nothing pending: poll_evtchn := port (0 = any), poll_timer armed when timeout ≠ 0, the vCPU sleeps', next: null },
    ],
    links: [xenLink('do_poll', XEN_SCHED_CORE), xenLink('evtchn_port_poll', 'xen/include/xen/event.h'), xenLink('local_events_need_delivery', 'xen/arch/x86/include/asm/event.h')],
    run(ctx) {
      const i = vcpuOf(ctx);
      const port = num(ctx.params, 'port');
      const timeout = typeof ctx.params.timeout === 'number' ? ctx.params.timeout : 0;
      const d = ctx.state;
      const vc = d.vcpu[i];
      if (vc.blocked) throw new ModelError(`vCPU ${i} is blocked: it cannot issue SCHEDOP_poll until it runs again`, 'vcpu');
      const what = port === 0 ? 'any port' : `port ${port}`;
      // PV local_events_need_delivery: upcall pending and not masked → goto out, rc 0.
      if (d.guest === 'pv' && d.vcpu_info[i].evtchn_upcall_pending === 1 && d.vcpu_info[i].evtchn_upcall_mask === 0) {
        ctx.emit({ kind: 'note', target: tag(i), what, detail: 'SCHEDOP_poll returned 0 at once: local_events_need_delivery (UP=1, UM=0); the vCPU never blocked' });
        return finish(ctx, 'events-need-delivery', `vCPU ${i}: evtchn_upcall_pending=1 with the upcall unmasked → goto out: _VPF_blocked and the poll_mask bit cleared, returns 0`);
      }
      if (port !== 0) {
        const r = portPoll(ctx, port);
        if (typeof r === 'string') {
          ctx.emit({ kind: 'error', target: tag(i), what, detail: `SCHEDOP_poll returned −EINVAL: ${r}; the vCPU never blocked` });
          return finish(ctx, 'einval', `evtchn_port_poll: ${r} → goto out with −EINVAL`);
        }
        if (r) {
          ctx.emit({ kind: 'note', target: tag(i), what, detail: `SCHEDOP_poll returned 0 at once: port ${port} is already pending; the vCPU never blocked` });
          return finish(ctx, 'already-pending', `evtchn_port_poll(port ${port}) = 1 → goto out: _VPF_blocked and the poll_mask bit cleared, returns 0`);
        }
      }
      vc.blocked = true;
      vc.is_running = false;
      vc.poll_evtchn = port;
      if (timeout !== 0) vc.poll_timer = timeout;
      ctx.emit({ kind: 'pending', target: tag(i), what, detail: `vCPU ${i} sleeps in SCHEDOP_poll${timeout !== 0 ? ` (poll_timer armed, timeout ${timeout})` : ' (no timeout)'}` });
      return finish(ctx, 'blocks', `${port === 0 ? 'no port to check' : `port ${port} is not pending`}: poll_evtchn := ${port === 0 ? 'any' : port}${timeout !== 0 ? `, set_timer(poll_timer, ${timeout})` : ''}, schedule away`);
    },
  },
  {
    id: 'X1.p2', title: 'poll_timer_fn', component: 'xen-sched',
    role: 'The SCHEDOP_poll timeout fires: if the vCPU is still in poll_mask it is woken (vcpu_unblock) and SCHEDOP_poll returns 0 with nothing pending; if an event already woke it, nothing happens. The timer is the scenario action poll-timer-fires rather than timer@+N: a timeout has no fixed number of model steps, and a placed action can fire it at any point the real timer can.',
    rules: ['XR37'],
    branches: [
      { name: 'not-armed', when: 'no poll timer armed (SCHEDOP_poll with timeout 0, or it already fired)', next: null },
      { name: 'not-polling', when: 'the poll_mask bit is already clear (an event woke the vCPU): nothing to do', next: null },
      { name: 'timeout-wakes', when: 'the vCPU is still in poll_mask: test_and_clear_bit → vcpu_unblock, SCHEDOP_poll returns 0', next: null },
    ],
    links: [xenLink('poll_timer_fn', XEN_SCHED_CORE), xenLink('vcpu_unblock', XEN_SCHED_CORE)],
    run(ctx) {
      const i = vcpuOf(ctx);
      const vc = ctx.state.vcpu[i];
      if (vc.poll_timer === 0) return finish(ctx, 'not-armed', `vCPU ${i} has no poll timer armed (SCHEDOP_poll with timeout 0, or it already fired)`);
      const t = vc.poll_timer;
      vc.poll_timer = 0;
      if (vc.poll_evtchn === -1 || !vc.blocked) {
        return finish(ctx, 'not-polling', `timer (timeout ${t}) fired but vCPU ${i}'s poll_mask bit is already clear (an event woke it): nothing to do`);
      }
      unblockXenVcpu(ctx, i, `vCPU ${i}'s SCHEDOP_poll timed out (timeout ${t}): poll_timer_fn clears its poll_mask bit, vcpu_unblock`);
      return finish(ctx, 'timeout-wakes', `timer (timeout ${t}) fired with vCPU ${i} still in poll_mask: test_and_clear_bit → vcpu_unblock; SCHEDOP_poll returns 0`);
    },
  },
];
