// Flow Q6: VFIO passthrough without posting — remapped MSI through vfio_msihandler, eventfd and irqfd into
// kvm_set_msi; level INTx with a resampling irqfd whose EOI unmasks the device; QEMU's fallback for masked
// vectors (rules QR9, QR10, QR14, QR18, QR27).

import { guestEoiStep } from './kvmLapicWrite';
import { guestIfActions, guestIfStep } from './kvmIrqWindow';
import { Flow, Link, ModelError, Step, StepResult } from '../../core/types';
import { ioapicSetIrq, IoapicMessage } from '../../components/ioapic';
import { eventfdSignalIrqfd } from '../../components/irqfd';
import { highest } from '../../components/lapic';
import { KVM_PROFILES, KvmState, expectedAccepts, LapicIrq, newKvmState, pick, routeIrq, deliverToApics, irqFromIoapic, guestEoi, profileConfig, scanIoapic, vname, hex } from './kvmMachine';
import { withSharedRun } from './kvmSharedRun';
import { Ctx, KVM_STATE_DOC, blockAction, kvmValidate, preemptAction, runOptions, withHandOffs, setIfAction, linuxLink } from './kvmFlowKit';

const qemuLink = (symbol: string, file: string, extra: Partial<Link> = {}): Link => ({ codebase: 'qemu', symbol, file, ...extra });
const VFIO_INTRS_FILE = 'drivers/vfio/pci/vfio_pci_intrs.c';
const KVM_EVENTFD_FILE = 'virt/kvm/eventfd.c';

function msiIrq(ctx: Ctx): LapicIrq {
  const m = ctx.state.irqfd.msi;
  return { vector: m.vector, delivery: m.delivery, dest: m.dest, logical: m.logical, shorthand: 'none', level_triggered: m.level_triggered, level: true };
}

