// Xen's HVM event-channel callback: struct hvm_irq's callback_via_type/callback_via/callback_via_asserted,
// the counted GSI wire, PCI INTx, the per-vCPU upcall vector and the vIOAPIC pins it drives.
// Rules XR16–XR18d; mirrors xen/arch/x86/hvm/irq.c (hvm_assert_evtchn_irq,
// hvm_set_callback_irq_level, hvm_set_callback_via, hvm_maybe_deassert_evtchn_irq) and vioapic.c.

import { addBit, clearBit, hasBit } from './lapic';

export const CALLBACK_VIA_TYPES = ['HVMIRQ_callback_none', 'HVMIRQ_callback_gsi', 'HVMIRQ_callback_pci_intx', 'HVMIRQ_callback_vector'] as const;
export type CallbackViaType = (typeof CALLBACK_VIA_TYPES)[number];

/** `struct hvm_irq` fields of the callback path (xen/arch/x86/include/asm/hvm/irq.h). */
export interface HvmIrq {
  callback_via_type: CallbackViaType;
  /** The union `callback_via`: gsi, pci.{dev,intx}, vector — only the field of the current type matters. */
  callback_via: { gsi: number; dev: number; intx: number; vector: number };
  /** Mirrors UP[vcpu0] for GSI/INTx (XR18c); kept across a via change. */
  callback_via_asserted: boolean;
  /** Wire-OR counts per GSI, for the GSIs the model touches. */
  gsi_assert_count: Record<string, number>;
  /** Asserted PCI INTx wires, as dev*4+intx. */
  pci_intx: number[];
  /** `pci_link.route[0..3]`: ISA IRQ of each PCI-ISA link, 0 = not routed. */
  pci_link_route: number[];
  /** 48 for a domU (VIOAPIC_NUM_PINS). */
  nr_gsis: number;
}

/** One vIOAPIC redirection entry (`union vioapic_redir_entry`), dest decoded to the vCPU it names. */
export interface VioapicPin {
  vector: number;
  /** 0 fixed, 1 lowest priority. */
  delivery_mode: number;
  dest_vcpu: number;
  mask: number;
  /** 0 edge, 1 level. */
  trig_mode: number;
  remote_irr: number;
}

export function newHvmIrq(): HvmIrq {
  return {
    callback_via_type: 'HVMIRQ_callback_none',
    callback_via: { gsi: 0, dev: 0, intx: 0, vector: 0 },
    callback_via_asserted: false,
    gsi_assert_count: {},
    pci_intx: [],
    pci_link_route: [0, 0, 0, 0],
    nr_gsis: 48,
  };
}

/** `hvm_pci_intx_gsi(dev, intx)` (xen/arch/x86/include/asm/hvm/irq.h). */
export const hvmPciIntxGsi = (dev: number, intx: number): number => ((((dev << 2) + (dev >> 3) + intx) & 31) + 16);
/** `hvm_pci_intx_link(dev, intx)`. */
export const hvmPciIntxLink = (dev: number, intx: number): number => (dev + intx) & 3;

export interface ParsedVia {
  type: CallbackViaType;
  gsi: number;
  dev: number;
  intx: number;
  vector: number;
  why: string;
}

/** XR18d: `hvm_set_callback_via`'s decoding of HVM_PARAM_CALLBACK_IRQ (bits 63:56 = type). */
export function parseCallbackVia(via: bigint, nrGsis: number): ParsedVia {
  const rawType = Number((via >> 56n) & 0xffn);
  const type = (rawType + 1) & 0xff; // stored in a uint8_t: 0xff wraps to 0
  const low = Number(via & 0xffffffffn);
  const none = (why: string): ParsedVia => ({ type: 'HVMIRQ_callback_none', gsi: 0, dev: 0, intx: 0, vector: 0, why });
  if (type === 1) {
    const gsi = low & 0xff; // 8-bit truncation
    if (gsi === 0 || gsi >= nrGsis) return none(`type 0 (GSI) with gsi ${gsi}: 0 or ≥ nr_gsis ${nrGsis} → none`);
    return { type: 'HVMIRQ_callback_gsi', gsi, dev: 0, intx: 0, vector: 0, why: `type 0 → GSI ${gsi}` };
  }
  if (type === 2) {
    const dev = (low >> 11) & 31;
    const intx = low & 3;
    return { type: 'HVMIRQ_callback_pci_intx', gsi: 0, dev, intx, vector: 0, why: `type 1 → PCI INTx dev ${dev} INT${'ABCD'[intx]} (bus, function and PCI domain ignored)` };
  }
  if (type === 3) {
    const vector = low & 0xff;
    return { type: 'HVMIRQ_callback_vector', gsi: 0, dev: 0, intx: 0, vector, why: `type 2 → global vector 0x${vector.toString(16)} (no range check)` };
  }
  return none(`type byte 0x${rawType.toString(16)} is not 0, 1 or 2 → none`);
}

