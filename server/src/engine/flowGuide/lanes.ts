// The column of the sequence diagram a step belongs to, from the model component whose state it touches.
// One table for every flow, so the simulation panel draws Xen, QEMU and KVM paths with the same lanes.
import type { Lane } from '../../protocol/flowMessages';

const laneByComponent: Record<string, Lane> = {
  // Devices and the lines they drive.
  'pci-intx': 'device', 'qemu-irq': 'device', gsi: 'device', msix: 'device', virtio: 'device', 'virtio-pci': 'device', virtqueue: 'device',
  // Interrupt controllers in front of the local APIC.
  ioapic: 'ioapic', vioapic: 'ioapic', i8259: 'ioapic',
  // Local APICs, real or virtual, and what feeds them directly.
  lapic: 'lapic', vlapic: 'lapic', apicv: 'lapic', 'qemu-apic-timer': 'lapic', kvm_timer: 'lapic', pi_desc: 'lapic', pv_eoi: 'lapic',
  // The Xen hypervisor's own state.
  evtchn: 'xen', 'evtchn-2l': 'xen', 'evtchn-fifo': 'xen', 'xen-sched': 'xen', 'vcpu-info': 'xen', pirq: 'xen', 'hvm-callback': 'xen', 'xen-time': 'xen', 'xen-irq': 'xen',
  // Host kernel plumbing between a backend and KVM.
  eventfd: 'host', irqfd: 'host', vhost: 'host', irte: 'host',
  // Entering the guest: injection, bounce frames, TCG's interrupt check.
  vcpu: 'vcpu', 'tcg-cpu': 'vcpu', 'hvm-entry': 'vcpu', 'pv-entry': 'vcpu',
  // The guest kernel.
  guest: 'guest', 'linux-guest': 'guest', 'linux-ioapic': 'guest', 'linux-evtchn': 'guest', 'linux-evtchn-fifo': 'guest', 'linux-entry': 'guest',
  'linux-irq': 'guest', 'linux-time': 'guest', 'linux-smp': 'guest',
};

/** The lane of a step's component; a component not in the table falls back by its name (linux-* is the guest). */
export function laneOf(component: string): Lane {
  return laneByComponent[component] ?? (component.startsWith('linux') ? 'guest' : component === 'scenario' ? 'guest' : 'host');
}

/** True when the table names the component (a test checks every model component is named, not guessed). */
export function hasLaneEntry(component: string): boolean {
  return component in laneByComponent;
}
