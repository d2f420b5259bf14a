// The QEMU-TCG PC machine state shared by flows Q1, Q2 and Q8: the interrupting device and its PCI INTx
// wiring, the i8259 pair, the IO-APIC, the vCPUs with their userspace APICs, and the thread now running.
// QEMU's APIC and IO-APIC state; steps Q1.0–Q1.3. Example vectors are what a Linux guest might program; Linux picks
// them in `x86_vector_activate` (Q11.9), so scenarios may set others.

import { ModelError, OutcomeEvent, ParamSpec } from '../../core/types';
import { reportWoken } from '../../core/wake';
import { I8259State, i8259Problems, newI8259 } from '../../components/i8259';
import { DM_FIXED, IoapicState, ioapicProblems, newIoapic, newRte } from '../../components/ioapic';
import { lapicProblems } from '../../components/lapic';
import { newTcgCpu, TcgCpu, tcgCpuProblems, vcpuThread } from '../../components/tcgCpu';

export type Source = 'isa' | 'pci-i440fx' | 'pci-q35';

export interface TcgMachine {
  /** The thread executing the current step: a device model on the main loop / an iothread, or a vCPU thread. */
  thread: string;
  device: {
    source: Source;
    /** Work the guest handler must still consume before the device lowers its line. */
    events: number;
    /** The device never lowers its line (a stuck or mis-acknowledged device): the EOI storm of QR10. */
    stuck: boolean;
  };
  /** PCI INTx wiring (`pci_irq_handler`, `piix3_set_irq_level`, `ich9_lpc_set_irq`). */
  pci: {
    /** The device's INTx state bit (`pci_irq_state`). */
    irq_state: number;
    /** `PCI_COMMAND_INTX_DISABLE` in the device's command register. */
    intx_disable: boolean;
    /** `bus->irq_count[pirq]`: devices asserting each PIRQ. */
    irq_count: number[];
    /** PIIX3 PIRQ route registers (`config[PIIX_PIRQCA+pirq]`), as SeaBIOS programs them; ≥ 16 = disabled. */
    pirq_route: number[];
  };
  pic: I8259State;
  ioapic: IoapicState;
  cpus: TcgCpu[];
  guest: {
    /** Handler runs so far (guards a stuck line from looping forever in one run). */
    handled: number;
  };
}

/** Parameters every TCG-machine flow reads. */
export const MACHINE_PARAMS: ParamSpec[] = [
  { name: 'cpus', type: 'int', description: 'number of vCPUs (each with its APIC)', default: 1, min: 1, max: 4 },
  { name: 'from_thread', type: 'enum', description: 'thread that raises the interrupt (QR16): a device on the main loop, or a vCPU thread doing MMIO', default: 'main-loop', values: ['main-loop', 'iothread', 'vcpu0', 'vcpu1', 'vcpu2', 'vcpu3'] },
];

const LEVEL_ISA = [5, 9, 10, 11];

/** A Linux-on-QEMU IO-APIC: ISA pins edge (5, 9, 10, 11 level per QEMU's MADT), 16–23 level; logical dest CPU 0. */
export function linuxRtes(io: IoapicState): void {
  for (let pin = 1; pin < 24; pin++) {
    if (pin === 2 || pin === 0) continue;
    const level = pin >= 16 || LEVEL_ISA.includes(pin);
    io.ioredtbl[pin] = newRte({ vector: pin < 16 ? 0x30 + pin : 0x40 + pin, delivery_mode: DM_FIXED, dest_mode: 1, dest: 0x01, trig_mode: level ? 1 : 0, mask: 0 });
  }
  // ISA IRQ0 (PIT) arrives on pin 2 (QEMU `ioapic_set_irq` remap, MADT override IRQ0 → GSI2).
  io.ioredtbl[2] = newRte({ vector: 0x30, dest_mode: 1, dest: 0x01, trig_mode: 0, mask: 0 });
}

export function newTcgMachine(profile: string, cpus: number, thread: string, source: Source = 'isa', events = 1): TcgMachine {
  const ioapic = newIoapic(profile === 'sdm' ? 'sdm' : 'qemu-tcg');
  linuxRtes(ioapic);
  return {
    thread,
    device: { source, events, stuck: false },
    pci: { irq_state: 0, intx_disable: false, irq_count: new Array<number>(8).fill(0), pirq_route: [10, 10, 11, 11] },
    pic: newI8259(),
    ioapic,
    cpus: Array.from({ length: cpus }, (_, i) => newTcgCpu(i, profile)),
    guest: { handled: 0 },
  };
}

export function machineProblems(m: TcgMachine, profile: string): string[] {
  const out = [...ioapicProblems(m.ioapic, 'ioapic'), ...i8259Problems(m.pic, 'pic')];
  m.cpus.forEach((c, i) => {
    out.push(...lapicProblems(c.lapic, `cpus.${i}.lapic`), ...tcgCpuProblems(c, `cpus.${i}`));
    if (profile === 'qemu-tcg' && c.lapic.svr_directed_eoi) out.push(`cpus.${i}.lapic.svr_directed_eoi: QEMU-TCG stores SVR & 0x1ff, bit 12 can never be 1 (QR13)`);
    if (profile === 'qemu-tcg' && c.lapic.lvr_directed_eoi) out.push(`cpus.${i}.lapic.lvr_directed_eoi: QEMU's APIC version register never sets bit 24 (QR13)`);
  });
  const ids = m.cpus.map((c) => c.id);
  if (new Set(ids).size !== ids.length) out.push(`cpus: APIC IDs must be distinct (${ids.join(', ')})`);
  if (m.pci.pirq_route.some((r) => !Number.isInteger(r) || r < 0 || r > 255)) out.push('pci.pirq_route entries are 8-bit route registers');
  const t = m.thread;
  if (t.startsWith('vcpu') && Number(t.slice(4)) >= m.cpus.length) out.push(`thread ${t} names a vCPU that does not exist (cpus = ${m.cpus.length})`);
  return out;
}

/** Look up a vCPU or fail naming the field (bad input must never produce a wrong trace). */
export function cpuAt(m: TcgMachine, index: number, field = 'cpu'): TcgCpu {
  const c = m.cpus[index];
  if (!c) throw new ModelError(`${field} = ${index}: no such vCPU (cpus 0..${m.cpus.length - 1})`, field);
  return c;
}

/**
 * accel/tcg/cpu-exec.c cpu_handle_halt: a halted vCPU that has work (cpu_has_work: an interrupt request it can take)
 * clears cpu->halted and runs again. The wake is reported like every other vCPU wake-up.
 */
export function leaveHalt(cpu: TcgCpu, emit: (e: OutcomeEvent) => void, why: string): void {
  if (!cpu.halted) return;
  cpu.halted = false;
  reportWoken(emit, { target: vcpuThread(cpu), by: 'cpu_handle_halt', detail: why });
}
