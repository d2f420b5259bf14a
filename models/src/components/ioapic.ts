// The IO-APIC (82093AA-style redirection table, per-pin request latch, Remote-IRR, EOI storm limiter),
// with the QEMU-TCG, KVM in-kernel and SDM behaviours of rules QR8–QR12 (QEMU `IOAPICCommonState`, KVM `struct kvm_ioapic`).
// Mirrors QEMU `ioapic_set_irq`/`ioapic_service`/`ioapic_eoi_broadcast`/`ioapic_mem_write` (hw/intc/ioapic.c)
// and KVM `ioapic_set_irq`/`ioapic_service`/`kvm_ioapic_update_eoi_one`/`ioapic_write_indirect` (arch/x86/kvm/ioapic.c).
// Pin sets are sorted number arrays, so a trace shows `irr: [] → [10]`.

import { ModelError } from '../core/types';

export const IOAPIC_NUM_PINS = 24;
/** QEMU `SUCCESSIVE_IRQ_MAX_COUNT` / KVM `IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT` (QR10). */
export const IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT = 10000;
/** Delivery modes, RTE bits 10:8 (IOAPIC_DM_* / APIC_DM_*). 3 and 6 are reserved. */
export const DM_FIXED = 0;
export const DM_LOWPRI = 1;
export const DM_SMI = 2;
export const DM_NMI = 4;
export const DM_INIT = 5;
export const DM_EXTINT = 7;

/** One redirection-table entry, field names as in KVM's `union kvm_ioapic_redirect_entry` (dest = RTE[63:56]). */
export interface IoapicRte {
  vector: number;
  /** Bits 10:8: 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT. */
  delivery_mode: number;
  /** Bit 11: 0 physical, 1 logical. */
  dest_mode: number;
  /** Bit 13: stored, ignored by both models (QR8). */
  polarity: number;
  /** Bit 14, read-only: a level interrupt from this pin is in service somewhere (QR9). */
  remote_irr: number;
  /** Bit 15: 0 edge, 1 level. */
  trig_mode: number;
  /** Bit 16. */
  mask: number;
  /** RTE[63:56], the destination APIC ID or logical mask (QEMU's `dest_idx` high byte). */
  dest: number;
}

export interface IoapicState {
  /** 0x20 (QEMU default `IOAPIC_VER_DEF`, has the EOI register) or 0x11 (KVM `IOAPIC_VERSION_ID`, none). */
  version: number;
  /**
   * Per-pin request latch (QEMU's `irr`, not the LAPIC IRR). Level pin: mirrors the asserted line.
   * Edge pin: QEMU sets it on assert and clears it when the message is sent; KVM keeps the line state.
   */
  irr: number[];
  /** Pins whose input line is currently asserted (QEMU's `irq_level[]` statistic; KVM's `irq_states` OR). */
  line: number[];
  /** KVM `irr_delivered`: edge pins whose current assertion has been sent. */
  irr_delivered: number[];
  /** Consecutive "EOI while the line is still high" count per pin (QR10 storm limiter). */
  irq_eoi: number[];
  /** QEMU `delayed_ioapic_service_timer` armed / KVM `eoi_inject` delayed work queued (10 ms later). */
  delayed_service_pending: boolean;
  ioredtbl: IoapicRte[];
}

/** Which implementation's IO-APIC a profile runs (QR8–QR12 say where they differ). */
export type IoapicForm = 'qemu' | 'kvm' | 'sdm';

/**
 * `qemu-tcg` and `kvm-split*` use QEMU's IO-APIC; `kvm-inkernel*` (and bare `apicv-*`, which imply it) use KVM's;
 * `sdm` is the 82093AA as documented.
 */
export function ioapicForm(profile: string): IoapicForm {
  if (profile === 'sdm') return 'sdm';
  if (profile.startsWith('qemu') || profile.startsWith('kvm-split')) return 'qemu';
  if (profile.startsWith('kvm') || profile.startsWith('apicv')) return 'kvm';
  throw new ModelError(`profile "${profile}" names no IO-APIC implementation (expected sdm, qemu-tcg, kvm-inkernel…, kvm-split…)`, 'profile');
}

