// Flow Q12: KVM PV EOI — the guest enables MSR_KVM_PV_EOI_EN, KVM arms the shared byte before entry when the
// in-service vector is the only work, the guest's EOI clears the byte with no exit, and KVM completes the EOI at the
// next exit (rule QR23).

import { guestIfActions, guestIfStep } from './kvmIrqWindow';
import { Flow, Step, StepResult } from '../../core/types';
import { computePpr, highest } from '../../components/lapic';
import { checkRequest } from '../../components/vcpu';
import { MSR_KVM_PV_EOI_EN, KVM_MSR_ENABLED, consumeAtExit, guestTestAndClear } from '../../components/pvEoi';
import {
  KVM_PROFILES, KvmState, newKvmState, pick, irqFromParams, routeIrq, deliverOne, checkAndInject, pvEoiArm, vmEntry, apicSetEoi, guestEoi, syncPir, guestHandler, vname, hex,
} from './kvmMachine';
import { withSharedRun } from './kvmSharedRun';
import { KVM_STATE_DOC, kvmValidate, runOptions, withHandOffs, setIfAction, vcpuParam, linuxLink, KVM_LAPIC_FILE } from './kvmFlowKit';


const steps: Step<KvmState>[] = [
  {
    id: 'Q12.1',
    title: 'kvm_guest_init',
    role: 'With KVM_FEATURE_PV_EOI the guest replaces its EOI write by kvm_guest_apic_eoi_write and, per CPU, zeroes its kvm_apic_eoi byte and writes its address | KVM_MSR_ENABLED to MSR_KVM_PV_EOI_EN.',
    component: 'pv_eoi',
    links: [linuxLink('kvm_guest_init', 'arch/x86/kernel/kvm.c'), linuxLink('apic_set_eoi_write', 'arch/x86/kernel/apic/apic.c'), linuxLink('kvm_guest_cpu_init', 'arch/x86/kernel/kvm.c')],
    branches: [
      { name: 'no-feature', when: 'CPUID lacks KVM_FEATURE_PV_EOI: the guest keeps native_eoi_write', next: null },
      { name: 'enable', when: 'the guest zeroes its PV EOI byte and writes its address | KVM_MSR_ENABLED to MSR_KVM_PV_EOI_EN', next: 'Q12.2' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      if (ctx.params.pv_eoi_feature === false) return { branch: 'no-feature', why: 'CPUID lacks KVM_FEATURE_PV_EOI: the guest keeps native_eoi_write', next: null };
      ctx.state.vcpus[i].pv_eoi.guest_byte = 0;
      return { branch: 'enable', why: `${vname(i)}: kvm_apic_eoi := 0; wrmsrl(MSR_KVM_PV_EOI_EN ${hex(MSR_KVM_PV_EOI_EN)}, __pa(&kvm_apic_eoi) | KVM_MSR_ENABLED)`, next: 'Q12.2' };
    },
  },
  {
    id: 'Q12.2',
    title: 'kvm_lapic_set_pv_eoi',
    role: 'KVM records the guest byte\'s address (4-byte aligned, through a gfn_to_hva cache) in pv_eoi.msr_val.',
    component: 'pv_eoi',
    links: [linuxLink('kvm_set_msr_common', 'arch/x86/kvm/x86.c'), linuxLink('kvm_lapic_set_pv_eoi', KVM_LAPIC_FILE)],
    branches: [
      { name: 'enabled', when: 'KVM records the guest\'s PV EOI address (pv_eoi.msr_val, enabled)', next: 'Q12.i' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      ctx.state.vcpus[i].pv_eoi.msr_val = 0x1000 | KVM_MSR_ENABLED;
      return { branch: 'enabled', why: `pv_eoi.msr_val := 0x1001 (address 0x1000 | KVM_MSR_ENABLED)`, next: 'Q12.i' };
    },
  },
  {
    id: 'Q12.i',
    title: '__apic_accept_irq',
    role: 'An interrupt for the vCPU is accepted into IRR with KVM_REQ_EVENT and a kick (no APICv) or posted (APICv).',
    component: 'lapic',
    operation: 'lapic.accept',
    links: [linuxLink('kvm_irq_delivery_to_apic', 'arch/x86/kvm/irq_comm.c'), linuxLink('__apic_accept_irq', KVM_LAPIC_FILE)],
    branches: [
      { name: 'accepted', when: 'the IO-APIC message reaches its target: __apic_accept_irq sets IRR (edge: TMR := 0, QR4)', next: 'Q12.e' },
      { name: 'no-target', when: 'the IO-APIC message selects no vCPU', next: null },
    ],
    run(ctx): StepResult {
      const irq = irqFromParams(ctx.params);
      const r = routeIrq(ctx.state, irq, -1);
      if (r.targets.length === 0) return { branch: 'no-target', why: r.why, next: null };
      const i = r.targets[0];
      const d = deliverOne(ctx.state, i, irq, -1, runOptions(ctx), false);
      return { branch: 'accepted', why: `${r.why}; ${d.log.join('; ')}`, next: 'Q12.e', params: { vcpu: i } };
    },
  },
  {
    id: 'Q12.e',
    title: 'kvm_check_and_inject_events',
    role: 'The KVM_REQ_EVENT block injects hi(IRR) (IRR→ISR, highest_isr_cache := v) and then runs kvm_lapic_sync_to_vapic.',
    component: 'lapic',
    operation: 'lapic.ack',
    links: [linuxLink('vcpu_enter_guest', 'arch/x86/kvm/x86.c'), linuxLink('kvm_check_and_inject_events', 'arch/x86/kvm/x86.c', { formerly: [{ symbol: 'inject_pending_event', in: 'Linux ≤ 5.19' }] }), linuxLink('kvm_get_apic_interrupt', KVM_LAPIC_FILE)],
    branches: [
      { name: 'nothing', when: 'APICv active: kvm_cpu_has_injectable_intr is 0 for LAPIC vectors; the CPU delivers them (QR17)', next: 'Q12.3' },
      { name: 'injected', when: 'IF=1 and the vector\'s class beats PPR: IRR→ISR and injected through VM_ENTRY_INTR_INFO_FIELD (QR5)', next: 'Q12.3' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const v = ctx.state.vcpus[i].vcpu;
      v.mode = 'OUTSIDE_GUEST_MODE';
      checkRequest(v, 'KVM_REQ_EVENT');
      const r = checkAndInject(ctx.state, i);
      return { branch: r.kind, why: r.why, next: 'Q12.3', params: { vcpu: i } };
    },
  },
  {
    id: 'Q12.3',
    title: 'apic_sync_pv_eoi_to_guest',
    role: 'Arms PV EOI (guest byte := 1, KVM_APIC_PV_EOI_PENDING) only when enabled, nothing else is in IRR, the in-service vector is known and the IO-APIC does not need its EOI; never with APICv (QR23).',
    component: 'pv_eoi',
    links: [linuxLink('kvm_lapic_sync_to_vapic', KVM_LAPIC_FILE), linuxLink('apic_sync_pv_eoi_to_guest', KVM_LAPIC_FILE), linuxLink('pv_eoi_enabled', KVM_LAPIC_FILE), linuxLink('pv_eoi_set_pending', KVM_LAPIC_FILE), linuxLink('pv_eoi_put_user', KVM_LAPIC_FILE)],
    contracts: [
      { id: 'Q12.3-conditions', text: 'does not arm while another interrupt is pending, the ISR is unknown, or the IO-APIC needs the EOI', source: 'QR23', codebase: 'linux', symbol: 'apic_sync_pv_eoi_to_guest', check: { kind: 'calls', anyOf: ['kvm_ioapic_handles_vector'] } },
    ],
    rules: ['QR23'],
    branches: [
      { name: 'irr-pending', when: 'APICv: irr_pending is always true, so PV EOI is never armed (QR23)', next: 'Q12.g' },
      { name: 'ioapic-needs-eoi', when: 'the in-service vector is in ioapic_handled_vectors: the IO-APIC needs its EOI, so PV EOI is not armed', next: 'Q12.g' },
      { name: 'armed', when: 'the in-service vector is the only work left (nothing else in IRR or ISR, not for the IO-APIC): pv_eoi_set_pending, guest byte := 1', next: 'Q12.g' },
      { name: 'disabled', when: 'pv_eoi_enabled is false (MSR_KVM_PV_EOI_EN not written): no arming', next: 'Q12.g' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const a = pvEoiArm(ctx.state, i);
      return { branch: a.decision, why: a.why, next: 'Q12.g' };
    },
  },
  {
    id: 'Q12.g',
    title: '[hw] VM entry → guest handler',
    role: 'VM entry delivers the vector (event injection, or virtual-interrupt delivery with APICv) and the guest handler runs.',
    component: 'vcpu',
    links: [linuxLink('vmx_inject_irq', 'arch/x86/kvm/vmx/vmx.c'), linuxLink('vcpu_enter_guest', 'arch/x86/kvm/x86.c')],
    branches: [
      { name: 'nothing', when: 'nothing injected: the guest runs', next: null },
      { name: 'in-service', when: 'the handler has not written EOI yet', next: null },
      { name: 'delivered', when: 'RVI\'s class beats VPPR: virtual-interrupt delivery of the vector (QR17)', next: 'Q12.4' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const s = ctx.state;
      // APICv: the CPU delivers from RVI after the PIR sync at entry.
      if (s.vcpus[i].vcpu.apicv_active) syncPir(s, i);
      const e = vmEntry(s, i);
      if (e.vector < 0) return { branch: 'nothing', why: e.why, next: null };
      ctx.emit({ kind: 'delivered', target: vname(i), handler: guestHandler(e.vector), what: `vector ${hex(e.vector)}`, detail: e.why });
      if (ctx.params.handler_eoi === false) return { branch: 'in-service', why: `${e.why}; the handler has not written EOI yet`, next: null };
      return { branch: 'delivered', why: e.why, next: 'Q12.4' };
    },
  },
  {
    id: 'Q12.4',
    title: 'kvm_guest_apic_eoi_write',
    role: 'The guest EOI: __test_and_clear_bit(KVM_PV_EOI_BIT) — if it was set, return with no APIC access and no exit; else native EOI, which traps to apic_set_eoi (QR23).',
    component: 'pv_eoi',
    operation: 'lapic.eoi',
    links: [linuxLink('kvm_guest_apic_eoi_write', 'arch/x86/kernel/kvm.c'), linuxLink('apic_set_eoi', KVM_LAPIC_FILE)],
    contracts: [
      { id: 'Q12.4-test-and-clear', text: 'tests and clears the PV EOI bit before falling back to the native EOI write', source: 'QR23', codebase: 'linux', symbol: 'kvm_guest_apic_eoi_write', check: { kind: 'calls', anyOf: ['__test_and_clear_bit'] } },
    ],
    rules: ['QR23'],
    branches: [
      { name: 'no-exit', when: 'guest byte was 1: cleared; return — no APIC access, no VM exit', next: 'Q12.5' },
      { name: 'native-apicv', when: 'guest byte was 0: native EOI write', next: null },
      { name: 'native-trap', when: 'the guest byte was 0: a native EOI write, which traps → apic_set_eoi clears the ISR bit (and tells the IO-APIC for its vectors)', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const s = ctx.state;
      const slot = s.vcpus[i];
      if (slot.pv_eoi.msr_val !== 0 && guestTestAndClear(slot.pv_eoi)) return { branch: 'no-exit', why: 'guest byte was 1: cleared; return — no APIC access, no VM exit', next: 'Q12.5' };
      const o = runOptions(ctx);
      if (slot.vcpu.apicv_active) {
        const r = guestEoi(s, i, ctx.profile, ctx.emit, o.redeliver);
        return withHandOffs({ branch: 'native-apicv', why: `guest byte was 0: native EOI write; ${r.why}`, next: null }, o);
      }
      const r = apicSetEoi(s, i, ctx.profile, ctx.emit, o.redeliver);
      return withHandOffs({ branch: 'native-trap', why: `guest byte was 0: native EOI write traps → apic_set_eoi clears ISR[${hex(r.vector)}]; ${r.ioapic}`, next: moreWork(s, i) ? 'Q12.e' : null }, o);
    },
  },
  {
    id: 'Q12.5',
    title: 'apic_sync_pv_eoi_from_guest',
    role: 'At the next exit with KVM_APIC_PV_EOI_PENDING: byte 0 means the guest EOI\'d — KVM runs apic_set_eoi for it; byte still 1 means it did not — KVM disarms it and no EOI happens (QR23).',
    component: 'pv_eoi',
    operation: 'lapic.eoi',
    links: [linuxLink('kvm_lapic_sync_from_vapic', KVM_LAPIC_FILE), linuxLink('apic_sync_pv_eoi_from_guest', KVM_LAPIC_FILE), linuxLink('pv_eoi_test_and_clr_pending', KVM_LAPIC_FILE), linuxLink('pv_eoi_get_user', KVM_LAPIC_FILE), linuxLink('apic_set_eoi', KVM_LAPIC_FILE)],
    contracts: [
      { id: 'Q12.5-eoi', text: 'completes the EOI on the guest\'s behalf when the byte was cleared', source: 'QR23', codebase: 'linux', symbol: 'apic_sync_pv_eoi_from_guest', check: { kind: 'calls', anyOf: ['apic_set_eoi'] } },
    ],
    rules: ['QR23'],
    branches: [
      { name: 'not-pending', when: 'KVM_APIC_PV_EOI_PENDING clear: nothing to sync', next: null },
      { name: 'disarmed', when: 'the guest byte is still 1 (the vector is not EOI\'d yet): KVM writes 0 and clears PENDING, no EOI', next: null },
      { name: 'guest-eoi-done', when: 'the guest byte is 0: the guest EOI\'d, so KVM runs apic_set_eoi on its behalf (and tells the IO-APIC for its vectors)', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const s = ctx.state;
      const slot = s.vcpus[i];
      if (!slot.pv_eoi.pending) return { branch: 'not-pending', why: 'KVM_APIC_PV_EOI_PENDING clear: nothing to sync', next: null };
      const r = consumeAtExit(slot.pv_eoi);
      if (r === 'disarmed') return { branch: 'disarmed', why: `guest byte still 1 (ISR[${hex(highest(slot.lapic.isr))}] not yet EOI'd): KVM writes 0, clears PENDING, no EOI`, next: null };
      const o = runOptions(ctx);
      const e = apicSetEoi(s, i, ctx.profile, ctx.emit, o.redeliver);
      return withHandOffs({ branch: 'guest-eoi-done', why: `guest byte 0: the guest EOI'd — apic_set_eoi(${hex(e.vector)}) on its behalf; ${e.ioapic}`, next: moreWork(s, i) ? 'Q12.e' : null }, o);
    },
  },
  guestIfStep('Q12.sti'),
];

function moreWork(s: KvmState, i: number): boolean {
  const slot = s.vcpus[i];
  return slot.lapic.irr.some((v) => (v & 0xf0) > computePpr(slot.lapic));
}

export const q12PvEoi: Flow<KvmState> = {
  id: 'Q12',
  name: 'KVM PV EOI',
  description: 'The guest shares a byte with KVM (MSR_KVM_PV_EOI_EN). Before entry KVM sets it when the injected vector is the only work and not IO-APIC-handled; the guest\'s EOI then only clears the byte (no VM exit) and KVM performs the EOI at the next exit. Never armed with APICv.',
  codebases: ['linux'],
  profiles: KVM_PROFILES.filter((p) => ['kvm-inkernel', 'apicv-on'].includes(p.id)),
  defaultProfile: 'kvm-inkernel',
  params: [{ name: 'vcpu', type: 'int', description: 'The vCPU enabling PV EOI.', default: 1, min: 0, max: 63 }, ...pick('vector', 'dest', 'trigger', 'handler_eoi'), { name: 'pv_eoi_feature', type: 'bool', description: 'CPUID advertises KVM_FEATURE_PV_EOI.', default: true }],
  entry: 'Q12.1',
  steps: withSharedRun('Q12', steps),
  actions: [
    ...guestIfActions('Q12.sti'),
    { name: 'enable', description: 'The guest enables PV EOI on a vCPU (then the flow\'s interrupt runs).', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }], from: 'Q12.1' },
    { name: 'send', description: 'An interrupt for the vCPU.', params: pick('vector', 'dest', 'trigger'), from: 'Q12.i' },
    { name: 'eoi', description: 'The guest handler writes its EOI now.', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }], from: 'Q12.4' },
    { name: 'exit', description: 'Any VM exit: apic_sync_pv_eoi_from_guest runs.', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }], from: 'Q12.5' },
    setIfAction,
  ],
  initialState: (profile) => newKvmState(profile),
  validate: kvmValidate,
  stateDoc: KVM_STATE_DOC,
};

