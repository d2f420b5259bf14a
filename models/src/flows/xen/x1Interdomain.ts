// Flow X1: an interdomain event, backend notify → Xen set-pending → upcall → scan → frontend handler → ack/unmask
// (docs/flows/X1.md), with the one-time binding X1.b1–X1.b4 as the `bind` action.

import { addBit } from '../../components/lapic';
import { getFreePort, newEvtchn } from '../../components/evtchn2l';
import { EVT_MASK_REASON_EXPLICIT, bindPortToCpu, newIrqInfo } from '../../components/linuxEvtchn';
import { maxPorts } from '../../components/xenDomain';
import { newWord } from '../../components/evtchnFifo';
import { makeXenFlow, specFrom } from './xenFlowBase';
import { LINUX_EVENTS_BASE, LINUX_2007_PATCH, P_ABI, P_CALLBACK, P_CHIP, P_GUEST, P_VCPUS, PEER_PORT, XEN_EVENT_CHANNEL, XStep, call, finish, go, linuxLink, num, xenLink, portOf } from './xenFlowKit';

const own: XStep[] = [
  {
    id: 'X1.b1', title: 'evtchn_alloc_unbound', component: 'evtchn',
    role: 'The frontend domain allocates an unbound port for the backend: lowest free port (get_free_port), state ECS_UNBOUND, notify_vcpu_id left at 0 (XR4).',
    rules: ['XR4'],
    links: [xenLink('evtchn_alloc_unbound', XEN_EVENT_CHANNEL), xenLink('get_free_port', XEN_EVENT_CHANNEL)],
    branches: [
      { name: 'enospc', when: 'no free port', next: null },
      { name: 'allocated', when: 'the lowest free port is allocated: ECS_UNBOUND for the remote domain, notify_vcpu_id = 0', next: 'X1.b3' },
    ],
    run(ctx) {
      const d = ctx.state;
      const p = getFreePort(d.evtchn, maxPorts(d));
      if (p < 0) return finish(ctx, 'enospc', 'no free port');
      d.evtchn[String(p)] = newEvtchn({ state: 'ECS_UNBOUND' });
      return go('allocated', `lowest free port is ${p}: ECS_UNBOUND, notify_vcpu_id=0`, 'X1.b3', { port: p });
    },
  },
  {
    id: 'X1.b3', title: 'bind_evtchn_to_irq_chip', component: 'linux-evtchn',
    role: 'Linux binds the port to a new dynamic irq: evtchn_to_irq[p]=irq, mask_reason EXPLICIT (still masked since xen_init_IRQ), bound to CPU0 (XR25, XR34).',
    rules: ['XR25', 'XR34'],
    links: [linuxLink('bind_evtchn_to_irq_chip', LINUX_EVENTS_BASE, { formerly: [{ symbol: 'bind_evtchn_to_irq', in: LINUX_2007_PATCH }] }), linuxLink('xen_irq_info_common_setup', LINUX_EVENTS_BASE), linuxLink('xen_allocate_irq_dynamic', LINUX_EVENTS_BASE, { formerly: [{ symbol: 'find_unbound_irq', in: LINUX_2007_PATCH }] })],
    branches: [
      { name: 'bound', when: 'the port gets an irq on CPU0, masked with mask_reason EXPLICIT until request_irq enables it', next: 'X1.b4' },
    ],
    run(ctx) {
      const d = ctx.state;
      const port = portOf(ctx);
      const irq = Math.max(40, ...Object.keys(d.linux.irq_info).map(Number)) + 1;
      d.linux.evtchn_to_irq[String(port)] = irq;
      d.linux.irq_info[String(irq)] = newIrqInfo({ evtchn: port, cpu: 0, mask_reason: EVT_MASK_REASON_EXPLICIT, chip: ctx.params.chip === 'xen_lateeoi_chip' ? 'xen_lateeoi_chip' : 'xen_dynamic_chip', handler: 'xenbus_driver_handler' });
      if (d.abi === '2l') { addBit(d.shared_info.evtchn_mask, port); bindPortToCpu(d.linux, port, 0); }
      else d.fifo!.event_word[String(port)] = newWord({ MASKED: 1 });
      return call(ctx, 'bound', `irq ${irq} ← port ${port}, mask_reason=EXPLICIT, CPU0; request_irq next`, 'X1.b4', { cpu: 0 }, 'X1.b2');
    },
  },
  {
    id: 'X1.b2', title: 'evtchn_bind_interdomain', component: 'evtchn',
    role: 'The backend binds its new port to the frontend\'s unbound port: both become ECS_INTERDOMAIN; Xen leaves the binder\'s (backend\'s) port pending "in case notifications were lost" (XR6).',
    rules: ['XR6'],
    links: [xenLink('evtchn_bind_interdomain', XEN_EVENT_CHANNEL), linuxLink('bind_interdomain_evtchn_to_irq_chip', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'einval', when: 'the remote port is not ECS_UNBOUND for this domain: -EINVAL', next: null },
      { name: 'bound', when: 'both ports become ECS_INTERDOMAIN, each naming the other', next: null },
    ],
    run(ctx) {
      const d = ctx.state;
      const port = portOf(ctx);
      const ch = d.evtchn[String(port)];
      if (!ch || ch.state !== 'ECS_UNBOUND') return finish(ctx, 'einval', `port ${port} is not ECS_UNBOUND: -EINVAL`);
      const lp = getFreePort(d.peer_evtchn, maxPorts(d));
      d.peer_evtchn[String(lp)] = newEvtchn({ state: 'ECS_INTERDOMAIN', remote_port: port });
      ch.state = 'ECS_INTERDOMAIN';
      ch.remote_port = lp;
      ctx.emit({ kind: 'note', what: `peer port ${lp}`, detail: 'the binder\'s new port starts pending (evtchn_port_set_pending on its notify_vcpu_id): the backend sees one spurious event' });
      return finish(ctx, 'bound', `peer port ${lp} ↔ port ${port}: ECS_INTERDOMAIN both sides`);
    },
  },
  {
    id: 'X1.1', title: 'notify_remote_via_irq', component: 'linux-evtchn',
    role: 'The backend driver notifies its peer (after RING_PUSH_RESPONSES_AND_CHECK_NOTIFY says the frontend wants it): a closed channel (port 0) is silently dropped.',
    links: [linuxLink('notify_remote_via_irq', LINUX_EVENTS_BASE, { formerly: [{ symbol: 'notify_remote_via_irq', in: LINUX_2007_PATCH }] })],
    branches: [
      { name: 'invalid-evtchn', when: 'evtchn_from_irq gives port 0 (the irq has no channel): nothing is sent', next: null },
      { name: 'notify', when: 'the irq has a local port: notify_remote_via_evtchn on it', next: 'X1.2' },
    ],
    run(ctx) {
      const lport = num(ctx.params, 'lport');
      if (lport === 0) {
        ctx.emit({ kind: 'dropped', detail: 'VALID_EVTCHN(0) is false: the connection is closed, the notification is dropped' });
        return finish(ctx, 'invalid-evtchn', 'evtchn_from_irq gave port 0');
      }
      return go('notify', `irq → local port ${lport}`, 'X1.2', { sender: 'peer' });
    },
  },
];

