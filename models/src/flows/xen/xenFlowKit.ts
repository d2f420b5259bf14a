// Shared machinery of the Xen flows X1–X7: step type, the call/return stack that lets a delivery chain
// resume a suspended scan, per-flow step ids for reused steps, profiles, the default domain and its docs.

import { Link, ModelError, ParamSpec, ParamValues, Profile, Step, StepContext, StepResult } from '../../core/types';
import { deepClone } from '../../core/statePath';
import { readOnlyState } from '../../core/changeRecorder';
import { XenDomainState, domainProblems, newDomain, portProblem, vcpuProblem, maxPorts } from '../../components/xenDomain';
import { Evtchn, newEvtchn } from '../../components/evtchn2l';
import { IrqInfo, bindPortToCpu, newIrqInfo } from '../../components/linuxEvtchn';
import { newWord, word } from '../../components/evtchnFifo';

export type XStep = Step<XenDomainState>;
export type XCtx = StepContext<XenDomainState>;

export const XEN_PROFILES: Profile[] = [
  { id: 'xen417-linux61', title: 'Xen 4.17.5 + Linux 6.1.192', description: 'The versions the models follow: Xen 4.17.5 and Linux 6.1.' },
  {
    id: 'linux2007',
    title: 'Xen + the 2007 Linux patch (Linux 2.6.23 arch/i386/xen/events.c)',
    description: 'arch/i386/xen/events.c: scan restarts at the lowest word/bit and re-reads after every port, no VIRQ_TIMER-first, no is_active, no upcall re-loop, handle_level_irq on dynamic irqs, rebind without masking. PV only.',
  },
];

// ---- links -------------------------------------------------------------------------------------------
export const xenLink = (symbol: string, file: string, extra: Partial<Link> = {}): Link => ({ codebase: 'xen', symbol, file, ...extra });
export const linuxLink = (symbol: string, file: string, extra: Partial<Link> = {}): Link => ({ codebase: 'linux', symbol, file, ...extra });
export const LINUX_EVENTS_BASE = 'drivers/xen/events/events_base.c';
export const LINUX_EVENTS_2L = 'drivers/xen/events/events_2l.c';
export const LINUX_EVENTS_FIFO = 'drivers/xen/events/events_fifo.c';
export const XEN_EVENT_CHANNEL = 'xen/common/event_channel.c';
export const XEN_HVM_IRQ = 'xen/arch/x86/hvm/irq.c';
export const LINUX_2007_PATCH = 'Linux 2.6.23 arch/i386/xen/events.c (2007)';

// ---- call/return stack -------------------------------------------------------------------------------
// A delivery chain started inside a handler (a resend, an unmask that re-raises) must come back to the scan
// that was running. Frames live in the internal parameter `ret` (JSON), never in the domain state.
interface Frame { step: string; params: ParamValues }

/** A `ret` text read back: its frames (never changed once built) and the text of the stack below its top. */
interface Stack { frames: readonly Frame[]; below: string }

/**
 * Stacks already read or built, by their text: a chain pushes and pops the same few stacks over and over, and reading
 * one back is then a lookup instead of a JSON parse. Bounded: emptied when it grows past STACK_CACHE_MAX.
 */
const stacks = new Map<string, Stack>();
const STACK_CACHE_MAX = 4096;

function remember(text: string, stack: Stack): Stack {
  if (stacks.size >= STACK_CACHE_MAX) stacks.clear();
  stacks.set(text, stack);
  return stack;
}

function stackOf(params: ParamValues): Stack | undefined {
  const r = params.ret;
  if (typeof r !== 'string' || r === '') return undefined;
  const known = stacks.get(r);
  if (known) return known;
  const frames = JSON.parse(r) as Frame[];
  return remember(r, { frames, below: frames.length > 1 ? JSON.stringify(frames.slice(0, -1)) : '' });
}

function frames(params: ParamValues): readonly Frame[] {
  return stackOf(params)?.frames ?? [];
}

function stripRet(p: ParamValues): ParamValues {
  const out: ParamValues = {};
  for (const k of Object.keys(p)) if (k !== 'ret') out[k] = p[k];
  return out;
}

