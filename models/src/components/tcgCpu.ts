// A QEMU-TCG vCPU with its userspace local APIC: `interrupt_request` (HARD/POLL/NMI/SMI/INIT), IF, the
// interrupt shadow, halt, the raw LVT array, and QEMU's APIC glue (`apic_update_irq`, `apic_irq_pending`,
// `apic_get_interrupt`, `apic_accept_pic_intr`, the delivery bitmask, `cpu_interrupt`, `x86_cpu_pending_interrupt`).
// Mirrors QEMU's `APICCommonState` (include/hw/i386/apic_internal.h); steps Q1.6–Q1.11, rules QR3, QR5, QR6, QR15, QR16. The architectural registers live in LapicState.

import { ModelError } from '../core/types';
import { acceptFixed, acceptMessage, computePpr, deliverableVector, highest, LapicState, newLapic, addBit, clearBit } from './lapic';
import { I8259State, picGetOutput, picReadIrq } from './i8259';

export type CpuInterrupt = 'HARD' | 'POLL' | 'NMI' | 'SMI' | 'INIT' | 'SIPI';

/** LVT indices of QEMU's `lvt[6]` (APIC_LVT_TIMER … APIC_LVT_ERROR). */
export const LVT_TIMER = 0;
export const LVT_THERMAL = 1;
export const LVT_PERF = 2;
export const LVT_LINT0 = 3;
export const LVT_LINT1 = 4;
export const LVT_ERROR = 5;
export const LVT_NAMES = ['timer', 'thermal', 'perf', 'lint0', 'lint1', 'error'];
export const APIC_LVT_MASKED = 1 << 16;
export const APIC_LVT_TIMER_PERIODIC = 1 << 17;
export const APIC_LVT_LEVEL_TRIGGER = 1 << 15;

export interface TcgCpu {
  /** `cpu_index`; also the index into `local_apics[]`. */
  index: number;
  /** xAPIC ID (`APICCommonState.id`). */
  id: number;
  /** LDR[31:24] (`log_dest`) and DFR[31:28] (`dest_mode`: 0xf flat, 0x0 cluster). */
  log_dest: number;
  dest_mode: number;
  /** IA32_APIC_BASE[11]: global enable (once cleared cannot be set again). */
  apicbase_enable: boolean;
  /** QEMU's raw `lvt[6]`; the LapicState's lvt_* fields are decoded from it. */
  lvt: number[];
  lapic: LapicState;
  /** `cs->interrupt_request`, as a sorted list of names. */
  interrupt_request: CpuInterrupt[];
  /** RFLAGS.IF. */
  eflags_if: boolean;
  /** `HF_INHIBIT_IRQ_MASK`: the STI / MOV SS shadow. */
  inhibit_irq: boolean;
  halted: boolean;
  /** Vectors whose guest handler is running on this vCPU (innermost last), so `iret` can restore IF. */
  in_handler: number[];
}

/** QEMU reset LVT value is `APIC_LVT_MASKED`; these are a Linux 6.1 guest's values after `setup_local_APIC` (Q11.3). */
export const LINUX_LVT = [0xec, 0x10000, 0x10000, 0x10700, 0x400, 0xfe];

export function newTcgCpu(index: number, profile: string): TcgCpu {
  const lapic = newLapic();
  // SDM profile: an APIC that advertises EOI-broadcast suppression (LVR[24]); QEMU-TCG never does (QR13).
  lapic.lvr_directed_eoi = profile === 'sdm';
  const cpu: TcgCpu = {
    index,
    id: index,
    log_dest: 1 << index,
    dest_mode: 0xf,
    apicbase_enable: true,
    lvt: [...LINUX_LVT],
    lapic,
    interrupt_request: [],
    eflags_if: true,
    inhibit_irq: false,
    halted: false,
    in_handler: [],
  };
  syncLvt(cpu);
  return cpu;
}

/** Decode QEMU's raw LVT words into the LapicState fields a reader compares across models. */
export function syncLvt(cpu: TcgCpu): void {
  const dm = (v: number): 'fixed' | 'extint' | 'nmi' => (((v >> 8) & 7) === 7 ? 'extint' : ((v >> 8) & 7) === 4 ? 'nmi' : 'fixed');
  const t = cpu.lvt[LVT_TIMER];
  const mode = ((t >> 17) & 3) === 1 ? 'periodic' : ((t >> 17) & 3) === 2 ? 'tsc-deadline' : 'oneshot';
  cpu.lapic.lvt_timer = { vector: t & 0xff, masked: (t & APIC_LVT_MASKED) !== 0, mode };
  cpu.lapic.lvt_lint0 = { vector: cpu.lvt[LVT_LINT0] & 0xff, masked: (cpu.lvt[LVT_LINT0] & APIC_LVT_MASKED) !== 0, mode: dm(cpu.lvt[LVT_LINT0]) };
  cpu.lapic.lvt_lint1 = { vector: cpu.lvt[LVT_LINT1] & 0xff, masked: (cpu.lvt[LVT_LINT1] & APIC_LVT_MASKED) !== 0, mode: dm(cpu.lvt[LVT_LINT1]) };
}

