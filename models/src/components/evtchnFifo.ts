// The Xen FIFO event-channel ABI: event words (PENDING/MASKED/LINKED/BUSY/LINK), per-vCPU control blocks
// (READY bitmap, head[16]) and Xen's per-vCPU queues (tail). Rules XR29–XR33.
// Mirrors xen/common/event_fifo.c (evtchn_fifo_set_pending, evtchn_fifo_unmask) and
// drivers/xen/events/events_fifo.c (__evtchn_fifo_handle_events, consume_one_event, evtchn_fifo_unmask).

import { addBit, clearBit, hasBit } from './lapic';
import { Evtchn } from './evtchn2l';

/** EVTCHN_FIFO_NR_CHANNELS = 1 << EVTCHN_FIFO_LINK_BITS (17) (xen/include/public/event_channel.h). */
export const EVTCHN_FIFO_NR_CHANNELS = 131072;
export const EVTCHN_FIFO_MAX_QUEUES = 16;
export const EVTCHN_FIFO_PRIORITY_DEFAULT = 7;
/** A 4 KiB event-array page holds 1024 32-bit event words. */
export const EVTCHN_FIFO_EVENT_WORDS_PER_PAGE = 1024;

/** One 32-bit event word: PENDING bit 31, MASKED 30, LINKED 29, BUSY 28, LINK bits 16..0. */
export interface EventWord {
  PENDING: number;
  MASKED: number;
  LINKED: number;
  BUSY: number;
  LINK: number;
}

export interface ControlBlock {
  /** Set once EVTCHNOP_init_control mapped this vCPU's block (map_control_block). */
  mapped: boolean;
  /** READY bitmap: priorities whose queue went non-empty. */
  ready: number[];
  /** head[prio], written by Xen when a queue was empty. */
  head: number[];
}

export interface FifoState {
  /** Event-array pages the guest added (EVTCHNOP_expand_array); ports ≥ pages × 1024 have no word yet. */
  event_array_pages: number;
  /** Event words of the ports the model touches. A missing word reads as freshly initialised: MASKED (init_array_page). */
  event_word: Record<string, EventWord>;
  /** Per vCPU: `struct evtchn_fifo_control_block`. */
  control_block: ControlBlock[];
  /** Per vCPU: Xen's `struct evtchn_fifo_queue` tails, one per priority. */
  queue_tail: number[][];
  /** Per Linux CPU: the guest's cached queue heads (`struct evtchn_fifo_queue.head` in events_fifo.c). */
  guest_head: number[][];
}

const zeros16 = (): number[] => new Array<number>(EVTCHN_FIFO_MAX_QUEUES).fill(0);

export function newFifo(nrVcpus: number): FifoState {
  return {
    event_array_pages: 1,
    event_word: {},
    control_block: Array.from({ length: nrVcpus }, () => ({ mapped: true, ready: [], head: zeros16() })),
    queue_tail: Array.from({ length: nrVcpus }, zeros16),
    guest_head: Array.from({ length: nrVcpus }, zeros16),
  };
}

export function newWord(over: Partial<EventWord> = {}): EventWord {
  return { PENDING: 0, MASKED: 0, LINKED: 0, BUSY: 0, LINK: 0, ...over };
}

export function hasWord(f: FifoState, port: number): boolean {
  return port < f.event_array_pages * EVTCHN_FIFO_EVENT_WORDS_PER_PAGE;
}

/** The word of `port`, materialised (as MASKED, like init_array_page) when the model had not stored it. */
export function word(f: FifoState, port: number): EventWord {
  const k = String(port);
  if (!f.event_word[k]) f.event_word[k] = newWord({ MASKED: 1 });
  return f.event_word[k];
}

export type FifoSetPending = 'no-page' | 'no-control-block' | 'masked' | 'already-linked' | 'linked-to-tail' | 'queued-at-head';

export interface FifoSetPendingResult {
  result: FifoSetPending;
  /** Call vcpu_mark_events_pending(v): queue went empty → non-empty and READY bit was 0 (XR29). */
  notify: boolean;
  /** PENDING went 0 → 1 (check pollers). */
  newlyPending: boolean;
}

