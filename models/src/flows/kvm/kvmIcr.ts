// The guest's ICR write as KVM handles it, shared by the flows that send LAPIC messages (Q3, Q4, Q10):
// - arch/x86/kvm/lapic.c kvm_lapic_reg_write: APIC_ICR2 keeps `val & 0xff000000` and sends nothing; APIC_ICR clears
//   APIC_ICR_BUSY, calls kvm_apic_send_ipi(val, ICR2) and stores the cleared value — so a read never shows BUSY.
// - kvm_x2apic_icr_write (x2APIC MSR 0x830): refuses X2APIC_ICR_RESERVED_BITS (the WRMSR fails, #GP), clears BUSY,
//   sends with the whole high half as the 32-bit destination, stores both halves.
// - kvm_apic_send_ipi decodes vector, delivery mode, destination mode, level, trigger and shorthand from ICR low and
//   the destination from ICR2[31:24] (xAPIC, GET_XAPIC_DEST_FIELD) or ICR high (x2APIC); routing is
//   kvm_irq_delivery_to_apic (shorthands self / all-including-self / all-excluding-self, physical, logical flat).
// The xAPIC registers are not reachable in x2APIC mode and MSR 0x830 not in xAPIC mode: bad input, not a trace.

import { ActionSpec, ModelError, ParamValues, Step, StepContext, StepResult } from '../../core/types';
import { decodeIcr, ICR_BUSY, writeIcr, writeIcr2, X2APIC_ICR_RESERVED_LOW } from '../../components/lapic';
import { hex, KvmState, vname } from './kvmState';
import { KVM_LAPIC_FILE, linuxLink } from './kvmFlowKit';

type Ctx = StepContext<KvmState>;

export type IcrWrite =
  | { kind: 'latched'; why: string }
  | { kind: 'refused'; reason: 'gp-reserved-bits' | 'unmodelled-delivery'; why: string }
  | { kind: 'send'; low: number; high: number; params: ParamValues; why: string };

/** Decode the write (and store ICR2, which sends nothing). ICR low is stored by the caller, where KVM stores it. */
export function guestIcrWrite(ctx: Ctx, src: number): IcrWrite {
  const l = ctx.state.vcpus[src].lapic;
  const reg = String(ctx.params.icr_reg ?? 'icr');
  const raw = ctx.params.icr_value;
  const value = (typeof raw === 'number' ? raw : 0) >>> 0;
  const x2 = ctx.state.config.x2apic;
  if (reg !== 'msr' && x2) throw new ModelError(`${vname(src)} is in x2APIC mode: the xAPIC MMIO registers 0x300/0x310 are not accessible, write MSR 0x830 (icr_reg "msr")`, 'icr_reg');
  if (reg === 'msr' && !x2) throw new ModelError(`${vname(src)} is in xAPIC mode: MSR 0x830 exists only in x2APIC mode (the x2apic action)`, 'icr_reg');
  if (reg === 'icr2') {
    // Without APICv the write exits into kvm_lapic_reg_write(APIC_ICR2), which keeps `val & 0xff000000`. With APIC-register
    // virtualization the CPU stores it in the virtual-APIC page and clears bytes 2:0 itself, with no exit (SDM APIC-write
    // emulation of offset 310H): the same value either way.
    writeIcr2(l, value, 'kvm');
    const by = ctx.state.vcpus[src].vcpu.apicv_active ? 'APIC-write virtualization clears bytes 2:0, no exit' : 'kvm_lapic_reg_write(APIC_ICR2)';
    return { kind: 'latched', why: `ICR2 := ${hex(value)} & 0xff000000 = ${hex(l.icr2)} (${by}); destination APIC ID ${l.icr2 >>> 24} latched, nothing sent` };
  }
  const rawHigh = ctx.params.icr_high;
  const high = reg === 'msr' ? (typeof rawHigh === 'number' ? rawHigh : 0) >>> 0 : l.icr2;
  if (reg === 'msr' && (value & X2APIC_ICR_RESERVED_LOW) !== 0) {
    ctx.emit({ kind: 'error', target: vname(src), what: `ICR ${hex(value)}`, detail: 'WRMSR 0x830 with reserved bits (31:20, 17:16, 13) set: kvm_x2apic_icr_write refuses it, #GP; nothing sent' });
    return { kind: 'refused', reason: 'gp-reserved-bits', why: `ICR low ${hex(value)} has bits in X2APIC_ICR_RESERVED_BITS: the write fails (#GP), ICR unchanged` };
  }
  const f = decodeIcr(value);
  if (f.delivery === 'smi' || f.delivery === 'reserved') {
    ctx.emit({ kind: 'note', target: vname(src), what: `ICR ${hex(value)}`, detail: `delivery mode ${f.delivery}: not modelled (SMI requests KVM_REQ_SMI; reserved modes are ignored by __apic_accept_irq)` });
    return { kind: 'refused', reason: 'unmodelled-delivery', why: `ICR delivery mode ${f.delivery}: outside the interrupt paths modelled` };
  }
  const dest = x2 ? high : high >>> 24;
  const params: ParamValues = {
    vector: f.vector, delivery: f.delivery, dest_mode: f.logical ? 'logical' : 'physical', shorthand: f.shorthand, dest, trigger: f.level_triggered ? 'level' : 'edge',
    src, pv: false, icr_value: value, icr_high: high,
  };
  const busy = (value & ICR_BUSY) !== 0 ? ', BUSY written as 1' : '';
  const what = `vector ${hex(f.vector)}, ${f.delivery}, ${f.logical ? 'logical' : 'physical'}, shorthand ${f.shorthand}, dest ${hex(dest)}${busy}`;
  return { kind: 'send', low: value, high, params, why: `${x2 ? `WRMSR 0x830 = ${hex(high)}:${hex(value)}` : `ICR (0x300) := ${hex(value)} with ICR2 ${hex(high)}`} → ${what}` };
}

