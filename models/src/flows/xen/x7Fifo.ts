// Flow X7: the FIFO event-channel ABI — per-vCPU control blocks, event words, 16 priority queues
// (rules XR29–XR33). Delivery reuses X1.5 → X7.5 → X1.8 … → X7.8/X7.9.

import { EVTCHN_FIFO_EVENT_WORDS_PER_PAGE, newFifo, newWord, word } from '../../components/evtchnFifo';
import { nrVcpus } from '../../components/xenDomain';
import { makeXenFlow, specFrom } from './xenFlowBase';
import { LINUX_EVENTS_FIFO, FRONT_PORT, P_CALLBACK, P_CPU, P_GUEST, P_VCPU, P_VCPUS, XEN_EVENT_CHANNEL, XStep, call, finish, go, linuxLink, num, xenLink, portOf, vcpuOf } from './xenFlowKit';

const own: XStep[] = [
  {
    id: 'X7.1', title: 'xen_evtchn_fifo_init', component: 'linux-evtchn-fifo',
    role: 'Linux switches to FIFO: allocates CPU0\'s control block and issues EVTCHNOP_init_control (other CPUs do it when they come up); falls back to 2-level if it fails.',
    links: [linuxLink('xen_evtchn_fifo_init', LINUX_EVENTS_FIFO), linuxLink('init_control_block', LINUX_EVENTS_FIFO)],
    branches: [
      { name: 'init-control', when: 'EVTCHNOP_init_control for the vCPU\'s control block', next: 'X7.2' },
    ],
    run: (ctx) => go('init-control', `EVTCHNOP_init_control {vcpu ${vcpuOf(ctx, 'vcpu')}}`, 'X7.2'),
  },
  {
    id: 'X7.2', title: 'evtchn_fifo_init_control', component: 'evtchn-fifo',
    role: 'Maps a vCPU\'s control block; on the domain\'s first call sets up every vCPU\'s queues, switches the port ops to FIFO and carries each port\'s 2-level pending bit over as E[p].pending, priority 7.',
    links: [xenLink('evtchn_fifo_init_control', 'xen/common/event_fifo.c'), xenLink('setup_ports', 'xen/common/event_fifo.c')],
    branches: [
      { name: 'einval', when: 'the vCPU\'s control block is already mapped: -EINVAL', next: null },
      { name: 'mapped', when: 'not the first init_control: this vCPU\'s control block is mapped', next: null },
      { name: 'switched', when: 'first init_control: every vCPU\'s queues set up, ports\' pending kept in E[p].pending, vCPU v mapped; no event-array page yet', next: null },
    ],
    run(ctx) {
      const v = vcpuOf(ctx, 'vcpu');
      const d = ctx.state;
      if (d.abi === 'fifo') {
        const cb = d.fifo!.control_block[v];
        if (cb.mapped) return finish(ctx, 'einval', `vCPU ${v}'s control block is already mapped: -EINVAL`);
        cb.mapped = true;
        return finish(ctx, 'mapped', `control block of vCPU ${v} mapped`);
      }
      const f = newFifo(nrVcpus(d));
      f.control_block.forEach((cb, i) => { cb.mapped = i === v; });
      for (const [k, ch] of Object.entries(d.evtchn)) {
        if (k === '0') continue;
        ch.pending = d.shared_info.evtchn_pending.includes(Number(k));
        ch.priority = 7;
        f.event_word[k] = newWord({ MASKED: 1 });
      }
      d.fifo = f;
      d.abi = 'fifo';
      f.event_array_pages = 0;
      d.shared_info.evtchn_pending = [];
      d.shared_info.evtchn_mask = [];
      d.linux.cpu_evtchn_mask = d.linux.cpu_evtchn_mask.map(() => []);
      return finish(ctx, 'switched', `first init_control: every vCPU's queues set up, ports' pending kept in E[p].pending, vCPU ${v} mapped; no event-array page yet`);
    },
  },
  {
    id: 'X7.3', title: 'evtchn_fifo_setup → EVTCHNOP_expand_array', component: 'evtchn-fifo',
    role: 'Linux adds an event-array page (every word MASKED); Xen maps it and re-raises every port of the page whose E[p].pending was remembered.',
    links: [linuxLink('evtchn_fifo_setup', LINUX_EVENTS_FIFO), xenLink('evtchn_fifo_expand_array', 'xen/common/event_fifo.c')],
    branches: [
      { name: 'mapped', when: 'an event-array page is mapped; no port was remembered as pending', next: null },
      { name: 'reraise', when: 'an event-array page is mapped and a port was remembered as pending: evtchn_fifo_set_pending on its notify_vcpu_id', next: 'X7.5' },
    ],
    run(ctx) {
      const d = ctx.state;
      const f = d.fifo!;
      const phase = typeof ctx.params.phase === 'number' ? ctx.params.phase : -1;
      if (phase < 0) f.event_array_pages++;
      const lo = (f.event_array_pages - 1) * EVTCHN_FIFO_EVENT_WORDS_PER_PAGE;
      const todo = Object.entries(d.evtchn).filter(([k, ch]) => ch.pending && Number(k) >= lo && Number(k) < lo + EVTCHN_FIFO_EVENT_WORDS_PER_PAGE).map(([k]) => Number(k));
      if (todo.length === 0) return finish(ctx, 'mapped', `page ${f.event_array_pages - 1} mapped; no remembered pending ports`);
      const p = todo[0];
      d.evtchn[String(p)].pending = false;
      return call(ctx, 'reraise', `page ${f.event_array_pages - 1} mapped; port ${p} was pending → evtchn_fifo_set_pending on notify_vcpu_id`, 'X7.5', { port: p, vcpu: d.evtchn[String(p)].notify_vcpu_id }, 'X7.3', { phase: 1 });
    },
  },
  {
    id: 'X7.4', title: 'evtchn_fifo_init', component: 'evtchn-fifo',
    role: 'Port-ops init hook at every bind: E[p].priority = 7 (default); warns if the word is still LINKED.',
    links: [xenLink('evtchn_fifo_init', 'xen/common/event_fifo.c')],
    branches: [
      { name: 'no-port', when: 'no such port', next: null },
      { name: 'still-linked', when: 'E[port].priority := 7 while the word is still LINKED: it stays in its old queue (a warning)', next: null },
      { name: 'init', when: 'E[port].priority := 7 (the default) on an unlinked word', next: null },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const ch = ctx.state.evtchn[String(port)];
      if (!ch) return finish(ctx, 'no-port', `no port ${port}`);
      ch.priority = 7;
      const linked = word(ctx.state.fifo!, port).LINKED === 1;
      return finish(ctx, linked ? 'still-linked' : 'init', `E[${port}].priority := 7${linked ? '; WARNING: the word is still LINKED' : ''}`);
    },
  },
  {
    id: 'X7.7', title: 'evtchn_fifo_set_priority', component: 'evtchn-fifo',
    role: 'EVTCHNOP_set_priority (xen_set_irq_priority): > 15 → -EINVAL; else stores E[p].priority only — a LINKED event stays in its old queue, the new priority applies from the next link (XR30). 2-level: -ENOSYS.',
    rules: ['XR30'],
    links: [xenLink('evtchn_fifo_set_priority', 'xen/common/event_fifo.c'), xenLink('evtchn_set_priority', XEN_EVENT_CHANNEL), linuxLink('xen_set_irq_priority', 'drivers/xen/events/events_base.c')],
    branches: [
      { name: 'enosys', when: '2-level has no set_priority: -ENOSYS', next: null },
      { name: 'einval', when: 'a priority above 15 (the lowest): -EINVAL', next: null },
      { name: 'set', when: 'the priority changes; a port still LINKED stays in its old queue until consumed (XR30)', next: null },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const prio = num(ctx.params, 'priority');
      const d = ctx.state;
      if (d.abi !== 'fifo') return finish(ctx, 'enosys', '2-level has no set_priority: -ENOSYS');
      if (prio > 15) return finish(ctx, 'einval', `priority ${prio} > 15: -EINVAL`);
      const ch = d.evtchn[String(port)];
      if (!ch) return finish(ctx, 'einval', `no port ${port}`);
      const old = ch.priority;
      ch.priority = prio;
      const linked = word(d.fifo!, port).LINKED === 1;
      return finish(ctx, 'set', `E[${port}].priority ${old} → ${prio}${linked ? `; still LINKED in queue ${ch.last_priority} until consumed (XR30)` : ''}`);
    },
  },
];

