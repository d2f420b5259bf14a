// Flow Q12: KVM PV EOI — the guest enables MSR_KVM_PV_EOI_EN, KVM arms the shared byte before entry when the
// in-service vector is the only work, the guest's EOI clears the byte with no exit, and KVM completes the EOI at the
// next exit (rule QR23).
// The target vCPU's run after acceptance is the shared Q3 run (Q4's with APICv), handed to its own context like the
// other KVM flows': vcpu_run (Q3.5@Q12), injection (Q3.6/Q3.7), vmx_inject_irq with the PV EOI arming decision
// (Q3.8@Q12: apic_sync_pv_eoi_to_guest is called from kvm_lapic_sync_to_vapic there) and the entry (Q3.5e@Q12). The
// guest's EOI stays Q12's own step (Q12.4, kvm_guest_apic_eoi_write: the PV byte is tested before any APIC access),
// and so does the sync at the next exit (Q12.5), which a scenario places on its own (`exit`): a native EOI goes on
// into the shared trap (Q3.9@Q12) or EOI virtualization (Q4.6@Q12). Q12's former run steps Q12.e, Q12.3 and Q12.g
// answer for old scenarios through `formerSteps`.

import { guestIfActions, guestIfStep } from './kvmIrqWindow';
import { Flow, ParamValues, Step, StepResult } from '../../core/types';
import { highest } from '../../components/lapic';
import { MSR_KVM_PV_EOI_EN, KVM_MSR_ENABLED, consumeAtExit, guestTestAndClear } from '../../components/pvEoi';
import {
  KVM_PROFILES, KvmState, newKvmState, pick, irqFromParams, routeIrq, deliverOne, vname, hex,
} from './kvmMachine';
import { withSharedRun } from './kvmSharedRun';
import { KVM_STATE_DOC, kvmValidate, runOptions, withHandOffs, setIfAction, blockAction, preemptAction, vcpuParam, linuxLink, KVM_LAPIC_FILE } from './kvmFlowKit';


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
    role: 'An interrupt for the vCPU is accepted into IRR with KVM_REQ_EVENT and a kick (no APICv) or posted (APICv); the target\'s run is handed to its own context.',
    component: 'lapic',
    operation: 'lapic.accept',
    links: [linuxLink('kvm_irq_delivery_to_apic', 'arch/x86/kvm/irq_comm.c'), linuxLink('__apic_accept_irq', KVM_LAPIC_FILE)],
    branches: [
      { name: 'accepted', when: 'the message reaches its target: __apic_accept_irq sets IRR (edge: TMR := 0, QR4) or posts it; a kicked or notified target runs vcpu_run (Q3.5@Q12) or the CPU\'s notification processing (Q4.3@Q12) on its own context', next: null },
      { name: 'no-target', when: 'the message selects no vCPU', next: null },
    ],
    run(ctx): StepResult {
      const irq = irqFromParams(ctx.params);
      const r = routeIrq(ctx.state, irq, -1);
      if (r.targets.length === 0) return { branch: 'no-target', why: r.why, next: null };
      const i = r.targets[0];
      const o = runOptions(ctx);
      const d = deliverOne(ctx.state, i, irq, -1, o, true);
      return withHandOffs({ branch: 'accepted', why: `${r.why}; ${d.log.join('; ')}`, next: null, params: { vcpu: i } }, o);
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
      { name: 'native-apicv', when: 'guest byte was 0: native EOI write, which the CPU virtualizes (APICv: EOI virtualization, Q4.6)', next: 'Q4.6@Q12' },
      { name: 'native-trap', when: 'the guest byte was 0: a native EOI write, which traps (Q3.9) → apic_set_eoi clears the ISR bit (and tells the IO-APIC for its vectors)', next: 'Q3.9@Q12' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      if (slot.pv_eoi.msr_val !== 0 && guestTestAndClear(slot.pv_eoi)) return { branch: 'no-exit', why: 'guest byte was 1: cleared; return — no APIC access, no VM exit', next: 'Q12.5' };
      const params = { vcpu: i, rest: '', eoi_vcpu: -1 };
      if (slot.vcpu.apicv_active) return { branch: 'native-apicv', why: 'guest byte was 0: native EOI write; APICv: the CPU virtualizes it', next: 'Q4.6@Q12', params };
      return { branch: 'native-trap', why: 'guest byte was 0: native EOI write, which traps', next: 'Q3.9@Q12', params };
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
      { name: 'guest-eoi-done', when: 'the guest byte is 0: the guest EOI\'d, so KVM runs apic_set_eoi on its behalf (Q3.10, which tells the IO-APIC for its vectors)', next: 'Q3.10@Q12' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const s = ctx.state;
      const slot = s.vcpus[i];
      if (!slot.pv_eoi.pending) return { branch: 'not-pending', why: 'KVM_APIC_PV_EOI_PENDING clear: nothing to sync', next: null };
      const r = consumeAtExit(slot.pv_eoi);
      if (r === 'disarmed') return { branch: 'disarmed', why: `guest byte still 1 (ISR[${hex(highest(slot.lapic.isr))}] not yet EOI'd): KVM writes 0, clears PENDING, no EOI`, next: null };
      return { branch: 'guest-eoi-done', why: `guest byte 0: the guest EOI'd — apic_set_eoi(${hex(highest(slot.lapic.isr))}) on its behalf`, next: 'Q3.10@Q12', params: { vcpu: i, rest: '', eoi_vcpu: -1 } };
    },
  },
  guestIfStep('Q12.sti'),
];

