// The KVM host machine's state for the Q3–Q12 flows: profiles (in-kernel / split irqchip × APICv), per-vCPU LAPIC,
// vCPU, pi_desc, timer and PV EOI, the IO-APIC, VT-d IRTE, irqfd and device; validation and shared parameters.

import { ioapicProblems, IoapicState, newIoapic, newRte } from '../../components/ioapic';
import { irqfdProblems, IrqfdState, newIrqfd, newVfioDevice, VfioDeviceState } from '../../components/irqfd';
import { kvmTimerProblems, KvmTimerState, newKvmTimer } from '../../components/kvmTimer';
import { addBit, lapicProblems, LapicState, newLapic } from '../../components/lapic';
import { irteProblems, newPiDesc, newRemappedIrte, PiDesc, piDescProblems, PostedIrte } from '../../components/postedInterrupt';
import { newPvEoi, pvEoiProblems, PvEoiState } from '../../components/pvEoi';
import { newVcpu, vcpuProblems, VcpuState } from '../../components/vcpu';
import { ParamSpec, ParamValues, Profile } from '../../core/types';

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

export interface KvmVcpuSlot {
  /** xAPIC/x2APIC ID; `dest` of a physical message matches it (QR15). */
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

/** One IO-APIC pin's MSI route in KVM with a split irqchip: the message QEMU built from the RTE (ioapic_entry_parse). */
export interface SplitRoute {
  vector: number;
  trig_mode: number;
  dest: number;
  dest_mode: number;
}

/**
 * QEMU's ioapic_update_kvm_routes after an RTE write (split irqchip): every unmasked entry's message becomes its pin's
 * KVM route (kvm_irqchip_update_msi_route); a masked entry's route is left as it was.
 */
export function updateSplitRoutes(s: KvmState): void {
  s.ioapic.ioredtbl.forEach((e, pin) => {
    if (!e.mask) s.split_routes[pin] = { vector: e.vector, trig_mode: e.trig_mode, dest: e.dest, dest_mode: e.dest_mode };
    else if (s.split_routes[pin] === undefined) s.split_routes[pin] = null;
  });
}

export interface KvmState {
  vcpus: KvmVcpuSlot[];
  /** Host pCPUs 0..pcpus−1. */
  pcpus: number;
  /** Per-pCPU `wakeup_vcpus_on_cpu` lists (vCPU indices). */
  wakeup_vcpus_on_cpu: number[][];
  config: KvmConfig;
  ioapic: IoapicState;
  /**
   * kvm-split: the MSI route KVM holds for each IO-APIC pin, as QEMU last wrote it. QEMU's ioapic_update_kvm_routes
   * rewrites the route of unmasked entries only, so a masked pin keeps its previous message; null is a pin QEMU never
   * routed (the zero message of kvm_arch_init_irq_routing). Empty with the in-kernel irqchip, which has no such routes.
   */
  split_routes: (SplitRoute | null)[];
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
    config: { x2apic: false, vtd_pi: false, ipiv: profile === 'apicv-ipiv', hv_timer: true, vector_hashing: true },
    ioapic, split_routes: [], irte: newRemappedIrte(), irqfd: newIrqfd(), device: newVfioDevice(),
  };
  if (split) updateSplitRoutes(s);
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
    out.push(...lapicProblems(v.lapic, `${w}.lapic`, { restoredSpiv: true }), ...vcpuProblems(v.vcpu, `${w}.vcpu`, s.pcpus), ...piDescProblems(v.pi_desc, `${w}.pi_desc`));
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

/**
 * Parameter problems shared by the flows: unknown vCPUs. A message vector below 16 is not refused: KVM accepts it
 * (arch/x86/kvm/lapic.c __apic_accept_irq has no vector check) and it then stays in IRR, never injected.
 */
export function paramProblems(s: KvmState, params: ParamValues): string[] {
  const out: string[] = [];
  for (const k of ['vcpu', 'src']) {
    const v = params[k];
    if (typeof v === 'number' && v !== -1 && (v < 0 || v >= s.vcpus.length)) out.push(`parameter "${k}" = ${v}: no such vCPU (vCPUs 0..${s.vcpus.length - 1}${k === 'src' ? ', or −1 for a host thread' : ''})`);
  }
  return out;
}

export const P: Record<string, ParamSpec> = {
  vector: { name: 'vector', type: 'int', description: 'The guest vector.', default: 0x41, min: 0, max: 255 },
  dest: { name: 'dest', type: 'int', description: 'Destination APIC ID (physical) or logical mask; 0xff (xAPIC) / 0xffffffff (x2APIC) broadcasts.', default: 1, min: 0, max: 0xffffffff },
  dest_mode: { name: 'dest_mode', type: 'enum', description: 'Physical or logical (flat) destination.', default: 'physical', values: ['physical', 'logical'] },
  delivery: { name: 'delivery', type: 'enum', description: 'Delivery mode.', default: 'fixed', values: ['fixed', 'lowest', 'nmi', 'init', 'startup'] },
  trigger: { name: 'trigger', type: 'enum', description: 'Trigger mode of the message (sets TMR, QR4).', default: 'edge', values: ['edge', 'level'] },
  shorthand: { name: 'shorthand', type: 'enum', description: 'ICR destination shorthand.', default: 'none', values: ['none', 'self', 'all-including-self', 'all-excluding-self'] },
  src: { name: 'src', type: 'int', description: 'The thread that delivers: a vCPU index (its own thread, e.g. an IPI sender or a fastpath exit) or −1 for a host thread (irqfd, IO-APIC, hrtimer).', default: -1, min: -1, max: 63 },
  vcpu: { name: 'vcpu', type: 'int', description: 'The vCPU a step works on when a run starts mid-flow (routing steps set it themselves).', default: 1, min: 0, max: 63 },
  handler_eoi: { name: 'handler_eoi', type: 'bool', description: 'The guest handler runs to its EOI (false: the vector stays in service).', default: true },
};

export function pick(...names: string[]): ParamSpec[] {
  return names.map((n) => P[n]);
}

/** Q4.7 `vcpu_scan_ioapic` → `kvm_ioapic_scan_entry` / `kvm_scan_ioapic_routes` → `vmx_load_eoi_exitmap` (QR18). */
export function scanIoapic(s: KvmState, i: number, profile: string): number[] {
  const { split } = profileConfig(profile);
  const slot = s.vcpus[i];
  const handled: number[] = [];
  const matches = (e: { dest: number; dest_mode: number }): boolean => (e.dest_mode === 1 ? slot.apic_id < 8 && (e.dest & (1 << slot.apic_id)) !== 0 : e.dest === slot.apic_id);
  if (split) {
    // kvm_scan_ioapic_routes reads QEMU's MSI routes, not the RTEs: a level route aimed at this vCPU counts. QEMU
    // rewrites a route only while its entry is unmasked, so a pin masked after it was routed keeps its last message
    // (its vector still gets the EOI exit, and QEMU's ioapic_eoi_broadcast clears Remote-IRR of the masked pin);
    // a pin never unmasked has the zero message and counts for nothing. No pending-EOI check on this path.
    s.split_routes.forEach((r) => {
      if (r && r.trig_mode === 1 && matches(r) && r.vector >= 16) addBit(handled, r.vector);
    });
  } else {
    s.ioapic.ioredtbl.forEach((e, pin) => {
      const notifier = s.irqfd.resampler && s.irqfd.route === 'ioapic' && s.irqfd.gsi === pin;
      // In-kernel (kvm_ioapic_scan_entry) the mask bit is not consulted, and a vector still in this vCPU's ISR or IRR
      // counts even if the entry now points elsewhere (kvm_apic_pending_eoi), so a pin masked or re-routed while its
      // vector is in service still gets the EOI.
      if (e.trig_mode !== 1 && !notifier && pin !== 8) return;
      const pendingEoi = slot.lapic.isr.includes(e.vector) || slot.lapic.irr.includes(e.vector);
      if ((matches(e) || pendingEoi) && e.vector >= 16) addBit(handled, e.vector);
    });
  }
  slot.vcpu.ioapic_handled_vectors = handled;
  slot.vcpu.eoi_exit_bitmap = slot.vcpu.apicv_active ? [...handled] : [];
  return handled;
}
