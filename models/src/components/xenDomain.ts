// One Xen guest domain as the X1–X7 flows see it: the event-channel ABI state (2-level or FIFO), struct evtchn,
// per-vCPU scheduling facts, the HVM callback (hvm_irq, vIOAPIC, vLAPICs), guest-bound PIRQs, and the Linux
// guest's tables. State names follow Xen's and Linux's own (shared_info, vcpu_info, struct evtchn); the constructor builds a small default domain.

import { LapicState, newLapic } from './lapic';
import { EVTCHN_2L_NR_CHANNELS, Evtchn, SharedInfo, VcpuInfo, evtchn2lProblems, newEvtchn, newVcpuInfo } from './evtchn2l';
import { EVTCHN_FIFO_NR_CHANNELS, FifoState, fifoProblems, newFifo } from './evtchnFifo';
import { HvmIrq, VioapicPin, hvmCallbackProblems, newHvmIrq } from './xenHvmCallback';
import { LinuxEvtchnState, linuxEvtchnProblems, newLinuxEvtchn } from './linuxEvtchn';

/** Per-vCPU scheduler / arch facts the delivery path reads (struct vcpu). */
export interface XenVcpu {
  /** v->is_running: on a pCPU right now. */
  is_running: boolean;
  /** Blocked in SCHEDOP_block / HLT (vcpu_block), woken by vcpu_unblock. */
  blocked: boolean;
  /** SCHEDOP_poll: −1 not polling, 0 polling any port, p polling port p (v->poll_evtchn + d->poll_mask). */
  poll_evtchn: number;
  /** v->poll_timer: 0 not armed, t armed by SCHEDOP_poll with timeout t (it stays armed after an event wake). */
  poll_timer: number;
  /** PV: the UM saved in the bounce frame (saved_upcall_mask), restored by do_iret. */
  saved_upcall_mask: number;
  /** HVM: guest RFLAGS.IF (hvm_interrupt_blocked). Cleared while a handler runs (interrupt gate). */
  rflags_if: boolean;
  /** UV[v] = v->arch.hvm.evtchn_upcall_vector, 0 = none (HVMOP_set_evtchn_upcall_vector). */
  evtchn_upcall_vector: number;
  /** VIRQ2P[v]: v->virq_to_evtchn[virq] (0 = not bound). */
  virq_to_evtchn: Record<string, number>;
  /** HVM: v->arch.hvm.assert_evtchn_irq_tasklet is on a softirq tasklet list, not yet run (tasklet_schedule; do_tasklet_work takes it off). */
  assert_tasklet_queued: boolean;
}

/** Xen's guest-bound physical IRQ (struct pirq + irq_guest_action_t), one domain bound. */
export interface XenPirq {
  /** pirq->evtchn: the port bound to it, 0 = none. */
  evtchn: number;
  /** pirq->masked: an interrupt is in flight and awaits the guest's EOI. */
  masked: number;
  in_flight: number;
  ack_type: 'ACKTYPE_NONE' | 'ACKTYPE_UNMASK' | 'ACKTYPE_EOI';
  /** The LAPIC EOI (ACKTYPE_EOI) or line unmask (ACKTYPE_UNMASK) Xen is withholding. */
  eoi_withheld: boolean;
  eoi_timer_armed: boolean;
}

export interface XenDomainState {
  guest: 'pv' | 'hvm';
  /** has_32bit_shinfo(d): 32-port words, 1024 2-level ports (the i386 guest of Linux 2.6.23); else 64 × 64 = 4096. */
  has_32bit_shinfo: boolean;
  /** d->evtchn_port_ops: 2-level or FIFO. */
  abi: '2l' | 'fifo';
  shared_info: SharedInfo;
  vcpu_info: VcpuInfo[];
  vcpu: XenVcpu[];
  /** struct evtchn by port. */
  evtchn: Record<string, Evtchn>;
  /** The other end of interdomain channels (the backend domain, e.g. dom0), by its port. */
  peer_evtchn: Record<string, Evtchn>;
  fifo: FifoState | null;
  hvm_irq: HvmIrq;
  /**
   * d->arch.emulation_flags: which device models Xen emulates for an HVM domain. A full HVM guest has all three; a PVH
   * guest has no vIOAPIC and no vPIC (and optionally a vLAPIC); PV has none.
   */
  emulation: { vlapic: boolean; vioapic: boolean; vpic: boolean };
  vioapic: Record<string, VioapicPin>;
  vlapic: LapicState[];
  pirq: Record<string, XenPirq>;
  /** PHYSDEVOP_pirq_eoi_gmfn: 0 none, 1 v1 (also sets auto_unmask), 2 v2 — the shared pirq_eoi_map Linux reads (XR28). */
  physdev: { pirq_eoi_map: number; auto_unmask: boolean };
  linux: LinuxEvtchnState;
  /** Model log, not kernel state: per CPU, the ports whose driver handlers ran, in order (scan order checks). */
  handled: number[][];
}

