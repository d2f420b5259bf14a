// Flow Q1: QEMU TCG, an ISA/PCI line → IO-APIC (+ i8259) → LAPIC → CPU → guest handler → EOI → re-service.
// Steps Q1.0–Q1.15, rules QR3–QR13, QR16. Branches are decided by the machine state.

import { ActionSpec, Flow, ModelError, ParamValues, Step, StepContext, StepResult } from '../../core/types';
import { eoi as lapicEoi, hasBit, highest, writeSvr, computePpr, ICR_BUSY, writeIcr, writeIcr2 } from '../../components/lapic';
import { picSetIrq } from '../../components/i8259';
import {
  DM_EXTINT, DM_FIXED, DM_INIT, DM_LOWPRI, DM_NMI, DM_SMI, IoapicMessage, ioapicDelayedService, ioapicEoi, ioapicGpioToPin,
  ioapicService, ioapicSetIrq, ioapicWriteEoiRegister, ioapicWriteRte,
} from '../../components/ioapic';
import { decodeMsi } from '../../components/eventfd';
import {
  apicAcceptMessage, apicAcceptPicIntr, apicUpdateIrq, clearRequest, cpuGetPicInterrupt, cpuInterrupt, deliveryBitmask, LVT_LINT0,
  pendingInterrupt, syncLvt, TcgCpu, vcpuThread, decodeLvt,
} from '../../components/tcgCpu';
import { picReadIrq } from '../../components/i8259';
import { cpuAt, leaveHalt, MACHINE_PARAMS, machineProblems, newTcgMachine, Source, TcgMachine } from './tcgMachine';
import { qemuLink, linuxLink, numParam, boolParam, lapicForm, hex, QEMU_APIC_FILE, QEMU_IOAPIC_FILE } from './qemuFlowKit';

type S = TcgMachine;


/** The GSI/ISA line a source drives, and its level after the PCI wiring ORs every device on it. */
function routeSource(m: S, p: ParamValues, level: boolean): { gsi: number; level: boolean; why: string } | { stop: string; branch: string } {
  const src = m.device.source;
  if (src === 'isa') {
    const irq = numParam(p, 'irq', 4);
    if (irq > 15) throw new ModelError(`irq = ${irq}: an ISA device drives ISA IRQ 0..15`, 'irq');
    return { gsi: irq, level, why: `ISA device: isa_get_irq(dev, ${irq}) is x86ms->gsi[${irq}] (isa_bus_irqs)` };
  }
  const pirq = numParam(p, 'pirq', 0);
  const change = (level ? 1 : 0) - m.pci.irq_state;
  if (change === 0) return { stop: `pci_irq_handler: INTx state already ${m.pci.irq_state}, no level change`, branch: 'no-change' };
  m.pci.irq_state = level ? 1 : 0;
  if (m.pci.intx_disable) return { stop: 'PCI_COMMAND_INTX_DISABLE is set: the state is recorded, nothing propagates', branch: 'intx-disabled' };
  if (src === 'pci-q35') {
    if (pirq > 7) throw new ModelError(`pirq = ${pirq}: ICH9 has PIRQA..H (0..7)`, 'pirq');
    m.pci.irq_count[pirq] += change;
    const gsi = 16 + pirq;
    return { gsi, level: m.pci.irq_count[pirq] > 0, why: `Q35: ich9_lpc_set_irq(PIRQ${'ABCDEFGH'[pirq]}) → ich9_lpc_update_apic → gsi[${gsi}] (irq_count ${m.pci.irq_count[pirq]})` };
  }
  if (pirq > 3) throw new ModelError(`pirq = ${pirq}: PIIX3 has PIRQA..D (0..3)`, 'pirq');
  m.pci.irq_count[pirq] += change;
  const route = m.pci.pirq_route[pirq];
  if (route >= 16) return { stop: `PIIX3 route register for PIRQ${'ABCD'[pirq]} = ${hex(route)} (≥ 16): routing disabled`, branch: 'pirq-disabled' };
  const any = m.pci.pirq_route.some((r, i) => i < 4 && r === route && m.pci.irq_count[i] > 0);
  return { gsi: route, level: any, why: `i440fx: piix3_set_irq(PIRQ${'ABCD'[pirq]}) → route register ${route} → gsi[${route}], level = OR of PIRQs routed there = ${any ? 1 : 0}` };
}

/** The device lowers (or re-raises) its line outside the traced path: Q1.0–Q1.3 without service. */
function driveLineQuietly(m: S, p: ParamValues, level: boolean, profile: string): string {
  const r = routeSource(m, p, level);
  if ('stop' in r) return r.stop;
  if (r.gsi < 16) picSetIrq(m.pic, r.gsi, r.level);
  const pin = ioapicGpioToPin(r.gsi);
  const res = ioapicSetIrq(m.ioapic, pin, r.level, profile === 'sdm' ? 'sdm' : 'qemu-tcg', undefined, { defer: true });
  const svc = res.action === 'service' ? ioapicService(m.ioapic, profile === 'sdm' ? 'sdm' : 'qemu-tcg') : undefined;
  const extra = svc && svc.sent.length > 0 ? `; ${svc.sent.length} message(s) sent` : '';
  if (svc) for (const msg of svc.sent) deliverQuietly(m, msg, profile);
  return `line ${r.level ? 'high' : 'low'} on pin ${pin}: ${res.why}${extra}`;
}

/** Q1.5–Q1.8 for a message the trace does not follow (another pin, another CPU). */
function deliverQuietly(m: S, msg: IoapicMessage, profile: string): string[] {
  const targets = deliveryBitmask(m.cpus, msg.dest, msg.dest_mode);
  const chosen = msg.delivery_mode === DM_LOWPRI ? targets.slice(0, 1) : targets;
  for (const i of chosen) {
    if (apicAcceptMessage(m.cpus[i], msg.vector, msg.trig_mode === 1, lapicForm(profile)) === 'illegal-vector') continue;
    apicUpdateIrq(m.cpus[i], m.thread, m.pic, lapicForm(profile));
  }
  return chosen.map((i) => `cpu${i}`);
}

function ioProfile(profile: string): string {
  return profile === 'sdm' ? 'sdm' : 'qemu-tcg';
}

/** After work on a vCPU's own thread, control returns to its execution loop (Q1.10), where the guest resumes. */
function backToCpu(m: S, cpu: TcgCpu): string | null {
  return m.thread === vcpuThread(cpu) ? 'Q1.10' : null;
}

function msgParams(msg: IoapicMessage): ParamValues {
  return { msi_address: msg.address, msi_data: msg.data };
}

/** Linux 6.1's exception entries for IDT vectors 0..15 (arch/x86/kernel/idt.c def_idts / early_idts). */
const EXCEPTION_HANDLERS: Record<number, string> = {
  0: 'exc_divide_error', 1: 'exc_debug', 2: 'exc_nmi', 3: 'exc_int3', 4: 'exc_overflow', 5: 'exc_bounds', 6: 'exc_invalid_op', 7: 'exc_device_not_available',
  8: 'exc_double_fault', 9: 'exc_coproc_segment_overrun', 10: 'exc_invalid_tss', 11: 'exc_segment_not_present', 12: 'exc_stack_segment',
  13: 'exc_general_protection', 14: 'exc_page_fault', 15: 'exc_spurious_interrupt_bug',
};

/**
 * Q1.5 for an ICR write (apic_mem_write register 0x30/0x31 → apic_deliver → apic_bus_deliver): ICR2 is stored and nothing
 * else happens; ICR is stored and sends at once — shorthand self / all-including-self / all-excluding-self, or the
 * destination ICR2[31:24] (physical or logical flat) — Fixed to every APIC selected, Lowest priority to the first (no
 * arbitration), NMI/SMI/INIT as CPU interrupt requests.
 */
function icrWrite(ctx: StepContext<S>): StepResult {
  const m = ctx.state;
  const src = cpuAt(m, numParam(ctx.params, 'cpu', 0));
  const l = src.lapic;
  const value = numParam(ctx.params, 'icr_value', 0) >>> 0;
  // hw/intc/apic.c apic_mem_write: `case 0x31: s->icr[1] = val` and `case 0x30: s->icr[0] = val; apic_deliver(...)`,
  // both as written; apic_mem_read returns `s->icr[index & 1]` unchanged. The SDM's rule differs (lapic.ts writeIcr).
  const rule = ctx.profile === 'sdm' ? 'sdm' : 'qemu';
  m.thread = vcpuThread(src);
  if (ctx.params.icr_reg === 'icr2') {
    writeIcr2(l, value, rule);
    return { branch: 'icr2-stored', why: `ICR2 := ${hex(l.icr2)}${rule === 'qemu' ? ' (s->icr[1], stored as written)' : ' (bits 23:0 reserved)'}; destination ${l.icr2 >>> 24} latched, nothing sent`, next: null };
  }
  const f = writeIcr(l, value, rule);
  const busy = (value & ICR_BUSY) !== 0 ? `; BUSY written as 1 ${rule === 'qemu' ? 'reads back as 1' : 'reads back as 0 (idle)'}` : '';
  const all = m.cpus.map((c) => c.index);
  const dest = l.icr2 >>> 24;
  const mask = f.shorthand === 'self' ? [src.index] : f.shorthand === 'all-including-self' ? all : f.shorthand === 'all-excluding-self' ? all.filter((i) => i !== src.index) : deliveryBitmask(m.cpus, dest, f.logical ? 1 : 0);
  const sel = f.shorthand === 'none' ? `dest ${hex(dest)} (${f.logical ? 'logical' : 'physical'})` : `shorthand ${f.shorthand}`;
  const head = `ICR := ${hex(l.icr)}: vector ${hex(f.vector)}, ${f.delivery}, ${sel} → [${mask.map((i) => `cpu${i}`).join(', ')}]${busy}`;
  if (mask.length === 0) {
    ctx.emit({ kind: 'lost', what: `vector ${hex(f.vector)}`, detail: `the ICR selects no APIC (${sel})` });
    return { branch: 'no-target', why: head, next: null };
  }
  if (f.delivery === 'nmi' || f.delivery === 'smi' || (f.delivery === 'init' && !(f.level_triggered && !f.assert))) {
    const r = f.delivery === 'nmi' ? 'NMI' : f.delivery === 'smi' ? 'SMI' : 'INIT';
    for (const i of mask) cpuInterrupt(m.cpus[i], r, m.thread);
    ctx.emit({ kind: 'pending', target: mask.map((i) => `vcpu${i}`).join(','), what: r, detail: `apic_bus_deliver: cpu_interrupt(CPU_INTERRUPT_${r}), bypasses IRR` });
    return { branch: r.toLowerCase(), why: `${head}; apic_bus_deliver: CPU_INTERRUPT_${r} on each`, next: null };
  }
  if (f.delivery !== 'fixed' && f.delivery !== 'lowest') {
    ctx.emit({ kind: 'note', what: `ICR ${hex(value)}`, detail: `delivery ${f.delivery}${f.delivery === 'init' ? ' de-assert (level, assert=0): apic_deliver only resets arbitration IDs' : ''}: not an interrupt path the model follows` });
    return { branch: 'unmodelled-delivery', why: head, next: null };
  }
  // apic_bus_deliver: LOWPRI takes the first APIC of the bitmask (no arbitration); FIXED sets IRR on each.
  const chosen = f.delivery === 'lowest' ? [mask[0]] : mask;
  const trig = f.level_triggered ? 1 : 0;
  for (const i of chosen.slice(1)) {
    if (apicAcceptMessage(m.cpus[i], f.vector, trig === 1, lapicForm(ctx.profile)) === 'illegal-vector') continue;
    apicUpdateIrq(m.cpus[i], m.thread, m.pic, lapicForm(ctx.profile));
    ctx.emit({ kind: 'pending', target: `vcpu${i}`, what: `vector ${hex(f.vector)}`, detail: 'IRR set on another APIC the ICR selects; its own vCPU will take it' });
  }
  // icr_reg 'none': a later Q1.5 in the same run (an IO-APIC re-send) is an MSI again.
  return { branch: f.delivery === 'lowest' ? 'lowpri-first' : 'fixed', why: `${head}; following cpu${chosen[0]}`, next: 'Q1.7', params: { cpu: chosen[0], vector: f.vector, trig_mode: trig, delivery_mode: f.delivery === 'lowest' ? DM_LOWPRI : DM_FIXED, icr_reg: 'none' } };
}

