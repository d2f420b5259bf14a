// A KVM vCPU's interrupt-relevant state: vcpu->mode, blocked/preempted, requests, the VMCS interrupt fields
// (VM_ENTRY_INTR_INFO, GUEST_INTR_STATUS RVI/SVI, EOI-exit bitmap) and the kick rule QR20.

/** `vcpu->mode` (include/linux/kvm_host.h). READING_SHADOW_PAGE_TABLES plays no part in interrupt delivery. */
export type VcpuMode = 'OUTSIDE_GUEST_MODE' | 'IN_GUEST_MODE' | 'EXITING_GUEST_MODE';
export const VCPU_MODES: readonly VcpuMode[] = ['OUTSIDE_GUEST_MODE', 'IN_GUEST_MODE', 'EXITING_GUEST_MODE'];

/** The requests the interrupt paths raise (arch/x86/include/asm/kvm_host.h KVM_REQ_*). */
export const KVM_REQUESTS = ['KVM_REQ_EVENT', 'KVM_REQ_UNBLOCK', 'KVM_REQ_SCAN_IOAPIC', 'KVM_REQ_LOAD_EOI_EXITMAP', 'KVM_REQ_IOAPIC_EOI_EXIT'] as const;
export type KvmRequest = (typeof KVM_REQUESTS)[number];

export interface VcpuState {
  mode: VcpuMode;
  /** `arch.mp_state == KVM_MP_STATE_HALTED`: the guest executed HLT; `vcpu_run` calls `vcpu_block`. */
  halted: boolean;
  /** The vCPU thread sleeps in `kvm_vcpu_block` (halted and not yet woken). */
  blocked: boolean;
  /** `vcpu->preempted`: scheduled out while runnable (`kvm_sched_out` with on_rq). */
  preempted: boolean;
  /** The pCPU the vCPU was last loaded on (`vcpu->cpu`). */
  pcpu: number;
  /** Guest RFLAGS.IF (QR6): interrupts are accepted by the vCPU only when set, and a blocked vCPU wakes only then (QR20). */
  rflags_if: boolean;
  /** `vcpu->requests`, sorted names. */
  requests: string[];
  /** `arch.ioapic_handled_vectors`: EOIs of these vectors go to the IO-APIC (QR18). */
  ioapic_handled_vectors: number[];
  /** VMCS EOI_EXIT_BITMAP0..3 (APICv), loaded from ioapic_handled_vectors. */
  eoi_exit_bitmap: number[];
  /** GUEST_INTR_STATUS[7:0] RVI and [15:8] SVI (SDM 24.4.2). */
  rvi: number;
  svi: number;
  /** `apic->apicv_active` for this vCPU: false when APICv is off or inhibited. */
  apicv_active: boolean;
  /** VM_ENTRY_INTR_INFO_FIELD: the vector KVM injects at the next entry, −1 for none (Q3.8). */
  intr_info: number;
  /** VMCS TPR_THRESHOLD (no APICv): a guest TPR write below it exits (`update_cr8_intercept`). */
  tpr_threshold: number;
  /** CPU_BASED_INTR_WINDOW_EXITING armed by `vmx_enable_irq_window` (QR6). */
  irq_window_exiting: boolean;
  /**
   * GUEST_INTERRUPTIBILITY_INFO blocking by STI or MOV SS: for one instruction after it no interrupt is taken even
   * with IF=1 (vmx_interrupt_allowed is false); an interrupt-window exit comes when it ends.
   */
  interrupt_shadow: boolean;
  /** `apic->irr_pending` hint (always true with APICv). */
  irr_pending: boolean;
  /** `apic->highest_isr_cache` (−1 unknown; always −1 with APICv). */
  highest_isr_cache: number;
  /** `arch.pending_ioapic_eoi` (split irqchip). */
  pending_ioapic_eoi: number;
  /** `apic->pending_events` bits: INIT, SIPI. */
  pending_events: string[];
  /** NMIs queued (`arch.nmi_queued`). */
  nmi_pending: number;
  /** `vcpu->arch.apic_arb_prio`, an acceptance counter used for lowest priority without vector hashing. */
  apic_arb_prio: number;
}