/** Go to `next`, arranging that when the chain started there ends, the run resumes at `returnTo` with the current params (plus `returnParams`). */
export function call(ctx: XCtx, branch: string, why: string, next: string, params: ParamValues, returnTo: string, returnParams: ParamValues = {}): StepResult {
  const found = stackOf(ctx.params);
  const below = found && found.frames.length > 0 ? found : undefined;
  // The caller's parameters without `ret`, then returnParams over them (as a spread of both would give, in one copy).
  const resumed = stripRet(ctx.params);
  for (const k of Object.keys(returnParams)) resumed[k] = returnParams[k];
  const frame: Frame = { step: returnTo, params: resumed };
  // The text JSON.stringify gives the longer stack: the shorter one's items, then the new frame's.
  const belowText = below ? (ctx.params.ret as string) : '';
  const frameText = JSON.stringify(frame);
  const text = below ? `${belowText.slice(0, -1)},${frameText}]` : `[${frameText}]`;
  // Cached as reading its text back gives it (no undefined fields), so a cached stack equals a parsed one.
  if (!stacks.has(text)) {
    const read = deepClone(frame);
    remember(text, { frames: below ? [...below.frames, read] : [read], below: belowText });
  }
  return { branch, why, next, params: { ...params, ret: text } };
}

/** True when a guest wrapper called this step and gets the result back; false for a raw hypercall (a scenario action). */
export function hasCaller(ctx: XCtx): boolean {
  return frames(ctx.params).length > 0;
}

/** The step the innermost suspended caller resumes at when this chain ends (undefined: the run ends). */
export function returnsTo(ctx: XCtx): string | undefined {
  return frames(ctx.params).at(-1)?.step;
}

/** Go to `next` keeping the stack. */
export function go(branch: string, why: string, next: string, params?: ParamValues): StepResult {
  return { branch, why, next, params };
}

/** This chain ends here: resume the innermost suspended caller, or end the run. */
export function finish(ctx: XCtx, branch: string, why: string, result: ParamValues = {}): StepResult {
  const stack = stackOf(ctx.params);
  const top = stack?.frames[stack.frames.length - 1];
  if (!stack || !top) return { branch, why, next: null };
  const restored: ParamValues = {};
  for (const k of Object.keys(ctx.params)) (restored as Record<string, unknown>)[k] = undefined; // drop keys the callee added
  return { branch, why: `${why}; returns to ${top.step}`, next: top.step, params: { ...restored, ...top.params, ...result, ret: stack.below === '' ? '[]' : stack.below } };
}

// ---- per-flow ids ------------------------------------------------------------------------------------
/** A step of flow F keeps its own id; a step of another flow reused inside F is `<id>@F` (ids are unique across flows). */
const localIds = new Map<string, Map<string, string>>();
export function localId(flowId: string, id: string): string {
  let ids = localIds.get(flowId);
  if (ids === undefined) localIds.set(flowId, (ids = new Map()));
  let out = ids.get(id);
  if (out === undefined) ids.set(id, (out = id.split('.')[0] === flowId ? id : `${id}@${flowId}`));
  return out;
}

export function localize(flowId: string, steps: XStep[]): XStep[] {
  return steps.map((s) => ({
    ...s,
    id: localId(flowId, s.id),
    branches: s.branches?.map((b) => ({ ...b, next: b.next === null ? null : localId(flowId, b.next) })),
    run(ctx: XCtx): StepResult {
      const r = s.run(ctx);
      const next = r.next === null ? null : localId(flowId, r.next);
      // Every step of every Xen run passes here: the step's own result when nothing in it is renamed (nothing writes
      // to a result), else a new one (the step's own may be shared), built field by field.
      if (next === r.next && r.handOff === undefined) return r;
      const out: StepResult = { branch: r.branch, why: r.why, next };
      if (r.params !== undefined) out.params = r.params;
      if (r.deferTo !== undefined) out.deferTo = r.deferTo;
      if (r.handOff) out.handOff = r.handOff.map((h) => ({ ...h, next: localId(flowId, h.next) }));
      return out;
    },
  }));
}

