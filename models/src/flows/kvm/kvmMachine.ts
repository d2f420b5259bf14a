// The KVM host machine the Q3–Q12 flows share: per-vCPU LAPIC, vCPU, pi_desc, timer and PV EOI state, the
// IO-APIC, the VT-d IRTE and the irqfd, plus the operations of qemu-kvm.md §3 Q3/Q4/Q5 as pure functions
// (routing Q3.1, acceptance Q3.2, delivery Q3.3/Q4.1, kick Q3.4/Q4.2, injection Q3.6–Q3.8, PIR sync Q4.4,
// EOI Q3.10–Q3.12/Q4.6, PID lifecycle Q5.7–Q5.9). Each flow's steps call these, so the rules live in one place.

import { LapicState, addBit, clearBit, deliverableVector, hasBit, highest, lapicProblems, newLapic, updatePpr, vclass } from '../../components/lapic';
import { IoapicState, IoapicMessage, ioapicEoi, ioapicProblems, ioapicSetIrq, newIoapic, newRte, DM_FIXED, DM_LOWPRI, DM_NMI, DM_INIT } from '../../components/ioapic';
import {
  PiDesc, PostedIrte, newPiDesc, newRemappedIrte, postSoftware, processNotification, syncPirToIrr, piDescProblems, irteProblems,
  POSTED_INTR_VECTOR, POSTED_INTR_WAKEUP_VECTOR, SoftwarePost,
} from '../../components/postedInterrupt';
import { VcpuState, newVcpu, makeRequest, checkRequest, kick, KickResult, vcpuProblems } from '../../components/vcpu';
import { deliverVirtual, recognised, setRviFromIrr, virtualizeEoi } from '../../components/apicv';
import { KvmTimerState, newKvmTimer, kvmTimerProblems } from '../../components/kvmTimer';
import { PvEoiState, newPvEoi, pvEoiProblems, armDecision, arm, guestTestAndClear, consumeAtExit, ArmDecision } from '../../components/pvEoi';
import { IrqfdState, VfioDeviceState, newIrqfd, newVfioDevice, irqfdProblems } from '../../components/irqfd';
import { OutcomeEvent, ParamSpec, ParamValues, Profile } from '../../core/types';

// ---------------------------------------------------------------------------------------------------------------
// Profiles (catalogue §0, §6.1): in-kernel or split irqchip, each with APICv on or off.

export const KVM_PROFILES: Profile[] = [
  { id: 'kvm-inkernel', title: 'KVM in-kernel irqchip, APICv off', description: 'KVM 6.1 LAPIC + in-kernel IO-APIC (version 0x11, no EOI register); enable_apicv=0: injection through VM_ENTRY_INTR_INFO_FIELD, EOIs trap.' },
  { id: 'kvm-split', title: 'KVM split irqchip, APICv off', description: 'KVM LAPIC + QEMU IO-APIC (kernel-irqchip=split): level EOIs leave KVM as KVM_EXIT_IOAPIC_EOI for QEMU ioapic_eoi_broadcast.' },
  { id: 'apicv-off', title: 'APICv off (in-kernel irqchip)', description: 'Same machine as kvm-inkernel, named for comparison with apicv-on.' },
  { id: 'apicv-on', title: 'APICv on (in-kernel irqchip)', description: 'Virtual-interrupt delivery, EOI virtualization with the EOI-exit bitmap, CPU posted interrupts (PIR/ON/SN/NV/NDST).' },
  { id: 'apicv-ipiv', title: 'APICv on with IPI virtualization', description: 'apicv-on plus enable_ipiv (PID_POINTER_TABLE): Fixed, physical, no-shorthand ICR writes are posted by the CPU into the target\'s PID with no exit; blocked vCPUs use the wakeup vector.' },
  { id: 'kvm-split-apicv', title: 'KVM split irqchip, APICv on', description: 'QEMU IO-APIC with APICv: level EOIs exit through the EOI-exit bitmap, then KVM_EXIT_IOAPIC_EOI.' },
];

export function profileConfig(profile: string): { split: boolean; apicv: boolean } {
  return { split: profile.startsWith('kvm-split'), apicv: profile === 'apicv-on' || profile === 'apicv-ipiv' || profile === 'kvm-split-apicv' };
}

// ---------------------------------------------------------------------------------------------------------------
// State.

export interface KvmVcpuSlot {
  /** xAPIC/x2APIC ID; `dest` of a physical message matches it (R15). */
  apic_id: number;
  lapic: LapicState;
  vcpu: VcpuState;
  pi_desc: PiDesc;
  timer: KvmTimerState;
  pv_eoi: PvEoiState;
}

export interface KvmConfig {
  /** Guest in x2APIC mode: broadcast is 0xFFFFFFFF instead of 0xFF, IPIs by WRMSR 0x830. */
  x2apic: boolean;
  /** VT-d posting usable (`vmx_can_use_vtd_pi`: in-kernel irqchip, enable_apicv, assigned device, IRQ_POSTING_CAP). */
  vtd_pi: boolean;
  /** IPI virtualization (`enable_ipiv`, needs APICv). */
  ipiv: boolean;
  /** VMX preemption timer usable (`kvm_can_use_hv_timer`). */
  hv_timer: boolean;
  /** `vector_hashing` for lowest priority (default on). */
  vector_hashing: boolean;
}

export interface KvmState {
  vcpus: KvmVcpuSlot[];
  /** Host pCPUs 0..pcpus−1. */
  pcpus: number;
  /** Per-pCPU `wakeup_vcpus_on_cpu` lists (vCPU indices). */
  wakeup_vcpus_on_cpu: number[][];
  config: KvmConfig;
  ioapic: IoapicState;
  irte: PostedIrte;
  irqfd: IrqfdState;
  device: VfioDeviceState;
}

export function newKvmState(profile: string, nvcpus = 2): KvmState {
  const { apicv, split } = profileConfig(profile);
  const pcpus = 4;
  const vcpus: KvmVcpuSlot[] = Array.from({ length: nvcpus }, (_, i) => {
    const lapic = newLapic();
    // KVM LVR[24] only with an x2APIC guest and a split irqchip (kvm_apic_set_version); off by default here.
    lapic.lvr_directed_eoi = false;
    return { apic_id: i, lapic, vcpu: newVcpu(i, apicv), pi_desc: newPiDesc(i), timer: newKvmTimer(), pv_eoi: newPvEoi() };
  });
  const ioapic = newIoapic(split ? 'kvm-split' : 'kvm-inkernel');
  // A level-triggered INTx pin (GSI 10) aimed at vCPU 0 with vector 0x31, the pin a VFIO INTx device uses (Q6.5).
  ioapic.ioredtbl[10] = newRte({ vector: 0x31, trig_mode: 1, mask: 0, dest: 0 });
  const s: KvmState = {
    vcpus, pcpus, wakeup_vcpus_on_cpu: Array.from({ length: pcpus }, () => []),
    config: { x2apic: false, vtd_pi: apicv && !split, ipiv: profile === 'apicv-ipiv', hv_timer: true, vector_hashing: true },
    ioapic, irte: newRemappedIrte(), irqfd: newIrqfd(), device: newVfioDevice(),
  };
  for (let i = 0; i < vcpus.length; i++) scanIoapic(s, i, profile);
  return s;
}

export const vname = (i: number): string => `vcpu${i}`;
export const hex = (v: number): string => `0x${v.toString(16)}`;

