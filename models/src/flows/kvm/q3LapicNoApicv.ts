// Flow Q3: KVM LAPIC without APICv — routing, acceptance into IRR, kick, injection through VM_ENTRY_INTR_INFO_FIELD,
// trapped EOI, and the in-kernel or split IO-APIC EOI (rules QR2–QR10, QR13, QR18, QR20, QR23, QR28).

import { guestIfActions, guestIfStep } from './kvmIrqWindow';
import { icrWriteStep, writeIcrAction } from './kvmIcr';
import { ioapicEoiAction, ioapicWriteStep, restoreIoapicAction, writeRteAction } from './kvmIoapicWrite';
import { lapicRegWriteStep, setLapicAction, tprWriteStep, writeLvtAction, writeSvrAction, writeTprAction } from './kvmLapicWrite';
import { Flow, Link, ParamValues, Step, StepResult } from '../../core/types';
import { ioapicSetIrq, ioapicEoi, ioapicDelayedService, checkPin, IoapicMessage } from '../../components/ioapic';
import { clearBit, deliverableVector, highest, updatePpr, vclass } from '../../components/lapic';
import { makeRequest, checkRequest } from '../../components/vcpu';
import { consumeAtExit, guestTestAndClear } from '../../components/pvEoi';
import {
  KVM_PROFILES, KvmState, expectedAccepts, newKvmState, pick, routeIrq, irqFromParams, irqFromIoapic, irqToParams, apicAcceptIrq, deliverInterrupt, kickVcpu,
  checkBlock, leaveHalt, ackApicInterrupt, pvEoiArm, vmEntry, guestHandler, guestServicesDevice, pendingWhat, acceptEvents, injectPendingTimer, resamplerAck,
  profileConfig, vname, hex,
} from './kvmMachine';
import { Ctx, KVM_STATE_DOC, kvmValidate, num, setIfAction, vcpuParam, blockAction, preemptAction, linuxLink, KVM_LAPIC_FILE, KVM_VMX_FILE, KVM_X86_FILE, KVM_IOAPIC_FILE, routingBranches } from './kvmFlowKit';

const qemuLink = (symbol: string, file: string, extra: Partial<Link> = {}): Link => ({ codebase: 'qemu', symbol, file, ...extra });

const list = (v: unknown): number[] => (typeof v === 'string' && v !== '' ? v.split(',').map(Number) : []);
const join = (xs: number[]): string => [...new Set(xs)].join(',');

/**
 * After one target's acceptance and kick. kvm_irq_delivery_to_apic loops over the targets on the sender's thread
 * (`rest`: the targets still to accept); each kicked vCPU runs vcpu_run (Q3.5) on its own context — a hand-off. When
 * the message was re-sent by a vCPU's EOI (`eoi_vcpu`), that vCPU is not kicked into a run of its own: once the
 * targets are done it returns from the EOI exit into its own vcpu_run loop (deliveryDone).
 */
function afterAccept(ctx: Ctx, r: Omit<StepResult, 'next' | 'params'>, enters: number[]): StepResult {
  const rest = list(ctx.params.rest);
  const eoiVcpu = num(ctx, 'eoi_vcpu', -1);
  const handOff = enters.filter((i) => i !== eoiVcpu).map((i) => ({ next: 'Q3.5', to: vname(i), params: { vcpu: i, rest: '', eoi_vcpu: -1 } }));
  const withHandOff = handOff.length ? { ...r, handOff } : r;
  if (rest.length) return { ...withHandOff, next: 'Q3.2', params: { vcpu: rest[0], rest: join(rest.slice(1)) } };
  return deliveryDone(ctx, withHandOff);
}

/**
 * The message's delivery is over. A vCPU whose EOI re-sent it goes back to its own vcpu_run (Q3.5): at once when this
 * chain runs on that vCPU's context (the EOI trapped on its thread), else handed to it. Otherwise the chain ends.
 */
function deliveryDone(ctx: Ctx, r: Omit<StepResult, 'next' | 'params'>): StepResult {
  const eoiVcpu = num(ctx, 'eoi_vcpu', -1);
  if (eoiVcpu < 0) return { ...r, next: null };
  const own = vname(eoiVcpu);
  const resume = { ...r, why: `${r.why}; ${own} goes on in vcpu_run`, next: 'Q3.5', params: { vcpu: eoiVcpu, rest: '', eoi_vcpu: -1 } };
  return ctx.context === own ? resume : { ...resume, deferTo: own };
}

/** This vCPU's run is over: it is back in the guest (or blocked, or preempted) with nothing more to do now. */
function afterVcpu(r: Omit<StepResult, 'next' | 'params'>): StepResult {
  return { ...r, next: null };
}

/**
 * A level message re-sent by an EOI's ioapic_service goes through Q3.1 on the same thread: the EOI'ing vCPU's
 * (`eoi_vcpu`, which then returns to its own vcpu_run), or the delayed work's (`eoiVcpu` −1: no vCPU resumes).
 */
function resend(m: IoapicMessage, r: Omit<StepResult, 'next' | 'params'>, eoiVcpu: number): StepResult {
  return { ...r, next: 'Q3.1', params: { ...irqToParams(irqFromIoapic(m)), src: -1, rest: '', eoi_vcpu: eoiVcpu } };
}

/**
 * Where an action the guest does on one vCPU starts by default: its EOI write traps, its TPR write exits and its run
 * loop goes on, all on that vCPU's own thread (`vcpuN`), so what follows — the EOI's re-send included — runs there too.
 */
const onOwnVcpu = (p: ParamValues): string => vname(typeof p.vcpu === 'number' ? p.vcpu : 1);

