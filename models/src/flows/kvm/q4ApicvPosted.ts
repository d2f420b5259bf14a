// Flow Q4: KVM with APICv — virtual-interrupt delivery and CPU posted interrupts (rules QR17–QR19).

import { guestIfActions, guestIfStep } from './kvmIrqWindow';
import { icrWriteStep, writeIcrAction } from './kvmIcr';
import { ioapicEoiAction, ioapicWriteStep, restoreIoapicAction, writeRteAction } from './kvmIoapicWrite';
import { lapicRegWriteStep, setLapicAction, tprWriteStep, writeLvtAction, writeSvrAction, writeTprAction } from './kvmLapicWrite';
import { Flow, ModelError, Step, StepResult } from '../../core/types';
import { q3RunSteps } from './kvmVcpuSteps';
import { ioapicSetIrq, checkPin } from '../../components/ioapic';
import { makeRequest, checkRequest } from '../../components/vcpu';
import { highest } from '../../components/lapic';
import { deliverVirtual, recognised, virtualizeEoi, vppr } from '../../components/apicv';
import {
  KVM_PROFILES, KvmState, expectedAccepts, newKvmState, pick, routeIrq, irqFromParams, irqFromIoapic, irqToParams, apicAcceptIrq, deliverInterrupt, kickVcpu, handRun,
  triggerPosted, hwProcessNotification, syncPir, checkBlock, piLoad, scanIoapic, ioapicSendEoi, guestHandler, guestServicesDevice, pendingWhat, profileConfig, vname, hex,
} from './kvmMachine';
import { KVM_STATE_DOC, localizeKvm, withHandOffs, blockAction, kvmValidate, nextTarget, num, preemptAction, runOptions, setIfAction, vcpuParam, linuxLink, KVM_LAPIC_FILE, KVM_VMX_FILE, KVM_X86_FILE, KVM_POSTED_INTR_HEADER, routingBranches } from './kvmFlowKit';