/** XR29/XR30: Xen's `evtchn_fifo_set_pending` on vCPU `v` for channel `ch` (port `port`). */
export function fifoSetPending(f: FifoState, ch: Evtchn, port: number, v: number): FifoSetPendingResult {
  if (!hasWord(f, port)) {
    ch.pending = true;
    return { result: 'no-page', notify: false, newlyPending: false };
  }
  if (!f.control_block[v].mapped) return { result: 'no-control-block', notify: false, newlyPending: false };
  const w = word(f, port);
  const newlyPending = w.PENDING === 0;
  w.PENDING = 1;
  if (w.MASKED) return { result: 'masked', notify: false, newlyPending };
  if (w.LINKED) return { result: 'already-linked', notify: false, newlyPending };
  w.LINKED = 1;
  const prio = ch.priority;
  // The old queue's tail is invalidated if it was this port (XR30: fifo_lastq).
  if (f.queue_tail[ch.last_vcpu_id][ch.last_priority] === port) f.queue_tail[ch.last_vcpu_id][ch.last_priority] = 0;
  ch.last_vcpu_id = v;
  ch.last_priority = prio;
  let linked = false;
  const tail = f.queue_tail[v][prio];
  if (tail !== 0 && word(f, tail).LINKED) {
    word(f, tail).LINK = port; // evtchn_fifo_set_link: cmpxchg succeeds while the tail is LINKED
    linked = true;
  }
  if (!linked) f.control_block[v].head[prio] = port;
  f.queue_tail[v][prio] = port;
  let notify = false;
  if (!linked && !hasBit(f.control_block[v].ready, prio)) {
    addBit(f.control_block[v].ready, prio);
    notify = true;
  }
  return { result: linked ? 'linked-to-tail' : 'queued-at-head', notify, newlyPending };
}

/** XR33 guest side: Linux `evtchn_fifo_unmask`: clear MASKED locally iff not PENDING, else ask Xen. */
export function fifoUnmaskGuest(f: FifoState, port: number): 'cleared-locally' | 'hypercall' {
  const w = word(f, port);
  if (w.PENDING) return 'hypercall';
  w.MASKED = 0;
  return 'cleared-locally';
}

/** XR33 Xen side: `evtchn_fifo_unmask` clears MASKED; if PENDING the caller re-runs set_pending on notify_vcpu_id. */
export function fifoUnmaskXen(f: FifoState, port: number): 'no-page' | 'not-pending' | 'relink' {
  if (!hasWord(f, port)) return 'no-page';
  const w = word(f, port);
  w.MASKED = 0;
  return w.PENDING ? 'relink' : 'not-pending';
}

/** `clear_linked` + `consume_one_event` (XR31): pop the head of queue `q` on CPU `cpu`. */
export function fifoConsumeOne(f: FifoState, cpu: number, q: number, localReady: number[]): { port: number; handle: boolean; next: number } {
  let head = f.guest_head[cpu][q];
  if (head === 0) head = f.control_block[cpu].head[q];
  const port = head;
  const w = word(f, port);
  const next = w.LINK;
  w.LINKED = 0;
  w.LINK = 0;
  if (next === 0) clearBit(localReady, q);
  f.guest_head[cpu][q] = next;
  return { port, handle: w.PENDING === 1 && w.MASKED === 0, next };
}

/** Impossible FIFO states: ports beyond 131072, bad priorities, unknown vCPUs, LINK beyond the ABI. */
export function fifoProblems(f: FifoState, nrVcpus: number): string[] {
  const out: string[] = [];
  for (const [k, w] of Object.entries(f.event_word)) {
    const p = Number(k);
    if (!Number.isInteger(p) || p <= 0 || p >= EVTCHN_FIFO_NR_CHANNELS) out.push(`fifo.event_word.${k}: port beyond the FIFO ABI's ${EVTCHN_FIFO_NR_CHANNELS} ports (1..${EVTCHN_FIFO_NR_CHANNELS - 1})`);
    for (const b of ['PENDING', 'MASKED', 'LINKED', 'BUSY'] as const) if (w[b] !== 0 && w[b] !== 1) out.push(`fifo.event_word.${k}.${b} = ${w[b]}: a bit, 0 or 1`);
    if (!Number.isInteger(w.LINK) || w.LINK < 0 || w.LINK >= EVTCHN_FIFO_NR_CHANNELS) out.push(`fifo.event_word.${k}.LINK = ${w.LINK}: beyond the FIFO ABI's ports`);
  }
  if (f.control_block.length !== nrVcpus) out.push(`fifo.control_block has ${f.control_block.length} entries for ${nrVcpus} vCPUs`);
  f.control_block.forEach((cb, v) => {
    for (const q of cb.ready) if (!Number.isInteger(q) || q < 0 || q >= EVTCHN_FIFO_MAX_QUEUES) out.push(`fifo.control_block.${v}.ready holds priority ${q}, not 0..15`);
    if (cb.head.length !== EVTCHN_FIFO_MAX_QUEUES) out.push(`fifo.control_block.${v}.head must have 16 entries`);
  });
  return out;
}

