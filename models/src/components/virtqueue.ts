// A split virtqueue's used-buffer notification state: avail flags, used_event/avail_event, the device's
// last_used_idx/signalled_used/signalled_used_valid and the driver's last_used_idx, with the 16-bit event-index
// rule. Rule QR22; mirrors vhost `__vhost_add_used_n`/`vhost_notify`, QEMU
// `virtqueue_split_flush`/`virtio_split_should_notify`, Linux `vring_need_event` and the virtio_ring callbacks.

import { ModelError } from '../core/types';

/** `VRING_AVAIL_F_NO_INTERRUPT` (include/uapi/linux/virtio_ring.h). */
export const VRING_AVAIL_F_NO_INTERRUPT = 1;

export interface VirtqueueState {
  /** Ring size, a power of two (split ring). */
  num: number;
  /** Negotiated VIRTIO_RING_F_EVENT_IDX / VIRTIO_F_NOTIFY_ON_EMPTY. */
  event_idx: boolean;
  notify_on_empty: boolean;
  /** Guest-written avail ring header; `used_event` is `avail->ring[num]`. */
  avail: { flags: number; idx: number; used_event: number };
  /** Device-written used ring header; `avail_event` is `used->ring[num]`. */
  used: { idx: number; avail_event: number };
  /** Device side: vhost `vq->last_avail_idx` / QEMU `vq->last_avail_idx`. */
  last_avail_idx: number;
  /** Device side: vhost `vq->last_used_idx` / QEMU `vq->used_idx`. */
  last_used_idx: number;
  signalled_used: number;
  signalled_used_valid: boolean;
  /** QEMU `vq->inuse`: buffers popped but not yet pushed. */
  inuse: number;
  /** Driver side (Linux `struct vring_virtqueue`). */
  driver: {
    last_used_idx: number;
    /** `split.avail_flags_shadow & VRING_AVAIL_F_NO_INTERRUPT`: callbacks disabled. */
    cb_disabled: boolean;
    event_triggered: boolean;
  };
}

export function newVirtqueue(num = 256, event_idx = true): VirtqueueState {
  return {
    num,
    event_idx,
    notify_on_empty: false,
    avail: { flags: 0, idx: 0, used_event: 0 },
    used: { idx: 0, avail_event: 0 },
    last_avail_idx: 0,
    last_used_idx: 0,
    signalled_used: 0,
    signalled_used_valid: false,
    inuse: 0,
    driver: { last_used_idx: 0, cb_disabled: false, event_triggered: false },
  };
}

export const u16 = (x: number): number => ((x % 0x10000) + 0x10000) % 0x10000;
const s16 = (x: number): number => {
  const v = u16(x);
  return v >= 0x8000 ? v - 0x10000 : v;
};

/**
 * QR22: `vring_need_event(event, new, old)` = `(u16)(new − event − 1) < (u16)(new − old)`: true exactly when
 * `event` lies in [old, new) modulo 2^16, i.e. the used index just passed the index the driver asked for.
 */
export function vringNeedEvent(event: number, newIdx: number, old: number): boolean {
  return u16(newIdx - event - 1) < u16(newIdx - old);
}

/**
 * Device adds `count` used buffers (vhost `__vhost_add_used_n`, QEMU `virtqueue_split_flush`). The used index
 * wraps at 2^16. When the index overtakes `signalled_used`, `signalled_used_valid` is cleared so the next check
 * notifies unconditionally. vhost compares `(u16)(new − signalled_used)`; QEMU `(int16_t)(new − signalled_used)`.
 */
export function addUsed(vq: VirtqueueState, count: number, form: 'vhost' | 'qemu'): { old: number; new: number; invalidated: boolean } {
  if (!Number.isInteger(count) || count < 1 || count > vq.num) throw new ModelError(`count = ${count}: a batch adds 1..${vq.num} used buffers`, 'count');
  const old = vq.last_used_idx;
  const nu = u16(old + count);
  vq.last_used_idx = nu;
  vq.used.idx = nu;
  if (form === 'qemu') vq.inuse = Math.max(0, vq.inuse - count);
  const lhs = form === 'vhost' ? u16(nu - vq.signalled_used) : s16(nu - vq.signalled_used);
  const invalidated = lhs < u16(nu - old);
  if (invalidated) vq.signalled_used_valid = false;
  return { old, new: nu, invalidated };
}

export interface NotifyDecision {
  notify: boolean;
  why: string;
  /** The branch name, for traces. */
  branch: 'notify-on-empty' | 'flags' | 'flags-suppressed' | 'not-valid' | 'need-event' | 'suppressed';
}

/**
 * QR22: should the device interrupt the driver now? (vhost `vhost_notify`, QEMU `virtio_split_should_notify`.)
 * With EVENT_IDX this consumes the window: `signalled_used := new`, valid := true.
 */