const steps: Step<S>[] = [
  {
    id: 'Q1.0',
    title: 'pci_set_irq / ISA line',
    role: 'The device model drives its interrupt line; PCI INTx goes through the bus swizzle and the chipset PIRQ routing to a GSI.',
    component: 'pci-intx',
    links: [
      qemuLink('isa_get_irq', 'hw/isa/isa-bus.c'),
      qemuLink('isa_bus_irqs', 'hw/isa/isa-bus.c'),
      qemuLink('pci_set_irq', 'hw/pci/pci.c'),
      qemuLink('pci_irq_handler', 'hw/pci/pci.c'),
      qemuLink('pci_change_irq_level', 'hw/pci/pci.c'),
      qemuLink('pci_bus_change_irq_level', 'hw/pci/pci.c'),
      qemuLink('piix3_set_irq', 'hw/isa/piix3.c'),
      qemuLink('piix3_set_irq_level', 'hw/isa/piix3.c'),
      qemuLink('piix3_set_irq_pic', 'hw/isa/piix3.c'),
      qemuLink('ich9_lpc_set_irq', 'hw/isa/lpc_ich9.c'),
      qemuLink('ich9_lpc_update_apic', 'hw/isa/lpc_ich9.c'),
    ],
    contracts: [
      { id: 'Q1.0-intx-disable', text: 'a PCI INTx change is recorded but not propagated while PCI_COMMAND_INTX_DISABLE is set', source: 'docs/flows/Q1.md#q1-0', codebase: 'qemu', symbol: 'pci_irq_handler', check: { kind: 'calls', anyOf: ['pci_irq_disabled'] } },
    ],
    branches: [
      { name: 'isa', when: 'an ISA device: isa_get_irq(dev, n) is x86ms->gsi[n] (isa_bus_irqs); on the main loop', next: 'Q1.1' },
      { name: 'pci-i440fx', when: 'i440fx: piix3_set_irq(PIRQA) → its route register → that GSI, at the OR of the PIRQs routed there; on the main loop', next: 'Q1.1' },
    ],
    run(ctx) {
      const m = ctx.state;
      m.thread = String(ctx.params.from_thread ?? 'main-loop');
      // The raw lvt[] words are the source of truth (a scenario may set them); keep the decoded LapicState view in step.
      for (const c of m.cpus) syncLvt(c);
      const level = boolParam(ctx.params, 'level', true);
      if (level && m.device.events <= 0) m.device.events = 1;
      const r = routeSource(m, ctx.params, level);
      if ('stop' in r) {
        ctx.emit({ kind: 'note', what: m.device.source, detail: r.stop });
        return { branch: r.branch, why: r.stop, next: null };
      }
      return { branch: m.device.source, why: `${r.why}; runs on ${m.thread}`, next: 'Q1.1', params: { gsi: r.gsi, line: r.level } };
    },
  },
  {
    id: 'Q1.1',
    title: 'qemu_set_irq',
    role: 'An indirect call: irq->handler(opaque, n, level). For x86ms->gsi[n] the handler is gsi_handler (pc_gsi_create).',
    component: 'qemu-irq',
    links: [
      qemuLink('qemu_set_irq', 'hw/core/irq.c'),
      qemuLink('pc_gsi_create', 'hw/i386/pc.c'),
      qemuLink('qemu_allocate_irqs', 'hw/core/irq.c', { note: 'gives every gsi[n] the handler gsi_handler' }),
      qemuLink('qdev_connect_gpio_out', 'hw/core/gpio.c', { note: 'stores the input qemu_irq in the device’s output link; a later qemu_set_irq on that output runs the input’s handler' }),
      qemuLink('isa_connect_gpio_out', 'hw/isa/isa-bus.c'),
    ],
    branches: [
      { name: 'gsi_handler', when: 'gsi[n] was allocated by qemu_allocate_irqs(gsi_handler, …): qemu_set_irq on it calls gsi_handler', next: 'Q1.2' },
    ],
    run(ctx) {
      const gsi = numParam(ctx.params, 'gsi', 0);
      return { branch: 'gsi_handler', why: `gsi[${gsi}] was allocated by qemu_allocate_irqs(gsi_handler, …): qemu_set_irq(gsi[${gsi}], ${ctx.params.line ? 1 : 0}) is gsi_handler(gsi_state, ${gsi}, …)`, next: 'Q1.2' };
    },
  },
  {
    id: 'Q1.2',
    title: 'gsi_handler',
    role: 'Fans a GSI out: ISA range (0–15) to the i8259 input and the IO-APIC pin, 16–23 to the IO-APIC only.',
    component: 'gsi',
    links: [
      qemuLink('gsi_handler', 'hw/i386/x86.c'),
      qemuLink('ioapic_init_gsi', 'hw/i386/x86.c'),
      qemuLink('qdev_get_gpio_in', 'hw/core/gpio.c'),
      qemuLink('qdev_init_gpio_in', 'hw/core/gpio.c', { note: 'ioapic_realize creates the 24 inputs with handler ioapic_set_irq' }),
      qemuLink('ioapic_realize', QEMU_IOAPIC_FILE),
      qemuLink('pc_i8259_create', 'hw/i386/pc.c'),
    ],
    branches: [
      { name: 'isa-range', when: 'a GSI below 16: the i8259 input first, then the IO-APIC pin', next: 'Q1.2a' },
      { name: 'ioapic', when: 'a GSI in 16..23: the IO-APIC pin only', next: 'Q1.3' },
    ],
    run(ctx) {
      const gsi = numParam(ctx.params, 'gsi', 0);
      if (gsi < 16) return { branch: 'isa-range', why: `GSI ${gsi} < 16: qemu_set_irq(i8259_irq[${gsi}]) first, then falls through to ioapic_irq[${gsi}]`, next: 'Q1.2a' };
      if (gsi < 24) return { branch: 'ioapic', why: `GSI ${gsi} in 16..23: qemu_set_irq(ioapic_irq[${gsi}]) only`, next: 'Q1.3' };
      throw new ModelError(`gsi = ${gsi}: the first IO-APIC has pins 0..23`, 'gsi');
    },
  },
  {
    id: 'Q1.2a',
    title: 'pic_set_irq (legacy i8259 branch)',
    role: 'The 8259 input follows the line (ELCR level) or latches an edge; its output reaches the APIC only through an unmasked LINT0 (ExtINT).',
    component: 'i8259',
    links: [
      qemuLink('pic_set_irq', 'hw/intc/i8259.c'),
      qemuLink('pic_update_irq', 'hw/intc/i8259.c'),
      qemuLink('pic_get_irq', 'hw/intc/i8259.c'),
      qemuLink('pic_irq_request', 'hw/i386/x86.c'),
      qemuLink('i8259_init', 'hw/intc/i8259.c', { note: 'master output → pic_irq_request, slave output → master input 2' }),
      qemuLink('pic_realize', 'hw/intc/i8259.c', { note: 'one output (int_out), eight inputs with handler pic_set_irq' }),
      qemuLink('apic_accept_pic_intr', QEMU_APIC_FILE),
      qemuLink('apic_deliver_pic_intr', QEMU_APIC_FILE),
    ],
    branches: [
      { name: 'pic-inert', when: 'the 8259 output stays low (the IRQ is masked in IMR, as Linux masks every IRQ it routes through the IO-APIC); on to the IO-APIC pin', next: 'Q1.3' },
      { name: 'lint0-masked', when: 'the 8259 output is high, but every APIC has LINT0 masked: pic_irq_request delivers nothing', next: 'Q1.3' },
      { name: 'extint', when: '8259 output high and LINT0 accepts it: apic_local_deliver(LINT0) ExtINT → cpu_interrupt(HARD); the vector comes later from pic_read_irq (this path is not followed further)', next: 'Q1.3' },
    ],
    run(ctx) {
      const m = ctx.state;
      const gsi = numParam(ctx.params, 'gsi', 0);
      const level = boolParam(ctx.params, 'line', true);
      const out = picSetIrq(m.pic, gsi, level);
      const irqMasked = gsi < 8 ? (m.pic.master.imr >> gsi) & 1 : (m.pic.slave.imr >> (gsi - 8)) & 1;
      if (!out) {
        return { branch: 'pic-inert', why: `8259 output stays low (IRQ${gsi} ${irqMasked ? 'masked in IMR, as Linux masks every IRQ it routes through the IO-APIC' : 'not deliverable'}); on to the IO-APIC pin`, next: 'Q1.3' };
      }
      const takers = m.cpus.filter((c) => apicAcceptPicIntr(c));
      if (takers.length === 0) {
        return { branch: 'lint0-masked', why: `8259 output high, but every APIC has LINT0 masked (${hex(m.cpus[0].lvt[LVT_LINT0])}): pic_irq_request delivers nothing`, next: 'Q1.3' };
      }
      for (const c of takers) cpuInterrupt(c, 'HARD', m.thread);
      ctx.emit({ kind: 'pending', target: takers.map((c) => vcpuThread(c)).join(','), what: `ExtINT IRQ${gsi}`, detail: 'LINT0 unmasked ExtINT: CPU_INTERRUPT_HARD, vector read later by pic_read_irq' });
      return { branch: 'extint', why: `8259 output high and LINT0 accepts it on ${takers.map((c) => vcpuThread(c)).join(', ')}: apic_local_deliver(LINT0) ExtINT → cpu_interrupt(HARD); the vector comes later from pic_read_irq (this path is not followed further)`, next: 'Q1.3', params: { pic_took: true } };
    },
  },
  {
    id: 'Q1.3',
    title: 'ioapic_set_irq',
    role: 'IO-APIC input pin (QR8): a level pin latches the line and services only while Remote-IRR=0; an edge pin fires on every assert while unmasked.',
    component: 'ioapic',
    operation: 'ioapic.input',
    links: [qemuLink('ioapic_set_irq', QEMU_IOAPIC_FILE), qemuLink('ioapic_stat_update_irq', 'hw/intc/ioapic_common.c')],
    contracts: [
      { id: 'Q1.3-remote-irr', text: 'a level assert services the pin only when Remote-IRR is clear', source: 'QR8; QR9', codebase: 'qemu', symbol: 'ioapic_set_irq', check: { kind: 'mentions', anyOf: ['IOAPIC_LVT_REMOTE_IRR'] } },
      { id: 'Q1.3-masked-edge', text: 'an edge assert while the RTE is masked is ignored (82093AA)', source: 'QR8', codebase: 'qemu', symbol: 'ioapic_set_irq', check: { kind: 'mentions', anyOf: ['IOAPIC_LVT_MASKED'] } },
    ],
    rules: ['QR8'],
    branches: [
      { name: 'service', when: 'an unmasked edge pin asserted: QEMU services it on every assert call', next: 'Q1.4' },
      { name: 'held-remote-irr', when: 'a level pin asserted while its Remote-IRR is 1: no message until the EOI (QR9)', next: null },
      { name: 'coalesced', when: 'an edge pin that was already high: no 0→1 transition, coalesced (QR8)', next: null },
      { name: 'masked-edge-pic', when: 'a masked edge pin whose i8259 ExtINT path already posted CPU_INTERRUPT_HARD', next: null },
      { name: 'masked-edge-lost', when: 'an edge assert while the RTE is masked: QEMU drops it and nothing is latched (QR8)', next: null },
      { name: 'deasserted', when: 'the line goes low: a level pin\'s request latch follows it', next: null },
      { name: 'ignored', when: 'a de-assert on an edge pin, or a change that changes nothing: ignored (QR8)', next: null },
    ],
    run(ctx) {
      const m = ctx.state;
      const gsi = numParam(ctx.params, 'gsi', 0);
      const pin = ioapicGpioToPin(gsi);
      const level = boolParam(ctx.params, 'line', true);
      const r = ioapicSetIrq(m.ioapic, pin, level, ioProfile(ctx.profile), undefined, { defer: true });
      const remap = gsi === 0 ? ' (GPIO 0 remapped to pin 2)' : '';
      if (r.action === 'service') return { branch: 'service', why: r.why + remap, next: 'Q1.4', params: { pin } };
      if (r.action === 'hold') {
        ctx.emit({ kind: 'pending', target: 'ioapic', what: `pin ${pin}`, detail: 'line latched in irr; Remote-IRR=1 holds it until an EOI for its vector' });
        return { branch: 'held-remote-irr', why: r.why, next: null };
      }
      if (r.action === 'coalesced') {
        ctx.emit({ kind: 'note', target: 'ioapic', what: `pin ${pin}`, detail: r.why });
        return { branch: 'coalesced', why: r.why, next: null };
      }
      if (r.action === 'ignored' && level) {
        if (ctx.params.pic_took === true) {
          ctx.emit({ kind: 'note', target: 'ioapic', what: `pin ${pin}`, detail: `${r.why}; the 8259 carries this IRQ through LINT0 instead` });
          return { branch: 'masked-edge-pic', why: `${r.why}; the i8259 ExtINT path already posted CPU_INTERRUPT_HARD`, next: null };
        }
        ctx.emit({ kind: 'lost', target: 'ioapic', what: `pin ${pin}`, detail: r.why });
        return { branch: 'masked-edge-lost', why: r.why, next: null };
      }
      return { branch: r.action === 'lowered' ? 'deasserted' : 'ignored', why: r.why + remap, next: null };
    },
  },
  {
    id: 'Q1.4',
    title: 'ioapic_service',
    role: 'QR9: scans all 24 pins with a latched request; masked → hold; level with Remote-IRR → coalesce; else send the MSI-format message and set Remote-IRR (level) or clear the latch (edge).',
    component: 'ioapic',
    operation: 'ioapic.service',
    links: [qemuLink('ioapic_service', QEMU_IOAPIC_FILE), qemuLink('ioapic_entry_parse', QEMU_IOAPIC_FILE), qemuLink('kvm_set_irq', 'accel/kvm/kvm-all.c', { note: 'split irqchip only: the message goes to KVM instead of stl_le_phys' })],
    contracts: [
      { id: 'Q1.4-sets-remote-irr', text: 'sending a level message sets Remote-IRR; a pin with Remote-IRR already set is skipped', source: 'QR9', codebase: 'qemu', symbol: 'ioapic_service', check: { kind: 'mentions', anyOf: ['IOAPIC_LVT_REMOTE_IRR'] } },
      { id: 'Q1.4-msi-write', text: 'the message is an MSI write into the IO-APIC address space (so an IOMMU can remap it)', source: 'docs/flows/Q1.md#q1-4', codebase: 'qemu', symbol: 'ioapic_service', check: { kind: 'calls', anyOf: ['stl_le_phys'] } },
    ],
    rules: ['QR9'],
    branches: [
      { name: 'held', when: 'no pin has a latched request', next: null },
      { name: 'send-level', when: 'an unmasked level pin: Remote-IRR := 1 and its RTE\'s message is written to the APIC bus (stl_le_phys to 0xfee…)', next: 'Q1.5' },
      { name: 'send-edge', when: 'an unmasked edge pin: its request latch is cleared and its RTE\'s message is written to the APIC bus (stl_le_phys to 0xfee…)', next: 'Q1.5' },
    ],
    run(ctx) {
      const m = ctx.state;
      const res = ioapicService(m.ioapic, ioProfile(ctx.profile));
      for (const msg of res.sent) {
        if (msg.delivery_mode === DM_EXTINT) {
          const r = picReadIrq(m.pic);
          msg.vector = r.vector;
          msg.data = (msg.data & ~0xff) | r.vector;
        }
      }
      if (res.sent.length === 0) {
        for (const h of res.held) ctx.emit({ kind: 'pending', target: 'ioapic', what: `pin ${h.pin}`, detail: h.why });
        return { branch: 'held', why: res.held.map((h) => h.why).join('; ') || 'no pin has a latched request', next: null };
      }
      const [first, ...rest] = res.sent;
      const others = rest.map((msg) => `pin ${msg.pin} → ${deliverQuietly(m, msg, ctx.profile).join(',') || 'no CPU'}`);
      const e = m.ioapic.ioredtbl[first.pin];
      const why = `pin ${first.pin}: RTE unmasked, ${e.trig_mode ? 'level → Remote-IRR := 1' : 'edge → latch cleared'}; message vector ${hex(first.vector)} dest ${hex(first.dest)} (${first.dest_mode ? 'logical' : 'physical'}) → stl_le_phys(${hex(first.address)}, ${hex(first.data)})${others.length ? `; also sent: ${others.join('; ')}` : ''}`;
      return { branch: e.trig_mode ? 'send-level' : 'send-edge', why, next: 'Q1.5', params: msgParams(first) };
    },
  },
  {
    id: 'Q1.5',
    title: 'apic_mem_write → apic_send_msi',
    role: 'The "apic-msi" region serves both LAPIC MMIO and MSI writes; an ICR write (0x300) sends the IPI it describes through apic_deliver (ICR2 at 0x310 only latches the destination; QEMU stores both as written, the sdm profile reads BUSY idle and ICR2 bits 23:0 as 0; QR29, QR30); an MSI is decoded (QR14: dest addr[19:12], dest mode addr[2], vector data[7:0], delivery data[10:8], trigger data[15]).',
    component: 'lapic',
    operation: 'msi.decode',
    links: [
      qemuLink('apic_mem_write', QEMU_APIC_FILE), qemuLink('apic_send_msi', QEMU_APIC_FILE), qemuLink('vtd_mem_ir_write', 'hw/i386/intel_iommu.c', { note: 'with an emulated VT-d: remap, then the APIC class send_msi' }),
      qemuLink('apic_deliver', QEMU_APIC_FILE, { note: 'an ICR write (register 0x30) sends the IPI it describes' }), qemuLink('apic_bus_deliver', QEMU_APIC_FILE), qemuLink('apic_mem_read', QEMU_APIC_FILE, { note: 'reads ICR/ICR2 back as s->icr[index & 1]' }),
    ],
    rules: ['QR14', 'QR29', 'QR30'],
    branches: [
      { name: 'msi', when: 'an MSI write: destination, mode, vector, delivery and trigger decoded from address and data (the redirection hint is ignored)', next: 'Q1.6' },
      { name: 'icr2-stored', when: 'an ICR2 write (0x310): the destination byte is latched, nothing is sent', next: null },
      { name: 'no-target', when: 'an ICR write whose shorthand or destination selects no APIC: the IPI is lost', next: null },
      { name: 'nmi', when: 'an ICR write with delivery NMI: apic_bus_deliver raises CPU_INTERRUPT_NMI on each selected CPU, bypassing IRR', next: null },
      { name: 'smi', when: 'an ICR write with delivery SMI: CPU_INTERRUPT_SMI on each selected CPU', next: null },
      { name: 'init', when: 'an ICR write with delivery INIT (assert): CPU_INTERRUPT_INIT on each selected CPU', next: null },
      { name: 'unmodelled-delivery', when: 'an ICR write with a delivery mode outside the modelled paths (INIT de-assert, start-up, reserved)', next: null },
      { name: 'fixed', when: 'an ICR write with delivery Fixed: IRR set on every selected APIC, the run follows the first', next: 'Q1.7' },
      { name: 'lowpri-first', when: 'an ICR write with delivery Lowest priority: the first APIC of the selection takes it (no arbitration)', next: 'Q1.7' },
    ],
    run(ctx) {
      if (ctx.params.icr_reg === 'icr' || ctx.params.icr_reg === 'icr2') return icrWrite(ctx);
      let address = typeof ctx.params.msi_address === 'number' ? ctx.params.msi_address : -1;
      let data = typeof ctx.params.msi_data === 'number' ? ctx.params.msi_data : -1;
      if (address < 0 || data < 0) {
        const vector = numParam(ctx.params, 'vector', 0x41);
        address = (0xfee00000 | (numParam(ctx.params, 'dest', 1) << 12) | (numParam(ctx.params, 'dest_mode', 1) << 2)) >>> 0;
        data = vector | (numParam(ctx.params, 'delivery_mode', 0) << 8) | (numParam(ctx.params, 'trig_mode', 0) << 15);
      }
      // A vector below 16 is not refused here: apic_send_msi / apic_deliver_irq pass it on unchecked, and what the
      // receiving APIC does with it is the profile's rule at Q1.7.
      const d = decodeMsi(address, data);
      return {
        branch: 'msi',
        why: `write ${hex(data)} to ${hex(address)}: dest ${hex(d.dest)}, ${d.dest_mode ? 'logical' : 'physical'}, vector ${hex(d.vector)}, delivery ${d.delivery_mode}, ${d.trig_mode ? 'level' : 'edge'} (redirection hint ignored)`,
        next: 'Q1.6',
        params: { dest: d.dest, dest_mode: d.dest_mode, vector: d.vector, delivery_mode: d.delivery_mode, trig_mode: d.trig_mode, msi_address: -1, msi_data: -1 },
      };
    },
  },
  {
    id: 'Q1.6',
    title: 'apic_deliver_irq',
    role: 'QR15 QEMU form: destination bitmask (physical ID, 0xff broadcast, logical flat/cluster); LOWPRI goes to the first APIC in the mask (no arbitration); FIXED to all; NMI/SMI/INIT bypass IRR.',
    component: 'lapic',
    operation: 'lapic.route',
    links: [qemuLink('apic_deliver_irq', QEMU_APIC_FILE), qemuLink('apic_get_delivery_bitmask', QEMU_APIC_FILE), qemuLink('apic_find_dest', QEMU_APIC_FILE), qemuLink('apic_bus_deliver', QEMU_APIC_FILE)],
    rules: ['QR15'],
    branches: [
      { name: 'no-target', when: 'the destination selects no APIC', next: null },
      { name: 'fixed', when: 'fixed delivery: every APIC of the destination accepts it; the run follows the first', next: 'Q1.7' },
      { name: 'lowpri-arbitrated', when: 'lowest-priority delivery under the SDM profile: arbitration picks the APIC with the lowest PPR (QR15)', next: 'Q1.7' },
      { name: 'lowpri-first', when: 'lowest-priority delivery in QEMU TCG: the first APIC in the destination mask, no arbitration (QR15)', next: 'Q1.7' },
    ],
    run(ctx) {
      const m = ctx.state;
      const dest = numParam(ctx.params, 'dest', 1);
      const dm = numParam(ctx.params, 'dest_mode', 1);
      const mode = numParam(ctx.params, 'delivery_mode', DM_FIXED);
      const vector = numParam(ctx.params, 'vector', 0);
      const mask = deliveryBitmask(m.cpus, dest, dm);
      if (mask.length === 0) {
        ctx.emit({ kind: 'lost', what: `vector ${hex(vector)}`, detail: `no APIC matches dest ${hex(dest)} (${dm ? 'logical' : 'physical'})` });
        return { branch: 'no-target', why: `destination ${hex(dest)} selects no APIC`, next: null };
      }
      if (mode === DM_NMI || mode === DM_SMI || mode === DM_INIT) {
        const r = mode === DM_NMI ? 'NMI' : mode === DM_SMI ? 'SMI' : 'INIT';
        for (const i of mask) cpuInterrupt(m.cpus[i], r, m.thread);
        ctx.emit({ kind: 'pending', target: mask.map((i) => `vcpu${i}`).join(','), what: r, detail: `CPU_INTERRUPT_${r}: bypasses IRR` });
        return { branch: r.toLowerCase(), why: `delivery mode ${mode}: cpu_interrupt(CPU_INTERRUPT_${r}) on ${mask.length} CPU(s)`, next: null };
      }
      // QR15: QEMU picks the first APIC in the mask; the SDM arbitrates for the lowest priority (modelled by PPR, ties → lowest index).
      const lowest = ctx.profile === 'sdm' ? mask.reduce((a, b) => (m.cpus[b].lapic.ppr < m.cpus[a].lapic.ppr ? b : a), mask[0]) : mask[0];
      const chosen = mode === DM_LOWPRI ? [lowest] : mask;
      for (const i of chosen.slice(1)) {
        if (apicAcceptMessage(m.cpus[i], vector, numParam(ctx.params, 'trig_mode', 0) === 1, lapicForm(ctx.profile)) === 'illegal-vector') {
          ctx.emit({ kind: 'error', target: `vcpu${i}`, what: `vector ${hex(vector)}`, detail: 'received illegal vector: ESR bit 6 set, IRR untouched' });
          continue;
        }
        apicUpdateIrq(m.cpus[i], m.thread, m.pic, lapicForm(ctx.profile));
        ctx.emit({ kind: 'pending', target: `vcpu${i}`, what: `vector ${hex(vector)}`, detail: 'IRR set on another APIC in the mask; its own vCPU will take it' });
      }
      const why = mode === DM_LOWPRI
        ? ctx.profile === 'sdm'
          ? `lowest priority: arbitration over mask [${mask.join(',')}] picks the lowest PPR → cpu${chosen[0]} (PPR ${hex(m.cpus[chosen[0]].lapic.ppr)})`
          : `lowest priority: QEMU picks the first APIC in mask [${mask.join(',')}] → cpu${chosen[0]} (no arbitration)`
        : `fixed: every APIC in mask [${mask.join(',')}]; following cpu${chosen[0]}`;
      return { branch: mode === DM_LOWPRI ? (ctx.profile === 'sdm' ? 'lowpri-arbitrated' : 'lowpri-first') : 'fixed', why, next: 'Q1.7', params: { cpu: chosen[0] } };
    },
  },
  {
    id: 'Q1.7',
    title: 'apic_set_irq',
    role: 'QR4: IRR[v]=1 and TMR[v]=trigger (level sets, edge clears); a vector already in IRR coalesces. Accepted even when SVR[8]=0.',
    component: 'lapic',
    operation: 'lapic.accept',
    links: [qemuLink('apic_set_irq', QEMU_APIC_FILE), qemuLink('apic_report_irq_delivered', 'hw/intc/apic_common.c')],
    contracts: [
      { id: 'Q1.7-tmr', text: 'acceptance records the trigger mode in TMR, so the EOI knows to reach the IO-APIC', source: 'QR4; QR7', codebase: 'qemu', symbol: 'apic_set_irq', check: { kind: 'mentions', anyOf: ['tmr'] } },
      { id: 'Q1.7-update', text: 'acceptance re-evaluates the CPU interrupt line', source: 'docs/flows/Q1.md#q1-7', codebase: 'qemu', symbol: 'apic_set_irq', check: { kind: 'calls', anyOf: ['apic_update_irq'] } },
    ],
    rules: ['QR4', 'QR31'],
    branches: [
      { name: 'coalesced', when: 'IRR[v] was already 1: this one merges with it (QR4)', next: 'Q1.8' },
      { name: 'accepted', when: 'IRR[v] := 1 and TMR[v] := the trigger (level 1, edge 0); accepted even with SVR[8]=0 (QR4)', next: 'Q1.8' },
      { name: 'illegal-vector', when: 'sdm profile, vector below 16: the APIC sets ESR bit 6 (received illegal vector) and drops the message', next: null },
    ],
    run(ctx) {
      const cpu = cpuAt(ctx.state, numParam(ctx.params, 'cpu', 0));
      const v = numParam(ctx.params, 'vector', 0);
      const level = numParam(ctx.params, 'trig_mode', 0) === 1;
      const r = apicAcceptMessage(cpu, v, level, lapicForm(ctx.profile));
      if (r === 'illegal-vector') {
        // SDM (Xen's vlapic_set_irq does the same): a vector below 16 is a receive error, ESR bit 6, IRR untouched.
        ctx.emit({ kind: 'error', target: vcpuThread(cpu), what: `vector ${hex(v)}`, detail: 'received illegal vector (< 16): ESR bit 6 set, not accepted into IRR' });
        return { branch: 'illegal-vector', why: `vector ${hex(v)} < 16: the APIC records "received illegal vector" (ESR := ${hex(cpu.lapic.esr)}) and drops the message`, next: null };
      }
      const coalesced = r === 'coalesced';
      if (coalesced) ctx.emit({ kind: 'note', target: vcpuThread(cpu), what: `vector ${hex(v)}`, detail: 'IRR bit already set: the two requests coalesce into one' });
      return {
        branch: coalesced ? 'coalesced' : 'accepted',
        why: `${coalesced ? 'IRR' + `[${hex(v)}] was already 1` : `IRR[${hex(v)}] := 1`}, TMR[${hex(v)}] := ${level ? 1 : 0}${cpu.lapic.svr_enabled ? '' : ' (SVR[8]=0: latched, never delivered)'}${v < 16 ? ` (apic_set_irq checks no vector: ${hex(v)} < 16 is accepted, no ESR bit)` : ''}`,
        next: 'Q1.8',
      };
    },
  },
  {
    id: 'Q1.8',
    title: 'apic_update_irq',
    role: 'QR16: off the vCPU thread only CPU_INTERRUPT_POLL is posted; on it, QR3 decides HARD, or HARD is reset when neither the APIC nor the 8259 has anything.',
    component: 'lapic',
    operation: 'lapic.update',
    links: [qemuLink('apic_update_irq', QEMU_APIC_FILE), qemuLink('apic_irq_pending', QEMU_APIC_FILE), qemuLink('apic_get_ppr', QEMU_APIC_FILE), qemuLink('apic_set_tpr', QEMU_APIC_FILE), qemuLink('cpu_set_apic_tpr', 'hw/intc/apic_common.c'), qemuLink('helper_write_crN', 'target/i386/tcg/sysemu/misc_helper.c', { note: 'MOV to CR8' }), qemuLink('cpu_reset_interrupt', 'hw/core/cpu-common.c'), qemuLink('pic_get_output', 'hw/intc/i8259.c')],
    contracts: [
      { id: 'Q1.8-poll', text: 'off the target vCPU thread, only a POLL request is posted; the evaluation happens on the vCPU thread', source: 'QR16', codebase: 'qemu', symbol: 'apic_update_irq', check: { kind: 'calls', anyOf: ['qemu_cpu_is_self'] } },
      { id: 'Q1.8-reset', text: 'with nothing deliverable and no 8259 interrupt, HARD is withdrawn', source: 'docs/flows/Q1.md#q1-8', codebase: 'qemu', symbol: 'apic_update_irq', check: { kind: 'calls', anyOf: ['cpu_reset_interrupt'] } },
    ],
    rules: ['QR3', 'QR16', 'QR34'],
    branches: [
      { name: 'poll', when: 'not on the target vCPU\'s thread (qemu_cpu_is_self false): post CPU_INTERRUPT_POLL and kick', next: 'Q1.9' },
      { name: 'hard', when: 'on the vCPU\'s thread: the highest IRR class beats PPR: CPU_INTERRUPT_HARD (QR3)', next: 'Q1.9' },
      { name: 'reset-hard', when: 'IRR has nothing above PPR and no 8259 interrupt comes through LINT0: cpu_reset_interrupt(HARD)', next: 'Q1.10' },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      let pre = '';
      const tpr = numParam(ctx.params, 'write_tpr', -1);
      const out: Partial<StepResult> = {};
      if (tpr >= 0) {
        m.thread = vcpuThread(cpu);
        const old = cpu.lapic.tpr;
        // MMIO (apic_mem_write, register 0x08) stores the byte; MOV to CR8 (helper_write_crN → cpu_set_apic_tpr →
        // apic_set_tpr) stores CR8 << 4, so TPR[3:0] is lost (QR34).
        const cr8 = ctx.params.via === 'cr8';
        cpu.lapic.tpr = cr8 ? ((tpr >> 4) & 0xf) << 4 : tpr & 0xff;
        cpu.lapic.ppr = computePpr(cpu.lapic);
        pre = `guest wrote TPR ${hex(old)} → ${hex(cpu.lapic.tpr)} (${cr8 ? `MOV CR8 = ${tpr >> 4}: cpu_set_apic_tpr → apic_set_tpr stores CR8 << 4` : 'MMIO 0x80: apic_mem_write stores the byte'}, on its own thread); `;
        out.params = { write_tpr: -1 };
      }
      const u = apicUpdateIrq(cpu, m.thread, m.pic, lapicForm(ctx.profile));
      if (u.branch === 'poll') return { branch: 'poll', why: pre + u.why, next: 'Q1.9', params: { ...out.params, request: 'POLL' } };
      if (u.branch === 'hard') return { branch: 'hard', why: pre + u.why, next: 'Q1.9', params: { ...out.params, request: 'HARD' } };
      if (u.branch === 'reset-hard' && cpu.lapic.irr.length > 0) {
        ctx.emit({ kind: 'pending', target: vcpuThread(cpu), what: `vector ${hex(highest(cpu.lapic.irr))}`, detail: `stays in IRR: ${u.why}` });
      }
      return { branch: u.branch, why: pre + u.why, next: backToCpu(m, cpu), params: out.params };
    },
  },
  {
    id: 'Q1.9',
    title: 'cpu_interrupt',
    role: 'Sets the request bit; from another thread kicks the vCPU (wakes it from halt or forces it out of the TB loop); on its own thread makes it leave the TB at the next check. The trace follows the kicked vCPU on at once, although in QEMU the sender returns first: everything else the sender does to the APICs (the other pins ioapic_service sends, the other APICs of a destination mask) was done before this step, and what it does after returning touches neither an APIC nor the CPU, so the order cannot change an outcome; an action placed beforeStep Q1.10 runs between the kick and the vCPU\'s check.',
    component: 'tcg-cpu',
    links: [qemuLink('cpu_interrupt', 'softmmu/cpus.c'), qemuLink('tcg_handle_interrupt', 'accel/tcg/tcg-accel-ops.c'), qemuLink('qemu_cpu_kick', 'softmmu/cpus.c')],
    contracts: [
      { id: 'Q1.9-kick', text: 'a request from another thread kicks the vCPU', source: 'docs/flows/Q1.md#q1-9', codebase: 'qemu', symbol: 'tcg_handle_interrupt', check: { kind: 'calls', anyOf: ['qemu_cpu_kick'] } },
    ],
    rules: ['QR16'],
    branches: [
      { name: 'kick', when: 'the request is set from another thread: qemu_cpu_kick wakes the vCPU from hlt or forces it out of the TB loop; it continues on its own thread', next: 'Q1.10' },
      { name: 'self', when: 'the request is set on the vCPU\'s own thread: icount_decr.u16.high = -1, it leaves the TB at the next check', next: 'Q1.10' },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const req = String(ctx.params.request ?? 'HARD') as 'HARD' | 'POLL';
      const how = cpuInterrupt(cpu, req, m.thread);
      if (how === 'kick') {
        const from = m.thread;
        m.thread = vcpuThread(cpu);
        return { branch: 'kick', why: `CPU_INTERRUPT_${req} set from ${from}: qemu_cpu_kick(${vcpuThread(cpu)})${cpu.halted ? ' wakes it from hlt' : ' forces it out of the TB loop'}; it continues on its own thread`, next: 'Q1.10' };
      }
      return { branch: 'self', why: `CPU_INTERRUPT_${req} set on ${m.thread} itself: icount_decr.u16.high = -1, leaves the TB at the next check`, next: 'Q1.10' };
    },
  },
  {
    id: 'Q1.10',
    title: 'x86_cpu_exec_interrupt',
    role: 'On the vCPU thread between TBs, one request per call: POLL (not gated by IF) → apic_poll_irq; HARD needs IF=1 and no STI/MOV-SS shadow (QR6). Also where a running guest handler returns (iret restores IF).',
    component: 'tcg-cpu',
    links: [
      qemuLink('cpu_handle_interrupt', 'accel/tcg/cpu-exec.c'),
      qemuLink('x86_cpu_exec_interrupt', 'target/i386/tcg/sysemu/seg_helper.c'),
      qemuLink('x86_cpu_pending_interrupt', 'target/i386/cpu.c'),
      qemuLink('apic_poll_irq', QEMU_APIC_FILE),
    ],
    contracts: [
      { id: 'Q1.10-poll', text: 'a POLL request is cleared and handed to apic_poll_irq', source: 'QR16', codebase: 'qemu', symbol: 'x86_cpu_exec_interrupt', check: { kind: 'calls', anyOf: ['apic_poll_irq'] } },
      { id: 'Q1.10-if', text: 'HARD is taken only with IF=1 and no interrupt shadow', source: 'QR6', codebase: 'qemu', symbol: 'x86_cpu_pending_interrupt', check: { kind: 'mentions', anyOf: ['IF_MASK'] } },
    ],
    rules: ['QR6', 'QR16'],
    branches: [
      { name: 'poll', when: 'CPU_INTERRUPT_POLL is pending (served whatever IF is): apic_poll_irq → apic_update_irq, now on the vCPU thread', next: 'Q1.8' },
      { name: 'hard', when: 'CPU_INTERRUPT_HARD with IF=1 and no interrupt shadow: clear HARD|VIRQ, cpu_get_pic_interrupt', next: 'Q1.11' },
      { name: 'iret', when: 'nothing the CPU can take now (HARD waits for IF=1); the guest handler returns and iret restores IF=1', next: 'Q1.10' },
      { name: 'blocked-if', when: 'HARD is set but an interrupt shadow is active / IF=0: not taken', next: null },
      { name: 'idle', when: 'no interrupt request: the guest keeps running', next: null },
      { name: 'halted', when: 'no interrupt request and the vCPU is halted: it stays halted', next: null },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      m.thread = vcpuThread(cpu);
      const p = pendingInterrupt(cpu);
      if (p === 'POLL') {
        clearRequest(cpu, 'POLL');
        leaveHalt(cpu, ctx.emit, 'CPU_INTERRUPT_POLL pending: cpu_handle_halt runs apic_poll_irq and leaves hlt');
        return { branch: 'poll', why: 'CPU_INTERRUPT_POLL is pending (served regardless of IF): clear it, apic_poll_irq → apic_update_irq, now on the vCPU thread', next: 'Q1.8' };
      }
      if (p === 'HARD') {
        leaveHalt(cpu, ctx.emit, 'CPU_INTERRUPT_HARD with IF=1: cpu_has_work, cpu_handle_halt leaves hlt');
        clearRequest(cpu, 'HARD');
        return { branch: 'hard', why: 'CPU_INTERRUPT_HARD with IF=1 and no interrupt shadow: clear HARD|VIRQ, cpu_get_pic_interrupt', next: 'Q1.11' };
      }
      if (p !== null) {
        clearRequest(cpu, p);
        ctx.emit({ kind: 'delivered', target: vcpuThread(cpu), what: p, detail: `CPU_INTERRUPT_${p} taken` });
        return { branch: p.toLowerCase(), why: `CPU_INTERRUPT_${p} is pending and outranks HARD`, next: null };
      }
      if (cpu.in_handler.length > 0) {
        const v = cpu.in_handler.pop() as number;
        cpu.eflags_if = true;
        return { branch: 'iret', why: `no request the CPU can take now${cpu.interrupt_request.includes('HARD') ? ' (HARD waits for IF=1)' : ''}; the guest handler for ${hex(v)} returns: iret restores IF=1`, next: 'Q1.10' };
      }
      if (cpu.interrupt_request.includes('HARD')) {
        ctx.emit({ kind: 'pending', target: vcpuThread(cpu), what: 'CPU_INTERRUPT_HARD', detail: cpu.eflags_if ? 'blocked by the STI/MOV-SS shadow' : 'IF=0: stays set until the guest executes sti (QR6)' });
        return { branch: 'blocked-if', why: `HARD is set but ${cpu.eflags_if ? 'an interrupt shadow is active' : 'IF=0'}: not taken`, next: null };
      }
      return { branch: cpu.halted ? 'halted' : 'idle', why: cpu.halted ? 'no request: the vCPU stays halted' : 'no interrupt request: the guest keeps running', next: null };
    },
  },
  {
    id: 'Q1.11',
    title: 'apic_get_interrupt',
    role: 'QR5 INTA: hi(IRR) → ISR if it still beats PPR; if it became blocked, the SVR spurious vector with IRR/ISR untouched; 8259 vectors when LINT0 takes ExtINT.',
    component: 'lapic',
    operation: 'lapic.ack',
    links: [qemuLink('cpu_get_pic_interrupt', 'hw/i386/x86.c'), qemuLink('apic_get_interrupt', QEMU_APIC_FILE), qemuLink('apic_check_pic', QEMU_APIC_FILE), qemuLink('pic_read_irq', 'hw/intc/i8259.c')],
    contracts: [
      { id: 'Q1.11-spurious', text: 'an interrupt blocked between request and INTA yields the spurious vector', source: 'QR5', codebase: 'qemu', symbol: 'apic_get_interrupt', check: { kind: 'mentions', anyOf: ['spurious_vec'] } },
    ],
    rules: ['QR5'],
    branches: [
      { name: 'none', when: 'apic_irq_pending is 0 and the APIC does not accept the 8259 (LINT0 masked): no vector; the CPU loop goes on', next: 'Q1.10' },
      { name: 'none', when: 'apic_irq_pending is 0 and the APIC does not accept the 8259 (LINT0 masked): no vector', next: null },
      { name: 'apic', when: 'the highest IRR vector moves to ISR and PPR rises to its class; apic_update_irq re-evaluates HARD', next: 'Q1.12' },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const g = cpuGetPicInterrupt(cpu, m.pic, lapicForm(ctx.profile));
      if (g.intno < 0) {
        ctx.emit({ kind: 'note', target: vcpuThread(cpu), detail: g.why });
        return { branch: 'none', why: g.why, next: backToCpu(m, cpu) };
      }
      let why = g.why;
      if (g.source === 'apic') {
        const u = apicUpdateIrq(cpu, m.thread, m.pic, lapicForm(ctx.profile));
        why += `; apic_update_irq: ${u.branch}`;
      }
      return { branch: g.source, why, next: 'Q1.12', params: { vector: g.intno } };
    },
  },
  {
    id: 'Q1.12',
    title: 'do_interrupt_x86_hardirq',
    role: 'Pushes the frame and loads CS:RIP from the IDT gate; an interrupt gate clears IF (a trap gate would not).',
    component: 'tcg-cpu',
    links: [
      qemuLink('do_interrupt_x86_hardirq', 'target/i386/tcg/seg_helper.c'),
      qemuLink('do_interrupt_all', 'target/i386/tcg/seg_helper.c'),
      qemuLink('do_interrupt64', 'target/i386/tcg/seg_helper.c'),
      qemuLink('do_interrupt_protected', 'target/i386/tcg/seg_helper.c'),
    ],
    rules: ['QR6'],
    branches: [
      { name: 'interrupt-gate', when: 'the vector goes through its IDT interrupt gate: frame pushed, IF := 0 until iret', next: 'Q1.13' },
    ],
    run(ctx) {
      const cpu = cpuAt(ctx.state, numParam(ctx.params, 'cpu', 0));
      const v = numParam(ctx.params, 'vector', 0);
      cpu.eflags_if = false;
      cpu.in_handler.push(v);
      return { branch: 'interrupt-gate', why: `vector ${hex(v)} through its IDT interrupt gate: frame pushed, IF := 0 until iret`, next: 'Q1.13' };
    },
  },
  {
    id: 'Q1.13',
    title: 'guest common_interrupt',
    role: 'Linux: vector_irq[v] → handle_fasteoi_irq (level IO-APIC: handler, then ioapic_ack_level EOI) or handle_edge_irq (edge/MSI: apic_ack_edge EOI first). A vector below 32 is a CPU exception entry instead, which writes no EOI (QR31).',
    component: 'linux-guest',
    links: [
      linuxLink('common_interrupt', 'arch/x86/kernel/irq.c', { kind: 'function', note: 'DEFINE_IDTENTRY_IRQ(common_interrupt)' }),
      linuxLink('handle_irq', 'arch/x86/kernel/irq.c'),
      linuxLink('handle_fasteoi_irq', 'kernel/irq/chip.c'),
      linuxLink('handle_edge_irq', 'kernel/irq/chip.c'),
      linuxLink('ioapic_ack_level', 'arch/x86/kernel/apic/io_apic.c'),
      linuxLink('apic_ack_edge', 'arch/x86/kernel/apic/vector.c'),
      linuxLink('ack_APIC_irq', 'arch/x86/include/asm/apic.h', { versions: 'Linux 6.1 (later kernels call apic_eoi() directly)', note: 'ack_APIC_irq → apic_eoi → apic->eoi_write(APIC_EOI, 0): the MMIO store to 0xFEE000B0 that reaches QEMU’s apic_mem_write' }),
      linuxLink('handle_spurious_interrupt', 'arch/x86/kernel/apic/apic.c'),
      linuxLink('idt_setup_traps', 'arch/x86/kernel/idt.c', { note: 'vectors 0..31 are CPU exception entries (def_idts): an APIC vector below 16 lands in one' }),
    ],
    contracts: [
      { id: 'Q1.13-edge-ack-first', text: 'an edge interrupt is acknowledged (LAPIC EOI) before its handler runs', source: 'docs/flows/Q1.md#q1-13', codebase: 'linux', symbol: 'handle_edge_irq', check: { kind: 'callOrder', first: ['irq_ack'], then: ['handle_irq_event'] } },
      { id: 'Q1.13-level-eoi', text: 'ioapic_ack_level EOIs the LAPIC, and EOIs the IO-APIC pin itself when the TMR says the level interrupt arrived as edge', source: 'docs/flows/Q1.md#q1-13', codebase: 'linux', symbol: 'ioapic_ack_level', check: { kind: 'callOrder', first: ['ack_APIC_irq'], then: ['eoi_ioapic_pin'] } },
    ],
    rules: ['QR31', 'QR35'],
    branches: [
      { name: 'spurious', when: 'the vector is the SVR spurious vector: handle_spurious_interrupt, no EOI', next: 'Q1.10' },
      { name: 'exception-vector', when: 'a vector below 32 (QEMU presents 1..15 at PPR 0): its IDT entry is a CPU exception handler, which writes no EOI, so ISR stays set', next: 'Q1.10' },
      { name: 'edge-or-msi', when: 'no RTE carries the vector: handled as an edge/MSI vector, ack_APIC_irq first', next: 'Q1.14' },
      { name: 'stop', when: 'the guest handler has run the maximum number of times the run allows: stopped', next: null },
      { name: 'fasteoi', when: 'the vector\'s RTE is level: the handler runs the action (the device), then ioapic_ack_level reads TMR and EOIs', next: 'Q1.14' },
      { name: 'edge', when: 'the vector\'s RTE is edge: the handler acks the LAPIC first, then runs the action (the device)', next: 'Q1.14' },
      { name: 'fasteoi-in-service', when: 'the vector\'s RTE is level and the guest handler does not write its EOI now (handler_eoi): the vector stays in service until an eoi action, or for ever (QR35)', next: null },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const v = numParam(ctx.params, 'vector', 0);
      const max = numParam(ctx.params, 'max_handler_runs', 3);
      const target = vcpuThread(cpu);
      if (v === cpu.lapic.spurious_vector && !hasBit(cpu.lapic.isr, v)) {
        ctx.emit({ kind: 'note', target, handler: 'handle_spurious_interrupt', what: `vector ${hex(v)}`, detail: 'spurious APIC vector: Linux does not acknowledge it' });
        return { branch: 'spurious', why: `vector ${hex(v)} is the SVR spurious vector: handle_spurious_interrupt, no EOI`, next: 'Q1.10' };
      }
      if (v < 32) {
        // arch/x86/kernel/idt.c def_idts: IDT entries 0..31 are exception handlers, not common_interrupt. QEMU's
        // apic_irq_pending presents vectors 1..15 when PPR is 0, so the guest runs that exception handler, which never
        // writes the LAPIC EOI: ISR[v] stays set (class 0, so it masks nothing above it).
        const exc = EXCEPTION_HANDLERS[v] ?? `exception vector ${v}`;
        ctx.emit({ kind: 'delivered', target, handler: exc, what: `vector ${hex(v)}`, detail: `vector ${hex(v)} < 32 runs the guest's exception entry ${exc}, which writes no EOI: ISR[${hex(v)}] stays set` });
        return { branch: 'exception-vector', why: `IDT entry ${v} is ${exc} (def_idts), not common_interrupt: no ack_APIC_irq, ISR[${hex(v)}] stays set`, next: 'Q1.10' };
      }
      const pins = m.ioapic.ioredtbl.map((e, i) => (e.vector === v && !(i === 0 && e.mask) ? i : -1)).filter((i) => i >= 0);
      if (pins.length === 0) {
        ctx.emit({ kind: 'delivered', target, handler: 'common_interrupt', what: `vector ${hex(v)}`, detail: 'no IO-APIC pin uses this vector (an MSI or local vector): edge handling, EOI first' });
        return { branch: 'edge-or-msi', why: `no RTE carries ${hex(v)}: handled as an edge/MSI vector, ack_APIC_irq first`, next: 'Q1.14', params: { tmr_was_set: hasBit(cpu.lapic.tmr, v), guest_pin: -1 } };
      }
      const pin = pins[0];
      const level = m.ioapic.ioredtbl[pin].trig_mode === 1;
      m.guest.handled++;
      if (m.guest.handled > max) {
        ctx.emit({ kind: 'note', target, what: `pin ${pin}`, detail: `stopped after ${max} handler runs: the line is still asserted, so every EOI re-delivers it (QR10); raise max_handler_runs to go on` });
        return { branch: 'stop', why: `handler run ${m.guest.handled} > max_handler_runs ${max}`, next: null };
      }
      const handler = level ? 'handle_fasteoi_irq' : 'handle_edge_irq';
      let device = '';
      if (m.device.stuck) {
        device = 'the device keeps its line asserted (stuck)';
      } else {
        m.device.events = Math.max(0, m.device.events - 1);
        device = m.device.events > 0 ? `device still has ${m.device.events} event(s): line stays high` : `device serviced: ${driveLineQuietly(m, { ...ctx.params, level: false }, false, ctx.profile)}`;
      }
      ctx.emit({ kind: 'delivered', target, handler, what: `vector ${hex(v)} (pin ${pin})`, detail: device });
      const tmr = hasBit(cpu.lapic.tmr, v);
      if (level && ctx.params.handler_eoi === false) {
        // handle_fasteoi_irq writes the EOI only when the handler is done: until the guest's `eoi` action (or never),
        // ISR[v] stays set, the PPR stays at v's class and the IO-APIC keeps Remote-IRR (QR35).
        return { branch: 'fasteoi-in-service', why: `RTE ${pin} is level: ${handler} runs the action (${device}) and has not written its EOI yet: ISR[${hex(v)}] stays set, PPR ${hex(cpu.lapic.ppr)}, Remote-IRR ${m.ioapic.ioredtbl[pin].remote_irr}`, next: null };
      }
      if (level) {
        return { branch: 'fasteoi', why: `RTE ${pin} is level: ${handler} runs the action (${device}), then ioapic_ack_level reads TMR[${hex(v)}]=${tmr ? 1 : 0} and EOIs`, next: 'Q1.14', params: { tmr_was_set: tmr, guest_pin: pin } };
      }
      return { branch: 'edge', why: `RTE ${pin} is edge: ${handler} acks the LAPIC first, then runs the action (${device})`, next: 'Q1.14', params: { tmr_was_set: tmr, guest_pin: -1 } };
    },
  },
  {
    id: 'Q1.14',
    title: 'apic_eoi',
    role: 'QR7: clears the highest ISR bit (whatever the handler meant); if its TMR bit is set and SVR[12]=0, broadcasts EOI(v) to the IO-APICs; then re-evaluates (the next IRR vector may now beat PPR).',
    component: 'lapic',
    operation: 'lapic.eoi',
    links: [qemuLink('apic_eoi', QEMU_APIC_FILE), qemuLink('apic_mem_write', QEMU_APIC_FILE, { note: 'register index 0x0b (offset 0xB0) is EOI' })],
    contracts: [
      { id: 'Q1.14-broadcast', text: "a TMR-set vector's EOI reaches the IO-APIC unless directed EOI is enabled", source: 'QR7; QR13; SDM 10.8.5', codebase: 'qemu', symbol: 'apic_eoi', check: { kind: 'calls', anyOf: ['ioapic_eoi_broadcast'] } },
      { id: 'Q1.14-svr12', text: 'the broadcast is suppressed only by SVR[12] (APIC_SV_DIRECTED_IO)', source: 'QR13', codebase: 'qemu', symbol: 'apic_eoi', check: { kind: 'mentions', anyOf: ['APIC_SV_DIRECTED_IO'] } },
      { id: 'Q1.14-reeval', text: 'after the EOI the CPU interrupt line is re-evaluated', source: 'QR7', codebase: 'qemu', symbol: 'apic_eoi', check: { kind: 'calls', anyOf: ['apic_update_irq'] } },
    ],
    rules: ['QR7', 'QR13'],
    branches: [
      { name: 'stray', when: 'ISR is empty: a stray EOI is ignored', next: null },
      { name: 'broadcast', when: 'TMR[vector]=1 and SVR[12]=0: ioapic_eoi_broadcast(vector)', next: 'Q1.15' },
      { name: 'directed', when: 'TMR=1 but SVR[12]=1: no broadcast; the guest follows with a directed EOI to the IO-APIC EOI register', next: 'Q1.15' },
      { name: 'suppressed', when: 'TMR=1 but SVR[12]=1 suppresses the broadcast, and the guest writes no directed EOI', next: 'Q1.8' },
      { name: 'edge-tmr-level-rte', when: 'TMR[vector]=0 although the RTE is level: ioapic_ack_level sends eoi_ioapic_pin itself (Q11.10)', next: 'Q1.15' },
      { name: 'edge', when: 'TMR[vector]=0: edge, nothing for the IO-APIC; apic_update_irq', next: 'Q1.8' },
    ],
    run(ctx): StepResult {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      if (ctx.params.eoi_from_guest === true) m.thread = vcpuThread(cpu);
      const r = lapicEoi(cpu.lapic);
      if (r.vector < 0) {
        return { branch: 'stray', why: 'ISR is empty: a stray EOI is ignored', next: backToCpu(m, cpu) };
      }
      const tmrWasSet = ctx.params.tmr_was_set;
      const guestPin = numParam(ctx.params, 'guest_pin', -1);
      const head = `ISR[${hex(r.vector)}] := 0 (highest in-service), PPR → ${hex(cpu.lapic.ppr)}`;
      if (r.broadcast) {
        return { branch: 'broadcast', why: `${head}; TMR[${hex(r.vector)}]=1 and SVR[12]=0: ioapic_eoi_broadcast(${hex(r.vector)})`, next: 'Q1.15', params: { op: 'eoi-broadcast', vector: r.vector, after_eoi: tmrWasSet === false && guestPin >= 0 ? 'ioapic-pin' : 'none' } };
      }
      if (r.level) {
        // SVR[12] set (only possible in the sdm profile): the guest must write the IO-APIC EOI register itself.
        if (boolParam(ctx.params, 'guest_directed_eoi', false)) {
          return { branch: 'directed', why: `${head}; TMR=1 but SVR[12]=1: no broadcast; the guest follows with a directed EOI to the IO-APIC EOI register`, next: 'Q1.15', params: { op: 'eoi-register', vector: r.vector, after_eoi: 'none' } };
        }
        const stuck = m.ioapic.ioredtbl.map((e, i) => (e.vector === r.vector && e.trig_mode === 1 && e.remote_irr ? i : -1)).filter((i) => i >= 0);
        ctx.emit({ kind: 'lost', target: 'ioapic', what: `pin(s) ${stuck.join(',') || 'none'}`, detail: `SVR[12]=1 suppressed the EOI broadcast and the guest wrote no directed EOI: Remote-IRR stays 1, the pin is never serviced again` });
        return { branch: 'suppressed', why: `${head}; TMR=1 but SVR[12]=1 suppresses the broadcast and the guest does no directed EOI`, next: 'Q1.8', params: { op: 'none' } };
      }
      if (tmrWasSet === false && guestPin >= 0) {
        return { branch: 'edge-tmr-level-rte', why: `${head}; TMR[${hex(r.vector)}]=0 although RTE ${guestPin} is level: ioapic_ack_level sends eoi_ioapic_pin itself (Q11.10)`, next: 'Q1.15', params: { op: 'eoi-register', vector: r.vector, after_eoi: 'none' } };
      }
      return { branch: 'edge', why: `${head}; TMR[${hex(r.vector)}]=0: edge, nothing for the IO-APIC; apic_update_irq`, next: 'Q1.8' };
    },
  },
  {
    id: 'Q1.15',
    title: 'ioapic_eoi_broadcast / mem_write',
    role: 'QR10: for every level RTE with this vector clear Remote-IRR; a still-asserted unmasked line is re-sent at once (storm limiter: 10000 → 10 ms). Also the EOI register (QR12) and RTE writes (QR11: edge write clears Remote-IRR, then service).',
    component: 'ioapic',
    operation: 'ioapic.eoi',
    links: [
      qemuLink('ioapic_eoi_broadcast', QEMU_IOAPIC_FILE),
      qemuLink('ioapic_mem_write', QEMU_IOAPIC_FILE),
      qemuLink('ioapic_fix_edge_remote_irr', QEMU_IOAPIC_FILE),
      qemuLink('delayed_ioapic_service_cb', QEMU_IOAPIC_FILE),
      qemuLink('kvm_resample_fd_notify', 'accel/kvm/kvm-all.c'),
      qemuLink('kvm_arch_handle_exit', 'target/i386/kvm/kvm.c', { note: 'KVM_EXIT_IOAPIC_EOI: the split-irqchip caller' }),
    ],
    contracts: [
      { id: 'Q1.15-clear-reservice', text: 'an EOI clears Remote-IRR and re-services a line that is still asserted', source: 'QR10', codebase: 'qemu', symbol: 'ioapic_eoi_broadcast', check: { kind: 'calls', anyOf: ['ioapic_service'] } },
      { id: 'Q1.15-storm', text: 'consecutive re-sends are counted and delayed past the storm threshold', source: 'QR10', codebase: 'qemu', symbol: 'ioapic_eoi_broadcast', check: { kind: 'mentions', anyOf: ['irq_eoi'] } },
      { id: 'Q1.15-rte-write', text: 'an RTE write keeps the read-only bits, clears Remote-IRR for edge, and re-services', source: 'QR11', codebase: 'qemu', symbol: 'ioapic_mem_write', check: { kind: 'callOrder', first: ['ioapic_fix_edge_remote_irr'], then: ['ioapic_service'] } },
    ],
    rules: ['QR10', 'QR11', 'QR12'],
    branches: [
      { name: 'storm-delayed', when: 'Remote-IRR cleared, the line still high and irq_eoi reached 10000: the counter is reset and the re-send delayed by 10 ms', next: 'Q1.8' },
      { name: 'nothing', when: 'no IO-APIC operation to perform', next: null },
      { name: 'released', when: 'the EOI reaches ioapic_eoi_broadcast: Remote-IRR cleared on the pin, the line is low, irq_eoi := 0', next: 'Q1.8' },
      { name: 'no-match', when: 'the EOI reaches ioapic_eoi_broadcast: no level RTE with that vector has Remote-IRR set', next: 'Q1.8' },
      { name: 'released-resend', when: 'Remote-IRR cleared on the pin, the line still asserted and unmasked: ioapic_service sends the pin\'s message again', next: 'Q1.5' },
      { name: 'delayed-sent', when: 'delayed_ioapic_service_cb fired 10 ms of virtual time later: ioapic_service sends the pin\'s message again', next: 'Q1.5' },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const op = String(ctx.params.op ?? 'eoi-broadcast');
      const v = numParam(ctx.params, 'vector', 0);
      const io = ioProfile(ctx.profile);
      const afterEoi = String(ctx.params.after_eoi ?? 'none');
      const cont = (sent: IoapicMessage[], why: string, branch: string, isEoi: boolean): StepResult => {
        if (sent.length > 0) {
          const [first, ...rest] = sent;
          for (const msg of rest) deliverQuietly(m, msg, ctx.profile);
          return { branch, why: `${why}; re-sent pin ${first.pin} (vector ${hex(first.vector)})`, next: 'Q1.5', params: { ...msgParams(first), op: 'none', after_eoi: 'none' } };
        }
        if (isEoi && afterEoi === 'ioapic-pin') {
          return { branch, why: `${why}; then the guest's own eoi_ioapic_pin`, next: 'Q1.15', params: { op: 'eoi-register', after_eoi: 'none' } };
        }
        return { branch, why, next: isEoi ? 'Q1.8' : backToCpu(m, cpu), params: { op: 'none', after_eoi: 'none' } };
      };
      if (op === 'eoi-broadcast' || op === 'eoi-register') {
        let eoiRes;
        let head: string;
        if (op === 'eoi-register') {
          m.thread = vcpuThread(cpu);
          const w = ioapicWriteEoiRegister(m.ioapic, v, io, numParam(ctx.params, 'size', 4));
          if (!w.honoured || !w.eoi) {
            ctx.emit({ kind: 'note', target: 'ioapic', detail: w.why });
            return cont([], w.why, 'eoi-register-ignored', true);
          }
          eoiRes = w.eoi;
          head = `ioapic_mem_write(IOAPIC_EOI = ${hex(v)}) → ioapic_eoi_broadcast`;
        } else {
          eoiRes = ioapicEoi(m.ioapic, v, io);
          head = `EOI(${hex(v)}) matched by vector`;
        }
        if (eoiRes.delayed.length > 0) {
          ctx.emit({ kind: 'pending', target: 'ioapic', what: `pin ${eoiRes.delayed.join(',')}`, detail: 'EOI storm: 10000 consecutive re-sends; delayed_ioapic_service_timer re-services 10 ms (virtual) later' });
          return { branch: 'storm-delayed', why: `${head}: Remote-IRR cleared on pin ${eoiRes.delayed.join(',')}, line still high and irq_eoi reached 10000: counter reset, re-send delayed by 10 ms`, next: 'Q1.8', params: { op: 'none', after_eoi: 'none' } };
        }
        if (eoiRes.released.length === 0) {
          return cont([], `${head}: no level RTE with vector ${hex(v)} has Remote-IRR set`, 'no-match', true);
        }
        const still = eoiRes.resent.length > 0;
        return cont(eoiRes.resent, `${head}: Remote-IRR cleared on pin ${eoiRes.released.join(',')}${still ? ', line still asserted and unmasked → ioapic_service' : ', line low → irq_eoi := 0'}`, still ? 'released-resend' : 'released', true);
      }
      if (op === 'rte-write') {
        m.thread = vcpuThread(cpu);
        const pin = numParam(ctx.params, 'pin', 0);
        const r = ioapicWriteRte(m.ioapic, pin, { vector: numParam(ctx.params, 'rte_vector', m.ioapic.ioredtbl[pin].vector), trig_mode: numParam(ctx.params, 'trig_mode', m.ioapic.ioredtbl[pin].trig_mode), mask: numParam(ctx.params, 'mask', m.ioapic.ioredtbl[pin].mask) }, io);
        const why = `RTE ${pin} written (Remote-IRR preserved${r.remoteIrrCleared ? ', then cleared because the RTE is now edge' : ''}), irq_eoi[${pin}] := 0, ioapic_service for every pin`;
        return cont(r.service.sent, why, r.service.sent.length > 0 ? 'rte-service-sent' : 'rte-written', false);
      }
      if (op === 'delayed-service') {
        m.thread = 'main-loop';
        const r = ioapicDelayedService(m.ioapic, io);
        return cont(r.sent, 'delayed_ioapic_service_cb fired (10 ms of virtual time later): ioapic_service', r.sent.length > 0 ? 'delayed-sent' : 'delayed-nothing', false);
      }
      return { branch: 'nothing', why: `no IO-APIC operation (${op})`, next: null };
    },
  },
];

