// Flow Q8: a QEMU userspace virtio backend → guest: virtqueue flush, virtio_should_notify (event index), the ISR,
// virtio_pci_notify choosing MSI-X or INTx, msix_notify with the PBA for a masked vector, and where the MSI lands.
// Steps Q8.1–Q8.7, rules QR22, QR27 (MSI-X table and PBA).

import { ActionSpec, Flow, Step } from '../../core/types';
import { acceptFixed, LapicState, lapicProblems, newLapic } from '../../components/lapic';
import { EventfdState, eventfdRead, eventfdSignal, newEventfd } from '../../components/eventfd';
import { addUsed, newVirtqueue, shouldNotify, VirtqueueState, virtqueueProblems } from '../../components/virtqueue';
import { qemuLink, linuxLink, numParam } from './qemuFlowKit';

export interface Q8State {
  vq: VirtqueueState;
  /** `vdev->isr` (bit 0: used-buffer notification). */
  isr: number;
  /** The function's INTx level (`pci_set_irq(isr & 1)`). */
  intx_level: number;
  msix: {
    enabled: boolean;
    /** The queue's MSI-X vector; −1 = VIRTIO_NO_VECTOR. */
    queue_vector: number;
    /** Entry mask bit and function mask (`msix_is_masked`). */
    entry_masked: boolean;
    function_masked: boolean;
    /** The PBA bit for the queue vector (`msix_set_pending`). */
    pending: boolean;
    /** The entry's message: guest vector (data[7:0]) and destination. */
    guest_vector: number;
  };
  /** `vq->guest_notifier` used by dataplane devices (`virtio_notify_irqfd`). */
  guest_notifier: EventfdState;
  /** The guest vCPU's LAPIC where the MSI lands. */
  lapic: LapicState;
}

type S = Q8State;
const QEMU_VIRTIO_FILE = 'hw/virtio/virtio.c';

function masked(s: S): boolean {
  return s.msix.entry_masked || s.msix.function_masked;
}