// ---- parameters --------------------------------------------------------------------------------------
export const P_PORT = (def: number, description = 'The event-channel port (2-level: 1..4095; FIFO: 1..131071).'): ParamSpec => ({ name: 'port', type: 'int', description, default: def, min: 0, max: 1 << 20 });
export const P_VCPU = (def = 0, description = 'The target vCPU.', min = -1): ParamSpec => ({ name: 'vcpu', type: 'int', description, default: def, min, max: 63 });
export const P_CPU = (def = 0, description = 'The Linux CPU (= Xen vCPU, XR35) running the guest code.', min = -1): ParamSpec => ({ name: 'cpu', type: 'int', description, default: def, min, max: 63 });
export const P_VCPUS: ParamSpec = { name: 'vcpus', type: 'int', description: 'Number of vCPUs of the domain (2–4 keeps traces small).', default: 2, min: 1, max: 8 };
export const P_GUEST = (def: 'pv' | 'hvm'): ParamSpec => ({ name: 'guest', type: 'enum', description: 'PV or HVM (PVHVM) guest.', default: def, values: ['pv', 'hvm'] });
export const P_ABI = (def: '2l' | 'fifo'): ParamSpec => ({ name: 'abi', type: 'enum', description: 'Event-channel ABI: 2-level or FIFO.', default: def, values: ['2l', 'fifo'] });
export const P_CALLBACK: ParamSpec = {
  name: 'callback', type: 'enum', default: 'percpu-vector', values: ['percpu-vector', 'vector', 'gsi', 'pci-intx', 'none'],
  description: 'HVM only: how Xen raises the upcall (docs/flows/X6.md): per-vCPU upcall vector, global callback vector, GSI, PCI INTx, none.',
};
export const P_CHIP: ParamSpec = { name: 'chip', type: 'enum', default: 'xen_dynamic_chip', values: ['xen_dynamic_chip', 'xen_lateeoi_chip'], description: 'irq_chip of the interdomain port (6.1 blkfront/netfront use the lateeoi chip).' };

/** Parameters every flow validates the same way: port against the ABI, vcpu/cpu against the domain. */
export function commonParamProblems(d: XenDomainState, params: ParamValues): string[] {
  const out: string[] = [];
  // port 0 is legal only where it means "any" (poll); steps reading a port check it again (portOf).
  if (typeof params.port === 'number' && params.port !== 0) { const m = portProblem(d, params.port); if (m) out.push(m); }
  if (typeof params.lport === 'number' && (params.lport < 0 || params.lport >= maxPorts(d))) out.push(`lport = ${params.lport}: beyond the ABI's ports`);
  for (const f of ['vcpu', 'cpu', 'tcpu']) {
    const v = params[f];
    if (typeof v === 'number' && v !== -1) { const m = vcpuProblem(d, v, f); if (m) out.push(m); }
  }
  return out;
}

export function validateDomain(d: XenDomainState, params: ParamValues, profile: string): string[] {
  const out = [...domainProblems(d), ...commonParamProblems(d, params)];
  if (profile === 'linux2007' && d.guest !== 'pv') out.push('guest = hvm: the 2007 Linux patch (profile linux2007) supports PV guests only');
  if (profile === 'linux2007' && d.abi !== '2l') out.push('abi = fifo: the 2007 Linux patch (profile linux2007) predates the FIFO ABI');
  return out;
}

export function num(params: ParamValues, name: string): number {
  const v = params[name];
  if (typeof v !== 'number') throw new ModelError(`parameter "${name}" is missing or not a number`, name);
  return v;
}

// The parameter checks below run on nearly every step and only read the state: they read it behind the step's view.

/** A port parameter, checked against the domain's ABI: out of range is bad input (ModelError naming the field), never a trace. */
export function portOf(ctx: XCtx, name = 'port'): number {
  const p = num(ctx.params, name);
  const m = portProblem(readOnlyState(ctx.state), p, name);
  if (m) throw new ModelError(m, name);
  return p;
}

/** A vCPU/CPU parameter, checked against the domain. */
export function vcpuOf(ctx: XCtx, name = 'vcpu'): number {
  const v = num(ctx.params, name);
  const m = vcpuProblem(readOnlyState(ctx.state), v, name);
  if (m) throw new ModelError(m, name);
  return v;
}

/** The target vCPU of a set-pending / delivery step: the `vcpu` parameter, or −1 for the port's notify_vcpu_id (XR3). */
export function targetOf(ctx: XCtx): number {
  const given = num(ctx.params, 'vcpu');
  if (given >= 0) return vcpuOf(ctx, 'vcpu');
  const p = ctx.params.port;
  return typeof p === 'number' ? readOnlyState(ctx.state).evtchn[String(p)]?.notify_vcpu_id ?? 0 : 0;
}