/** X6.8 `is_hvm_pv_evtchn_domain`: the domain is in vector mode (global vector, or vCPU0 has a per-vCPU vector). */
export function isHvmPvEvtchnDomain(h: HvmIrq, upcallVector0: number): boolean {
  return h.callback_via_type === 'HVMIRQ_callback_vector' || upcallVector0 !== 0;
}

export type AssertDecision = 'tasklet' | 'percpu-vector' | 'vlapic-disabled' | 'pv-evtchn-kick' | 'vcpu0-level' | 'nothing';

/** XR17: the branch `hvm_assert_evtchn_irq(v)` takes. */
export function hvmAssertDecision(h: HvmIrq, v: number, upcallVector: number[], vlapicEnabled: boolean, xenInIrq: boolean): AssertDecision {
  if (xenInIrq) return 'tasklet';
  if (upcallVector[v] !== 0) return vlapicEnabled ? 'percpu-vector' : 'vlapic-disabled';
  if (isHvmPvEvtchnDomain(h, upcallVector[0] ?? 0)) return 'pv-evtchn-kick';
  if (v === 0) return 'vcpu0-level';
  return 'nothing';
}

export interface LevelChange {
  changed: boolean;
  asserted: boolean;
  /** GSIs whose wire count went 0 → 1 (vioapic_irq_positive_edge is called on each). */
  positiveEdges: number[];
  /** GSIs whose count went 1 → 0. */
  negativeEdges: number[];
}

function bump(h: HvmIrq, gsi: number, d: number): number {
  const k = String(gsi);
  const before = h.gsi_assert_count[k] ?? 0;
  h.gsi_assert_count[k] = Math.max(0, before + d);
  return before;
}

/** Drive the via's wire to `level` (the gsi / pci_intx arms of hvm_set_callback_irq_level and hvm_set_callback_via). */
export function driveVia(h: HvmIrq, level: boolean): { positiveEdges: number[]; negativeEdges: number[] } {
  const pos: number[] = [];
  const neg: number[] = [];
  if (h.callback_via_type === 'HVMIRQ_callback_gsi') {
    const g = h.callback_via.gsi;
    if (level) { if (bump(h, g, +1) === 0) pos.push(g); } else if (bump(h, g, -1) === 1) neg.push(g);
  } else if (h.callback_via_type === 'HVMIRQ_callback_pci_intx') {
    const { dev, intx } = h.callback_via;
    const wire = dev * 4 + intx;
    if (level === hasBit(h.pci_intx, wire)) return { positiveEdges: pos, negativeEdges: neg };
    if (level) addBit(h.pci_intx, wire);
    else clearBit(h.pci_intx, wire);
    const gsi = hvmPciIntxGsi(dev, intx);
    if (level) { if (bump(h, gsi, +1) === 0) pos.push(gsi); } else if (bump(h, gsi, -1) === 1) neg.push(gsi);
    const isa = h.pci_link_route[hvmPciIntxLink(dev, intx)];
    if (isa !== 0) {
      if (level) { if (bump(h, isa, +1) === 0) pos.push(isa); } else if (bump(h, isa, -1) === 1) neg.push(isa);
    }
  }
  return { positiveEdges: pos, negativeEdges: neg };
}