/** Impossible states: vectors below 16, unknown vCPUs, impossible modes (validate → ModelError naming the field). */
export function kvmProblems(s: KvmState, profile: string): string[] {
  const out: string[] = [];
  const { apicv, split } = profileConfig(profile);
  s.vcpus.forEach((v, i) => {
    const w = `vcpus.${i}`;
    out.push(...lapicProblems(v.lapic, `${w}.lapic`), ...vcpuProblems(v.vcpu, `${w}.vcpu`, s.pcpus), ...piDescProblems(v.pi_desc, `${w}.pi_desc`));
    out.push(...kvmTimerProblems(v.timer, `${w}.timer`), ...pvEoiProblems(v.pv_eoi, `${w}.pv_eoi`));
    if (v.vcpu.apicv_active && !apicv) out.push(`${w}.vcpu.apicv_active is set but profile ${profile} has enable_apicv=0`);
    if (!v.vcpu.apicv_active && (v.pi_desc.pir.length > 0 || v.pi_desc.on) && !apicv) out.push(`${w}.pi_desc holds posted state but APICv is off (profile ${profile}): nothing posts`);
    if (v.lapic.lvr_directed_eoi && !split) out.push(`${w}.lapic.lvr_directed_eoi: KVM advertises LVR[24] only with a split irqchip (kvm_apic_set_version), not with profile ${profile}`);
    if (v.vcpu.blocked && !v.vcpu.halted) out.push(`${w}.vcpu.blocked without ${w}.vcpu.halted: only a halted vCPU sleeps in kvm_vcpu_block`);
  });
  const ids = s.vcpus.map((v) => v.apic_id);
  if (new Set(ids).size !== ids.length) out.push(`vcpus.*.apic_id: APIC IDs must be distinct (${ids.join(', ')})`);
  s.wakeup_vcpus_on_cpu.forEach((l, c) => l.forEach((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= s.vcpus.length) out.push(`wakeup_vcpus_on_cpu.${c} names vCPU ${i}, which does not exist (vCPUs 0..${s.vcpus.length - 1})`);
  }));
  if (s.config.ipiv && !apicv) out.push(`config.ipiv needs APICv (profile ${profile} has it off)`);
  if (s.config.vtd_pi && (!apicv || split)) out.push(`config.vtd_pi needs APICv and the in-kernel irqchip (vmx_can_use_vtd_pi); profile ${profile} has ${!apicv ? 'APICv off' : 'a split irqchip'}`);
  out.push(...ioapicProblems(s.ioapic, 'ioapic'), ...irteProblems(s.irte, s.vcpus.length, 'irte'), ...irqfdProblems(s.irqfd, 'irqfd'));
  return out;
}