/** Steps of the PV-only or HVM-only path refuse the other guest type: bad input, not a trace. */
export function requireGuest(ctx: XCtx, guest: 'pv' | 'hvm', step: string): void {
  if (readOnlyState(ctx.state).guest !== guest) {
    throw new ModelError(`step ${step} runs only for ${guest === 'pv' ? 'PV' : 'HVM'} guests, but the domain is ${ctx.state.guest} (parameter guest)`, 'guest');
  }
}

export function str(params: ParamValues, name: string, def = ''): string {
  const v = params[name];
  return typeof v === 'string' ? v : def;
}

// ---- default domain ----------------------------------------------------------------------------------
export const TIMER_PORT_BASE = 1; // VIRQ_TIMER of vCPU v on port 1+v
export const IPI_PORT_BASE = 5; // XEN_RESCHEDULE_VECTOR of CPU c on port 5+c
export const FRONT_PORT = 10; // the interdomain port of the modelled frontend
export const PEER_PORT = 7; // its backend's port in the peer domain
export const FRONT_IRQ = 40;
export const CALLBACK_GSI = 28; // the platform PCI device's INTx → GSI 28 in a typical HVM guest
export const CALLBACK_VECTOR = 0xf3; // HYPERVISOR_CALLBACK_VECTOR

export interface DomainSpec {
  vcpus: number;
  guest: 'pv' | 'hvm';
  /** HVM without the emulated IO-APIC and PIC (PVH): Xen ignores a non-vector callback via (XR38). */
  pvh?: boolean;
  abi: '2l' | 'fifo';
  callback: string;
  chip: string;
  timers: boolean;
  ipis: boolean;
  frontend: boolean;
}

/** Bind port p in both Xen (struct evtchn) and Linux (evtchn_to_irq, irq_info, cpu_evtchn_mask), unmasked. */
export function bindPort(d: XenDomainState, port: number, ch: Partial<Evtchn>, irq: number, info: Partial<IrqInfo>): void {
  d.evtchn[String(port)] = newEvtchn(ch);
  d.linux.evtchn_to_irq[String(port)] = irq;
  const i = newIrqInfo({ evtchn: port, ...info });
  d.linux.irq_info[String(irq)] = i;
  if (d.abi === '2l') bindPortToCpu(d.linux, port, i.cpu);
  if (d.fifo) d.fifo.event_word[String(port)] = newWord();
}

export function buildDomain(s: DomainSpec): XenDomainState {
  const d = newDomain({ nrVcpus: s.vcpus, guest: s.guest, abi: s.abi, pvh: s.pvh });
  if (s.timers) {
    for (let v = 0; v < s.vcpus; v++) {
      const p = TIMER_PORT_BASE + v;
      bindPort(d, p, { state: 'ECS_VIRQ', virq: 0, notify_vcpu_id: v }, 20 + v, { type: 'IRQT_VIRQ', cpu: v, chip: 'xen_percpu_chip', handler: 'xen_timer_interrupt' });
      d.vcpu[v].virq_to_evtchn['0'] = p;
      d.linux.virq_to_irq[v]['0'] = 20 + v;
    }
  }
  if (s.ipis) {
    for (let c = 0; c < s.vcpus; c++) {
      const p = IPI_PORT_BASE + c;
      bindPort(d, p, { state: 'ECS_IPI', notify_vcpu_id: c }, 30 + c, { type: 'IRQT_IPI', cpu: c, chip: 'xen_percpu_chip', handler: 'xen_reschedule_interrupt' });
      d.linux.ipi_to_evtchn[c]['XEN_RESCHEDULE_VECTOR'] = p;
    }
  }
  if (s.frontend) {
    bindPort(d, FRONT_PORT + 1, { state: 'ECS_INTERDOMAIN', remote_port: PEER_PORT + 1 }, FRONT_IRQ + 1, { type: 'IRQT_EVTCHN', cpu: 0, chip: 'xen_dynamic_chip', handler: 'xennet_interrupt' });
    d.peer_evtchn[String(PEER_PORT + 1)] = newEvtchn({ state: 'ECS_INTERDOMAIN', remote_port: FRONT_PORT + 1 });
    bindPort(d, FRONT_PORT, { state: 'ECS_INTERDOMAIN', remote_port: PEER_PORT }, FRONT_IRQ, { type: 'IRQT_EVTCHN', cpu: 0, chip: s.chip as IrqInfo['chip'], handler: 'blkif_interrupt' });
    d.peer_evtchn[String(PEER_PORT)] = newEvtchn({ state: 'ECS_INTERDOMAIN', remote_port: FRONT_PORT });
  }
  if (s.guest === 'hvm') configureCallback(d, s.callback);
  return d;
}