/** Human decode of one raw LVT word (as in a `[0=236] [1=65536] …` dump of the LVT array). */
export function decodeLvt(index: number, v: number): string {
  const dms: Record<number, string> = { 0: 'fixed', 2: 'SMI', 4: 'NMI', 5: 'INIT', 7: 'ExtINT' };
  const parts = [`${LVT_NAMES[index] ?? `lvt${index}`}=0x${v.toString(16)}`, `vector ${v & 0xff}`, dms[(v >> 8) & 7] ?? `mode ${(v >> 8) & 7}`];
  if (index === LVT_TIMER) parts.push(((v >> 17) & 3) === 1 ? 'periodic' : ((v >> 17) & 3) === 2 ? 'tsc-deadline' : 'one-shot');
  if ((index === LVT_LINT0 || index === LVT_LINT1) && v & APIC_LVT_LEVEL_TRIGGER) parts.push('level');
  parts.push(v & APIC_LVT_MASKED ? 'masked' : 'unmasked');
  return parts.join(' ');
}

export function setRequest(cpu: TcgCpu, r: CpuInterrupt): void {
  if (!cpu.interrupt_request.includes(r)) {
    cpu.interrupt_request.push(r);
    cpu.interrupt_request.sort();
  }
}
export function clearRequest(cpu: TcgCpu, r: CpuInterrupt): void {
  const i = cpu.interrupt_request.indexOf(r);
  if (i >= 0) cpu.interrupt_request.splice(i, 1);
}

/** `cpu_interrupt` → `tcg_handle_interrupt`: set the bit; from another thread, kick (wakes a halted vCPU). */
export function cpuInterrupt(cpu: TcgCpu, r: CpuInterrupt, thread: string): 'kick' | 'self' {
  setRequest(cpu, r);
  return thread === vcpuThread(cpu) ? 'self' : 'kick';
}

export const vcpuThread = (cpu: TcgCpu): string => `vcpu${cpu.index}`;

/** QEMU `apic_irq_pending`: 0 none, −1 blocked by PPR, else the vector (QR3, QEMU form). */
export function apicIrqPending(cpu: TcgCpu, form: 'qemu' | 'sdm'): number {
  const l = cpu.lapic;
  if (!l.svr_enabled) return 0;
  const v = highest(l.irr);
  if (v < 0) return 0;
  return deliverableVector(l, form) === v ? v : -1;
}

/** QEMU `apic_accept_pic_intr`: the APIC takes the 8259's output when globally disabled or LINT0 is unmasked. */
export function apicAcceptPicIntr(cpu: TcgCpu): boolean {
  return !cpu.apicbase_enable || (cpu.lvt[LVT_LINT0] & APIC_LVT_MASKED) === 0;
}

export interface UpdateIrq {
  branch: 'poll' | 'hard' | 'reset-hard' | 'keep-hard';
  why: string;
}

/** QR16, Q1.8: QEMU `apic_update_irq`. From another thread only POLL is posted; on the vCPU thread QR3 decides. */
export function apicUpdateIrq(cpu: TcgCpu, thread: string, pic: I8259State | undefined, form: 'qemu' | 'sdm'): UpdateIrq {
  if (thread !== vcpuThread(cpu)) {
    setRequest(cpu, 'POLL');
    return { branch: 'poll', why: `running on ${thread}, not ${vcpuThread(cpu)} (qemu_cpu_is_self false): post CPU_INTERRUPT_POLL and kick` };
  }
  const p = apicIrqPending(cpu, form);
  if (p > 0) {
    setRequest(cpu, 'HARD');
    const ppr = computePpr(cpu.lapic);
    const test = p < 16 && form === 'qemu' ? 'PPR is 0, so apic_irq_pending presents even a class-0 vector' : `class ${p >> 4} > PPR 0x${ppr.toString(16)}`;
    return { branch: 'hard', why: `on ${thread}: hi(IRR)=0x${p.toString(16)}, ${test}: CPU_INTERRUPT_HARD` };
  }
  const picOut = pic ? picGetOutput(pic) : false;
  if (!apicAcceptPicIntr(cpu) || !picOut) {
    clearRequest(cpu, 'HARD');
    const why = p < 0 ? `hi(IRR)=0x${highest(cpu.lapic.irr).toString(16)} blocked by PPR 0x${computePpr(cpu.lapic).toString(16)}` : cpu.lapic.svr_enabled ? 'IRR empty' : 'APIC software-disabled (SVR[8]=0)';
    return { branch: 'reset-hard', why: `${why}, and no 8259 interrupt through LINT0: cpu_reset_interrupt(HARD)` };
  }
  return { branch: 'keep-hard', why: 'nothing in the APIC, but the 8259 drives an unmasked LINT0: HARD stays' };
}

