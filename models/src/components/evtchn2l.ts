// The Xen 2-level event-channel ABI: shared_info evtchn_pending/evtchn_mask, per-vCPU evtchn_pending_sel,
// evtchn_upcall_pending/mask, and struct evtchn (state, notify_vcpu_id). Rules XR1–XR11.
// Mirrors xen/common/event_2l.c (evtchn_2l_set_pending, evtchn_2l_unmask) and xen/common/event_channel.c.
// Bit sets are sorted number arrays: evtchn_pending holds ports, evtchn_pending_sel holds word indices.

import { addBit, clearBit, hasBit } from './lapic';

/** EVTCHN_2L_NR_CHANNELS for a 64-bit shared_info: 64 words × 64 bits (xen/include/public/event_channel.h). */
export const EVTCHN_2L_NR_CHANNELS = 4096;
/** BITS_PER_EVTCHN_WORD(d) for a 64-bit guest (xen/include/xen/sched.h); 32 when has_32bit_shinfo(d) (1024 ports, the i386 guest of Linux 2.6.23). */
export const BITS_PER_EVTCHN_WORD = 64;

/** `struct evtchn.state` values (ECS_*, xen/include/xen/sched.h). */
export const ECS_STATES = ['ECS_FREE', 'ECS_RESERVED', 'ECS_UNBOUND', 'ECS_INTERDOMAIN', 'ECS_PIRQ', 'ECS_VIRQ', 'ECS_IPI'] as const;
export type EcsState = (typeof ECS_STATES)[number];

/** `struct evtchn` (xen/include/xen/sched.h), with the `u.*` union flattened to the fields the paths read. */
export interface Evtchn {
  state: EcsState;
  /** The vCPU whose vcpu_info / queue is notified (XR3, XR4). */
  notify_vcpu_id: number;
  /** Non-zero: consumed by Xen itself, never delivered to the guest (XR1). */
  xen_consumer: number;
  /** FIFO priority, 0 highest … 15 lowest; 7 after evtchn_fifo_init. Unused by 2-level. */
  priority: number;
  /** u.interdomain.remote_port (ECS_INTERDOMAIN) — the peer's port. */
  remote_port: number;
  /** u.virq (ECS_VIRQ). */
  virq: number;
  /** u.pirq.irq (ECS_PIRQ). */
  pirq: number;
  /** `fifo_lastq`: the {vcpu, priority} queue the port was last linked on (XR30). */
  last_vcpu_id: number;
  last_priority: number;
  /** FIFO: pending remembered while the event-array page is missing (X7.5 branch 1). */
  pending: boolean;
}

export function newEvtchn(over: Partial<Evtchn> = {}): Evtchn {
  return {
    state: 'ECS_FREE', notify_vcpu_id: 0, xen_consumer: 0, priority: 7, remote_port: 0, virq: -1, pirq: -1,
    last_vcpu_id: 0, last_priority: 7, pending: false, ...over,
  };
}

/** `struct shared_info`'s two bitmaps, as sorted port lists. */
export interface SharedInfo {
  evtchn_pending: number[];
  evtchn_mask: number[];
}

/** `struct vcpu_info`'s event fields (xen/include/public/xen.h). u8 flags are 0/1 as in the code. */
export interface VcpuInfo {
  evtchn_upcall_pending: number;
  /** PV "interrupt flag": 1 = events disabled. Ignored for HVM (XR16). */
  evtchn_upcall_mask: number;
  /** Selector: indices of the 64-port words that may hold pending ports. */
  evtchn_pending_sel: number[];
}

export function newVcpuInfo(): VcpuInfo {
  return { evtchn_upcall_pending: 0, evtchn_upcall_mask: 0, evtchn_pending_sel: [] };
}

export const wordOf = (port: number, bits = BITS_PER_EVTCHN_WORD): number => Math.floor(port / bits);

/** XR1: `evtchn_usable` — set/clear-pending and unmask act only on guest-visible, allocated ports. */
export function evtchnUsable(ch: Evtchn | undefined): boolean {
  if (!ch) return false;
  return ch.xen_consumer === 0 && ch.state !== 'ECS_FREE' && ch.state !== 'ECS_RESERVED';
}

export type SetPending2l = 'already-pending' | 'masked' | 'sel-already-set' | 'sel-newly-set';

/**
 * XR8–XR10: `evtchn_2l_set_pending` (xen/common/event_2l.c). Returns what happened; the caller calls
 * vcpu_mark_events_pending only on `sel-newly-set`, and checks pollers unless `already-pending`.
 */
export function set2lPending(si: SharedInfo, vi: VcpuInfo, port: number, bits = BITS_PER_EVTCHN_WORD): SetPending2l {
  if (hasBit(si.evtchn_pending, port)) return 'already-pending'; // XR8: test_and_set was 1
  addBit(si.evtchn_pending, port);
  if (hasBit(si.evtchn_mask, port)) return 'masked'; // XR9: latched in P only
  const w = wordOf(port, bits);
  if (hasBit(vi.evtchn_pending_sel, w)) return 'sel-already-set';
  addBit(vi.evtchn_pending_sel, w);
  return 'sel-newly-set';
}

/** XR10 second half: `vcpu_mark_events_pending`'s test_and_set of evtchn_upcall_pending. True when it was 0. */
export function markEventsPending(vi: VcpuInfo): boolean {
  const was = vi.evtchn_upcall_pending;
  vi.evtchn_upcall_pending = 1;
  return was === 0;
}

export type Unmask2lXen = 'was-not-masked' | 'not-pending' | 'sel-already-set' | 're-raise';

/**
 * XR11: Xen's `evtchn_2l_unmask` (EVTCHNOP_unmask). `vi` is the vcpu_info of E[p].notify_vcpu_id.
 * On `re-raise` the caller calls vcpu_mark_events_pending(notify_vcpu_id).
 */
