// The Linux guest side of Xen event channels: evtchn_to_irq, struct irq_info (mask_reason, is_active),
// per-cpu cpu_evtchn_mask, and the 2-level scan with its per-CPU cursor current_word_idx/current_bit_idx.
// Rules XR19–XR25; mirrors drivers/xen/events/events_base.c and events_2l.c (Linux 6.1),
// and the 2007 scan of Linux 2.6.23 (arch/i386/xen/events.c) under profile `linux2007`.

import { addBit, clearBit, hasBit } from './lapic';
import { BITS_PER_EVTCHN_WORD, SharedInfo, VcpuInfo, wordOf } from './evtchn2l';

/** `mask_reason` bits (events_base.c): EVT_MASK_REASON_EXPLICIT, _TEMPORARY, _EOI_PENDING. */
export const EVT_MASK_REASON_EXPLICIT = 0x01;
export const EVT_MASK_REASON_TEMPORARY = 0x02;
export const EVT_MASK_REASON_EOI_PENDING = 0x04;

export const IRQ_TYPES = ['IRQT_EVTCHN', 'IRQT_VIRQ', 'IRQT_IPI', 'IRQT_PIRQ'] as const;
export const CHIPS = ['xen_dynamic_chip', 'xen_lateeoi_chip', 'xen_percpu_chip', 'xen_pirq_chip'] as const;

/** `struct irq_info` (events_base.c) plus the irq_desc facts the paths read. */
export interface IrqInfo {
  type: (typeof IRQ_TYPES)[number];
  evtchn: number;
  /** The CPU the channel is bound to on the Linux side (`cpu_from_evtchn`). */
  cpu: number;
  mask_reason: number;
  is_active: number;
  chip: (typeof CHIPS)[number];
  /** The driver's irqaction handler, e.g. blkif_interrupt, xen_timer_interrupt. */
  handler: string;
  /** irq_desc disabled (disable_irq). */
  disabled: boolean;
  /** IRQS_PENDING: an event arrived while disabled, resent at enable_irq (XR26). */
  irqs_pending: boolean;
  /** PIRQ: the machine pirq number, and whether Linux must PHYSDEVOP_eoi it (XR28). */
  pirq: number;
  needs_eoi: boolean;
  /** Model knob: how many more times this driver's handler makes its own port pend again (a busy device). */
  resend_in_handler: number;
}

export function newIrqInfo(over: Partial<IrqInfo> = {}): IrqInfo {
  return {
    type: 'IRQT_EVTCHN', evtchn: 0, cpu: 0, mask_reason: 0, is_active: 0, chip: 'xen_dynamic_chip', handler: 'driver_handler',
    disabled: false, irqs_pending: false, pirq: -1, needs_eoi: false, resend_in_handler: 0, ...over,
  };
}

/** Locals of one evtchn_2l_handle_events / __evtchn_fifo_handle_events run on a CPU (phase idle when not in an upcall). */
export interface ScanLocals {
  phase: 'idle' | 'timer' | 'words' | 'done';
  pending_words: number[];
  start_word_idx: number;
  start_bit_idx: number;
  word_idx: number;
  bit_idx: number;
  i: number;
  /** Snapshot of active_evtchns(word_idx) taken when the word visit began (XR21b). */
  pending_bits: number[];
  in_word: boolean;
  /** The handled port was bit 63: the do-while ends after it (end-of-word work runs on the next call). */
  word_ended: boolean;
  /** FIFO: the local `ready` bitmap. */
  ready: number[];
}

export interface LinuxEvtchnState {
  evtchn_to_irq: Record<string, number>;
  irq_info: Record<string, IrqInfo>;
  /** Per CPU: ports whose events this CPU handles (2-level only). */
  cpu_evtchn_mask: number[][];
  current_word_idx: number[];
  current_bit_idx: number[];
  /** Per CPU: virq_to_irq[cpu][virq]. */
  virq_to_irq: Record<string, number>[];
  /** Per CPU: ipi_to_evtchn[cpu][ipi]. */
  ipi_to_evtchn: Record<string, number>[];
  xen_have_vector_callback: boolean;
  xen_percpu_upcall: boolean;
  scan: ScanLocals[];
}

export function newLinuxEvtchn(nrCpus: number): LinuxEvtchnState {
  return {
    evtchn_to_irq: {},
    irq_info: {},
    cpu_evtchn_mask: Array.from({ length: nrCpus }, () => []),
    current_word_idx: new Array<number>(nrCpus).fill(0),
    current_bit_idx: new Array<number>(nrCpus).fill(0),
    virq_to_irq: Array.from({ length: nrCpus }, () => ({})),
    ipi_to_evtchn: Array.from({ length: nrCpus }, () => ({})),
    xen_have_vector_callback: false,
    xen_percpu_upcall: false,
    scan: Array.from({ length: nrCpus }, idleScan),
  };
}