/** `x86_cpu_pending_interrupt`: POLL > SIPI > SMI > NMI > HARD (needs IF=1 and no shadow). */
export function pendingInterrupt(cpu: TcgCpu): CpuInterrupt | null {
  const r = cpu.interrupt_request;
  if (r.includes('POLL')) return 'POLL';
  if (r.includes('SIPI')) return 'SIPI';
  if (r.includes('SMI')) return 'SMI';
  if (r.includes('NMI')) return 'NMI';
  if (r.includes('HARD') && cpu.eflags_if && !cpu.inhibit_irq) return 'HARD';
  return null;
}

export interface GetInterrupt {
  /** The vector handed to `do_interrupt_x86_hardirq`, or −1. */
  intno: number;
  source: 'apic' | 'spurious' | 'pic' | 'none';
  why: string;
}

/** QR5, Q1.11: `cpu_get_pic_interrupt` → `apic_get_interrupt` (INTA), falling back to `pic_read_irq`. */
export function cpuGetPicInterrupt(cpu: TcgCpu, pic: I8259State | undefined, form: 'qemu' | 'sdm'): GetInterrupt {
  const l = cpu.lapic;
  const picFallback = (why: string): GetInterrupt => {
    if (!apicAcceptPicIntr(cpu) || !pic) return { intno: -1, source: 'none', why: `${why}; the APIC does not accept the 8259 (LINT0 masked): no vector` };
    const r = picReadIrq(pic);
    return { intno: r.vector, source: 'pic', why: `${why}; pic_read_irq gives IRQ${r.irq} → vector 0x${r.vector.toString(16)}${r.spurious ? ' (spurious)' : ''}` };
  };
  if (!l.svr_enabled) return picFallback('SVR[8]=0: apic_get_interrupt returns −1');
  const p = apicIrqPending(cpu, form);
  if (p === 0) return picFallback('apic_irq_pending is 0');
  if (apicAcceptPicIntr(cpu) && pic && picGetOutput(pic)) return picFallback('apic_check_pic: the 8259 drives an unmasked LINT0 and ExtINT ignores priority');
  if (p < 0) {
    return { intno: l.spurious_vector, source: 'spurious', why: `hi(IRR)=0x${highest(l.irr).toString(16)} is now blocked by PPR 0x${computePpr(l).toString(16)}: spurious vector 0x${l.spurious_vector.toString(16)}, IRR/ISR untouched (QR5)` };
  }
  clearBit(l.irr, p);
  addBit(l.isr, p);
  l.ppr = computePpr(l);
  return { intno: p, source: 'apic', why: `IRR[0x${p.toString(16)}] → ISR; PPR now 0x${l.ppr.toString(16)}` };
}

/** QR15 (QEMU form), Q1.6: `apic_get_delivery_bitmask`: the cpu indices a destination selects. */
export function deliveryBitmask(cpus: readonly TcgCpu[], dest: number, dest_mode: number): number[] {
  if (dest_mode === 0) {
    if (dest === 0xff) return cpus.map((c) => c.index);
    const c = cpus.find((x) => x.id === dest);
    return c ? [c.index] : [];
  }
  return cpus
    .filter((c) => (c.dest_mode === 0xf ? (dest & c.log_dest) !== 0 : c.dest_mode === 0 && (dest & 0xf0) === (c.log_dest & 0xf0) && (dest & c.log_dest & 0x0f) !== 0))
    .map((c) => c.index);
}

/** QR4 via QEMU `apic_set_irq` (accepts even when SVR[8]=0). Returns true when coalesced into an IRR bit already set. */
export function apicSetIrq(cpu: TcgCpu, vector: number, level: boolean): boolean {
  if (!Number.isInteger(vector) || vector < 0 || vector > 255) throw new ModelError(`vector = ${vector} is not 0..255`, 'vector');
  return acceptFixed(cpu.lapic, vector, level);
}

/**
 * A fixed / lowest-priority message reaching this APIC under the profile's vector rule (lapic.ts acceptMessage):
 * `qemu` is apic_set_irq, which takes vectors 0..15 like any other; `sdm` refuses them with ESR bit 6.
 */
export function apicAcceptMessage(cpu: TcgCpu, vector: number, level: boolean, form: 'qemu' | 'sdm'): 'illegal-vector' | 'coalesced' | 'accepted' {
  if (!Number.isInteger(vector) || vector < 0 || vector > 255) throw new ModelError(`vector = ${vector} is not 0..255`, 'vector');
  return acceptMessage(cpu.lapic, vector, level, form);
}

export function tcgCpuProblems(cpu: TcgCpu, where: string): string[] {
  const out: string[] = [];
  if (cpu.lvt.length !== 6) out.push(`${where}.lvt has ${cpu.lvt.length} entries, QEMU has 6`);
  for (const r of cpu.interrupt_request) if (!['HARD', 'POLL', 'NMI', 'SMI', 'INIT', 'SIPI'].includes(r)) out.push(`${where}.interrupt_request holds "${r}"`);
  return out;
}