/** The reset RTE: masked, edge, vector 0 (QEMU `ioapic_reset_common`, KVM `kvm_ioapic_reset`). */
export function newRte(over: Partial<IoapicRte> = {}): IoapicRte {
  return { vector: 0, delivery_mode: DM_FIXED, dest_mode: 0, polarity: 0, remote_irr: 0, trig_mode: 0, mask: 1, dest: 0, ...over };
}

export function newIoapic(profile: string): IoapicState {
  const form = ioapicForm(profile);
  return {
    version: form === 'kvm' ? 0x11 : 0x20,
    irr: [],
    line: [],
    irr_delivered: [],
    irq_eoi: new Array<number>(IOAPIC_NUM_PINS).fill(0),
    delayed_service_pending: false,
    ioredtbl: Array.from({ length: IOAPIC_NUM_PINS }, () => newRte()),
  };
}

function addPin(set: number[], p: number): void {
  if (!set.includes(p)) {
    set.push(p);
    set.sort((a, b) => a - b);
  }
}
function clearPin(set: number[], p: number): void {
  const i = set.indexOf(p);
  if (i >= 0) set.splice(i, 1);
}

/** Bad pin numbers are caller errors: ModelError naming the field. */
export function checkPin(pin: number, field = 'pin'): void {
  if (!Number.isInteger(pin) || pin < 0 || pin >= IOAPIC_NUM_PINS) {
    throw new ModelError(`${field} = ${pin} is not an IO-APIC input: the IO-APIC has pins 0..${IOAPIC_NUM_PINS - 1}`, field);
  }
}

/** The interrupt message a serviced pin sends (QEMU `ioapic_entry_parse`: MSI address/data; KVM `kvm_lapic_irq`). */
export interface IoapicMessage {
  pin: number;
  vector: number;
  delivery_mode: number;
  dest_mode: number;
  dest: number;
  /** 1 = level. */
  trig_mode: number;
  /** `0xFEE00000 | dest<<12 | dest_mode<<2` (RTE[63:56] lands in addr[19:12]). */
  address: number;
  /** `vector | delivery_mode<<8 | trig<<15`. */
  data: number;
}

export function rteMessage(pin: number, e: IoapicRte): IoapicMessage {
  return {
    pin,
    vector: e.vector,
    delivery_mode: e.delivery_mode,
    dest_mode: e.dest_mode,
    dest: e.dest,
    trig_mode: e.trig_mode,
    address: (0xfee00000 | (e.dest << 12) | (e.dest_mode << 2)) >>> 0,
    data: e.vector | (e.delivery_mode << 8) | (e.trig_mode << 15),
  };
}

export interface ServiceResult {
  sent: IoapicMessage[];
  /** Pins with a request that were not sent, and why (masked, Remote-IRR). */
  held: { pin: number; why: string }[];
}

/**
 * Delivery of a message to the LAPICs: returns how many accepted it (KVM `kvm_irq_delivery_to_apic`,
 * −1 = no target). QEMU ignores the result; KVM sets Remote-IRR only when it is non-zero (QR9).
 */
export type DeliverFn = (m: IoapicMessage) => number;

/**
 * QR9: service. QEMU (`ioapic_service`) scans all 24 pins with a latched request; KVM (`ioapic_service`) services
 * the one pin it is called for. `pins` limits the scan; by default QEMU scans all and KVM needs a pin.
 */
export function ioapicService(s: IoapicState, profile: string, pins?: number[], deliver: DeliverFn = () => 1): ServiceResult {
  const form = ioapicForm(profile);
  const scan = pins ?? Array.from({ length: IOAPIC_NUM_PINS }, (_, i) => i);
  const out: ServiceResult = { sent: [], held: [] };
  for (const pin of scan) {
    checkPin(pin);
    if (!s.irr.includes(pin)) continue;
    const e = s.ioredtbl[pin];
    if (e.mask) {
      out.held.push({ pin, why: `RTE ${pin} is masked: the request stays latched` });
      continue;
    }
    if (e.trig_mode === 1 && e.remote_irr) {
      out.held.push({ pin, why: `RTE ${pin} is level with Remote-IRR=1: the previous message is still in service` });
      continue;
    }
    // KVM keeps an edge pin's line in `irr`; a whole-table scan must not re-send an assertion already sent.
    if (form !== 'qemu' && e.trig_mode === 0 && s.irr_delivered.includes(pin) && pins === undefined) continue;
    const m = rteMessage(pin, e);
    if (e.trig_mode === 0) {
      // QEMU clears the edge latch; KVM (and the 82093AA) keep the line state and mark the assertion delivered.
      if (form === 'qemu') clearPin(s.irr, pin);
      else addPin(s.irr_delivered, pin);
    }
    const accepted = deliver(m);
    if (e.trig_mode === 1 && (form !== 'kvm' || accepted !== 0)) e.remote_irr = 1;
    out.sent.push(m);
  }
  return out;
}

