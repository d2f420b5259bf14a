// QEMU 7.2's APIC timer arithmetic (one QEMUTimer per APIC on QEMU_CLOCK_VIRTUAL): TDCR → count_shift,
// one-shot and periodic expiry times, current count; and the SDM's IC × divisor for the `sdm` profile. Flow Q2 (docs/flows/Q2.md), rule QR24 ("timer period" differs by profile);
// mirrors `apic_mem_write` (TDCR/TMICT), `apic_next_timer` and `apic_get_current_count` (hw/intc/apic_common.c).

import { ModelError } from '../core/types';
import { APIC_LVT_MASKED, APIC_LVT_TIMER_PERIODIC } from './tcgCpu';

export interface QemuApicTimer {
  /** TDCR & 0xb. */
  divide_conf: number;
  /** `(((dc&3) | ((dc>>1)&4)) + 1) & 7`: one tick is 2^count_shift ns. */
  count_shift: number;
  /** TMICT. */
  initial_count: number;
  /** Virtual ns when TMICT was written. */
  initial_count_load_time: number;
  /** Next expiry (ns), and `timer_expiry` (−1 when the QEMUTimer is not armed). */
  next_time: number;
  timer_expiry: number;
}

export function newQemuApicTimer(): QemuApicTimer {
  return { divide_conf: 0, count_shift: 1, initial_count: 0, initial_count_load_time: 0, next_time: 0, timer_expiry: -1 };
}

/** TDCR write: QEMU keeps bits 0,1,3 and derives the shift (0xB → ÷1, 0x3 → ÷16). */
export function writeTdcr(t: QemuApicTimer, val: number): void {
  t.divide_conf = val & 0xb;
  const v = (t.divide_conf & 3) | ((t.divide_conf >> 1) & 4);
  t.count_shift = (v + 1) & 7;
}

/** TMICT write: load the count and the load time. */
export function writeTmict(t: QemuApicTimer, val: number, now: number): void {
  if (!Number.isInteger(val) || val < 0 || val > 0xffffffff) throw new ModelError(`tmict = ${val} is not a 32-bit count`, 'tmict');
  t.initial_count = val;
  t.initial_count_load_time = now;
}

/**
 * QR24, QEMU `apic_next_timer`: arms iff LVTT unmasked and (periodic: IC ≠ 0; one-shot: fewer than IC ticks elapsed).
 * One-shot fires at load + (IC+1)<<shift; periodic at the next multiple of (IC+1) ticks after `now`.
 * Any mode other than periodic (including the TSC-deadline encoding, which QEMU-TCG does not implement) is one-shot.
 */
export function apicNextTimer(t: QemuApicTimer, lvtt: number, now: number, form: 'qemu' | 'sdm' = 'qemu'): { armed: boolean; why: string } {
  t.timer_expiry = -1;
  if (lvtt & APIC_LVT_MASKED) return { armed: false, why: 'LVTT masked: timer_del' };
  let d = Math.floor((now - t.initial_count_load_time) / 2 ** t.count_shift);
  const ic = t.initial_count;
  if (form === 'sdm') {
    // SDM 10.5.4: the count decrements once per divided clock and fires at 0: IC ticks, periodic reloads IC.
    if (ic === 0) return { armed: false, why: 'TMICT = 0: the timer is stopped (SDM 10.5.4)' };
    if (lvtt & APIC_LVT_TIMER_PERIODIC) d = (Math.floor(d / ic) + 1) * ic;
    else if (d >= ic) return { armed: false, why: `one-shot: ${d} ticks elapsed ≥ TMICT ${ic}: expired` };
    else d = ic;
    t.next_time = t.initial_count_load_time + d * 2 ** t.count_shift;
    t.timer_expiry = t.next_time;
    return { armed: true, why: `SDM: next expiry = load ${t.initial_count_load_time} + ${d} ticks × ${2 ** t.count_shift} ns = ${t.next_time} ns` };
  }
  if (lvtt & APIC_LVT_TIMER_PERIODIC) {
    if (ic === 0) return { armed: false, why: 'periodic with TMICT = 0: timer_del' };
    d = (Math.floor(d / (ic + 1)) + 1) * (ic + 1);
  } else {
    if (d >= ic) return { armed: false, why: `one-shot: ${d} ticks elapsed ≥ TMICT ${ic}: timer_del` };
    d = ic + 1;
  }
  t.next_time = t.initial_count_load_time + d * 2 ** t.count_shift;
  t.timer_expiry = t.next_time;
  return { armed: true, why: `${lvtt & APIC_LVT_TIMER_PERIODIC ? 'periodic' : 'one-shot'}: next_time = load ${t.initial_count_load_time} + (${d} << ${t.count_shift}) = ${t.next_time} ns` };
}

/** QEMU `apic_get_current_count` (TMCCT reads). */
export function currentCount(t: QemuApicTimer, lvtt: number, now: number): number {
  const d = Math.floor((now - t.initial_count_load_time) / 2 ** t.count_shift);
  if (lvtt & APIC_LVT_TIMER_PERIODIC) return t.initial_count - (d % (t.initial_count + 1));
  return d >= t.initial_count ? 0 : t.initial_count - d;
}
