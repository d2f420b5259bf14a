// Flow X3: a physical IRQ passed to a guest through an event channel — do_IRQ → do_IRQ_guest →
// send_guest_pirq → guest fasteoi handling → PHYSDEVOP_eoi → the withheld physical EOI (rules XR27, XR28).

import { getFreePort, newEvtchn } from '../../components/evtchn2l';
import { EVT_MASK_REASON_EXPLICIT, bindPortToCpu, newIrqInfo } from '../../components/linuxEvtchn';
import { maxPorts } from '../../components/xenDomain';
import { addBit } from '../../components/lapic';
import { makeXenFlow, specFrom } from './xenFlowBase';
import { LINUX_EVENTS_BASE, P_VCPU, P_VCPUS, XEN_EVENT_CHANNEL, XStep, bindPort, call, finish, go, linuxLink, num, str, xenLink, portOf , vcpuOf } from './xenFlowKit';

const PIRQ_PORT = 12;
const NR_PIRQS = 256;

const own: XStep[] = [
  {
    id: 'X3.1', title: 'xen_bind_pirq_gsi_to_irq', component: 'linux-evtchn',
    role: 'Linux maps a GSI to an irq of xen_pirq_chip (dom0/HVM: irq = GSI; a PV domU gets a dynamic irq — "a PV guest has no concept of a GSI"); no channel yet (evtchn 0).',
    links: [linuxLink('xen_bind_pirq_gsi_to_irq', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'exists', when: 'xen_irq_from_gsi already has an irq for this GSI: reused', next: null },
      { name: 'mapped', when: 'the GSI gets an irq on xen_pirq_chip (handle_fasteoi_irq); request_irq → startup_pirq', next: 'X3.2' },
    ],
    run(ctx) {
      const pirq = num(ctx.params, 'pirq');
      const d = ctx.state;
      const irq = pirq; // dom0: irq = gsi = pirq in the model
      if (d.linux.irq_info[String(irq)]) return finish(ctx, 'exists', `xen_irq_from_gsi: irq ${irq} already mapped`);
      d.linux.irq_info[String(irq)] = newIrqInfo({ type: 'IRQT_PIRQ', evtchn: 0, pirq, chip: 'xen_pirq_chip', mask_reason: EVT_MASK_REASON_EXPLICIT, handler: 'device_irq_handler', needs_eoi: true });
      return go('mapped', `GSI ${pirq} → irq ${irq} (xen_pirq_chip, handle_fasteoi_irq); request_irq → startup_pirq`, 'X3.2', { irq });
    },
  },
  {
    id: 'X3.2', title: '__startup_pirq', component: 'linux-evtchn',
    role: 'Where the guest binds the pirq to an event channel (at irq startup): EVTCHNOP_bind_pirq, then evtchn_to_irq, CPU0, unmask and an initial EOI.',
    links: [linuxLink('__startup_pirq', LINUX_EVENTS_BASE), linuxLink('startup_pirq', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'has-channel', when: 'the irq already has a valid port: unmask it', next: 'X1.b4' },
      { name: 'hypercall', when: 'EVTCHNOP_bind_pirq { pirq, BIND_PIRQ__WILL_SHARE }', next: 'X3.3' },
      { name: 'failed', when: 'Xen refused EVTCHNOP_bind_pirq: startup_pirq fails', next: null },
      { name: 'bound', when: 'the port is bound to the irq on CPU0, then enabled', next: 'X1.b4' },
    ],
    run(ctx) {
      const irq = num(ctx.params, 'irq');
      const d = ctx.state;
      const info = d.linux.irq_info[String(irq)];
      const res = ctx.params.result;
      if (res === undefined) {
        if (info.evtchn) return go('has-channel', `port ${info.evtchn} already valid → unmask`, 'X1.b4', { port: info.evtchn });
        return call(ctx, 'hypercall', `EVTCHNOP_bind_pirq {pirq ${info.pirq}, BIND_PIRQ__WILL_SHARE}`, 'X3.3', { pirq: info.pirq }, 'X3.2');
      }
      const port = res as number;
      if (port < 0) {
        ctx.emit({ kind: 'error', what: `pirq ${info.pirq}`, detail: `Failed to obtain physical IRQ ${irq}: ${port}` });
        return finish(ctx, 'failed', `EVTCHNOP_bind_pirq → ${port}`);
      }
      info.evtchn = port;
      d.linux.evtchn_to_irq[String(port)] = irq;
      if (d.abi === '2l') { addBit(d.shared_info.evtchn_mask, port); bindPortToCpu(d.linux, port, 0); }
      return go('bound', `port ${port} ↔ irq ${irq}, CPU0 → enable`, 'X1.b4', { port, cpu: 0 });
    },
  },
  {
    id: 'X3.3', title: 'evtchn_bind_pirq', component: 'evtchn',
    role: 'Xen binds a pirq to a new port on vCPU0 (XR6): pirq range, one channel per pirq (-EEXIST); PV → pirq_guest_bind; ECS_PIRQ with notify_vcpu_id left 0.',
    rules: ['XR4', 'XR6'],
    links: [xenLink('evtchn_bind_pirq', XEN_EVENT_CHANNEL), xenLink('arch_evtchn_bind_pirq', 'xen/arch/x86/irq.c')],
    branches: [
      { name: 'einval', when: 'pirq ≥ nr_pirqs: -EINVAL', next: null },
      { name: 'eexist', when: 'the pirq already has a port: -EEXIST', next: null },
      { name: 'bind', when: 'a free port becomes ECS_PIRQ (notify_vcpu_id 0): pirq_guest_bind', next: 'X3.4' },
    ],
    run(ctx) {
      const pirq = num(ctx.params, 'pirq');
      const d = ctx.state;
      if (pirq < 0 || pirq >= NR_PIRQS) return finish(ctx, 'einval', `pirq ${pirq} ≥ nr_pirqs ${NR_PIRQS}`, { result: -22 });
      if (d.pirq[String(pirq)]?.evtchn) return finish(ctx, 'eexist', `pirq ${pirq} already has port ${d.pirq[String(pirq)].evtchn}`, { result: -17 });
      const p = getFreePort(d.evtchn, maxPorts(d));
      d.evtchn[String(p)] = newEvtchn({ state: 'ECS_PIRQ', pirq });
      return go('bind', `port ${p}: ECS_PIRQ ${pirq}, notify_vcpu_id 0 → pirq_guest_bind`, 'X3.4', { port: p });
    },
  },
  {
    id: 'X3.4', title: 'pirq_guest_bind', component: 'pirq',
    role: 'Makes the physical IRQ guest-owned (IRQ_GUEST): ack type from irq_acktype (IO-APIC level → ACKTYPE_EOI, edge → NONE), pirq_eoi_map bit set iff ack type ≠ NONE, affinity to the binding vCPU\'s pCPU.',
    rules: ['XR27', 'XR28'],
    links: [xenLink('pirq_guest_bind', 'xen/arch/x86/irq.c'), xenLink('irq_acktype', 'xen/arch/x86/irq.c'), xenLink('set_pirq_eoi', 'xen/arch/x86/irq.c')],
    branches: [
      { name: 'bound', when: 'the physical IRQ is bound to the guest with its ack type (ACKTYPE_EOI for a level IRQ) and the pirq_eoi_map bit set; returns to the guest', next: null },
    ],
    run(ctx) {
      const pirq = num(ctx.params, 'pirq');
      const port = portOf(ctx);
      const ack = str(ctx.params, 'ack_type', 'ACKTYPE_EOI') as 'ACKTYPE_NONE' | 'ACKTYPE_UNMASK' | 'ACKTYPE_EOI';
      ctx.state.pirq[String(pirq)] = { evtchn: port, masked: 0, in_flight: 0, ack_type: ack, eoi_withheld: false, eoi_timer_armed: false };
      return finish(ctx, 'bound', `pirq ${pirq} → port ${port}, ${ack}${ack === 'ACKTYPE_NONE' ? ' (no guest EOI needed)' : ', pirq_eoi_map bit set'}`, { result: port });
    },
  },
  {
    id: 'X3.6', title: 'PHYSDEVOP_pirq_eoi_gmfn_v1/v2', component: 'pirq',
    role: 'Linux PV registers a shared pirq_eoi_map page at xen_init_IRQ: with it, a pirq needs PHYSDEVOP_eoi iff Xen set its bit (ack type ≠ NONE); without it Linux asks PHYSDEVOP_irq_status_query, which always says needs_eoi. v1 also sets auto_unmask (XR28).',
    rules: ['XR28'],
    links: [xenLink('do_physdev_op', 'xen/arch/x86/physdev.c'), linuxLink('xen_init_IRQ', LINUX_EVENTS_BASE), linuxLink('pirq_check_eoi_map', LINUX_EVENTS_BASE), linuxLink('pirq_needs_eoi_flag', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'v1', when: 'a v1 pirq_eoi_map: pirq_check_eoi_map reads the bit Xen sets iff the ack type is not NONE, and auto_unmask is on', next: null },
    ],
    run(ctx) {
      const ver = num(ctx.params, 'version');
      const d = ctx.state;
      d.physdev.pirq_eoi_map = ver;
      d.physdev.auto_unmask = ver === 1;
      const irqs: string[] = [];
      for (const [irq, info] of Object.entries(d.linux.irq_info)) {
        if (info.type !== 'IRQT_PIRQ') continue;
        const ack = d.pirq[String(info.pirq)]?.ack_type ?? 'ACKTYPE_EOI';
        info.needs_eoi = ver === 0 ? true : ack !== 'ACKTYPE_NONE';
        irqs.push(`irq ${irq}: needs_eoi=${info.needs_eoi}`);
      }
      const how = ver === 0 ? 'no map: pirq_needs_eoi_flag from PHYSDEVOP_irq_status_query (always needs_eoi in 4.17)' : `v${ver} map: pirq_check_eoi_map reads the bit Xen set iff ack type ≠ NONE${ver === 1 ? '; auto_unmask on' : ''}`;
      return finish(ctx, ver === 0 ? 'no-map' : `v${ver}`, `${how}; ${irqs.join(', ') || 'no pirqs bound'}`);
    },
  },
  {
    id: 'X3.7', title: 'common_interrupt → do_IRQ', component: 'xen-irq',
    role: 'Xen takes the physical interrupt: the stub stores the IDT vector in regs->entry_vector (error_code is meaningless for IRQs); do_IRQ maps vector → irq, acks the controller and hands a guest-bound IRQ to do_IRQ_guest.',
    links: [xenLink('common_interrupt', 'xen/arch/x86/x86_64/entry.S', { kind: 'asm' }), xenLink('do_IRQ', 'xen/arch/x86/irq.c')],
    branches: [
      { name: 'xen-irq', when: 'the physical IRQ has no IRQ_GUEST binding: Xen handles it itself', next: null },
      { name: 'guest-irq', when: 'the IRQ is bound to guests (IRQ_GUEST): __do_IRQ_guest', next: 'X3.8' },
    ],
    run(ctx) {
      const pirq = num(ctx.params, 'pirq');
      if (!ctx.state.pirq[String(pirq)]) {
        ctx.emit({ kind: 'note', what: `irq ${pirq}`, detail: 'not guest-bound: Xen\'s own handler' });
        return finish(ctx, 'xen-irq', `irq ${pirq} has no IRQ_GUEST binding`);
      }
      return go('guest-irq', `vector → irq ${pirq}, IRQ_GUEST set`, 'X3.8');
    },
  },
  {
    id: 'X3.8', title: 'do_IRQ_guest', component: 'pirq',
    role: 'For a guest-bound IRQ (XR27): ACKTYPE_EOI withholds the LAPIC EOI (pending_eoi stack), each bound domain\'s pirq->masked 0→1 counts in_flight, the event is sent, and a 1 ms eoi_timer is armed.',
    rules: ['XR27'],
    links: [xenLink('do_IRQ_guest', 'xen/arch/x86/irq.c', { formerly: [{ symbol: '__do_IRQ_guest', in: 'Xen ≤ 4.1' }] })],
    contracts: [{ id: 'X3.8-send', text: 'sends the event of the pirq (send_guest_pirq) and arms the EOI timer', source: 'XR27', codebase: 'xen', symbol: 'do_IRQ_guest', check: { kind: 'callOrder', first: ['send_guest_pirq'], then: ['set_timer'] } }],
    branches: [
      { name: 'acktype-none', when: 'ACKTYPE_NONE: nothing withheld', next: 'X3.9' },
      { name: 'already-in-flight', when: 'pirq->masked was already 1 for this domain: in_flight unchanged, the event is sent again', next: 'X3.9' },
      { name: 'in-flight', when: 'ACKTYPE_EOI or ACKTYPE_UNMASK: the physical EOI is withheld, masked 0→1, in_flight + 1, eoi_timer armed (1 ms)', next: 'X3.9' },
    ],
    run(ctx) {
      const pirq = num(ctx.params, 'pirq');
      const p = ctx.state.pirq[String(pirq)];
      if (p.ack_type === 'ACKTYPE_NONE') return go('acktype-none', 'ACKTYPE_NONE: nothing withheld', 'X3.9');
      p.eoi_withheld = true;
      p.eoi_timer_armed = true;
      if (p.masked) return go('already-in-flight', `pirq->masked was 1: in_flight stays ${p.in_flight}; the event is sent again`, 'X3.9');
      p.masked = 1;
      p.in_flight++;
      return go('in-flight', `${p.ack_type}: physical EOI withheld, masked 0→1, in_flight=${p.in_flight}, eoi_timer +1 ms`, 'X3.9');
    },
  },
  {
    id: 'X3.9', title: 'send_guest_pirq', component: 'evtchn',
    role: 'Sends the pirq\'s port to the guest on its notify_vcpu_id (XR3); no port → HVM returns, PV would BUG.',
    rules: ['XR3'],
    links: [xenLink('send_guest_pirq', XEN_EVENT_CHANNEL)],
    branches: [
      { name: 'no-channel', when: 'the pirq has no port: nothing is sent', next: null },
      { name: 'send', when: 'the pirq\'s port is set pending on its notify_vcpu_id', next: 'X1.5' },
    ],
    run(ctx) {
      const pirq = num(ctx.params, 'pirq');
      const port = ctx.state.pirq[String(pirq)].evtchn;
      if (!port) return finish(ctx, 'no-channel', `pirq ${pirq} has no port`);
      const n = ctx.state.evtchn[String(port)].notify_vcpu_id;
      return go('send', `pirq ${pirq} → port ${port} on notify_vcpu_id ${n}`, 'X1.5', { port, vcpu: n });
    },
  },
  {
    id: 'X3.14', title: 'irq_guest_eoi_timer_fn', component: 'pirq',
    role: 'Fires 1 ms after do_IRQ_guest if the guest has not EOIed: clears pirq->masked, drops in_flight and performs the EOI/unmask itself; a later guest EOI then does nothing (XR27). The timer is the scenario action eoi-timer rather than timer@+N: 1 ms has no fixed number of model steps, and an action the scenario places (in order, or at a step, a hand-off or a clock time) can fire it at any point the real timer can, so no ordering of the code is left out.',
    rules: ['XR27'],
    links: [xenLink('irq_guest_eoi_timer_fn', 'xen/arch/x86/irq.c')],
    branches: [
      { name: 'nothing', when: 'no interrupt in flight', next: null },
      { name: 'forced-eoi', when: 'in_flight → 0, masked → 0', next: null },
    ],
    run(ctx) {
      const pirq = num(ctx.params, 'pirq');
      const p = ctx.state.pirq[String(pirq)];
      if (!p || !p.eoi_timer_armed || p.in_flight === 0) return finish(ctx, 'nothing', 'no interrupt in flight');
      p.masked = 0;
      p.in_flight = 0;
      p.eoi_withheld = false;
      p.eoi_timer_armed = false;
      ctx.emit({ kind: 'note', what: `pirq ${pirq}`, detail: 'guest did not EOI within 1 ms: Xen forced the physical EOI' });
      return finish(ctx, 'forced-eoi', 'in_flight → 0, masked → 0');
    },
  },
  {
    id: 'X3.15', title: 'evtchn_move_pirqs', component: 'pirq',
    role: 'When a vCPU moves to another pCPU (vcpu_move_irqs), every pirq whose port notifies that vCPU gets its physical IRQ affinity moved to the new pCPU, so the interrupt arrives where the vCPU runs.',
    links: [xenLink('evtchn_move_pirqs', XEN_EVENT_CHANNEL), xenLink('pirq_set_affinity', 'xen/arch/x86/irq.c')],
    branches: [
      { name: 'moved', when: 'some pirq\'s port notifies the moved vCPU: its physical IRQ affinity follows the vCPU', next: null },
      { name: 'none', when: 'no pirq port notifies the moved vCPU: nothing to move', next: null },
    ],
    run(ctx) {
      const v = vcpuOf(ctx, 'vcpu');
      const d = ctx.state;
      const moved = Object.entries(d.pirq).filter(([, p]) => p.evtchn && d.evtchn[String(p.evtchn)]?.notify_vcpu_id === v).map(([k]) => k);
      for (const k of moved) ctx.emit({ kind: 'note', what: `pirq ${k}`, detail: `physical IRQ affinity follows vCPU ${v} to its new pCPU (pirq_set_affinity)` });
      return finish(ctx, moved.length ? 'moved' : 'none', moved.length ? `pirq(s) ${moved.join(', ')} are on vCPU ${v}'s pirq list` : `no pirq port notifies vCPU ${v}`);
    },
  },
];

