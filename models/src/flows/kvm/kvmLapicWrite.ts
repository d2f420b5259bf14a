// The guest's (and the VMM's) writes to the KVM LAPIC registers other than ICR and EOI, shared by the LAPIC flows:
// - TPR (`tprWriteStep`): MOV to CR8, an MMIO store to offset 0x80, or WRMSR 0x808. With APICv the CPU virtualizes
//   the write (TPR virtualization, then PPR virtualization and evaluation of pending virtual interrupts, SDM 29.1.2):
//   no exit, a vector the lower VPPR lets through is delivered at once. Without APICv but with the TPR shadow (CR8, and
//   MMIO / x2APIC MSR when the APIC page or x2APIC mode is virtualized: vmx_update_msr_bitmap_x2apic passes the TPR MSR
//   through), the write exits only when it drops below TPR_THRESHOLD (handle_tpr_below_threshold → kvm_apic_update_ppr).
//   Without the TPR shadow every write exits: handle_cr → kvm_set_cr8 → kvm_lapic_set_tpr, the APIC-access / MMIO
//   exit or kvm_x2apic_msr_write → kvm_lapic_reg_write(APIC_TASKPRI) → apic_set_tpr → apic_update_ppr, which raises
//   KVM_REQ_EVENT when an IRR vector now beats the PPR.
// - SPIV, LVT entries and KVM_SET_LAPIC (`lapicRegWriteStep`): kvm_lapic_reg_write(APIC_SPIV) keeps bit 12 only when
//   LVR[24] advertises it and masks every LVT entry when bit 8 is cleared; an LVT write is forced masked while the APIC
//   is software-disabled, and an LVTT mode change into or out of TSC-deadline cancels the timer (apic_update_lvtt).
//   KVM_SET_LAPIC (kvm_apic_set_state) copies SPIV as given — bit 12 too, even though kvm_apic_set_version then leaves
//   LVR[24] clear on the in-kernel irqchip — and raises KVM_REQ_EVENT; the in-kernel IO-APIC then keeps Remote-IRR on
//   every level EOI from that vCPU (kvm_ioapic_update_eoi_one reads SPIV bit 12), until a guest SPIV write drops it.

import { ActionSpec, ModelError, Step, StepResult } from '../../core/types';
import { deliverableVector, highest, updatePpr, writeSvr } from '../../components/lapic';
import { recognised } from '../../components/apicv';
import { makeRequest } from '../../components/vcpu';
import { hex, KvmState, profileConfig, vname } from './kvmState';
import { guestServicesDevice } from './kvmEntry';
import { Ctx, KVM_LAPIC_FILE, KVM_VMX_FILE, KVM_X86_FILE, linuxLink, num, vcpuParam } from './kvmFlowKit';

const vcpuSpec = { name: 'vcpu', type: 'int' as const, description: 'vCPU', default: 1, min: 0, max: 63 };

/** The register access a TPR write uses; MMIO only in xAPIC mode, the MSR only in x2APIC mode (as the ICR write). */
function tprVia(ctx: Ctx, i: number): 'cr8' | 'mmio' | 'msr' {
  const via = String(ctx.params.via ?? 'cr8');
  const x2 = ctx.state.config.x2apic;
  if (via === 'mmio' && x2) throw new ModelError(`${vname(i)} is in x2APIC mode: the xAPIC TPR at offset 0x80 is not accessible, write MSR 0x808 (via "msr") or CR8`, 'via');
  if (via === 'msr' && !x2) throw new ModelError(`${vname(i)} is in xAPIC mode: MSR 0x808 exists only in x2APIC mode (the x2apic action)`, 'via');
  if (via !== 'cr8' && via !== 'mmio' && via !== 'msr') throw new ModelError(`via = ${via}: one of cr8, mmio, msr`, 'via');
  return via;
}

const VIA_TEXT = { cr8: 'MOV to CR8', mmio: 'MMIO store to TPR (offset 0x80)', msr: 'WRMSR 0x808' };
const EXIT_PATH = {
  cr8: 'CR-access exit: handle_cr → kvm_set_cr8 → kvm_lapic_set_tpr',
  mmio: 'APIC-access exit: kvm_lapic_reg_write(APIC_TASKPRI)',
  msr: 'MSR-write exit: kvm_x2apic_msr_write → kvm_lapic_reg_write(APIC_TASKPRI)',
};

