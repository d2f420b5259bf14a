// Flow Q7: vhost (in-kernel backend) → guest virtio: used ring update, event-index suppression, the call eventfd
// that is also the KVM irqfd, MSI injection into the vCPU's LAPIC, and the guest's vring_interrupt.
// Steps Q7.0–Q7.6 (with Q6.2–Q6.4), rules QR22, QR27: the vhost notification is conditional.

import { reportWoken } from '../../core/wake';
import { ActionSpec, Flow, Step } from '../../core/types';
import { acceptFixed, LapicState, lapicProblems, newLapic } from '../../components/lapic';
import { decodeMsi, EventfdState, eventfdRead, eventfdSignal, MsiRoute, msiRoute, newEventfd } from '../../components/eventfd';
import { addUsed, consumeUsed, disableCb, enableCbPrepare, moreUsed, newVirtqueue, pollUsed, shouldNotify, VirtqueueState, virtqueueProblems } from '../../components/virtqueue';
import { qemuLink, linuxLink, numParam } from './qemuFlowKit';

export interface Q7State {
  vq: VirtqueueState;
  /** `vq->call_ctx`: which eventfd vhost signals (VHOST_SET_VRING_CALL). */
  call_ctx: 'guest_notifier' | 'masked_notifier' | 'none';
  /** The VirtQueue's `guest_notifier` (polled by KVM's irqfd, or by QEMU's main loop without irqfd). */
  guest_notifier: EventfdState;
  /** `masked_notifier`: vhost signals it while the guest masks the MSI-X vector; nobody polls it. */
  masked_notifier: EventfdState;
  /** The irqfd's MSI route (`kvm_irqchip_add_msi_route` from the MSI-X entry). */
  irqfd: MsiRoute;
  /** The guest's MSI-X table entry mask for this queue's vector. */
  msix_masked: boolean;
  /** The target vCPU: its LAPIC and KVM mode (QR20). */
  vcpu: { lapic: LapicState; mode: 'IN_GUEST_MODE' | 'OUTSIDE_GUEST_MODE' | 'blocked' };
  /** Guest interrupts handled for this queue. */
  interrupts: number;
}

type S = Q7State;
const VHOST_FILE = 'drivers/vhost/vhost.c';

