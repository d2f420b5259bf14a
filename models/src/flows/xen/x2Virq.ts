// Flow X2: VIRQ binding and delivery — per-vCPU VIRQ_TIMER and global VIRQs (rules XR6, XR7).

import { bindVcpu, getFreePort, newEvtchn, virqIsGlobal, VIRQ_NAMES } from '../../components/evtchn2l';
import { EVT_MASK_REASON_EXPLICIT, bindPortToCpu, newIrqInfo } from '../../components/linuxEvtchn';
import { maxPorts, nrVcpus } from '../../components/xenDomain';
import { addBit } from '../../components/lapic';
import { newWord } from '../../components/evtchnFifo';
import { makeXenFlow, specFrom } from './xenFlowBase';
import { LINUX_EVENTS_BASE, P_ABI, P_CALLBACK, P_CPU, P_GUEST, P_VCPU, P_VCPUS, XEN_EVENT_CHANNEL, XStep, call, finish, go, hasCaller, linuxLink, num, xenLink, vcpuOf } from './xenFlowKit';

const NR_VIRQS = 24;
const vname = (virq: number): string => VIRQ_NAMES[virq] ?? `VIRQ ${virq}`;

const own: XStep[] = [
  {
    id: 'X2.1', title: 'xen_setup_timer', component: 'linux-time',
    role: 'Per CPU: binds VIRQ_TIMER as a per-CPU irq (xen_timer_interrupt), then asks for FIFO priority 0 (2-level has no priorities: -ENOSYS, ignored). HVM only with a vector callback.',
    links: [linuxLink('xen_setup_timer', 'arch/x86/xen/time.c'), linuxLink('xen_set_irq_priority', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'no-vector-callback', when: 'HVM without a vector callback: "we cannot receive interrupts on cpu > 0" → native APIC timer kept', next: null },
      { name: 'bind', when: 'bind VIRQ_TIMER for this CPU', next: 'X2.2' },
      { name: 'priority-0', when: 'FIFO: E[port].priority := 0 (XEN_IRQ_PRIORITY_MAX) via EVTCHNOP_set_priority', next: null },
      { name: 'enosys', when: '2-level has no set_priority hook: -ENOSYS, ignored', next: null },
    ],
    run(ctx) {
      const cpu = vcpuOf(ctx, 'cpu');
      const d = ctx.state;
      if (ctx.params.phase !== 'prio') {
        if (d.guest === 'hvm' && !d.linux.xen_have_vector_callback) return finish(ctx, 'no-vector-callback', 'HVM without a vector callback: "we cannot receive interrupts on cpu > 0" → native APIC timer kept');
        return call(ctx, 'bind', `bind VIRQ_TIMER on CPU ${cpu}`, 'X2.2', { virq: 0 }, 'X2.1', { phase: 'prio' });
      }
      const port = d.vcpu[cpu].virq_to_evtchn['0'];
      if (d.abi === 'fifo' && port) {
        d.evtchn[String(port)].priority = 0;
        return finish(ctx, 'priority-0', `FIFO: E[${port}].priority := 0 (XEN_IRQ_PRIORITY_MAX) via EVTCHNOP_set_priority`);
      }
      return finish(ctx, 'enosys', '2-level has no set_priority hook: -ENOSYS, ignored');
    },
  },
  {
    id: 'X2.2', title: 'bind_virq_to_irq', component: 'linux-evtchn',
    role: 'Linux side of a VIRQ binding: reuse virq_to_irq[cpu][virq] if bound; else EVTCHNOP_bind_virq on xen_vcpu_nr(cpu), then irq_info (type VIRQ, per-CPU chip for per-CPU VIRQs), evtchn_to_irq, and the port into cpu_evtchn_mask[cpu].',
    rules: ['XR34'],
    links: [linuxLink('bind_virq_to_irq', LINUX_EVENTS_BASE), linuxLink('xen_irq_info_virq_setup', LINUX_EVENTS_BASE), linuxLink('find_virq', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'already-bound', when: 'virq_to_irq already has an irq for this CPU and VIRQ: reused', next: null },
      { name: 'hypercall', when: 'EVTCHNOP_bind_virq { virq, vcpu }', next: 'X2.3' },
      { name: 'eexist', when: '-EEXIST: find_virq looks through every port with EVTCHNOP_status for the existing channel of this VIRQ and vCPU', next: null },
      { name: 'error', when: 'Xen refused the bind: the error is returned', next: null },
      { name: 'setup', when: 'the new port gets an irq (xen_percpu_chip for a per-CPU VIRQ) bound to this CPU; request_irq enables it', next: 'X1.b4' },
    ],
    run(ctx) {
      const cpu = vcpuOf(ctx, 'cpu');
      const virq = num(ctx.params, 'virq');
      const d = ctx.state;
      const res = ctx.params.result;
      if (res === undefined) {
        const irq = d.linux.virq_to_irq[cpu][String(virq)];
        if (irq !== undefined) return finish(ctx, 'already-bound', `virq_to_irq[${cpu}][${vname(virq)}] = irq ${irq}: reused`);
        return call(ctx, 'hypercall', `EVTCHNOP_bind_virq {${vname(virq)}, vcpu ${cpu}}`, 'X2.3', { vcpu: cpu }, 'X2.2');
      }
      const port = res as number;
      if (port === -17) return finish(ctx, 'eexist', `-EEXIST: find_virq scans every port with EVTCHNOP_status for the existing ${vname(virq)} channel of vCPU ${cpu}`);
      if (port < 0) return finish(ctx, 'error', `Xen refused: ${port}`);
      const percpu = !virqIsGlobal(virq);
      const irq = Math.max(20, ...Object.keys(d.linux.irq_info).map(Number)) + 1;
      d.linux.evtchn_to_irq[String(port)] = irq;
      d.linux.irq_info[String(irq)] = newIrqInfo({ type: 'IRQT_VIRQ', evtchn: port, cpu, mask_reason: EVT_MASK_REASON_EXPLICIT, chip: percpu ? 'xen_percpu_chip' : 'xen_dynamic_chip', handler: virq === 0 ? 'xen_timer_interrupt' : 'virq_handler' });
      d.linux.virq_to_irq[cpu][String(virq)] = irq;
      if (d.abi === '2l') { addBit(d.shared_info.evtchn_mask, port); bindPortToCpu(d.linux, port, cpu); }
      else d.fifo!.event_word[String(port)] = newWord({ MASKED: 1 });
      return go('setup', `port ${port} → irq ${irq} (${percpu ? 'xen_percpu_chip, handle_percpu_irq' : 'xen_dynamic_chip'}), CPU ${cpu}; request_irq enables it`, 'X1.b4', { port });
    },
  },
  {
    id: 'X2.3', title: 'evtchn_bind_virq', component: 'evtchn',
    role: 'Xen binds a VIRQ (XR6): bad virq → -EINVAL; a global VIRQ only on vCPU0; unknown vCPU → -ENOENT; one channel per VIRQ per vCPU (-EEXIST). Writes state ECS_VIRQ, notify_vcpu_id = vcpu, VIRQ2P.',
    rules: ['XR4', 'XR6'],
    links: [xenLink('evtchn_bind_virq', XEN_EVENT_CHANNEL)],
    contracts: [{ id: 'X2.3-global-vcpu0', text: 'refuses a global VIRQ on a vCPU other than 0', source: 'XR6', codebase: 'xen', symbol: 'evtchn_bind_virq', check: { kind: 'calls', anyOf: ['virq_is_global'] } }],
    branches: [
      { name: 'einval-global', when: 'VIRQ_DOM_EXC is global: bind on vCPU0 only, rebind later with EVTCHNOP_bind_vcpu; returns to X2.2', next: 'X2.2' },
      { name: 'bound', when: 'the port becomes ECS_VIRQ for the VIRQ, with notify_vcpu_id = the vCPU; returns to the guest', next: 'X2.2' },
      { name: 'einval', when: 'the virq is out of range: -EINVAL', next: 'X2.2' },
      { name: 'enoent', when: 'no such vCPU: -ENOENT', next: 'X2.2' },
      { name: 'eexist', when: 'the vCPU already has a channel for this VIRQ: -EEXIST (a second EVTCHNOP_bind_virq, XR6)', next: 'X2.2' },
      { name: 'einval-global', when: 'raw hypercall: a global VIRQ on a vCPU other than 0, -EINVAL returned to the caller', next: null },
      { name: 'bound', when: 'raw hypercall: the new port is returned to the caller', next: null },
      { name: 'einval', when: 'raw hypercall: -EINVAL returned', next: null },
      { name: 'enoent', when: 'raw hypercall: -ENOENT returned', next: null },
      { name: 'eexist', when: 'raw hypercall: -EEXIST returned, the existing channel is untouched', next: null },
    ],
    run(ctx) {
      const d = ctx.state;
      const virq = num(ctx.params, 'virq');
      const v = vcpuOf(ctx, 'vcpu');
      const raw = !hasCaller(ctx);
      const ERR: Record<number, string> = { [-22]: '-EINVAL', [-2]: '-ENOENT', [-17]: '-EEXIST' };
      const back = (r: number, branch: string, why: string) => {
        // A raw EVTCHNOP_bind_virq (no Linux wrapper to read the result): the return value is the outcome.
        if (raw) ctx.emit(r < 0 ? { kind: 'error', target: `vcpu${v}`, what: 'EVTCHNOP_bind_virq', detail: `${ERR[r] ?? r}: ${why}` } : { kind: 'note', target: `vcpu${v}`, what: 'EVTCHNOP_bind_virq', detail: `returns port ${r}: ${why}` });
        return finish(ctx, branch, why, { result: r });
      };
      if (virq < 0 || virq >= NR_VIRQS) return back(-22, 'einval', `virq ${virq} out of range`);
      if (virqIsGlobal(virq) && v !== 0) return back(-22, 'einval-global', `${vname(virq)} is global: bind on vCPU0 only, rebind later with EVTCHNOP_bind_vcpu`);
      if (v < 0 || v >= nrVcpus(d)) return back(-2, 'enoent', `no vCPU ${v}`);
      if (d.vcpu[v].virq_to_evtchn[String(virq)]) return back(-17, 'eexist', `VIRQ2P[${v}][${vname(virq)}] is already port ${d.vcpu[v].virq_to_evtchn[String(virq)]}`);
      const p = getFreePort(d.evtchn, maxPorts(d));
      d.evtchn[String(p)] = newEvtchn({ state: 'ECS_VIRQ', virq, notify_vcpu_id: v });
      d.vcpu[v].virq_to_evtchn[String(virq)] = p;
      return back(p, 'bound', `port ${p}: ECS_VIRQ ${vname(virq)}, notify_vcpu_id=${v}`);
    },
  },
  {
    id: 'X2.4', title: 'send_timer_event', component: 'xen-time',
    role: 'The vCPU\'s singleshot or periodic Xen timer fires and sends VIRQ_TIMER to that vCPU.',
    links: [xenLink('send_timer_event', 'xen/arch/x86/time.c'), xenLink('vcpu_singleshot_timer_fn', 'xen/common/sched/core.c')],
    branches: [
      { name: 'fire', when: 'the vCPU\'s timer expired: send_timer_event', next: 'X2.5' },
    ],
    run: (ctx) => go('fire', `timer of vCPU ${vcpuOf(ctx, 'vcpu')} expired`, 'X2.5', { virq: 0 }),
  },
  {
    id: 'X2.5', title: 'send_guest_vcpu_virq', component: 'evtchn',
    role: 'Per-vCPU VIRQ: looks up VIRQ2P[v][virq]; unbound → the VIRQ is lost, not latched (XR7); else set-pending on that vCPU (XR3).',
    rules: ['XR3', 'XR7'],
    links: [xenLink('send_guest_vcpu_virq', XEN_EVENT_CHANNEL)],
    contracts: [{ id: 'X2.5-set-pending', text: 'sends through evtchn_port_set_pending on the vCPU of the VIRQ', source: 'XR3', codebase: 'xen', symbol: 'send_guest_vcpu_virq', check: { kind: 'calls', anyOf: ['evtchn_port_set_pending'] } }],
    branches: [
      { name: 'unbound', when: 'the vCPU has no port for this VIRQ: nothing is sent', next: null },
      { name: 'send', when: 'the vCPU has a port for this VIRQ: set pending for that vCPU', next: 'X1.5' },
    ],
    run(ctx) {
      const v = vcpuOf(ctx, 'vcpu');
      const virq = num(ctx.params, 'virq');
      const p = ctx.state.vcpu[v].virq_to_evtchn[String(virq)] ?? 0;
      if (!p) {
        ctx.emit({ kind: 'lost', target: `vcpu${v}`, what: vname(virq), detail: `no channel bound to ${vname(virq)} on vCPU ${v}: lost, not latched (XR7)` });
        return finish(ctx, 'unbound', `VIRQ2P[${v}][${vname(virq)}]=0`);
      }
      return go('send', `VIRQ2P[${v}][${vname(virq)}] = port ${p}, target vCPU ${v}`, 'X1.5', { port: p, vcpu: v });
    },
  },
  {
    id: 'X2.6', title: 'send_guest_global_virq', component: 'evtchn',
    role: 'Global VIRQ: the channel lives on vCPU0\'s VIRQ2P; unbound → lost (XR7); else set-pending on the channel\'s notify_vcpu_id, which EVTCHNOP_bind_vcpu may have moved (XR3).',
    rules: ['XR3', 'XR7'],
    links: [xenLink('send_guest_global_virq', XEN_EVENT_CHANNEL)],
    branches: [
      { name: 'unbound', when: 'no port is bound to this global VIRQ: nothing is sent', next: null },
      { name: 'send', when: 'the global VIRQ\'s port (bound on vCPU0): set pending on its notify_vcpu_id', next: 'X1.5' },
    ],
    run(ctx) {
      const virq = num(ctx.params, 'virq');
      const p = ctx.state.vcpu[0].virq_to_evtchn[String(virq)] ?? 0;
      if (!p) {
        ctx.emit({ kind: 'lost', what: vname(virq), detail: `no channel bound to ${vname(virq)} on vCPU0: lost (XR7)` });
        return finish(ctx, 'unbound', `VIRQ2P[0][${vname(virq)}]=0`);
      }
      const n = ctx.state.evtchn[String(p)].notify_vcpu_id;
      return go('send', `VIRQ2P[0][${vname(virq)}] = port ${p}, notify_vcpu_id ${n}`, 'X1.5', { port: p, vcpu: n });
    },
  },
  {
    id: 'X2.8', title: 'evtchn_bind_vcpu (VIRQ)', component: 'evtchn',
    role: 'Re-binding a VIRQ channel: a global VIRQ gets notify_vcpu_id := vcpu; a per-vCPU VIRQ is refused with -EINVAL (XR4).',
    rules: ['XR4'],
    links: [xenLink('evtchn_bind_vcpu', XEN_EVENT_CHANNEL)],
    branches: [
      { name: 'refused', when: 'a per-vCPU VIRQ (or no port): its port cannot be rebound', next: null },
      { name: 'rebound', when: 'a global VIRQ\'s port: notify_vcpu_id := v; its pending state is not moved (XR5)', next: null },
    ],
    run(ctx) {
      const virq = num(ctx.params, 'virq');
      const v = vcpuOf(ctx, 'vcpu');
      const d = ctx.state;
      const p = d.vcpu[0].virq_to_evtchn[String(virq)] ?? 0;
      const r = bindVcpu(d.evtchn[String(p)], v, nrVcpus(d), virqIsGlobal);
      if (r < 0) {
        ctx.emit({ kind: 'error', what: vname(virq), detail: `EVTCHNOP_bind_vcpu → ${r === -2 ? '-ENOENT' : '-EINVAL'}` });
        return finish(ctx, 'refused', `${vname(virq)} on port ${p || 'none'} ${virqIsGlobal(virq) ? '' : 'is per-vCPU'}`);
      }
      return finish(ctx, 'rebound', `port ${p} (${vname(virq)}): notify_vcpu_id := ${v}; pending state not moved (XR5)`);
    },
  },
];