const steps: Step<S>[] = [
  {
    id: 'Q8.1',
    title: 'virtqueue_split_flush',
    role: 'The device completes a request: used idx advanced (mod 2^16), inuse reduced; signalled_used_valid cleared when the index overtakes it (QEMU compares (int16_t)(new − signalled_used), vhost (u16)).',
    component: 'virtqueue',
    operation: 'virtqueue.add-used',
    links: [qemuLink('virtqueue_push', QEMU_VIRTIO_FILE), qemuLink('virtqueue_flush', QEMU_VIRTIO_FILE), qemuLink('virtqueue_split_flush', QEMU_VIRTIO_FILE), qemuLink('vring_used_idx_set', QEMU_VIRTIO_FILE)],
    contracts: [
      { id: 'Q8.1-invalidate', text: 'overtaking signalled_used invalidates it', source: 'QR22', codebase: 'qemu', symbol: 'virtqueue_split_flush', check: { kind: 'mentions', anyOf: ['signalled_used_valid'] } },
    ],
    rules: ['QR22'],
    branches: [
      { name: 'overtook', when: 'used_idx advances past signalled_used: signalled_used_valid := false', next: 'Q8.2' },
      { name: 'flushed', when: 'used_idx advances by the flushed buffers', next: 'Q8.2' },
    ],
    run(ctx) {
      const s = ctx.state;
      s.vq.inuse += numParam(ctx.params, 'count', 1);
      const r = addUsed(s.vq, numParam(ctx.params, 'count', 1), 'qemu');
      return { branch: r.invalidated ? 'overtook' : 'flushed', why: `used_idx ${r.old} → ${r.new}; inuse → ${s.vq.inuse}${r.invalidated ? '; (int16_t)(new − signalled_used) < (uint16_t)(new − old): signalled_used_valid := false' : ''}`, next: 'Q8.2' };
    },
  },
  {
    id: 'Q8.2',
    title: 'virtio_notify(_irqfd)',
    role: 'Main-loop devices call virtio_notify (→ virtio_irq); dataplane/iothread devices call virtio_notify_irqfd (→ the guest notifier eventfd).',
    component: 'virtio',
    links: [qemuLink('virtio_notify', QEMU_VIRTIO_FILE), qemuLink('virtio_notify_irqfd', QEMU_VIRTIO_FILE)],
    branches: [
      { name: 'irqfd', when: 'dataplane device on an iothread: virtio_notify_irqfd', next: 'Q8.3' },
      { name: 'main-loop', when: 'device on the main loop: virtio_notify', next: 'Q8.3' },
    ],
    run(ctx) {
      const dp = ctx.params.dataplane === true;
      return { branch: dp ? 'irqfd' : 'main-loop', why: dp ? 'dataplane device on an iothread: virtio_notify_irqfd' : 'device on the main loop: virtio_notify', next: 'Q8.3', params: { path: dp ? 'irqfd' : 'irq' } };
    },
  },
  {
    id: 'Q8.3',
    title: 'virtio_split_should_notify',
    role: 'QR22: NOTIFY_ON_EMPTY with nothing in flight; without EVENT_IDX the NO_INTERRUPT flag; with it !valid || vring_need_event(used_event, new, old). False → no interrupt.',
    component: 'virtqueue',
    operation: 'virtqueue.should-notify',
    links: [qemuLink('virtio_should_notify', QEMU_VIRTIO_FILE), qemuLink('virtio_split_should_notify', QEMU_VIRTIO_FILE), qemuLink('vring_get_used_event', QEMU_VIRTIO_FILE), qemuLink('vring_need_event', 'include/standard-headers/linux/virtio_ring.h')],
    contracts: [
      { id: 'Q8.3-event-idx', text: 'with EVENT_IDX the decision is vring_need_event(used_event, new, old)', source: 'QR22', codebase: 'qemu', symbol: 'virtio_split_should_notify', check: { kind: 'calls', anyOf: ['vring_need_event'] } },
    ],
    rules: ['QR22'],
    branches: [
      { name: 'not-valid', when: 'signalled_used_valid was false: notify unconditionally (main-loop device)', next: 'Q8.4b' },
      { name: 'not-valid', when: 'signalled_used_valid was false: notify unconditionally (dataplane device)', next: 'Q8.4a' },
      { name: 'suppressed', when: 'VIRTIO_RING_F_EVENT_IDX: used_event is outside [old, new) mod 2^16: no notification', next: null },
      { name: 'need-event', when: 'used_event lies in [old, new) mod 2^16: notify (main-loop device)', next: 'Q8.4b' },
      { name: 'need-event', when: 'used_event lies in [old, new) mod 2^16: notify (dataplane device)', next: 'Q8.4a' },
    ],
    run(ctx) {
      const s = ctx.state;
      const d = shouldNotify(s.vq, 'qemu');
      if (!d.notify) {
        ctx.emit({ kind: 'note', target: 'vq', what: `used idx ${s.vq.used.idx}`, detail: `interrupt suppressed: ${d.why}` });
        return { branch: d.branch, why: d.why, next: null };
      }
      return { branch: d.branch, why: d.why, next: ctx.params.path === 'irqfd' ? 'Q8.4a' : 'Q8.4b' };
    },
  },
  {
    id: 'Q8.4a',
    title: 'virtio_notify_irqfd',
    role: 'Sets ISR bit 0 (for old Windows drivers) and signals the guest notifier: KVM’s irqfd injects directly (kvm-inkernel), or without one QEMU’s main loop reads it (virtio_queue_guest_notifier_read → virtio_irq).',
    component: 'eventfd',
    links: [qemuLink('virtio_notify_irqfd', QEMU_VIRTIO_FILE), qemuLink('virtio_set_isr', QEMU_VIRTIO_FILE), qemuLink('virtio_queue_guest_notifier_read', QEMU_VIRTIO_FILE), linuxLink('irqfd_wakeup', 'virt/kvm/eventfd.c')],
    branches: [
      { name: 'kvm-irqfd', when: 'ISR |= 1; event_notifier_set(guest_notifier): KVM\'s irqfd_wakeup reads it and injects the MSI route (Q6.2)', next: 'Q8.7' },
      { name: 'main-loop-read', when: 'ISR |= 1; event_notifier_set(guest_notifier) with no irqfd: the main loop\'s virtio_queue_guest_notifier_read clears it and calls virtio_irq', next: 'Q8.4b' },
    ],
    run(ctx) {
      const s = ctx.state;
      s.isr |= 1;
      const who = eventfdSignal(s.guest_notifier, 1);
      if (who === 'kvm-irqfd') {
        eventfdRead(s.guest_notifier);
        return { branch: 'kvm-irqfd', why: 'ISR |= 1; event_notifier_set(guest_notifier): KVM irqfd_wakeup reads it and injects the MSI route (Q6.2)', next: 'Q8.7', params: { landed: 'irqfd' } };
      }
      eventfdRead(s.guest_notifier);
      return { branch: 'main-loop-read', why: 'ISR |= 1; event_notifier_set(guest_notifier): no irqfd, the main loop’s virtio_queue_guest_notifier_read clears it and calls virtio_irq', next: 'Q8.4b' };
    },
  },
  {
    id: 'Q8.4b',
    title: 'virtio_irq → virtio_notify_vector',
    role: 'Sets ISR bit 0 and asks the transport to notify the queue’s vector.',
    component: 'virtio',
    links: [qemuLink('virtio_irq', QEMU_VIRTIO_FILE), qemuLink('virtio_set_isr', QEMU_VIRTIO_FILE), qemuLink('virtio_notify_vector', QEMU_VIRTIO_FILE)],
    branches: [
      { name: 'notify-vector', when: 'ISR |= 1; virtio_notify_vector(the queue\'s vector)', next: 'Q8.5' },
    ],
    run(ctx) {
      ctx.state.isr |= 1;
      return { branch: 'notify-vector', why: `ISR |= 1; virtio_notify_vector(queue vector ${ctx.state.msix.queue_vector})`, next: 'Q8.5' };
    },
  },
  {
    id: 'Q8.5',
    title: 'virtio_pci_notify',
    role: 'MSI-X enabled with a vector → msix_notify; otherwise level INTx pci_set_irq(isr & 1), de-asserted when the guest reads the ISR.',
    component: 'virtio-pci',
    links: [qemuLink('virtio_pci_notify', 'hw/virtio/virtio-pci.c'), qemuLink('pci_set_irq', 'hw/pci/pci.c'), qemuLink('virtio_pci_isr_read', 'hw/virtio/virtio-pci.c')],
    branches: [
      { name: 'msix', when: 'MSI-X enabled and the queue has a vector: msix_notify', next: 'Q8.6' },
      { name: 'intx', when: 'VIRTIO_NO_VECTOR or MSI-X disabled: pci_set_irq(ISR bit 0), a level INTx (Q1.0)', next: null },
    ],
    run(ctx) {
      const s = ctx.state;
      if (s.msix.enabled && s.msix.queue_vector >= 0) return { branch: 'msix', why: `MSI-X enabled, queue vector ${s.msix.queue_vector}: msix_notify`, next: 'Q8.6' };
      s.intx_level = s.isr & 1;
      ctx.emit({ kind: 'pending', target: 'intx', what: 'INTx', detail: `pci_set_irq(${s.intx_level}): a level line into Q1 (IO-APIC), lowered when the guest reads the ISR (vp_interrupt)` });
      return { branch: 'intx', why: `${s.msix.enabled ? 'VIRTIO_NO_VECTOR' : 'MSI-X disabled'}: pci_set_irq(isr & 1 = ${s.intx_level}), level INTx (Q1.0)`, next: null };
    },
  },
  {
    id: 'Q8.6',
    title: 'msix_notify',
    role: 'QR27: a masked vector (entry or function mask) sets its PBA bit instead of firing and is re-sent by msix_handle_mask_update on unmask; else msix_get_message → msi_send_message → pci_msi_trigger (an MSI write).',
    component: 'msix',
    operation: 'msix.notify',
    links: [
      qemuLink('msix_notify', 'hw/pci/msix.c'),
      qemuLink('msix_is_masked', 'hw/pci/msix.c'),
      qemuLink('msix_set_pending', 'hw/pci/msix.c'),
      qemuLink('msix_handle_mask_update', 'hw/pci/msix.c'),
      qemuLink('msix_get_message', 'hw/pci/msix.c'),
      qemuLink('msi_send_message', 'hw/pci/msi.c'),
      qemuLink('pci_msi_trigger', 'hw/pci/pci.c'),
      qemuLink('msi_notify', 'hw/pci/msi.c', { note: 'plain MSI: the per-vector mask bit latches a pending bit the same way' }),
    ],
    contracts: [
      { id: 'Q8.6-pba', text: 'a masked MSI-X vector latches into the PBA instead of being lost', source: 'QR27', codebase: 'qemu', symbol: 'msix_notify', check: { kind: 'calls', anyOf: ['msix_set_pending'] } },
      { id: 'Q8.6-unmask', text: 'unmasking a vector with its PBA bit set sends it', source: 'QR27', codebase: 'qemu', symbol: 'msix_handle_mask_update', check: { kind: 'calls', anyOf: ['msix_notify'] } },
    ],
    rules: ['QR27'],
    branches: [
      { name: 'unmask-idle', when: 'entry unmasked; PBA bit clear: nothing to send', next: null },
      { name: 'unmask-still-masked', when: 'entry unmasked but the function mask is still set: stays pending', next: null },
      { name: 'unmask-send', when: 'msix_handle_mask_update: entry now unmasked and its PBA bit is set → clear it, msix_notify sends the message', next: 'Q8.7' },
      { name: 'unused', when: 'vector not in use: return', next: null },
      { name: 'masked-pending', when: 'the entry or the function is masked: msix_set_pending sets the PBA bit', next: null },
      { name: 'send', when: 'the entry is unmasked: msix_get_message → msi_send_message → pci_msi_trigger', next: 'Q8.7' },
    ],
    run(ctx) {
      const s = ctx.state;
      if (ctx.params.op === 'unmask') {
        s.msix.entry_masked = false;
        if (ctx.params.function_mask === false) s.msix.function_masked = false;
        if (!s.msix.pending) return { branch: 'unmask-idle', why: 'entry unmasked; PBA bit clear: nothing to send', next: null };
        if (masked(s)) return { branch: 'unmask-still-masked', why: 'entry unmasked but the function mask is still set: stays pending', next: null };
        s.msix.pending = false;
        return { branch: 'unmask-send', why: 'msix_handle_mask_update: entry now unmasked and its PBA bit is set → clear it, msix_notify sends the message', next: 'Q8.7' };
      }
      if (s.msix.queue_vector < 0) return { branch: 'unused', why: 'vector not in use: return', next: null };
      if (masked(s)) {
        s.msix.pending = true;
        ctx.emit({ kind: 'pending', target: 'msix-pba', what: `vector ${s.msix.queue_vector}`, detail: 'masked: PBA bit set; sent on unmask (not lost, unlike a masked edge IO-APIC pin)' });
        return { branch: 'masked-pending', why: `${s.msix.entry_masked ? 'entry' : 'function'} mask set: msix_set_pending (PBA bit ${s.msix.queue_vector} := 1)`, next: null };
      }
      return { branch: 'send', why: `msix_get_message(${s.msix.queue_vector}) → msi_send_message → pci_msi_trigger: MSI data vector 0x${s.msix.guest_vector.toString(16)}`, next: 'Q8.7' };
    },
  },
  {
    id: 'Q8.7',
    title: 'MSI lands (apic-msi / KVM)',
    role: 'TCG: the "apic-msi" region → apic_send_msi → apic_set_irq (Q1.6). KVM in-kernel LAPIC: "kvm-apic-msi" → kvm_send_msi → kvm_irqchip_send_msi → KVM_SIGNAL_MSI → kvm_set_msi (Q3.1). The guest then runs vring_interrupt.',
    component: 'lapic',
    operation: 'lapic.accept',
    links: [
      qemuLink('apic_mem_write', 'hw/intc/apic.c'),
      qemuLink('apic_send_msi', 'hw/intc/apic.c'),
      qemuLink('kvm_apic_mem_write', 'hw/i386/kvm/apic.c'),
      qemuLink('kvm_send_msi', 'hw/i386/kvm/apic.c'),
      qemuLink('kvm_irqchip_send_msi', 'accel/kvm/kvm-all.c'),
      linuxLink('kvm_send_userspace_msi', 'virt/kvm/irqchip.c'),
      linuxLink('vring_interrupt', 'drivers/virtio/virtio_ring.c'),
    ],
    branches: [
      { name: 'kvm-irqfd', when: 'through KVM\'s irqfd: IRR[vector] set (or merged), TMR := 0 (MSI edge)', next: null },
      { name: 'kvm-signal-msi', when: 'through KVM_SIGNAL_MSI: IRR[vector] set (or merged), TMR := 0 (MSI edge)', next: null },
      { name: 'tcg-apic', when: 'into QEMU\'s own APIC (TCG): IRR[vector] set (or merged), TMR := 0 (MSI edge)', next: null },
    ],
    run(ctx) {
      const s = ctx.state;
      const v = s.msix.guest_vector;
      const coalesced = acceptFixed(s.lapic, v, false);
      const via = ctx.params.landed === 'irqfd'
        ? 'KVM irqfd MSI route → kvm_set_msi_irq → __apic_accept_irq'
        : ctx.profile === 'kvm-inkernel'
          ? 'kvm_apic_mem_write → kvm_send_msi → kvm_irqchip_send_msi → KVM_SIGNAL_MSI → kvm_send_userspace_msi → kvm_set_msi'
          : 'apic_mem_write ("apic-msi") → apic_send_msi → apic_deliver_irq → apic_set_irq';
      ctx.emit({ kind: 'delivered', target: 'vcpu0', handler: 'vring_interrupt', what: `vector 0x${v.toString(16)}`, detail: `${via}; IRR[0x${v.toString(16)}]${coalesced ? ' coalesced' : ''}` });
      return { branch: ctx.params.landed === 'irqfd' ? 'kvm-irqfd' : ctx.profile === 'kvm-inkernel' ? 'kvm-signal-msi' : 'tcg-apic', why: `${via}: IRR[0x${v.toString(16)}]${coalesced ? ' was already set' : ' := 1'}, TMR := 0 (MSI edge)`, next: null };
    },
  },
];