const steps: Step<S>[] = [
  {
    id: 'Q7.0',
    title: 'vhost_virtqueue_mask',
    role: 'QEMU wires one KVM MSI route + irqfd per vector and points vhost’s call fd at the same eventfd; while the guest masks the vector it swaps in masked_notifier, and on unmask re-fires if that latched a signal (QR27).',
    component: 'eventfd',
    links: [
      qemuLink('virtio_pci_set_guest_notifiers', 'hw/virtio/virtio-pci.c'),
      qemuLink('kvm_virtio_pci_vq_vector_use', 'hw/virtio/virtio-pci.c'),
      qemuLink('kvm_virtio_pci_irqfd_use', 'hw/virtio/virtio-pci.c'),
      qemuLink('kvm_irqchip_add_irqfd_notifier_gsi', 'accel/kvm/kvm-all.c'),
      qemuLink('vhost_virtqueue_mask', 'hw/virtio/vhost.c'),
      qemuLink('virtio_pci_vq_vector_unmask', 'hw/virtio/virtio-pci.c'),
      qemuLink('vhost_virtqueue_pending', 'hw/virtio/vhost.c'),
      linuxLink('vhost_vring_ioctl', VHOST_FILE),
    ],
    rules: ['QR27'],
    branches: [
      { name: 'mask', when: 'the guest masks the MSI-X vector: vhost_virtqueue_mask(true) → VHOST_SET_VRING_CALL(masked_notifier); signals now latch there', next: null },
      { name: 'unmask-pending', when: 'the guest unmasks and the masked notifier has a latched count: the call fd goes back to the irqfd and event_notifier_set(guest_notifier) delivers it', next: 'Q7.5' },
      { name: 'unmask', when: 'the guest unmasks: VHOST_SET_VRING_CALL(guest_notifier), the irqfd; nothing was latched while masked', next: null },
    ],
    run(ctx) {
      const s = ctx.state;
      const mask = ctx.params.mask === true;
      s.msix_masked = mask;
      if (mask) {
        s.call_ctx = 'masked_notifier';
        return { branch: 'mask', why: 'guest masks the MSI-X vector: vhost_virtqueue_mask(true) → VHOST_SET_VRING_CALL(masked_notifier); signals now latch there', next: null };
      }
      s.call_ctx = 'guest_notifier';
      const latched = eventfdRead(s.masked_notifier);
      if (latched > 0) {
        eventfdSignal(s.guest_notifier, 1);
        return { branch: 'unmask-pending', why: `guest unmasks: call fd back to guest_notifier; vhost_virtqueue_pending finds masked_notifier count ${latched} → event_notifier_set(guest_notifier)`, next: 'Q7.5' };
      }
      return { branch: 'unmask', why: 'guest unmasks: VHOST_SET_VRING_CALL(guest_notifier) = the irqfd; nothing latched while masked', next: null };
    },
  },
  {
    id: 'Q7.1',
    title: 'handle_rx / handle_tx',
    role: 'The vhost worker completes buffers and adds them to the used ring in a batch, then signals.',
    component: 'vhost',
    links: [
      linuxLink('handle_rx', 'drivers/vhost/net.c'),
      linuxLink('handle_tx', 'drivers/vhost/net.c'),
      linuxLink('vhost_net_signal_used', 'drivers/vhost/net.c'),
      linuxLink('vhost_add_used_and_signal_n', VHOST_FILE),
      linuxLink('vhost_add_used_and_signal', VHOST_FILE),
    ],
    branches: [
      { name: 'batch', when: 'the vhost worker completed a batch of buffers: vhost_add_used_and_signal_n', next: 'Q7.2' },
    ],
    run(ctx) {
      const n = numParam(ctx.params, 'count', 1);
      return { branch: 'batch', why: `worker completed ${n} buffer(s): vhost_add_used_and_signal_n`, next: 'Q7.2' };
    },
  },
  {
    id: 'Q7.2',
    title: '__vhost_add_used_n',
    role: 'Writes used elements, advances last_used_idx (mod 2^16) and used->idx; if the index overtook signalled_used, signalled_used_valid := false (QR22).',
    component: 'virtqueue',
    operation: 'virtqueue.add-used',
    links: [linuxLink('vhost_add_used_n', VHOST_FILE), linuxLink('__vhost_add_used_n', VHOST_FILE), linuxLink('vhost_put_used_idx', VHOST_FILE)],
    contracts: [
      { id: 'Q7.2-invalidate', text: 'overtaking signalled_used invalidates it, so the next signal is unconditional', source: 'QR22', codebase: 'linux', symbol: '__vhost_add_used_n', check: { kind: 'mentions', anyOf: ['signalled_used_valid'] } },
    ],
    rules: ['QR22'],
    branches: [
      { name: 'overtook', when: 'used->idx advances past signalled_used (the driver\'s last seen point was overtaken): signalled_used_valid := false', next: 'Q7.3' },
      { name: 'added', when: 'used->idx advances by the batch (mod 2^16)', next: 'Q7.3' },
    ],
    run(ctx) {
      const s = ctx.state;
      const r = addUsed(s.vq, numParam(ctx.params, 'count', 1), 'vhost');
      return {
        branch: r.invalidated ? 'overtook' : 'added',
        why: `last_used_idx ${r.old} → ${r.new}${r.new < r.old ? ' (wrapped past 65535)' : ''}; used->idx := ${r.new}${r.invalidated ? `; (u16)(new − signalled_used ${s.vq.signalled_used}) < (u16)(new − old): signalled_used_valid := false` : ''}`,
        next: 'Q7.3',
      };
    },
  },
  {
    id: 'Q7.3',
    title: 'vhost_signal',
    role: 'Signals only if a call eventfd is set and vhost_notify says the guest wants this interrupt; then eventfd_signal(call_ctx, 1).',
    component: 'vhost',
    links: [linuxLink('vhost_signal', VHOST_FILE), linuxLink('eventfd_signal', 'fs/eventfd.c')],
    contracts: [
      { id: 'Q7.3-conditional', text: 'the call eventfd is signalled only when vhost_notify agrees', source: 'QR22', codebase: 'linux', symbol: 'vhost_signal', check: { kind: 'callOrder', first: ['vhost_notify'], then: ['eventfd_signal'] } },
    ],
    branches: [
      { name: 'no-call-fd', when: 'vq->call_ctx.ctx is NULL: no interrupt', next: null },
      { name: 'check', when: 'a call eventfd is set: vhost_notify decides', next: 'Q7.4' },
    ],
    run(ctx) {
      const s = ctx.state;
      if (s.call_ctx === 'none') return { branch: 'no-call-fd', why: 'vq->call_ctx.ctx is NULL: no interrupt', next: null };
      return { branch: 'check', why: `call_ctx = ${s.call_ctx}: ask vhost_notify`, next: 'Q7.4' };
    },
  },
  {
    id: 'Q7.4',
    title: 'vhost_notify → vring_need_event',
    role: 'QR22: NOTIFY_ON_EMPTY; without EVENT_IDX the avail NO_INTERRUPT flag; with EVENT_IDX !valid || vring_need_event(used_event, new, old), consuming the window (signalled_used := new).',
    component: 'virtqueue',
    operation: 'virtqueue.should-notify',
    links: [linuxLink('vhost_notify', VHOST_FILE), linuxLink('vhost_get_avail_flags', VHOST_FILE), linuxLink('vhost_get_used_event', VHOST_FILE), linuxLink('vring_need_event', 'include/uapi/linux/virtio_ring.h')],
    contracts: [
      { id: 'Q7.4-event-idx', text: 'with EVENT_IDX the decision is vring_need_event(used_event, new, old) after recording signalled_used', source: 'QR22', codebase: 'linux', symbol: 'vhost_notify', check: { kind: 'calls', anyOf: ['vring_need_event'] } },
    ],
    rules: ['QR22'],
    branches: [
      { name: 'not-valid-masked', when: 'signalled_used_valid was false: notify unconditionally, but the call fd is the masked notifier: nobody polls it', next: null },
      { name: 'suppressed', when: 'VIRTIO_RING_F_EVENT_IDX: used_event is outside [old, new) mod 2^16: no notification', next: null },
      { name: 'need-event', when: 'used_event lies in [old, new) mod 2^16 (vring_need_event): eventfd_signal(call fd) wakes the KVM irqfd', next: 'Q7.5' },
      { name: 'not-valid', when: 'signalled_used_valid was false: notify unconditionally; eventfd_signal(call fd) wakes the KVM irqfd', next: 'Q7.5' },
      { name: 'notify-on-empty', when: 'VIRTIO_F_NOTIFY_ON_EMPTY and the avail ring is empty: notify; eventfd_signal(call fd)', next: 'Q7.5' },
      { name: 'flags', when: 'no EVENT_IDX and the driver left VRING_AVAIL_F_NO_INTERRUPT clear: notify; eventfd_signal(call fd)', next: 'Q7.5' },
      { name: 'flags-suppressed', when: 'no EVENT_IDX and the driver set VRING_AVAIL_F_NO_INTERRUPT: no notification', next: null },
      { name: 'need-event-masked', when: 'vring_need_event says notify, but the call fd is the masked notifier: the signal latches there', next: null },
      { name: 'flags-masked', when: 'no EVENT_IDX, interrupts wanted, but the call fd is the masked notifier: the signal latches there', next: null },
      { name: 'notify-on-empty-masked', when: 'NOTIFY_ON_EMPTY notification into the masked notifier: the signal latches there', next: null },
      { name: 'merged', when: 'the device notifies, but the call fd still holds a count QEMU\'s main loop has not read: its one read takes both signals', next: null },
    ],
    run(ctx) {
      const s = ctx.state;
      const d = shouldNotify(s.vq, 'vhost');
      if (!d.notify) {
        ctx.emit({ kind: 'note', target: 'vq', what: `used idx ${s.vq.used.idx}`, detail: `interrupt suppressed: ${d.why}` });
        return { branch: d.branch, why: d.why, next: null };
      }
      const unread = s.guest_notifier.count > 0;
      const who = eventfdSignal(s.call_ctx === 'masked_notifier' ? s.masked_notifier : s.guest_notifier, 1);
      if (s.call_ctx === 'masked_notifier') {
        ctx.emit({ kind: 'pending', target: 'masked_notifier', what: `vector ${s.irqfd.data & 0xff}`, detail: 'vector masked: the signal latches in masked_notifier until the guest unmasks (QR27)' });
        return { branch: `${d.branch}-masked`, why: `${d.why}; eventfd_signal(masked_notifier): nobody polls it`, next: null };
      }
      // With an irqfd, eventfd_signal's wake-up runs irqfd_wakeup inside this call; without one, QEMU's main loop
      // reads the notifier later (a fd handler), once for every count signalled before it runs.
      if (ctx.profile !== 'vhost-qemu-call') return { branch: d.branch, why: `${d.why}; eventfd_signal(call_ctx = guest_notifier, 1) wakes ${who}`, next: 'Q7.5' };
      if (unread) return { branch: 'merged', why: `${d.why}; eventfd_signal(call_ctx = guest_notifier, 1): count ${s.guest_notifier.count}, not yet read by QEMU's main loop: one read takes both`, next: null };
      return { branch: d.branch, why: `${d.why}; eventfd_signal(call_ctx = guest_notifier, 1): QEMU's main loop reads it in its fd handler`, next: 'Q7.5', deferTo: 'qemu-main' };
    },
  },
  {
    id: 'Q7.5',
    title: 'irqfd_wakeup',
    role: 'KVM’s wait-queue callback reads the eventfd and injects the MSI in atomic context (fast path), else via irqfd_inject work; the LAPIC accepts the edge vector and the vCPU is kicked. Without irqfd, QEMU’s main loop reads the notifier and sends the MSI itself.',
    component: 'irqfd',
    operation: 'irqfd.inject',
    links: [
      linuxLink('irqfd_wakeup', 'virt/kvm/eventfd.c'),
      linuxLink('irqfd_inject', 'virt/kvm/eventfd.c'),
      linuxLink('kvm_arch_set_irq_inatomic', 'arch/x86/kvm/irq_comm.c'),
      linuxLink('kvm_set_msi_irq', 'arch/x86/kvm/irq_comm.c'),
      linuxLink('kvm_irq_delivery_to_apic_fast', 'arch/x86/kvm/lapic.c'),
      linuxLink('__apic_accept_irq', 'arch/x86/kvm/lapic.c'),
      qemuLink('virtio_queue_guest_notifier_read', 'hw/virtio/virtio.c', { note: 'vhost-qemu-call profile: no irqfd' }),
      qemuLink('virtio_irq', 'hw/virtio/virtio.c'),
      qemuLink('msix_notify', 'hw/pci/msix.c'),
    ],
    contracts: [
      { id: 'Q7.5-read', text: 'the irqfd consumes the eventfd count before injecting (several signals → one interrupt)', source: 'docs/flows/Q7.md#q7-5', codebase: 'linux', symbol: 'irqfd_wakeup', check: { kind: 'calls', anyOf: ['eventfd_ctx_do_read'] } },
    ],
    branches: [
      { name: 'nothing', when: 'eventfd count is 0: nothing to inject', next: null },
      { name: 'qemu-msix', when: 'QEMU\'s MSI-X path (no irqfd route): __apic_accept_irq sets IRR (or merges) and kicks', next: 'Q7.6' },
      { name: 'irqfd-fast', when: 'the irqfd\'s MSI route: __apic_accept_irq sets IRR (or merges) and kicks', next: 'Q7.6' },
      { name: 'coalesced', when: 'IRR already held the vector: the vCPU has not taken the first interrupt yet, one vring_interrupt will see every used buffer', next: null },
    ],
    run(ctx) {
      const s = ctx.state;
      const count = eventfdRead(s.guest_notifier);
      if (count === 0) return { branch: 'nothing', why: 'eventfd count is 0: nothing to inject', next: null };
      const d = decodeMsi(s.irqfd.address, s.irqfd.data);
      const coalesced = acceptFixed(s.vcpu.lapic, d.vector, false);
      const kick = s.vcpu.mode === 'IN_GUEST_MODE' ? 'kick IPI: the vCPU exits and injects on re-entry (or a posted interrupt with APICv)' : s.vcpu.mode === 'blocked' ? 'the blocked vCPU is woken' : 'the vCPU picks it up at its next entry';
      if (s.vcpu.mode === 'blocked') {
        s.vcpu.mode = 'OUTSIDE_GUEST_MODE';
        reportWoken(ctx.emit, { target: 'vcpu0', by: 'kvm_vcpu_kick', what: `vector 0x${d.vector.toString(16)}`, detail: 'kvm_vcpu_kick wakes the halted vCPU' });
      }
      const via = ctx.profile === 'vhost-qemu-call'
        ? `QEMU main loop: virtio_queue_guest_notifier_read → virtio_irq → msix_notify → MSI ${d.vector}`
        : `irqfd_wakeup: eventfd_ctx_do_read (count ${count}${count > 1 ? ', several signals merge' : ''}), kvm_arch_set_irq_inatomic: MSI route GSI ${s.irqfd.gsi} → kvm_set_msi_irq (vector 0x${d.vector.toString(16)}, edge) → kvm_irq_delivery_to_apic_fast`;
      if (coalesced) return { branch: 'coalesced', why: `${via}; __apic_accept_irq: IRR[0x${d.vector.toString(16)}] already set: the vCPU has not taken it yet, one interrupt covers both`, next: null };
      // The vCPU takes the vector at its next entry, on its own context: the device may complete more buffers first.
      return { branch: ctx.profile === 'vhost-qemu-call' ? 'qemu-msix' : 'irqfd-fast', why: `${via}; __apic_accept_irq: IRR[0x${d.vector.toString(16)}] := 1; ${kick}`, next: 'Q7.6', params: { vector: d.vector }, deferTo: 'vcpu0' };
    },
  },
  {
    id: 'Q7.6',
    title: 'vring_interrupt (guest)',
    role: 'The guest’s edge handler: no new used buffers → IRQ_NONE; else the callback (NAPI) disables callbacks (used_event := 0 / NO_INTERRUPT), consumes, re-arms (used_event := last_used_idx) and polls for the race.',
    component: 'linux-guest',
    links: [
      linuxLink('vring_interrupt', 'drivers/virtio/virtio_ring.c'),
      linuxLink('vp_vring_interrupt', 'drivers/virtio/virtio_pci_common.c'),
      linuxLink('vp_interrupt', 'drivers/virtio/virtio_pci_common.c'),
      linuxLink('virtqueue_disable_cb_split', 'drivers/virtio/virtio_ring.c'),
      linuxLink('virtqueue_enable_cb_prepare_split', 'drivers/virtio/virtio_ring.c'),
      linuxLink('virtqueue_poll_split', 'drivers/virtio/virtio_ring.c'),
    ],
    contracts: [
      { id: 'Q7.6-more-used', text: 'an interrupt with no new used buffers is reported as IRQ_NONE', source: 'docs/flows/Q7.md#q7-6', codebase: 'linux', symbol: 'vring_interrupt', check: { kind: 'calls', anyOf: ['more_used'] } },
    ],
    rules: ['QR22'],
    branches: [
      { name: 'irq-none', when: 'used.idx equals the driver\'s last_used_idx: nothing to do (IRQ_NONE)', next: null },
      { name: 'callback', when: 'more_used: the callback runs; the driver has not consumed the buffers yet', next: null },
      { name: 'napi', when: 'more_used: the callback schedules NAPI, which consumes the buffers, re-enables callbacks (used_event := last_used_idx) and polls again if more arrived', next: null },
    ],
    run(ctx) {
      const s = ctx.state;
      const v = numParam(ctx.params, 'vector', s.irqfd.data & 0xff);
      const i = s.vcpu.lapic.irr.indexOf(v);
      if (i >= 0) s.vcpu.lapic.irr.splice(i, 1); // the vCPU takes the edge vector and EOIs it (no TMR: no IO-APIC)
      if (!moreUsed(s.vq)) {
        ctx.emit({ kind: 'note', target: 'vcpu0', handler: 'vring_interrupt', what: `vector 0x${v.toString(16)}`, detail: 'no new used buffers: IRQ_NONE' });
        return { branch: 'irq-none', why: `used.idx ${s.vq.used.idx} = driver last_used_idx: nothing to do`, next: null };
      }
      s.interrupts++;
      if (s.vq.event_idx) s.vq.driver.event_triggered = true;
      if (ctx.params.consume === false) {
        ctx.emit({ kind: 'delivered', target: 'vcpu0', handler: 'vring_interrupt', what: `vector 0x${v.toString(16)}`, detail: 'callback scheduled; buffers left for later' });
        return { branch: 'callback', why: 'more_used: callback runs; the driver has not consumed yet', next: null };
      }
      const d1 = disableCb(s.vq);
      const n = consumeUsed(s.vq);
      s.vq.driver.event_triggered = false;
      const last = enableCbPrepare(s.vq);
      const race = pollUsed(s.vq, last);
      ctx.emit({ kind: 'delivered', target: 'vcpu0', handler: 'vring_interrupt', what: `vector 0x${v.toString(16)}`, detail: `${n} used buffer(s) consumed; used_event := ${s.vq.avail.used_event}` });
      return { branch: 'napi', why: `more_used: callback; ${d1}; consumed ${n}; virtqueue_enable_cb_prepare_split: used_event := last_used_idx ${last}; virtqueue_poll_split: ${race ? 'more arrived, poll again' : 'nothing new'}`, next: null };
    },
  },
];

