// Flow X5: re-binding a channel to another vCPU — set_affinity_irq → xen_rebind_evtchn_to_cpu →
// EVTCHNOP_bind_vcpu (notify_vcpu_id) → Linux bind_evtchn_to_cpu → unmask (rules XR3–XR5, XR24).

import { EVT_MASK_REASON_TEMPORARY, doMask, infoForPort, maskReasonText } from '../../components/linuxEvtchn';
import { nrVcpus } from '../../components/xenDomain';
import { clearBit } from '../../components/lapic';
import { makeXenFlow, specFrom } from './xenFlowBase';
import { maskEvtchn } from './guestIrqChip';
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
  ownSteps: own, // X5.4–X5.6 (EVTCHNOP_bind_vcpu and Linux following it) are shared by every Xen flow: rebindSteps.ts
  spec: (p) => specFrom(p, { ipis: true }),
  actions: [
    { name: 'set-affinity', description: 'irq_set_affinity(irq of port, dest) run on cpu.', params: [pPort, pDest, pCpu], from: 'X5.1' },
    { name: 'close', description: 'Close the port (unbind_from_irq + EVTCHNOP_close).', params: [pPort], from: 'X5.7' },
  ],
});