export interface DomainOptions {
  nrVcpus: number;
  guest: 'pv' | 'hvm';
  abi: '2l' | 'fifo';
  /** An HVM domain without the emulated IO-APIC and PIC (PVH). */
  pvh?: boolean;
}

export function newXenVcpu(): XenVcpu {
  return { is_running: true, blocked: false, poll_evtchn: -1, poll_timer: 0, saved_upcall_mask: 0, rflags_if: true, evtchn_upcall_vector: 0, virq_to_evtchn: {}, assert_tasklet_queued: false };
}

export function newDomain(o: DomainOptions): XenDomainState {
  return {
    guest: o.guest,
    has_32bit_shinfo: false,
    abi: o.abi,
    shared_info: { evtchn_pending: [], evtchn_mask: [] },
    vcpu_info: Array.from({ length: o.nrVcpus }, newVcpuInfo),
    vcpu: Array.from({ length: o.nrVcpus }, newXenVcpu),
    evtchn: { '0': newEvtchn({ state: 'ECS_RESERVED' }) },
    peer_evtchn: {},
    fifo: o.abi === 'fifo' ? newFifo(o.nrVcpus) : null,
    hvm_irq: newHvmIrq(),
    emulation: o.guest === 'pv' ? { vlapic: false, vioapic: false, vpic: false } : { vlapic: true, vioapic: !o.pvh, vpic: !o.pvh },
    vioapic: {},
    vlapic: Array.from({ length: o.nrVcpus }, newLapic),
    pirq: {},
    physdev: { pirq_eoi_map: 0, auto_unmask: false },
    linux: newLinuxEvtchn(o.nrVcpus),
    handled: Array.from({ length: o.nrVcpus }, () => []),
  };
}

/** BITS_PER_EVTCHN_WORD(d). */
export const wordBits = (d: XenDomainState): number => (d.has_32bit_shinfo ? 32 : 64);
export const maxPorts = (d: XenDomainState): number => (d.abi === 'fifo' ? EVTCHN_FIFO_NR_CHANNELS : d.has_32bit_shinfo ? 32 * 32 : EVTCHN_2L_NR_CHANNELS);
export const nrVcpus = (d: XenDomainState): number => d.vcpu_info.length;

/** Check a port parameter against the domain's ABI (bad input → a precise message). */
export function portProblem(d: XenDomainState, port: number, field = 'port'): string | undefined {
  const max = maxPorts(d);
  if (!Number.isInteger(port) || port < 1 || port >= max) {
    return `${field} = ${port}: the ${d.abi === 'fifo' ? 'FIFO' : '2-level'} ABI has ports 1..${max - 1} (port 0 is reserved)`;
  }
  return undefined;
}

export function vcpuProblem(d: XenDomainState, v: number, field = 'vcpu'): string | undefined {
  if (!Number.isInteger(v) || v < 0 || v >= nrVcpus(d)) return `${field} = ${v}: unknown vCPU (the domain has vCPUs 0..${nrVcpus(d) - 1})`;
  return undefined;
}

/** Every impossible state of the domain, each naming its field. */
export function domainProblems(d: XenDomainState): string[] {
  const n = nrVcpus(d);
  const out: string[] = [];
  if (d.guest !== 'pv' && d.guest !== 'hvm') out.push(`guest = ${JSON.stringify(d.guest)}: pv or hvm`);
  if (d.abi !== '2l' && d.abi !== 'fifo') out.push(`abi = ${JSON.stringify(d.abi)}: 2l or fifo`);
  if (d.abi === 'fifo' && !d.fifo) out.push('abi = fifo but the fifo state is null');
  if (d.vcpu.length !== n) out.push(`vcpu has ${d.vcpu.length} entries but vcpu_info has ${n}`);
  out.push(...evtchn2lProblems(d.shared_info, d.vcpu_info, d.evtchn, n, maxPorts(d), wordBits(d)));
  if (d.abi === 'fifo' && (d.shared_info.evtchn_pending.length || d.shared_info.evtchn_mask.length)) {
    out.push('shared_info.evtchn_pending/evtchn_mask are unused once FIFO is active: use fifo.event_word');
  }
  if (d.fifo) out.push(...fifoProblems(d.fifo, n));
  if (d.guest === 'pv' && (d.emulation.vlapic || d.emulation.vioapic || d.emulation.vpic)) out.push('emulation: a PV domain has no emulated LAPIC, IO-APIC or PIC');
  out.push(...hvmCallbackProblems(d.hvm_irq, d.vioapic, d.vcpu.map((v) => v.evtchn_upcall_vector), n));
  out.push(...linuxEvtchnProblems(d.linux, n, maxPorts(d), wordBits(d)));
  d.vcpu.forEach((v, i) => {
    if (v.poll_evtchn < -1 || v.poll_evtchn >= maxPorts(d)) out.push(`vcpu.${i}.poll_evtchn = ${v.poll_evtchn}: −1 (not polling), 0 (any) or a port`);
    if (!Number.isInteger(v.poll_timer) || v.poll_timer < 0) out.push(`vcpu.${i}.poll_timer = ${v.poll_timer}: 0 (not armed) or the timeout it was armed with`);
  });
  return out;
}