const actions: ActionSpec<S>[] = [
  { name: 'complete', description: 'the vhost worker completes buffers (Q7.1)', from: 'Q7.1', params: [{ name: 'count', type: 'int', description: 'buffers', default: 1, min: 1, max: 32768 }] },
  { name: 'mask-vector', description: 'the guest masks the queue’s MSI-X vector (Q7.0)', from: 'Q7.0', params: [{ name: 'mask', type: 'bool', description: 'mask', default: true }] },
  { name: 'unmask-vector', description: 'the guest unmasks it (Q7.0)', from: 'Q7.0', params: [{ name: 'mask', type: 'bool', description: 'mask', default: false }] },
  {
    name: 'disable-cb', description: 'the driver disables callbacks (virtqueue_disable_cb)', params: [],
    apply(state) {
      return disableCb(state.vq);
    },
  },
  {
    name: 'enable-cb', description: 'the driver re-enables callbacks (virtqueue_enable_cb_prepare: used_event := last_used_idx)', params: [],
    apply(state) {
      const last = enableCbPrepare(state.vq);
      return `used_event := ${last}`;
    },
  },
  {
    name: 'set-used-event', description: 'the driver writes used_event directly (e.g. virtqueue_enable_cb_delayed)', params: [{ name: 'used_event', type: 'int', description: 'index', default: 0, min: 0, max: 65535 }],
    apply(state, p) {
      state.vq.avail.used_event = p.used_event as number;
      return `used_event := ${p.used_event}`;
    },
  },
  {
    name: 'consume', description: 'the driver consumes every used buffer without touching used_event', params: [],
    apply(state) {
      return `consumed ${consumeUsed(state.vq)}; driver last_used_idx = ${state.vq.driver.last_used_idx}`;
    },
  },
];

