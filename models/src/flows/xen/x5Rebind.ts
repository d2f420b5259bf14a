// Flow X5: re-binding a channel to another vCPU — set_affinity_irq → xen_rebind_evtchn_to_cpu →
// EVTCHNOP_bind_vcpu (notify_vcpu_id) → Linux bind_evtchn_to_cpu → unmask (rules XR3–XR5, XR24).

import { bindVcpu, virqIsGlobal } from '../../components/evtchn2l';
import { EVT_MASK_REASON_TEMPORARY, bindPortToCpu, doMask, doUnmask, infoForPort, maskReasonText } from '../../components/linuxEvtchn';
import { nrVcpus } from '../../components/xenDomain';
import { clearBit } from '../../components/lapic';
import { makeXenFlow, specFrom } from './xenFlowBase';
import { maskEvtchn, unmaskStep } from './guestIrqChip';
import { LINUX_EVENTS_BASE, LINUX_2007_PATCH, P_ABI, P_CALLBACK, P_CHIP, P_CPU, P_GUEST, P_VCPUS, FRONT_PORT, XEN_EVENT_CHANNEL, XStep, finish, go, linuxLink, num, xenLink, portOf, vcpuOf } from './xenFlowKit';

const own: XStep[] = [
  {
    id: 'X5.1', title: 'set_affinity_irq', component: 'linux-evtchn',
    role: 'irq_chip irq_set_affinity of dynamic, lateeoi and pirq chips (not per-CPU ones), e.g. from /proc/irq/N/smp_affinity or irqbalance: picks a CPU and rebinds the channel.',
    links: [linuxLink('set_affinity_irq', LINUX_EVENTS_BASE, { formerly: [{ symbol: 'set_affinity_irq', in: LINUX_2007_PATCH }] })],
    branches: [
      { name: 'no-irq', when: 'no irq on the port', next: null },
      { name: 'no-set-affinity', when: 'xen_percpu_chip has no irq_set_affinity: per-CPU VIRQs and IPIs cannot move', next: null },
      { name: 'first-cpu', when: 'Linux 2007: the first CPU of the affinity mask', next: 'X5.3' },
      { name: 'select', when: 'the irq can move: choose a CPU from the affinity mask', next: 'X5.2' },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const f = infoForPort(ctx.state.linux, port);
      if (!f) return finish(ctx, 'no-irq', `no irq on port ${port}`);
      if (f.info.chip === 'xen_percpu_chip') return finish(ctx, 'no-set-affinity', 'xen_percpu_chip has no irq_set_affinity: per-CPU VIRQs and IPIs cannot move');
      if (ctx.profile === 'linux2007') {
        const dest = num(ctx.params, 'dest');
        const t = [...Array(nrVcpus(ctx.state)).keys()].find((c) => dest & (1 << c)) ?? 0;
        return go('first-cpu', `2007: tcpu = first_cpu(dest 0x${dest.toString(16)}) = ${t}`, 'X5.3', { tcpu: t });
      }
      return go('select', `irq ${f.irq}: choose a CPU from dest`, 'X5.2');
    },
  },
  {
    id: 'X5.2', title: 'select_target_cpu', component: 'linux-evtchn',
    role: 'Picks the online CPU of the requested mask with the fewest bound channels (first on ties); an empty intersection falls back to all online CPUs.',
    links: [linuxLink('select_target_cpu', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'chosen', when: 'the online CPU of the mask with the fewest channels bound (channels_on_cpu)', next: 'X5.3' },
    ],
    run(ctx) {
      const d = ctx.state;
      const n = nrVcpus(d);
      const dest = num(ctx.params, 'dest');
      let cands = [...Array(n).keys()].filter((c) => dest & (1 << c));
      if (cands.length === 0) cands = [...Array(n).keys()];
      const count = (c: number) => Object.values(d.linux.irq_info).filter((i) => i.evtchn && i.cpu === c).length;
      let best = cands[0];
      for (const c of cands) if (count(c) < count(best)) best = c;
      return go('chosen', `candidates ${cands.join(',')}: channels_on_cpu ${cands.map((c) => `${c}:${count(c)}`).join(' ')} → CPU ${best}`, 'X5.3', { tcpu: best });
    },
  },
  {
    id: 'X5.3', title: 'xen_rebind_evtchn_to_cpu', component: 'linux-evtchn',
    role: 'Masks the port (TEMPORARY) so no event is delivered on an unexpected vCPU, asks Xen to move notify_vcpu_id, then unmasks. An HVM guest without a vector callback cannot rebind at all (xen_support_evtchn_rebind). 2007 (rebind_irq_to_cpu) did not mask.',
    links: [linuxLink('xen_rebind_evtchn_to_cpu', LINUX_EVENTS_BASE, { formerly: [{ symbol: 'rebind_irq_to_cpu', in: LINUX_2007_PATCH }] }), linuxLink('xen_support_evtchn_rebind', 'arch/x86/include/asm/xen/events.h')],
    contracts: [{
      id: 'X5.3-mask-around', text: 'masks the event while changing the vCPU binding and unmasks afterwards', source: 'docs/flows/X5.md#x5-3',
      codebase: 'linux', symbol: 'xen_rebind_evtchn_to_cpu', check: { kind: 'callOrder', first: ['do_mask'], then: ['do_unmask'] },
    }],
    branches: [
      { name: 'no-rebind', when: 'HVM guest on a GSI/INTx callback: returns -1', next: null },
      { name: 'bind-vcpu', when: 'Linux 2007: EVTCHNOP_bind_vcpu without masking the port first', next: 'X5.4' },
      { name: 'mask-and-bind', when: 'the port is masked (mask reason TEMP), then EVTCHNOP_bind_vcpu', next: 'X5.4' },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const t = vcpuOf(ctx, 'tcpu');
      const d = ctx.state;
      const f = infoForPort(d.linux, port)!;
      if (d.guest === 'hvm' && !d.linux.xen_have_vector_callback) {
        ctx.emit({ kind: 'note', what: `port ${port}`, detail: 'xen_support_evtchn_rebind() is false (HVM without a vector callback): the channel stays on CPU0' });
        return finish(ctx, 'no-rebind', 'HVM guest on a GSI/INTx callback: returns -1');
      }
      if (ctx.profile === 'linux2007') return go('bind-vcpu', `2007: EVTCHNOP_bind_vcpu {port ${port}, vcpu ${t}} without masking`, 'X5.4', { vcpu: t });
      const phys = doMask(f.info, EVT_MASK_REASON_TEMPORARY);
      if (phys) maskEvtchn(d, port);
      return go('mask-and-bind', `mask_reason → ${maskReasonText(f.info.mask_reason)}${phys ? ', port masked' : ''}; EVTCHNOP_bind_vcpu {port ${port}, vcpu ${t}}`, 'X5.4', { vcpu: t });
    },
  },
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
      { name: 'rebound', when: 'info.cpu and (2-level) the cpu_evtchn_mask bit move to the new CPU; the port is unmasked next', next: 'X5.6' },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const t = vcpuOf(ctx, 'tcpu');
      const d = ctx.state;
      const f = infoForPort(d.linux, port)!;
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
    ],
    run(ctx) {
      const port = portOf(ctx);
      const f = infoForPort(ctx.state.linux, port)!;
      if (doUnmask(f.info, EVT_MASK_REASON_TEMPORARY)) return go('unmask', `mask_reason none → unmask on CPU ${vcpuOf(ctx, 'cpu')}`, unmaskStep(ctx.state));
      return finish(ctx, 'still-masked', `mask_reason still ${maskReasonText(f.info.mask_reason)}`);
    },
  },
  {
    id: 'X5.7', title: 'evtchn_free', component: 'evtchn',
    role: 'Closing a channel: Linux removes evtchn_to_irq and the cpu_evtchn_mask bit (__unbind_from_irq), then Xen clears P[p], sets ECS_FREE and notify_vcpu_id = 0 (XR4).',
    rules: ['XR4'],
    links: [xenLink('evtchn_free', XEN_EVENT_CHANNEL), xenLink('evtchn_close', XEN_EVENT_CHANNEL), linuxLink('__unbind_from_irq', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'closed', when: 'EVTCHNOP_close: P cleared, the port ECS_FREE, notify_vcpu_id reset to 0', next: null },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const d = ctx.state;
      const irq = d.linux.evtchn_to_irq[String(port)];
      delete d.linux.evtchn_to_irq[String(port)];
      if (irq !== undefined) delete d.linux.irq_info[String(irq)];
      for (const m of d.linux.cpu_evtchn_mask) clearBit(m, port);
      clearBit(d.shared_info.evtchn_pending, port);
      const ch = d.evtchn[String(port)];
      if (ch) { ch.state = 'ECS_FREE'; ch.notify_vcpu_id = 0; ch.xen_consumer = 0; }
      return finish(ctx, 'closed', `port ${port}: P cleared, ECS_FREE, notify_vcpu_id 0`);
    },
  },
];