/** `evtchn_to_info(port)`: the irq_info bound to a port, or undefined (XR34). */
export function infoForPort(l: LinuxEvtchnState, port: number): { irq: number; info: IrqInfo } | undefined {
  const irq = l.evtchn_to_irq[String(port)];
  if (irq === undefined || irq < 0) return undefined;
  const info = l.irq_info[String(irq)];
  return info ? { irq, info } : undefined;
}

/** XR20: `active_evtchns(cpu, word)`: P & cpu_evtchn_mask[cpu] & ~M, as bit indices of that word. */
export function activeEvtchns(si: SharedInfo, cpuMask: number[], word: number, bits = BITS_PER_EVTCHN_WORD): number[] {
  return si.evtchn_pending
    .filter((p) => wordOf(p, bits) === word && hasBit(cpuMask, p) && !hasBit(si.evtchn_mask, p))
    .map((p) => p % bits);
}

/** XR25: `do_mask`: add a reason; physically mask only when the set was empty. Returns true if it must mask. */
export function doMask(info: IrqInfo, reason: number): boolean {
  const was = info.mask_reason;
  info.mask_reason |= reason;
  return was === 0;
}

/** XR25: `do_unmask`: drop a reason; physically unmask only when the set becomes empty. */
export function doUnmask(info: IrqInfo, reason: number): boolean {
  if (info.mask_reason === 0) return false;
  info.mask_reason &= ~reason;
  return info.mask_reason === 0;
}

export function maskReasonText(r: number): string {
  const names = [[EVT_MASK_REASON_EXPLICIT, 'EXPLICIT'], [EVT_MASK_REASON_TEMPORARY, 'TEMPORARY'], [EVT_MASK_REASON_EOI_PENDING, 'EOI_PENDING']] as const;
  const s = names.filter(([b]) => r & b).map(([, n]) => n);
  return s.length ? s.join('|') : 'none';
}

/** `evtchn_2l_bind_to_cpu` / `evtchn_2l_remove`: move port p between the per-CPU masks. */
export function bindPortToCpu(l: LinuxEvtchnState, port: number, cpu: number): void {
  for (const m of l.cpu_evtchn_mask) clearBit(m, port);
  addBit(l.cpu_evtchn_mask[cpu], port);
}

/** A CPU that is not inside xen_evtchn_do_upcall. */
export function idleScan(): ScanLocals {
  // Built as newScan builds it, so both are one object shape for the scan code.
  const s = newScan();
  s.phase = 'idle';
  return s;
}

export function newScan(): ScanLocals {
  return { phase: 'timer', pending_words: [], start_word_idx: 0, start_bit_idx: 0, word_idx: 0, bit_idx: 0, i: 0, pending_bits: [], in_word: false, word_ended: false, ready: [] };
}

export interface ScanPick {
  port: number;
  /** The VIRQ_TIMER port handled first, straight through generic_handle_irq (XR21a). */
  timer: boolean;
}

/**
 * XR20/XR21: the next port `evtchn_2l_handle_events` hands to handle_irq_for_port on `cpu`, or null when the
 * scan is over. Advances the locals in `s` and the per-CPU cursor exactly as the 6.1 loop does; under
 * `linux2007` it restarts from the lowest word and lowest bit and re-reads the active bits after every port.
 */
