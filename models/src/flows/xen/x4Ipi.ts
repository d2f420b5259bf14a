// Flow X4: an IPI between vCPUs over a loop-back IPI channel (docs/flows/X4.md).

import { getFreePort, newEvtchn } from '../../components/evtchn2l';
import { EVT_MASK_REASON_EXPLICIT, bindPortToCpu, newIrqInfo } from '../../components/linuxEvtchn';
import { maxPorts, nrVcpus } from '../../components/xenDomain';
import { addBit } from '../../components/lapic';
import { newWord } from '../../components/evtchnFifo';
import { makeXenFlow, specFrom } from './xenFlowBase';
import { LINUX_EVENTS_BASE, P_ABI, P_CALLBACK, P_CPU, P_GUEST, P_VCPUS, XEN_EVENT_CHANNEL, XStep, call, finish, go, linuxLink, xenLink, vcpuOf } from './xenFlowKit';

const own: XStep[] = [
  {
    id: 'X4.1', title: 'xen_smp_intr_init', component: 'linux-smp',
    role: 'Per CPU: binds the Xen IPIs (reschedule, call-function …) as per-CPU irqs. HVM guests do this only with a vector callback; otherwise they keep native APIC IPIs.',
    links: [linuxLink('xen_smp_intr_init', 'arch/x86/xen/smp.c'), linuxLink('xen_hvm_smp_init', 'arch/x86/xen/smp_hvm.c')],
    branches: [
      { name: 'native-ipis', when: 'HVM without a vector callback: xen_hvm_smp_init returns early, native APIC IPIs', next: null },
      { name: 'bind', when: 'bind the XEN_RESCHEDULE_VECTOR IPI for this CPU', next: 'X4.2' },
    ],
    run(ctx) {
      const cpu = vcpuOf(ctx, 'cpu');
      if (ctx.state.guest === 'hvm' && !ctx.state.linux.xen_have_vector_callback) return finish(ctx, 'native-ipis', 'HVM without a vector callback: xen_hvm_smp_init returns early, native APIC IPIs');
      return go('bind', `bind XEN_RESCHEDULE_VECTOR on CPU ${cpu}`, 'X4.2');
    },
  },
  {
    id: 'X4.2', title: 'bind_ipi_to_irq', component: 'linux-evtchn',
    role: 'Linux side of an IPI binding: EVTCHNOP_bind_ipi on xen_vcpu_nr(cpu), then a per-CPU irq (xen_percpu_chip, handle_percpu_irq), ipi_to_evtchn[cpu], port in cpu_evtchn_mask[cpu].',
    links: [linuxLink('bind_ipi_to_irq', LINUX_EVENTS_BASE), linuxLink('xen_irq_info_ipi_setup', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'already-bound', when: 'ipi_to_evtchn already has a port for this CPU and IPI: reused', next: null },
      { name: 'hypercall', when: 'EVTCHNOP_bind_ipi { vcpu }', next: 'X4.3' },
      { name: 'error', when: 'Xen refused the bind: the error is returned', next: null },
      { name: 'setup', when: 'the new port gets an irq on xen_percpu_chip for this CPU; request_irq enables it', next: 'X1.b4' },
    ],
    run(ctx) {
      const cpu = vcpuOf(ctx, 'cpu');
      const d = ctx.state;
      if (ctx.params.result === undefined) {
        if (d.linux.ipi_to_evtchn[cpu]['XEN_RESCHEDULE_VECTOR']) return finish(ctx, 'already-bound', `ipi_to_evtchn[${cpu}] is already port ${d.linux.ipi_to_evtchn[cpu]['XEN_RESCHEDULE_VECTOR']}`);
        return call(ctx, 'hypercall', `EVTCHNOP_bind_ipi {vcpu ${cpu}}`, 'X4.3', { vcpu: cpu }, 'X4.2');
      }
      const port = ctx.params.result as number;
      if (port < 0) return finish(ctx, 'error', `Xen refused: ${port}`);
      const irq = Math.max(30, ...Object.keys(d.linux.irq_info).map(Number)) + 1;
      d.linux.evtchn_to_irq[String(port)] = irq;
      d.linux.irq_info[String(irq)] = newIrqInfo({ type: 'IRQT_IPI', evtchn: port, cpu, chip: 'xen_percpu_chip', mask_reason: EVT_MASK_REASON_EXPLICIT, handler: 'xen_reschedule_interrupt' });
      d.linux.ipi_to_evtchn[cpu]['XEN_RESCHEDULE_VECTOR'] = port;
      if (d.abi === '2l') { addBit(d.shared_info.evtchn_mask, port); bindPortToCpu(d.linux, port, cpu); }
      else d.fifo!.event_word[String(port)] = newWord({ MASKED: 1 });
      return go('setup', `port ${port} → irq ${irq} on CPU ${cpu}; request_irq enables it`, 'X1.b4', { port });
    },
  },
  {
    id: 'X4.3', title: 'evtchn_bind_ipi', component: 'evtchn',
    role: 'Xen allocates a loop-back IPI port: ECS_IPI, notify_vcpu_id = the requested vCPU (XR4); unknown vCPU → -ENOENT.',
    rules: ['XR4'],
    links: [xenLink('evtchn_bind_ipi', XEN_EVENT_CHANNEL)],
    branches: [
      { name: 'enoent', when: 'no such vCPU: -ENOENT', next: null },
      { name: 'bound', when: 'a free port becomes ECS_IPI with notify_vcpu_id = the vCPU', next: null },
    ],
    run(ctx) {
      const v = vcpuOf(ctx, 'vcpu');
      const d = ctx.state;
      if (v < 0 || v >= nrVcpus(d)) return finish(ctx, 'enoent', `no vCPU ${v}`, { result: -2 });
      const p = getFreePort(d.evtchn, maxPorts(d));
      d.evtchn[String(p)] = newEvtchn({ state: 'ECS_IPI', notify_vcpu_id: v });
      return finish(ctx, 'bound', `port ${p}: ECS_IPI, notify_vcpu_id=${v}`, { result: p });
    },
  },
  {
    id: 'X4.4', title: 'xen_send_IPI_one', component: 'linux-smp',
    role: 'Sends an IPI to a CPU: looks up that CPU\'s IPI port and does EVTCHNOP_send on it (XEN_NMI_VECTOR instead uses VCPUOP_send_nmi). Xen pends the same port on its notify_vcpu_id (XR2).',
    rules: ['XR2'],
    links: [linuxLink('xen_send_IPI_one', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'no-port', when: 'the target CPU has no port for this IPI: nothing is sent', next: null },
      { name: 'send', when: 'the target CPU\'s IPI port (ipi_to_evtchn): notify_remote_via_evtchn', next: 'X1.2' },
    ],
    run(ctx) {
      const t = vcpuOf(ctx, 'tcpu');
      const p = ctx.state.linux.ipi_to_evtchn[t]['XEN_RESCHEDULE_VECTOR'] ?? 0;
      if (!p) {
        ctx.emit({ kind: 'error', target: `vcpu${t}`, detail: `ipi_to_evtchn[${t}] is 0: BUG_ON in xen_send_IPI_one` });
        return finish(ctx, 'no-port', `CPU ${t} has no IPI port`);
      }
      return go('send', `ipi_to_evtchn[${t}][XEN_RESCHEDULE_VECTOR] = port ${p}`, 'X1.2', { lport: p, sender: 'self' });
    },
  },
];

const pT = { name: 'tcpu', type: 'int' as const, description: 'The target CPU of the IPI.', default: 1, min: 0, max: 63 };
const pC = P_CPU(0, 'The CPU.', 0);

export const x4Ipi = makeXenFlow({
  id: 'X4',
  name: 'IPI between vCPUs',
  description: 'xen_send_IPI_one → EVTCHNOP_send on the target CPU\'s IPI port → evtchn_send (ECS_IPI) → set-pending on notify_vcpu_id → target upcall → handle_percpu_irq → xen_reschedule_interrupt.',
  entry: 'X4.4',
  params: [pT, { ...pC, description: 'The sending CPU.' }, P_VCPUS, P_GUEST('pv'), P_ABI('2l'), P_CALLBACK],
  ownSteps: own,
  spec: (p) => specFrom(p, { frontend: false, ipis: true }),
  actions: [
    { name: 'ipi', description: 'Send a reschedule IPI to tcpu.', params: [pT], from: 'X4.4' },
    { name: 'bind-ipi', description: 'Bind the reschedule IPI on a CPU (xen_smp_intr_init).', params: [pC], from: 'X4.1' },
  ],
});