/**
 * A TPR write step: `exitNext` is where a write that exits resumes (vcpu_run), `virtualNext` where the CPU evaluates
 * pending virtual interrupts after a virtualized write (APICv); null when the flow does not follow that path.
 */
export function tprWriteStep(id: string, exitNext: string | null, virtualNext: string | null): Step<KvmState> {
  return {
    id,
    title: 'guest TPR write (CR8 / MMIO / MSR 0x808)',
    role: 'The guest writes its TPR. APICv: TPR virtualization, no exit; the CPU re-evaluates pending virtual interrupts. TPR shadow: no exit unless the write drops below TPR_THRESHOLD, then handle_tpr_below_threshold recomputes PPR. No TPR shadow: the write exits into apic_set_tpr → apic_update_ppr. A held-back vector that now beats the PPR is injected (QR2, QR3, QR34).',
    component: 'lapic',
    links: [
      linuxLink('handle_tpr_below_threshold', KVM_VMX_FILE), linuxLink('kvm_apic_update_ppr', KVM_LAPIC_FILE), linuxLink('apic_update_ppr', KVM_LAPIC_FILE),
      linuxLink('update_cr8_intercept', KVM_X86_FILE), linuxLink('vmx_update_cr8_intercept', KVM_VMX_FILE),
      linuxLink('kvm_set_cr8', KVM_X86_FILE), linuxLink('kvm_lapic_set_tpr', KVM_LAPIC_FILE), linuxLink('apic_set_tpr', KVM_LAPIC_FILE),
      linuxLink('vmx_update_msr_bitmap_x2apic', KVM_VMX_FILE, { note: 'the x2APIC TPR MSR is passed through whenever x2APIC mode is virtualized' }),
    ],
    contracts: [
      { id: `${id}-ppr`, text: 'a TPR write recomputes the PPR and asks for an injection when an IRR vector now beats it', source: 'QR34', codebase: 'linux', symbol: 'apic_update_ppr', check: { kind: 'calls', anyOf: ['kvm_make_request'] } },
    ],
    rules: ['QR2', 'QR3', 'QR34'],
    branches: [
      { name: 'no-exit', when: 'TPR shadow: the new TPR class is not below TPR_THRESHOLD, the shadow absorbs the write (no exit)', next: null },
      { name: 'below-threshold', when: 'TPR shadow: the write drops below TPR_THRESHOLD: TPR-below-threshold exit, PPR recomputed; KVM_REQ_EVENT if an IRR vector now beats it', next: exitNext },
      { name: 'exit-write', when: 'no TPR shadow: the write exits and apic_set_tpr → apic_update_ppr runs; KVM_REQ_EVENT if an IRR vector now beats the PPR', next: exitNext },
      { name: 'tpr-virtualized', when: 'APICv: VTPR written with no exit; PPR virtualization and evaluation of pending virtual interrupts follow', next: virtualNext },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const v = slot.vcpu;
      const via = tprVia(ctx, i);
      const value = num(ctx, 'tpr', 0) & 0xff;
      const before = slot.lapic.tpr;
      slot.lapic.tpr = value;
      const head = `${VIA_TEXT[via]}: TPR ${hex(before)} → ${hex(value)}`;
      if (v.apicv_active) {
        updatePpr(slot.lapic);
        const now = recognised(slot.lapic, v);
        const why = `${head}; APICv: TPR virtualization, no exit; VPPR := ${hex(slot.lapic.ppr)}, RVI ${hex(v.rvi)} ${now ? 'now beats it: delivered by the CPU' : 'does not beat it'}`;
        if (virtualNext === null) return { branch: 'tpr-virtualized', why, next: null };
        return { branch: 'tpr-virtualized', why, next: virtualNext, params: { vcpu: i, rest: '' } };
      }
      if (ctx.params.tpr_shadow !== false) {
        if (value >> 4 >= v.tpr_threshold) return { branch: 'no-exit', why: `${head}: class ${value >> 4} is not below TPR_THRESHOLD ${v.tpr_threshold}, the TPR shadow absorbs the write (no exit)`, next: null };
        v.mode = 'OUTSIDE_GUEST_MODE';
        const vec = pprUpdate(ctx.state, i);
        return { branch: 'below-threshold', why: `${head} is below TPR_THRESHOLD ${v.tpr_threshold}: TPR-below-threshold exit, PPR := ${hex(slot.lapic.ppr)}${vec >= 0 ? `; IRR ${hex(vec)} now beats it: KVM_REQ_EVENT` : ''}`, next: exitNext, params: { vcpu: i } };
      }
      v.mode = 'OUTSIDE_GUEST_MODE';
      const vec = pprUpdate(ctx.state, i);
      return { branch: 'exit-write', why: `${head}; no TPR shadow: ${EXIT_PATH[via]} → apic_set_tpr → apic_update_ppr: PPR := ${hex(slot.lapic.ppr)}${vec >= 0 ? `; IRR ${hex(vec)} now beats it: KVM_REQ_EVENT` : '; nothing newly deliverable'}`, next: exitNext, params: { vcpu: i } };
    },
  };
}