/** Put the HVM domain in one of the X6 callback variants, as Linux 6.1 would have set it up (X6.0). */
export function configureCallback(d: XenDomainState, callback: string): void {
  const h = d.hvm_irq;
  d.linux.xen_have_vector_callback = callback === 'percpu-vector' || callback === 'vector';
  d.linux.xen_percpu_upcall = callback === 'percpu-vector';
  d.vcpu.forEach((v) => { v.evtchn_upcall_vector = callback === 'percpu-vector' ? CALLBACK_VECTOR : 0; });
  if (callback === 'percpu-vector') {
    // xen_set_upcall_vector also sets a dummy GSI-1 via for the toolstack; the per-vCPU vector takes precedence (XR17).
    // A PVH domain has no vIOAPIC/vPIC: Xen ignores that GSI via (XR38), the type stays none.
    h.callback_via_type = d.emulation.vioapic && d.emulation.vpic ? 'HVMIRQ_callback_gsi' : 'HVMIRQ_callback_none';
    h.callback_via.gsi = h.callback_via_type === 'HVMIRQ_callback_gsi' ? 1 : 0;
  } else if (callback === 'vector') {
    h.callback_via_type = 'HVMIRQ_callback_vector';
    h.callback_via.vector = CALLBACK_VECTOR;
  } else if (callback === 'gsi' || callback === 'pci-intx') {
    if (callback === 'gsi') {
      h.callback_via_type = 'HVMIRQ_callback_gsi';
      h.callback_via.gsi = CALLBACK_GSI;
    } else {
      h.callback_via_type = 'HVMIRQ_callback_pci_intx';
      h.callback_via.dev = 3; // platform device 00:03.0 INTA → GSI 28 (hvm_pci_intx_gsi)
      h.callback_via.intx = 0;
    }
    h.gsi_assert_count[String(CALLBACK_GSI)] = 0;
    // The guest's IO-APIC programs the platform device's pin level-triggered to CPU0 (forced affinity, X6.0b).
    d.vioapic[String(CALLBACK_GSI)] = { vector: 0x31, delivery_mode: 0, dest_vcpu: 0, mask: 0, trig_mode: 1, remote_irr: 0 };
  } else {
    h.callback_via_type = 'HVMIRQ_callback_none';
  }
}

/** Read a port's event word under FIFO (materialised as MASKED if new). */
export const fifoWord = (d: XenDomainState, port: number) => word(d.fifo!, port);

