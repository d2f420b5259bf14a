// EVTCHNOP_bind_vcpu and Linux following it (X5.4–X5.6), shared by every Xen flow: the guest (or a raw hypercall, the
// `bind-vcpu` action) can move any port's notify_vcpu_id whatever path the flow follows. X5's own chain
// (set_affinity_irq → xen_rebind_evtchn_to_cpu) leads here; rules XR3–XR5, XR11, XR20, XR24, XR32.

import { bindVcpu, virqIsGlobal } from '../../components/evtchn2l';
import { EVT_MASK_REASON_TEMPORARY, bindPortToCpu, doUnmask, infoForPort, maskReasonText } from '../../components/linuxEvtchn';
import { nrVcpus } from '../../components/xenDomain';
import { unmaskStep } from './guestIrqChip';
import { LINUX_EVENTS_BASE, LINUX_2007_PATCH, XEN_EVENT_CHANNEL, XStep, finish, go, linuxLink, xenLink, portOf, vcpuOf } from './xenFlowKit';

export const rebindSteps: XStep[] = [
  {
    id: 'X5.4', title: 'evtchn_bind_vcpu', component: 'evtchn',
    role: 'Xen moves notify_vcpu_id for UNBOUND, INTERDOMAIN, PIRQ (also re-targeting the physical IRQ) and global VIRQ channels; per-vCPU VIRQ and IPI → -EINVAL (XR4). Pending state is not moved (XR5).',
    rules: ['XR4', 'XR5'],
    links: [xenLink('evtchn_bind_vcpu', XEN_EVENT_CHANNEL), xenLink('pirq_set_affinity', 'xen/arch/x86/irq.c')],
    contracts: [{
      id: 'X5.4-notify', text: 'writes notify_vcpu_id and nothing of the pending/selector state', source: 'XR5',
      codebase: 'xen', symbol: 'evtchn_bind_vcpu', check: { kind: 'doesNotCall', names: ['evtchn_port_set_pending', 'vcpu_mark_events_pending'] },
    }],
    branches: [
      { name: 'refused', when: 'not a rebindable port (an IPI or per-vCPU VIRQ: -EINVAL, no vCPU: -ENOENT): Linux\'s binding is unchanged and the port unmasked again', next: 'X5.6' },
      { name: 'refused', when: 'Linux 2007: not a rebindable port (-EINVAL or -ENOENT): Linux\'s binding is unchanged', next: null },
      { name: 'rebound-xen-only', when: 'Xen moved notify_vcpu_id, but this caller does not update Linux (raw hypercall): cpu_evtchn_mask and info.cpu are unchanged', next: null },
      { name: 'rebound', when: 'notify_vcpu_id moves to the new vCPU; a pending P stays, and nothing is set on the new vCPU (XR5)', next: 'X5.5' },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const v = vcpuOf(ctx, 'vcpu');
      const d = ctx.state;
      const ch = d.evtchn[String(port)];
      const old = ch?.notify_vcpu_id;
      const r = bindVcpu(ch, v, nrVcpus(d), virqIsGlobal);
      const next = ctx.profile === 'linux2007' ? null : 'X5.6';
      if (r < 0) {
        const why = `${ch ? ch.state : 'no channel'} → ${r === -2 ? '-ENOENT' : '-EINVAL'}: Linux binding unchanged ("a virq or IPI channel")`;
        return next ? go('refused', why, next) : finish(ctx, 'refused', why);
      }
      const stale = d.abi === '2l' && d.shared_info.evtchn_pending.includes(port);
      const why = `notify_vcpu_id ${old} → ${v}${ch.state === 'ECS_PIRQ' ? '; physical IRQ affinity → vCPU ' + v + '\'s pCPU' : ''}${stale ? `; P[${port}] still 1, nothing set on vCPU ${v} (XR5)` : ''}`;
      if (ctx.params.raw === true) return finish(ctx, 'rebound-xen-only', `${why}; Linux's cpu_evtchn_mask/info.cpu unchanged`);
      return go('rebound', why, 'X5.5', { tcpu: v });
    },
  },
  {
    id: 'X5.5', title: 'bind_evtchn_to_cpu', component: 'linux-evtchn',
    role: 'Linux follows: info.cpu = tcpu and, for 2-level, the port moves between cpu_evtchn_mask of the old and new CPU (XR20); FIFO bind_to_cpu is a no-op (XR32).',
    rules: ['XR20', 'XR32'],
    links: [linuxLink('bind_evtchn_to_cpu', LINUX_EVENTS_BASE, { formerly: [{ symbol: 'bind_evtchn_to_cpu', in: LINUX_2007_PATCH }] }), linuxLink('evtchn_2l_bind_to_cpu', 'drivers/xen/events/events_2l.c'), linuxLink('evtchn_fifo_bind_to_cpu', 'drivers/xen/events/events_fifo.c')],
    branches: [
      { name: 'rebound', when: 'Linux 2007: info.cpu and the cpu_evtchn_mask bit move to the new CPU', next: null },
      { name: 'no-irq', when: 'the port has no Linux irq (a raw bind of a port Linux never bound): nothing to follow', next: null },
      { name: 'rebound', when: 'info.cpu and (2-level) the cpu_evtchn_mask bit move to the new CPU; the port is unmasked next', next: 'X5.6' },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const t = vcpuOf(ctx, 'tcpu');
      const d = ctx.state;
      const f = infoForPort(d.linux, port);
      if (!f) return finish(ctx, 'no-irq', `port ${port} has no Linux irq (evtchn_to_irq): nothing to follow`);
      const old = f.info.cpu;
      f.info.cpu = t;
      if (d.abi === '2l') bindPortToCpu(d.linux, port, t);
      const why = `info.cpu ${old} → ${t}${d.abi === '2l' ? `, cpu_evtchn_mask bit moved` : ' (FIFO: no per-CPU mask)'}`;
      return ctx.profile === 'linux2007' ? finish(ctx, 'rebound', why) : go('rebound', why, 'X5.6');
    },
  },
  {
    id: 'X5.6', title: 'do_unmask(TEMPORARY)', component: 'linux-evtchn',
    role: 'Drops the TEMPORARY reason; if none remains the port is unmasked from the CPU running set_affinity. Off the new CPU this is the non-local hypercall path, so Xen re-raises a pending event on the new notify_vcpu_id — how a pending event follows the channel.',
    rules: ['XR11', 'XR24'],
    links: [linuxLink('do_unmask', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'unmask', when: 'TEMP was the last mask reason: unmask on this CPU', next: 'X1.22' },
      { name: 'still-masked', when: 'another mask reason remains: the port stays masked', next: null },
      { name: 'no-irq', when: 'the port has no Linux irq: nothing to unmask', next: null },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const f = infoForPort(ctx.state.linux, port);
      if (!f) return finish(ctx, 'no-irq', `port ${port} has no Linux irq: nothing to unmask`);
      if (doUnmask(f.info, EVT_MASK_REASON_TEMPORARY)) return go('unmask', `mask_reason none → unmask on CPU ${vcpuOf(ctx, 'cpu')}`, unmaskStep(ctx.state));
      return finish(ctx, 'still-masked', `mask_reason still ${maskReasonText(f.info.mask_reason)}`);
    },
  },
];