export interface InputResult {
  /** What the input did: service ran, held by Remote-IRR, ignored (masked edge / de-assert), coalesced (KVM edge). */
  action: 'service' | 'hold' | 'ignored' | 'coalesced' | 'lowered';
  why: string;
  service?: ServiceResult;
}

/**
 * QR8: a level change on an input pin (QEMU `ioapic_set_irq`, KVM `ioapic_set_irq`). The caller has already
 * remapped QEMU's GPIO 0 to pin 2 (`ioapicGpioToPin`).
 */
export function ioapicSetIrq(s: IoapicState, pin: number, level: boolean, profile: string, deliver?: DeliverFn, opts: { defer?: boolean } = {}): InputResult {
  checkPin(pin);
  const form = ioapicForm(profile);
  const e = s.ioredtbl[pin];
  const wasHigh = s.line.includes(pin);
  if (level) addPin(s.line, pin);
  else clearPin(s.line, pin);
  const trig = e.trig_mode === 1 ? 'level' : 'edge';
  if (!level) {
    if (trig === 'level' || form !== 'qemu') {
      const had = s.irr.includes(pin);
      clearPin(s.irr, pin);
      return { action: 'lowered', why: `${trig} pin ${pin} de-asserted: request latch ${had ? 'cleared' : 'was already clear'}` };
    }
    return { action: 'ignored', why: `edge pin ${pin}: QEMU ignores a de-assert (QR8)` };
  }
  if (trig === 'level') {
    addPin(s.irr, pin);
    if (e.remote_irr) return { action: 'hold', why: `level pin ${pin} asserted but Remote-IRR=1: no message until EOI (QR9)` };
    const why = `level pin ${pin} asserted with Remote-IRR=0`;
    if (opts.defer) return { action: 'service', why };
    const service = form === 'qemu' ? ioapicService(s, profile, undefined, deliver) : ioapicService(s, profile, [pin], deliver);
    return { action: 'service', why, service };
  }
  // Edge pin.
  if (form === 'qemu') {
    if (e.mask) return { action: 'ignored', why: `edge pin ${pin} asserted while RTE masked: QEMU drops it (82093AA, QR8)` };
    addPin(s.irr, pin);
    const why = `edge pin ${pin} asserted, RTE unmasked: QEMU fires on every assert call${wasHigh ? ' (the line was already high: no edge detection)' : ''}`;
    if (opts.defer) return { action: 'service', why };
    return { action: 'service', why, service: ioapicService(s, profile, undefined, deliver) };
  }
  // KVM and SDM: only a 0→1 transition of the line is an edge.
  const old = s.irr.includes(pin);
  addPin(s.irr, pin);
  clearPin(s.irr_delivered, pin);
  if (old) return { action: 'coalesced', why: `edge pin ${pin} was already high: no 0→1 transition, coalesced (QR8)` };
  if (e.mask) {
    return { action: 'ignored', why: `edge pin ${pin} rose while RTE masked: lost, not replayed on unmask (QR8)` };
  }
  const why = `edge pin ${pin} rose 0→1 with RTE unmasked`;
  if (opts.defer) return { action: 'service', why };
  return { action: 'service', why, service: ioapicService(s, profile, [pin], deliver) };
}

/** QEMU `ioapic_set_irq`: GPIO 0 (ISA IRQ0) is pin 2, matching the MADT override (Q1.3). */
export function ioapicGpioToPin(gpio: number): number {
  return gpio === 0 ? 2 : gpio;
}