const pPort = { name: 'port', type: 'int' as const, description: 'The port (1..131071).', default: FRONT_PORT, min: 0, max: 1 << 20 };
const pV = P_VCPU(-1, 'The vCPU (−1: the port\'s notify_vcpu_id).');

export const x7Fifo = makeXenFlow({
  id: 'X7',
  name: 'FIFO event-channel ABI',
  description: 'Set-pending links the port into Q[v][priority] (notify only when the queue was empty and READY was clear); the guest consumes the highest-priority READY queue one event at a time; FIFO unmask; init, expand-array and priorities as actions.',
  entry: 'X1.5',
  params: [pPort, pV, P_CPU(0, 'The CPU.', 0), P_VCPUS, P_GUEST('pv'), { name: 'abi', type: 'enum', description: 'ABI (X7 starts in FIFO; 2l lets init-fifo switch).', default: 'fifo', values: ['fifo', '2l'] }, P_CALLBACK],
  ownSteps: own,
  profiles: ['xen417-linux61'], // no FIFO support in the 2007 patch
  spec: (p) => specFrom(p),
  actions: [
    { name: 'init-fifo', description: 'Linux switches a 2-level domain to FIFO (EVTCHNOP_init_control on a vCPU).', params: [{ ...pV, default: 0, min: 0 }], from: 'X7.1' },
    { name: 'init-control', description: 'EVTCHNOP_init_control for another vCPU.', params: [{ ...pV, default: 1, min: 0 }], from: 'X7.2' },
    { name: 'expand-array', description: 'EVTCHNOP_expand_array: add an event-array page.', params: [], from: 'X7.3' },
    { name: 'set-priority', description: 'EVTCHNOP_set_priority on a port.', params: [pPort, { name: 'priority', type: 'int', description: '0 highest … 15 lowest.', default: 0, min: 0, max: 255 }], from: 'X7.7' },
    { name: 'reset-priority', description: 'The port-ops init hook at (re)bind: priority 7.', params: [pPort], from: 'X7.4' },
  ],
});
