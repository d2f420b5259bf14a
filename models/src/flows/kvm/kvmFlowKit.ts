// Shared pieces of the KVM flows: run options from a step context, the per-target queue, state docs, common
// scenario actions (block, preempt, set IF) and validation; the IO-APIC writes are in kvmIoapicWrite.ts. The semantics are in kvmMachine.ts.

import { ActionSpec, HandOff, Link, ParamValues, Step, StepBranch, StepContext, StepResult } from '../../core/types';
import { ModelError } from '../../core/types';
import { vcpuProblems } from '../../components/vcpu';
import { KvmState, RunOptions, checkBlock, kvmProblems, makeRedeliver, paramProblems, piPut, vname } from './kvmMachine';

/** A step's link to a Linux function (KVM, VFIO, the IOMMU driver and the guest all live in the Linux tree). */
export const linuxLink = (symbol: string, file: string, extra: Partial<Link> = {}): Link => ({ codebase: 'linux', symbol, file, ...extra });
export const KVM_LAPIC_FILE = 'arch/x86/kvm/lapic.c';
export const KVM_IOAPIC_FILE = 'arch/x86/kvm/ioapic.c';
export const KVM_X86_FILE = 'arch/x86/kvm/x86.c';
export const KVM_VMX_FILE = 'arch/x86/kvm/vmx/vmx.c';
export const KVM_POSTED_INTR_FILE = 'arch/x86/kvm/vmx/posted_intr.c';
export const KVM_POSTED_INTR_HEADER = 'arch/x86/kvm/vmx/posted_intr.h';

export type Ctx = StepContext<KvmState>;

/**
 * The branches of a kvm_irq_delivery_to_apic step, one per routing path (routeIrq), all leading to `next`. Every path
 * can be taken from a scenario: an ICR write chooses the shorthand and destination mode freely.
 */
export function routingBranches(next: string): StepBranch[] {
  return [
    { name: 'fast-self', when: 'SELF shorthand: the sending vCPU itself', next },
    { name: 'fast-physical', when: 'physical destination: phys_map[dest]', next },
    { name: 'fast-logical', when: 'logical destination: the flat or cluster map', next },
    { name: 'slow-broadcast', when: 'physical broadcast destination (0xff, x2APIC 0xffffffff): kvm_apic_match_dest over every vCPU', next },
    { name: 'slow-shorthand', when: 'all-including-self / all-excluding-self shorthand: kvm_apic_match_dest over every vCPU', next },
  ];
}

/**
 * Options for delivering from a step: a target that is to run (kicked, woken, notified) is not run here but handed to
 * its own context — `handOffs` collects that work (the home ids of the steps it starts at: Q3.5, Q4.3, Q4.4, Q4.8),
 * which the step returns as its `handOff` (localizeKvm turns the ids into the flow's copies).
 */
export function runOptions(ctx: Ctx, run = true): RunOptions {
  const handOffs: HandOff[] = [];
  const base = { emit: ctx.emit, profile: ctx.profile, handOffs };
  return { ...base, redeliver: makeRedeliver(ctx.state, base, run) };
}

/** `r` with the hand-offs `o` collected added to its own. */
export function withHandOffs(r: StepResult, o: RunOptions): StepResult {
  if (o.handOffs.length === 0) return r;
  return { ...r, handOff: [...(r.handOff ?? []), ...o.handOffs] };
}

// ---- shared steps ------------------------------------------------------------------------------------
/** A step of flow F keeps its id; a step of another KVM flow run inside F is `<id>@F` (ids stay unique across flows). */
export function kvmLocalId(flowId: string, id: string): string {
  const home = id.split('@')[0];
  return home.split('.')[0] === flowId ? home : `${home}@${flowId}`;
}

/**
 * The steps of flow `flowId` with every id, `next` and hand-off mapped to the flow's own copies: a shared step (the
 * target vCPU's entry, delivery and EOI steps of Q3 and Q4) runs as `Q3.5@Q10` inside Q10, its code unchanged.
 */
export function localizeKvm(flowId: string, steps: Step<KvmState>[]): Step<KvmState>[] {
  const loc = (id: string): string => kvmLocalId(flowId, id);
  return steps.map((s) => ({
    ...s,
    id: loc(s.id),
    branches: s.branches?.map((b) => ({ ...b, next: b.next === null ? null : loc(b.next) })),
    run(ctx: Ctx): StepResult {
      const r = s.run(ctx);
      const out: StepResult = { ...r, next: r.next === null ? null : loc(r.next) };
      if (r.handOff) out.handOff = r.handOff.map((h) => ({ ...h, next: loc(h.next) }));
      return out;
    },
  }));
}

export const num = (ctx: Ctx, k: string, d: number): number => (typeof ctx.params[k] === 'number' ? (ctx.params[k] as number) : d);