export const STATE_DOC: Record<string, string> = {
  guest: 'pv | hvm: the domain type (is_hvm_domain).',
  has_32bit_shinfo: '32-bit shared_info: 32-port words and 1024 2-level ports (profile linux2007, i386); else 64 × 64 = 4096.',
  abi: '2l | fifo: d->evtchn_port_ops (2-level installed by evtchn_init, FIFO after EVTCHNOP_init_control).',
  'shared_info.evtchn_pending': 'P: 2-level pending ports (sorted). Set by Xen, cleared by the guest ack.',
  'shared_info.evtchn_mask': 'M: 2-level masked ports (sorted). Only ports the model tracks are listed.',
  'vcpu_info.N.evtchn_pending_sel': 'SEL[N]: 64-port words that may hold pending ports (sorted word indices).',
  'vcpu_info.N.evtchn_upcall_pending': 'UP[N]: 0/1, an upcall is outstanding for vCPU N.',
  'vcpu_info.N.evtchn_upcall_mask': 'UM[N]: 0/1, PV events-disabled flag (ignored for HVM).',
  'vcpu.N.is_running / blocked': 'Scheduler facts read by vcpu_kick (blocked vCPUs are unblocked).',
  'vcpu.N.poll_evtchn': 'SCHEDOP_poll: −1 not polling, 0 any port, p port p (evtchn_check_pollers).',
  'vcpu.N.poll_timer': 'SCHEDOP_poll timeout: 0 not armed, t armed with timeout t (poll_timer_fn wakes the vCPU if still polling).',
  'vcpu.N.saved_upcall_mask': 'PV bounce frame: UM saved by create_bounce_frame, restored by do_iret.',
  'vcpu.N.rflags_if': 'HVM guest RFLAGS.IF: false while a handler runs; blocks injection (hvm_interrupt_blocked).',
  'vcpu.N.assert_tasklet_queued': 'HVM: the vCPU\'s assert_evtchn_irq tasklet is scheduled and has not run yet (a second tasklet_schedule only moves it: it runs once).',
  'vcpu.N.evtchn_upcall_vector': 'UV[N]: per-vCPU upcall vector (HVMOP_set_evtchn_upcall_vector), 0 = none.',
  'vcpu.N.virq_to_evtchn.V': 'VIRQ2P[N][V]: port bound to VIRQ V on vCPU N (0 VIRQ_TIMER, 1 VIRQ_DEBUG, 2 VIRQ_CONSOLE …).',
  'evtchn.P': 'E[P], struct evtchn: state (ECS_*), notify_vcpu_id, xen_consumer, priority, remote_port, virq, pirq, last_vcpu_id/last_priority (fifo_lastq), pending.',
  'peer_evtchn.P': 'The backend domain\'s struct evtchn for port P (the sender of interdomain events).',
  'fifo.event_word.P': 'FIFO W[P]: PENDING, MASKED, LINKED, BUSY (0/1) and LINK (next port).',
  'fifo.control_block.N': 'CB[N]: mapped, ready (priorities with a non-empty queue), head[16].',
  'fifo.queue_tail.N': 'Xen\'s per-vCPU queue tails, one per priority 0..15.',
  'fifo.guest_head.N': 'Linux\'s per-CPU cached queue heads (events_fifo.c).',
  'fifo.event_array_pages': 'Event-array pages added (1024 ports each); ports beyond have no word yet.',
  'hvm_irq.callback_via_type': 'HVMIRQ_callback_none | _gsi | _pci_intx | _vector (struct hvm_irq).',
  'hvm_irq.callback_via': '{gsi, dev, intx, vector}: the union for the current type.',
  'hvm_irq.callback_via_asserted': 'The GSI/INTx line level, mirroring UP[vcpu0] (XR18c).',
  'hvm_irq.gsi_assert_count.G': 'Wire-OR count of GSI G.',
  'hvm_irq.pci_intx': 'Asserted PCI INTx wires (dev*4+intx).',
  'emulation.vlapic / vioapic / vpic': 'd->arch.emulation_flags: the emulated LAPIC, IO-APIC and PIC (all for HVM; PVH has no IO-APIC or PIC; PV none).',
  'vioapic.G': 'vIOAPIC pin G: vector, delivery_mode (0 fixed, 1 lowest), dest_vcpu, mask, trig_mode (0 edge, 1 level), remote_irr.',
  'vlapic.N': 'vLAPIC of vCPU N (components/lapic.ts): irr, isr, tmr, tpr, ppr, svr_enabled …',
 'physdev.pirq_eoi_map / auto_unmask': 'PHYSDEVOP_pirq_eoi_gmfn registration: 0 none, 1 v1 (+auto_unmask), 2 v2 (XR28).',
  'pirq.N': 'Guest-bound pirq N: evtchn, masked, in_flight, ack_type, eoi_withheld, eoi_timer_armed.',
  'linux.evtchn_to_irq.P': 'Linux evtchn_to_irq[P] (the only port→irq table, XR34).',
  'linux.irq_info.I': 'struct irq_info of irq I: type, evtchn, cpu, mask_reason (1 EXPLICIT, 2 TEMPORARY, 4 EOI_PENDING), is_active, chip, handler, disabled, irqs_pending, pirq, needs_eoi, resend_in_handler (model knob: a busy device re-pends its port from the handler).',
  'linux.cpu_evtchn_mask.C': 'Ports CPU C handles (2-level only, XR20).',
  'linux.current_word_idx / current_bit_idx': 'Per-CPU scan cursor (XR21c).',
  'linux.virq_to_irq.C / ipi_to_evtchn.C': 'Per-CPU VIRQ → irq and IPI → port tables.',
  'linux.xen_have_vector_callback / xen_percpu_upcall': 'What X6.0 chose.',
  'handled.C': 'Model log (not kernel state): ports whose driver handler ran on CPU C, in order.',
  'linux.scan.C': 'Locals of the running evtchn_2l_handle_events / FIFO handler on CPU C (phase idle when not in an upcall; in the code these are locals).',
};