export function newVcpu(pcpu: number, apicv: boolean): VcpuState {
  return {
    mode: 'IN_GUEST_MODE',
    halted: false,
    blocked: false,
    preempted: false,
    pcpu,
    rflags_if: true,
    requests: [],
    ioapic_handled_vectors: [],
    eoi_exit_bitmap: [],
    rvi: 0,
    svi: 0,
    apicv_active: apicv,
    intr_info: -1,
    tpr_threshold: 0,
    irq_window_exiting: false,
    interrupt_shadow: false,
    irr_pending: apicv,
    highest_isr_cache: -1,
    pending_ioapic_eoi: -1,
    pending_events: [],
    nmi_pending: 0,
    apic_arb_prio: 0,
  };
}

/** `kvm_make_request`. */
export function makeRequest(v: VcpuState, req: KvmRequest): void {
  if (!v.requests.includes(req)) {
    v.requests.push(req);
    v.requests.sort();
  }
}

/** `kvm_check_request`: test and clear. */
export function checkRequest(v: VcpuState, req: KvmRequest): boolean {
  const i = v.requests.indexOf(req);
  if (i < 0) return false;
  v.requests.splice(i, 1);
  return true;
}

/** What `kvm_vcpu_kick` did (QR20). */
export type KickResult = 'woken' | 'self' | 'ipi' | 'none';

/**
 * QR20, `kvm_vcpu_kick`: a blocked vCPU is woken (`kvm_vcpu_wake_up`); the caller being the vCPU's own thread
 * only flips IN_GUEST_MODE → EXITING_GUEST_MODE; IN_GUEST_MODE elsewhere → cmpxchg to EXITING_GUEST_MODE and a
 * reschedule IPI (VM exit); otherwise nothing, because requests are re-checked after `mode=IN_GUEST_MODE`.
 */
export function kick(v: VcpuState, fromOwnThread: boolean): KickResult {
  if (v.blocked) {
    v.blocked = false;
    return 'woken';
  }
  if (v.mode === 'IN_GUEST_MODE') {
    v.mode = 'EXITING_GUEST_MODE';
    return fromOwnThread ? 'self' : 'ipi';
  }
  return 'none';
}

/** Impossible combinations of vCPU fields. */
export function vcpuProblems(v: VcpuState, where: string, pcpus: number): string[] {
  const out: string[] = [];
  if (!VCPU_MODES.includes(v.mode)) out.push(`${where}.mode = ${JSON.stringify(v.mode)}: one of ${VCPU_MODES.join(', ')}`);
  if (v.blocked && v.mode !== 'OUTSIDE_GUEST_MODE') out.push(`${where}.mode = ${v.mode} with ${where}.blocked: a blocked vCPU is OUTSIDE_GUEST_MODE (kvm_vcpu_block runs in the host)`);
  if (v.preempted && v.mode !== 'OUTSIDE_GUEST_MODE') out.push(`${where}.mode = ${v.mode} with ${where}.preempted: a scheduled-out vCPU cannot be in guest mode`);
  if (v.preempted && v.blocked) out.push(`${where}.preempted and ${where}.blocked: a blocking vCPU schedules out voluntarily, so it is not "preempted" (kvm_sched_out sets preempted only when on_rq)`);
  if (!Number.isInteger(v.pcpu) || v.pcpu < 0 || v.pcpu >= pcpus) out.push(`${where}.pcpu = ${v.pcpu}: pCPUs are 0..${pcpus - 1}`);
  for (const r of v.requests) if (!(KVM_REQUESTS as readonly string[]).includes(r)) out.push(`${where}.requests holds unknown request ${JSON.stringify(r)} (known: ${KVM_REQUESTS.join(', ')})`);
  for (const f of ['ioapic_handled_vectors', 'eoi_exit_bitmap'] as const) {
    for (const x of v[f]) if (!Number.isInteger(x) || x < 16 || x > 255) out.push(`${where}.${f} holds ${x}: vectors 16..255 only`);
  }
  for (const f of ['rvi', 'svi'] as const) if (!Number.isInteger(v[f]) || v[f] < 0 || v[f] > 255) out.push(`${where}.${f} = ${v[f]} is not an 8-bit vector`);
  if (v.intr_info !== -1 && (v.intr_info < 16 || v.intr_info > 255)) out.push(`${where}.intr_info = ${v.intr_info}: −1 (none) or an external-interrupt vector 16..255`);
  return out;
}