/** The vCPU a step works on; a bad index is a ModelError naming the parameter. */
export function vcpuParam(ctx: Ctx, k = 'vcpu'): number {
  const i = num(ctx, k, 0);
  if (!Number.isInteger(i) || i < 0 || i >= ctx.state.vcpus.length) throw new ModelError(`parameter "${k}" = ${i}: no such vCPU (vCPUs 0..${ctx.state.vcpus.length - 1})`, k);
  return i;
}

/** Targets still to process after the current one, carried as a comma list in the `rest` parameter. */
export function restOf(params: ParamValues): number[] {
  const r = params.rest;
  return typeof r === 'string' && r !== '' ? r.split(',').map(Number) : [];
}

/** End this target's chain: go on with the next queued target at `step`, or end the flow. */
export function nextTarget(ctx: Ctx, step: string, r: Omit<StepResult, 'next' | 'params'>): StepResult {
  const rest = restOf(ctx.params);
  if (rest.length === 0) return { ...r, next: null };
  return { ...r, why: `${r.why}; next target ${vname(rest[0])}`, next: step, params: { vcpu: rest[0], rest: rest.slice(1).join(',') } };
}

export const KVM_STATE_DOC: Record<string, string> = {
  'vcpus.N.apic_id': 'APIC ID of vCPU N (physical destinations match it).',
  'vcpus.N.lapic.irr / isr / tmr': 'LAPIC IRR/ISR/TMR as sorted vector lists; with APICv they are VIRR/VISR (the virtual-APIC page is apic->regs).',
  'vcpus.N.lapic.tpr / ppr / svr_enabled / svr_directed_eoi': 'TPR, cached PPR, SVR[8], SVR[12].',
  'vcpus.N.lapic.icr / icr2': 'ICR low and high words as a read returns them (QR30): KVM clears BUSY; xAPIC ICR2 keeps bits 31:24 only.',
  'vcpus.N.lapic.esr': 'Error status: bit 6 received illegal vector (never set by KVM, QR31).',
  'vcpus.N.lapic.lvt_timer': 'LVTT: vector (0xec = 236, LOCAL_TIMER_VECTOR), masked, mode oneshot|periodic|tsc-deadline.',
  'vcpus.N.vcpu.mode': 'OUTSIDE_GUEST_MODE | IN_GUEST_MODE | EXITING_GUEST_MODE (vcpu->mode).',
  'vcpus.N.vcpu.halted / blocked / preempted': 'mp_state HALTED; asleep in kvm_vcpu_block; descheduled while runnable.',
  'vcpus.N.vcpu.pcpu / rflags_if': 'The pCPU it was loaded on; guest RFLAGS.IF.',
  'vcpus.N.vcpu.requests': 'Pending KVM requests (KVM_REQ_EVENT, KVM_REQ_UNBLOCK, KVM_REQ_SCAN_IOAPIC, KVM_REQ_LOAD_EOI_EXITMAP, KVM_REQ_IOAPIC_EOI_EXIT).',
  'vcpus.N.vcpu.rvi / svi / eoi_exit_bitmap / ioapic_handled_vectors': 'GUEST_INTR_STATUS RVI/SVI, EOI_EXIT_BITMAP0..3 and arch.ioapic_handled_vectors.',
  'vcpus.N.vcpu.intr_info / irq_window_exiting / interrupt_shadow': 'VM_ENTRY_INTR_INFO_FIELD vector (−1 none); interrupt-window exiting armed; an STI / MOV SS interrupt shadow (GUEST_INTERRUPTIBILITY_INFO) blocks interrupts for one instruction.',
  'vcpus.N.vcpu.apicv_active': 'APICv active for this vCPU (false in apicv-off profiles, or when inhibited).',
  'vcpus.N.pi_desc.pir / on / sn / nv / ndst': 'Posted-interrupt descriptor: PIR vectors, ON, SN, notification vector (0xf2 / 0xf1 wakeup), NDST pCPU.',
  'vcpus.N.timer.*': 'kvm_timer: now, tmict, tdcr, divide_count, period, target_expiration, tscdeadline (ns), pending (0/1), hv_timer_in_use, hrtimer_armed, dropped.',
  'vcpus.N.pv_eoi.msr_val / guest_byte / pending': 'MSR_KVM_PV_EOI_EN value, the guest byte, KVM_APIC_PV_EOI_PENDING.',
  'wakeup_vcpus_on_cpu.C': 'vCPUs blocked with NV = POSTED_INTR_WAKEUP_VECTOR on pCPU C.',
  'config.x2apic / vtd_pi / ipiv / hv_timer / vector_hashing': 'Guest x2APIC mode, VT-d posting usable (an assigned device: on by default only in Q5 with APICv), IPI virtualization (profile apicv-ipiv), VMX preemption timer usable, lowest-priority vector hashing.',
  'ioapic.*': 'The IO-APIC (in-kernel for kvm-inkernel/apicv-*, QEMU\'s for kvm-split*): ioredtbl.P.{vector,trig_mode,mask,dest,remote_irr}, irr, line.',
  'split_routes.P': 'kvm-split: the MSI route KVM holds for IO-APIC pin P ({vector, trig_mode, dest, dest_mode}), as QEMU last wrote it — only while the entry was unmasked; null: never routed.',
  'irte.p_pst / p_urgent / p_vector / pda': 'The device vector\'s VT-d IRTE: posted, urgent, guest vector, whose pi_desc (vCPU index).',
  'irqfd.count / route / gsi / msi / resampler / resample_count': 'The irqfd\'s eventfd counter, route type, GSI, MSI message, resampler.',
  'device.msix_masked / pba / intx_asserted / intx_masked': 'The VFIO device: MSI-X vector mask and PBA bit, INTx line and VFIO\'s INTx mask.',
};