/**
 * The shared run's steps as Q12 has them: the guest handler's EOI (after an injected entry, Q3.5e@Q12, or after
 * virtual-interrupt delivery, Q4.g@Q12) goes to kvm_guest_apic_eoi_write (Q12.4), which tests the PV byte first.
 */
function q12Steps(): Step<KvmState>[] {
  const toGuestEoi: Record<string, string> = { 'Q3.5e@Q12': 'Q3.9@Q12', 'Q4.g@Q12': 'Q4.6@Q12' };
  return withSharedRun('Q12', steps).map((s) => {
    const from = toGuestEoi[s.id];
    if (from === undefined) return s;
    return {
      ...s,
      branches: s.branches?.map((b) => (b.next === from ? { ...b, when: `${b.when}; the handler's EOI is kvm_guest_apic_eoi_write (Q12.4)`, next: 'Q12.4' } : b)),
      run(ctx): StepResult {
        const r = s.run(ctx);
        return r.next === from ? { ...r, next: 'Q12.4' } : r;
      },
    };
  });
}

const onOwnVcpu = (p: ParamValues): string => vname(typeof p.vcpu === 'number' ? p.vcpu : 1);

export const q12PvEoi: Flow<KvmState> = {
  id: 'Q12',
  name: 'KVM PV EOI',
  description: 'The guest shares a byte with KVM (MSR_KVM_PV_EOI_EN). Before entry KVM sets it when the injected vector is the only work and not IO-APIC-handled; the guest\'s EOI then only clears the byte (no VM exit) and KVM performs the EOI at the next exit. Never armed with APICv.',
  codebases: ['linux'],
  profiles: KVM_PROFILES.filter((p) => ['kvm-inkernel', 'apicv-on'].includes(p.id)),
  defaultProfile: 'kvm-inkernel',
  params: [{ name: 'vcpu', type: 'int', description: 'The vCPU enabling PV EOI.', default: 1, min: 0, max: 63 }, ...pick('vector', 'dest', 'trigger', 'handler_eoi'), { name: 'pv_eoi_feature', type: 'bool', description: 'CPUID advertises KVM_FEATURE_PV_EOI.', default: true }],
  entry: 'Q12.1',
  steps: q12Steps(),
  formerSteps: {
    // Q12 ran the target's run as its own chain until the shared Q3/Q4 run replaced it.
    'Q12.e': { now: 'Q3.6@Q12', branches: { injected: { step: 'Q3.6@Q12', branch: 'interrupt' }, nothing: { step: 'Q4.3a@Q12', branch: 'deliver' } } },
    'Q12.3': {
      now: 'Q3.8@Q12',
      branches: {
        armed: { step: 'Q3.8@Q12', branch: 'injected-pv-eoi-armed' }, 'ioapic-needs-eoi': { step: 'Q3.8@Q12', branch: 'injected' },
        disabled: { step: 'Q3.8@Q12', branch: 'injected' }, 'irr-pending': { step: 'Q4.3a@Q12', branch: 'deliver' },
      },
    },
    'Q12.g': { now: 'Q3.5e@Q12', branches: { nothing: { step: 'Q3.5e@Q12', branch: 'guest-runs' }, 'in-service': { step: 'Q3.5e@Q12', branch: 'delivered-in-service' }, delivered: { step: 'Q3.5e@Q12', branch: 'delivered' } } },
  },
  actions: [
    ...guestIfActions('Q12.sti'),
    { name: 'enable', description: 'The guest enables PV EOI on a vCPU (then the flow\'s interrupt runs).', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }], from: 'Q12.1' },
    { name: 'send', description: 'An interrupt for the vCPU.', params: pick('vector', 'dest', 'trigger'), from: 'Q12.i' },
    { name: 'eoi', description: 'The guest handler writes its EOI now.', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }], from: 'Q12.4', on: onOwnVcpu },
    { name: 'exit', description: 'Any VM exit: apic_sync_pv_eoi_from_guest runs.', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }], from: 'Q12.5', on: onOwnVcpu },
    setIfAction, blockAction, preemptAction,
  ],
  initialState: (profile) => newKvmState(profile),
  validate: kvmValidate,
  stateDoc: KVM_STATE_DOC,
};

