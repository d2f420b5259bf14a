// Builds an X flow: its own steps plus the shared delivery steps (renamed `<id>@<flow>`), the
// common scenario actions (send, mask, unmask, enable, lateeoi, block, poll, vm-exit, eoi …), state and docs.

import { ActionSpec, Codebase, Flow, ParamSpec, ParamValues } from '../../core/types';
import { XenDomainState } from '../../components/xenDomain';
import { EVT_MASK_REASON_EXPLICIT, doMask } from '../../components/linuxEvtchn';
import { DomainSpec, FRONT_PORT, P_CPU, P_PORT, P_VCPU, STATE_DOC, XEN_PROFILES, XStep, buildDomain, localId, localize, validateDomain } from './xenFlowKit';
import { xenSideSteps } from './xenSide';
import { hvmSideSteps, P_XEN_IN_IRQ } from './hvmSide';
import { guestIrqChipSteps, maskEvtchn } from './guestIrqChip';
import { guestUpcallSteps } from './guestUpcall';
import { xenPollSteps } from './xenPoll';
import { rebindSteps } from './rebindSteps';

export const sharedSteps: XStep[] = [...xenSideSteps, ...xenPollSteps, ...hvmSideSteps, ...guestUpcallSteps, ...guestIrqChipSteps, ...rebindSteps];

/** HVM GSI callback: whether the guest's fasteoi handler writes its EOI when done (QR35). */
const P_HANDLER_EOI: ParamSpec = { name: 'handler_eoi', type: 'bool', description: 'HVM GSI/INTx callback: the guest handler writes its IO-APIC-chip EOI when done (false: the vector stays in service until an eoi action, or never).', default: true };

const aPort: ParamSpec = { name: 'port', type: 'int', description: 'The port.', default: 10, min: 0, max: 1 << 20 };
const aVcpu: ParamSpec = { name: 'vcpu', type: 'int', description: 'Target vCPU; −1 = the port\'s notify_vcpu_id (XR3).', default: -1, min: -1, max: 63 };
const aCpu: ParamSpec = { name: 'cpu', type: 'int', description: 'The CPU running the guest code.', default: 0, min: 0, max: 63 };

function irqOf(d: XenDomainState, port: number) {
  const irq = d.linux.evtchn_to_irq[String(port)];
  return irq === undefined ? undefined : d.linux.irq_info[String(irq)];
}

export function commonActions(flowId: string): ActionSpec<XenDomainState>[] {
  const localStep = (id: string): string => localId(flowId, id);
  return [
    { name: 'raise', description: 'Xen sets the port pending (evtchn_port_set_pending) for vcpu, or its notify_vcpu_id when vcpu is −1.', params: [aPort, aVcpu], from: localStep('X1.5') },
    { name: 'mask', description: 'The guest sets the port\'s mask bit directly (mask_evtchn; 2-level M[p], FIFO MASKED).', params: [aPort],
      apply(d, p) { maskEvtchn(d, p.port as number); return `M[${p.port}] := 1 (guest write)`; } },
    { name: 'disable', description: 'disable_irq: mask reason EXPLICIT, irq disabled (disable_dynirq).', params: [aPort],
      apply(d, p) {
        const i = irqOf(d, p.port as number);
        if (!i) return `no irq bound to port ${p.port}: nothing to disable`;
        i.disabled = true;
        if (doMask(i, EVT_MASK_REASON_EXPLICIT)) maskEvtchn(d, p.port as number);
        return `irq of port ${p.port} disabled, mask_reason=${i.mask_reason}`;
      } },
    { name: 'unmask', description: 'The guest\'s raw unmask of the port on cpu (evtchn_2l_unmask / evtchn_fifo_unmask).', params: [aPort, aCpu], from: localStep('X1.22') },
    { name: 'enable', description: 'enable_irq on cpu: enable_dynirq drops EXPLICIT and unmasks; IRQS_PENDING is retriggered.', params: [aPort, aCpu], from: localStep('X1.b4') },
    { name: 'lateeoi', description: 'The driver calls xen_irq_lateeoi for the port on cpu.', params: [aPort, aCpu], from: localStep('X1.21') },
    { name: 'enable-events', description: 'local_irq_enable on cpu (PV: xen_irq_enable_direct; HVM: STI).', params: [aCpu], from: localStep('X1.25') },
    { name: 'disable-events', description: 'local_irq_disable on cpu (PV: UM=1 via xen_irq_disable_direct; HVM: CLI).', params: [aCpu],
      apply(d, p) { const c = p.cpu as number; if (d.guest === 'pv') d.vcpu_info[c].evtchn_upcall_mask = 1; else d.vcpu[c].rflags_if = false; return `events disabled on CPU ${c}`; } },
    { name: 'block', description: 'The vCPU blocks (HLT / SCHEDOP_block).', params: [{ ...aVcpu, default: 0, min: 0 }],
      apply(d, p) { const v = d.vcpu[p.vcpu as number]; v.blocked = true; v.is_running = false; return `vCPU ${p.vcpu} blocked`; } },
    { name: 'poll', description: 'The vCPU issues SCHEDOP_poll on a port (0 = any): it returns at once if the port is already pending, else blocks until the port is set pending or the timeout fires.',
      params: [{ ...aVcpu, default: 0, min: 0 }, { ...aPort, default: 0 }, { name: 'timeout', type: 'int', description: 'sched_poll.timeout: 0 none, else the poll timer is armed (fire it with poll-timer-fires).', default: 0, min: 0, max: 0x7fffffff }],
      from: localStep('X1.p1') },
    { name: 'poll-timer-fires', description: 'The vCPU\'s SCHEDOP_poll timer expires (poll_timer_fn): it is woken if still polling.', params: [{ ...aVcpu, default: 0, min: 0 }], from: localStep('X1.p2') },
    { name: 'bind-vcpu', description: 'A raw EVTCHNOP_bind_vcpu on a port (raw: Xen only, Linux not told; false: Linux follows as after set_affinity).',
      params: [aPort, { name: 'vcpu', type: 'int', description: 'New vCPU.', default: 1, min: 0, max: 63 }, { name: 'raw', type: 'bool', description: 'Stop after Xen (Linux not told).', default: true }], from: localStep('X5.4') },
    { name: 'evtchnop-unmask', description: 'A raw EVTCHNOP_unmask hypercall on a port (Xen\'s evtchn_unmask), without Linux\'s unmask wrapper.', params: [aPort], from: localStep('X1.23') },
    { name: 'vm-exit', description: 'Any VM exit of the HVM domain: hvm_maybe_deassert_evtchn_irq runs first.', params: [{ ...aVcpu, default: 0, min: 0 }], from: localStep('X6.12') },
    { name: 'eoi', description: 'The guest writes the vLAPIC EOI register on cpu.', params: [aCpu], from: localStep('X6.13') },
    { name: 'write-tpr', description: 'An HVM guest writes its vLAPIC TPR on vcpu: MOV CR8 (via cr8, the class only), MMIO 0x80 or x2APIC MSR 0x808 (the byte).',
      params: [{ ...aVcpu, default: 0, min: 0 }, { name: 'tpr', type: 'int', description: 'new TPR (with cr8: CR8 = tpr >> 4)', default: 0, min: 0, max: 255 }, { name: 'via', type: 'enum', description: 'cr8, mmio or msr', default: 'cr8', values: ['cr8', 'mmio', 'msr'] }],
      from: localStep('X6.t') },
    { name: 'vm-entry', description: 'VM entry of an HVM vCPU: vmx_intr_assist injects what is pending.', params: [{ ...aVcpu, default: 0, min: 0 }], from: localStep('X6.14') },
  ];
}