const pPirq = { name: 'pirq', type: 'int' as const, description: 'The pirq (= GSI = irq in the model).', default: 16, min: 0, max: 1023 };

export const x3Pirq = makeXenFlow({
  id: 'X3',
  name: 'PIRQ: a physical IRQ delivered through an event channel',
  description: 'do_IRQ → do_IRQ_guest (EOI withheld, in_flight) → send_guest_pirq → guest handle_fasteoi_irq → eoi_pirq → PHYSDEVOP_eoi → desc_guest_eoi. Binding (X3.1–X3.4) and the 1 ms timer as actions.',
  entry: 'X3.7',
  params: [pPirq, { ...P_VCPUS, description: 'vCPUs.' },
    { name: 'guest', type: 'enum', description: 'PV (dom0) or HVM.', default: 'pv', values: ['pv', 'hvm'] },
    { name: 'abi', type: 'enum', description: 'ABI.', default: '2l', values: ['2l', 'fifo'] },
    { name: 'ack_type', type: 'enum', description: 'irq_acktype of the line: IO-APIC level → ACKTYPE_EOI, edge → ACKTYPE_NONE, XT-PIC → ACKTYPE_UNMASK.', default: 'ACKTYPE_EOI', values: ['ACKTYPE_NONE', 'ACKTYPE_UNMASK', 'ACKTYPE_EOI'] }],
  ownSteps: own,
  profiles: ['xen417-linux61'], // no PIRQ support in the 2007 patch
  spec: (p) => specFrom(p, { frontend: false, callback: 'percpu-vector' }),
  setup(d, p) {
    const pirq = p.pirq as number;
    bindPort(d, PIRQ_PORT, { state: 'ECS_PIRQ', pirq }, pirq, { type: 'IRQT_PIRQ', cpu: 0, chip: 'xen_pirq_chip', handler: 'device_irq_handler', pirq, needs_eoi: p.ack_type !== 'ACKTYPE_NONE' });
    d.physdev.pirq_eoi_map = 2; // Linux PV registers PHYSDEVOP_pirq_eoi_gmfn_v2 at boot
    d.pirq[String(pirq)] = { evtchn: PIRQ_PORT, masked: 0, in_flight: 0, ack_type: p.ack_type as 'ACKTYPE_EOI', eoi_withheld: false, eoi_timer_armed: false };
  },
  actions: [
    { name: 'irq', description: 'The physical interrupt fires.', params: [pPirq], from: 'X3.7' },
    { name: 'eoi-timer', description: 'Xen\'s 1 ms eoi_timer fires.', params: [pPirq], from: 'X3.14' },
    { name: 'vcpu-migrate', description: 'The scheduler moves a vCPU to another pCPU (vcpu_move_irqs → evtchn_move_pirqs).', params: [P_VCPU(0, 'The vCPU.', 0)], from: 'X3.15' },
    { name: 'eoi-map', description: 'Register the pirq_eoi_map with PHYSDEVOP_pirq_eoi_gmfn v1 or v2 (0: none, use the status query).', params: [{ name: 'version', type: 'int', description: '0, 1 or 2.', default: 2, min: 0, max: 2 }], from: 'X3.6' },
    { name: 'bind-pirq', description: 'The guest maps and starts a new pirq (X3.1 → X3.2 → X3.3 → X3.4).', params: [{ ...pPirq, default: 17 }], from: 'X3.1' },
  ],
});
