// Flow Q11: the Linux 6.1 guest's IO-APIC setup: discovery, ISA overrides (QEMU's MADT), LAPIC/IO-APIC bring-up,
// pin → GSI → Linux IRQ (irqdomain), PCI GSIs via ACPI, vector/RTE programming at request_irq, and the guest-side
// IO-APIC EOI. Steps Q11.1–Q11.10, rules QR11, QR12, QR13 (what a pin, a GSI and an irq are).

import { ActionSpec, Flow, ModelError, ParamValues, Step, StepResult } from '../../core/types';
import { IoapicState, ioapicEoi, ioapicProblems, ioapicSetIrq, ioapicWriteEoiRegister, ioapicWriteRte, newIoapic, newRte } from '../../components/ioapic';
import { qemuLink, linuxLink, numParam, hex } from './qemuFlowKit';

/** One `struct mpc_intsrc` in `mp_irqs[]`. `irqflag` = trigger<<2 | polarity (0 conforming, 1 high/edge, 3 low/level). */
export interface MpIrq {
  srcbus: 'ISA' | 'PCI';
  srcbusirq: number;
  dstapic: number;
  dstirq: number;
  irqtype: 'INT' | 'ExtINT';
  irqflag: number;
}

/** A Linux IRQ backed by an IO-APIC pin (`struct mp_chip_data` + its irq_desc/irq_cfg). */
export interface LinuxIoapicIrq {
  irq: number;
  pin: number;
  gsi: number;
  is_level: boolean;
  active_low: boolean;
  isa_irq: boolean;
  /** `handle_fasteoi_irq` (level) or `handle_edge_irq`. */
  handler: string;
  chip: 'ioapic_chip' | 'ioapic_ir_chip';
  /** `data->count`: how many mappings hold it. */
  count: number;
  /** CPU vector after activation (−1 before). */
  vector: number;
  activated: boolean;
}

export interface Q11State {
  /** `ioapics[0]` as `mp_register_ioapic` records it. */
  mp_ioapic: { apicid: number; gsi_base: number; gsi_end: number; apicver: number; nr_registers: number; domain_type: 'legacy' | 'strict' | 'dynamic'; domain_created: boolean } | null;
  mp_irqs: MpIrq[];
  /** `isa_irq_to_gsi[]` (−1 = identity not valid). */
  isa_irq_to_gsi: number[];
  ioapic_initialized: boolean;
  /** The linear irqdomain: pin → Linux IRQ (0 = none). */
  domain_map: number[];
  irqs: LinuxIoapicIrq[];
  /** 8259 IRQs Linux masked because the IO-APIC routes them (`legacy_pic->mask`). */
  pic_masked: number[];
  /** BSP local APIC after `setup_local_APIC` / `end_local_APIC_setup`: SVR and raw LVT words. */
  lapic: { svr: number; lvt_lint0: number; lvt_lint1: number; lvt_error: number };
  /** CPU 0 vectors in use (system vectors, IRQ0's legacy 0x30, the cascade's 0x32, allocated ones). */
  vectors_used: number[];
  /** The IO-APIC device the guest programs (QEMU or KVM, by profile). */
  ioapic: IoapicState;
}

type S = Q11State;
const LINUX_IO_APIC_FILE = 'arch/x86/kernel/apic/io_apic.c';
const LINUX_ACPI_BOOT_FILE = 'arch/x86/kernel/acpi/boot.c';

/** QEMU's PC MADT (`acpi_build_madt`): IRQ0 → GSI2 (flags 0), IRQs 5, 9, 10, 11 level/active-high (flags 0xD). */
const QEMU_MADT_OVERRIDES: { irq: number; gsi: number; flags: number }[] = [
  { irq: 0, gsi: 2, flags: 0 },
  { irq: 5, gsi: 5, flags: 0xd },
  { irq: 9, gsi: 9, flags: 0xd },
  { irq: 10, gsi: 10, flags: 0xd },
  { irq: 11, gsi: 11, flags: 0xd },
];
const SYSTEM_VECTORS = [0x20, 0x30, 0x32, 0x80, ...Array.from({ length: 0x100 - 0xec }, (_, i) => 0xec + i)];

/** `find_irq_entry(ioapic, pin, mp_INT)`. */
function findIrqEntry(s: S, pin: number): number {
  return s.mp_irqs.findIndex((e) => e.irqtype === 'INT' && e.dstapic === (s.mp_ioapic?.apicid ?? 0) && e.dstirq === pin);
}

/** `irq_is_level` / `irq_active_low` from the MP flags: conforming = ISA edge/high, PCI level/low. */
function attrFromFlags(e: MpIrq): { is_level: boolean; active_low: boolean } {
  const pol = e.irqflag & 3;
  const trig = (e.irqflag >> 2) & 3;
  const isa = e.srcbus === 'ISA';
  return {
    active_low: pol === 0 ? !isa : pol === 3,
    is_level: trig === 0 ? !isa : trig === 3,
  };
}