export interface XenFlowDef {
  id: string;
  name: string;
  description: string;
  codebases?: Codebase[];
  entry: string;
  params: ParamSpec[];
  ownSteps: XStep[];
  /** Domain layout from the flow's parameters. */
  spec(params: ParamValues, profile: string): DomainSpec;
  /** Flow-specific state after the domain is built (bindings, pirqs …). */
  setup?(d: XenDomainState, params: ParamValues, profile: string): void;
  actions?: ActionSpec<XenDomainState>[];
  validate?(d: XenDomainState, params: ParamValues, profile: string): string[];
  /** Profiles this flow runs under (default: both; the 2007 patch had no HVM, FIFO or PIRQ support). */
  profiles?: string[];
  stateDoc?: Record<string, string>;
}

export function makeXenFlow(def: XenFlowDef): Flow<XenDomainState> {
  const steps = localize(def.id, [...def.ownSteps, ...sharedSteps]);
  const ids = new Set(steps.map((s) => s.id));
  const entry = localId(def.id, def.entry);
  // Every flow accepts port / vcpu / cpu so a run can start at any shared step (`--from X1.6`, `--from evtchn_2l_set_pending`),
  // handler_eoi (the guest handler's EOI: now or by a later action), and xen_in_irq, which the shared hvm_assert_evtchn_irq (X6.4) reads on every HVM path.
  const common = [P_PORT(FRONT_PORT), P_VCPU(-1, 'Target vCPU; −1 = the port\'s notify_vcpu_id (XR3).'), P_CPU(0), P_HANDLER_EOI, P_XEN_IN_IRQ];
  const params = [...def.params, ...common.filter((c) => !def.params.some((p) => p.name === c.name))];
  const actions = [...commonActions(def.id), ...(def.actions ?? [])].filter((a) => !a.from || ids.has(a.from));
  return {
    id: def.id,
    name: def.name,
    description: def.description,
    codebases: def.codebases ?? ['xen', 'linux'],
    profiles: XEN_PROFILES.filter((p) => !def.profiles || def.profiles.includes(p.id)),
    defaultProfile: 'xen417-linux61',
    params,
    entry,
    steps,
    actions,
    initialState(profile, params) {
      const d = buildDomain(def.spec(params, profile));
      // The 2007 patch is arch/i386: a 32-bit shared_info, 32-port words, 1024 2-level ports.
      d.has_32bit_shinfo = profile === 'linux2007';
      def.setup?.(d, params, profile);
      return d;
    },
    validate(d, params, profile) {
      return [...validateDomain(d, params, profile), ...(def.validate?.(d, params, profile) ?? [])];
    },
    stateDoc: { ...STATE_DOC, ...(def.stateDoc ?? {}) },
  };
}

/** Domain spec from the usual parameters (vcpus, guest, abi, callback, chip). */
export function specFrom(params: ParamValues, over: Partial<DomainSpec> = {}): DomainSpec {
  return {
    vcpus: typeof params.vcpus === 'number' ? params.vcpus : 2,
    guest: params.guest === 'hvm' || params.guest === 'pvh' ? 'hvm' : 'pv',
    pvh: params.guest === 'pvh',
    abi: params.abi === 'fifo' ? 'fifo' : '2l',
    callback: typeof params.callback === 'string' ? params.callback : 'percpu-vector',
    chip: typeof params.chip === 'string' ? params.chip : 'xen_dynamic_chip',
    timers: true,
    ipis: false,
    frontend: true,
    ...over,
  };
}
