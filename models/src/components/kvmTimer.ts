// KVM's LAPIC timer (struct kvm_timer): period arithmetic, the 200 µs periodic clamp, the single `pending` slot and
// the periodic snap-to-now, rule QR25 (SDM 10.5.4, 10.5.4.1). Time is in ns; the guest TSC is
// modelled at 1 GHz so a TSC deadline is a time in ns.

/** `min_timer_period_us` (arch/x86/kvm/x86.c) default. */
export const MIN_TIMER_PERIOD_NS = 200_000;
/** `APIC_BUS_CYCLE_NS` in 6.1. */
export const APIC_BUS_CYCLE_NS = 1;

export type TimerMode = 'oneshot' | 'periodic' | 'tsc-deadline';
export const TIMER_MODES: readonly TimerMode[] = ['oneshot', 'periodic', 'tsc-deadline'];

export interface KvmTimerState {
  /** Host time now (ns, `ktime_get`). */
  now: number;
  /** TMICT and TDCR as the guest wrote them. */
  tmict: number;
  tdcr: number;
  /** `apic->divide_count`. */
  divide_count: number;
  /** `lapic_timer.period` (ns); 0 = not running as periodic/one-shot. */
  period: number;
  /** `lapic_timer.target_expiration` (ns); 0 = none. */
  target_expiration: number;
  /** `lapic_timer.tscdeadline` (guest TSC = ns here); 0 = none. */
  tscdeadline: number;
  /** `lapic_timer.pending`: 0 or 1 (QR25: an expiry while pending is dropped). */
  pending: number;
  /** The VMX preemption timer carries the deadline (`hv_timer_in_use`) … */
  hv_timer_in_use: boolean;
  /** … or an hrtimer is armed at target_expiration. */
  hrtimer_armed: boolean;
  /** `expired_tscdeadline`, for timer advance. */
  expired_tscdeadline: number;
  /** Expiries dropped because one was already pending (not a kernel field: a model counter for the reader). */
  dropped: number;
}

export function newKvmTimer(): KvmTimerState {
  return {
    now: 0, tmict: 0, tdcr: 0, divide_count: 2, period: 0, target_expiration: 0, tscdeadline: 0, pending: 0,
    hv_timer_in_use: false, hrtimer_armed: false, expired_tscdeadline: 0, dropped: 0,
  };
}

/** QR25, `update_divide_count`: `1 << ((((tdcr & 3) | ((tdcr & 8) >> 1)) + 1) & 7)`. TDCR 0xB → ÷1. */
export function divideCount(tdcr: number): number {
  return 1 << ((((tdcr & 3) | ((tdcr & 8) >> 1)) + 1) & 7);
}

/**
 * QR25, `set_target_expiration` + `limit_periodic_timer_frequency`: period = TMICT × APIC_BUS_CYCLE_NS ×
 * divide_count, clamped to ≥ 200 µs when periodic. Returns false when the period is 0 (timer stopped).
 */
export function setTargetExpiration(t: KvmTimerState, mode: TimerMode): { running: boolean; clamped: boolean } {
  t.divide_count = divideCount(t.tdcr);
  t.period = t.tmict * APIC_BUS_CYCLE_NS * t.divide_count;
  if (t.period === 0) {
    t.tscdeadline = 0;
    return { running: false, clamped: false };
  }
  let clamped = false;
  if (mode === 'periodic' && t.period < MIN_TIMER_PERIOD_NS) {
    t.period = MIN_TIMER_PERIOD_NS;
    clamped = true;
  }
  t.target_expiration = t.now + t.period;
  t.tscdeadline = t.target_expiration;
  return { running: true, clamped };
}

/** QR25, `advance_periodic_target_expiration`: next = target + period; a target in the past snaps to now. */
export function advancePeriodic(t: KvmTimerState): { snapped: boolean } {
  t.target_expiration += t.period;
  let snapped = false;
  if (t.target_expiration < t.now) {
    t.target_expiration = t.now;
    snapped = true;
  }
  t.tscdeadline = t.target_expiration;
  return { snapped };
}

/** The absolute time the armed timer fires, or −1 when nothing is armed. */
export function timerDeadline(t: KvmTimerState, mode: TimerMode): number {
  if (!t.hrtimer_armed && !t.hv_timer_in_use) return -1;
  return mode === 'tsc-deadline' ? t.tscdeadline : t.target_expiration;
}

export function kvmTimerProblems(t: KvmTimerState, where: string): string[] {
  const out: string[] = [];
  if (t.pending !== 0 && t.pending !== 1) out.push(`${where}.pending = ${t.pending}: KVM holds at most one pending timer interrupt (QR25)`);
  for (const f of ['now', 'tmict', 'tdcr', 'period', 'target_expiration', 'tscdeadline'] as const) {
    if (!Number.isInteger(t[f]) || t[f] < 0) out.push(`${where}.${f} = ${t[f]} must be a non-negative integer`);
  }
  if (t.tmict > 0xffffffff) out.push(`${where}.tmict = ${t.tmict} does not fit the 32-bit TMICT register`);
  if (t.tdcr & ~0xb) out.push(`${where}.tdcr = ${t.tdcr}: only bits 0, 1 and 3 of TDCR exist`);
  if (t.hv_timer_in_use && t.hrtimer_armed) out.push(`${where}: hv_timer_in_use and hrtimer_armed are exclusive (start_hv_timer cancels the hrtimer)`);
  return out;
}
