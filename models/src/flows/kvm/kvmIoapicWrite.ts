// The guest's (and the VMM's) writes to the IO-APIC in the KVM flows, shared by Q3 and Q4 as one step `<flow>.io`:
// - an RTE write: in-kernel, arch/x86/kvm/ioapic.c ioapic_write_indirect keeps Remote-IRR (cleared for edge) and, for a
//   level entry whose request is latched in ioapic->irr, calls ioapic_service — an unmask, or the level restore after
//   Linux's edge rewrite, delivers at once when the line is still high. Split: QEMU ioapic_mem_write re-services every pin.
//   Either way KVM_REQ_SCAN_IOAPIC follows (ioapic_handled_vectors, EOI-exit bitmaps).
// - the EOI register (offset 0x40): QEMU honours it for version 0x20 (kvm-split); KVM's version 0x11 IO-APIC
//   (ioapic_mmio_write) has no such register and ignores the write.
// - KVM_SET_IRQCHIP (the VMM restores the in-kernel IO-APIC): kvm_set_ioapic copies the state, zeroes irr and
//   irr_delivered and re-asserts every pin that was in irr (kvm_ioapic_inject_all → ioapic_set_irq), so a level line
//   still high with Remote-IRR clear is delivered again.
// A message the write sends goes on through the flow's routing step, like any other IO-APIC message.

import { ActionSpec, ModelError, Step, StepResult } from '../../core/types';
import { checkPin, IoapicMessage, ioapicSetIrq, ioapicWriteEoiRegister, ioapicWriteRte } from '../../components/ioapic';
import { deliverToApics } from './kvmDispatch';
import { expectedAccepts, irqFromIoapic, irqToParams } from './kvmRouting';
import { hex, KvmState, profileConfig, scanIoapic, updateSplitRoutes } from './kvmState';
import { Ctx, KVM_IOAPIC_FILE, linuxLink, num, runOptions } from './kvmFlowKit';

const qemuLink = (symbol: string, file: string) => ({ codebase: 'qemu' as const, symbol, file, note: 'kvm-split: QEMU\'s IO-APIC' });

function ioForm(profile: string): 'kvm-split' | 'kvm-inkernel' {
  return profileConfig(profile).split ? 'kvm-split' : 'kvm-inkernel';
}

/** KVM_REQ_SCAN_IOAPIC as each vCPU handles it (vcpu_scan_ioapic), summarised for the trace. */
function rescan(ctx: Ctx): string {
  const lists = ctx.state.vcpus.map((_, i) => `vcpu${i} [${scanIoapic(ctx.state, i, ctx.profile).map(hex).join(', ')}]`);
  return `KVM_REQ_SCAN_IOAPIC: ioapic_handled_vectors ${lists.join(', ')}`;
}

/** Go on through the routing step with the first message; the others (QEMU services every pin) are delivered at once. */
function sendOn(ctx: Ctx, routeStep: string, sent: IoapicMessage[], r: Omit<StepResult, 'next' | 'params'>): StepResult {
  if (sent.length === 0) return { ...r, next: null };
  const [first, ...rest] = sent;
  const others = rest.map((m) => `pin ${m.pin}: ${deliverToApics(ctx.state, irqFromIoapic(m), -1, runOptions(ctx, false), false).log.join(' → ')}`);
  const irq = irqFromIoapic(first);
  return {
    ...r,
    why: `${r.why}; message vector ${hex(first.vector)} ${first.trig_mode ? 'level' : 'edge'} → APIC ${first.dest}${others.length ? `; also sent: ${others.join('; ')}` : ''}`,
    next: routeStep,
    params: { ...irqToParams(irq), src: -1, rest: '', eoi_vcpu: -1 },
  };
}