const steps: Step<KvmState>[] = [
  {
    id: 'Q6.1',
    title: 'vfio_msihandler → eventfd_signal',
    role: 'The device MSI goes through a remapped IRTE to a host vector; the host IRQ handler vfio_msihandler signals the vector\'s eventfd (count += 1, EPOLLIN to waiters).',
    component: 'irqfd',
    links: [linuxLink('vfio_msihandler', VFIO_INTRS_FILE), linuxLink('eventfd_signal', 'fs/eventfd.c'), linuxLink('eventfd_signal_mask', 'fs/eventfd.c')],
    branches: [
      { name: 'posted', when: 'the IRTE is posted: the IOMMU writes the PIR and vfio_msihandler never runs (flow Q5)', next: null },
      { name: 'qemu-eventfd', when: 'the vector is masked in the guest\'s MSI-X table: VFIO signals QEMU\'s `interrupt` eventfd, not the irqfd', next: 'Q6.6' },
      { name: 'irqfd', when: 'host vector → vfio_msihandler → eventfd_signal on the irqfd', next: 'Q6.2' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      if (s.irte.p_pst) return { branch: 'posted', why: `the IRTE is posted (p_vector ${hex(s.irte.p_vector)}): the IOMMU writes the PIR and vfio_msihandler never runs (flow Q5)`, next: null };
      if (s.device.msix_masked) return { branch: 'qemu-eventfd', why: 'the vector is masked in the guest\'s MSI-X table: VFIO signals QEMU\'s `interrupt` eventfd, not the irqfd', next: 'Q6.6' };
      if (s.irqfd.route === 'none') return { branch: 'qemu-eventfd', why: 'the vector has no KVM route: VFIO signals QEMU\'s `interrupt` eventfd', next: 'Q6.6' };
      return { branch: 'irqfd', why: `host vector → vfio_msihandler → eventfd_signal: ${eventfdSignalIrqfd(s.irqfd)}`, next: 'Q6.2' };
    },
  },
  {
    id: 'Q6.2',
    title: 'irqfd_wakeup',
    role: 'KVM\'s wait-queue callback (IRQs off) reads the counter back to 0 and snapshots the route; an MSI route tries atomic injection, anything else (or -EWOULDBLOCK) goes to the irqfd_inject work item.',
    component: 'irqfd',
    operation: 'irqfd.inject',
    links: [linuxLink('irqfd_wakeup', KVM_EVENTFD_FILE), linuxLink('eventfd_ctx_do_read', 'fs/eventfd.c'), linuxLink('irqfd_inject', KVM_EVENTFD_FILE)],
    contracts: [
      { id: 'Q6.2-atomic-first', text: 'tries kvm_arch_set_irq_inatomic before deferring to the work queue', source: 'docs/flows/Q6.md#q6-2', codebase: 'linux', symbol: 'irqfd_wakeup', check: { kind: 'callOrder', first: ['kvm_arch_set_irq_inatomic'], then: ['schedule_work'] } },
    ],
    branches: [
      { name: 'inactive', when: 'the irqfd was shut down (EPOLLHUP): nothing injected', next: null },
      { name: 'msi', when: 'the irqfd\'s route is an MSI: kvm_arch_set_irq_inatomic', next: 'Q6.3' },
      { name: 'work', when: 'the irqfd\'s route is an IO-APIC pin: schedule_work(irqfd_inject) → kvm_set_irq', next: 'Q6.5' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      if (!s.irqfd.active) return { branch: 'inactive', why: 'the irqfd was shut down (EPOLLHUP): nothing injected', next: null };
      if (s.irqfd.route === 'msi') return { branch: 'msi', why: `route GSI ${s.irqfd.gsi} is MSI → kvm_arch_set_irq_inatomic`, next: 'Q6.3' };
      return { branch: 'work', why: `route GSI ${s.irqfd.gsi} is an IO-APIC pin: schedule_work(irqfd_inject) → kvm_set_irq`, next: 'Q6.5' };
    },
  },
  {
    id: 'Q6.3',
    title: 'kvm_arch_set_irq_inatomic',
    role: 'Decodes the MSI (dest addr[19:12], dest mode addr[2], vector data[7:0], delivery data[10:8], level forced to 1) and tries kvm_irq_delivery_to_apic_fast; a miss returns -EWOULDBLOCK and the work item calls kvm_set_msi (QR14).',
    component: 'irqfd',
    operation: 'msi.decode',
    links: [linuxLink('kvm_arch_set_irq_inatomic', 'arch/x86/kvm/irq_comm.c'), linuxLink('kvm_set_msi_irq', 'arch/x86/kvm/irq_comm.c'), linuxLink('kvm_irq_delivery_to_apic_fast', 'arch/x86/kvm/lapic.c'), linuxLink('kvm_set_msi', 'arch/x86/kvm/irq_comm.c')],
    rules: ['QR14'],
    branches: [
      { name: 'fast-path', when: 'a fixed MSI to one destination: kvm_irq_delivery_to_apic_fast handles it in atomic context', next: 'Q6.4' },
      { name: 'ewouldblock', when: 'the fast path cannot handle it (e.g. a broadcast or lowest priority): -EWOULDBLOCK → the irqfd_inject work → kvm_set_msi', next: 'Q6.4' },
    ],
    run(ctx): StepResult {
      const irq = msiIrq(ctx);
      const r = routeIrq(ctx.state, irq, -1);
      const desc = `MSI dest ${irq.dest} ${irq.logical ? 'logical' : 'physical'}, vector ${hex(irq.vector)}, ${irq.delivery}`;
      if (r.path.startsWith('fast')) return { branch: 'fast-path', why: `${desc}: kvm_irq_delivery_to_apic_fast handles it in atomic context (${r.why})`, next: 'Q6.4' };
      return { branch: 'ewouldblock', why: `${desc}: not handled by the fast path (${r.why}) → -EWOULDBLOCK → irqfd_inject work → kvm_set_msi`, next: 'Q6.4' };
    },
  },
  {
    id: 'Q6.4',
    title: '__apic_accept_irq',
    role: 'The MSI is accepted on the target: IRR + KVM_REQ_EVENT + kick without APICv (Q3.3), PIR/ON + notification or wake with APICv (Q4.1); the edge vector\'s EOI never reaches an IO-APIC.',
    component: 'lapic',
    operation: 'lapic.accept',
    links: [linuxLink('kvm_irq_delivery_to_apic', 'arch/x86/kvm/irq_comm.c'), linuxLink('kvm_apic_set_irq', 'arch/x86/kvm/lapic.c'), linuxLink('__apic_accept_irq', 'arch/x86/kvm/lapic.c')],
    branches: [
      { name: 'accepted', when: 'kvm_irq_delivery_to_apic finds the target: __apic_accept_irq on it', next: null },
      { name: 'not-accepted', when: 'no target APIC accepted the interrupt', next: null },
    ],
    run(ctx): StepResult {
      const o = runOptions(ctx);
      const d = deliverToApics(ctx.state, msiIrq(ctx), -1, o, true);
      return withHandOffs({ branch: d.accepted ? 'accepted' : 'not-accepted', why: d.log.join('; '), next: null }, o);
    },
  },
  {
    id: 'Q6.5',
    title: 'vfio_intx_handler → irqfd_inject',
    role: 'Level INTx: VFIO masks the device (DisINTx) and signals the eventfd; the irqfd work asserts the IO-APIC pin for the resampler source; the pin is serviced with Remote-IRR (QR8, QR9).',
    component: 'ioapic',
    operation: 'ioapic.input',
    links: [
      linuxLink('vfio_intx_handler', VFIO_INTRS_FILE), linuxLink('vfio_send_intx_eventfd', VFIO_INTRS_FILE), linuxLink('irqfd_inject', KVM_EVENTFD_FILE), linuxLink('kvm_set_irq', 'virt/kvm/irqchip.c'), linuxLink('kvm_ioapic_set_irq', 'arch/x86/kvm/ioapic.c'),
      qemuLink('ioapic_set_irq', 'hw/intc/ioapic.c', { note: 'kvm-split: QEMU\'s IO-APIC' }),
    ],
    rules: ['QR8', 'QR9'],
    branches: [
      { name: 'device-masked', when: 'VFIO has the device\'s INTx masked until the resamplefd fires: the line cannot reach the guest', next: null },
      { name: 'in-service', when: 'the handler has not written EOI: Remote-IRR stays 1, the device stays masked', next: null },
      { name: 'delivered', when: 'the device asserts INTx: vfio_intx_handler masks it, eventfd_signal → irqfd_inject → kvm_set_irq(GSI, 1): the level pin sends its message; the target runs to the handler and its EOI (Q6.5e) on its own context', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      if (s.irqfd.route !== 'ioapic') throw new ModelError(`irqfd.route is ${s.irqfd.route} (GSI ${s.irqfd.gsi}): INTx needs a resampling IO-APIC route (action use-intx)`, 'irqfd.route');
      if (s.device.intx_masked) return { branch: 'device-masked', why: 'VFIO has the device\'s INTx masked until the resamplefd fires: the line cannot reach the guest', next: null };
      s.device.intx_asserted = true;
      s.device.intx_masked = true;
      const pin = s.irqfd.gsi;
      let msg: IoapicMessage | undefined;
      const form = profileConfig(ctx.profile).split ? 'kvm-split' : 'kvm-inkernel';
      const r = ioapicSetIrq(s.ioapic, pin, true, form, (m) => {
        msg = m;
        return expectedAccepts(s, irqFromIoapic(m));
      });
      const head = `device asserts INTx: vfio_intx_handler masks it (intx_masked), eventfd_signal → irqfd_wakeup → irqfd_inject → kvm_set_irq(GSI ${pin}, 1): ${r.why}`;
      if (!msg) {
        ctx.emit({ kind: 'pending', target: 'ioapic', what: `pin ${pin}`, detail: r.why });
        return { branch: r.action, why: head, next: null };
      }
      // The target runs on its own context up to the handler (its vcpu_run steps, handler_eoi false); the handler's
      // EOI, with the resampler, is Q6.5e, queued on the same vCPU after that run.
      const o = { ...runOptions(ctx), runParams: { handler_eoi: false } };
      const d = deliverToApics(s, irqFromIoapic(msg), -1, o, true);
      const target = routeIrq(s, irqFromIoapic(msg), -1).targets[0] ?? 0;
      if (ctx.params.handler_eoi === false) return withHandOffs({ branch: 'in-service', why: `${head}; ${d.log.join('; ')}; the handler has not written EOI: Remote-IRR stays 1, the device stays masked`, next: null }, o);
      const eoi = { next: 'Q6.5e', to: vname(target), params: { vcpu: target } };
      return { branch: 'delivered', why: `${head}; ${d.log.join('; ')}; the handler's EOI follows on ${vname(target)}`, next: null, handOff: [...o.handOffs, eoi] };
    },
  },
  {
    id: 'Q6.5e',
    title: 'irqfd_resampler_ack',
    role: 'The guest\'s EOI must reach the IO-APIC: the ack notifier de-asserts the GSI and signals the resamplefd, so VFIO unmasks the device, and Remote-IRR is cleared. Without the EOI the device stays masked forever (QR10, QR18).',
    component: 'ioapic',
    operation: 'ioapic.eoi',
    links: [linuxLink('kvm_ioapic_update_eoi_one', 'arch/x86/kvm/ioapic.c'), linuxLink('kvm_notify_acked_irq', KVM_EVENTFD_FILE), linuxLink('irqfd_resampler_ack', KVM_EVENTFD_FILE), qemuLink('kvm_resample_fd_notify', 'accel/kvm/kvm-all.c', { note: 'kvm-split: QEMU keeps the resamplefd and kicks it from ioapic_eoi_broadcast' }), qemuLink('vfio_intx_eoi', 'hw/vfio/pci.c')],
    contracts: [
      { id: 'Q6.5e-deassert-then-signal', text: 'de-asserts the GSI before signalling the resamplefd, so a device that re-asserts raises a new edge', source: 'docs/flows/Q6.md#q6-5', codebase: 'linux', symbol: 'irqfd_resampler_ack', check: { kind: 'callOrder', first: ['kvm_set_irq'], then: ['eventfd_signal'] } },
    ],
    rules: ['QR10', 'QR18'],
    branches: [
      { name: 'nothing-in-service', when: 'the vCPU has nothing in service', next: null },
      { name: 'msi-eoi', when: 'the irqfd routes an MSI, not the INTx pin: the handler\'s EOI is a plain LAPIC EOI (Q6.eoi), with no resampler', next: 'Q6.eoi' },
      { name: 'device-stays-masked', when: 'the EOI\'d vector is not IO-APIC-handled on this vCPU: no ack notifier runs, Remote-IRR stays and the device stays masked', next: null },
      { name: 'unmasked-reasserts', when: 'the EOI reaches the ack notifier: VFIO unmasks the device, which still has work and re-asserts INTx', next: 'Q6.5' },
      { name: 'unmasked', when: 'the EOI reaches the ack notifier: VFIO unmasks the device (vfio_pci_intx_unmask)', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const i = typeof ctx.params.vcpu === 'number' ? ctx.params.vcpu : 0;
      const slot = s.vcpus[i];
      const vec = highest(slot.lapic.isr);
      if (vec < 0) return { branch: 'nothing-in-service', why: `${vname(i)} has nothing in service`, next: null };
      if (s.irqfd.route !== 'ioapic') return { branch: 'msi-eoi', why: `irqfd routes an MSI (GSI ${s.irqfd.gsi}): the EOI of ${hex(vec)} reaches no IO-APIC pin and no resampler`, next: 'Q6.eoi', params: { vcpu: i } };
      const before = s.irqfd.resample_count;
      const o = runOptions(ctx);
      // This step is the INTx handler's EOI as one trap (apic_set_eoi → kvm_ioapic_send_eoi → the ack notifier →
      // Remote-IRR): all of it runs on the vCPU's thread inside the EOI exit with nothing of the guest's in between,
      // so no action could come between its parts; what it re-sends is handed to the targets' contexts.
      // The GSI is held by KVM's resampler source, not the device: only the ack notifier lowers it.
      const r = guestEoi(s, i, ctx.profile, ctx.emit, o.redeliver, false);
      const back = (res: StepResult): StepResult => withHandOffs(res, o);
      const pin = s.irqfd.gsi;
      const unmasked = s.irqfd.resample_count > before;
      if (!unmasked) {
        ctx.emit({ kind: 'lost', target: 'device', what: `INTx GSI ${pin}`, detail: 'the EOI never reached the IO-APIC: no resample, the device stays masked and Remote-IRR stays set' });
        return back({ branch: 'device-stays-masked', why: `EOI ${hex(vec)}: ${r.why}; ${hex(vec)} not IO-APIC-handled on ${vname(i)}: no ack notifier, Remote-IRR=${s.ioapic.ioredtbl[pin].remote_irr}, device masked`, next: null });
      }
      s.device.intx_asserted = ctx.params.device_reasserts === true;
      if (s.device.intx_asserted) return back({ branch: 'unmasked-reasserts', why: `EOI ${hex(vec)}: ${r.why}; VFIO unmasks the device, which still has work and re-asserts INTx`, next: 'Q6.5', params: { device_reasserts: false } });
      return back({ branch: 'unmasked', why: `EOI ${hex(vec)}: ${r.why}; VFIO unmasks the device (vfio_pci_intx_unmask)`, next: null });
    },
  },
  {
    id: 'Q6.6',
    title: 'vfio_msi_interrupt (QEMU fallback)',
    role: 'QEMU handles the eventfd itself: a masked MSI-X vector latches its PBA bit (delivered on unmask, QR27); otherwise msix_notify sends the MSI through KVM.',
    component: 'irqfd',
    operation: 'msix.notify',
    links: [qemuLink('vfio_msi_interrupt', 'hw/vfio/pci.c'), qemuLink('msix_set_pending', 'hw/pci/msix.c'), qemuLink('msix_notify', 'hw/pci/msix.c'), qemuLink('kvm_irqchip_send_msi', 'accel/kvm/kvm-all.c')],
    rules: ['QR27'],
    branches: [
      { name: 'masked-pba', when: 'vector masked: msix_set_pending sets the emulated PBA bit; msix_handle_mask_update sends it on unmask (QR27)', next: null },
      { name: 'msix-notify', when: 'the vector is unmasked: msix_notify → KVM_SIGNAL_MSI → kvm_set_msi → kvm_irq_delivery_to_apic', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      if (s.device.msix_masked) {
        s.device.pba = true;
        ctx.emit({ kind: 'pending', target: 'device', what: `MSI-X vector (guest ${hex(s.irqfd.msi.vector)})`, detail: 'masked: PBA bit set, sent on unmask (QR27)' });
        return { branch: 'masked-pba', why: 'vector masked: msix_set_pending sets the emulated PBA bit; msix_handle_mask_update sends it on unmask (QR27)', next: null };
      }
      const o = runOptions(ctx);
      const d = deliverToApics(s, msiIrq(ctx), -1, o, true);
      return withHandOffs({ branch: 'msix-notify', why: `msix_notify → KVM_SIGNAL_MSI → kvm_set_msi: ${d.log.join('; ')}`, next: null }, o);
    },
  },
  guestIfStep('Q6.sti'),
  guestEoiStep('Q6.eoi'),
];

export const q6VfioRemapped: Flow<KvmState> = {
  id: 'Q6',
  name: 'VFIO passthrough without posting (remapped MSI, INTx)',
  description: 'An assigned device\'s MSI through a remapped IRTE: vfio_msihandler signals the eventfd, irqfd_wakeup injects through kvm_set_msi into the LAPIC (Q3/Q4). Level INTx: VFIO masks the device and a resampling irqfd asserts the IO-APIC pin; only the guest\'s EOI reaching the IO-APIC unmasks the device again.',
  codebases: ['linux', 'qemu'],
  profiles: KVM_PROFILES.filter((p) => ['kvm-inkernel', 'kvm-split', 'apicv-off', 'apicv-on'].includes(p.id)),
  defaultProfile: 'kvm-inkernel',
  params: [...pick('handler_eoi'), { ...pick('vcpu')[0], default: 0 }, { name: 'device_reasserts', type: 'bool', description: 'INTx: the device still has work when VFIO unmasks it.', default: false }],
  entry: 'Q6.1',
  steps: withSharedRun('Q6', steps),
  actions: [
    ...guestIfActions('Q6.sti'),
    { name: 'msi', description: 'The device raises its (remapped) MSI.', params: [], from: 'Q6.1' },
    { name: 'intx', description: 'The device asserts its level INTx line (resampling irqfd on GSI irqfd.gsi).', params: [{ name: 'device_reasserts', type: 'bool', description: 'still has work at unmask', default: false }], from: 'Q6.5' },
    { name: 'eoi', description: 'The guest handler of the INTx vector writes its EOI.', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 0, min: 0, max: 63 }, { name: 'device_reasserts', type: 'bool', description: 'still has work at unmask', default: false }], from: 'Q6.5e' },
    {
      name: 'use-intx', description: 'Switch the irqfd to a resampling IO-APIC route on GSI 10 (VFIO INTx with KVM, vfio_intx_enable_kvm).', params: [],
      apply(state) {
        state.irqfd.route = 'ioapic';
        state.irqfd.gsi = 10;
        state.irqfd.resampler = true;
        const lists = state.vcpus.map((_, i) => scanIoapic(state, i, state.ioapic.version === 0x11 ? 'kvm-inkernel' : 'kvm-split'));
        return `irqfd → IO-APIC GSI 10 with resamplefd (kvm_irqfd_assign with KVM_IRQFD_FLAG_RESAMPLE); ack notifier registered; ioapic_handled_vectors ${lists.map((l, i) => `${vname(i)} [${l.map(hex).join(', ')}]`).join(', ')}`;
      },
    },
    {
      name: 'mask', description: 'The guest masks the MSI-X vector.', params: [],
      apply(state) {
        state.device.msix_masked = true;
        return 'MSI-X vector masked: VFIO now signals QEMU\'s own eventfd (vfio_msix_vector_release)';
      },
    },
    blockAction, preemptAction, setIfAction,
  ],
  initialState: (profile) => newKvmState(profile),
  validate: kvmValidate,
  stateDoc: KVM_STATE_DOC,
};