const actions: ActionSpec<S>[] = [
  { name: 'complete', description: 'the device completes requests (Q8.1)', from: 'Q8.1', params: [{ name: 'count', type: 'int', description: 'buffers', default: 1, min: 1, max: 32768 }] },
  {
    name: 'mask-vector', description: 'the guest sets the MSI-X entry mask (or the function mask)', params: [{ name: 'function_mask', type: 'bool', description: 'mask the whole function instead', default: false }],
    apply(state, p) {
      if (p.function_mask) state.msix.function_masked = true;
      else state.msix.entry_masked = true;
      return `${p.function_mask ? 'function' : `entry ${state.msix.queue_vector}`} mask := 1`;
    },
  },
  { name: 'unmask-vector', description: 'the guest clears the entry mask (msix_handle_mask_update, Q8.6)', from: 'Q8.6', params: [{ name: 'op', type: 'enum', description: 'operation', default: 'unmask', values: ['unmask'] }, { name: 'function_mask', type: 'bool', description: 'also clear the function mask', default: false }] },
  {
    name: 'read-isr', description: 'the guest reads the ISR (vp_interrupt): read-to-clear, de-asserts INTx', params: [],
    apply(state) {
      const v = state.isr;
      state.isr = 0;
      state.intx_level = 0;
      return `ISR read = ${v}, cleared; INTx de-asserted`;
    },
  },
];