/** Q11.7 without tracing: `mp_map_pin_to_irq` with IOAPIC_MAP_ALLOC. Returns the IRQ or a negative errno name. */
function mapPinToIrq(s: S, gsi: number, idx: number, pin: number, info: { is_level: boolean; active_low: boolean } | null, ir: boolean): { irq: number; branch: string; why: string } {
  const e = idx >= 0 ? s.mp_irqs[idx] : undefined;
  const legacy = e?.srcbus === 'ISA' && e.srcbusirq < 16;
  if (legacy && e?.srcbusirq === 2) return { irq: -22, branch: 'cascade-einval', why: 'ISA IRQ2 is the 8259 cascade: -EINVAL' };
  const attr = info ?? (e ? attrFromFlags(e) : { is_level: true, active_low: true });
  const attrWhy = info ? `attributes from the caller (ACPI): ${attr.is_level ? 'level' : 'edge'}/${attr.active_low ? 'low' : 'high'}` : e ? `attributes from MP flags ${hex(e.irqflag)}: ${attr.is_level ? 'level' : 'edge'}/${attr.active_low ? 'low' : 'high'}` : 'no entry: PCI default level/low';
  const existing = s.irqs.find((x) => x.pin === pin) ?? (legacy ? s.irqs.find((x) => x.irq === e?.srcbusirq) : undefined);
  if (existing) {
    if (existing.is_level !== attr.is_level || existing.active_low !== attr.active_low) return { irq: -16, branch: 'attr-mismatch-ebusy', why: `${attrWhy}; IRQ ${existing.irq} already mapped with other attributes: mp_check_pin_attr → -EBUSY` };
    existing.count++;
    return { irq: existing.irq, branch: legacy ? 'legacy-existing' : 'already-mapped', why: `${attrWhy}; pin ${pin} already has IRQ ${existing.irq}: mp_check_pin_attr ok, count → ${existing.count}` };
  }
  let irq: number;
  let branch: string;
  if (legacy && e) {
    irq = e.srcbusirq;
    branch = 'legacy-alloc';
  } else {
    const type = s.mp_ioapic?.domain_type ?? 'legacy';
    if (type === 'strict' || (type === 'legacy' && (!s.ioapic_initialized || gsi >= 16))) irq = gsi;
    else irq = Math.max(24, ...s.irqs.map((x) => x.irq + 1));
    branch = 'alloc';
  }
  s.domain_map[pin] = irq;
  const rec: LinuxIoapicIrq = {
    irq, pin, gsi, is_level: attr.is_level, active_low: attr.active_low, isa_irq: legacy,
    handler: attr.is_level ? 'handle_fasteoi_irq' : 'handle_edge_irq', chip: ir ? 'ioapic_ir_chip' : 'ioapic_chip', count: 1, vector: -1, activated: false,
  };
  s.irqs.push(rec);
  s.irqs.sort((a, b) => a.irq - b.irq);
  // mp_preconfigure_entry: is_level, active_low, masked = is_level (device side RTE written at activation).
  if (legacy && !s.pic_masked.includes(irq)) {
    s.pic_masked.push(irq);
    s.pic_masked.sort((a, b) => a - b);
  }
  return { irq, branch, why: `${attrWhy}; ${legacy ? `legacy ISA IRQ ${irq}: alloc_isa_irq_from_domain at that number, legacy_pic->mask(${irq})` : `alloc_irq_from_domain (${s.mp_ioapic?.domain_type} domain): IRQ ${irq}`} → __irq_domain_alloc_irqs → … → alloc_desc; mp_irqdomain_alloc: hwirq = pin ${pin}, ${rec.chip}, ${rec.handler}` };
}

function allocVector(s: S): number {
  for (let v = 0x21; v < 0xec; v++) {
    if (!s.vectors_used.includes(v)) {
      s.vectors_used.push(v);
      s.vectors_used.sort((a, b) => a - b);
      return v;
    }
  }
  throw new ModelError('no free vector on CPU 0', 'vectors_used');
}