/** apic_update_ppr: PPR recomputed, KVM_REQ_EVENT when an IRR vector beats it; returns that vector or −1. */
function pprUpdate(s: KvmState, i: number): number {
  const slot = s.vcpus[i];
  updatePpr(slot.lapic);
  const vec = deliverableVector(slot.lapic, 'kvm');
  if (vec >= 0) makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
  return vec;
}

/** `write-tpr {vcpu, tpr, via, tpr_shadow}` for a flow whose TPR step is `stepId`. */
export function writeTprAction(stepId: string, vcpu = 1): ActionSpec<KvmState> {
  return {
    name: 'write-tpr',
    description: 'The guest writes its TPR on a vCPU: MOV CR8 (via cr8), the xAPIC TPR at 0x80 (via mmio) or x2APIC MSR 0x808 (via msr).',
    params: [
      { ...vcpuSpec, default: vcpu },
      { name: 'tpr', type: 'int', description: 'new TPR', default: 0, min: 0, max: 255 },
      { name: 'via', type: 'enum', description: 'cr8, mmio (xAPIC 0x80) or msr (x2APIC 0x808)', default: 'cr8', values: ['cr8', 'mmio', 'msr'] },
      { name: 'tpr_shadow', type: 'bool', description: 'the VMCS TPR shadow is in use (false: every TPR write exits, as without flexpriority)', default: true },
    ],
    from: stepId,
  };
}

type LvtName = 'timer' | 'lint0' | 'lint1';