export interface EoiResult {
  /** Pins whose Remote-IRR this EOI cleared. */
  released: number[];
  /** Pins re-sent at once because their line is still asserted. */
  resent: IoapicMessage[];
  /** Pins whose re-send the storm limiter delayed by 10 ms. */
  delayed: number[];
  /** Level pins matching the vector that had no Remote-IRR (a spurious or duplicate EOI). */
  unmatched: number[];
}

/**
 * QR10: reception of EOI(vector) (QEMU `ioapic_eoi_broadcast`, KVM `kvm_ioapic_update_eoi_one`). Matches by
 * vector only, level RTEs only. KVM additionally does nothing when the LAPIC's trigger was edge or SVR[12] is set.
 */
export function ioapicEoi(
  s: IoapicState,
  vector: number,
  profile: string,
  opts: { trigger_level?: boolean; svr_directed_eoi?: boolean; deliver?: DeliverFn } = {},
): EoiResult {
  const form = ioapicForm(profile);
  const out: EoiResult = { released: [], resent: [], delayed: [], unmatched: [] };
  if (form === 'kvm' && (opts.trigger_level === false || opts.svr_directed_eoi)) return out;
  for (let pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
    const e = s.ioredtbl[pin];
    if (e.vector !== vector || e.trig_mode !== 1) continue;
    if (form === 'qemu' && !e.remote_irr) {
      // QEMU: `if (!(entry & IOAPIC_LVT_REMOTE_IRR)) continue;`
      out.unmatched.push(pin);
      continue;
    }
    if (e.remote_irr) out.released.push(pin);
    else out.unmatched.push(pin);
    e.remote_irr = 0;
    if (!e.mask && s.irr.includes(pin)) {
      s.irq_eoi[pin]++;
      if (form !== 'sdm' && s.irq_eoi[pin] >= IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT) {
        s.irq_eoi[pin] = 0;
        s.delayed_service_pending = true;
        out.delayed.push(pin);
      } else {
        const r = form === 'qemu' ? ioapicService(s, profile, undefined, opts.deliver) : ioapicService(s, profile, [pin], opts.deliver);
        out.resent.push(...r.sent);
      }
    } else {
      s.irq_eoi[pin] = 0;
    }
  }
  return out;
}

/**
 * The delayed re-service after a storm (QEMU `delayed_ioapic_service_cb` → `ioapic_service`; KVM
 * `kvm_ioapic_eoi_inject_work`: level pins with the latch set and Remote-IRR clear).
 */
export function ioapicDelayedService(s: IoapicState, profile: string, deliver?: DeliverFn): ServiceResult {
  s.delayed_service_pending = false;
  if (ioapicForm(profile) === 'qemu') return ioapicService(s, profile, undefined, deliver);
  const pins = s.ioredtbl.map((e, i) => (e.trig_mode === 1 && !e.remote_irr ? i : -1)).filter((i) => i >= 0);
  return ioapicService(s, profile, pins, deliver);
}

/**
 * QR11: a guest write of a whole RTE (Linux `__ioapic_write_entry`). Remote-IRR (and delivery status) are read-only
 * and preserved; an edge RTE gets Remote-IRR forced to 0 (QEMU `ioapic_fix_edge_remote_irr`, KVM
 * `ioapic_write_indirect`). QEMU resets `irq_eoi[pin]` and re-services every pin; KVM re-services only this pin and
 * only when it is level, latched, unmasked and Remote-IRR clear.
 */
export function ioapicWriteRte(s: IoapicState, pin: number, value: Partial<IoapicRte>, profile: string, deliver?: DeliverFn): { remoteIrrCleared: boolean; service: ServiceResult } {
  checkPin(pin);
  const form = ioapicForm(profile);
  const old = s.ioredtbl[pin];
  const next: IoapicRte = { ...old, ...value, remote_irr: old.remote_irr };
  let remoteIrrCleared = false;
  if (next.trig_mode === 0 && next.remote_irr) {
    next.remote_irr = 0;
    remoteIrrCleared = true;
  }
  const problems = rteProblems(next, `RTE ${pin}`);
  if (problems.length > 0) throw new ModelError(problems.join('; '), 'value');
  s.ioredtbl[pin] = next;
  if (form === 'qemu') {
    s.irq_eoi[pin] = 0;
    return { remoteIrrCleared, service: ioapicService(s, profile, undefined, deliver) };
  }
  if (next.trig_mode === 1 && s.irr.includes(pin) && !next.mask && !next.remote_irr) {
    return { remoteIrrCleared, service: ioapicService(s, profile, [pin], deliver) };
  }
  return { remoteIrrCleared, service: { sent: [], held: [] } };
}