const steps: Step<S>[] = [
  {
    id: 'Q11.1',
    title: 'mp_register_ioapic',
    role: 'Discovery: records the IO-APIC (ID, version from register 1, entries) and its GSI range; the irqdomain is created here only on hot-plug (at boot setup_IO_APIC does it). MP-table boots reach the same function through smp_read_mpc.',
    component: 'linux-ioapic',
    links: [
      linuxLink('acpi_parse_ioapic', LINUX_ACPI_BOOT_FILE),
      linuxLink('mp_register_ioapic', LINUX_IO_APIC_FILE),
      linuxLink('default_get_smp_config', 'arch/x86/kernel/mpparse.c'),
      linuxLink('smp_read_mpc', 'arch/x86/kernel/mpparse.c'),
      linuxLink('MP_ioapic_info', 'arch/x86/kernel/mpparse.c'),
      qemuLink('acpi_build_madt', 'hw/i386/acpi-common.c', { note: 'what QEMU puts in the MADT' }),
    ],
    branches: [
      { name: 'mptable', when: 'an MP table: default_get_smp_config → smp_read_mpc → MP_ioapic_info → mp_register_ioapic (version, GSI base, pins)', next: 'Q11.2' },
      { name: 'acpi', when: 'ACPI: the MADT IO-APIC entry → acpi_parse_ioapic → mp_register_ioapic (version, GSI base, pins)', next: 'Q11.2' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const mp = ctx.params.mptable === true;
      s.mp_ioapic = { apicid: 0, gsi_base: 0, gsi_end: 23, apicver: s.ioapic.version, nr_registers: 24, domain_type: 'legacy', domain_created: false };
      return {
        branch: mp ? 'mptable' : 'acpi',
        why: `${mp ? 'MP table: default_get_smp_config → check_physptr → smp_read_mpc → MP_ioapic_info' : 'MADT IO-APIC entry: acpi_parse_ioapic'} → mp_register_ioapic: version ${hex(s.ioapic.version)}, 24 pins, GSI 0..23 (gsi_base 0 < 16 → LEGACY domain type); irqdomain not created yet (boot)`,
        next: 'Q11.2',
      };
    },
  },
  {
    id: 'Q11.2',
    title: 'mp_override_legacy_irq',
    role: 'ISA IRQ → GSI through MADT interrupt source overrides (QEMU: IRQ0 → GSI2, 5/9/10/11 level active-high), then identity entries for the remaining ISA IRQs that no override or pin already claims.',
    component: 'linux-ioapic',
    links: [
      linuxLink('acpi_parse_int_src_ovr', LINUX_ACPI_BOOT_FILE),
      linuxLink('mp_override_legacy_irq', LINUX_ACPI_BOOT_FILE),
      linuxLink('mp_register_ioapic_irq', LINUX_ACPI_BOOT_FILE),
      linuxLink('mp_find_ioapic', LINUX_IO_APIC_FILE),
      linuxLink('mp_find_ioapic_pin', LINUX_IO_APIC_FILE),
      linuxLink('mp_save_irq', LINUX_IO_APIC_FILE),
      linuxLink('mp_config_acpi_legacy_irqs', LINUX_ACPI_BOOT_FILE),
      linuxLink('acpi_isa_irq_to_gsi', LINUX_ACPI_BOOT_FILE),
    ],
    branches: [
      { name: 'overrides', when: 'the MADT interrupt source overrides are read (QEMU: IRQ0→GSI2, and IRQ5, 9, 10, 11 level/high)', next: 'Q11.3' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const parts: string[] = [];
      for (const o of QEMU_MADT_OVERRIDES) {
        s.mp_irqs.push({ srcbus: 'ISA', srcbusirq: o.irq, dstapic: 0, dstirq: o.gsi, irqtype: 'INT', irqflag: o.flags });
        s.isa_irq_to_gsi[o.irq] = o.gsi;
        if (o.gsi < 16 && o.gsi !== o.irq) s.isa_irq_to_gsi[o.gsi] = -1;
        parts.push(`IRQ${o.irq}→GSI${o.gsi}${o.flags ? ' level/high' : ''}`);
      }
      const added: number[] = [];
      for (let i = 0; i < 16; i++) {
        const gsi = s.isa_irq_to_gsi[i];
        if (gsi < 0) continue;
        if (s.mp_irqs.some((e) => (e.srcbus === 'ISA' && e.srcbusirq === i) || e.dstirq === gsi)) continue;
        s.mp_irqs.push({ srcbus: 'ISA', srcbusirq: i, dstapic: 0, dstirq: gsi, irqtype: 'INT', irqflag: 0 });
        added.push(i);
      }
      return { branch: 'overrides', why: `overrides ${parts.join(', ')}; identity (conforming) entries for IRQ ${added.join(',')}; IRQ2 skipped (its pin is IRQ0's)`, next: 'Q11.3' };
    },
  },
  {
    id: 'Q11.3',
    title: 'apic_bsp_setup / enable_IO_APIC',
    role: 'Bring-up: SVR = enable|0xFF, BSP LINT0 = ExtINT masked (0x10700) because the IO-APIC is used, LINT1 = NMI (0x400), LVTERR = 0xFE; enable_IO_APIC looks for the 8259 ExtINT pin and clears (masks) every RTE.',
    component: 'linux-ioapic',
    links: [
      linuxLink('apic_intr_mode_init', 'arch/x86/kernel/apic/apic.c'),
      linuxLink('apic_intr_mode_select', 'arch/x86/kernel/apic/apic.c'),
      linuxLink('apic_bsp_setup', 'arch/x86/kernel/apic/apic.c'),
      linuxLink('setup_local_APIC', 'arch/x86/kernel/apic/apic.c'),
      linuxLink('end_local_APIC_setup', 'arch/x86/kernel/apic/apic.c'),
      linuxLink('enable_IO_APIC', LINUX_IO_APIC_FILE),
      linuxLink('clear_IO_APIC', LINUX_IO_APIC_FILE),
    ],
    branches: [
      { name: 'apic-mode', when: 'the LAPIC is software-enabled: SVR := 0x1ff (spurious vector 0xff; Linux 6.1 never sets bit 12)', next: 'Q11.4' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      s.lapic = { svr: 0x1ff, lvt_lint0: 0x10700, lvt_lint1: 0x400, lvt_error: 0xfe };
      for (let pin = 0; pin < 24; pin++) s.ioapic.ioredtbl[pin] = newRte();
      s.ioapic.irr = [];
      return { branch: 'apic-mode', why: 'SVR := 0x1ff (enabled, spurious 0xFF; bit 12 never set by Linux 6.1); LINT0 := 0x10700 (ExtINT, masked: the IO-APIC routes legacy IRQs); LINT1 := 0x400 (NMI); LVTERR := 0xFE; enable_IO_APIC: no ExtINT pin in use, clear_IO_APIC masks all 24 RTEs', next: 'Q11.4' };
    },
  },
  {
    id: 'Q11.4',
    title: 'setup_IO_APIC',
    role: 'io_apic_irqs = ~PIC_IRQS (IRQ2 never routed); mp_irqdomain_create (linear domain, hwirq = pin, parent = vector domain or IR); then setup_IO_APIC_irqs, init_IO_APIC_traps, check_timer; ioapic_initialized = 1.',
    component: 'linux-ioapic',
    links: [linuxLink('setup_IO_APIC', LINUX_IO_APIC_FILE), linuxLink('mp_irqdomain_create', LINUX_IO_APIC_FILE), linuxLink('init_IO_APIC_traps', LINUX_IO_APIC_FILE), linuxLink('check_timer', LINUX_IO_APIC_FILE)],
    branches: [
      { name: 'domain-created', when: 'mp_irqdomain_create: an IO-APIC irq domain (hwirq = pin) under the interrupt-remapping domain or the x86 vector domain', next: 'Q11.5' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      if (!s.mp_ioapic) throw new ModelError('no IO-APIC registered (run from Q11.1)', 'mp_ioapic');
      s.mp_ioapic.domain_created = true;
      return { branch: 'domain-created', why: `mp_irqdomain_create: ${s.mp_ioapic.domain_type} linear domain for IO-APIC ${s.mp_ioapic.apicid}, hwirq = pin, parent ${ctx.params.ir ? 'the interrupt-remapping domain' : 'the x86 vector domain'}`, next: 'Q11.5' };
    },
  },
  {
    id: 'Q11.5',
    title: 'setup_IO_APIC_irqs',
    role: 'For every pin: find_irq_entry(mp_INT) → "not connected" or pin_2_irq with IOAPIC_MAP_ALLOC (first IO-APIC). PCI GSIs ≥ 16 have no MADT entry, so they wait for the device’s ACPI _PRT (Q11.8).',
    component: 'linux-ioapic',
    links: [linuxLink('setup_IO_APIC_irqs', LINUX_IO_APIC_FILE), linuxLink('find_irq_entry', LINUX_IO_APIC_FILE)],
    branches: [
      { name: 'no-gsi', when: 'the ISA IRQ has no GSI (isa_irq_to_gsi is −1): nothing to map', next: null },
      { name: 'not-connected', when: 'the pin has no mp_irqs entry ("not connected"): it is mapped when a driver registers its GSI', next: 'Q11.8' },
      { name: 'connected', when: 'the pin has an mp_irqs entry (an ISA IRQ or an override): pin_2_irq maps it at boot', next: 'Q11.6' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const traced = tracedPin(s, ctx.params);
      const ir = ctx.params.ir === true;
      if (traced < 0) {
        ctx.emit({ kind: 'error', target: `ISA IRQ ${ctx.params.irq}`, detail: 'no GSI: acpi_isa_irq_to_gsi fails (IRQ2 is the cascade; IRQ0 was overridden onto pin 2)' });
      }
      const others: string[] = [];
      for (let pin = 0; pin < 24; pin++) {
        if (pin === traced) continue;
        const idx = findIrqEntry(s, pin);
        if (idx < 0) continue;
        const r = mapPinToIrq(s, (s.mp_ioapic?.gsi_base ?? 0) + pin, idx, pin, null, ir);
        others.push(`pin ${pin}→${r.irq < 0 ? r.branch : `IRQ ${r.irq}`}`);
      }
      if (traced < 0) {
        s.ioapic_initialized = true;
        return { branch: 'no-gsi', why: `ISA IRQ ${ctx.params.irq} has no GSI (isa_irq_to_gsi = −1): nothing to map; other pins: ${others.join(', ')}`, next: null };
      }
      const idx = findIrqEntry(s, traced);
      if (idx < 0) {
        s.ioapic_initialized = true;
        return { branch: 'not-connected', why: `pin ${traced}: no mp_irqs entry ("apic 0 pin ${traced} not connected"); other pins: ${others.join(', ')}; ioapic_initialized := 1`, next: 'Q11.8', params: { phase: 'probe' } };
      }
      return { branch: 'connected', why: `pin ${traced}: mp_irqs[${idx}] (${s.mp_irqs[idx].srcbus} IRQ ${s.mp_irqs[idx].srcbusirq}, flags ${hex(s.mp_irqs[idx].irqflag)}) → pin_2_irq; other pins: ${others.join(', ')}`, next: 'Q11.6', params: { idx, phase: 'boot' } };
    },
  },
  {
    id: 'Q11.6',
    title: 'pin_2_irq → mp_pin_to_gsi',
    role: 'A pin is an IO-APIC input (INTIN#), not a CPU pin: GSI = gsi_base + pin. (mp_map_gsi_to_irq is the GSI-indexed twin.)',
    component: 'linux-ioapic',
    links: [linuxLink('pin_2_irq', LINUX_IO_APIC_FILE), linuxLink('mp_pin_to_gsi', LINUX_IO_APIC_FILE)],
    branches: [
      { name: 'gsi', when: 'GSI = the IO-APIC\'s gsi_base + pin', next: 'Q11.7' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const pin = pinOrFail(s, ctx.params);
      const gsi = (s.mp_ioapic?.gsi_base ?? 0) + pin;
      return { branch: 'gsi', why: `GSI = gsi_base ${s.mp_ioapic?.gsi_base ?? 0} + pin ${pin} = ${gsi}`, next: 'Q11.7', params: { gsi_found: gsi } };
    },
  },
  {
    id: 'Q11.7',
    title: 'mp_map_pin_to_irq',
    role: 'ISA source → IRQ = ISA number (IRQ2 → -EINVAL); with ALLOC: attributes (caller, MP flags, PCI default), then legacy allocation at the fixed number, an existing mapping checked by mp_check_pin_attr (-EBUSY on mismatch), or alloc_irq_from_domain (LEGACY: IRQ = GSI); the hierarchy picks the chip and flow handler.',
    component: 'linux-ioapic',
    links: [
      linuxLink('mp_map_pin_to_irq', LINUX_IO_APIC_FILE),
      linuxLink('ioapic_copy_alloc_attr', LINUX_IO_APIC_FILE),
      linuxLink('alloc_isa_irq_from_domain', LINUX_IO_APIC_FILE),
      linuxLink('alloc_irq_from_domain', LINUX_IO_APIC_FILE),
      linuxLink('mp_check_pin_attr', LINUX_IO_APIC_FILE),
      linuxLink('__irq_domain_alloc_irqs', 'kernel/irq/irqdomain.c'),
      linuxLink('__irq_alloc_descs', 'kernel/irq/irqdesc.c'),
      linuxLink('alloc_desc', 'kernel/irq/irqdesc.c'),
      linuxLink('mp_irqdomain_alloc', LINUX_IO_APIC_FILE),
      linuxLink('x86_vector_alloc_irqs', 'arch/x86/kernel/apic/vector.c'),
      linuxLink('mp_register_handler', LINUX_IO_APIC_FILE),
      linuxLink('mp_preconfigure_entry', LINUX_IO_APIC_FILE),
    ],
    contracts: [
      { id: 'Q11.7-attr', text: 'a pin already mapped is reused only if its trigger/polarity match', source: 'docs/flows/Q11.md#q11-7', codebase: 'linux', symbol: 'mp_map_pin_to_irq', check: { kind: 'calls', anyOf: ['mp_check_pin_attr'] } },
      { id: 'Q11.7-handler', text: 'level pins get handle_fasteoi_irq, edge pins handle_edge_irq', source: 'docs/flows/Q11.md#q11-7', codebase: 'linux', symbol: 'mp_register_handler', check: { kind: 'mentions', anyOf: ['handle_fasteoi_irq'] } },
    ],
    branches: [
      { name: 'alloc', when: 'a GSI not yet mapped (attributes from ACPI, else the PCI default level/low): IRQ = GSI in a strict domain or for GSI ≥ 16, else the next free above 23 → __irq_domain_alloc_irqs → alloc_desc', next: 'Q11.9' },
      { name: 'legacy-alloc', when: 'a legacy ISA IRQ (attributes from the MP flags): allocated at its own number, legacy_pic->mask(irq) → __irq_domain_alloc_irqs → alloc_desc', next: 'Q11.9' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const pin = pinOrFail(s, ctx.params);
      const gsi = numParam(ctx.params, 'gsi_found', pin);
      const idx = findIrqEntry(s, pin);
      const info = ctx.params.phase === 'probe' || ctx.params.phase === 'acpi' ? { is_level: ctx.params.pci_level !== false, active_low: ctx.params.pci_active_low === true } : null;
      const r = mapPinToIrq(s, gsi, idx, pin, info, ctx.params.ir === true);
      if (r.irq < 0) {
        ctx.emit({ kind: 'error', target: `pin ${pin}`, detail: r.why });
        return { branch: r.branch, why: r.why, next: null };
      }
      if (ctx.params.phase === 'boot' && ctx.state.irqs.find((x) => x.irq === r.irq) && ctx.params.source === 'pci-gsi') {
        s.ioapic_initialized = true;
        return { branch: r.branch, why: `${r.why}; later the PCI driver registers its GSI`, next: 'Q11.8', params: { phase: 'acpi' } };
      }
      s.ioapic_initialized = true;
      return { branch: r.branch, why: r.why, next: ctx.params.request === false ? null : 'Q11.9', params: { linux_irq: r.irq } };
    },
  },
  {
    id: 'Q11.8',
    title: 'acpi_register_gsi',
    role: 'A PCI device’s INTx GSI from the ACPI _PRT: trigger/polarity from the _PRT resource (ioapic_set_alloc_attr), then mp_find_ioapic + pin + mp_map_pin_to_irq (LEGACY domain: Linux IRQ == GSI for GSI ≥ 16).',
    component: 'linux-ioapic',
    links: [
      linuxLink('acpi_register_gsi', LINUX_ACPI_BOOT_FILE),
      linuxLink('acpi_register_gsi_ioapic', LINUX_ACPI_BOOT_FILE),
      linuxLink('ioapic_set_alloc_attr', LINUX_IO_APIC_FILE),
      linuxLink('mp_map_gsi_to_irq', LINUX_IO_APIC_FILE),
      linuxLink('acpi_gsi_to_irq', LINUX_ACPI_BOOT_FILE),
    ],
    branches: [
      { name: 'register-gsi', when: 'a driver probes: acpi_register_gsi(GSI, trigger and polarity from QEMU\'s _PRT) → mp_map_gsi_to_irq(IOAPIC_MAP_ALLOC)', next: 'Q11.7' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const pin = pinOrFail(s, ctx.params);
      const level = ctx.params.pci_level !== false;
      const low = ctx.params.pci_active_low === true;
      return { branch: 'register-gsi', why: `driver probe: acpi_register_gsi(GSI ${pin}, ${level ? 'level' : 'edge'}, ${low ? 'active-low' : 'active-high'} per QEMU's _PRT) → ioapic_set_alloc_attr → mp_map_gsi_to_irq(IOAPIC_MAP_ALLOC) → mp_find_ioapic/mp_find_ioapic_pin: IO-APIC 0 pin ${pin}`, next: 'Q11.7', params: { phase: 'acpi', gsi_found: pin } };
    },
  },
  {
    id: 'Q11.9',
    title: 'ioapic_configure_entry',
    role: 'Activation: x86_vector_activate picks the CPU vector and destination; mp_irqdomain_activate writes the RTE (vector, or the pin number under interrupt remapping), high dword then low; startup_ioapic_irq unmasks it. The IO-APIC (QEMU or KVM) re-services on the write (QR11).',
    component: 'linux-ioapic',
    links: [
      linuxLink('irq_domain_activate_irq', 'kernel/irq/irqdomain.c'),
      linuxLink('x86_vector_activate', 'arch/x86/kernel/apic/vector.c'),
      linuxLink('mp_irqdomain_activate', LINUX_IO_APIC_FILE),
      linuxLink('ioapic_configure_entry', LINUX_IO_APIC_FILE),
      linuxLink('ioapic_setup_msg_from_msi', LINUX_IO_APIC_FILE),
      linuxLink('__ioapic_write_entry', LINUX_IO_APIC_FILE),
      linuxLink('startup_ioapic_irq', LINUX_IO_APIC_FILE),
      linuxLink('__unmask_ioapic', LINUX_IO_APIC_FILE),
      linuxLink('io_apic_modify_irq', LINUX_IO_APIC_FILE),
      qemuLink('ioapic_mem_write', 'hw/intc/ioapic.c'),
      linuxLink('ioapic_write_indirect', 'arch/x86/kvm/ioapic.c'),
    ],
    contracts: [
      { id: 'Q11.9-order', text: 'the RTE is written high dword first, then the low dword that holds the mask', source: 'docs/flows/Q11.md#q11-9', codebase: 'linux', symbol: '__ioapic_write_entry', check: { kind: 'calls', anyOf: ['io_apic_write'] } },
    ],
    rules: ['QR11'],
    branches: [
      { name: 'activated-ir', when: 'x86_vector_activate under interrupt remapping: a vector on CPU 0 (IRQ0 keeps ISA_IRQ_VECTOR(0)), the IRTE and the RTE written', next: null },
      { name: 'activated', when: 'x86_vector_activate: a vector on CPU 0 (IRQ0 keeps ISA_IRQ_VECTOR(0), else the lowest free in this model of irq_matrix_alloc), the RTE written', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const pin = pinOrFail(s, ctx.params);
      const rec = s.irqs.find((x) => x.pin === pin);
      if (!rec) throw new ModelError(`pin ${pin} has no Linux IRQ to request`, 'pin');
      const ir = ctx.params.ir === true;
      // IRQ0 was activated by check_timer on its legacy vector ISA_IRQ_VECTOR(0) = 0x30 and stays there.
      if (rec.vector < 0) rec.vector = rec.isa_irq && rec.irq === 0 ? 0x30 : allocVector(s);
      rec.activated = true;
      const rteVector = ir ? pin : rec.vector;
      const profile = ioProfile(ctx.profile);
      ioapicWriteRte(s.ioapic, pin, { vector: rteVector, trig_mode: rec.is_level ? 1 : 0, polarity: rec.active_low ? 1 : 0, dest_mode: 1, dest: 0x01, mask: rec.is_level ? 1 : 0 }, profile);
      const un = ioapicWriteRte(s.ioapic, pin, { mask: 0 }, profile);
      const sent = un.service.sent.filter((m) => m.pin === pin);
      if (sent.length > 0) ctx.emit({ kind: 'delivered', target: 'cpu0', what: `vector ${hex(sent[0].vector)} (pin ${pin})`, detail: 'the line was already asserted: the unmasking RTE write delivers it at once (QR11)' });
      ctx.emit({ kind: 'note', target: `IRQ ${rec.irq}`, what: `pin ${pin} → GSI ${rec.gsi} → IRQ ${rec.irq} → vector ${hex(rec.vector)}`, detail: `${rec.handler}, ${rec.chip}` });
      return {
        branch: ir ? 'activated-ir' : 'activated',
        why: `x86_vector_activate: vector ${hex(rec.vector)} on CPU 0 (${rec.isa_irq && rec.irq === 0 ? 'IRQ0 keeps its legacy vector ISA_IRQ_VECTOR(0)' : 'lowest free in this model of irq_matrix_alloc'}); RTE ${pin} := vector ${hex(rteVector)}${ir ? ' (the pin number: "virtual vector" under IR)' : ''}, ${rec.is_level ? 'level' : 'edge'}, ${rec.active_low ? 'active-low' : 'active-high'}, logical dest 0x01; startup_ioapic_irq → __unmask_ioapic${sent.length ? '; the latched line was delivered at once' : ''}`,
        next: null,
      };
    },
  },
  {
    id: 'Q11.10',
    title: 'ioapic_ack_level / eoi_ioapic_pin',
    role: 'Guest-side IO-APIC EOI: LAPIC EOI first; if the LAPIC TMR bit was 0 (level interrupt arrived as edge) or under IR (always), eoi_ioapic_pin: IO-APIC version ≥ 0x20 → EOI register (io_apic_eoi), else the masked-edge-then-restore RTE rewrite that clears Remote-IRR.',
    component: 'linux-ioapic',
    operation: 'ioapic.eoi',
    links: [
      linuxLink('ioapic_ack_level', LINUX_IO_APIC_FILE),
      linuxLink('ioapic_ir_ack_level', LINUX_IO_APIC_FILE),
      linuxLink('eoi_ioapic_pin', LINUX_IO_APIC_FILE),
      linuxLink('__eoi_ioapic_pin', LINUX_IO_APIC_FILE),
      linuxLink('io_apic_eoi', LINUX_IO_APIC_FILE),
      qemuLink('ioapic_eoi_broadcast', 'hw/intc/ioapic.c'),
      linuxLink('kvm_ioapic_update_eoi_one', 'arch/x86/kvm/ioapic.c'),
    ],
    contracts: [
      { id: 'Q11.10-version', text: 'an IO-APIC with an EOI register (version ≥ 0x20) gets a directed EOI; older ones the edge/level RTE rewrite', source: 'QR11; QR12', codebase: 'linux', symbol: '__eoi_ioapic_pin', check: { kind: 'calls', anyOf: ['io_apic_eoi'] } },
      { id: 'Q11.10-ir-always', text: 'under interrupt remapping the IO-APIC is always EOIed explicitly (the LAPIC broadcast carries the CPU vector, which matches no RTE)', source: 'docs/flows/Q11.md#q11-10', codebase: 'linux', symbol: 'ioapic_ir_ack_level', check: { kind: 'calls', anyOf: ['eoi_ioapic_pin'] } },
    ],
    rules: ['QR11', 'QR12', 'QR13', 'QR32'],
    branches: [
      { name: 'lapic-broadcast', when: 'ack_APIC_irq on a level vector (TMR=1): the LAPIC broadcasts the EOI and the IO-APIC clears Remote-IRR; re-sent if the line is still high', next: null },
      { name: 'eoi-register', when: 'TMR=0 on a level RTE and an IO-APIC version ≥ 0x20: io_apic_eoi writes the vector to the EOI register, clearing Remote-IRR', next: null },
      { name: 'rte-rewrite', when: 'TMR=0 on a level RTE and no EOI register (version < 0x20): the RTE is rewritten masked and edge (clears Remote-IRR, QR11), then restored', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const pin = pinOrFail(s, ctx.params);
      const rec = s.irqs.find((x) => x.pin === pin);
      if (!rec) throw new ModelError(`pin ${pin} has no Linux IRQ`, 'pin');
      const profile = ioProfile(ctx.profile);
      const ir = rec.chip === 'ioapic_ir_chip';
      const tmrSet = ctx.params.tmr_set !== false;
      const before = s.ioapic.ioredtbl[pin].remote_irr;
      if (!ir && tmrSet) {
        const r = ioapicEoi(s.ioapic, rec.vector, profile);
        return { branch: 'lapic-broadcast', why: `ack_APIC_irq: TMR[${hex(rec.vector)}]=1, the LAPIC broadcasts EOI(${hex(rec.vector)}); IO-APIC Remote-IRR ${before} → ${s.ioapic.ioredtbl[pin].remote_irr}${r.resent.length ? ', line still high: re-sent' : ''}`, next: null };
      }
      const why0 = ir ? `ioapic_ir_ack_level: apic_ack_irq, then always eoi_ioapic_pin(${pin}) (the RTE vector is the pin number)` : `ioapic_ack_level: TMR[${hex(rec.vector)}]=0 (the level interrupt arrived as edge): eoi_ioapic_pin`;
      const v = ir ? pin : rec.vector;
      if (s.ioapic.version >= 0x20) {
        const w = ioapicWriteEoiRegister(s.ioapic, v, profile);
        return { branch: 'eoi-register', why: `${why0}; version ${hex(s.ioapic.version)} ≥ 0x20: io_apic_eoi writes ${hex(v)} to the EOI register → ${w.why}; Remote-IRR ${before} → ${s.ioapic.ioredtbl[pin].remote_irr}`, next: null };
      }
      const saved = { ...s.ioapic.ioredtbl[pin] };
      ioapicWriteRte(s.ioapic, pin, { mask: 1, trig_mode: 0 }, profile);
      const restored = ioapicWriteRte(s.ioapic, pin, { mask: saved.mask, trig_mode: saved.trig_mode }, profile);
      // The restore is an RTE write like any other: a level line still high is serviced at once (QR32).
      const resent = restored.service.sent.map((m) => `vector ${hex(m.vector)} → APIC ${m.dest}`);
      for (const m of restored.service.sent) ctx.emit({ kind: 'pending', target: 'lapic', what: `vector ${hex(m.vector)}`, detail: `the restored level RTE ${pin} found its line still high: ioapic_service sent it again to ${m.dest_mode ? 'logical' : 'physical'} destination ${hex(m.dest)} (QR32)` });
      return { branch: 'rte-rewrite', why: `${why0}; version ${hex(s.ioapic.version)} has no EOI register: RTE rewritten masked+edge (clears Remote-IRR, QR11), then restored; Remote-IRR ${before} → ${s.ioapic.ioredtbl[pin].remote_irr}${resent.length ? `; the line is still high, so the restore re-sent ${resent.join(', ')}` : ''}`, next: null };
    },
  },
];

function ioProfile(profile: string): string {
  return profile === 'kvm-inkernel' ? 'kvm-inkernel' : 'qemu-tcg';
}

/** The pin the run follows: ISA IRQ → GSI through the overrides; a PCI GSI is its pin. */
function tracedPin(s: S, p: ParamValues): number {
  if (p.source === 'pci-gsi') return numParam(p, 'gsi', 16);
  const irq = numParam(p, 'irq', 4);
  if (irq > 15) throw new ModelError(`irq = ${irq}: ISA IRQs are 0..15`, 'irq');
  return s.isa_irq_to_gsi[irq];
}

/** tracedPin for steps that need a real pin: an ISA IRQ without a GSI (IRQ2, the cascade) is bad input there. */
function pinOrFail(s: S, p: ParamValues): number {
  const pin = tracedPin(s, p);
  if (pin < 0) throw new ModelError(`irq = ${p.irq}: this ISA IRQ has no GSI (IRQ2 is the 8259 cascade; QEMU's IRQ0 override takes its pin)`, 'irq');
  return pin;
}

const actions: ActionSpec<S>[] = [
  { name: 'boot', description: 'the guest boots and a driver requests the followed IRQ (Q11.1 → Q11.9)', from: 'Q11.1', params: [] },
  {
    name: 'raise-line', description: 'the device asserts the traced pin’s line at the IO-APIC (level: Remote-IRR := 1 once sent)', params: [],
    apply(state, p) {
      const pin = pinOrFail(state, p);
      const r = ioapicSetIrq(state.ioapic, pin, true, state.ioapic.version === 0x11 ? 'kvm-inkernel' : 'qemu-tcg');
      return `pin ${pin} asserted: ${r.why}${r.service?.sent.length ? `; message vector ${hex(r.service.sent[0].vector)} sent` : ''}; Remote-IRR = ${state.ioapic.ioredtbl[pin].remote_irr}`;
    },
  },
  {
    name: 'lower-line', description: 'the driver services the device, which de-asserts the traced pin’s line', params: [],
    apply(state, p) {
      const pin = pinOrFail(state, p);
      const r = ioapicSetIrq(state.ioapic, pin, false, state.ioapic.version === 0x11 ? 'kvm-inkernel' : 'qemu-tcg');
      return `pin ${pin}: ${r.why}`;
    },
  },
  { name: 'ack-level', description: 'the guest finishes a level interrupt on the traced pin (Q11.10)', from: 'Q11.10', params: [{ name: 'tmr_set', type: 'bool', description: 'the LAPIC TMR bit was set (false: it arrived as edge)', default: true }] },
];

export const q11LinuxIoapicSetup: Flow<S> = {
  id: 'Q11',
  name: 'Linux guest IO-APIC setup: pin → GSI → IRQ → vector/RTE',
  description: 'How a Linux 6.1 guest discovers the IO-APIC, applies QEMU’s MADT overrides, creates the irqdomain, maps pins to Linux IRQs (the alloc_desc call trace), registers PCI GSIs, programs the RTE at request_irq, and EOIs the IO-APIC itself when it must.',
  codebases: ['linux', 'qemu'],
  profiles: [
    { id: 'qemu-tcg', title: 'QEMU IO-APIC (TCG or split irqchip)', description: 'IO-APIC version 0x20: has the EOI register; RTE writes re-service every pin.' },
    { id: 'kvm-inkernel', title: 'KVM in-kernel IO-APIC', description: 'Version 0x11: no EOI register, so Linux uses the masked-edge RTE rewrite; RTE writes re-service only that level pin.' },
  ],
  defaultProfile: 'qemu-tcg',
  params: [
    { name: 'source', type: 'enum', description: 'the interrupt followed: an ISA IRQ, or a PCI INTx GSI from ACPI _PRT', default: 'isa', values: ['isa', 'pci-gsi'] },
    { name: 'irq', type: 'int', description: 'ISA IRQ (source isa)', default: 4, min: 0, max: 15 },
    { name: 'gsi', type: 'int', description: 'GSI = IO-APIC pin (source pci-gsi; Q35 PIRQA..H are 16..23)', default: 16, min: 0, max: 23 },
    { name: 'pci_level', type: 'bool', description: '_PRT trigger is level', default: true },
    { name: 'pci_active_low', type: 'bool', description: '_PRT polarity is active-low (QEMU declares active-high)', default: false },
    { name: 'ir', type: 'bool', description: 'interrupt remapping (IR-IO-APIC: RTE vector = pin)', default: false },
    { name: 'mptable', type: 'bool', description: 'boot from the MP table instead of ACPI', default: false },
    { name: 'request', type: 'bool', description: 'a driver requests the IRQ (activation, Q11.9)', default: true },
  ],
  entry: 'Q11.1',
  steps,
  actions,
  initialState(profile) {
    const io = newIoapic(ioProfile(profile));
    return {
      mp_ioapic: null,
      mp_irqs: [],
      isa_irq_to_gsi: Array.from({ length: 16 }, (_, i) => i),
      ioapic_initialized: false,
      domain_map: new Array<number>(24).fill(0),
      irqs: [],
      pic_masked: [],
      lapic: { svr: 0xff, lvt_lint0: 0x10000, lvt_lint1: 0x10000, lvt_error: 0x10000 },
      vectors_used: [...SYSTEM_VECTORS].sort((a, b) => a - b),
      ioapic: io,
    };
  },
  validate(state, params) {
    const out = ioapicProblems(state.ioapic, 'ioapic');
    if (params.source === 'pci-gsi' && (params.gsi as number) < 16 && !state.mp_irqs.length) {
      // GSIs below 16 are ISA pins: a PCI device there goes through an override (QEMU: 5, 9, 10, 11).
      if (![5, 9, 10, 11].includes(params.gsi as number)) out.push(`gsi = ${params.gsi}: below 16 a PCI GSI must be one QEMU's MADT declares level (5, 9, 10, 11)`);
    }
    state.mp_irqs.forEach((e, i) => {
      if (e.dstirq < 0 || e.dstirq > 23) out.push(`mp_irqs.${i}.dstirq = ${e.dstirq}: the IO-APIC has pins 0..23`);
      if (e.srcbus === 'ISA' && (e.srcbusirq < 0 || e.srcbusirq > 15)) out.push(`mp_irqs.${i}.srcbusirq = ${e.srcbusirq}: ISA IRQs are 0..15`);
    });
    return out;
  },
  stateDoc: {
    'mp_ioapic.{apicid,gsi_base,gsi_end,apicver,domain_type,domain_created}': 'what mp_register_ioapic recorded',
    'mp_irqs.N.{srcbus,srcbusirq,dstirq,irqflag}': 'interrupt source entries (MADT overrides + legacy identity)',
    'isa_irq_to_gsi.N': 'ISA IRQ → GSI (−1: identity invalidated by an override)',
    'domain_map.N': 'irqdomain: pin N → Linux IRQ (0 = none)',
    'irqs.N.{irq,pin,gsi,is_level,active_low,handler,chip,vector,activated,count}': 'Linux IRQs backed by IO-APIC pins',
    'pic_masked, lapic.{svr,lvt_lint0,lvt_lint1,lvt_error}, vectors_used': 'legacy 8259 masks, BSP LAPIC setup, CPU 0 vectors',
    'ioapic.*': 'the IO-APIC device being programmed (see Q1)',
  },
};