const cpuParam = { name: 'cpu', type: 'int' as const, description: 'vCPU index', default: 0, min: 0, max: 3 };

const actions: ActionSpec<S>[] = [
  { name: 'raise', description: 'the device asserts its line (Q1.0)', from: 'Q1.0', params: [{ name: 'level', type: 'bool', description: 'line level', default: true }] },
  { name: 'lower', description: 'the device de-asserts its line (Q1.0)', from: 'Q1.0', params: [{ name: 'level', type: 'bool', description: 'line level', default: false }] },
  {
    name: 'write-icr', description: 'the guest on cpu writes its ICR2 (0x310) or ICR (0x300, sends the IPI) (Q1.5)', from: 'Q1.5',
    params: [
      cpuParam,
      { name: 'icr_reg', type: 'enum', description: 'icr2 (0x310) or icr (0x300); QEMU 7.2 TCG has no x2APIC MSR 0x830', default: 'icr', values: ['icr', 'icr2'] },
      { name: 'icr_value', type: 'int', description: 'the 32-bit value written', default: 0x40fd, min: 0, max: 0xffffffff },
    ],
  },
  {
    name: 'msi', description: 'an MSI write into the APIC window (Q1.5)', from: 'Q1.5',
    params: [
      { name: 'vector', type: 'int', description: 'MSI vector (0..15 reach the APIC too: QEMU accepts them, the sdm profile refuses them with ESR bit 6)', default: 0x41, min: 0, max: 255 },
      { name: 'dest', type: 'int', description: 'destination (logical mask by default)', default: 1, min: 0, max: 255 },
      { name: 'dest_mode', type: 'int', description: '0 physical, 1 logical', default: 1, min: 0, max: 1 },
      { name: 'trig_mode', type: 'int', description: '0 edge, 1 level', default: 0, min: 0, max: 1 },
      { name: 'delivery_mode', type: 'int', description: '0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT', default: 0, min: 0, max: 5 },
    ],
  },
  { name: 'eoi', description: 'the guest writes the LAPIC EOI register (Q1.14)', from: 'Q1.14', params: [cpuParam, { name: 'eoi_from_guest', type: 'bool', description: 'runs on the vCPU thread', default: true }] },
  {
    name: 'write-tpr', description: 'the guest writes TPR by MMIO (offset 0x80, the whole byte) or MOV CR8 (the class only), then apic_update_irq (Q1.8)', from: 'Q1.8',
    params: [cpuParam, { name: 'write_tpr', type: 'int', description: 'new TPR (with cr8: CR8 = write_tpr >> 4)', default: 0, min: 0, max: 255 }, { name: 'via', type: 'enum', description: 'mmio (0x80) or cr8; QEMU 7.2 TCG has no x2APIC MSR', default: 'mmio', values: ['mmio', 'cr8'] }],
  },
  { name: 'run-cpu', description: 'the vCPU checks its interrupt requests between TBs (Q1.10)', from: 'Q1.10', params: [cpuParam] },
  {
    name: 'set-if', description: 'the guest executes sti (if=true) or cli (if=false)', params: [cpuParam, { name: 'if', type: 'bool', description: 'new RFLAGS.IF', default: true }],
    apply(state, p) {
      const c = cpuAt(state, p.cpu as number);
      c.eflags_if = p.if as boolean;
      return `cpu${c.index}: ${c.eflags_if ? 'sti' : 'cli'} (IF := ${c.eflags_if ? 1 : 0})`;
    },
  },
  {
    name: 'write-svr', description: 'the guest writes the spurious-interrupt vector register (QR13)', params: [cpuParam, { name: 'svr', type: 'int', description: 'value written', default: 0x11ff, min: 0, max: 0xffff }],
    apply(state, p) {
      const c = cpuAt(state, p.cpu as number);
      writeSvr(c.lapic, p.svr as number);
      const asked = ((p.svr as number) & 0x1000) !== 0;
      return `cpu${c.index}: SVR := ${hex(p.svr as number)}; bit 12 ${asked ? (c.lapic.svr_directed_eoi ? 'set (LVR[24] advertises directed EOI)' : 'dropped: this APIC does not advertise directed EOI (QEMU stores SVR & 0x1ff)') : 'not requested'}`;
    },
  },
  {
    name: 'write-lvt', description: 'the guest writes one raw LVT word (apic_mem_write 0x32–0x37: index 0 timer, 3 LINT0, 4 LINT1); an unmasked LINT0 with the 8259 output high re-evaluates the CPU line at once',
    params: [cpuParam, { name: 'index', type: 'int', description: 'LVT index 0..5', default: 3, min: 0, max: 5 }, { name: 'value', type: 'int', description: 'raw value (bit 16 mask, bits 10:8 delivery mode: 7 ExtINT, 4 NMI)', default: 0x700, min: 0, max: 0xffffffff }],
    apply(state, p) {
      const c = cpuAt(state, p.cpu as number);
      const index = p.index as number;
      c.lvt[index] = (p.value as number) >>> 0;
      syncLvt(c);
      const head = `cpu${c.index}: lvt[${index}] := ${hex(c.lvt[index])} (${decodeLvt(index, c.lvt[index])})`;
      // apic_mem_write: a LINT0 write with apic_check_pic (8259 output high, LINT0 takes it) calls apic_update_irq; it
      // runs on the writing vCPU's thread.
      if (index !== LVT_LINT0 || !apicAcceptPicIntr(c) || !state.pic.master.int_out) return `${head}; nothing re-evaluated`;
      const u = apicUpdateIrq(c, vcpuThread(c), state.pic, 'qemu');
      return `${head}; the 8259 output is high and LINT0 accepts it: apic_mem_write → apic_update_irq (${u.branch}): ${u.why}`;
    },
  },
  {
    name: 'write-rte', description: 'the guest rewrites one redirection entry (QR11, ioapic_mem_write)', from: 'Q1.15',
    params: [
      cpuParam,
      { name: 'op', type: 'enum', description: 'IO-APIC operation', default: 'rte-write', values: ['rte-write'] },
      { name: 'pin', type: 'int', description: 'IO-APIC pin', default: 10, min: 0, max: 23 },
      { name: 'rte_vector', type: 'int', description: 'vector', default: 0x3a, min: 0, max: 255 },
      { name: 'trig_mode', type: 'int', description: '0 edge, 1 level', default: 1, min: 0, max: 1 },
      { name: 'mask', type: 'int', description: '1 masked', default: 0, min: 0, max: 1 },
    ],
  },
  {
    name: 'ioapic-eoi', description: 'the guest writes the IO-APIC EOI register (offset 0x40, QR12)', from: 'Q1.15',
    params: [
      cpuParam,
      { name: 'op', type: 'enum', description: 'IO-APIC operation', default: 'eoi-register', values: ['eoi-register'] },
      { name: 'vector', type: 'int', description: 'vector written', default: 0x3a, min: 0, max: 255 },
      { name: 'size', type: 'int', description: 'access size in bytes', default: 4, min: 1, max: 4 },
    ],
  },
  { name: 'storm-timer', description: 'the 10 ms delayed re-service after an EOI storm fires', from: 'Q1.15', params: [{ name: 'op', type: 'enum', description: 'IO-APIC operation', default: 'delayed-service', values: ['delayed-service'] }] },
  {
    name: 'stick-line', description: 'the device stops lowering its line (a driver that cannot clear the condition)', params: [{ name: 'stuck', type: 'bool', description: 'stuck', default: true }],
    apply(state, p) {
      state.device.stuck = p.stuck as boolean;
      return `device.stuck := ${state.device.stuck}`;
    },
  },
];

