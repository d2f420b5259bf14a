// An eventfd counter and who waits on it (a KVM irqfd, QEMU's main loop, nobody), plus the irqfd's MSI route.
// Steps Q7.0/Q7.3/Q7.5 and Q8.4a (docs/flows/Q7.md, Q8.md); mirrors Linux `eventfd_signal`/`eventfd_ctx_do_read`
// (fs/eventfd.c) and KVM `irqfd_wakeup` (virt/kvm/eventfd.c), QEMU `event_notifier_set`/`event_notifier_test_and_clear`.

import { ModelError } from '../core/types';

/** Who polls the fd: KVM's irqfd wait-queue entry, QEMU's main-loop fd handler, or nobody. */
export type EventfdConsumer = 'kvm-irqfd' | 'qemu-main-loop' | 'none';

export interface EventfdState {
  /** The 64-bit counter (small numbers here). */
  count: number;
  consumer: EventfdConsumer;
}

export function newEventfd(consumer: EventfdConsumer): EventfdState {
  return { count: 0, consumer };
}

/** `eventfd_signal(ctx, n)`: add to the counter and wake the poller (EPOLLIN). Returns who was woken. */
export function eventfdSignal(fd: EventfdState, n = 1): EventfdConsumer {
  if (!Number.isInteger(n) || n < 1) throw new ModelError(`eventfd_signal n = ${n}: must be a positive integer`, 'n');
  fd.count += n;
  return fd.consumer;
}

/** `eventfd_ctx_do_read` / `event_notifier_test_and_clear`: take the whole count. Several signals collapse into one read. */
export function eventfdRead(fd: EventfdState): number {
  const c = fd.count;
  fd.count = 0;
  return c;
}

/** The MSI message a KVM irqfd's GSI routes to (`kvm_irqchip_add_msi_route` from QEMU's MSI-X entry). */
export interface MsiRoute {
  gsi: number;
  /** `0xFEE00000 | dest<<12 | dest_mode<<2`. */
  address: number;
  /** `vector | delivery_mode<<8 | trigger<<15`. */
  data: number;
}

/** QR14: decode an MSI (QEMU `apic_send_msi`, KVM `kvm_set_msi_irq`). */
export function decodeMsi(address: number, data: number): { dest: number; dest_mode: number; vector: number; delivery_mode: number; trig_mode: number } {
  if ((address >>> 20) !== 0xfee) throw new ModelError(`MSI address 0x${(address >>> 0).toString(16)} is not in the 0xFEExxxxx interrupt window`, 'address');
  return {
    dest: (address >>> 12) & 0xff,
    dest_mode: (address >>> 2) & 1,
    vector: data & 0xff,
    delivery_mode: (data >>> 8) & 7,
    trig_mode: (data >>> 15) & 1,
  };
}

export function msiRoute(gsi: number, vector: number, dest = 0): MsiRoute {
  return { gsi, address: (0xfee00000 | (dest << 12)) >>> 0, data: vector };
}