export const q8QemuVirtioToGuest: Flow<S> = {
  id: 'Q8',
  name: 'QEMU userspace virtio backend → guest',
  description: 'A QEMU virtio device flushes used buffers, decides with the event index whether to notify, sets the ISR, and notifies through MSI-X (masked vectors latch into the PBA) or INTx; the MSI lands in the TCG APIC or, with KVM, in the in-kernel LAPIC.',
  codebases: ['qemu', 'linux'],
  profiles: [
    { id: 'qemu-tcg', title: 'QEMU 7.2 TCG', description: 'The MSI write lands in QEMU’s "apic-msi" region; no irqfd (dataplane notifiers are read by the main loop).' },
    { id: 'kvm-inkernel', title: 'KVM in-kernel LAPIC', description: 'The MSI goes to KVM via KVM_SIGNAL_MSI; dataplane notifiers are KVM irqfds.' },
  ],
  defaultProfile: 'qemu-tcg',
  params: [
    { name: 'count', type: 'int', description: 'buffers completed', default: 1, min: 1, max: 32768 },
    { name: 'event_idx', type: 'bool', description: 'VIRTIO_RING_F_EVENT_IDX negotiated', default: true },
    { name: 'dataplane', type: 'bool', description: 'the device runs on an iothread (virtio_notify_irqfd)', default: false },
    { name: 'msix', type: 'bool', description: 'MSI-X enabled (else INTx)', default: true },
    { name: 'vector', type: 'int', description: 'guest vector in the queue’s MSI-X entry', default: 0x42, min: 16, max: 255 },
  ],
  entry: 'Q8.1',
  steps,
  actions,
  initialState(profile, params) {
    return {
      vq: newVirtqueue(256, params.event_idx as boolean),
      isr: 0,
      intx_level: 0,
      msix: { enabled: params.msix as boolean, queue_vector: 1, entry_masked: false, function_masked: false, pending: false, guest_vector: params.vector as number },
      guest_notifier: newEventfd(profile === 'kvm-inkernel' ? 'kvm-irqfd' : 'qemu-main-loop'),
      lapic: newLapic(),
    };
  },
  validate(state) {
    const out = [...virtqueueProblems(state.vq, 'vq'), ...lapicProblems(state.lapic, 'lapic')];
    if (state.msix.guest_vector < 16 || state.msix.guest_vector > 255) out.push(`msix.guest_vector = ${state.msix.guest_vector}: vectors 0..15 are illegal for fixed delivery (QR1)`);
    if (state.msix.queue_vector < -1 || state.msix.queue_vector > 2047) out.push(`msix.queue_vector = ${state.msix.queue_vector}: an MSI-X table has at most 2048 entries (−1 = VIRTIO_NO_VECTOR)`);
    return out;
  },
  stateDoc: {
    'vq.*': 'split-ring notification state (see Q7); QEMU’s used_idx is vq.last_used_idx, plus vq.inuse',
    isr: 'vdev->isr, read-to-clear',
    'msix.{enabled,queue_vector,entry_masked,function_masked,pending,guest_vector}': 'the queue’s MSI-X entry and PBA bit',
    'lapic.irr': 'where the MSI lands',
  },
};