/** Q4's own steps with their home ids (the flows that run a vCPU with APICv carry them as shared steps). */
export const q4Steps: Step<KvmState>[] = [
  {
    id: 'Q4.0i',
    title: 'kvm_ioapic_set_irq',
    role: 'An in-kernel IO-APIC input (e.g. a level INTx line) is asserted; the pin is serviced into a LAPIC message (QR8, QR9).',
    component: 'ioapic',
    operation: 'ioapic.input',
    links: [linuxLink('kvm_set_irq', 'virt/kvm/irqchip.c'), linuxLink('kvm_ioapic_set_irq', 'arch/x86/kvm/ioapic.c'), linuxLink('ioapic_set_irq', 'arch/x86/kvm/ioapic.c'), linuxLink('ioapic_service', 'arch/x86/kvm/ioapic.c')],
    rules: ['QR8', 'QR9'],
    branches: [
      { name: 'message', when: 'a level pin asserted with Remote-IRR 0: its RTE\'s message goes to the APIC', next: 'Q4.0' },
      { name: 'latched', when: 'a level pin asserted while its RTE is masked: the request stays latched in ioapic->irr, and an unmask services it (QR32)', next: null },
      { name: 'hold', when: 'a level pin asserted while its Remote-IRR is 1: no message until the EOI (QR9)', next: null },
      { name: 'lowered', when: 'the pin is de-asserted: its request latch is cleared', next: null },
      { name: 'coalesced', when: 'an edge pin already high: no 0→1 transition, nothing is sent (QR8)', next: null },
      { name: 'ignored', when: 'an edge pin rose while its RTE is masked: the edge is lost (QR8)', next: null },
    ],
    run(ctx): StepResult {
      const pin = num(ctx, 'pin', 10);
      checkPin(pin);
      let msg: ReturnType<typeof irqFromIoapic> | undefined;
      const r = ioapicSetIrq(ctx.state.ioapic, pin, ctx.params.level !== false, ctx.profile, (m) => {
        msg = irqFromIoapic(m);
        return expectedAccepts(ctx.state, msg);
      });
      if (!msg) {
        if (r.action !== 'service') return { branch: r.action, why: r.why, next: null };
        const held = r.service?.held.map((h) => h.why).join('; ') || 'no message sent';
        ctx.emit({ kind: 'pending', target: 'ioapic', what: `pin ${pin}`, detail: held });
        return { branch: 'latched', why: `${r.why}: ${held}`, next: null };
      }
      return { branch: 'message', why: `${r.why}: message vector ${hex(msg.vector)} ${msg.level_triggered ? 'level' : 'edge'} → APIC ${msg.dest}`, next: 'Q4.0', params: { ...irqToParams(msg), src: -1 } };
    },
  },
  icrWriteStep('Q4.w', 'Q4.0'),
  ioapicWriteStep('Q4.io', 'Q4.0'),
  tprWriteStep('Q4.8t', 'Q3.5', 'Q4.3a'),
  lapicRegWriteStep('Q4.lw'),
  {
    id: 'Q4.0',
    title: 'kvm_irq_delivery_to_apic',
    operation: 'lapic.route',
    role: 'Routes the message to its destination vCPUs (fast path on the APIC map, or the slow loop), as in Q3.1 (QR15).',
    component: 'lapic',
    links: [linuxLink('kvm_irq_delivery_to_apic', 'arch/x86/kvm/irq_comm.c'), linuxLink('kvm_irq_delivery_to_apic_fast', KVM_LAPIC_FILE), linuxLink('kvm_apic_map_get_dest_lapic', KVM_LAPIC_FILE)],
    rules: ['QR15'],
    branches: [
      ...routingBranches('Q4.1'),
      { name: 'no-target', when: 'the destination selects no vCPU', next: null },
    ],
    run(ctx): StepResult {
      const r = routeIrq(ctx.state, irqFromParams(ctx.params), num(ctx, 'src', -1));
      if (r.targets.length === 0) {
        ctx.emit({ kind: 'dropped', what: `vector ${hex(num(ctx, 'vector', 0))}`, detail: `no destination: ${r.why}` });
        return { branch: 'no-target', why: r.why, next: null };
      }
      return { branch: r.path, why: r.why, next: 'Q4.1', params: { vcpu: r.targets[0], rest: r.targets.slice(1).join(',') } };
    },
  },
  {
    id: 'Q4.1',
    title: 'vmx_deliver_posted_interrupt',
    role: '__apic_accept_irq → vmx_deliver_interrupt posts the vector: PIR bit, then ON; a set PIR bit or a set ON means no notification (QR19).',
    component: 'pi_desc',
    operation: 'pi.post',
    links: [linuxLink('__apic_accept_irq', KVM_LAPIC_FILE), linuxLink('vmx_deliver_interrupt', KVM_VMX_FILE), linuxLink('vmx_deliver_posted_interrupt', KVM_VMX_FILE), linuxLink('pi_test_and_set_pir', KVM_POSTED_INTR_HEADER), linuxLink('pi_test_and_set_on', KVM_POSTED_INTR_HEADER)],
    contracts: [
      { id: 'Q4.1-pir-before-on', text: 'sets the PIR bit before testing-and-setting ON, so a notification never precedes its vector', source: 'QR19; SDM 29.6', codebase: 'linux', symbol: 'vmx_deliver_posted_interrupt', check: { kind: 'callOrder', first: ['pi_test_and_set_pir'], then: ['pi_test_and_set_on'] } },
      { id: 'Q4.1-no-sn', text: 'the software sender never consults SN', source: 'QR19', codebase: 'linux', symbol: 'vmx_deliver_posted_interrupt', check: { kind: 'doesNotCall', names: ['pi_test_sn'] } },
    ],
    rules: ['QR4', 'QR19'],
    branches: [
      { name: 'apicv-inactive', when: 'vmx_deliver_posted_interrupt returns −1 (APICv inactive on the target): the vector goes into IRR as without APICv (Q3.3)', next: null },
      { name: 'notify', when: 'PIR[vector] := 1 and ON 0 → 1: notify the target (QR19; SN is not consulted)', next: 'Q4.2' },
      { name: 'on-already-set', when: 'PIR[vector] := 1; ON was already 1: a notification is outstanding, nothing is sent (QR19)', next: null },
      { name: 'dropped', when: 'the target APIC is disabled: KVM drops the interrupt at acceptance (QR4)', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const irq = irqFromParams(ctx.params);
      const acc = apicAcceptIrq(ctx.state, i, irq);
      if (acc.kind === 'dropped') {
        ctx.emit({ kind: 'dropped', target: vname(i), what: `vector ${hex(irq.vector)}`, detail: acc.why });
        return nextTarget(ctx, 'Q4.1', { branch: 'dropped', why: acc.why });
      }
      if (acc.kind !== 'fixed') {
        // NMI / INIT / SIPI: a pending event and a kick; the kicked vCPU's vcpu_run (Q3.5) runs on its own context.
        const k = kickVcpu(ctx.state, i, num(ctx, 'src', -1), ctx.emit);
        const o = runOptions(ctx);
        if (k.enters) handRun(o, i, 'Q3.5');
        return withHandOffs(nextTarget(ctx, 'Q4.1', { branch: acc.kind, why: `${acc.why}; ${k.why}` }), o);
      }
      const d = deliverInterrupt(ctx.state, i, irq.vector);
      if (d.kind === 'irr') {
        // APICv inactive for this vCPU: the Q3.3 path (kvm_lapic_set_irr + KVM_REQ_EVENT + kick); the kicked vCPU
        // injects through its own vcpu_run (Q3.5 on its context).
        const k = kickVcpu(ctx.state, i, num(ctx, 'src', -1), ctx.emit);
        const o = runOptions(ctx);
        if (k.enters) handRun(o, i, 'Q3.5');
        else ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: k.why });
        return withHandOffs(nextTarget(ctx, 'Q4.1', { branch: 'apicv-inactive', why: `vmx_deliver_posted_interrupt returned −1: ${d.why}; ${k.why}` }), o);
      }
      if (d.post === 'notify') return { branch: 'notify', why: d.why, next: 'Q4.2' };
      ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: d.why });
      return nextTarget(ctx, 'Q4.1', { branch: d.post, why: d.why });
    },
  },
  {
    id: 'Q4.2',
    title: 'kvm_vcpu_trigger_posted_interrupt',
    role: 'Sends the notification: an IPI of POSTED_INTR_VECTOR to a vCPU in guest mode elsewhere; nothing for the running vCPU; a wake-up otherwise (QR19).',
    component: 'vcpu',
    links: [linuxLink('kvm_vcpu_trigger_posted_interrupt', KVM_VMX_FILE), linuxLink('kvm_vcpu_wake_up', 'virt/kvm/kvm_main.c')],
    contracts: [
      { id: 'Q4.2-mode', text: 'decides between the notification IPI and a wake-up on vcpu->mode', source: 'QR19; QR20', codebase: 'linux', symbol: 'kvm_vcpu_trigger_posted_interrupt', check: { kind: 'mentions', anyOf: ['IN_GUEST_MODE'] } },
    ],
    rules: ['QR19', 'QR20'],
    branches: [
      { name: 'notification-ipi', when: 'the target is IN_GUEST_MODE on another pCPU: send_IPI_mask(POSTED_INTR_VECTOR 0xf2), processed by that pCPU later (Q4.3 handed to the target vCPU); the sender ends', next: null },
      { name: 'notification-ipi', when: 'the target is IN_GUEST_MODE on another pCPU: the notification is sent as above, and the sender goes on with its next target', next: 'Q4.1' },
      { name: 'woken', when: 'the target is blocked: kvm_vcpu_wake_up, and kvm_vcpu_check_block finds the posted interrupt; the woken vCPU loads and enters on its own context (Q4.8 handed to it)', next: null },
      { name: 'woken', when: 'the blocked target is woken as above, and the sender goes on with its next target', next: 'Q4.1' },
      { name: 'not-in-guest', when: 'the target is OUTSIDE_GUEST_MODE: kvm_vcpu_wake_up is a no-op; the PIR waits for the next entry\'s sync', next: null },
      { name: 'running-vcpu', when: 'the target is the vCPU running on this thread: no notification IPI, the PIR is synced before entry', next: 'Q4.4' },
      { name: 'woken-not-runnable', when: 'the blocked target is woken but kvm_vcpu_check_block finds nothing that lets it run (e.g. IF=0): it stays blocked', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const t = triggerPosted(ctx.state, i, num(ctx, 'src', -1), ctx.emit);
      // The IPI is sent now and processed by the target's pCPU later: the sender goes on with its next target.
      if (t.kind === 'ipi') return { ...nextTarget(ctx, 'Q4.1', { branch: 'notification-ipi', why: t.why }), handOff: [{ next: 'Q4.3', to: vname(i), params: { vcpu: i, rest: '' } }] };
      if (t.kind === 'self') return { branch: 'running-vcpu', why: t.why, next: 'Q4.4' };
      if (t.kind === 'woken') {
        const c = checkBlock(ctx.state, i);
        const v = ctx.state.vcpus[i].vcpu;
        if (!c.runnable) {
          v.blocked = true;
          ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: `woken, but ${c.why}` });
          return nextTarget(ctx, 'Q4.1', { branch: 'woken-not-runnable', why: `${t.why}; kvm_vcpu_check_block: ${c.why}` });
        }
        v.halted = false;
        // The woken vCPU's thread returns from kvm_vcpu_block and goes on (Q4.8 on vcpuN); the sender goes on too.
        return { ...nextTarget(ctx, 'Q4.1', { branch: 'woken', why: `${t.why}; kvm_vcpu_check_block: ${c.why}` }), handOff: [{ next: 'Q4.8', to: vname(i), params: { vcpu: i, rest: '' } }] };
      }
      ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: t.why });
      return nextTarget(ctx, 'Q4.1', { branch: 'not-in-guest', why: t.why });
    },
  },
  {
    id: 'Q4.3',
    title: '[hw] posted-interrupt processing',
    role: 'The notification arrives while the pCPU runs this guest: no VM exit; ON := 0, VIRR |= PIR, PIR := 0, RVI updated (SDM 29.6, QR19). If the target already left guest mode, the host IDT entry only EOIs and the PIR waits for the next entry.',
    component: 'pi_desc',
    links: [
      linuxLink('kvm_vcpu_trigger_posted_interrupt', KVM_VMX_FILE, { note: 'the sender; the processing is done by the CPU (SDM 29.6)' }),
      linuxLink('sysvec_kvm_posted_intr_ipi', 'arch/x86/kernel/irq.c', { note: 'host IDT entry that only EOIs when the notification lands in root mode' }),
    ],
    rules: ['QR19'],
    source: 'SDM 29.6',
    branches: [
      { name: 'root-mode', when: 'the target left guest mode before the 0xf2 IPI arrived: sysvec_kvm_posted_intr_ipi only acks it; PIR and ON=1 wait for vmx_sync_pir_to_irr at the next entry', next: 'Q4.4' },
      { name: 'non-root', when: 'vector 0xf2 = POSTED_INTR_NV arrives in non-root mode: no VM exit; ON := 0, VIRR |= PIR, RVI := the highest', next: 'Q4.3a' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      if (ctx.params.notification_race === true) {
        // The target exited (e.g. for an unrelated reason) before the IPI landed: the host IDT entry only EOIs.
        const v = ctx.state.vcpus[i].vcpu;
        v.mode = 'OUTSIDE_GUEST_MODE';
        ctx.emit({ kind: 'note', target: vname(i), detail: 'notification landed in root mode: sysvec_kvm_posted_intr_ipi only EOIs; PIR and ON stay' });
        return { branch: 'root-mode', why: `${vname(i)} left guest mode before the 0xf2 IPI arrived: sysvec_kvm_posted_intr_ipi only acks it; PIR [${ctx.state.vcpus[i].pi_desc.pir.map(hex).join(', ')}] and ON=1 wait for vmx_sync_pir_to_irr at the next entry`, next: 'Q4.4' };
      }
      return { branch: 'non-root', why: hwProcessNotification(ctx.state, i), next: 'Q4.3a' };
    },
  },
  {
    id: 'Q4.3a',
    title: '[hw] virtual-interrupt delivery',
    role: 'The CPU recognises RVI if its class beats VPPR and delivers it when IF=1: VISR, SVI, RVI updated, vector through the guest IDT (QR17).',
    component: 'lapic',
    operation: 'lapic.ack',
    links: [linuxLink('vmx_set_rvi', KVM_VMX_FILE, { note: 'KVM keeps RVI = hi(IRR); evaluation and delivery are done by the CPU (SDM 29.2)' }), linuxLink('vmx_hwapic_isr_update', KVM_VMX_FILE)],
    rules: ['QR17'],
    source: 'SDM 29.2.1, 29.2.2',
    branches: [
      { name: 'not-recognised', when: 'RVI does not exceed VPPR (or VIRR is empty): nothing is delivered (SDM 29.2.1)', next: null },
      { name: 'deliver', when: 'RVI\'s class beats VPPR: virtual-interrupt delivery moves the vector from VIRR to VISR, SVI := it, RVI := the next (QR17)', next: 'Q4.g' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const v = slot.vcpu;
      if (!recognised(slot.lapic, v)) {
        if (slot.lapic.irr.length) ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: `RVI ${hex(v.rvi)} does not beat VPPR` });
        return nextTarget(ctx, 'Q4.1', { branch: 'not-recognised', why: `RVI ${hex(v.rvi)} class ${v.rvi >> 4} does not exceed VPPR class ${vppr(slot.lapic, v.svi) >> 4}${v.rvi === 0 ? ' (VIRR empty)' : ''} (SDM 29.2.1)` });
      }
      if (!v.rflags_if) {
        ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: 'recognised, IF=0' });
        return nextTarget(ctx, 'Q4.1', { branch: 'if-clear', why: `RVI ${hex(v.rvi)} recognised but RFLAGS.IF=0: delivery waits (SDM 29.2.2, QR6)` });
      }
      const vec = deliverVirtual(slot.lapic, v);
      return { branch: 'deliver', why: `RVI ${hex(vec)} class ${vec >> 4} > VPPR: VISR[${hex(vec)}] := 1, SVI := ${hex(v.svi)}, VIRR[${hex(vec)}] := 0, RVI := ${hex(v.rvi)} (QR17)`, next: 'Q4.g', params: { delivered: vec } };
    },
  },
  {
    id: 'Q4.4',
    title: 'vmx_sync_pir_to_irr',
    role: 'Before entry (IRQs off, mode = IN_GUEST_MODE): if ON, clear it and move PIR into IRR; RVI := hi(IRR). The CPU then evaluates at entry (QR19).',
    component: 'pi_desc',
    links: [linuxLink('vcpu_enter_guest', KVM_X86_FILE), linuxLink('vmx_sync_pir_to_irr', KVM_VMX_FILE), linuxLink('kvm_apic_update_irr', KVM_LAPIC_FILE), linuxLink('__kvm_apic_update_irr', KVM_LAPIC_FILE), linuxLink('pi_clear_on', KVM_POSTED_INTR_HEADER)],
    contracts: [
      { id: 'Q4.4-clear-on-first', text: 'clears ON before harvesting the PIR, so a post racing with the sync raises a new notification', source: 'QR19', codebase: 'linux', symbol: 'vmx_sync_pir_to_irr', check: { kind: 'callOrder', first: ['pi_clear_on'], then: ['kvm_apic_update_irr'] } },
    ],
    rules: ['QR19'],
    branches: [
      { name: 'pir-moved', when: 'ON was 1: ON := 0, IRR |= PIR, RVI := the highest IRR vector', next: 'Q4.3a' },
      { name: 'nothing-posted', when: 'ON was 0: the PIR is left alone; RVI := the highest IRR vector', next: 'Q4.3a' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const v = ctx.state.vcpus[i].vcpu;
      checkRequest(v, 'KVM_REQ_EVENT');
      v.mode = 'IN_GUEST_MODE';
      const r = syncPir(ctx.state, i);
      return { branch: r.moved.length ? 'pir-moved' : 'nothing-posted', why: r.why, next: 'Q4.3a' };
    },
  },
  {
    id: 'Q4.g',
    title: 'guest interrupt handler',
    role: 'The Linux guest runs the handler for the vector and writes EOI (xAPIC 0xB0 or x2APIC MSR 0x80B).',
    component: 'guest',
    links: [linuxLink('ack_APIC_irq', 'arch/x86/include/asm/apic.h'), linuxLink('native_apic_msr_eoi_write', 'arch/x86/include/asm/apic.h')],
    branches: [
      { name: 'eoi', when: 'common_interrupt ends with an EOI write', next: 'Q4.6' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const vec = num(ctx, 'delivered', num(ctx, 'vector', 0));
      ctx.emit({ kind: 'delivered', target: vname(i), handler: guestHandler(vec), what: `vector ${hex(vec)}`, detail: 'virtual-interrupt delivery, no VM exit' });
      if (ctx.params.handler_eoi === false) return nextTarget(ctx, 'Q4.1', { branch: 'in-service', why: `handler for ${hex(vec)} has not written EOI: VISR[${hex(vec)}] stays set` });
      const lowered = ctx.params.handler_clears_line === false ? [] : guestServicesDevice(ctx.state, vec, ctx.profile);
      return { branch: 'eoi', why: `${guestHandler(vec)}${lowered.length ? ` services its device (pin ${lowered.join(', ')} line falls) and` : ''} ends with an EOI write`, next: 'Q4.6' };
    },
  },
  {
    id: 'Q4.5',
    title: 'kvm_vcpu_update_apicv',
    role: 'APICv is activated or inhibited for the vCPU: KVM resets its IRR/ISR caches (irr_pending, isr_count, highest_isr_cache), reloads SVI from ISR and RVI from IRR, or falls back to injection (Q3) and moves stray PIR bits into IRR.',
    component: 'vcpu',
    links: [linuxLink('kvm_vcpu_update_apicv', KVM_X86_FILE), linuxLink('kvm_apic_update_apicv', KVM_LAPIC_FILE), linuxLink('vmx_refresh_apicv_exec_ctrl', KVM_VMX_FILE), linuxLink('kvm_apic_update_hwapic_isr', KVM_LAPIC_FILE), linuxLink('vmx_hwapic_isr_update', KVM_VMX_FILE)],
    rules: ['QR17'],
    branches: [
      { name: 'unchanged', when: 'APICv is already in the requested state on the vCPU', next: null },
      { name: 'activated', when: 'APICv activated: IRR/ISR caches reset, SVI and RVI set from ISR and IRR, the EOI-exit bitmap reloaded', next: 'Q4.4' },
      { name: 'inhibited', when: 'APICv inhibited: injection through VM_ENTRY_INTR_INFO_FIELD from now on (Q3), EOIs trap; a stray PIR is moved into IRR with KVM_REQ_EVENT', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const v = slot.vcpu;
      const on = ctx.params.active !== false;
      if (on && !profileConfig(ctx.profile).apicv) throw new ModelError(`profile ${ctx.profile} has enable_apicv=0: APICv cannot be activated`, 'active');
      if (on === v.apicv_active) return { branch: 'unchanged', why: `APICv already ${on ? 'active' : 'inactive'} on ${vname(i)}`, next: null };
      v.apicv_active = on;
      v.irr_pending = true;
      v.highest_isr_cache = -1;
      if (on) {
        v.svi = Math.max(highest(slot.lapic.isr), 0);
        v.rvi = Math.max(highest(slot.lapic.irr), 0);
        scanIoapic(ctx.state, i, ctx.profile);
        makeRequest(v, 'KVM_REQ_EVENT');
        return { branch: 'activated', why: `apicv_active := 1; irr_pending := true, isr_count := 1, highest_isr_cache := −1; SVI := hi(ISR) ${hex(v.svi)}, RVI := hi(IRR) ${hex(v.rvi)}; EOI-exit bitmap reloaded`, next: 'Q4.4' };
      }
      // Inhibited: the sync still runs (sync_pir_to_irr is only NULL when enable_apicv=0), moving stray PIR bits into IRR.
      const moved = [...slot.pi_desc.pir];
      if (slot.pi_desc.on) syncPir(ctx.state, i);
      v.eoi_exit_bitmap = [];
      if (slot.lapic.irr.length) makeRequest(v, 'KVM_REQ_EVENT');
      return { branch: 'inhibited', why: `apicv_active := 0: injection through VM_ENTRY_INTR_INFO_FIELD from now on (Q3), EOIs trap; ${moved.length ? `sync_pir_to_irr moved stray PIR [${moved.map(hex).join(', ')}] into IRR, KVM_REQ_EVENT` : 'PIR empty'}`, next: null };
    },
  },
  {
    id: 'Q4.6',
    title: '[hw] EOI virtualization',
    role: 'The CPU clears VISR[SVI], recomputes SVI and VPPR, and exits only when EOI_EXIT_BITMAP[v] is set (QR18).',
    component: 'lapic',
    operation: 'lapic.eoi',
    links: [linuxLink('vmx_load_eoi_exitmap', KVM_VMX_FILE, { note: 'loads the bitmap the CPU consults; EOI virtualization itself is hardware (SDM 29.1.4)' })],
    rules: ['QR18'],
    source: 'SDM 29.1.4',
    branches: [
      { name: 'stray', when: 'SVI was 0: nothing in service', next: null },
      { name: 'eoi-exit', when: 'VISR[vector] := 0 and SVI updated; EOI_EXIT_BITMAP[vector]=1: a trap-like EOI-induced VM exit', next: 'Q4.6x' },
      { name: 'no-exit', when: 'VISR[vector] := 0 and SVI updated; EOI_EXIT_BITMAP[vector]=0: no exit, the CPU re-evaluates pending virtual interrupts', next: 'Q4.3a' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const r = virtualizeEoi(slot.lapic, slot.vcpu);
      if (r.vector <= 0) return nextTarget(ctx, 'Q4.1', { branch: 'stray', why: 'SVI was 0: nothing in service' });
      if (r.exit) return { branch: 'eoi-exit', why: `VISR[${hex(r.vector)}] := 0, SVI := ${hex(slot.vcpu.svi)}; EOI_EXIT_BITMAP[${hex(r.vector)}]=1: trap-like EOI-induced VM exit`, next: 'Q4.6x', params: { eoi_vector: r.vector } };
      return { branch: 'no-exit', why: `VISR[${hex(r.vector)}] := 0, SVI := ${hex(slot.vcpu.svi)}; EOI_EXIT_BITMAP[${hex(r.vector)}]=0: no exit, the CPU re-evaluates`, next: 'Q4.3a' };
    },
  },
  {
    id: 'Q4.6x',
    title: 'handle_apic_eoi_induced',
    role: 'The EOI-induced exit forwards the EOI to the IO-APIC (kvm_ioapic_send_eoi, Q3.11) and raises KVM_REQ_EVENT; the ISR was already updated by the CPU.',
    component: 'ioapic',
    operation: 'ioapic.eoi',
    links: [linuxLink('handle_apic_eoi_induced', KVM_VMX_FILE), linuxLink('kvm_apic_set_eoi_accelerated', KVM_LAPIC_FILE), linuxLink('kvm_ioapic_send_eoi', KVM_LAPIC_FILE), linuxLink('kvm_ioapic_update_eoi', 'arch/x86/kvm/ioapic.c')],
    contracts: [
      { id: 'Q4.6x-forward', text: 'forwards the accelerated EOI to the IO-APIC', source: 'QR18', codebase: 'linux', symbol: 'kvm_apic_set_eoi_accelerated', check: { kind: 'calls', anyOf: ['kvm_ioapic_send_eoi'] } },
    ],
    rules: ['QR10', 'QR18'],
    branches: [
      { name: 'forwarded', when: 'the exit qualification names the vector: kvm_apic_set_eoi_accelerated forwards it to the IO-APIC; KVM_REQ_EVENT', next: 'Q4.4' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const vec = num(ctx, 'eoi_vector', 0);
      makeRequest(ctx.state.vcpus[i].vcpu, 'KVM_REQ_EVENT');
      ctx.state.vcpus[i].vcpu.mode = 'OUTSIDE_GUEST_MODE';
      const o = runOptions(ctx);
      const io = ioapicSendEoi(ctx.state, i, vec, ctx.profile, ctx.emit, o.redeliver);
      return withHandOffs({ branch: 'forwarded', why: `exit qualification ${hex(vec)}: ${io}; KVM_REQ_EVENT`, next: 'Q4.4' }, o);
    },
  },
  {
    id: 'Q4.7',
    title: 'vcpu_scan_ioapic',
    role: 'KVM_REQ_SCAN_IOAPIC rebuilds ioapic_handled_vectors from level (or ack-notified, or RTC) RTEs aimed at the vCPU and loads it as the EOI-exit bitmap (QR18).',
    component: 'vcpu',
    links: [linuxLink('vcpu_scan_ioapic', KVM_X86_FILE), linuxLink('kvm_ioapic_scan_entry', 'arch/x86/kvm/ioapic.c'), linuxLink('kvm_scan_ioapic_routes', 'arch/x86/kvm/irq_comm.c'), linuxLink('vcpu_load_eoi_exitmap', KVM_X86_FILE), linuxLink('vmx_load_eoi_exitmap', KVM_VMX_FILE)],
    rules: ['QR18'],
    branches: [
      { name: 'loaded', when: 'ioapic_handled_vectors is loaded into each vCPU\'s EOI_EXIT_BITMAP', next: null },
    ],
    run(ctx): StepResult {
      const out = ctx.state.vcpus.map((_, i) => `${vname(i)} [${scanIoapic(ctx.state, i, ctx.profile).map(hex).join(', ')}]`);
      return { branch: 'loaded', why: `ioapic_handled_vectors → EOI_EXIT_BITMAP: ${out.join('; ')}`, next: null };
    },
  },
  {
    id: 'Q4.8',
    title: 'kvm_sched_in → vmx_vcpu_pi_load',
    role: 'The vCPU is scheduled in: NDST := this pCPU, SN := 0, NV := POSTED_INTR_VECTOR; a non-empty PIR sets ON so the next sync sees it (QR21).',
    component: 'pi_desc',
    links: [linuxLink('kvm_sched_in', 'virt/kvm/kvm_main.c'), linuxLink('vmx_vcpu_load', KVM_VMX_FILE), linuxLink('vmx_vcpu_pi_load', 'arch/x86/kvm/vmx/posted_intr.c')],
    rules: ['QR21'],
    branches: [
      { name: 'bad-cpu', when: 'the pCPU does not exist', next: null },
      { name: 'loaded', when: 'the vCPU is loaded on its pCPU: the PI descriptor keeps NV 0xf2 and SN=0', next: 'Q4.4' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const cpu = num(ctx, 'cpu', ctx.state.vcpus[i].vcpu.pcpu);
      if (cpu < 0 || cpu >= ctx.state.pcpus) return { branch: 'bad-cpu', why: `pCPU ${cpu} does not exist`, next: null };
      return { branch: 'loaded', why: piLoad(ctx.state, i, cpu), next: 'Q4.4' };
    },
  },
  guestIfStep('Q4.sti'),
];

export const q4ApicvPosted: Flow<KvmState> = {
  id: 'Q4',
  name: 'KVM with APICv: virtual-interrupt delivery and CPU posted interrupts',
  description: 'A LAPIC message to a vCPU with APICv: posted into the PIR with ON, notified by POSTED_INTR_VECTOR (no VM exit when the target runs), synced into VIRR before entry otherwise, delivered by the CPU (RVI/SVI), and EOI-virtualized with an exit only for vectors in the EOI-exit bitmap.',
  codebases: ['linux'],
  profiles: KVM_PROFILES.filter((p) => ['apicv-on', 'kvm-split-apicv', 'apicv-off'].includes(p.id)),
  defaultProfile: 'apicv-on',
  params: [...pick('vector', 'dest', 'dest_mode', 'delivery', 'trigger', 'shorthand', 'src', 'handler_eoi', 'vcpu'), { name: 'handler_clears_line', type: 'bool', description: 'The guest handler services its device before the EOI, so a level line falls.', default: true }, { name: 'notification_race', type: 'bool', description: 'The target leaves guest mode before the 0xf2 notification lands (it reaches the host IDT).', default: false }],
  entry: 'Q4.0',
  steps: localizeKvm('Q4', [...q4Steps, ...q3RunSteps()]),
  actions: [
    ...guestIfActions('Q4.sti'),
    writeIcrAction('Q4.w'),
    { name: 'post', description: 'Deliver a message (vector, dest, trigger, src) through kvm_irq_delivery_to_apic.', params: [...pick('vector', 'dest', 'trigger', 'src'), { name: 'notification_race', type: 'bool', description: 'the target exits before the notification lands', default: false }], from: 'Q4.0' },
    { name: 'assert', description: 'Assert (or lower) an in-kernel IO-APIC pin.', params: [{ name: 'pin', type: 'int', description: 'IO-APIC pin', default: 10, min: 0, max: 23 }, { name: 'level', type: 'bool', description: 'line level', default: true }], from: 'Q4.0i' },
    { name: 'eoi', description: 'The guest handler on a vCPU writes its EOI now.', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }, { name: 'handler_eoi', type: 'bool', description: 'run to EOI', default: true }], from: 'Q4.6' },
    { name: 'schedule-in', description: 'kvm_sched_in on a pCPU, then entry.', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }, { name: 'cpu', type: 'int', description: 'pCPU', default: 1, min: 0, max: 63 }], from: 'Q4.8' },
    { name: 'scan-ioapic', description: 'KVM_REQ_SCAN_IOAPIC on every vCPU.', params: [], from: 'Q4.7' },
    { name: 'apicv', description: 'Activate or inhibit APICv on a vCPU (kvm_vcpu_update_apicv).', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }, { name: 'active', type: 'bool', description: 'APICv active', default: false }], from: 'Q4.5' },
    blockAction, preemptAction, setIfAction, writeRteAction('Q4.io'), ioapicEoiAction('Q4.io'), restoreIoapicAction('Q4.io'),
    writeTprAction('Q4.8t'), writeSvrAction('Q4.lw'), setLapicAction('Q4.lw'), writeLvtAction('Q4.lw'),
  ],
  initialState: (profile) => newKvmState(profile),
  validate: kvmValidate,
  stateDoc: KVM_STATE_DOC,
};
