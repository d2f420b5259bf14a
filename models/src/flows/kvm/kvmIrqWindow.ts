// The guest's CLI / STI as a step (`<flow>.sti`), and the interrupt-window exit STI triggers. Without APICv, a vector
// kvm_check_and_inject_events could not inject because RFLAGS.IF was 0 made KVM arm interrupt-window exiting
// (vmx_enable_irq_window, Q3.6 irq-window); when the guest sets IF again the CPU exits once the STI shadow is over
// (EXIT_REASON_INTERRUPT_WINDOW), handle_interrupt_window clears the control and raises KVM_REQ_EVENT, and the vCPU's
// vcpu_run injects the vector (Q3.5 → Q3.6 on its own context). With APICv nothing exits: the CPU delivers the
// recognised virtual interrupt at the first instruction boundary with IF=1 (SDM 29.2.2, Q4.3a on the vCPU). The one
// instruction of STI shadow is not a point of its own (no scenario action runs inside one guest instruction); a vCPU
// found in a shadow (vcpu.interrupt_shadow, e.g. right after MOV SS) arms the window the same way and exits when the
// shadow ends (Q3.5e shadow-ends-window-exit).

import { ActionSpec, Step, StepResult } from '../../core/types';
import { recognised } from '../../components/apicv';
import { makeRequest } from '../../components/vcpu';
import { hex, KvmState, vname } from './kvmState';
import { pendingWhat } from './kvmRun';
import { KVM_VMX_FILE, KVM_X86_FILE, linuxLink, vcpuParam } from './kvmFlowKit';

/** The step `id`: the guest clears or sets RFLAGS.IF, and what KVM or the CPU then does. */
export function guestIfStep(id: string): Step<KvmState> {
  return {
    id,
    title: 'guest CLI / STI → interrupt-window exit',
    role: 'The guest clears (CLI) or sets (STI, IRET, POPF) RFLAGS.IF. Setting it with interrupt-window exiting armed exits after the STI shadow: handle_interrupt_window clears the control and raises KVM_REQ_EVENT, and vcpu_run injects the held vector on the vCPU. With APICv the CPU delivers a recognised virtual interrupt itself, with no exit (QR6, QR17).',
    component: 'vcpu',
    links: [linuxLink('handle_interrupt_window', KVM_VMX_FILE), linuxLink('vmx_enable_irq_window', KVM_VMX_FILE), linuxLink('vmx_interrupt_allowed', KVM_VMX_FILE), linuxLink('kvm_check_and_inject_events', KVM_X86_FILE)],
    contracts: [
      { id: `${id}-window-event`, text: 'the interrupt-window exit clears the window control and asks for an injection', source: 'QR6', codebase: 'linux', symbol: 'handle_interrupt_window', check: { kind: 'calls', anyOf: ['kvm_make_request'] } },
    ],
    rules: ['QR6', 'QR17'],
    branches: [
      { name: 'if-cleared', when: 'CLI: RFLAGS.IF := 0; an interrupt KVM tries to inject from now on arms interrupt-window exiting instead', next: null },
      { name: 'window-exit', when: 'STI with interrupt-window exiting armed: after the STI shadow the CPU exits, handle_interrupt_window clears the control and raises KVM_REQ_EVENT; the vCPU\'s vcpu_run injects the vector (Q3.5 on its context)', next: null },
      { name: 'virtual-delivery', when: 'STI with APICv and a recognised virtual interrupt (RVI above VPPR): the CPU delivers it with no exit (Q4.3a on the vCPU)', next: null },
      { name: 'if-set', when: 'STI with no window armed and no recognised virtual interrupt: the guest runs on', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const v = slot.vcpu;
      const params = { vcpu: i, rest: '', eoi_vcpu: -1 };
      if (ctx.params.op === 'cli') {
        v.rflags_if = false;
        return { branch: 'if-cleared', why: `${vname(i)} CLI: RFLAGS.IF := 0`, next: null };
      }
      v.rflags_if = true;
      // The STI shadow covers the next instruction only; the window exit comes right after it.
      v.interrupt_shadow = false;
      if (v.irq_window_exiting && !v.apicv_active) {
        v.irq_window_exiting = false;
        v.mode = 'OUTSIDE_GUEST_MODE';
        makeRequest(v, 'KVM_REQ_EVENT');
        return {
          branch: 'window-exit', why: `${vname(i)} STI: RFLAGS.IF := 1; interrupt-window exiting is armed, so after the STI shadow EXIT_REASON_INTERRUPT_WINDOW → handle_interrupt_window: CPU_BASED_INTR_WINDOW_EXITING cleared, KVM_REQ_EVENT (${pendingWhat(ctx.state, i)})`,
          next: null, handOff: [{ next: 'Q3.5', to: vname(i), params }],
        };
      }
      if (v.apicv_active && recognised(slot.lapic, v)) {
        return { branch: 'virtual-delivery', why: `${vname(i)} STI: RFLAGS.IF := 1; RVI ${hex(v.rvi)} is recognised: the CPU delivers it at the next instruction boundary, no exit (SDM 29.2.2)`, next: null, handOff: [{ next: 'Q4.3a', to: vname(i), params }] };
      }
      return { branch: 'if-set', why: `${vname(i)} STI: RFLAGS.IF := 1; no interrupt window armed${v.apicv_active ? ' and no recognised virtual interrupt' : ''}: the guest runs on`, next: null };
    },
  };
}

const vcpuSpec = { name: 'vcpu', type: 'int' as const, description: 'vCPU', default: 1, min: 0, max: 63 };

/** `sti {vcpu}` and `cli {vcpu}`: the guest sets or clears RFLAGS.IF through the step `stepId`. */
export function guestIfActions(stepId: string): ActionSpec<KvmState>[] {
  return [
    { name: 'sti', description: 'The guest executes STI (or IRET/POPF with IF=1): an armed interrupt window exits and the held vector is injected; with APICv a recognised virtual interrupt is delivered.', params: [vcpuSpec, { name: 'op', type: 'enum', description: 'instruction', default: 'sti', values: ['sti'] }], from: stepId },
    { name: 'cli', description: 'The guest executes CLI: RFLAGS.IF := 0.', params: [vcpuSpec, { name: 'op', type: 'enum', description: 'instruction', default: 'cli', values: ['cli'] }], from: stepId },
  ];
}
