// Helpers for the LAPIC tests: a QEMU-TCG vCPU whose pending vector becomes blocked before INTA (QR5).
import { newTcgCpu, cpuGetPicInterrupt } from '../../models/src/components/tcgCpu';
import { acceptFixed } from '../../models/src/components/lapic';

export function apicGetInterruptLike(): { intno: number; isr: number[] } {
  const cpu = newTcgCpu(0, 'qemu-tcg');
  acceptFixed(cpu.lapic, 0x41, false);
  // The guest raised TPR after the CPU saw HARD but before INTA: class 4 no longer beats PPR 0x50.
  cpu.lapic.tpr = 0x50;
  const g = cpuGetPicInterrupt(cpu, undefined, 'qemu');
  return { intno: g.intno, isr: [...cpu.lapic.isr] };
}