const pPort = { name: 'port', type: 'int' as const, description: 'The port whose irq is moved.', default: FRONT_PORT, min: 0, max: 1 << 20 };
const pDest = { name: 'dest', type: 'int' as const, description: 'Requested affinity as a CPU bitmask (2 = CPU1).', default: 2, min: 0, max: 255 };
const pCpu = P_CPU(0, 'The CPU running set_affinity (and so the unmask).', 0);

export const x5Rebind = makeXenFlow({
  id: 'X5',
  name: 'Re-binding a channel to another vCPU (notify_vcpu_id)',
  description: 'set_affinity_irq → select_target_cpu → xen_rebind_evtchn_to_cpu (mask TEMPORARY) → EVTCHNOP_bind_vcpu → bind_evtchn_to_cpu → do_unmask, which re-raises a pending event on the new vCPU.',
  entry: 'X5.1',
  params: [pPort, pDest, pCpu, P_VCPUS, P_GUEST('pv'), P_ABI('2l'), P_CALLBACK, P_CHIP],
  ownSteps: own,
  spec: (p) => specFrom(p, { ipis: true }),
  actions: [
    { name: 'set-affinity', description: 'irq_set_affinity(irq of port, dest) run on cpu.', params: [pPort, pDest, pCpu], from: 'X5.1' },
    { name: 'bind-vcpu', description: 'A raw EVTCHNOP_bind_vcpu (Xen only; Linux not told).', params: [pPort, { name: 'vcpu', type: 'int', description: 'New vCPU.', default: 1, min: 0, max: 63 }, { name: 'raw', type: 'bool', description: 'Stop after Xen (Linux not told).', default: true }], from: 'X5.4' },
    { name: 'close', description: 'Close the port (unbind_from_irq + EVTCHNOP_close).', params: [pPort], from: 'X5.7' },
  ],
});