/** The step `<flow>.io` (Q3.io, Q4.io): an IO-APIC write, its service, and on to `routeStep` with what it sent. */
export function ioapicWriteStep(id: string, routeStep: string): Step<KvmState> {
  return {
    id,
    title: 'ioapic_write_indirect / ioapic_mem_write / kvm_set_ioapic',
    role: 'A write to the IO-APIC: an RTE write keeps Remote-IRR (cleared for edge) and services a latched level request at once (KVM) or every pin (QEMU, split); the EOI register exists only on QEMU\'s version 0x20; KVM_SET_IRQCHIP restores the in-kernel IO-APIC and re-asserts every latched pin. KVM_REQ_SCAN_IOAPIC follows (QR11, QR12, QR32).',
    component: 'ioapic',
    operation: 'ioapic.write',
    links: [
      linuxLink('ioapic_mmio_write', KVM_IOAPIC_FILE), linuxLink('ioapic_write_indirect', KVM_IOAPIC_FILE), linuxLink('ioapic_service', KVM_IOAPIC_FILE),
      linuxLink('kvm_set_ioapic', KVM_IOAPIC_FILE, { note: 'KVM_SET_IRQCHIP for the in-kernel IO-APIC' }), linuxLink('kvm_ioapic_inject_all', KVM_IOAPIC_FILE),
      qemuLink('ioapic_mem_write', 'hw/intc/ioapic.c'), qemuLink('ioapic_eoi_broadcast', 'hw/intc/ioapic.c'),
    ],
    contracts: [
      { id: `${id}-unmask-services`, text: 'an RTE write of a level entry whose request is latched services the pin at once', source: 'QR32', codebase: 'linux', symbol: 'ioapic_write_indirect', check: { kind: 'calls', anyOf: ['ioapic_service'] } },
      { id: `${id}-restore-reinjects`, text: 'restoring the IO-APIC re-asserts every pin whose request was latched', source: 'QR32', codebase: 'linux', symbol: 'kvm_set_ioapic', check: { kind: 'calls', anyOf: ['kvm_ioapic_inject_all'] } },
    ],
    rules: ['QR11', 'QR12', 'QR32'],
    branches: [
      { name: 'rte-service-sent', when: 'the written entry (or, split, any pin) has a latched request, is unmasked and has Remote-IRR clear: ioapic_service sends its message', next: routeStep },
      { name: 'rte-written', when: 'the entry is stored; nothing latched can be sent (line low, masked, edge in KVM, or Remote-IRR set)', next: null },
      { name: 'eoi-register', when: 'kvm-split, QEMU IO-APIC version 0x20: the EOI register write clears Remote-IRR of the level pins with that vector', next: null },
      { name: 'eoi-register-resent', when: 'kvm-split: the EOI register write cleared Remote-IRR and the line is still high: ioapic_service re-sends', next: routeStep },
      { name: 'eoi-register-ignored', when: 'the in-kernel IO-APIC (version 0x11) has no EOI register, or QEMU\'s is version 0x11 or the access is not 4 bytes: the write is ignored', next: null },
      { name: 'restore-resent', when: 'KVM_SET_IRQCHIP: a pin latched in the restored irr is re-asserted and serviced', next: routeStep },
      { name: 'restore-held', when: 'KVM_SET_IRQCHIP: nothing latched can be sent (no pin in irr, masked, or Remote-IRR set)', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const form = ioForm(ctx.profile);
      const op = String(ctx.params.op ?? 'rte-write');
      let sent: IoapicMessage[] = [];
      const capture = (m: IoapicMessage): number => { sent.push(m); return expectedAccepts(s, irqFromIoapic(m)); };
      if (op === 'rte-write') {
        const pin = num(ctx, 'pin', 10);
        checkPin(pin);
        const before = { ...s.ioapic.ioredtbl[pin] };
        const trigger = String(ctx.params.trigger ?? (before.trig_mode ? 'level' : 'edge'));
        const r = ioapicWriteRte(s.ioapic, pin, { vector: num(ctx, 'vector', before.vector), trig_mode: trigger === 'level' ? 1 : 0, dest: num(ctx, 'dest', before.dest), mask: ctx.params.mask === true ? 1 : 0 }, form, capture);
        sent = r.service.sent;
        // Split: QEMU's ioapic_mem_write ends in ioapic_update_kvm_routes (unmasked entries only).
        if (form === 'kvm-split') updateSplitRoutes(s);
        const e = s.ioapic.ioredtbl[pin];
        const head = `RTE ${pin} := vector ${hex(e.vector)} ${e.trig_mode ? 'level' : 'edge'} → APIC ${e.dest}${e.mask ? ' masked' : ''} (Remote-IRR ${before.remote_irr}${r.remoteIrrCleared ? ' → 0: edge clears it' : ' kept'}); ${form === 'kvm-split' ? 'QEMU ioapic_mem_write: irq_eoi := 0, ioapic_service over every pin' : `ioapic_write_indirect: ${e.trig_mode && s.ioapic.irr.includes(pin) ? 'level with the request latched → ioapic_service' : 'no latched level request'}`}`;
        const why = `${head}; ${rescan(ctx)}`;
        if (sent.length === 0) {
          if (s.ioapic.irr.includes(pin)) ctx.emit({ kind: 'pending', target: 'ioapic', what: `pin ${pin}`, detail: `request latched, not sent: ${e.mask ? 'masked' : e.remote_irr ? 'Remote-IRR=1' : 'edge entry (KVM services an edge only on a 0→1 change of the line)'}` });
          return { branch: 'rte-written', why, next: null };
        }
        return sendOn(ctx, routeStep, sent, { branch: 'rte-service-sent', why });
      }
      if (op === 'eoi-register') {
        const v = num(ctx, 'vector', 0x31);
        const w = ioapicWriteEoiRegister(s.ioapic, v, form, num(ctx, 'size', 4), capture);
        if (!w.honoured) {
          ctx.emit({ kind: 'note', target: 'ioapic', what: `vector ${hex(v)}`, detail: w.why });
          return { branch: 'eoi-register-ignored', why: form === 'kvm-inkernel' ? `ioapic_mmio_write: offset 0x40 is neither IOREGSEL nor IOWIN, the write is ignored; ${w.why}` : w.why, next: null };
        }
        const eoi = w.eoi!;
        const why = `ioapic_mem_write(IOAPIC_EOI = ${hex(v)}) → ioapic_eoi_broadcast: ${eoi.released.length ? `Remote-IRR cleared on pin ${eoi.released.join(', ')}` : `no level pin with vector ${hex(v)} had Remote-IRR`}${eoi.delayed.length ? `; storm limiter delays pin ${eoi.delayed.join(', ')}` : ''}`;
        if (sent.length === 0) return { branch: 'eoi-register', why, next: null };
        return sendOn(ctx, routeStep, sent, { branch: 'eoi-register-resent', why: `${why}; the line is still high → ioapic_service` });
      }
      if (op === 'restore') {
        if (form !== 'kvm-inkernel') throw new ModelError(`KVM_SET_IRQCHIP restores the in-kernel IO-APIC; profile ${ctx.profile} uses QEMU's (its state is QEMU's to load)`, 'op');
        const latched = [...s.ioapic.irr];
        s.ioapic.irr = [];
        s.ioapic.irr_delivered = [];
        const notes: string[] = [];
        for (const pin of latched) notes.push(`pin ${pin}: ${ioapicSetIrq(s.ioapic, pin, true, form, capture).why}`);
        const why = `kvm_set_ioapic: state copied, irr and irr_delivered := 0, then kvm_ioapic_inject_all over irr [${latched.join(', ')}]${notes.length ? `: ${notes.join('; ')}` : ''}; ${rescan(ctx)}`;
        if (sent.length === 0) return { branch: 'restore-held', why, next: null };
        return sendOn(ctx, routeStep, sent, { branch: 'restore-resent', why });
      }
      throw new ModelError(`op = ${op}: one of rte-write, eoi-register, restore`, 'op');
    },
  };
}

/** `write-rte`: the guest programs one redirection entry (the entry is written whole, as Linux's __ioapic_write_entry does). */
export function writeRteAction(stepId: string): ActionSpec<KvmState> {
  return {
    name: 'write-rte',
    description: 'The guest programs an IO-APIC redirection entry (ioapic_write_indirect, or QEMU\'s ioapic_mem_write with a split irqchip); a latched level request is serviced at once; KVM rescans ioapic_handled_vectors.',
    params: [
      { name: 'op', type: 'enum', description: 'IO-APIC operation', default: 'rte-write', values: ['rte-write'] },
      { name: 'pin', type: 'int', description: 'IO-APIC pin', default: 10, min: 0, max: 23 },
      { name: 'vector', type: 'int', description: 'vector', default: 0x31, min: 16, max: 255 },
      { name: 'trigger', type: 'enum', description: 'trigger', default: 'level', values: ['edge', 'level'] },
      { name: 'dest', type: 'int', description: 'destination APIC ID', default: 0, min: 0, max: 255 },
      { name: 'mask', type: 'bool', description: 'masked', default: false },
    ],
    from: stepId,
  };
}

/** `ioapic-eoi`: the guest writes the IO-APIC EOI register (offset 0x40), as Linux's io_apic_eoi does for version ≥ 0x20. */
export function ioapicEoiAction(stepId: string): ActionSpec<KvmState> {
  return {
    name: 'ioapic-eoi',
    description: 'The guest writes a vector to the IO-APIC EOI register (offset 0x40): QEMU\'s version 0x20 IO-APIC (kvm-split) clears Remote-IRR of the level pins with that vector; KVM\'s in-kernel one has no such register.',
    params: [
      { name: 'op', type: 'enum', description: 'IO-APIC operation', default: 'eoi-register', values: ['eoi-register'] },
      { name: 'vector', type: 'int', description: 'vector written', default: 0x31, min: 0, max: 255 },
      { name: 'size', type: 'int', description: 'access size in bytes', default: 4, min: 1, max: 4 },
    ],
    from: stepId,
  };
}

/** `restore-ioapic`: the VMM's KVM_SET_IRQCHIP of the in-kernel IO-APIC with the current state (after `set`). */
export function restoreIoapicAction(stepId: string): ActionSpec<KvmState> {
  return {
    name: 'restore-ioapic',
    description: 'The VMM restores the in-kernel IO-APIC (KVM_SET_IRQCHIP, e.g. after migration) with the current state: every pin latched in irr is re-asserted.',
    params: [{ name: 'op', type: 'enum', description: 'IO-APIC operation', default: 'restore', values: ['restore'] }],
    from: stepId,
  };
}