export function scan2lNext(s: ScanLocals, si: SharedInfo, vi: VcpuInfo, l: LinuxEvtchnState, cpu: number, timerPort: number, profile: string, bits = BITS_PER_EVTCHN_WORD): ScanPick | null {
  const mask = l.cpu_evtchn_mask[cpu];
  const W = bits;
  if (s.phase === 'timer') {
    s.phase = 'words';
    // Master flag (UP) was cleared by the caller; now the selector: xchg(SEL, 0).
    s.pending_words = [...vi.evtchn_pending_sel];
    vi.evtchn_pending_sel = [];
    if (profile === 'linux2007') {
      s.word_idx = -1;
      return scan2lNext(s, si, vi, l, cpu, timerPort, profile, W);
    }
    s.start_word_idx = l.current_word_idx[cpu];
    s.start_bit_idx = l.current_bit_idx[cpu];
    s.word_idx = s.start_word_idx;
    s.i = 0;
    // The timer check happens before the xchg in the code; it reads only P/M/mask, so the order is immaterial here.
    if (timerPort > 0 && activeEvtchns(si, mask, wordOf(timerPort, W), W).includes(timerPort % W)) {
      return { port: timerPort, timer: true };
    }
    return scan2lNext(s, si, vi, l, cpu, timerPort, profile, W);
  }
  if (s.phase === 'done' || s.phase === 'idle') return null;
  if (profile === 'linux2007') {
    for (;;) {
      if (s.word_idx >= 0) {
        const active = activeEvtchns(si, mask, s.word_idx, W); // re-read after every port (2007)
        if (active.length > 0) return { port: s.word_idx * W + active[0], timer: false };
      }
      if (s.pending_words.length === 0) {
        s.phase = 'done';
        return null;
      }
      s.word_idx = s.pending_words[0];
      s.pending_words = s.pending_words.slice(1);
    }
  }
  for (;;) {
    if (s.in_word && !s.word_ended) {
      // The first pending bit at or after the cursor (each read of `s` goes through the step's state view: read once).
      const from = s.bit_idx;
      let b = -1;
      for (const x of s.pending_bits) {
        if (x >= from) {
          b = x;
          break;
        }
      }
      if (b >= 0) {
        const port = s.word_idx * W + b;
        s.bit_idx = (b + 1) % W;
        l.current_word_idx[cpu] = s.bit_idx ? s.word_idx : (s.word_idx + 1) % W;
        l.current_bit_idx[cpu] = s.bit_idx;
        if (s.bit_idx === 0) s.word_ended = true;
        return { port, timer: false };
      }
    }
    if (s.in_word) {
      // End of a word visit: the start word is scanned twice, every other word once.
      if (s.word_idx !== s.start_word_idx || s.i !== 0) s.pending_words = s.pending_words.filter((w) => w !== s.word_idx);
      s.word_idx = (s.word_idx + 1) % W;
      s.in_word = false;
      s.word_ended = false;
      s.i++;
    }
    if (s.pending_words.length === 0) {
      s.phase = 'done';
      return null;
    }
    const words = s.pending_words.filter((w) => w >= s.word_idx);
    if (words.length === 0) {
      s.word_idx = 0; // wrap; `continue` in the for loop still increments i
      s.bit_idx = 0;
      s.i++;
      continue;
    }
    s.word_idx = words[0];
    s.pending_bits = activeEvtchns(si, mask, s.word_idx, W);
    s.bit_idx = s.word_idx === s.start_word_idx && s.i === 0 ? s.start_bit_idx : 0;
    s.in_word = true;
    s.word_ended = false;
  }
}

/** Impossible guest states: tables naming unknown irqs, CPUs or ports beyond the ABI, bad mask reasons. */
export function linuxEvtchnProblems(l: LinuxEvtchnState, nrCpus: number, maxPorts: number, bits = BITS_PER_EVTCHN_WORD): string[] {
  const out: string[] = [];
  for (const [p, irq] of Object.entries(l.evtchn_to_irq)) {
    if (Number(p) <= 0 || Number(p) >= maxPorts) out.push(`linux.evtchn_to_irq.${p}: port beyond the ABI's ${maxPorts} ports (port 0 is never valid, VALID_EVTCHN)`);
    if (irq >= 0 && !l.irq_info[String(irq)]) out.push(`linux.evtchn_to_irq.${p} = ${irq}, but linux.irq_info has no irq ${irq}`);
  }
  for (const [irq, info] of Object.entries(l.irq_info)) {
    if (info.cpu < 0 || info.cpu >= nrCpus) out.push(`linux.irq_info.${irq}.cpu = ${info.cpu}: unknown CPU (0..${nrCpus - 1})`);
    if ((info.mask_reason & ~7) !== 0 || info.mask_reason < 0) out.push(`linux.irq_info.${irq}.mask_reason = ${info.mask_reason}: only EXPLICIT 1, TEMPORARY 2, EOI_PENDING 4`);
    if (!CHIPS.includes(info.chip)) out.push(`linux.irq_info.${irq}.chip = ${JSON.stringify(info.chip)}, not one of ${CHIPS.join(', ')}`);
    if (!IRQ_TYPES.includes(info.type)) out.push(`linux.irq_info.${irq}.type = ${JSON.stringify(info.type)}, not one of ${IRQ_TYPES.join(', ')}`);
    if (info.is_active !== 0 && info.is_active !== 1) out.push(`linux.irq_info.${irq}.is_active = ${info.is_active}: 0 or 1`);
  }
  l.cpu_evtchn_mask.forEach((m, c) => {
    for (const p of m) if (p <= 0 || p >= maxPorts) out.push(`linux.cpu_evtchn_mask.${c} holds port ${p}, beyond the ABI's ${maxPorts} ports`);
    for (let c2 = 0; c2 < c; c2++) for (const p of m) if (hasBit(l.cpu_evtchn_mask[c2], p)) out.push(`port ${p} is in linux.cpu_evtchn_mask of CPUs ${c2} and ${c}: each port is bound to exactly one CPU (XR20)`);
  });
  if (l.scan.length !== nrCpus) out.push(`linux.scan has ${l.scan.length} entries for ${nrCpus} CPUs`);
  for (const f of ['current_word_idx', 'current_bit_idx'] as const) {
    l[f].forEach((x, c) => { if (!Number.isInteger(x) || x < 0 || x >= bits) out.push(`linux.${f}.${c} = ${x}, not 0..${bits - 1}`); });
  }
  return out;
}