const pVirq = { name: 'virq', type: 'int' as const, description: 'VIRQ number: 0 VIRQ_TIMER, 1 VIRQ_DEBUG (per-vCPU), 2 VIRQ_CONSOLE, 3 VIRQ_DOM_EXC (global) …', default: 0, min: 0, max: 255 };
const pV = P_VCPU(0, 'The vCPU.', 0);
const pC = P_CPU(0, 'The Linux CPU.', 0);

export const x2Virq = makeXenFlow({
  id: 'X2',
  name: 'VIRQ binding and delivery (VIRQ_TIMER, global VIRQs)',
  description: 'A vCPU\'s Xen timer fires: send_guest_vcpu_virq → set-pending on that vCPU → upcall → the CPU\'s VIRQ_TIMER port handled first → handle_percpu_irq → xen_timer_interrupt. Binding and global VIRQs via actions.',
  entry: 'X2.4',
  params: [pV, { ...pC }, P_VCPUS, P_GUEST('pv'), P_ABI('2l'), P_CALLBACK],
  ownSteps: own,
  spec: (p) => specFrom(p, { frontend: false }),
  actions: [
    { name: 'timer', description: 'The vCPU\'s Xen timer fires (VIRQ_TIMER).', params: [pV], from: 'X2.4' },
    { name: 'vcpu-virq', description: 'Xen sends a per-vCPU VIRQ to a vCPU.', params: [pV, pVirq], from: 'X2.5' },
    { name: 'global-virq', description: 'Xen sends a global VIRQ to the domain.', params: [{ ...pVirq, default: 2 }], from: 'X2.6' },
    { name: 'setup-timer', description: 'xen_setup_timer on a CPU (unbinds nothing: re-binding an existing VIRQ reuses it).', params: [pC], from: 'X2.1' },
    { name: 'bind-virq', description: 'bind_virq_to_irq(virq, cpu).', params: [pVirq, pC], from: 'X2.2' },
    { name: 'rebind-virq', description: 'EVTCHNOP_bind_vcpu on vCPU0\'s channel of a VIRQ.', params: [pVirq, pV], from: 'X2.8' },
    { name: 'evtchnop-bind-virq', description: 'A raw EVTCHNOP_bind_virq hypercall {virq, vcpu}, without Linux\'s bind_virq_to_irq: a second one for the same VIRQ and vCPU returns -EEXIST.', params: [pVirq, pV], from: 'X2.3' },
  ],
});