/**
 * QR12: a write to the EOI register at offset 0x40 (directed EOI, Linux `io_apic_eoi`). QEMU honours it only for
 * version 0x20 and a 4-byte access; KVM's version 0x11 IO-APIC has no such register.
 */
export function ioapicWriteEoiRegister(s: IoapicState, value: number, profile: string, size = 4, deliver?: DeliverFn): { honoured: boolean; why: string; eoi?: EoiResult } {
  const form = ioapicForm(profile);
  if (form === 'kvm') return { honoured: false, why: 'KVM in-kernel IO-APIC (version 0x11) has no EOI register: the write is ignored (QR12)' };
  if (s.version < 0x20) return { honoured: false, why: `IO-APIC version 0x${s.version.toString(16)} has no EOI register (needs 0x20)` };
  if (form === 'qemu' && size !== 4) return { honoured: false, why: `QEMU honours the EOI register only for 4-byte writes, not ${size}` };
  return { honoured: true, why: `EOI register written with vector ${value & 0xff}`, eoi: ioapicEoi(s, value & 0xff, profile, { deliver }) };
}

function rteProblems(e: IoapicRte, where: string): string[] {
  const out: string[] = [];
  const bits: [keyof IoapicRte, number][] = [['dest_mode', 1], ['polarity', 1], ['remote_irr', 1], ['trig_mode', 1], ['mask', 1], ['vector', 255], ['dest', 255], ['delivery_mode', 7]];
  for (const [k, max] of bits) {
    const v = e[k];
    if (!Number.isInteger(v) || v < 0 || v > max) out.push(`${where}.${k} = ${JSON.stringify(v)} is not in 0..${max}`);
  }
  if (e.delivery_mode === 3 || e.delivery_mode === 6) out.push(`${where}.delivery_mode = ${e.delivery_mode} is reserved`);
  if (!e.mask && (e.delivery_mode === DM_FIXED || e.delivery_mode === DM_LOWPRI) && e.vector < 16) {
    out.push(`${where}.vector = ${e.vector}: vectors 0..15 are illegal for fixed delivery (QR1, SDM 10.5.2)`);
  }
  if (e.remote_irr && e.trig_mode === 0) out.push(`${where}.remote_irr = 1 on an edge RTE is impossible (QR11 clears it)`);
  return out;
}

/** Problems with an IO-APIC state a user supplied: pins beyond 23, bad RTE fields, vectors below 16. */
export function ioapicProblems(s: IoapicState, where: string): string[] {
  const out: string[] = [];
  for (const k of ['irr', 'line', 'irr_delivered'] as const) {
    for (const p of s[k]) {
      if (!Number.isInteger(p) || p < 0 || p >= IOAPIC_NUM_PINS) out.push(`${where}.${k} holds pin ${p}, not 0..${IOAPIC_NUM_PINS - 1}`);
    }
    const sorted = [...s[k]].sort((a, b) => a - b);
    if (JSON.stringify(sorted) !== JSON.stringify(s[k]) || new Set(s[k]).size !== s[k].length) out.push(`${where}.${k} must be a sorted list of distinct pins`);
  }
  if (s.ioredtbl.length !== IOAPIC_NUM_PINS) out.push(`${where}.ioredtbl has ${s.ioredtbl.length} entries, expected ${IOAPIC_NUM_PINS}`);
  if (s.irq_eoi.length !== IOAPIC_NUM_PINS) out.push(`${where}.irq_eoi has ${s.irq_eoi.length} entries, expected ${IOAPIC_NUM_PINS}`);
  s.ioredtbl.forEach((e, i) => out.push(...rteProblems(e, `${where}.ioredtbl.${i}`)));
  if (s.version !== 0x11 && s.version !== 0x20) out.push(`${where}.version = 0x${s.version.toString(16)}: QEMU allows 0x11 or 0x20, KVM is 0x11`);
  return out;
}