/** Parameter problems shared by the flows: unknown vCPUs and vectors below 16. */
export function paramProblems(s: KvmState, params: ParamValues): string[] {
  const out: string[] = [];
  for (const k of ['vcpu', 'src']) {
    const v = params[k];
    if (typeof v === 'number' && v !== -1 && (v < 0 || v >= s.vcpus.length)) out.push(`parameter "${k}" = ${v}: no such vCPU (vCPUs 0..${s.vcpus.length - 1}${k === 'src' ? ', or −1 for a host thread' : ''})`);
  }
  const vec = params.vector;
  if (typeof vec === 'number' && vec < 16 && params.delivery !== 'nmi' && params.delivery !== 'init' && params.delivery !== 'startup') {
    out.push(`parameter "vector" = ${vec}: vectors 0..15 are illegal for fixed delivery (R1, SDM 10.5.2)`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters shared by the flows (each flow picks the ones it reads).

export const P: Record<string, ParamSpec> = {
  vector: { name: 'vector', type: 'int', description: 'The guest vector.', default: 0x41, min: 0, max: 255 },
  dest: { name: 'dest', type: 'int', description: 'Destination APIC ID (physical) or logical mask; 0xff (xAPIC) / 0xffffffff (x2APIC) broadcasts.', default: 1, min: 0, max: 0xffffffff },
  dest_mode: { name: 'dest_mode', type: 'enum', description: 'Physical or logical (flat) destination.', default: 'physical', values: ['physical', 'logical'] },
  delivery: { name: 'delivery', type: 'enum', description: 'Delivery mode.', default: 'fixed', values: ['fixed', 'lowest', 'nmi', 'init', 'startup'] },
  trigger: { name: 'trigger', type: 'enum', description: 'Trigger mode of the message (sets TMR, R4).', default: 'edge', values: ['edge', 'level'] },
  shorthand: { name: 'shorthand', type: 'enum', description: 'ICR destination shorthand.', default: 'none', values: ['none', 'self', 'all-including-self', 'all-excluding-self'] },
  src: { name: 'src', type: 'int', description: 'The thread that delivers: a vCPU index (its own thread, e.g. an IPI sender or a fastpath exit) or −1 for a host thread (irqfd, IO-APIC, hrtimer).', default: -1, min: -1, max: 63 },
  vcpu: { name: 'vcpu', type: 'int', description: 'The vCPU an action applies to.', default: 1, min: 0, max: 63 },
  handler_eoi: { name: 'handler_eoi', type: 'bool', description: 'The guest handler runs to its EOI (false: the vector stays in service).', default: true },
};

export function pick(...names: string[]): ParamSpec[] {
  return names.map((n) => P[n]);
}

// ---------------------------------------------------------------------------------------------------------------
// Messages and routing (Q3.1, R15).

export interface LapicIrq {
  vector: number;
  delivery: 'fixed' | 'lowest' | 'nmi' | 'init' | 'startup';
  dest: number;
  logical: boolean;
  shorthand: 'none' | 'self' | 'all-including-self' | 'all-excluding-self';
  level_triggered: boolean;
  /** Assert (true) or de-assert; KVM drops a level-triggered de-assert (R4). */
  level: boolean;
}

export function irqFromParams(p: ParamValues): LapicIrq {
  return {
    vector: Number(p.vector ?? 0x41),
    delivery: (p.delivery ?? 'fixed') as LapicIrq['delivery'],
    dest: Number(p.dest ?? 0),
    logical: p.dest_mode === 'logical',
    shorthand: (p.shorthand ?? 'none') as LapicIrq['shorthand'],
    level_triggered: p.trigger === 'level',
    level: true,
  };
}

export function irqToParams(irq: LapicIrq): ParamValues {
  return {
    vector: irq.vector, delivery: irq.delivery, dest: irq.dest, dest_mode: irq.logical ? 'logical' : 'physical',
    shorthand: irq.shorthand, trigger: irq.level_triggered ? 'level' : 'edge',
  };
}

export function irqFromIoapic(m: IoapicMessage): LapicIrq {
  const delivery = m.delivery_mode === DM_LOWPRI ? 'lowest' : m.delivery_mode === DM_NMI ? 'nmi' : m.delivery_mode === DM_INIT ? 'init' : 'fixed';
  return { vector: m.vector, delivery, dest: m.dest, logical: m.dest_mode === 1, shorthand: 'none', level_triggered: m.trig_mode === 1, level: true };
}

export interface RouteResult {
  targets: number[];
  path: 'fast-self' | 'fast-physical' | 'fast-logical' | 'slow-broadcast' | 'slow-shorthand';
  why: string;
}

function matchesDest(s: KvmState, i: number, irq: LapicIrq): boolean {
  const id = s.vcpus[i].apic_id;
  if (!irq.logical) return irq.dest === id;
  // Logical flat (Linux's default for ≤ 8 CPUs): LDR = 1 << APIC ID (R15).
  return id < 8 && (irq.dest & (1 << id)) !== 0;
}

/**
 * Q3.1 `kvm_irq_delivery_to_apic` → `kvm_irq_delivery_to_apic_fast` / the slow loop (R15). Lowest priority picks
 * one vCPU: the `(vector % n)`-th candidate with vector hashing, else the smallest `apic_arb_prio`.
 */
export function routeIrq(s: KvmState, irq: LapicIrq, src: number): RouteResult {
  const all = s.vcpus.map((_, i) => i);
  const bcast = s.config.x2apic ? 0xffffffff : 0xff;
  if (irq.shorthand === 'self') {
    return { targets: src >= 0 ? [src] : [], path: 'fast-self', why: src >= 0 ? `SELF shorthand: the source ${vname(src)}` : 'SELF shorthand from a host thread: no source vCPU' };
  }
  if (irq.shorthand !== 'none') {
    const t = irq.shorthand === 'all-including-self' ? all : all.filter((i) => i !== src);
    return { targets: t, path: 'slow-shorthand', why: `${irq.shorthand} is not handled by the fast path: kvm_apic_match_dest over every vCPU` };
  }
  if (!irq.logical && irq.dest === bcast) {
    return { targets: all, path: 'slow-broadcast', why: `physical destination ${hex(bcast)} is broadcast: slow loop over every vCPU` };
  }
  let cands = all.filter((i) => matchesDest(s, i, irq));
  let lp = '';
  if (irq.delivery === 'lowest' && cands.length > 1) {
    if (s.config.vector_hashing) {
      const k = irq.vector % cands.length;
      lp = `; lowest priority by vector hashing: ${hex(irq.vector)} mod ${cands.length} = ${k} → ${vname(cands[k])}`;
      cands = [cands[k]];
    } else {
      const best = cands.reduce((a, b) => (s.vcpus[b].vcpu.apic_arb_prio < s.vcpus[a].vcpu.apic_arb_prio ? b : a));
      lp = `; lowest priority by smallest apic_arb_prio → ${vname(best)}`;
      cands = [best];
    }
  }
  const path = irq.logical ? 'fast-logical' : 'fast-physical';
  const map = irq.logical ? `logical mask ${hex(irq.dest)}` : `phys_map[${irq.dest}]`;
  return { targets: cands, path, why: `${map} → ${cands.length ? cands.map(vname).join(', ') : 'no vCPU'}${lp}` };
}

/**
 * What `kvm_irq_delivery_to_apic` returns for an IO-APIC message, without delivering it: −1 when no vCPU matched
 * (slow path), else the number of LAPICs that would accept (a software-disabled APIC drops a fixed message). KVM's
 * `ioapic_service` sets Remote-IRR when this is non-zero (§6.1), so −1 counts.
 */
export function expectedAccepts(s: KvmState, irq: LapicIrq): number {
  const r = routeIrq(s, irq, -1);
  if (r.targets.length === 0) return r.path.startsWith('slow') ? -1 : 0;
  if (irq.delivery !== 'fixed' && irq.delivery !== 'lowest') return r.targets.length;
  return r.targets.filter((i) => s.vcpus[i].lapic.svr_enabled).length;
}

// ---------------------------------------------------------------------------------------------------------------
// Acceptance and delivery (Q3.2, Q3.3, Q4.1).

export type AcceptResult =
  | { kind: 'fixed'; why: string }
  | { kind: 'dropped'; why: string }
  | { kind: 'nmi' | 'init' | 'startup'; why: string };

/** Q3.2 `__apic_accept_irq` up to the `deliver_interrupt` call (R4: TMR := trigger; KVM drops when disabled). */
export function apicAcceptIrq(s: KvmState, i: number, irq: LapicIrq): AcceptResult {
  const slot = s.vcpus[i];
  if (irq.delivery === 'fixed' || irq.delivery === 'lowest') {
    if (irq.delivery === 'lowest') slot.vcpu.apic_arb_prio++;
    if (irq.level_triggered && !irq.level) return { kind: 'dropped', why: 'level-triggered message with level=0: nothing to accept (R4)' };
    if (!slot.lapic.svr_enabled) return { kind: 'dropped', why: `${vname(i)} APIC is software-disabled (SVR[8]=0): KVM drops at acceptance (§6.1)` };
    if (irq.level_triggered) addBit(slot.lapic.tmr, irq.vector);
    else clearBit(slot.lapic.tmr, irq.vector);
    return { kind: 'fixed', why: `APIC enabled; TMR[${hex(irq.vector)}] := ${irq.level_triggered ? 1 : 0} (${irq.level_triggered ? 'level' : 'edge'}, R4)` };
  }
  if (irq.delivery === 'nmi') {
    slot.vcpu.nmi_pending++;
    return { kind: 'nmi', why: 'NMI: kvm_inject_nmi (nmi_queued++) and kick; bypasses IRR (R26)' };
  }
  if (irq.delivery === 'init') {
    if (!slot.vcpu.pending_events.includes('INIT')) slot.vcpu.pending_events.push('INIT');
    makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
    return { kind: 'init', why: 'INIT: pending_events |= INIT, KVM_REQ_EVENT, kick' };
  }
  if (!slot.vcpu.pending_events.includes('SIPI')) slot.vcpu.pending_events.push('SIPI');
  makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
  return { kind: 'startup', why: `STARTUP: sipi_vector = ${hex(irq.vector)}, pending_events |= SIPI, KVM_REQ_EVENT, kick` };
}

export type DeliverResult =
  | { kind: 'irr'; coalesced: boolean; why: string }
  | { kind: 'posted'; post: SoftwarePost; why: string };

/** Q3.3 / Q4.1 `vmx_deliver_interrupt`: APICv → `vmx_deliver_posted_interrupt` (R19); else IRR + KVM_REQ_EVENT. */
export function deliverInterrupt(s: KvmState, i: number, vector: number): DeliverResult {
  const slot = s.vcpus[i];
  if (slot.vcpu.apicv_active) {
    const post = postSoftware(slot.pi_desc, vector);
    const why =
      post === 'pir-coalesced' ? `PIR[${hex(vector)}] was already 1: coalesced, no notification (R19)`
        : post === 'on-already-set' ? `PIR[${hex(vector)}] := 1; ON was already 1: a notification is outstanding, nothing sent (R19)`
          : `PIR[${hex(vector)}] := 1 and ON 0 → 1: notify (R19; SN=${slot.pi_desc.sn ? 1 : 0} is not consulted)`;
    return { kind: 'posted', post, why };
  }
  const coalesced = hasBit(slot.lapic.irr, vector);
  addBit(slot.lapic.irr, vector);
  slot.vcpu.irr_pending = true;
  makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
  return { kind: 'irr', coalesced, why: `APICv inactive: kvm_lapic_set_irr: IRR[${hex(vector)}] ${coalesced ? 'was already 1 (coalesced, R4)' : ':= 1'}; KVM_REQ_EVENT` };
}

/** Q3.4 `kvm_vcpu_kick` (R20), with whether the vCPU now runs its entry path. */
export function kickVcpu(s: KvmState, i: number, src: number): { result: KickResult; enters: boolean; why: string } {
  const v = s.vcpus[i].vcpu;
  const mode = v.mode;
  const result = kick(v, src === i);
  if (result === 'woken') return { result, enters: true, why: `${vname(i)} was blocked in kvm_vcpu_block: kvm_vcpu_wake_up` };
  if (result === 'self') return { result, enters: true, why: `the caller is ${vname(i)}'s own thread: mode IN_GUEST_MODE → EXITING_GUEST_MODE, no IPI` };
  if (result === 'ipi') return { result, enters: true, why: `${vname(i)} IN_GUEST_MODE on pCPU ${v.pcpu}: cmpxchg to EXITING_GUEST_MODE, smp_send_reschedule → EXTERNAL_INTERRUPT exit` };
  if (v.preempted) return { result, enters: false, why: `${vname(i)} is ${mode} and preempted: nothing to kick; the request waits for it to be scheduled in` };
  if (v.halted) return { result, enters: false, why: `${vname(i)} is halted but not asleep: it re-checks kvm_vcpu_check_block itself` };
  return { result, enters: true, why: `${vname(i)} is ${mode} in the host: the request is seen before the next entry (kvm_vcpu_exit_request)` };
}

/** Q4.2 `kvm_vcpu_trigger_posted_interrupt` (R19). */
export function triggerPosted(s: KvmState, i: number, src: number): { kind: 'ipi' | 'self' | 'woken' | 'none'; why: string } {
  const v = s.vcpus[i].vcpu;
  if (v.mode === 'IN_GUEST_MODE' && i !== src) {
    return { kind: 'ipi', why: `${vname(i)} IN_GUEST_MODE on pCPU ${v.pcpu}: send_IPI_mask(POSTED_INTR_VECTOR ${hex(POSTED_INTR_VECTOR)})` };
  }
  if (v.mode === 'IN_GUEST_MODE') return { kind: 'self', why: `${vname(i)} is the running vCPU (fastpath exit): the PIR is synced before re-entry` };
  if (v.blocked) {
    v.blocked = false;
    return { kind: 'woken', why: `${vname(i)} is ${v.mode} and blocked: kvm_vcpu_wake_up` };
  }
  return { kind: 'none', why: `${vname(i)} is ${v.mode}${v.preempted ? ', preempted' : ''}: kvm_vcpu_wake_up is a no-op; the PIR waits for the next entry's sync` };
}

/** Q4.3 [hw]: notification received in non-root mode (SDM 29.6): ON=0, VIRR |= PIR, PIR=0, RVI updated. */
export function hwProcessNotification(s: KvmState, i: number): string {
  const slot = s.vcpus[i];
  const pir = [...slot.pi_desc.pir];
  slot.vcpu.rvi = processNotification(slot.pi_desc, slot.lapic.irr, slot.vcpu.rvi);
  return `vector ${hex(POSTED_INTR_VECTOR)} == POSTED_INTR_NV in non-root: no VM exit; ON := 0, VIRR |= PIR [${pir.map(hex).join(', ')}], RVI := ${hex(slot.vcpu.rvi)}`;
}

/** Q4.4 `vmx_sync_pir_to_irr`: ON → clear, IRR |= xchg(PIR,0); then RVI := max_irr (APICv) or KVM_REQ_EVENT. */
export function syncPir(s: KvmState, i: number): { moved: number[]; maxIrr: number; why: string } {
  const slot = s.vcpus[i];
  const on = slot.pi_desc.on;
  const r = syncPirToIrr(slot.pi_desc, slot.lapic.irr);
  if (slot.vcpu.apicv_active) setRviFromIrr(slot.lapic, slot.vcpu);
  else if (r.newMax) makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
  const why = on
    ? `ON was 1: ON := 0, IRR |= PIR [${r.moved.map(hex).join(', ')}]; max_irr ${hex(Math.max(r.maxIrr, 0))}; RVI := ${hex(slot.vcpu.rvi)}`
    : `ON was 0: PIR left alone${slot.pi_desc.pir.length ? ` (holds [${slot.pi_desc.pir.map(hex).join(', ')}], posted while SN=1)` : ''}; RVI := hi(IRR) = ${hex(slot.vcpu.rvi)}`;
  return { moved: r.moved, maxIrr: r.maxIrr, why };
}

// ---------------------------------------------------------------------------------------------------------------
// Blocking and the PID lifecycle (Q5.7–Q5.9, R20, R21).

/** `vmx_needs_pi_wakeup`: IPIv or VT-d PI in use. */
export const needsPiWakeup = (s: KvmState): boolean => s.config.ipiv || s.config.vtd_pi;

/** Q5.9 `kvm_vcpu_check_block` → `kvm_arch_vcpu_runnable` → `kvm_vcpu_has_events` (R20). */
export function checkBlock(s: KvmState, i: number): { runnable: boolean; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  let synced = '';
  if (v.apicv_active && slot.pi_desc.on) synced = `sync_pir_to_irr moved [${syncPir(s, i).moved.map(hex).join(', ')}]; `;
  const vec = deliverableVector(slot.lapic, 'kvm');
  if (v.rflags_if && vec >= 0) return { runnable: true, why: `${synced}IF=1 and IRR ${hex(vec)} beats PPR ${hex(slot.lapic.ppr)}: runnable` };
  if (slot.timer.pending > 0 && !slot.lapic.lvt_timer.masked) return { runnable: true, why: `${synced}a timer interrupt is pending: runnable` };
  if (v.requests.includes('KVM_REQ_UNBLOCK')) return { runnable: true, why: `${synced}KVM_REQ_UNBLOCK: runnable` };
  if (v.pending_events.length > 0) return { runnable: true, why: `${synced}INIT/SIPI pending: runnable` };
  if (v.nmi_pending > 0) return { runnable: true, why: `${synced}an NMI is pending: runnable` };
  if (!v.rflags_if && vec >= 0) return { runnable: false, why: `${synced}IRR ${hex(vec)} is pending but IF=0: kvm_arch_interrupt_allowed fails, stays blocked (R20)` };
  return { runnable: false, why: `${synced}nothing deliverable (IRR [${slot.lapic.irr.map(hex).join(', ')}], PPR ${hex(slot.lapic.ppr)}): stays blocked` };
}

/** Q5.8 (out) `vmx_vcpu_pi_put` (R21). Returns whether a self-IPI of the wakeup vector was sent. */
export function piPut(s: KvmState, i: number): { selfWakeupIpi: boolean; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  if (!v.apicv_active || !needsPiWakeup(s)) return { selfWakeupIpi: false, why: 'vmx_needs_pi_wakeup is false (neither IPIv nor VT-d PI in use): return' };
  const parts: string[] = [];
  let selfWakeupIpi = false;
  if (v.blocked && v.rflags_if) {
    const list = s.wakeup_vcpus_on_cpu[v.pcpu];
    if (!list.includes(i)) list.push(i);
    slot.pi_desc.nv = POSTED_INTR_WAKEUP_VECTOR;
    parts.push(`blocking with IF=1: added to wakeup_vcpus_on_cpu[${v.pcpu}], NV := ${hex(POSTED_INTR_WAKEUP_VECTOR)}`);
    if (slot.pi_desc.on) {
      selfWakeupIpi = true;
      parts.push('ON already 1: send_IPI_self(POSTED_INTR_WAKEUP_VECTOR) so the racing post is not lost');
    }
  } else if (v.blocked) {
    parts.push(`blocking with IF=0: NV stays ${hex(slot.pi_desc.nv)} (notifications reach the host handler, which ignores them, R21)`);
  }
  if (v.preempted) {
    slot.pi_desc.sn = true;
    parts.push('vcpu->preempted: SN := 1 (pi_set_sn)');
  }
  return { selfWakeupIpi, why: parts.join('; ') || 'neither blocking nor preempted: nothing to change' };
}

/** Q5.8 (in) `vmx_vcpu_pi_load` on `cpu` (R21). */
export function piLoad(s: KvmState, i: number, cpu: number): string {
  const slot = s.vcpus[i];
  const pi = slot.pi_desc;
  const v = slot.vcpu;
  v.preempted = false;
  if (!v.apicv_active) {
    v.pcpu = cpu;
    return '!enable_apicv: return';
  }
  let head: string;
  if (pi.nv !== POSTED_INTR_WAKEUP_VECTOR && v.pcpu === cpu) {
    if (!pi.sn) return `same pCPU ${cpu}, NV ${hex(pi.nv)}, SN was 0: return`;
    pi.sn = false;
    head = `same pCPU ${cpu}: pi_test_and_clear_sn (SN 1 → 0)`;
  } else {
    if (pi.nv === POSTED_INTR_WAKEUP_VECTOR) {
      const list = s.wakeup_vcpus_on_cpu[v.pcpu];
      const k = list.indexOf(i);
      if (k >= 0) list.splice(k, 1);
    }
    const wasNv = pi.nv;
    pi.ndst = cpu;
    pi.sn = false;
    pi.nv = POSTED_INTR_VECTOR;
    head = `${wasNv === POSTED_INTR_WAKEUP_VECTOR ? `left wakeup_vcpus_on_cpu[${v.pcpu}]; ` : ''}NDST := pCPU ${cpu}${s.config.x2apic ? '' : ' (xAPIC: ID<<8)'}, SN := 0, NV := ${hex(POSTED_INTR_VECTOR)}`;
    v.pcpu = cpu;
  }
  if (pi.pir.length > 0 && !pi.on) {
    pi.on = true;
    return `${head}; PIR [${pi.pir.map(hex).join(', ')}] non-empty: pi_set_on (re-arms posts made while SN=1)`;
  }
  return `${head}; ON ${pi.on ? 'already 1' : 'stays 0 (PIR empty)'}`;
}

/** Q5.7 `pi_wakeup_handler` on `pcpu`: wake every listed vCPU whose ON is set. Returns the woken vCPUs. */
export function piWakeupHandler(s: KvmState, pcpu: number): { woken: number[]; why: string } {
  const list = s.wakeup_vcpus_on_cpu[pcpu] ?? [];
  const woken: number[] = [];
  for (const i of list) {
    const v = s.vcpus[i].vcpu;
    if (s.vcpus[i].pi_desc.on && v.blocked) {
      v.blocked = false;
      woken.push(i);
    }
  }
  return { woken, why: `wakeup_vcpus_on_cpu[${pcpu}] = [${list.map(vname).join(', ')}]; ON set on ${woken.length ? woken.map(vname).join(', ') : 'none'} → kvm_vcpu_wake_up` };
}

// ---------------------------------------------------------------------------------------------------------------
// Entry, injection, the guest and its EOI (Q3.5–Q3.12, Q4.3–Q4.6, Q12.3–Q12.5).

/** The Linux guest's handler for a vector (arch/x86/include/asm/irq_vectors.h). */
export function guestHandler(vector: number): string {
  switch (vector) {
    case 0xec: return 'sysvec_apic_timer_interrupt';
    case 0xfd: return 'sysvec_reschedule_ipi';
    case 0xfc: return 'sysvec_call_function';
    case 0xfb: return 'sysvec_call_function_single';
    default: return 'common_interrupt';
  }
}

/** Q3.6/Q3.7/Q3.8 without APICv: what `kvm_check_and_inject_events` does with the LAPIC (R3, R5, R6, R28). */
export function checkAndInject(s: KvmState, i: number): { kind: 'reinject' | 'nmi' | 'injected' | 'window' | 'nothing'; vector: number; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  if (v.intr_info >= 0) return { kind: 'reinject', vector: v.intr_info, why: `interrupt.injected ${hex(v.intr_info)} re-injected with no second ISR transition (R28)` };
  if (v.nmi_pending > 0) {
    v.nmi_pending--;
    return { kind: 'nmi', vector: 2, why: 'NMI pending and allowed: vmx_inject_nmi' };
  }
  if (v.apicv_active) return { kind: 'nothing', vector: -1, why: 'APICv active: kvm_cpu_has_injectable_intr is 0 for LAPIC vectors; the CPU delivers them (R17)' };
  const vec = deliverableVector(slot.lapic, 'kvm');
  if (vec < 0) {
    const hi = highest(slot.lapic.irr);
    return { kind: 'nothing', vector: -1, why: hi < 0 ? 'IRR is empty' : `hi(IRR) ${hex(hi)} class ${vclass(hi)} does not beat PPR ${hex(slot.lapic.ppr)} (R3)` };
  }
  if (!v.rflags_if) {
    v.irq_window_exiting = true;
    return { kind: 'window', vector: vec, why: `IRR ${hex(vec)} is deliverable but RFLAGS.IF=0: vmx_enable_irq_window (R6)` };
  }
  ackApicInterrupt(s, i);
  v.intr_info = vec;
  v.irq_window_exiting = false;
  return { kind: 'injected', vector: vec, why: `IF=1, ${hex(vec)} class ${vclass(vec)} > PPR: IRR→ISR, PPR := ${hex(slot.lapic.ppr)}; VM_ENTRY_INTR_INFO_FIELD := 0x8000_00${vec.toString(16).padStart(2, '0')} (R5)` };
}

/** Q3.7 `kvm_get_apic_interrupt` (R5): hi(IRR) deliverable → IRR[v]=0, ISR[v]=1, PPR recomputed; −1 if none. */
export function ackApicInterrupt(s: KvmState, i: number): number {
  const slot = s.vcpus[i];
  const vec = deliverableVector(slot.lapic, 'kvm');
  if (vec < 0) return -1;
  clearBit(slot.lapic.irr, vec);
  addBit(slot.lapic.isr, vec);
  updatePpr(slot.lapic);
  slot.vcpu.irr_pending = slot.lapic.irr.length > 0;
  slot.vcpu.highest_isr_cache = vec;
  return vec;
}

/** Q12.3 `kvm_lapic_sync_to_vapic` → `apic_sync_pv_eoi_to_guest` (R23). */
export function pvEoiArm(s: KvmState, i: number): { decision: ArmDecision; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  const irrPending = v.apicv_active ? true : slot.lapic.irr.length > 0;
  const cache = v.apicv_active ? -1 : v.highest_isr_cache;
  const decision = armDecision(slot.pv_eoi, irrPending, cache, (x) => hasBit(v.ioapic_handled_vectors, x));
  if (decision === 'armed') arm(slot.pv_eoi);
  const why: Record<ArmDecision, string> = {
    disabled: 'pv_eoi_enabled is false (MSR_KVM_PV_EOI_EN not written): no arming',
    'irr-pending': v.apicv_active ? 'APICv: irr_pending is always true, so PV EOI is never armed (R23)' : `irr_pending: IRR [${slot.lapic.irr.map(hex).join(', ')}] waits, deferring the EOI would delay it`,
    'isr-unknown': 'highest_isr_cache is −1 (unknown): no arming',
    'ioapic-needs-eoi': `${hex(cache)} is in ioapic_handled_vectors: the IO-APIC needs this EOI`,
    armed: `ISR ${hex(cache)} is the only work: pv_eoi_set_pending, guest byte := 1, KVM_APIC_PV_EOI_PENDING`,
  };
  return { decision, why: why[decision] };
}

/** The hardware part of VM entry: event injection (Q3.8) or virtual-interrupt evaluation/delivery (Q4.4, R17). */
export function vmEntry(s: KvmState, i: number): { vector: number; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  v.mode = 'IN_GUEST_MODE';
  if (v.intr_info >= 0) {
    const vec = v.intr_info;
    v.intr_info = -1;
    return { vector: vec, why: `VM entry injects ${hex(vec)} from VM_ENTRY_INTR_INFO_FIELD through the guest IDT (SDM 26.6)` };
  }
  if (v.apicv_active) {
    if (!recognised(slot.lapic, v)) return { vector: -1, why: `RVI ${hex(v.rvi)} does not beat VPPR (SDM 29.2.1): nothing delivered` };
    if (!v.rflags_if) return { vector: -1, why: `RVI ${hex(v.rvi)} recognised but RFLAGS.IF=0: held until IF=1 (SDM 29.2.2)` };
    const vec = deliverVirtual(slot.lapic, v);
    return { vector: vec, why: `RVI ${hex(vec)} class > VPPR class: virtual-interrupt delivery, VISR[${hex(vec)}]=1, SVI := ${hex(v.svi)}, RVI := ${hex(v.rvi)} (R17)` };
  }
  return { vector: -1, why: 'nothing injected: the guest runs' };
}

export interface EoiRun {
  /** How the EOI travelled. */
  path: 'pv-eoi-no-exit' | 'virtualized-no-exit' | 'eoi-induced-exit' | 'trap' | 'stray';
  vector: number;
  /** What kvm_ioapic_send_eoi did, when it ran. */
  ioapic?: string;
  why: string;
}

/**
 * Q3.9–Q3.12 / Q4.6 / Q12.4–Q12.5: the guest writes EOI. PV EOI armed → no exit and KVM completes it at the next
 * exit; APICv → EOI virtualization, exit only if EOI_EXIT_BITMAP[v]; else the write traps and `apic_set_eoi` runs.
 */
export function guestEoi(s: KvmState, i: number, profile: string, emit: (e: OutcomeEvent) => void, redeliver: RedeliverFn, clearsLine = true): EoiRun {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  if (clearsLine) guestServicesDevice(s, v.apicv_active ? v.svi : highest(slot.lapic.isr), profile);
  if (slot.pv_eoi.msr_val !== 0 && guestTestAndClear(slot.pv_eoi)) {
    // Q12.4 → Q12.5: the next exit finds the byte clear and performs the EOI on the guest's behalf.
    consumeAtExit(slot.pv_eoi);
    const r = apicSetEoi(s, i, profile, emit, redeliver);
    return { path: 'pv-eoi-no-exit', vector: r.vector, ioapic: r.ioapic, why: `guest byte was 1: kvm_guest_apic_eoi_write returns with no exit; at the next exit KVM runs apic_set_eoi(${hex(r.vector)}) (R23)` };
  }
  if (v.apicv_active) {
    const r = virtualizeEoi(slot.lapic, v);
    if (!r.exit) return { path: 'virtualized-no-exit', vector: r.vector, why: `EOI virtualization: VISR[${hex(r.vector)}] := 0, SVI := ${hex(v.svi)}; EOI_EXIT_BITMAP[${hex(r.vector)}]=0: no exit (R18)` };
    makeRequest(v, 'KVM_REQ_EVENT');
    const io = ioapicSendEoi(s, i, r.vector, profile, emit, redeliver);
    return { path: 'eoi-induced-exit', vector: r.vector, ioapic: io, why: `EOI virtualization cleared VISR[${hex(r.vector)}]; EOI_EXIT_BITMAP[${hex(r.vector)}]=1: EOI-induced exit → kvm_apic_set_eoi_accelerated → ${io} (R18)` };
  }
  const r = apicSetEoi(s, i, profile, emit, redeliver);
  if (r.vector < 0) return { path: 'stray', vector: -1, why: 'ISR empty: stray EOI, no effect (R7)' };
  return { path: 'trap', vector: r.vector, ioapic: r.ioapic, why: `the EOI write traps: apic_set_eoi clears ISR[${hex(r.vector)}] (the highest, R7); ${r.ioapic}` };
}

/**
 * The guest handler services its device before the EOI: a level IO-APIC line that device drove falls (R8), so the
 * EOI's re-check (R10) finds it low. Returns the pins lowered.
 */
export function guestServicesDevice(s: KvmState, vector: number, profile: string): number[] {
  const form = profileConfig(profile).split ? 'kvm-split' : 'kvm-inkernel';
  const pins: number[] = [];
  s.ioapic.ioredtbl.forEach((e, pin) => {
    if (vector > 0 && e.vector === vector && s.ioapic.line.includes(pin)) {
      ioapicSetIrq(s.ioapic, pin, false, form);
      pins.push(pin);
    }
  });
  return pins;
}

/** Re-delivery of an IO-APIC message from inside an EOI (ioapic_service → kvm_irq_delivery_to_apic): returns accepted count. */
export type RedeliverFn = (m: IoapicMessage) => number;

/** Q3.10 `apic_set_eoi` (R7) → Q3.11. */
export function apicSetEoi(s: KvmState, i: number, profile: string, emit: (e: OutcomeEvent) => void, redeliver: RedeliverFn): { vector: number; ioapic: string } {
  const slot = s.vcpus[i];
  const vec = highest(slot.lapic.isr);
  if (vec < 0) return { vector: -1, ioapic: 'no EOI to forward' };
  clearBit(slot.lapic.isr, vec);
  updatePpr(slot.lapic);
  slot.vcpu.highest_isr_cache = -1;
  makeRequest(slot.vcpu, 'KVM_REQ_EVENT');
  return { vector: vec, ioapic: ioapicSendEoi(s, i, vec, profile, emit, redeliver) };
}

/** Q3.11 `kvm_ioapic_send_eoi` and Q3.12 `kvm_ioapic_update_eoi_one` / split `KVM_EXIT_IOAPIC_EOI` (R7, R10, R13, R18). */
export function ioapicSendEoi(s: KvmState, i: number, vector: number, profile: string, emit: (e: OutcomeEvent) => void, redeliver: RedeliverFn): string {
  const slot = s.vcpus[i];
  if (!hasBit(slot.vcpu.ioapic_handled_vectors, vector)) return `${hex(vector)} is not in ioapic_handled_vectors: the IO-APIC is not told`;
  const { split } = profileConfig(profile);
  const level = hasBit(slot.lapic.tmr, vector);
  // Ack notifiers first (kvm_notify_acked_irq): the irqfd resampler de-asserts and signals the resamplefd (Q6.5).
  const notes: string[] = [];
  const pin = s.irqfd.gsi;
  const resample = s.irqfd.resampler && s.irqfd.route === 'ioapic' && s.ioapic.ioredtbl[pin]?.vector === vector;
  if (split) {
    slot.vcpu.pending_ioapic_eoi = vector;
    notes.push(`split irqchip: pending_ioapic_eoi := ${hex(vector)}, KVM_EXIT_IOAPIC_EOI → QEMU ioapic_eoi_broadcast (SVR[12]=${slot.lapic.svr_directed_eoi ? 1 : 0} not consulted, R13)`);
  }
  if (!split && (!level || slot.lapic.svr_directed_eoi)) {
    return `kvm_ioapic_update_eoi with trigger ${level ? 'level' : 'edge'}${slot.lapic.svr_directed_eoi ? ' and SVR[12]=1' : ''}: Remote-IRR kept`;
  }
  if (resample) {
    const r = resamplerAck(s);
    notes.push(r);
  }
  const eoi = ioapicEoi(s.ioapic, vector, split ? 'kvm-split' : 'kvm-inkernel', { trigger_level: split ? undefined : level, svr_directed_eoi: split ? false : slot.lapic.svr_directed_eoi, deliver: redeliver });
  if (split) slot.vcpu.pending_ioapic_eoi = -1;
  notes.push(eoi.released.length ? `Remote-IRR cleared on pin ${eoi.released.join(', ')}` : `no level pin with vector ${hex(vector)} had Remote-IRR`);
  if (eoi.resent.length) notes.push(`line still asserted: re-sent pin ${eoi.resent.map((m) => m.pin).join(', ')}`);
  if (eoi.delayed.length) notes.push(`storm limiter: re-send of pin ${eoi.delayed.join(', ')} delayed by 10 ms`);
  if (eoi.released.length) emit({ kind: 'note', target: 'ioapic', what: `vector ${hex(vector)}`, detail: notes[notes.length - 1] });
  return notes.join('; ');
}

/** Q6.5 `irqfd_resampler_ack`: de-assert the GSI for the resampler source and signal the resamplefd (VFIO unmasks). */
export function resamplerAck(s: KvmState): string {
  const pin = s.irqfd.gsi;
  const i = s.ioapic.line.indexOf(pin);
  if (i >= 0) s.ioapic.line.splice(i, 1);
  const j = s.ioapic.irr.indexOf(pin);
  if (j >= 0) s.ioapic.irr.splice(j, 1);
  s.irqfd.resample_count++;
  s.device.intx_masked = false;
  return `irqfd_resampler_ack: kvm_set_irq(GSI ${pin}, 0) and eventfd_signal(resamplefd): VFIO unmasks the device`;
}

/** Q4.7 `vcpu_scan_ioapic` → `kvm_ioapic_scan_entry` / `kvm_scan_ioapic_routes` → `vmx_load_eoi_exitmap` (R18). */
export function scanIoapic(s: KvmState, i: number, profile: string): number[] {
  const { split } = profileConfig(profile);
  const slot = s.vcpus[i];
  const handled: number[] = [];
  s.ioapic.ioredtbl.forEach((e, pin) => {
    const notifier = s.irqfd.resampler && s.irqfd.route === 'ioapic' && s.irqfd.gsi === pin;
    const relevant = e.trig_mode === 1 || (!split && (notifier || pin === 8));
    if (!relevant || e.mask) return;
    const matches = e.dest_mode === 1 ? slot.apic_id < 8 && (e.dest & (1 << slot.apic_id)) !== 0 : e.dest === slot.apic_id;
    if (matches && e.vector >= 16) addBit(handled, e.vector);
  });
  slot.vcpu.ioapic_handled_vectors = handled;
  slot.vcpu.eoi_exit_bitmap = slot.vcpu.apicv_active ? [...handled] : [];
  return handled;
}

// ---------------------------------------------------------------------------------------------------------------
// A compact run of a vCPU through vcpu_run until the guest is idle: used by flows whose own steps end where
// Q3/Q4 take over (Q5, Q6, Q9, Q10, Q12), so their traces still say what the guest received.

export interface RunOptions {
  handlerEoi: boolean;
  /** The guest handler services its device before the EOI (a level line it drove falls); default true. */
  clearsLine?: boolean;
  emit: (e: OutcomeEvent) => void;
  profile: string;
  redeliver: RedeliverFn;
}

/** `vcpu_run` for vCPU i: block check, pending timer, entry, delivery, guest handler and EOI, repeated while work remains. */
export function runVcpu(s: KvmState, i: number, o: RunOptions): string[] {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  const log: string[] = [];
  if (v.preempted) {
    o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: `${vname(i)} is preempted: it runs only when scheduled in` });
    return ['preempted: not running'];
  }
  for (let guard = 0; guard < 16; guard++) {
    if (v.halted) {
      const c = checkBlock(s, i);
      log.push(`kvm_vcpu_check_block: ${c.why}`);
      if (!c.runnable) {
        v.blocked = true;
        v.mode = 'OUTSIDE_GUEST_MODE';
        o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: `${vname(i)} stays blocked: ${c.why}` });
        return log;
      }
      v.halted = false;
      v.blocked = false;
      log.push(`vmx_vcpu_pi_load: ${piLoad(s, i, v.pcpu)}`);
    }
    v.mode = 'OUTSIDE_GUEST_MODE';
    if (slot.timer.pending > 0) log.push(injectPendingTimer(s, i));
    if (v.pending_events.length) log.push(acceptEvents(s, i));
    const ev = checkRequest(v, 'KVM_REQ_EVENT');
    let inj = '';
    if (ev || v.nmi_pending > 0 || v.intr_info >= 0) {
      const r = checkAndInject(s, i);
      inj = r.why;
      if (r.kind === 'nmi') {
        o.emit({ kind: 'delivered', target: vname(i), handler: 'exc_nmi', what: 'NMI', detail: 'NMI injected at entry' });
        continue;
      }
      log.push(`kvm_check_and_inject_events: ${r.why}`);
      log.push(`kvm_lapic_sync_to_vapic: ${pvEoiArm(s, i).why}`);
    }
    if (v.apicv_active) log.push(`vmx_sync_pir_to_irr: ${syncPir(s, i).why}`);
    const e = vmEntry(s, i);
    log.push(e.why);
    if (e.vector < 0) {
      if (!inj && !ev) break;
      if (slot.lapic.irr.length === 0 && slot.pi_desc.pir.length === 0 && !v.requests.includes('KVM_REQ_EVENT')) break;
      if (deliverableVector(slot.lapic, 'kvm') < 0 || !v.rflags_if) {
        o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: `${vname(i)} runs with [${slot.lapic.irr.map(hex).join(', ')}] pending: ${e.why}` });
        break;
      }
      continue;
    }
    o.emit({ kind: 'delivered', target: vname(i), handler: guestHandler(e.vector), what: `vector ${hex(e.vector)}`, detail: e.why });
    if (!o.handlerEoi) {
      log.push(`guest handler for ${hex(e.vector)} has not written EOI yet`);
      break;
    }
    const eoi = guestEoi(s, i, o.profile, o.emit, o.redeliver, o.clearsLine !== false);
    log.push(`EOI ${hex(eoi.vector)}: ${eoi.why}`);
    if (eoi.path === 'virtualized-no-exit' && !recognised(slot.lapic, v) && slot.pi_desc.pir.length === 0) break;
  }
  return log;
}