export const q1TcgLineToEoi: Flow<S> = {
  id: 'Q1',
  name: 'QEMU TCG: ISA/PCI line → IO-APIC (+ i8259) → LAPIC → CPU → guest handler → EOI → re-service',
  description: 'A device line through gsi_handler to the IO-APIC pin (and the inert 8259), the MSI-format message to the userspace APIC, the vCPU thread taking CPU_INTERRUPT_POLL/HARD, the Linux handler, the LAPIC EOI and its broadcast back to the IO-APIC, which re-services a line that is still high.',
  codebases: ['qemu', 'linux'],
  profiles: [
    { id: 'qemu-tcg', title: 'QEMU 7.2 TCG', description: 'QEMU userspace APIC + IO-APIC: SVR & 0x1ff (no directed EOI), IO-APIC version 0x20 with EOI register, edge pins fire on every assert, storm limiter 10000 → 10 ms.' },
    { id: 'sdm', title: 'Architectural (SDM / 82093AA)', description: 'An APIC that advertises EOI-broadcast suppression (LVR[24]=1, SVR[12] writable); lowest-priority arbitration (by PPR); edge pins fire on 0→1 only; no storm limiter.' },
  ],
  defaultProfile: 'qemu-tcg',
  params: [
    { name: 'source', type: 'enum', description: 'the interrupting device: an ISA device, a PCI device behind PIIX3 (i440fx) or ICH9 (Q35)', default: 'pci-i440fx', values: ['isa', 'pci-i440fx', 'pci-q35'] },
    { name: 'irq', type: 'int', description: 'ISA IRQ of an ISA source (0..15)', default: 4, min: 0, max: 23 },
    { name: 'pirq', type: 'int', description: 'PIRQ the PCI INTx pin swizzles to (i440fx 0..3, Q35 0..7)', default: 0, min: 0, max: 7 },
    { name: 'level', type: 'bool', description: 'line level driven', default: true },
    ...MACHINE_PARAMS,
    { name: 'device_events', type: 'int', description: 'handler runs needed before the device lowers its line', default: 1, min: 0, max: 1000 },
    { name: 'stuck_line', type: 'bool', description: 'the device never lowers its line (EOI storm)', default: false },
    { name: 'max_handler_runs', type: 'int', description: 'stop a run after this many handler invocations (a stuck line re-delivers forever)', default: 3, min: 1, max: 50 },
    { name: 'handler_eoi', type: 'bool', description: 'a level handler writes its EOI when it is done (false: the vector stays in service until an eoi action, or never)', default: true },
    { name: 'guest_directed_eoi', type: 'bool', description: 'with SVR[12]=1 the guest follows each level EOI with a write to the IO-APIC EOI register (Linux 6.1 never sets SVR[12])', default: false },
    cpuParam,
  ],
  entry: 'Q1.0',
  steps,
  actions,
  initialState(profile, params) {
    const m = newTcgMachine(profile, params.cpus as number, String(params.from_thread), params.source as Source, params.device_events as number);
    m.device.stuck = params.stuck_line as boolean;
    return m;
  },
  validate(state, params, profile) {
    const out = machineProblems(state, profile);
    if (params.source === 'isa' && (params.irq as number) > 15) out.push(`irq = ${params.irq}: an ISA device drives ISA IRQ 0..15`);
    if (params.source === 'pci-i440fx' && (params.pirq as number) > 3) out.push(`pirq = ${params.pirq}: PIIX3 has PIRQA..D (0..3)`);
    if (typeof params.cpu === 'number' && params.cpu >= state.cpus.length) out.push(`cpu = ${params.cpu}: no such vCPU (cpus 0..${state.cpus.length - 1})`);
    const t = String(params.from_thread ?? '');
    if (t.startsWith('vcpu') && Number(t.slice(4)) >= state.cpus.length) out.push(`from_thread = ${t}: no such vCPU (cpus 0..${state.cpus.length - 1})`);
    return out;
  },
  stateDoc: {
    thread: 'the thread running the current step: main-loop, iothread or vcpuN (QR16)',
    'device.events / device.stuck': 'work the guest handler must consume before the device lowers its line; stuck = never lowers',
    'pci.irq_state, pci.intx_disable, pci.irq_count.N, pci.pirq_route.N': 'PCI INTx wiring (PIIX3 route registers default 10,10,11,11)',
    'pic.master|slave.{irr,imr,isr,elcr,irq_base}': 'the i8259 pair (8-bit masks); Linux in APIC mode masks every IRQ',
    'ioapic.irr, ioapic.line': 'per-pin request latch and asserted lines (pin lists)',
    'ioapic.ioredtbl.N.{vector,delivery_mode,dest_mode,dest,trig_mode,mask,remote_irr,polarity}': 'redirection entries; defaults are example vectors (0x30+pin for ISA pins, 0x40+pin above), logical dest 0x01',
    'ioapic.irq_eoi.N, ioapic.delayed_service_pending': 'QR10 storm limiter',
    'cpus.N.lapic.{irr,isr,tmr,tpr,ppr,svr_enabled,spurious_vector,svr_directed_eoi,lvr_directed_eoi}': 'the APIC registers (sorted vector lists)',
    'cpus.N.lapic.{icr,icr2,esr}': 'ICR and ICR2 as a read returns them (QEMU: as written; sdm: BUSY idle, ICR2 bits 23:0 zero, QR30); ESR bit 6 set by the sdm profile on a vector below 16 (QR31)',
    'cpus.N.{interrupt_request,eflags_if,inhibit_irq,halted,in_handler,lvt}': 'TCG vCPU state: CPU_INTERRUPT_* requests, IF, shadow, hlt, running handlers, raw LVT words',
  },
};
