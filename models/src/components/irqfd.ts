// An eventfd bound to a KVM irqfd (with optional resampler), and the VFIO device's interrupt state that signals it
// (flows Q5 and Q6, docs/flows/Q5.md, Q6.md); rules QR14 (MSI decode) and QR27 (MSI-X masking).

export type IrqfdRoute = 'msi' | 'ioapic' | 'none';
export const IRQFD_ROUTES: readonly IrqfdRoute[] = ['msi', 'ioapic', 'none'];

export interface MsiMessage {
  /** addr[19:12] (x2APIC: plus address_hi). */
  dest: number;
  /** data[7:0]. */
  vector: number;
  /** addr[2]: logical when true. */
  logical: boolean;
  /** data[10:8]. */
  delivery: 'fixed' | 'lowest';
  /** data[15]. */
  level_triggered: boolean;
}

export interface IrqfdState {
  /** The eventfd counter (`ctx->count`). */
  count: number;
  /** Registered with KVM (KVM_IRQFD) and not yet shut down. */
  active: boolean;
  /** The routing entry snapshot (`irqfd->irq_entry`): MSI, an IO-APIC pin, or none. */
  route: IrqfdRoute;
  /** The GSI (IO-APIC pin for `ioapic` routes). */
  gsi: number;
  msi: MsiMessage;
  /** A resampling irqfd (level INTx): KVM de-asserts on EOI and signals `resamplefd`. */
  resampler: boolean;
  /** The resamplefd counter: VFIO unmasks the device when it is signalled. */
  resample_count: number;
}

export function newIrqfd(): IrqfdState {
  return {
    count: 0, active: true, route: 'msi', gsi: 24,
    msi: { dest: 0, vector: 0x41, logical: false, delivery: 'fixed', level_triggered: false },
    resampler: false, resample_count: 0,
  };
}

/**
 * `eventfd_signal` on an irqfd's eventfd, then `irqfd_wakeup` (EPOLLIN) → `eventfd_ctx_do_read`: the counter goes
 * up and is read back to 0 by KVM, so several signals before the read collapse into one injection.
 */
export function eventfdSignalIrqfd(f: IrqfdState): string {
  f.count += 1;
  if (!f.active) return `eventfd count := ${f.count}; the irqfd is shut down (EPOLLHUP), nothing injects`;
  const n = f.count;
  f.count = 0;
  return `eventfd_signal (count ${n}) → irqfd_wakeup reads it back to 0`;
}

/** The passed-through device's interrupt state (MSI-X entry mask/PBA, INTx line and VFIO's INTx mask). */
export interface VfioDeviceState {
  /** The guest masked this MSI-X vector: the eventfd is QEMU's `interrupt`, not KVM's (Q6.6, QR27). */
  msix_masked: boolean;
  /** Emulated PBA bit for the vector (set by `vfio_msi_interrupt` while masked). */
  pba: boolean;
  /** INTx: the device asserts its line. */
  intx_asserted: boolean;
  /** INTx: VFIO masked the device after an interrupt (DisINTx / disable_irq_nosync) until the resamplefd fires. */
  intx_masked: boolean;
}

export function newVfioDevice(): VfioDeviceState {
  return { msix_masked: false, pba: false, intx_asserted: false, intx_masked: false };
}

export function irqfdProblems(f: IrqfdState, where: string): string[] {
  const out: string[] = [];
  if (!IRQFD_ROUTES.includes(f.route)) out.push(`${where}.route = ${JSON.stringify(f.route)}: one of ${IRQFD_ROUTES.join(', ')}`);
  if (f.msi.vector < 16 || f.msi.vector > 255) out.push(`${where}.msi.vector = ${f.msi.vector}: MSI vectors are 16..255 (QR1, QR14)`);
  if (f.count < 0 || f.resample_count < 0) out.push(`${where}: eventfd counters cannot be negative`);
  if (f.resampler && f.route === 'msi') out.push(`${where}.resampler is set on an MSI route: resampling irqfds serve level IO-APIC routes only`);
  return out;
}