/** What kvm_lapic_reg_write(APIC_ICR) / kvm_x2apic_icr_write store once the IPI is sent: BUSY cleared; x2APIC keeps the high half. */
export function storeSentIcr(s: KvmState, src: number, low: number, high: number): string {
  const l = s.vcpus[src].lapic;
  writeIcr(l, low, 'kvm');
  if (s.config.x2apic) l.icr2 = high >>> 0;
  return `ICR := ${hex(l.icr)} (BUSY cleared)`;
}

/**
 * A step `<flow>.w` for the LAPIC flows: the guest's ICR write exits (APIC-access / APIC-write / MSR write) into
 * kvm_lapic_reg_write or kvm_x2apic_icr_write, which sends through kvm_apic_send_ipi to the flow's routing step.
 */
export function icrWriteStep(id: string, routeStep: string): Step<KvmState> {
  return {
    id,
    title: 'kvm_lapic_reg_write(APIC_ICR) → kvm_apic_send_ipi',
    role: 'The guest writes its ICR: ICR2 (0x310) latches only the destination byte; ICR (0x300) or x2APIC MSR 0x830 exits to KVM, which clears the BUSY bit, stores the register and sends the IPI it describes (shorthand self / all-including-self / all-excluding-self, physical or logical flat destination) through kvm_irq_delivery_to_apic. Reserved x2APIC bits are #GP.',
    component: 'lapic',
    links: [
      linuxLink('kvm_lapic_reg_write', KVM_LAPIC_FILE),
      linuxLink('kvm_x2apic_icr_write', KVM_LAPIC_FILE),
      linuxLink('kvm_apic_send_ipi', KVM_LAPIC_FILE),
    ],
    rules: ['QR29', 'QR30'],
    branches: [
      { name: 'icr2-latched', when: 'an xAPIC ICR2 write (0x310): only the destination byte is kept, nothing is sent', next: null },
      { name: 'gp-reserved-bits', when: 'an x2APIC ICR write with reserved bits set: kvm_x2apic_icr_write refuses it (#GP), nothing is sent', next: null },
      { name: 'unmodelled-delivery', when: 'delivery mode SMI or reserved: outside the interrupt paths modelled', next: null },
      { name: 'xapic-icr-write', when: 'an xAPIC ICR write (0x300): BUSY cleared, stored, kvm_apic_send_ipi routes the IPI', next: routeStep },
      { name: 'x2apic-icr-write', when: 'an x2APIC MSR 0x830 write: BUSY cleared, both halves stored, kvm_apic_send_ipi routes the IPI', next: routeStep },
    ],
    run(ctx): StepResult {
      const src = Number(ctx.params.src);
      if (!Number.isInteger(src) || src < 0 || src >= ctx.state.vcpus.length) throw new ModelError(`parameter "src" = ${String(ctx.params.src)}: the ICR belongs to a vCPU (0..${ctx.state.vcpus.length - 1})`, 'src');
      const w = guestIcrWrite(ctx, src);
      if (w.kind === 'latched') return { branch: 'icr2-latched', why: w.why, next: null };
      if (w.kind === 'refused') return { branch: w.reason, why: w.why, next: null };
      ctx.state.vcpus[src].vcpu.mode = 'OUTSIDE_GUEST_MODE';
      const stored = storeSentIcr(ctx.state, src, w.low, w.high);
      return { branch: ctx.state.config.x2apic ? 'x2apic-icr-write' : 'xapic-icr-write', why: `${w.why}; exit → ${stored}; kvm_apic_send_ipi`, next: routeStep, params: w.params };
    },
  };
}

/** The `write-icr` scenario action of a flow whose ICR step is `stepId`. */
export function writeIcrAction(stepId: string, registers: string[] = ['icr', 'icr2', 'msr']): ActionSpec<KvmState> {
  return {
    name: 'write-icr',
    description: 'The src vCPU writes its ICR: icr2 (xAPIC 0x310) latches the destination; icr (xAPIC 0x300) or msr (x2APIC 0x830, with icr_high) sends the IPI the register describes.',
    params: [
      { name: 'src', type: 'int', description: 'The writing vCPU.', default: 0, min: 0, max: 63 },
      { name: 'icr_reg', type: 'enum', description: 'Which register: icr2 (0x310), icr (0x300) or msr (x2APIC 0x830).', default: 'icr', values: registers },
      { name: 'icr_value', type: 'int', description: 'The 32-bit value written (for msr: bits 31:0).', default: 0x40fd, min: 0, max: 0xffffffff },
      { name: 'icr_high', type: 'int', description: 'msr only: bits 63:32, the 32-bit x2APIC destination.', default: 1, min: 0, max: 0xffffffff },
    ],
    from: stepId,
  };
}