export function shouldNotify(vq: VirtqueueState, form: 'vhost' | 'qemu'): NotifyDecision {
  const empty = vq.avail.idx === vq.last_avail_idx;
  if (vq.notify_on_empty && empty && (form === 'vhost' || vq.inuse === 0)) {
    return { notify: true, branch: 'notify-on-empty', why: `NOTIFY_ON_EMPTY and the avail ring is empty (avail.idx = last_avail_idx = ${vq.avail.idx})` };
  }
  if (!vq.event_idx) {
    const off = (vq.avail.flags & VRING_AVAIL_F_NO_INTERRUPT) !== 0;
    return off
      ? { notify: false, branch: 'flags-suppressed', why: 'no EVENT_IDX and avail.flags has VRING_AVAIL_F_NO_INTERRUPT' }
      : { notify: true, branch: 'flags', why: 'no EVENT_IDX and avail.flags lacks VRING_AVAIL_F_NO_INTERRUPT' };
  }
  const old = vq.signalled_used;
  const v = vq.signalled_used_valid;
  const nu = vq.last_used_idx;
  vq.signalled_used = nu;
  vq.signalled_used_valid = true;
  if (!v) return { notify: true, branch: 'not-valid', why: `signalled_used_valid was false: notify unconditionally (used idx ${nu})` };
  const e = vq.avail.used_event;
  const need = vringNeedEvent(e, nu, old);
  return need
    ? { notify: true, branch: 'need-event', why: `used_event ${e} lies in [old ${old}, new ${nu}) mod 2^16: (u16)(${nu}−${e}−1)=${u16(nu - e - 1)} < (u16)(${nu}−${old})=${u16(nu - old)}` }
    : { notify: false, branch: 'suppressed', why: `used_event ${e} is outside [old ${old}, new ${nu}) mod 2^16: (u16)(${nu}−${e}−1)=${u16(nu - e - 1)} ≥ (u16)(${nu}−${old})=${u16(nu - old)}` };
}

/** Linux `virtqueue_disable_cb_split`: event idx writes `used_event = 0` (unless an event already fired); else sets NO_INTERRUPT. */
export function disableCb(vq: VirtqueueState): string {
  if (vq.driver.cb_disabled) return 'callbacks already disabled';
  vq.driver.cb_disabled = true;
  if (vq.driver.event_triggered) return 'event already triggered: the device will not signal again, nothing written';
  if (vq.event_idx) {
    vq.avail.used_event = 0;
    return 'EVENT_IDX: used_event := 0 (suppresses until the index wraps back to 0)';
  }
  vq.avail.flags |= VRING_AVAIL_F_NO_INTERRUPT;
  return 'avail.flags |= VRING_AVAIL_F_NO_INTERRUPT';
}

/** Linux `virtqueue_enable_cb_prepare_split`: `used_event := last_used_idx`, clear NO_INTERRUPT; returns the index to poll. */
export function enableCbPrepare(vq: VirtqueueState): number {
  if (vq.driver.cb_disabled) {
    vq.driver.cb_disabled = false;
    if (!vq.event_idx) vq.avail.flags &= ~VRING_AVAIL_F_NO_INTERRUPT;
  }
  vq.avail.used_event = vq.driver.last_used_idx;
  return vq.driver.last_used_idx;
}

/** Linux `virtqueue_poll_split`: did the device add used buffers since `last`? */
export const pollUsed = (vq: VirtqueueState, last: number): boolean => u16(last) !== vq.used.idx;

/** Linux `more_used_split`: the driver has unconsumed used buffers. */
export const moreUsed = (vq: VirtqueueState): boolean => vq.driver.last_used_idx !== vq.used.idx;

/** The driver consumes every used buffer (`virtqueue_get_buf` in a loop). Returns how many. */
export function consumeUsed(vq: VirtqueueState): number {
  const n = u16(vq.used.idx - vq.driver.last_used_idx);
  vq.driver.last_used_idx = vq.used.idx;
  return n;
}

export function virtqueueProblems(vq: VirtqueueState, where: string): string[] {
  const out: string[] = [];
  if (!Number.isInteger(vq.num) || vq.num < 1 || vq.num > 32768 || (vq.num & (vq.num - 1)) !== 0) out.push(`${where}.num = ${vq.num}: a split ring size is a power of two up to 32768`);
  const idx: [string, number][] = [
    ['avail.idx', vq.avail.idx], ['avail.used_event', vq.avail.used_event], ['used.idx', vq.used.idx], ['used.avail_event', vq.used.avail_event],
    ['last_avail_idx', vq.last_avail_idx], ['last_used_idx', vq.last_used_idx], ['signalled_used', vq.signalled_used], ['driver.last_used_idx', vq.driver.last_used_idx],
  ];
  for (const [k, v] of idx) if (!Number.isInteger(v) || v < 0 || v > 0xffff) out.push(`${where}.${k} = ${v} is not a 16-bit ring index`);
  if (vq.used.idx !== vq.last_used_idx) out.push(`${where}.used.idx (${vq.used.idx}) must equal the device's last_used_idx (${vq.last_used_idx}) between batches`);
  if (u16(vq.used.idx - vq.driver.last_used_idx) > vq.num) out.push(`${where}.driver.last_used_idx = ${vq.driver.last_used_idx} is more than num=${vq.num} behind used.idx ${vq.used.idx}`);
  return out;
}