/** What is still waiting for vCPU i, for 'pending' outcomes. */
export function pendingWhat(s: KvmState, i: number): string {
  const slot = s.vcpus[i];
  const parts: string[] = [];
  if (slot.pi_desc.pir.length) parts.push(`PIR [${slot.pi_desc.pir.map(hex).join(', ')}]`);
  if (slot.lapic.irr.length) parts.push(`IRR [${slot.lapic.irr.map(hex).join(', ')}]`);
  if (slot.timer.pending) parts.push('timer pending');
  return parts.join(', ') || 'nothing';
}

/** Q10.6 `kvm_apic_accept_events`: INIT/SIPI handling on the target. */
export function acceptEvents(s: KvmState, i: number): string {
  const v = s.vcpus[i].vcpu;
  const ev = v.pending_events.join('+');
  v.pending_events = [];
  return `kvm_apic_accept_events: ${ev} processed (INIT resets the vCPU to wait-for-SIPI; SIPI starts it at the vector's page)`;
}

/**
 * Q9.5 `kvm_inject_pending_timer_irqs` → `kvm_apic_local_deliver(APIC_LVTT)` → `__apic_accept_irq` (R25, R26):
 * one-shot / TSC-deadline clear the deadline, then pending := 0.
 */
export function injectPendingTimer(s: KvmState, i: number): string {
  const slot = s.vcpus[i];
  const lvt = slot.lapic.lvt_timer;
  const t = slot.timer;
  if (!slot.lapic.svr_enabled || lvt.masked) {
    t.pending = 0;
    return `kvm_apic_local_deliver(APIC_LVTT): LVTT ${lvt.masked ? 'masked' : 'with APIC disabled'}: nothing delivered (R26)`;
  }
  const irq: LapicIrq = { vector: lvt.vector, delivery: 'fixed', dest: slot.apic_id, logical: false, shorthand: 'self', level_triggered: false, level: true };
  const acc = apicAcceptIrq(s, i, irq);
  let d = acc.why;
  if (acc.kind === 'fixed') d = deliverInterrupt(s, i, lvt.vector).why;
  if (lvt.mode !== 'periodic') {
    t.tscdeadline = 0;
    if (lvt.mode === 'oneshot') t.target_expiration = 0;
  }
  t.pending = 0;
  // From the vCPU's own thread the kick is a no-op (mode is not IN_GUEST_MODE); a post is synced at entry.
  return `kvm_apic_local_deliver(APIC_LVTT): vector ${hex(lvt.vector)} → ${d}; pending := 0`;
}