/** XR18c: `hvm_set_callback_irq_level(vcpu0)`: the line follows UP[vcpu0]; vector/none types only store the flag. */
export function setCallbackIrqLevel(h: HvmIrq, up0: number): LevelChange {
  const asserted = up0 !== 0;
  if (asserted === h.callback_via_asserted) return { changed: false, asserted, positiveEdges: [], negativeEdges: [] };
  h.callback_via_asserted = asserted;
  const e = driveVia(h, asserted);
  return { changed: true, asserted, ...e };
}

export type PositiveEdge = 'no-pin' | 'masked' | 'remote-irr-set' | 'deliver';

/** X6.10 `vioapic_irq_positive_edge`: masked pins latch nothing; a level pin with Remote IRR waits for the EOI. */
export function vioapicPositiveEdge(pins: Record<string, VioapicPin>, gsi: number): PositiveEdge {
  const pin = pins[String(gsi)];
  if (!pin) return 'no-pin';
  if (pin.mask) return 'masked';
  if (pin.trig_mode === 1) {
    if (pin.remote_irr) return 'remote-irr-set';
    pin.remote_irr = 1;
  }
  return 'deliver';
}

/** X6.13 `vioapic_update_EOI`: clear Remote IRR of every pin with this vector; return the GSIs to re-deliver (line still asserted). */
export function vioapicUpdateEoi(pins: Record<string, VioapicPin>, h: HvmIrq, vector: number): number[] {
  const again: number[] = [];
  for (const [k, pin] of Object.entries(pins)) {
    if (pin.vector !== vector) continue;
    pin.remote_irr = 0;
    if (pin.trig_mode === 1 && !pin.mask && (h.gsi_assert_count[k] ?? 0) > 0) {
      pin.remote_irr = 1;
      again.push(Number(k));
    }
  }
  return again;
}

/** Impossible callback states: unknown type, GSI out of range, unknown destination vCPU, bad vectors. */
export function hvmCallbackProblems(h: HvmIrq, pins: Record<string, VioapicPin>, upcallVector: number[], nrVcpus: number): string[] {
  const out: string[] = [];
  if (!CALLBACK_VIA_TYPES.includes(h.callback_via_type)) out.push(`hvm_irq.callback_via_type = ${JSON.stringify(h.callback_via_type)}, not one of ${CALLBACK_VIA_TYPES.join(', ')}`);
  if (h.callback_via_type === 'HVMIRQ_callback_gsi' && (h.callback_via.gsi <= 0 || h.callback_via.gsi >= h.nr_gsis)) {
    out.push(`hvm_irq.callback_via.gsi = ${h.callback_via.gsi}: GSI 0 cannot be used and the domain has ${h.nr_gsis} GSIs`);
  }
  if (h.callback_via.dev < 0 || h.callback_via.dev > 31) out.push(`hvm_irq.callback_via.dev = ${h.callback_via.dev}, not a PCI device number 0..31`);
  if (h.callback_via.intx < 0 || h.callback_via.intx > 3) out.push(`hvm_irq.callback_via.intx = ${h.callback_via.intx}, not 0..3 (INTA..INTD)`);
  if (h.callback_via.vector < 0 || h.callback_via.vector > 255) out.push(`hvm_irq.callback_via.vector = ${h.callback_via.vector}, not 0..255`);
  for (const [k, pin] of Object.entries(pins)) {
    if (Number(k) < 0 || Number(k) >= h.nr_gsis) out.push(`vioapic.${k}: GSI beyond the domain's ${h.nr_gsis} vIOAPIC pins`);
    if (pin.dest_vcpu < 0 || pin.dest_vcpu >= nrVcpus) out.push(`vioapic.${k}.dest_vcpu = ${pin.dest_vcpu}: unknown vCPU (0..${nrVcpus - 1})`);
    if (pin.vector < 16 || pin.vector > 255) out.push(`vioapic.${k}.vector = ${pin.vector}: vectors 0..15 are illegal for fixed delivery`);
  }
  upcallVector.forEach((uv, v) => {
    if (uv !== 0 && (uv < 0x10 || uv > 255)) out.push(`vcpu.${v}.evtchn_upcall_vector = ${uv}: HVMOP_set_evtchn_upcall_vector refuses vectors below 0x10`);
  });
  return out;
}