export const x1Interdomain = makeXenFlow({
  id: 'X1',
  name: 'Interdomain event: backend notify → frontend handler',
  description: 'dom0 blkback notifies the domU frontend: evtchn_send → 2-level/FIFO set-pending → upcall (PV bounce or HVM callback) → xen_evtchn_do_upcall → scan → handle_irq_for_port → ack → handler; binding via the bind action.',
  entry: 'X1.1',
  params: [
    { name: 'lport', type: 'int', description: 'The backend\'s local port (peer_evtchn); 0 = closed connection.', default: PEER_PORT, min: 0, max: 1 << 20 },
    P_VCPUS, P_GUEST('pv'), P_ABI('2l'), P_CALLBACK, P_CHIP,
    { name: 'lateeoi', type: 'enum', description: 'lateeoi chip: the driver EOIs right after its handler (immediate) or later via the lateeoi action (deferred).', default: 'immediate', values: ['immediate', 'deferred'] },
  ],
  ownSteps: own,
  spec: (p) => specFrom(p),
  actions: [
    { name: 'send', description: 'The backend notifies on its port lport (notify_remote_via_irq).', params: [{ name: 'lport', type: 'int', description: 'Backend port.', default: PEER_PORT, min: 0, max: 1 << 20 }], from: 'X1.1' },
    { name: 'bind', description: 'Allocate, bind and enable a new frontend port (X1.b1 → X1.b3 → X1.b4 → X1.b2).', params: [], from: 'X1.b1' },
  ],
  validate(d, p) {
    const lp = p.lport as number;
    return lp !== 0 && !d.peer_evtchn[String(lp)] ? [`lport = ${lp}: the peer domain has no such port (peer_evtchn has ${Object.keys(d.peer_evtchn).join(', ') || 'none'})`] : [];
  },
});