export function unmask2lXen(si: SharedInfo, vi: VcpuInfo, port: number, bits = BITS_PER_EVTCHN_WORD): Unmask2lXen {
  if (!hasBit(si.evtchn_mask, port)) return 'was-not-masked';
  clearBit(si.evtchn_mask, port);
  if (!hasBit(si.evtchn_pending, port)) return 'not-pending';
  const w = wordOf(port, bits);
  if (hasBit(vi.evtchn_pending_sel, w)) return 'sel-already-set';
  addBit(vi.evtchn_pending_sel, w);
  return 're-raise';
}

/** `get_free_port`: the lowest port ≥ 1 that is free (port 0 is ECS_RESERVED by evtchn_init). */
export function getFreePort(evtchn: Record<string, Evtchn>, max: number): number {
  for (let p = 1; p < max; p++) {
    const ch = evtchn[String(p)];
    if (!ch || ch.state === 'ECS_FREE') return p;
  }
  return -28; // -ENOSPC
}

/** XR4/XR5: `evtchn_bind_vcpu`. Returns 0 or a negative errno; never touches pending state. */
export function bindVcpu(ch: Evtchn | undefined, vcpu: number, nrVcpus: number, virqIsGlobal: (virq: number) => boolean): number {
  if (vcpu < 0 || vcpu >= nrVcpus) return -2; // -ENOENT
  if (!ch || ch.xen_consumer !== 0) return -22; // -EINVAL
  switch (ch.state) {
    case 'ECS_VIRQ':
      if (!virqIsGlobal(ch.virq)) return -22;
      ch.notify_vcpu_id = vcpu;
      return 0;
    case 'ECS_UNBOUND':
    case 'ECS_INTERDOMAIN':
    case 'ECS_PIRQ':
      ch.notify_vcpu_id = vcpu;
      return 0;
    default:
      return -22; // ECS_IPI and anything else
  }
}

/** `virq_is_global` (xen/common/event_channel.c): per-vCPU VIRQs are TIMER 0, DEBUG 1, XENOPROF 7, XENPMU 13. */
export function virqIsGlobal(virq: number): boolean {
  return ![0, 1, 7, 13].includes(virq);
}

export const VIRQ_NAMES: Record<number, string> = { 0: 'VIRQ_TIMER', 1: 'VIRQ_DEBUG', 2: 'VIRQ_CONSOLE', 3: 'VIRQ_DOM_EXC', 7: 'VIRQ_XENOPROF', 13: 'VIRQ_XENPMU' };

function sortedDistinct(a: number[]): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] <= a[i - 1]) return false;
  return true;
}

/** Impossible 2-level states: ports beyond the ABI, port 0 pending, unsorted sets, bad selector words. */
export function evtchn2lProblems(si: SharedInfo, vcpuInfo: VcpuInfo[], evtchn: Record<string, Evtchn>, nrVcpus: number, maxPorts = EVTCHN_2L_NR_CHANNELS, bits = BITS_PER_EVTCHN_WORD): string[] {
  const out: string[] = [];
  for (const f of ['evtchn_pending', 'evtchn_mask'] as const) {
    for (const p of si[f]) {
      if (!Number.isInteger(p) || p < 0 || p >= maxPorts) out.push(`shared_info.${f} holds port ${p}, beyond the ABI's ${maxPorts} ports (0..${maxPorts - 1})`);
    }
    if (!sortedDistinct(si[f])) out.push(`shared_info.${f} must be a sorted list of distinct ports`);
  }
  if (si.evtchn_pending.includes(0)) out.push('shared_info.evtchn_pending holds port 0, which is ECS_RESERVED and never pends (evtchn_init)');
  vcpuInfo.forEach((vi, v) => {
    for (const w of vi.evtchn_pending_sel) {
      if (!Number.isInteger(w) || w < 0 || w >= Math.ceil(maxPorts / bits)) out.push(`vcpu_info.${v}.evtchn_pending_sel holds word ${w}, not 0..${Math.ceil(maxPorts / bits) - 1}`);
    }
    if (!sortedDistinct(vi.evtchn_pending_sel)) out.push(`vcpu_info.${v}.evtchn_pending_sel must be a sorted list of distinct word indices`);
    for (const f of ['evtchn_upcall_pending', 'evtchn_upcall_mask'] as const) {
      if (vi[f] !== 0 && vi[f] !== 1) out.push(`vcpu_info.${v}.${f} = ${vi[f]}: a u8 flag, 0 or 1`);
    }
  });
  for (const [k, ch] of Object.entries(evtchn)) {
    const p = Number(k);
    if (!Number.isInteger(p) || p < 0 || p >= maxPorts) out.push(`evtchn.${k}: port beyond the ABI's ${maxPorts} ports`);
    if (!ECS_STATES.includes(ch.state)) out.push(`evtchn.${k}.state = ${JSON.stringify(ch.state)}, not one of ${ECS_STATES.join(', ')}`);
    if (!Number.isInteger(ch.notify_vcpu_id) || ch.notify_vcpu_id < 0 || ch.notify_vcpu_id >= nrVcpus) {
      out.push(`evtchn.${k}.notify_vcpu_id = ${ch.notify_vcpu_id}: unknown vCPU (the domain has vCPUs 0..${nrVcpus - 1})`);
    }
    if (p === 0 && ch.state !== 'ECS_RESERVED') out.push('evtchn.0.state must be ECS_RESERVED: port 0 is never allocated (evtchn_init)');
    if (!Number.isInteger(ch.priority) || ch.priority < 0 || ch.priority > 15) out.push(`evtchn.${k}.priority = ${ch.priority}, not 0..15`);
  }
  return out;
}