/** Deliver a message to every target: Q3.1 → deliverOne per target; returns accepted count. */
export function deliverToApics(s: KvmState, irq: LapicIrq, src: number, o: RunOptions, run: boolean): { accepted: number; log: string[] } {
  const r = routeIrq(s, irq, src);
  const log = [`kvm_irq_delivery_to_apic: ${r.why}`];
  let accepted = 0;
  for (const i of r.targets) {
    const d = deliverOne(s, i, irq, src, o, run);
    log.push(...d.log);
    if (d.accepted) accepted++;
  }
  return { accepted, log };
}

/**
 * One target: Q3.2 `__apic_accept_irq` → Q3.3/Q4.1 `vmx_deliver_interrupt` → Q3.4 kick or Q4.2 notification
 * (+ Q4.3 in hardware), then, when `run`, the target's vcpu_run / in-guest delivery.
 */
export function deliverOne(s: KvmState, i: number, irq: LapicIrq, src: number, o: RunOptions, run: boolean): { accepted: boolean; log: string[] } {
  const log: string[] = [];
  const acc = apicAcceptIrq(s, i, irq);
  log.push(`__apic_accept_irq(${vname(i)}): ${acc.why}`);
  if (acc.kind === 'dropped') {
    o.emit({ kind: 'dropped', target: vname(i), what: `vector ${hex(irq.vector)}`, detail: acc.why });
    return { accepted: false, log };
  }
  if (acc.kind === 'fixed') {
    const d = deliverInterrupt(s, i, irq.vector);
    log.push(`vmx_deliver_interrupt: ${d.why}`);
    if (d.kind === 'posted') {
      if (d.post !== 'notify') {
        o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: d.why });
        return { accepted: true, log };
      }
      const t = triggerPosted(s, i, src);
      log.push(`kvm_vcpu_trigger_posted_interrupt: ${t.why}`);
      if (t.kind === 'ipi') {
        log.push(hwProcessNotification(s, i));
        if (run) log.push(...runInGuest(s, i, o));
      } else if (t.kind === 'woken') {
        if (run) log.push(...runVcpu(s, i, o));
      } else if (run && (t.kind === 'self' || (t.kind === 'none' && i === src && !s.vcpus[i].vcpu.preempted))) {
        // The sender itself (e.g. a broadcast IPI including self): it re-enters after its exit and syncs the PIR.
        log.push(...runVcpu(s, i, o));
      } else if (t.kind === 'none') {
        o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: t.why });
      }
      return { accepted: true, log };
    }
  } else if (acc.kind === 'nmi') {
    makeRequest(s.vcpus[i].vcpu, 'KVM_REQ_EVENT');
  }
  const k = kickVcpu(s, i, src);
  log.push(`kvm_vcpu_kick: ${k.why}`);
  if (k.result === 'woken') o.emit({ kind: 'woken', target: vname(i), handler: 'kvm_vcpu_wake_up', detail: k.why });
  if (k.enters && run) log.push(...runVcpu(s, i, o));
  else if (!k.enters) o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: k.why });
  return { accepted: true, log };
}