export const q7VhostToGuest: Flow<S> = {
  id: 'Q7',
  name: 'vhost (in-kernel backend) → guest virtio',
  description: 'vhost adds used buffers, decides with the event index whether the guest wants an interrupt, signals the call eventfd that is also KVM’s irqfd, KVM injects the MSI into the LAPIC, and the guest’s vring_interrupt consumes and re-arms.',
  codebases: ['linux', 'qemu'],
  profiles: [
    { id: 'vhost-irqfd', title: 'vhost + KVM irqfd', description: 'The call eventfd is the irqfd: KVM injects in irqfd_wakeup without QEMU.' },
    { id: 'vhost-qemu-call', title: 'vhost without irqfd', description: 'QEMU’s main loop polls the call eventfd and sends the MSI-X message itself (virtio_irq → msix_notify).' },
  ],
  defaultProfile: 'vhost-irqfd',
  params: [
    { name: 'count', type: 'int', description: 'buffers completed in the batch', default: 1, min: 1, max: 32768 },
    { name: 'event_idx', type: 'bool', description: 'VIRTIO_RING_F_EVENT_IDX negotiated', default: true },
    { name: 'num', type: 'int', description: 'ring size (power of two)', default: 256, min: 1, max: 32768 },
    { name: 'vector', type: 'int', description: 'guest vector of the queue’s MSI-X entry', default: 0x41, min: 16, max: 255 },
    { name: 'consume', type: 'bool', description: 'the guest callback consumes and re-arms (NAPI)', default: true },
  ],
  entry: 'Q7.1',
  steps,
  actions,
  initialState(profile, params) {
    const consumer = profile === 'vhost-qemu-call' ? 'qemu-main-loop' : 'kvm-irqfd';
    return {
      vq: newVirtqueue(params.num as number, params.event_idx as boolean),
      call_ctx: 'guest_notifier',
      guest_notifier: newEventfd(consumer),
      masked_notifier: newEventfd('none'),
      irqfd: msiRoute(24, params.vector as number, 0),
      msix_masked: false,
      vcpu: { lapic: newLapic(), mode: 'IN_GUEST_MODE' },
      interrupts: 0,
    };
  },
  validate(state) {
    const out = [...virtqueueProblems(state.vq, 'vq'), ...lapicProblems(state.vcpu.lapic, 'vcpu.lapic')];
    if ((state.irqfd.data & 0xff) < 16) out.push(`irqfd.data vector = ${state.irqfd.data & 0xff}: vectors 0..15 are illegal for fixed delivery (QR1)`);
    if (state.msix_masked !== (state.call_ctx === 'masked_notifier') && state.call_ctx !== 'none') out.push('call_ctx must be masked_notifier exactly when msix_masked (vhost_virtqueue_mask)');
    return out;
  },
  stateDoc: {
    'vq.{num,event_idx,notify_on_empty}': 'ring size and negotiated features',
    'vq.avail.{flags,idx,used_event}': 'guest-written; used_event = avail->ring[num]',
    'vq.used.{idx,avail_event}': 'device-written',
    'vq.{last_used_idx,signalled_used,signalled_used_valid,last_avail_idx}': 'vhost device state (16-bit indices)',
    'vq.driver.{last_used_idx,cb_disabled,event_triggered}': 'Linux virtio_ring driver state',
    call_ctx: 'guest_notifier | masked_notifier | none',
    'guest_notifier.count, masked_notifier.count': 'eventfd counters',
    'vcpu.lapic.irr, vcpu.mode': 'the target vCPU',
  },
};