/** Q3's steps (exported for the flows that run a target vCPU through them as shared steps, kvmVcpuSteps). */
export const q3Steps: Step<KvmState>[] = [
  {
    id: 'Q3.0',
    title: 'kvm_ioapic_set_irq',
    role: 'An IO-APIC input changes level: the in-kernel IO-APIC (or QEMU\'s, with a split irqchip) latches it and services the pin into a LAPIC message (QR8, QR9).',
    component: 'ioapic',
    operation: 'ioapic.input',
    links: [
      linuxLink('kvm_set_irq', 'virt/kvm/irqchip.c'), linuxLink('kvm_set_ioapic_irq', 'arch/x86/kvm/irq_comm.c'), linuxLink('kvm_ioapic_set_irq', KVM_IOAPIC_FILE), linuxLink('ioapic_set_irq', KVM_IOAPIC_FILE), linuxLink('ioapic_service', KVM_IOAPIC_FILE),
      qemuLink('ioapic_set_irq', 'hw/intc/ioapic.c', { note: 'kvm-split: QEMU\'s IO-APIC' }), qemuLink('ioapic_service', 'hw/intc/ioapic.c', { note: 'kvm-split: sends kvm_set_irq(gsi) → KVM MSI route' }),
    ],
    contracts: [
      { id: 'Q3.0-remote-irr', text: 'a level pin with Remote-IRR set is not re-sent until the EOI', source: 'QR9', codebase: 'linux', symbol: 'ioapic_service', check: { kind: 'mentions', anyOf: ['remote_irr'] } },
    ],
    rules: ['QR8', 'QR9'],
    branches: [
      { name: 'message', when: 'an unmasked pin with Remote-IRR 0 sends its RTE\'s message; a level pin sets Remote-IRR := 1', next: 'Q3.1' },
      { name: 'hold', when: 'a level pin asserted while its Remote-IRR is 1: no message until the EOI (QR9)', next: null },
      { name: 'lowered', when: 'a level pin de-asserted: its request latch is cleared', next: null },
      { name: 'latched', when: 'a level pin asserted while its RTE is masked: the request stays latched in ioapic->irr, and an unmask services it (QR32)', next: null },
      { name: 'coalesced', when: 'an edge pin already high: no 0→1 transition, nothing is sent (QR8)', next: null },
      { name: 'ignored', when: 'an edge pin rose while its RTE is masked: the edge is lost (QR8)', next: null },
    ],
    run(ctx) {
      const pin = num(ctx, 'pin', 10);
      checkPin(pin);
      const form = profileConfig(ctx.profile).split ? 'kvm-split' : 'kvm-inkernel';
      let msg: IoapicMessage | undefined;
      const r = ioapicSetIrq(ctx.state.ioapic, pin, ctx.params.level !== false, form, (m) => {
        msg = m;
        return expectedAccepts(ctx.state, irqFromIoapic(m));
      });
      if (!msg) {
        if (r.action === 'hold') ctx.emit({ kind: 'pending', target: 'ioapic', what: `pin ${pin}`, detail: r.why });
        if (r.action === 'ignored') ctx.emit({ kind: 'lost', target: 'ioapic', what: `pin ${pin}`, detail: r.why });
        if (r.action === 'service') {
          // ioapic_service returned at once: the entry is masked (or the message found no target); the latch keeps it.
          const held = r.service?.held.map((h) => h.why).join('; ') || 'no message sent';
          ctx.emit({ kind: 'pending', target: 'ioapic', what: `pin ${pin}`, detail: held });
          return { branch: 'latched', why: `${r.why}: ${held}`, next: null };
        }
        return { branch: r.action, why: r.why, next: null };
      }
      return { branch: 'message', why: `${r.why}: vector ${hex(msg.vector)} ${msg.trig_mode ? 'level' : 'edge'} → APIC ${msg.dest}${msg.trig_mode ? ', Remote-IRR := 1' : ''}`, next: 'Q3.1', params: { ...irqToParams(irqFromIoapic(msg)), src: -1 } };
    },
  },
  icrWriteStep('Q3.w', 'Q3.1'),
  ioapicWriteStep('Q3.io', 'Q3.1'),
  {
    id: 'Q3.1',
    title: 'kvm_irq_delivery_to_apic',
    operation: 'lapic.route',
    role: 'Finds the destination vCPUs: the fast path on the RCU APIC map (SELF, physical, logical, lowest priority by vector hashing), else the slow loop with kvm_apic_match_dest (QR15).',
    component: 'lapic',
    links: [linuxLink('kvm_irq_delivery_to_apic', 'arch/x86/kvm/irq_comm.c'), linuxLink('kvm_irq_delivery_to_apic_fast', KVM_LAPIC_FILE), linuxLink('kvm_apic_map_get_dest_lapic', KVM_LAPIC_FILE), linuxLink('kvm_vector_to_index', KVM_LAPIC_FILE), linuxLink('kvm_apic_match_dest', KVM_LAPIC_FILE)],
    rules: ['QR15'],
    branches: [
      ...routingBranches('Q3.2'),
      { name: 'no-target', when: 'the destination selects no vCPU', next: null },
    ],
    run(ctx) {
      const irq = irqFromParams(ctx.params);
      const r = routeIrq(ctx.state, irq, num(ctx, 'src', -1));
      if (r.targets.length === 0) {
        ctx.emit({ kind: 'dropped', what: `vector ${hex(irq.vector)}`, detail: `no destination vCPU: ${r.why}` });
        return deliveryDone(ctx, { branch: 'no-target', why: `${r.why}: returns ${r.path.startsWith('slow') ? -1 : 0}` });
      }
      return { branch: r.path, why: r.why, next: 'Q3.2', params: { vcpu: r.targets[0], rest: join(r.targets.slice(1)) } };
    },
  },
  {
    id: 'Q3.2',
    title: '__apic_accept_irq',
    role: 'Accepts the message on one vCPU\'s LAPIC by delivery mode: Fixed/LowestPrio set TMR and go on to deliver_interrupt; NMI/INIT/SIPI become pending events; a disabled APIC drops it (QR4).',
    component: 'lapic',
    operation: 'lapic.accept',
    links: [linuxLink('kvm_apic_set_irq', KVM_LAPIC_FILE), linuxLink('__apic_accept_irq', KVM_LAPIC_FILE)],
    contracts: [
      { id: 'Q3.2-deliver', text: 'fixed interrupts go through kvm_x86_ops.deliver_interrupt (posting or IRR + request + kick)', source: 'QR4', codebase: 'linux', symbol: '__apic_accept_irq', check: { kind: 'mentions', anyOf: ['deliver_interrupt', 'kvm_x86_deliver_interrupt'] } },
      { id: 'Q3.2-disabled', text: 'drops fixed interrupts when the APIC is disabled', source: 'docs/flows/Q3.md#q3-2', codebase: 'linux', symbol: '__apic_accept_irq', check: { kind: 'calls', anyOf: ['kvm_apic_present', 'kvm_lapic_enabled', 'apic_enabled'] } },
    ],
    rules: ['QR4', 'QR26', 'QR31'],
    branches: [
      { name: 'fixed', when: 'the target APIC is enabled: TMR := the trigger (edge 0, level 1; QR4)', next: 'Q3.3' },
      { name: 'dropped', when: 'the target APIC is disabled (or a level message with level 0): KVM drops it at acceptance (QR4)', next: null },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const irq = irqFromParams(ctx.params);
      const a = apicAcceptIrq(ctx.state, i, irq);
      if (a.kind === 'dropped') {
        ctx.emit({ kind: 'dropped', target: vname(i), what: `vector ${hex(irq.vector)}`, detail: a.why });
        return afterAccept(ctx, { branch: 'dropped', why: a.why }, []);
      }
      if (a.kind === 'fixed') return { branch: irq.delivery, why: a.why, next: 'Q3.3' };
      if (a.kind === 'nmi') makeRequest(ctx.state.vcpus[i].vcpu, 'KVM_REQ_EVENT');
      return { branch: a.kind, why: a.why, next: 'Q3.4' };
    },
  },
  {
    id: 'Q3.3',
    title: 'vmx_deliver_interrupt',
    role: 'With APICv inactive, vmx_deliver_posted_interrupt returns −1: IRR[v] := 1 (coalescing with a set bit), irr_pending, KVM_REQ_EVENT (QR4).',
    component: 'lapic',
    links: [linuxLink('vmx_deliver_interrupt', KVM_VMX_FILE), linuxLink('vmx_deliver_posted_interrupt', KVM_VMX_FILE), linuxLink('kvm_lapic_set_irr', 'arch/x86/kvm/lapic.h'), linuxLink('kvm_make_request', 'include/linux/kvm_host.h')],
    contracts: [
      { id: 'Q3.3-order', text: 'sets IRR before raising KVM_REQ_EVENT and kicking, so the target cannot miss it', source: 'QR20', codebase: 'linux', symbol: 'vmx_deliver_interrupt', check: { kind: 'callOrder', first: ['kvm_lapic_set_irr'], then: ['kvm_vcpu_kick'] } },
    ],
    rules: ['QR4'],
    branches: [
      { name: 'coalesced', when: 'APICv inactive: kvm_lapic_set_irr finds IRR[vector] already 1 (coalesced, QR4); KVM_REQ_EVENT', next: 'Q3.4' },
      { name: 'irr-set', when: 'APICv inactive: kvm_lapic_set_irr sets IRR[vector]; KVM_REQ_EVENT', next: 'Q3.4' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const d = deliverInterrupt(ctx.state, i, num(ctx, 'vector', 0));
      if (d.kind === 'posted') {
        ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: 'APICv active on this vCPU: posted (flow Q4)' });
        return afterAccept(ctx, { branch: 'posted', why: `${d.why} (APICv active: see flow Q4)` }, []);
      }
      return { branch: d.coalesced ? 'coalesced' : 'irr-set', why: d.why, next: 'Q3.4' };
    },
  },
  {
    id: 'Q3.4',
    title: 'kvm_vcpu_kick',
    role: 'Makes the target notice the request: wake a blocked vCPU, flip the own thread to EXITING_GUEST_MODE, or IPI a vCPU in guest mode on another pCPU (EXTERNAL_INTERRUPT exit); otherwise the next entry sees it (QR20).',
    component: 'vcpu',
    links: [linuxLink('kvm_vcpu_kick', 'virt/kvm/kvm_main.c'), linuxLink('kvm_vcpu_wake_up', 'virt/kvm/kvm_main.c'), linuxLink('kvm_arch_vcpu_should_kick', KVM_X86_FILE), linuxLink('kvm_vcpu_exiting_guest_mode', 'include/linux/kvm_host.h'), linuxLink('handle_external_interrupt_irqoff', KVM_VMX_FILE)],
    contracts: [
      { id: 'Q3.4-wake-first', text: 'tries to wake a blocked vCPU before considering the reschedule IPI', source: 'QR20', codebase: 'linux', symbol: 'kvm_vcpu_kick', check: { kind: 'callOrder', first: ['kvm_vcpu_wake_up'], then: ['smp_send_reschedule'] } },
    ],
    rules: ['QR20'],
    branches: [
      { name: 'ipi', when: 'the target vCPU is IN_GUEST_MODE: cmpxchg to EXITING_GUEST_MODE and smp_send_reschedule force an exit; its vcpu_run (Q3.5) is handed to its context', next: null },
      { name: 'ipi', when: 'the target is kicked as above, and the vCPU whose EOI re-sent the message goes on in its own vcpu_run', next: 'Q3.5' },
      { name: 'ipi', when: 'the target is kicked as above; more targets follow (a shorthand or logical destination): the next one', next: 'Q3.2' },
      { name: 'woken', when: 'the target was blocked in kvm_vcpu_block: kvm_vcpu_wake_up; its vcpu_run (Q3.5) is handed to its context', next: null },
      { name: 'self', when: 'the caller is the target\'s own thread: no IPI; it sees the request before its next entry', next: null },
      { name: 'seen-at-entry', when: 'the target is in the host, not in guest mode: no IPI; its vcpu_run (Q3.5, on its context) sees the request before the next entry', next: null },
      { name: 'not-running', when: 'the target is preempted (or halted, not asleep): nothing to kick; KVM_REQ_EVENT waits for its next entry, and no vcpu_run is started for it', next: null },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const k = kickVcpu(ctx.state, i, num(ctx, 'src', -1), ctx.emit);
      if (!k.enters) ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: k.why });
      return afterAccept(ctx, { branch: k.result === 'none' ? (k.enters ? 'seen-at-entry' : 'not-running') : k.result, why: k.why }, k.enters ? [i] : []);
    },
  },
  {
    id: 'Q3.5',
    title: 'vcpu_run → vcpu_enter_guest',
    role: 'The vCPU\'s run loop: a halted vCPU re-checks kvm_vcpu_check_block; pending timers are injected; INIT/SIPI accepted; KVM_REQ_EVENT leads to kvm_check_and_inject_events.',
    component: 'vcpu',
    links: [linuxLink('vcpu_run', KVM_X86_FILE), linuxLink('vcpu_enter_guest', KVM_X86_FILE), linuxLink('kvm_vcpu_check_block', 'virt/kvm/kvm_main.c'), linuxLink('kvm_apic_accept_events', KVM_LAPIC_FILE), linuxLink('handle_interrupt_window', KVM_VMX_FILE)],
    rules: ['QR20'],
    branches: [
      { name: 'event', when: 'KVM_REQ_EVENT: kvm_check_and_inject_events', next: 'Q3.6' },
      { name: 'no-event', when: 'no KVM_REQ_EVENT: straight to entry', next: 'Q3.5e' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const v = slot.vcpu;
      if (v.preempted) {
        ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: 'preempted: runs when scheduled in' });
        return afterVcpu({ branch: 'preempted', why: `${vname(i)} is preempted: vcpu_run resumes only after kvm_sched_in` });
      }
      const notes: string[] = [];
      if (v.halted) {
        const c = checkBlock(ctx.state, i);
        if (!c.runnable) {
          v.blocked = true;
          v.mode = 'OUTSIDE_GUEST_MODE';
          ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: c.why });
          return afterVcpu({ branch: 'stays-blocked', why: `kvm_vcpu_check_block: ${c.why}` });
        }
        leaveHalt(ctx.state, i, ctx.emit, c.why);
        notes.push(`kvm_vcpu_check_block: ${c.why}`);
      }
      v.mode = 'OUTSIDE_GUEST_MODE';
      if (v.irq_window_exiting && v.rflags_if && !v.interrupt_shadow) {
        v.irq_window_exiting = false;
        makeRequest(v, 'KVM_REQ_EVENT');
        notes.push('interrupt-window exit: handle_interrupt_window clears the control, KVM_REQ_EVENT');
      }
      if (slot.timer.pending > 0) notes.push(injectPendingTimer(ctx.state, i));
      if (v.pending_events.length) notes.push(acceptEvents(ctx.state, i));
      const ev = checkRequest(v, 'KVM_REQ_EVENT');
      if (ev || v.intr_info >= 0 || v.nmi_pending > 0) return { branch: 'event', why: [...notes, `KVM_REQ_EVENT${ev ? '' : ' (or an event to re-inject)'}: kvm_check_and_inject_events`].join('; '), next: 'Q3.6' };
      return { branch: 'no-event', why: [...notes, 'no KVM_REQ_EVENT: straight to entry'].join('; '), next: 'Q3.5e' };
    },
  },
  {
    id: 'Q3.6',
    title: 'kvm_check_and_inject_events',
    role: 'In order: re-inject an injected event, NMI, then a LAPIC interrupt if kvm_apic_has_interrupt beats PPR and vmx_interrupt_allowed (IF); if blocked by IF, arm interrupt-window exiting (QR3, QR6, QR28).',
    component: 'lapic',
    links: [
      linuxLink('kvm_check_and_inject_events', KVM_X86_FILE, { formerly: [{ symbol: 'inject_pending_event', in: 'Linux ≤ 5.19' }] }),
      linuxLink('kvm_cpu_has_injectable_intr', 'arch/x86/kvm/irq.c'), linuxLink('kvm_apic_has_interrupt', KVM_LAPIC_FILE), linuxLink('apic_has_interrupt_for_ppr', KVM_LAPIC_FILE), linuxLink('vmx_interrupt_allowed', KVM_VMX_FILE), linuxLink('vmx_enable_irq_window', KVM_VMX_FILE),
    ],
    contracts: [
      { id: 'Q3.6-window', text: 'arms interrupt-window exiting when an interrupt is pending but cannot be injected', source: 'QR6', codebase: 'linux', symbol: 'kvm_check_and_inject_events', check: { kind: 'mentions', anyOf: ['enable_irq_window', 'kvm_x86_enable_irq_window'] } },
    ],
    rules: ['QR3', 'QR6', 'QR28'],
    branches: [
      { name: 'reinject', when: 'an interrupt is still marked injected (the last entry did not deliver it): re-injected, no second ISR transition (QR28)', next: 'Q3.8' },
      { name: 'nmi', when: 'NMI pending and allowed: vmx_inject_nmi (step 4 of the order)', next: 'Q3.8' },
      { name: 'nothing', when: 'IRR empty: nothing injectable', next: 'Q3.8' },
      { name: 'irq-window', when: 'a vector is deliverable but vmx_interrupt_allowed is false (RFLAGS.IF=0, or an STI / MOV SS interrupt shadow): vmx_enable_irq_window (QR6)', next: 'Q3.8' },
      { name: 'interrupt', when: 'IF=1 and the highest IRR class beats PPR: kvm_queue_interrupt(kvm_cpu_get_interrupt)', next: 'Q3.7' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const v = slot.vcpu;
      if (v.intr_info >= 0) return { branch: 'reinject', why: `interrupt.injected ${hex(v.intr_info)}: re-injected, no second ISR transition (QR28)`, next: 'Q3.8', params: { inject: v.intr_info } };
      if (v.nmi_pending > 0) {
        v.nmi_pending--;
        ctx.emit({ kind: 'delivered', target: vname(i), handler: 'exc_nmi', what: 'NMI', detail: 'vmx_inject_nmi' });
        return { branch: 'nmi', why: 'NMI pending and allowed: vmx_inject_nmi (step 4 of the order)', next: 'Q3.8', params: { inject: -1 } };
      }
      // kvm_apic_has_interrupt: __apic_update_ppr, then apic_has_interrupt_for_ppr (QR2, QR3).
      updatePpr(slot.lapic);
      const vec = deliverableVector(slot.lapic, 'kvm');
      if (vec < 0) {
        const hi = highest(slot.lapic.irr);
        const why = hi < 0 ? 'IRR empty: nothing injectable' : `hi(IRR) ${hex(hi)} class ${vclass(hi)} does not beat PPR ${hex(slot.lapic.ppr)} (QR3); it waits for an EOI or a TPR drop`;
        if (hi >= 0) ctx.emit({ kind: 'pending', target: vname(i), what: `IRR [${slot.lapic.irr.map(hex).join(', ')}]`, detail: why });
        return { branch: 'nothing', why, next: 'Q3.8', params: { inject: -1 } };
      }
      if (!v.rflags_if || v.interrupt_shadow) {
        v.irq_window_exiting = true;
        const blocked = !v.rflags_if ? 'RFLAGS.IF=0' : 'an STI / MOV SS interrupt shadow';
        ctx.emit({ kind: 'pending', target: vname(i), what: `vector ${hex(vec)}`, detail: `${!v.rflags_if ? 'IF=0' : 'interrupt shadow'}: interrupt window armed` });
        return { branch: 'irq-window', why: `IRR ${hex(vec)} deliverable but vmx_interrupt_allowed is false (${blocked}): vmx_enable_irq_window (QR6)`, next: 'Q3.8', params: { inject: -1 } };
      }
      return { branch: 'interrupt', why: `IF=1 and ${hex(vec)} class ${vclass(vec)} > PPR ${hex(slot.lapic.ppr)}: kvm_queue_interrupt(kvm_cpu_get_interrupt)`, next: 'Q3.7' };
    },
  },
  {
    id: 'Q3.7',
    title: 'kvm_get_apic_interrupt',
    role: 'Acknowledges for the guest: no ExtINT pending, so hi(IRR) moves to ISR and PPR rises to its class (QR5).',
    component: 'lapic',
    operation: 'lapic.ack',
    links: [linuxLink('kvm_cpu_get_interrupt', 'arch/x86/kvm/irq.c'), linuxLink('kvm_cpu_get_extint', 'arch/x86/kvm/irq.c'), linuxLink('kvm_get_apic_interrupt', KVM_LAPIC_FILE), linuxLink('apic_clear_irr', KVM_LAPIC_FILE), linuxLink('apic_set_isr', KVM_LAPIC_FILE), linuxLink('__apic_update_ppr', KVM_LAPIC_FILE)],
    contracts: [
      { id: 'Q3.7-irr-isr', text: 'clears the IRR bit and sets the ISR bit of the same vector, then updates PPR', source: 'QR5', codebase: 'linux', symbol: 'kvm_get_apic_interrupt', check: { kind: 'callOrder', first: ['apic_clear_irr'], then: ['apic_set_isr'] } },
    ],
    rules: ['QR5'],
    branches: [
      { name: 'acked', when: 'IRR[vec] := 0, ISR[vec] := 1, PPR rises to its class (QR5)', next: 'Q3.8' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const vec = ackApicInterrupt(ctx.state, i);
      const l = ctx.state.vcpus[i].lapic;
      return { branch: 'acked', why: `IRR[${hex(vec)}] := 0, ISR[${hex(vec)}] := 1, PPR := ${hex(l.ppr)} (QR5)`, next: 'Q3.8', params: { inject: vec } };
    },
  },
  {
    id: 'Q3.8',
    title: 'vmx_inject_irq',
    role: 'Writes VM_ENTRY_INTR_INFO_FIELD = 0x80000000|v, sets TPR_THRESHOLD, and lets PV EOI arm if the in-service vector is the only work (QR23).',
    component: 'vcpu',
    links: [linuxLink('vmx_inject_irq', KVM_VMX_FILE), linuxLink('update_cr8_intercept', KVM_X86_FILE), linuxLink('vmx_update_cr8_intercept', KVM_VMX_FILE), linuxLink('kvm_lapic_sync_to_vapic', KVM_LAPIC_FILE), linuxLink('apic_sync_pv_eoi_to_guest', KVM_LAPIC_FILE)],
    rules: ['QR23', 'QR28'],
    branches: [
      { name: 'injected', when: 'the vector is written to VM_ENTRY_INTR_INFO_FIELD; PV EOI is not armed (pv_eoi_enabled is false)', next: 'Q3.5e' },
      { name: 'no-injection', when: 'nothing injected; PV EOI is not armed (pv_eoi_enabled is false)', next: 'Q3.5e' },
      { name: 'injected-pv-eoi-armed', when: 'a vector is injected and PV EOI is armed for the in-service vector before entry (QR23)', next: 'Q3.5e' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const v = ctx.state.vcpus[i].vcpu;
      const inj = num(ctx, 'inject', -1);
      const parts: string[] = [];
      if (inj >= 16) {
        v.intr_info = inj;
        v.irq_window_exiting = false;
        parts.push(`VM_ENTRY_INTR_INFO_FIELD := 0x800000${inj.toString(16).padStart(2, '0')}`);
      }
      // update_cr8_intercept → vmx_update_cr8_intercept: TPR_THRESHOLD = class of hi(IRR) if TPR ≥ it, else 0.
      const l = ctx.state.vcpus[i].lapic;
      const maxIrr = highest(l.irr) < 0 ? -1 : highest(l.irr) >> 4;
      v.tpr_threshold = maxIrr === -1 || l.tpr >> 4 < maxIrr ? 0 : maxIrr;
      if (v.tpr_threshold) parts.push(`TPR_THRESHOLD := ${v.tpr_threshold} (IRR ${hex(highest(l.irr))} is held back by TPR ${hex(l.tpr)})`);
      const arm = pvEoiArm(ctx.state, i);
      parts.push(`kvm_lapic_sync_to_vapic: ${arm.why}`);
      const late = num(ctx, 'late_vector', 0);
      if (late >= 16) {
        // Another thread delivers while this vCPU is between injection and IN_GUEST_MODE (QR20: nothing is lost).
        const a = apicAcceptIrq(ctx.state, i, { vector: late, delivery: 'fixed', dest: ctx.state.vcpus[i].apic_id, logical: false, shorthand: 'none', level_triggered: false, level: true });
        const d = a.kind === 'fixed' ? deliverInterrupt(ctx.state, i, late).why : a.why;
        parts.push(`meanwhile another thread delivers ${hex(late)}: ${d}`);
      }
      return { branch: inj >= 16 ? (arm.decision === 'armed' ? 'injected-pv-eoi-armed' : 'injected') : 'no-injection', why: parts.join('; '), next: 'Q3.5e', params: { late_vector: 0 } };
    },
  },
  tprWriteStep('Q3.8t', 'Q3.5', null),
  lapicRegWriteStep('Q3.lw'),
  {
    id: 'Q3.5e',
    title: 'vcpu_enter_guest (VM entry)',
    role: 'IRQs off, mode := IN_GUEST_MODE, re-check requests (a late request cancels the entry and re-queues the injection); the CPU injects the event through the guest IDT (SDM 26.6).',
    component: 'vcpu',
    links: [linuxLink('vcpu_enter_guest', KVM_X86_FILE), linuxLink('kvm_vcpu_exit_request', KVM_X86_FILE), linuxLink('vmx_vcpu_run', KVM_VMX_FILE), linuxLink('vmx_cancel_injection', KVM_VMX_FILE), linuxLink('__vmx_complete_interrupts', KVM_VMX_FILE)],
    rules: ['QR20', 'QR28'],
    source: 'SDM 26.6',
    branches: [
      { name: 'exit-request', when: 'a request arrived after injection: kvm_vcpu_exit_request, and vmx_cancel_injection re-queues the vector', next: 'Q3.5' },
      { name: 'guest-runs', when: 'nothing injected: the guest runs', next: null },
      { name: 'shadow-ends-window-exit', when: 'nothing injected, interrupt-window exiting armed because of an interrupt shadow with IF=1: the shadow ends after one guest instruction and the window exit follows at once (back to vcpu_run)', next: 'Q3.5' },
      { name: 'delivered-in-service', when: 'VM entry injects the vector through the guest IDT (SDM 26.6); the handler has not written EOI yet: ISR stays set', next: null },
      { name: 'delivered', when: 'VM entry injects the vector through the guest IDT (SDM 26.6)', next: 'Q3.9' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const v = ctx.state.vcpus[i].vcpu;
      v.mode = 'IN_GUEST_MODE';
      if (v.requests.includes('KVM_REQ_EVENT')) {
        v.mode = 'OUTSIDE_GUEST_MODE';
        return { branch: 'exit-request', why: `a request arrived after injection (${v.requests.join(', ')}): kvm_vcpu_exit_request, vmx_cancel_injection re-queues ${v.intr_info >= 0 ? hex(v.intr_info) : 'nothing'}`, next: 'Q3.5' };
      }
      const e = vmEntry(ctx.state, i);
      if (e.vector < 0 && v.irq_window_exiting && v.rflags_if && v.interrupt_shadow) {
        // The guest runs the one instruction the shadow covers; then the window is open and the CPU exits at once.
        v.interrupt_shadow = false;
        v.mode = 'OUTSIDE_GUEST_MODE';
        return { branch: 'shadow-ends-window-exit', why: `${e.why}; the interrupt shadow ends after one instruction with IF=1: EXIT_REASON_INTERRUPT_WINDOW → handle_interrupt_window, KVM_REQ_EVENT`, next: 'Q3.5' };
      }
      if (e.vector < 0) return afterVcpu({ branch: 'guest-runs', why: e.why });
      ctx.emit({ kind: 'delivered', target: vname(i), handler: guestHandler(e.vector), what: `vector ${hex(e.vector)}`, detail: e.why });
      if (ctx.params.handler_eoi === false) return afterVcpu({ branch: 'delivered-in-service', why: `${e.why}; the handler has not written EOI: ISR[${hex(e.vector)}] stays` });
      return { branch: 'delivered', why: e.why, next: 'Q3.9', params: { handled: e.vector } };
    },
  },
  {
    id: 'Q3.9',
    title: 'guest EOI write → exit',
    role: 'The guest handler services its device and writes EOI: with PV EOI armed the guest only clears its byte (no exit); otherwise the write traps (APIC access or x2APIC WRMSR 0x80B) (QR23).',
    component: 'guest',
    links: [
      linuxLink('ack_APIC_irq', 'arch/x86/include/asm/apic.h'), linuxLink('kvm_guest_apic_eoi_write', 'arch/x86/kernel/kvm.c'),
      linuxLink('handle_apic_access', KVM_VMX_FILE), linuxLink('kvm_lapic_set_eoi', KVM_LAPIC_FILE), linuxLink('kvm_x2apic_msr_write', KVM_LAPIC_FILE), linuxLink('kvm_lapic_reg_write', KVM_LAPIC_FILE),
    ],
    rules: ['QR23'],
    branches: [
      { name: 'trap', when: 'EOI write traps (APIC-access exit → handle_apic_access → kvm_lapic_set_eoi)', next: 'Q3.10' },
      { name: 'pv-eoi-no-exit', when: 'the guest\'s PV EOI byte was 1: cleared with no APIC access and no exit; KVM completes the EOI at the next exit (QR23)', next: 'Q3.10' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const s = ctx.state;
      const slot = s.vcpus[i];
      const vec = highest(slot.lapic.isr);
      const notes: string[] = [];
      // The handler services its device first: a level line it drove falls (the condition the EOI re-check reads).
      if (ctx.params.handler_clears_line !== false) {
        for (const pin of guestServicesDevice(s, vec, ctx.profile)) notes.push(`the handler services the device: pin ${pin} line falls`);
      }
      if (slot.pv_eoi.msr_val !== 0 && guestTestAndClear(slot.pv_eoi)) {
        const r = consumeAtExit(slot.pv_eoi);
        return { branch: 'pv-eoi-no-exit', why: [...notes, `kvm_guest_apic_eoi_write: guest byte was 1, cleared, no APIC access and no exit; at the next exit apic_sync_pv_eoi_from_guest finds it 0 (${r}) and performs the EOI`].join('; '), next: 'Q3.10' };
      }
      return { branch: 'trap', why: [...notes, `EOI write traps (${s.config.x2apic ? 'x2APIC WRMSR 0x80B → kvm_x2apic_msr_write' : 'APIC-access exit → handle_apic_access → kvm_lapic_set_eoi'})`].join('; '), next: 'Q3.10' };
    },
  },
  {
    id: 'Q3.10',
    title: 'apic_set_eoi',
    role: 'Clears the highest ISR bit (whatever the handler meant), recomputes PPR, raises KVM_REQ_EVENT, and tells the IO-APIC (QR7).',
    component: 'lapic',
    operation: 'lapic.eoi',
    links: [linuxLink('apic_set_eoi', KVM_LAPIC_FILE), linuxLink('apic_find_highest_isr', KVM_LAPIC_FILE), linuxLink('apic_clear_isr', KVM_LAPIC_FILE), linuxLink('apic_update_ppr', KVM_LAPIC_FILE)],
    contracts: [
      { id: 'Q3.10-highest', text: 'EOI clears the highest in-service vector, then forwards it to the IO-APIC', source: 'QR7', codebase: 'linux', symbol: 'apic_set_eoi', check: { kind: 'callOrder', first: ['apic_find_highest_isr'], then: ['kvm_ioapic_send_eoi'] } },
    ],
    rules: ['QR7'],
    branches: [
      { name: 'stray', when: 'apic_find_highest_isr = −1: stray EOI, nothing cleared (QR7)', next: 'Q3.5' },
      { name: 'eoi', when: 'the highest ISR bit is cleared, PPR recomputed, KVM_REQ_EVENT', next: 'Q3.11' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const vec = highest(slot.lapic.isr);
      if (vec < 0) return { branch: 'stray', why: 'apic_find_highest_isr = −1: stray EOI, nothing cleared (QR7)', next: 'Q3.5' };
      clearBit(slot.lapic.isr, vec);
      updatePpr(slot.lapic);
      slot.vcpu.highest_isr_cache = -1;
      makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
      return { branch: 'eoi', why: `ISR[${hex(vec)}] := 0 (the highest), PPR := ${hex(slot.lapic.ppr)}, KVM_REQ_EVENT`, next: 'Q3.11', params: { eoi_vector: vec } };
    },
  },
  {
    id: 'Q3.11',
    title: 'kvm_ioapic_send_eoi',
    role: 'Only vectors in ioapic_handled_vectors reach the IO-APIC: split → KVM_EXIT_IOAPIC_EOI to QEMU (SVR[12] not consulted); in-kernel → kvm_ioapic_update_eoi with trigger = TMR[v] (QR7, QR13, QR18).',
    component: 'ioapic',
    links: [linuxLink('kvm_ioapic_send_eoi', KVM_LAPIC_FILE), linuxLink('kvm_ioapic_handles_vector', KVM_LAPIC_FILE), qemuLink('kvm_arch_handle_exit', 'target/i386/kvm/kvm.c', { note: 'kvm-split: KVM_EXIT_IOAPIC_EOI → ioapic_eoi_broadcast' })],
    contracts: [
      { id: 'Q3.11-handled', text: 'forwards the EOI only for vectors the IO-APIC handles', source: 'QR18', codebase: 'linux', symbol: 'kvm_ioapic_send_eoi', check: { kind: 'calls', anyOf: ['kvm_ioapic_handles_vector'] } },
      { id: 'Q3.11-split', text: 'with a split irqchip, exits to userspace instead of consulting SVR[12]', source: 'QR13', codebase: 'linux', symbol: 'kvm_ioapic_send_eoi', check: { kind: 'mentions', anyOf: ['KVM_REQ_IOAPIC_EOI_EXIT'] } },
    ],
    rules: ['QR7', 'QR13', 'QR18'],
    branches: [
      { name: 'not-ioapic', when: 'vec is not in ioapic_handled_vectors (no IO-APIC pin routes it): return', next: 'Q3.5' },
      { name: 'split-exit', when: 'split irqchip: pending_ioapic_eoi := vec, KVM_REQ_IOAPIC_EOI_EXIT → KVM_EXIT_IOAPIC_EOI; SVR bit 12 (directed EOI) is not consulted (QR13)', next: 'Q3.12' },
      { name: 'in-kernel-level', when: 'in-kernel irqchip, TMR[vec] set: kvm_ioapic_update_eoi(vec, level) clears Remote-IRR', next: 'Q3.12' },
      { name: 'in-kernel-edge', when: 'in-kernel irqchip, TMR[vec] clear: kvm_ioapic_update_eoi(vec, edge)', next: 'Q3.12' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const vec = num(ctx, 'eoi_vector', 0);
      if (!slot.vcpu.ioapic_handled_vectors.includes(vec)) return { branch: 'not-ioapic', why: `${hex(vec)} is not in ioapic_handled_vectors [${slot.vcpu.ioapic_handled_vectors.map(hex).join(', ')}]: return`, next: 'Q3.5' };
      if (profileConfig(ctx.profile).split) {
        slot.vcpu.pending_ioapic_eoi = vec;
        return { branch: 'split-exit', why: `split irqchip: pending_ioapic_eoi := ${hex(vec)}, KVM_REQ_IOAPIC_EOI_EXIT → KVM_EXIT_IOAPIC_EOI; SVR[12]=${slot.lapic.svr_directed_eoi ? 1 : 0} is not consulted (QR13)`, next: 'Q3.12' };
      }
      const level = slot.lapic.tmr.includes(vec);
      return { branch: level ? 'in-kernel-level' : 'in-kernel-edge', why: `in-kernel: kvm_ioapic_update_eoi(${hex(vec)}, trigger = TMR[${hex(vec)}] = ${level ? 'level' : 'edge'})`, next: 'Q3.12' };
    },
  },
  {
    id: 'Q3.12',
    title: 'kvm_ioapic_update_eoi_one',
    role: 'Runs ack notifiers, then for each level pin with this vector clears Remote-IRR and re-services a still-asserted line (storm limiter at 10000); edge trigger or SVR[12] keeps Remote-IRR (in-kernel) (QR10, QR13).',
    component: 'ioapic',
    operation: 'ioapic.eoi',
    links: [
      linuxLink('kvm_ioapic_update_eoi', KVM_IOAPIC_FILE), linuxLink('kvm_ioapic_update_eoi_one', KVM_IOAPIC_FILE), linuxLink('kvm_notify_acked_irq', 'virt/kvm/eventfd.c'),
      qemuLink('ioapic_eoi_broadcast', 'hw/intc/ioapic.c', { note: 'kvm-split' }),
    ],
    contracts: [
      { id: 'Q3.12-ack-first', text: 'runs the ack notifiers (irqfd resampler) before clearing Remote-IRR', source: 'QR10', codebase: 'linux', symbol: 'kvm_ioapic_update_eoi_one', check: { kind: 'callOrder', first: ['kvm_notify_acked_irq'], then: ['ioapic_service'] } },
      { id: 'Q3.12-directed', text: 'does not clear Remote-IRR for an edge trigger or when the LAPIC has SVR[12] set', source: 'QR13', codebase: 'linux', symbol: 'kvm_ioapic_update_eoi_one', check: { kind: 'mentions', anyOf: ['APIC_SPIV_DIRECTED_EOI'] } },
    ],
    rules: ['QR10', 'QR13'],
    branches: [
      { name: 'remote-irr-kept', when: 'trigger edge: return without clearing Remote-IRR (QR13)', next: 'Q3.5' },
      { name: 'resent', when: 'Remote-IRR := 0 on the pin, which is still asserted and unmasked: irq_eoi++, ioapic_service sends the vector again (QR10)', next: 'Q3.1' },
      { name: 'released', when: 'Remote-IRR := 0 on the pin', next: 'Q3.5' },
      { name: 'storm-delayed', when: 'Remote-IRR := 0 with the line still high after 10,000 EOIs in a row (irq_eoi): the counter is reset and the re-service is handed to delayed work HZ/100 later (Q3.13)', next: 'Q3.5' },
      { name: 'no-pin', when: 'no level pin with this vector had Remote-IRR set', next: 'Q3.5' },
    ],
    run(ctx) {
      const i = vcpuParam(ctx);
      const s = ctx.state;
      const slot = s.vcpus[i];
      const vec = num(ctx, 'eoi_vector', 0);
      const split = profileConfig(ctx.profile).split;
      const level = slot.lapic.tmr.includes(vec);
      const notes: string[] = [];
      const pin = s.irqfd.gsi;
      if (s.irqfd.resampler && s.irqfd.route === 'ioapic' && s.ioapic.ioredtbl[pin]?.vector === vec) notes.push(resamplerAck(s));
      if (!split && (!level || slot.lapic.svr_directed_eoi)) {
        return { branch: 'remote-irr-kept', why: [...notes, `trigger ${level ? 'level' : 'edge'}${slot.lapic.svr_directed_eoi ? ', SVR[12]=1' : ''}: return without clearing Remote-IRR (QR13)`].join('; '), next: 'Q3.5' };
      }
      let resent: IoapicMessage | undefined;
      const eoi = ioapicEoi(s.ioapic, vec, split ? 'kvm-split' : 'kvm-inkernel', {
        trigger_level: split ? undefined : level,
        svr_directed_eoi: split ? false : slot.lapic.svr_directed_eoi,
        deliver: (m) => {
          resent = m;
          return expectedAccepts(s, irqFromIoapic(m));
        },
      });
      slot.vcpu.pending_ioapic_eoi = -1;
      notes.push(eoi.released.length ? `Remote-IRR := 0 on pin ${eoi.released.join(', ')}` : `no level pin with vector ${hex(vec)} had Remote-IRR`);
      if (eoi.delayed.length) notes.push(`irq_eoi reached 10000: re-service of pin ${eoi.delayed.join(', ')} delayed by HZ/100`);
      if (resent) return resend(resent, { branch: 'resent', why: [...notes, `pin ${resent.pin} still asserted and unmasked: irq_eoi++, ioapic_service re-sends ${hex(resent.vector)} (QR10)`].join('; ') }, i);
      if (eoi.delayed.length) {
        // KVM: schedule_delayed_work(&ioapic->eoi_inject, HZ / 100); split: QEMU's delayed_ioapic_service_timer (10 ms).
        return { branch: 'storm-delayed', why: notes.join('; '), next: 'Q3.5', handOff: [{ next: 'Q3.13', to: `${split ? 'qemu-main' : 'kvm-wq'}@+10` }] };
      }
      return { branch: eoi.released.length ? 'released' : 'no-pin', why: notes.join('; '), next: 'Q3.5' };
    },
  },
  {
    id: 'Q3.13',
    title: 'kvm_ioapic_eoi_inject_work',
    role: 'The delayed re-service after an EOI storm (QR10): HZ/100 after the 10000th consecutive re-send, the work item re-services every level pin whose request is latched and Remote-IRR clear (split irqchip: QEMU\'s delayed_ioapic_service_cb 10 ms later). The re-send comes later, not never.',
    component: 'ioapic',
    links: [linuxLink('kvm_ioapic_eoi_inject_work', KVM_IOAPIC_FILE), qemuLink('delayed_ioapic_service_cb', 'hw/intc/ioapic.c', { note: 'kvm-split' })],
    rules: ['QR10'],
    branches: [
      { name: 'resent', when: 'a latched level pin is re-serviced: its message goes out again', next: 'Q3.1' },
      { name: 'nothing-latched', when: 'no level pin has its request latched with Remote-IRR clear (the line fell meanwhile)', next: null },
    ],
    run(ctx) {
      const s = ctx.state;
      let resent: IoapicMessage | undefined;
      const r = ioapicDelayedService(s.ioapic, profileConfig(ctx.profile).split ? 'kvm-split' : 'kvm-inkernel', (m) => {
        resent ??= m;
        return expectedAccepts(s, irqFromIoapic(m));
      });
      if (resent) return resend(resent, { branch: 'resent', why: `delayed work runs: pin ${resent.pin} still latched, Remote-IRR clear → ioapic_service re-sends ${hex(resent.vector)}` }, -1);
      return { branch: 'nothing-latched', why: `delayed work runs: no latched level pin to re-service${r.held.length ? ` (held: ${r.held.join(', ')})` : ''}`, next: null };
    },
  },
  guestIfStep('Q3.sti'),
];


export const q3LapicNoApicv: Flow<KvmState> = {
  id: 'Q3',
  name: 'KVM LAPIC without APICv',
  description: 'Every KVM source ends in kvm_irq_delivery_to_apic: routing, __apic_accept_irq into IRR with KVM_REQ_EVENT and a kick, injection through VM_ENTRY_INTR_INFO_FIELD after kvm_get_apic_interrupt moved IRR→ISR, an EOI that traps into apic_set_eoi, and the EOI to the in-kernel (or QEMU\'s split) IO-APIC that clears Remote-IRR.',
  codebases: ['linux', 'qemu'],
  profiles: KVM_PROFILES.filter((p) => ['kvm-inkernel', 'kvm-split', 'apicv-off'].includes(p.id)),
  defaultProfile: 'kvm-inkernel',
  params: [...pick('vector', 'dest', 'dest_mode', 'delivery', 'trigger', 'shorthand', 'src', 'handler_eoi', 'vcpu'), { name: 'handler_clears_line', type: 'bool', description: 'The guest handler services its device before the EOI, so a level line falls.', default: true }, { name: 'late_vector', type: 'int', description: 'A vector another thread delivers to the vCPU between injection and VM entry (0: none).', default: 0, min: 0, max: 255 }],
  entry: 'Q3.1',
  steps: q3Steps,
  actions: [
    ...guestIfActions('Q3.sti'),
    writeIcrAction('Q3.w'),
    { name: 'send', description: 'Deliver a LAPIC message through kvm_irq_delivery_to_apic (an MSI, an IPI).', params: [...pick('vector', 'dest', 'dest_mode', 'delivery', 'trigger', 'shorthand', 'src'), { name: 'late_vector', type: 'int', description: 'a vector delivered by another thread between injection and entry (0: none)', default: 0, min: 0, max: 255 }], from: 'Q3.1' },
    { name: 'raise', description: 'Set an IO-APIC input line (kvm_set_irq).', params: [{ name: 'pin', type: 'int', description: 'IO-APIC pin', default: 10, min: 0, max: 23 }, { name: 'level', type: 'bool', description: 'line level', default: true }], from: 'Q3.0' },
    { name: 'eoi', description: 'The guest handler on a vCPU writes its EOI now.', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }, { name: 'handler_eoi', type: 'bool', description: 'run to EOI', default: true }], from: 'Q3.9', on: onOwnVcpu },
    { ...writeTprAction('Q3.8t'), on: onOwnVcpu }, writeSvrAction('Q3.lw'), setLapicAction('Q3.lw'), writeLvtAction('Q3.lw'),
    { name: 'run', description: 'The vCPU passes through vcpu_run again (any VM exit, an interrupt-window exit, or a wake-up).', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }], from: 'Q3.5', on: onOwnVcpu },
    setIfAction, blockAction, preemptAction, writeRteAction('Q3.io'), ioapicEoiAction('Q3.io'), restoreIoapicAction('Q3.io'),
  ],
  initialState: (profile) => newKvmState(profile),
  validate(state, params, profile) {
    const out = kvmValidate(state, params, profile);
    const late = params.late_vector;
    if (typeof late === 'number' && late > 0 && late < 16) out.push(`parameter "late_vector" = ${late}: vectors 1..15 are illegal for fixed delivery (QR1); 0 means none`);
    return out;
  },
  stateDoc: KVM_STATE_DOC,
};