/** A vCPU already in non-root mode after a notification: the CPU evaluates and delivers without an exit. */
export function runInGuest(s: KvmState, i: number, o: RunOptions): string[] {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  const log: string[] = [];
  for (let guard = 0; guard < 16; guard++) {
    const e = vmEntryInGuest(s, i);
    log.push(e.why);
    if (e.vector < 0) {
      if (slot.lapic.irr.length) o.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: e.why });
      break;
    }
    o.emit({ kind: 'delivered', target: vname(i), handler: guestHandler(e.vector), what: `vector ${hex(e.vector)}`, detail: e.why });
    if (!o.handlerEoi) break;
    const eoi = guestEoi(s, i, o.profile, o.emit, o.redeliver, o.clearsLine !== false);
    log.push(`EOI ${hex(eoi.vector)}: ${eoi.why}`);
    if (eoi.path === 'eoi-induced-exit') {
      // The exit goes back through vcpu_run; KVM_REQ_EVENT is consumed at the next entry.
      log.push(...runVcpu(s, i, o));
      break;
    }
    if (!recognised(slot.lapic, v)) break;
  }
  return log;
}

function vmEntryInGuest(s: KvmState, i: number): { vector: number; why: string } {
  const slot = s.vcpus[i];
  const v = slot.vcpu;
  if (!recognised(slot.lapic, v)) return { vector: -1, why: `RVI ${hex(v.rvi)} does not beat VPPR (SDM 29.2.1): nothing delivered` };
  if (!v.rflags_if) return { vector: -1, why: `RVI ${hex(v.rvi)} recognised but RFLAGS.IF=0: delivery waits for IF=1 (SDM 29.2.2)` };
  const vec = deliverVirtual(slot.lapic, v);
  return { vector: vec, why: `virtual-interrupt delivery of ${hex(vec)}: VISR[${hex(vec)}]=1, SVI := ${hex(v.svi)}, RVI := ${hex(v.rvi)} (R17)` };
}

/** A RedeliverFn for IO-APIC messages: route + accept + deliver, and run the targets when `run`. */
export function makeRedeliver(s: KvmState, o: Omit<RunOptions, 'redeliver'>, run: boolean): RedeliverFn {
  // A line that stays asserted re-fires at every EOI (R10); the guest would loop until the storm limiter. Nested
  // re-deliveries past a few levels are accepted but not run, so a model run always ends.
  let depth = 0;
  const fn: RedeliverFn = (m) => {
    const irq = irqFromIoapic(m);
    depth++;
    try {
      const r = deliverToApics(s, irq, -1, { ...o, redeliver: fn }, run && depth <= 3);
      o.emit({ kind: 'note', target: 'ioapic', what: `pin ${m.pin}`, detail: `ioapic_service re-sent vector ${hex(m.vector)}: ${r.log.join(' → ')}` });
      return r.accepted === 0 && routeIrq(s, irq, -1).targets.length === 0 ? -1 : r.accepted;
    } finally {
      depth--;
    }
  };
  return fn;
}

/** IO-APIC delivery-mode numbers for a LapicIrq (for IO-APIC-sourced messages). */
export const DM = { fixed: DM_FIXED, lowest: DM_LOWPRI };