/** validate() shared by the flows. */
export function kvmValidate(state: KvmState, params: ParamValues, profile: string): string[] {
  return [...kvmProblems(state, profile), ...paramProblems(state, params)];
}

function vcpuOf(state: KvmState, params: ParamValues): number {
  const i = Number(params.vcpu);
  if (!Number.isInteger(i) || i < 0 || i >= state.vcpus.length) throw new ModelError(`parameter "vcpu" = ${params.vcpu}: no such vCPU (vCPUs 0..${state.vcpus.length - 1})`, 'vcpu');
  return i;
}

const vcpuSpec = { name: 'vcpu', type: 'int' as const, description: 'The vCPU.', default: 1, min: 0, max: 63 };

/** `preempt {vcpu}`: `kvm_sched_out` with `on_rq` → `vmx_vcpu_pi_put` (QR20, QR21: SN := 1 when PI wakeup is needed). */
export const preemptAction: ActionSpec<KvmState> = {
  name: 'preempt',
  description: 'The host scheduler preempts the vCPU thread (kvm_sched_out with on_rq): preempted := 1, vmx_vcpu_pi_put.',
  params: [vcpuSpec],
  apply(state, params) {
    const i = vcpuOf(state, params);
    const v = state.vcpus[i].vcpu;
    if (v.blocked) throw new ModelError(`${vname(i)} is blocked: a blocked vCPU is not preempted`, 'vcpu');
    v.mode = 'OUTSIDE_GUEST_MODE';
    v.preempted = true;
    const r = piPut(state, i);
    return `${vname(i)} preempted on pCPU ${v.pcpu}: mode OUTSIDE_GUEST_MODE; vmx_vcpu_pi_put: ${r.why}`;
  },
};

/** `set-if {vcpu, if}`: the guest executes CLI/STI (RFLAGS.IF). */
export const setIfAction: ActionSpec<KvmState> = {
  name: 'set-if',
  description: 'The guest sets or clears RFLAGS.IF (STI/CLI).',
  params: [vcpuSpec, { name: 'if', type: 'bool', description: 'RFLAGS.IF', default: true }],
  apply(state, params) {
    const i = vcpuOf(state, params);
    state.vcpus[i].vcpu.rflags_if = params.if === true;
    return `${vname(i)} RFLAGS.IF := ${params.if === true ? 1 : 0}`;
  },
};

/** Problems with one vCPU index in state (used by actions that take one). */
export function vcpuIndexProblems(state: KvmState, i: number): string[] {
  return i < 0 || i >= state.vcpus.length ? [`no vCPU ${i}`] : vcpuProblems(state.vcpus[i].vcpu, `vcpus.${i}.vcpu`, state.pcpus);
}

/** `block {vcpu}`: HLT → `kvm_emulate_halt` → `vcpu_block` → `kvm_vcpu_check_block`; if nothing wakes it, schedule out (`vmx_vcpu_pi_put`). */
export const blockAction: ActionSpec<KvmState> = {
  name: 'block',
  description: 'The guest executes HLT: the vCPU blocks in kvm_vcpu_block unless an event is already pending (Q5.9); schedule-out runs vmx_vcpu_pi_put (Q5.8).',
  params: [vcpuSpec],
  apply(state, params) {
    const i = vcpuOf(state, params);
    const v = state.vcpus[i].vcpu;
    if (v.preempted) throw new ModelError(`${vname(i)} is preempted: it cannot execute HLT until scheduled in`, 'vcpu');
    v.mode = 'OUTSIDE_GUEST_MODE';
    v.halted = true;
    const c = checkBlock(state, i);
    if (c.runnable) {
      v.halted = false;
      return `${vname(i)} HLT: kvm_vcpu_check_block finds it runnable at once (${c.why}); it does not block`;
    }
    v.blocked = true;
    const r = piPut(state, i);
    return `${vname(i)} HLT: mp_state HALTED, blocks in kvm_vcpu_block (${c.why}); schedule-out vmx_vcpu_pi_put: ${r.why}`;
  },
};