/** The step `<flow>.lw`: kvm_lapic_reg_write for SPIV and the LVT entries, and KVM_SET_LAPIC's SPIV. */
export function lapicRegWriteStep(id: string): Step<KvmState> {
  return {
    id,
    title: 'kvm_lapic_reg_write (SPIV, LVT) / KVM_SET_LAPIC',
    role: 'A guest SPIV write keeps bit 12 only when LVR[24] advertises directed EOI and masks every LVT when it clears bit 8; an LVT write is forced masked while the APIC is software-disabled, and a timer mode change to or from TSC-deadline stops the timer. KVM_SET_LAPIC copies SPIV as given, bit 12 included (QR13, QR33).',
    component: 'lapic',
    links: [
      linuxLink('kvm_lapic_reg_write', KVM_LAPIC_FILE), linuxLink('apic_set_spiv', KVM_LAPIC_FILE), linuxLink('apic_update_lvtt', KVM_LAPIC_FILE),
      linuxLink('kvm_apic_set_state', KVM_LAPIC_FILE, { note: 'KVM_SET_LAPIC' }), linuxLink('kvm_apic_set_version', KVM_LAPIC_FILE),
    ],
    contracts: [
      { id: `${id}-spiv-mask`, text: 'a guest SPIV write keeps bit 12 only when LVR advertises directed EOI', source: 'QR13', codebase: 'linux', symbol: 'kvm_lapic_reg_write', check: { kind: 'mentions', anyOf: ['APIC_LVR_DIRECTED_EOI'] } },
      { id: `${id}-restore-spiv`, text: 'KVM_SET_LAPIC sets SPIV from the restored registers', source: 'QR33', codebase: 'linux', symbol: 'kvm_apic_set_state', check: { kind: 'calls', anyOf: ['apic_set_spiv'] } },
    ],
    rules: ['QR13', 'QR33'],
    branches: [
      { name: 'svr-written', when: 'SPIV written; bit 12 kept only if LVR[24] is set', next: null },
      { name: 'directed-eoi-dropped', when: 'the guest asked for bit 12 but LVR[24] is clear: the mask drops it', next: null },
      { name: 'apic-disabled', when: 'SPIV bit 8 cleared: the APIC is software-disabled and every LVT entry is masked', next: null },
      { name: 'restored', when: 'KVM_SET_LAPIC: SPIV copied as given; KVM_REQ_EVENT', next: null },
      { name: 'restored-directed-eoi-without-lvr', when: 'KVM_SET_LAPIC with SPIV bit 12 while LVR[24] is clear: accepted as given; the in-kernel IO-APIC keeps Remote-IRR on this vCPU\'s level EOIs', next: null },
      { name: 'lvt-written', when: 'an LVT entry written (forced masked while the APIC is software-disabled)', next: null },
      { name: 'lvtt-mode-change-stops-timer', when: 'an LVTT write switches into or out of TSC-deadline mode: the timer is cancelled, TMICT and the deadline cleared', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const l = slot.lapic;
      const op = String(ctx.params.op ?? 'svr');
      if (op === 'svr' || op === 'set-lapic') {
        const value = num(ctx, 'svr', 0x1ff);
        const asked = (value & 0x1000) !== 0;
        if (op === 'set-lapic') {
          // kvm_apic_set_state: apic_set_spiv(raw SPIV), memcpy of the registers, kvm_apic_set_version (LVR[24] only
          // for an x2APIC guest on a split irqchip), apic_update_ppr, KVM_REQ_EVENT.
          l.spurious_vector = value & 0xff;
          l.svr_enabled = (value & 0x100) !== 0;
          l.svr_directed_eoi = asked;
          l.lvr_directed_eoi = profileConfig(ctx.profile).split && ctx.state.config.x2apic;
          updatePpr(l);
          makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
          const odd = asked && !l.lvr_directed_eoi;
          if (odd) ctx.emit({ kind: 'note', target: vname(i), what: 'SPIV bit 12', detail: 'KVM_SET_LAPIC accepted directed EOI although LVR[24] is clear: level EOIs from this vCPU no longer clear Remote-IRR in the in-kernel IO-APIC' });
          return { branch: odd ? 'restored-directed-eoi-without-lvr' : 'restored', why: `KVM_SET_LAPIC on ${vname(i)}: SPIV := ${hex(value)} as given (bit 12 ${asked ? 'set' : 'clear'}); kvm_apic_set_version: LVR[24] ${l.lvr_directed_eoi ? 'set' : 'clear'}; KVM_REQ_EVENT`, next: null };
        }
        writeSvr(l, value & (0x3ff | (l.lvr_directed_eoi ? 0x1000 : 0)));
        const parts = [`kvm_lapic_reg_write(APIC_SPIV, ${hex(value)}) on ${vname(i)}: SPIV := ${hex((l.svr_directed_eoi ? 0x1000 : 0) | (l.svr_enabled ? 0x100 : 0) | l.spurious_vector)}`];
        if (!l.svr_enabled) {
          l.lvt_timer.masked = true;
          l.lvt_lint0.masked = true;
          l.lvt_lint1.masked = true;
          slot.timer.pending = 0;
          parts.push('bit 8 clear: the APIC is software-disabled, every LVT entry masked, timer pending := 0');
          return { branch: 'apic-disabled', why: parts.join('; '), next: null };
        }
        if (asked && !l.svr_directed_eoi) return { branch: 'directed-eoi-dropped', why: `${parts[0]}; bit 12 dropped: LVR[24] does not advertise directed EOI (mask 0x3ff)`, next: null };
        return { branch: 'svr-written', why: parts[0], next: null };
      }
      if (op === 'lvt') {
        const which = String(ctx.params.lvt ?? 'timer') as LvtName;
        const masked = ctx.params.masked === true || !l.svr_enabled;
        const vector = num(ctx, 'vector', 0xec) & 0xff;
        const forced = !l.svr_enabled && ctx.params.masked !== true ? ' (forced masked: the APIC is software-disabled)' : '';
        if (which === 'timer') {
          const old = l.lvt_timer.mode;
          const mode = (ctx.params.mode === undefined || ctx.params.mode === 'keep' ? old : String(ctx.params.mode)) as LapicTimerMode;
          if (mode !== 'oneshot' && mode !== 'periodic' && mode !== 'tsc-deadline') throw new ModelError(`mode = ${mode}: LVTT takes oneshot, periodic or tsc-deadline`, 'mode');
          l.lvt_timer = { vector, masked, mode };
          const head = `LVTT := vector ${hex(vector)}, ${mode}${masked ? ', masked' : ''}${forced}`;
          if ((old === 'tsc-deadline') !== (mode === 'tsc-deadline')) {
            const t = slot.timer;
            Object.assign(t, { tmict: 0, period: 0, tscdeadline: 0, target_expiration: 0, hrtimer_armed: false, hv_timer_in_use: false });
            return { branch: 'lvtt-mode-change-stops-timer', why: `${head}; apic_update_lvtt: ${old} → ${mode} crosses TSC-deadline: cancel_apic_timer, TMICT := 0, period and deadline := 0`, next: null };
          }
          return { branch: 'lvt-written', why: `${head}; apic_update_lvtt: timer mode ${old === mode ? 'unchanged' : `${old} → ${mode}`}`, next: null };
        }
        const cur = which === 'lint0' ? l.lvt_lint0 : l.lvt_lint1;
        const mode = ctx.params.mode === undefined || ctx.params.mode === 'keep' ? cur.mode : String(ctx.params.mode);
        if (mode !== 'fixed' && mode !== 'extint' && mode !== 'nmi') throw new ModelError(`mode = ${mode}: LINT0/LINT1 take fixed, extint or nmi`, 'mode');
        const entry = { vector, masked, mode: mode as 'fixed' | 'extint' | 'nmi' };
        if (which === 'lint0') l.lvt_lint0 = entry;
        else l.lvt_lint1 = entry;
        return { branch: 'lvt-written', why: `${which === 'lint0' ? 'LVT0' : 'LVT1'} := vector ${hex(vector)}, ${mode}${masked ? ', masked' : ''}${forced}`, next: null };
      }
      throw new ModelError(`op = ${op}: one of svr, set-lapic, lvt`, 'op');
    },
  };
}

type LapicTimerMode = 'oneshot' | 'periodic' | 'tsc-deadline';

/** `write-svr {vcpu, svr}`: the guest writes SPIV (xAPIC 0xF0 / x2APIC MSR 0x80F). */
export function writeSvrAction(stepId: string, vcpu = 1): ActionSpec<KvmState> {
  return {
    name: 'write-svr', description: 'The guest writes its spurious-interrupt vector register (SPIV): bit 8 enables the APIC, bit 12 asks for directed EOI.',
    params: [{ ...vcpuSpec, default: vcpu }, { name: 'op', type: 'enum', description: 'register operation', default: 'svr', values: ['svr'] }, { name: 'svr', type: 'int', description: 'value written', default: 0x11ff, min: 0, max: 0xffff }],
    from: stepId,
  };
}

/** `set-lapic {vcpu, svr}`: the VMM's KVM_SET_LAPIC with this SPIV (the other registers as they are). */
export function setLapicAction(stepId: string, vcpu = 1): ActionSpec<KvmState> {
  return {
    name: 'set-lapic', description: 'The VMM restores a vCPU\'s LAPIC (KVM_SET_LAPIC) with this SPIV value; the other registers keep their current state.',
    params: [{ ...vcpuSpec, default: vcpu }, { name: 'op', type: 'enum', description: 'register operation', default: 'set-lapic', values: ['set-lapic'] }, { name: 'svr', type: 'int', description: 'restored SPIV', default: 0x11ff, min: 0, max: 0xffff }],
    from: stepId,
  };
}

/** `write-lvt {vcpu, lvt, vector, masked, mode}`: the guest writes an LVT entry. */
export function writeLvtAction(stepId: string, vcpu = 1): ActionSpec<KvmState> {
  return {
    name: 'write-lvt', description: 'The guest writes an LVT entry: the timer (LVTT), LINT0 or LINT1 — vector, mask and mode.',
    params: [
      { ...vcpuSpec, default: vcpu },
      { name: 'op', type: 'enum', description: 'register operation', default: 'lvt', values: ['lvt'] },
      { name: 'lvt', type: 'enum', description: 'which entry', default: 'timer', values: ['timer', 'lint0', 'lint1'] },
      { name: 'vector', type: 'int', description: 'vector', default: 0xec, min: 0, max: 255 },
      { name: 'masked', type: 'bool', description: 'mask bit', default: false },
      { name: 'mode', type: 'enum', description: 'keep the current mode, or timer: oneshot, periodic, tsc-deadline; LINT: fixed, extint, nmi', default: 'keep', values: ['keep', 'oneshot', 'periodic', 'tsc-deadline', 'fixed', 'extint', 'nmi'] },
    ],
    from: stepId,
  };
}

/**
 * The step `<flow>.eoi` for flows that run the guest through the shared vCPU steps (Q9, Q10): the guest handler that
 * left its vector in service (handler_eoi false) writes EOI now. Without APICv the write goes on as Q3's EOI steps
 * (Q3.9: a trap or a PV EOI, apic_set_eoi, the IO-APIC), with APICv as the CPU's EOI virtualization (Q4.6); the vCPU
 * then takes what the lower PPR lets through (QR7, QR35).
 */
export function guestEoiStep(id: string): Step<KvmState> {
  return {
    id,
    title: 'guest EOI write (trap, EOI virtualization or PV EOI)',
    role: 'A guest handler that kept its vector in service writes its EOI now: without APICv the write traps into apic_set_eoi (or clears the PV EOI byte), with APICv the CPU virtualizes it; the steps that follow clear the highest in-service vector, tell the IO-APIC when it handles the vector, and deliver what the lower PPR now lets through (QR7, QR35).',
    component: 'lapic',
    operation: 'lapic.eoi',
    links: [linuxLink('kvm_lapic_set_eoi', KVM_LAPIC_FILE), linuxLink('apic_set_eoi', KVM_LAPIC_FILE), linuxLink('kvm_apic_set_eoi_accelerated', KVM_LAPIC_FILE), linuxLink('kvm_guest_apic_eoi_write', 'arch/x86/kernel/kvm.c')],
    rules: ['QR7', 'QR35'],
    branches: [
      { name: 'stray', when: 'nothing is in service: a stray EOI changes nothing', next: null },
      { name: 'trap', when: 'APICv inactive: the EOI write goes to the LAPIC emulation (it traps; with PV EOI armed Q3.9 finds the byte instead)', next: 'Q3.9' },
      { name: 'eoi-virtualization', when: 'APICv active: the handler services its device and the CPU virtualizes the EOI write', next: 'Q4.6' },
    ],
    // Until the vCPU's run became steps, this step took the EOI path itself; the steps after it take it now.
    formerBranches: {
      'virtualized-no-exit': { step: 'Q4.6', branch: 'no-exit' },
      'eoi-induced-exit': { step: 'Q4.6', branch: 'eoi-exit' },
      'pv-eoi-no-exit': { step: 'Q3.9', branch: 'pv-eoi-no-exit' },
    },
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const inService = slot.vcpu.apicv_active ? slot.vcpu.svi > 0 : slot.lapic.isr.length > 0;
      if (!inService) return { branch: 'stray', why: `${vname(i)}: ISR is empty, a stray EOI (QR7)`, next: null };
      const params = { vcpu: i, rest: '', eoi_vcpu: -1 };
      if (!slot.vcpu.apicv_active) return { branch: 'trap', why: `${vname(i)} writes EOI for ${hex(highest(slot.lapic.isr))}: APICv inactive, the write reaches KVM's LAPIC emulation`, next: 'Q3.9', params };
      const lowered = ctx.params.handler_clears_line === false ? [] : guestServicesDevice(ctx.state, slot.vcpu.svi, ctx.profile);
      return { branch: 'eoi-virtualization', why: `${vname(i)} writes EOI for SVI ${hex(slot.vcpu.svi)}${lowered.length ? ` after servicing its device (pin ${lowered.join(', ')} line falls)` : ''}: APICv, EOI virtualization`, next: 'Q4.6', params };
    },
  };
}

/** `eoi {vcpu, handler_eoi}`: the guest handler on a vCPU writes its EOI now (the later deliveries run to EOI unless handler_eoi is false). */
export function guestEoiAction(stepId: string, vcpu = 1): ActionSpec<KvmState> {
  return {
    name: 'eoi', description: 'The guest handler on a vCPU writes its EOI now.',
    params: [{ ...vcpuSpec, default: vcpu }, { name: 'handler_eoi', type: 'bool', description: 'handlers of the vectors delivered next run to their EOI', default: true }],
    from: stepId,
    // The write traps (or is virtualized) on the EOI'ing vCPU's own thread, and what follows runs there.
    on: (p) => vname(typeof p.vcpu === 'number' ? p.vcpu : vcpu),
  };
}
