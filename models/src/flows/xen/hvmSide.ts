// Xen-side HVM callback steps shared by the X flows: hvm_assert_evtchn_irq and its four variants (per-vCPU
// vector, global vector, GSI, PCI INTx), the vIOAPIC/vLAPIC they drive, the late deassert and VM-entry injection.
// Steps X6.4–X6.14; rules XR16–XR18c.

import { acceptMessage, acknowledge, deliverableVector, eoi, updatePpr } from '../../components/lapic';
import { driveVia, hvmAssertDecision, isHvmPvEvtchnDomain, setCallbackIrqLevel, vioapicPositiveEdge, vioapicUpdateEoi } from '../../components/xenHvmCallback';
import { XCtx, XEN_HVM_IRQ, XStep, call, finish, go, num, xenLink, vcpuOf, targetOf, requireGuest } from './xenFlowKit';
import { ParamSpec, StepResult } from '../../core/types';

const tag = (v: number): string => `vcpu${v}`;

/** Where a scheduled softirq tasklet runs: Xen's softirq processing, after the code that scheduled it returns. */
export const XEN_SOFTIRQ_CONTEXT = 'xen-softirq';

/** X6.4's caller runs in IRQ context or with interrupts off (in_irq() || !local_irq_is_enabled()): the tasklet branch. */
export const P_XEN_IN_IRQ: ParamSpec = {
  name: 'xen_in_irq', type: 'bool', default: false,
  description: 'hvm_assert_evtchn_irq is called in IRQ context or with interrupts off (in_irq() || !local_irq_is_enabled()): it defers to the vCPU\'s softirq tasklet (X6.5), which calls it again.',
};

/** Run X6.10 on each GSI in turn (INTx can raise the GSI and the PCI-ISA link's IRQ). */
function edges(ctx: XCtx, gsis: number[], branch: string, why: string): StepResult {
  if (gsis.length === 0) return finish(ctx, branch, `${why}; no wire went 0→1 (already asserted by another source)`);
  if (gsis.length === 1) return go(branch, why, 'X6.10', { gsi: gsis[0] });
  return call(ctx, branch, why, 'X6.10', { gsi: gsis[0] }, 'X6.10', { gsi: gsis[1] });
}

export const hvmSideSteps: XStep[] = [
  {
    id: 'X6.t', title: 'guest TPR write (MOV CR8 / APIC_TASKPRI)', component: 'vlapic',
    role: 'An HVM guest writes its vLAPIC TPR: MOV to CR8 stores (CR8 & 0xf) << 4 (hvm_mov_to_cr), an MMIO or x2APIC MSR write stores the byte (vlapic_reg_write). With the TPR shadow the write exits only when it drops below the TPR_THRESHOLD vmx_intr_assist set for a held-back vector (the exit handler does nothing else); virtual-interrupt delivery re-evaluates in the CPU. Either way the next injection decision is vmx_intr_assist at VM entry. The global callback vector ignores the TPR; the per-vCPU upcall vector does not (XR16, QR34).',
    rules: ['XR16', 'QR34'],
    links: [xenLink('hvm_mov_to_cr', 'xen/arch/x86/hvm/hvm.c'), xenLink('vlapic_reg_write', 'xen/arch/x86/hvm/vlapic.c'), xenLink('vmx_intr_assist', 'xen/arch/x86/hvm/vmx/intr.c', { note: 'sets TPR_THRESHOLD for a vector the TPR holds back' })],
    branches: [
      { name: 'released', when: 'the lower TPR lets a pending vLAPIC vector through: a TPR-below-threshold exit (or the CPU\'s evaluation) and vmx_intr_assist injects it', next: 'X6.14' },
      { name: 'held', when: 'no pending vLAPIC vector beats the new PPR: the guest runs on', next: null },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.t');
      const v = vcpuOf(ctx, 'vcpu');
      const l = ctx.state.vlapic[v];
      const via = typeof ctx.params.via === 'string' ? ctx.params.via : 'cr8';
      const value = num(ctx.params, 'tpr') & 0xff;
      const before = l.tpr;
      l.tpr = via === 'cr8' ? ((value >> 4) & 0xf) << 4 : value;
      updatePpr(l);
      const head = `${via === 'cr8' ? `MOV CR8 = ${value >> 4}: hvm_mov_to_cr stores (CR8 & 0xf) << 4` : `${via === 'msr' ? 'WRMSR 0x808' : 'MMIO 0x80'}: vlapic_reg_write(APIC_TASKPRI, val & 0xff)`}; vCPU ${v} TPR 0x${before.toString(16)} → 0x${l.tpr.toString(16)}`;
      const vec = deliverableVector(l, 'sdm');
      if (vec < 0) return finish(ctx, 'held', `${head}; no pending vLAPIC vector beats PPR 0x${l.ppr.toString(16)}`);
      return go('released', `${head}; 0x${vec.toString(16)} now beats PPR 0x${l.ppr.toString(16)}: TPR-below-threshold exit, vmx_intr_assist at the next entry`, 'X6.14', { vcpu: v });
    },
  },
  {
    id: 'X6.4', title: 'hvm_assert_evtchn_irq', component: 'hvm-callback', operation: 'evtchn.hvm_assert',
    role: 'Turns "UP[v] became 1" into an interrupt for an HVM vCPU (XR17): per-vCPU vector → vLAPIC; domain in vector mode → kick; vCPU0 → GSI/INTx level; any other vCPU → nothing at all. Called in IRQ context or with interrupts off, it only schedules the vCPU\'s softirq tasklet and returns: the caller goes on (evtchn_check_pollers …) and the tasklet (X6.5, context xen-softirq) runs later, so an action can be placed between them; a tasklet still waiting is not queued twice.',
    rules: ['XR17'],
    links: [xenLink('hvm_assert_evtchn_irq', XEN_HVM_IRQ)],
    contracts: [{
      id: 'X6.4-vector-first', text: 'prefers the per-vCPU upcall vector over the domain-wide callback', source: 'XR17',
      codebase: 'xen', symbol: 'hvm_assert_evtchn_irq', check: { kind: 'callOrder', first: ['vlapic_set_irq'], then: ['hvm_set_callback_irq_level'] },
    }],
    branches: [
      { name: 'tasklet', when: 'in IRQ context or with interrupts off (in_irq() || !local_irq_is_enabled(); parameter xen_in_irq): tasklet_schedule hands the vCPU\'s tasklet to xen-softirq, where it runs later', next: 'X6.5' },
      { name: 'percpu-vector', when: 'a per-vCPU upcall vector (UV[v]≠0) with the vLAPIC enabled: vlapic_set_irq raises it as an edge', next: 'X6.6' },
      { name: 'vlapic-disabled', when: 'a per-vCPU upcall vector but the vLAPIC is software-disabled: nothing until the guest enables it (X6.7)', next: null },
      { name: 'no-upcall-vector', when: 'no per-vCPU vector: vcpu_kick for the global vector callback, hvm_set_callback_irq_level on vCPU0 for GSI/INTx', next: 'X6.8' },
      { name: 'tasklet', when: 'meanwhile the caller returns at once and goes on (evtchn_check_pollers after a set-pending)', next: null },
      { name: 'tasklet-queued', when: 'in IRQ context or with interrupts off, and that tasklet is still waiting on the softirq list: tasklet_schedule only moves it, it will run once', next: null },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.4');
      const v = targetOf(ctx);
      const d = ctx.state;
      const uv = d.vcpu.map((x) => x.evtchn_upcall_vector);
      const dec = hvmAssertDecision(d.hvm_irq, v, uv, d.vlapic[v].svr_enabled, ctx.params.xen_in_irq === true);
      switch (dec) {
        // tasklet_schedule(&v->arch.hvm.assert_evtchn_irq_tasklet) and return: the caller goes on now, the tasklet runs
        // later from TASKLET_SOFTIRQ with its own chain. A tasklet already on the list is moved, not added: one run.
        case 'tasklet': {
          const vc = d.vcpu[v];
          if (vc.assert_tasklet_queued) {
            return finish(ctx, 'tasklet-queued', `in_irq() or Xen IRQs off (xen_in_irq): vCPU ${v}'s tasklet is still on the softirq list, tasklet_schedule only moves it`);
          }
          vc.assert_tasklet_queued = true;
          const r = finish(ctx, dec, `in_irq() or Xen IRQs off (xen_in_irq): tasklet_schedule queues vCPU ${v}'s tasklet on the softirq list and returns`);
          return { ...r, handOff: [{ next: 'X6.5', to: XEN_SOFTIRQ_CONTEXT, params: { vcpu: v, ret: '' } }] };
        }
        case 'percpu-vector': return go(dec, `UV[${v}]=0x${uv[v].toString(16)} and the vLAPIC is enabled`, 'X6.6', { target: v, vector: uv[v], trig: 0 });
        case 'vlapic-disabled':
          ctx.emit({ kind: 'pending', target: tag(v), detail: `UV[${v}] set but the vLAPIC is software-disabled: re-raised when the guest enables it (X6.7)` });
          return finish(ctx, dec, `UV[${v}]≠0, vLAPIC disabled`);
        default: return go('no-upcall-vector', `UV[${v}]=0: domain-wide callback decides`, 'X6.8');
      }
    },
  },
  {
    id: 'X6.5', title: 'hvm_assert_evtchn_irq_tasklet', component: 'hvm-callback',
    role: 'The per-vCPU softirq tasklet (softirq_tasklet_init in hvm_vcpu_initialise) that re-runs hvm_assert_evtchn_irq later, out of IRQ context with interrupts enabled (the tasklet branch of X6.4); do_tasklet_work takes it off the list before calling it, so a raise during the run queues it again.',
    links: [xenLink('hvm_assert_evtchn_irq_tasklet', 'xen/arch/x86/hvm/hvm.c'), xenLink('do_tasklet_work', 'xen/common/tasklet.c')],
    branches: [
      { name: 'rerun', when: 'the tasklet runs from TASKLET_SOFTIRQ with interrupts on and calls hvm_assert_evtchn_irq again', next: 'X6.4' },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.5');
      ctx.state.vcpu[targetOf(ctx)].assert_tasklet_queued = false;
      return go('rerun', 'TASKLET_SOFTIRQ: off the list (list_del_init), out of IRQ context, interrupts on → hvm_assert_evtchn_irq again', 'X6.4', { xen_in_irq: false });
    },
  },
  {
    id: 'X6.6', title: 'vlapic_set_irq', component: 'vlapic', operation: 'lapic.accept',
    role: 'Accepts a fixed vector into the target vLAPIC: TMR follows the trigger, IRR set (or posted), and the vCPU is kicked when IRR was newly set (XR18b; compare QEMU apic_set_irq, KVM __apic_accept_irq). A vector below 16 is refused with ESR bit 6 (QR31).',
    rules: ['XR18b', 'QR31'],
    links: [xenLink('vlapic_set_irq', 'xen/arch/x86/hvm/vlapic.c')],
    contracts: [{
      id: 'X6.6-tmr', text: 'sets TMR for level and clears it for edge, so an edge upcall vector\'s EOI never reaches the vIOAPIC', source: 'XR18b',
      codebase: 'xen', symbol: 'vlapic_set_irq', check: { kind: 'mentions', anyOf: ['APIC_TMR'] },
    }],
    branches: [
      { name: 'illegal-vector', when: 'a vector below 16: vlapic_error sets ESR bit 6 (receive illegal vector), nothing is accepted', next: null },
      { name: 'irr-already-set', when: 'IRR[vec] was already 1 on the target: this raise merges with the pending one', next: null },
      { name: 'accepted', when: 'IRR[vec] 0→1 (TMR set for level, clear for edge): vcpu_kick the target', next: 'X1.9' },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.6');
      const t = vcpuOf(ctx, 'target');
      const vec = num(ctx.params, 'vector');
      const level = ctx.params.trig === 1;
      // xen/arch/x86/hvm/vlapic.c vlapic_set_irq: a vector below 16 calls vlapic_error(APIC_ESR_RECVILL) and returns.
      const r = acceptMessage(ctx.state.vlapic[t], vec, level, 'sdm');
      if (r === 'illegal-vector') {
        ctx.emit({ kind: 'error', target: tag(t), detail: `vector ${vec} < 16: APIC error (ESR receive illegal vector)` });
        return finish(ctx, 'illegal-vector', `vector ${vec} < 16: vlapic_error sets ESR bit 6 (ESR = 0x${ctx.state.vlapic[t].esr.toString(16)})`);
      }
      const coalesced = r === 'coalesced';
      if (coalesced) return finish(ctx, 'irr-already-set', `IRR[${vec}] was already 1 on vCPU ${t}: this raise is absorbed`);
      return go('accepted', `IRR[${vec}] 0→1, TMR=${level ? 1 : 0} on vCPU ${t} → vcpu_kick`, 'X1.9', { vcpu: t });
    },
  },
  {
    id: 'X6.8', title: 'is_hvm_pv_evtchn_domain', component: 'hvm-callback',
    role: 'Domain-wide test: HVM and (global callback vector or vCPU0 has a per-vCPU vector). True → vCPUs are simply kicked and the vector is injected at VM entry.',
    links: [xenLink('is_hvm_pv_evtchn_domain', 'xen/arch/x86/include/asm/domain.h', { kind: 'macro' })],
    branches: [
      { name: 'vector-mode', when: 'the domain is in vector mode (global callback vector, or vCPU0 has a per-vCPU vector): vcpu_kick; injected at VM entry', next: 'X1.9' },
      { name: 'vcpu0-level', when: 'a GSI/INTx callback and this is vCPU0: hvm_set_callback_irq_level drives the line', next: 'X6.9' },
      { name: 'nothing', when: 'a GSI/INTx (or no) callback and any vCPU but 0: nothing at all (XR17)', next: null },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.8');
      const v = targetOf(ctx);
      const d = ctx.state;
      const why = `callback_via_type=${d.hvm_irq.callback_via_type}, UV[0]=${d.vcpu[0].evtchn_upcall_vector}`;
      if (isHvmPvEvtchnDomain(d.hvm_irq, d.vcpu[0].evtchn_upcall_vector)) return go('vector-mode', `${why} → vcpu_kick; injected at VM entry`, 'X1.9');
      if (v === 0) return go('vcpu0-level', `${why}; v is vCPU0 → drive the callback line`, 'X6.9');
      if (d.vcpu_info[v].evtchn_upcall_pending) {
        ctx.emit({ kind: 'pending', target: tag(v), detail: `vCPU ${v} ≠ 0 on a ${d.hvm_irq.callback_via_type} callback: P/SEL/UP are set but nobody is interrupted (XR17)` });
      }
      return finish(ctx, 'nothing', `${why}; vCPU ${v} ≠ 0 → nothing at all`);
    },
  },
  {
    id: 'X6.9', title: 'hvm_set_callback_irq_level', component: 'hvm-callback',
    role: 'Makes the GSI/INTx line follow UP[vcpu0] (XR18c): only a change of level does anything; assert counts the wire and raises the vIOAPIC pin; deassert only drops the count (the vIOAPIC has no negative edge).',
    rules: ['XR18c'],
    links: [xenLink('hvm_set_callback_irq_level', XEN_HVM_IRQ)],
    contracts: [{
      id: 'X6.9-ignore-um', text: 'reads evtchn_upcall_pending of vCPU0 and never evtchn_upcall_mask', source: 'XR16; XR18c',
      codebase: 'xen', symbol: 'hvm_set_callback_irq_level', check: { kind: 'mentions', anyOf: ['evtchn_upcall_pending'] },
    }],
    branches: [
      { name: 'unchanged', when: 'UP[0] already matches the line (callback_via_asserted): nothing changes', next: null },
      { name: 'intx-assert', when: 'UP[0] 0→1 on a PCI INTx callback', next: 'X6.11' },
      { name: 'intx-deassert', when: 'UP[0] 1→0 on a PCI INTx callback: __hvm_pci_intx_deassert', next: null },
      { name: 'flag-only', when: 'a callback that drives no line (none, or a vector): only callback_via_asserted follows UP[0]', next: null },
      { name: 'deassert', when: 'UP[0]=0 on a GSI callback: the wire\'s gsi_assert_count drops (the vIOAPIC sees no negative edge)', next: null },
      { name: 'assert', when: 'UP[0]=1 on a GSI callback: gsi_assert_count 0→1, a positive edge into the vIOAPIC', next: 'X6.10' },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.9');
      const h = ctx.state.hvm_irq;
      const up0 = ctx.state.vcpu_info[0].evtchn_upcall_pending;
      if ((up0 !== 0) === h.callback_via_asserted) return finish(ctx, 'unchanged', `UP[0]=${up0} equals callback_via_asserted`);
      if (h.callback_via_type === 'HVMIRQ_callback_pci_intx') {
        h.callback_via_asserted = up0 !== 0;
        return up0 ? go('intx-assert', 'UP[0] 0→1 on a PCI INTx callback', 'X6.11') : finish(ctx, 'intx-deassert', 'UP[0] 1→0: __hvm_pci_intx_deassert');
      }
      const r = setCallbackIrqLevel(h, up0);
      if (h.callback_via_type !== 'HVMIRQ_callback_gsi') return finish(ctx, 'flag-only', `callback_via_asserted:=${r.asserted}; type ${h.callback_via_type} drives no line`);
      if (!r.asserted) return finish(ctx, 'deassert', `UP[0]=0 → gsi_assert_count[${h.callback_via.gsi}]=${h.gsi_assert_count[String(h.callback_via.gsi)]}`);
      return edges(ctx, r.positiveEdges, 'assert', `UP[0]=1 → gsi_assert_count[${h.callback_via.gsi}]=${h.gsi_assert_count[String(h.callback_via.gsi)]}`);
    },
  },
  {
    id: 'X6.10', title: 'vioapic_irq_positive_edge', component: 'vioapic', operation: 'ioapic.service',
    role: 'A wire of the vIOAPIC went high: a masked pin latches nothing (the count remembers the level), a level pin with Remote IRR waits for the EOI, otherwise vioapic_deliver sends the pin\'s vector to the vLAPIC the guest programmed — not to notify_vcpu_id.',
    rules: ['XR18c'],
    links: [xenLink('vioapic_irq_positive_edge', 'xen/arch/x86/hvm/vioapic.c'), xenLink('vioapic_deliver', 'xen/arch/x86/hvm/vioapic.c')],
    branches: [
      { name: 'deliver', when: 'the pin is unmasked (a level pin with Remote IRR 0, now set): vioapic_deliver sends its vector to the vCPU the guest programmed', next: 'X6.6' },
      { name: 'no-pin', when: 'the GSI has no programmed vIOAPIC pin in the model', next: null },
      { name: 'masked', when: 'the vIOAPIC pin is masked: the level is only counted, delivered when the guest unmasks the pin', next: null },
      { name: 'remote-irr-set', when: 'a level pin whose Remote IRR is set: it waits for the EOI (X6.13)', next: null },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.10');
      const gsi = num(ctx.params, 'gsi');
      const r = vioapicPositiveEdge(ctx.state.vioapic, gsi);
      const pin = ctx.state.vioapic[String(gsi)];
      if (r === 'no-pin') return finish(ctx, r, `GSI ${gsi} has no programmed vIOAPIC pin in the model`);
      if (r === 'masked') {
        ctx.emit({ kind: 'pending', what: `GSI ${gsi}`, detail: 'vIOAPIC pin masked: the level is counted in gsi_assert_count, delivered when the guest unmasks the pin' });
        return finish(ctx, r, `pin ${gsi} mask=1`);
      }
      if (r === 'remote-irr-set') return finish(ctx, r, `level pin ${gsi} has remote_irr=1: waits for the EOI (X6.13)`);
      return go('deliver', `pin ${gsi}: ${pin.trig_mode ? 'level, remote_irr 0→1' : 'edge'} → vector 0x${pin.vector.toString(16)} to vCPU ${pin.dest_vcpu}`, 'X6.6', { target: pin.dest_vcpu, vector: pin.vector, trig: pin.trig_mode });
    },
  },
  {
    id: 'X6.11', title: '__hvm_pci_intx_assert', component: 'hvm-callback', operation: 'ioapic.input',
    role: 'Raises the PCI INTx wire of the callback device: GSI = hvm_pci_intx_gsi(dev, intx) is counted and asserted, plus the PCI-ISA link\'s ISA IRQ when routed.',
    links: [xenLink('__hvm_pci_intx_assert', XEN_HVM_IRQ), xenLink('hvm_pci_intx_gsi', 'xen/arch/x86/include/asm/hvm/irq.h', { kind: 'macro' })],
    branches: [
      { name: 'assert', when: 'the platform device\'s INTx wire goes high: a positive edge on the GSI it routes to (and on the PCI-ISA link\'s IRQ)', next: 'X6.10' },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.11');
      const e = driveVia(ctx.state.hvm_irq, true);
      const { dev, intx } = ctx.state.hvm_irq.callback_via;
      return edges(ctx, e.positiveEdges, 'assert', `INTx wire dev ${dev} INT${'ABCD'[intx]} → GSI ${e.positiveEdges.join(', ') || '(already high)'}`);
    },
  },
  {
    id: 'X6.12', title: 'hvm_maybe_deassert_evtchn_irq', component: 'hvm-callback',
    role: 'At the top of every VM exit of any vCPU: if the callback line is asserted and UP[vcpu0] is now 0, lower it. The only place the GSI/INTx line drops (XR18c).',
    rules: ['XR18c'],
    links: [xenLink('hvm_maybe_deassert_evtchn_irq', XEN_HVM_IRQ), xenLink('vmx_vmexit_handler', 'xen/arch/x86/hvm/vmx/vmx.c')],
    contracts: [{ id: 'X6.12-vcpu0-up', text: 'lowers the line only once evtchn_upcall_pending of vCPU0 is clear', source: 'XR18c', codebase: 'xen', symbol: 'hvm_maybe_deassert_evtchn_irq', check: { kind: 'mentions', anyOf: ['evtchn_upcall_pending'] } }],
    branches: [
      { name: 'not-asserted', when: 'the callback line is not asserted: nothing to lower', next: null },
      { name: 'still-pending', when: 'UP[0]=1: the line stays high', next: null },
      { name: 'deassert', when: 'the line is asserted and UP[0]=0: it is lowered', next: null },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.12');
      const h = ctx.state.hvm_irq;
      const up0 = ctx.state.vcpu_info[0].evtchn_upcall_pending;
      if (!h.callback_via_asserted) return finish(ctx, 'not-asserted', 'callback_via_asserted=0');
      if (up0) return finish(ctx, 'still-pending', 'UP[0]=1: the line stays high');
      if (h.callback_via_type === 'HVMIRQ_callback_pci_intx') { h.callback_via_asserted = false; driveVia(h, false); }
      else setCallbackIrqLevel(h, 0);
      return finish(ctx, 'deassert', `asserted and UP[0]=0 → line lowered (gsi_assert_count now ${JSON.stringify(h.gsi_assert_count)})`);
    },
  },
  {
    id: 'X6.13', title: 'vlapic_EOI_set → vioapic_update_EOI', component: 'vlapic', operation: 'lapic.eoi',
    role: 'Guest EOI: clears the highest ISR bit; a level (TMR) vector goes to every vIOAPIC pin with that vector, clearing Remote IRR and re-delivering while the wire is still asserted. Xen\'s vLAPIC has no directed EOI.',
    rules: ['XR18c'],
    links: [xenLink('vlapic_EOI_set', 'xen/arch/x86/hvm/vlapic.c'), xenLink('vlapic_handle_EOI', 'xen/arch/x86/hvm/vlapic.c'), xenLink('vioapic_update_EOI', 'xen/arch/x86/hvm/vioapic.c')],
    contracts: [{
      id: 'X6.13-tmr-to-ioapic', text: 'a TMR-set vector\'s EOI reaches the vIOAPIC (there is no directed EOI in Xen\'s vLAPIC)', source: 'XR18c',
      codebase: 'xen', symbol: 'vlapic_handle_EOI', check: { kind: 'calls', anyOf: ['vioapic_update_EOI'] },
    }],
    branches: [
      { name: 'no-isr', when: 'the vCPU\'s ISR is empty: nothing to EOI', next: null },
      { name: 'edge', when: 'the EOI\'d vector has TMR=0 (edge): no vIOAPIC work', next: null },
      { name: 'level-done', when: 'a level vector: Remote IRR cleared on its pins, and the line is no longer asserted', next: null },
      { name: 'storm', when: 'the line is re-delivered at each EOI while UP[vcpu0] never clears: stopped after three re-deliveries, an interrupt storm', next: null },
      { name: 'redeliver', when: 'a level vector whose line is still asserted: Remote IRR set again and the vector re-delivered', next: 'X6.6' },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.13');
      const c = vcpuOf(ctx, 'cpu');
      const l = ctx.state.vlapic[c];
      const r = eoi(l);
      if (r.vector < 0) return finish(ctx, 'no-isr', `ISR of vCPU ${c} is empty: nothing to EOI`);
      if (!r.level) return finish(ctx, 'edge', `EOI of vector 0x${r.vector.toString(16)} (TMR=0): no vIOAPIC work`);
      const again = vioapicUpdateEoi(ctx.state.vioapic, ctx.state.hvm_irq, r.vector);
      if (again.length === 0) return finish(ctx, 'level-done', `EOI of level vector 0x${r.vector.toString(16)}: Remote IRR cleared, line no longer asserted`);
      const pin = ctx.state.vioapic[String(again[0])];
      const n = (typeof ctx.params.redeliveries === 'number' ? ctx.params.redeliveries : 0) + 1;
      if (n > 3) {
        // Each pass re-delivers the same still-asserted line: an interrupt storm, not a model loop. Stop and say why.
        ctx.emit({ kind: 'error', target: tag(pin.dest_vcpu), what: `GSI ${again[0]}`, detail: `interrupt storm: the line stays asserted (UP[0]=${ctx.state.vcpu_info[0].evtchn_upcall_pending}) and is re-delivered at every EOI to vCPU ${pin.dest_vcpu}, whose upcall never clears UP[vcpu0] — why Linux forces the platform IRQ onto CPU0 (X6.0b)` });
        return finish(ctx, 'storm', `GSI ${again[0]} re-delivered ${n - 1} times without UP[0] clearing`);
      }
      ctx.emit({ kind: 'note', what: `GSI ${again[0]}`, detail: `line still asserted at EOI: re-delivered (Remote IRR set again)` });
      return go('redeliver', `EOI of level vector 0x${r.vector.toString(16)}, GSI ${again[0]} still asserted (count ${ctx.state.hvm_irq.gsi_assert_count[String(again[0])]})`, 'X6.6', { target: pin.dest_vcpu, vector: pin.vector, trig: 1, redeliveries: n });
    },
  },
  {
    id: 'X6.14', title: 'vmx_intr_assist / hvm_vcpu_has_pending_irq', component: 'hvm-entry', operation: 'lapic.ack',
    role: 'At VM entry picks the interrupt to inject: global callback vector while UP[v]=1 (no IRR/ISR, no TPR, no EOI) before the vLAPIC\'s highest deliverable vector; blocked by RFLAGS.IF=0 (XR16, XR18).',
    rules: ['XR16', 'XR18'],
    links: [xenLink('vmx_intr_assist', 'xen/arch/x86/hvm/vmx/intr.c'), xenLink('hvm_vcpu_has_pending_irq', XEN_HVM_IRQ), xenLink('vmx_inject_extint', 'xen/arch/x86/hvm/vmx/vmx.c')],
    branches: [
      { name: 'nothing', when: 'no callback vector pending and no deliverable vLAPIC vector', next: null },
      { name: 'blocked', when: 'an interrupt is pending but the guest has RFLAGS.IF=0: it waits for the interrupt window', next: null },
      { name: 'inject-callback-vector', when: 'the global callback vector with UP[v]=1: vmx_inject_extint, no IRR, ISR or EOI', next: 'X6.15' },
      { name: 'inject-upcall-vector', when: 'the highest vLAPIC vector is the per-vCPU upcall vector: IRR→ISR, injected', next: 'X6.15' },
      { name: 'inject-callback-gsi', when: 'the highest vLAPIC vector is the callback GSI\'s vIOAPIC pin vector: IRR→ISR, injected', next: 'X6.15' },
      { name: 'inject-other', when: 'the highest vLAPIC vector is not the callback: an ordinary interrupt', next: null },
    ],
    run(ctx) {
      requireGuest(ctx, 'hvm', 'X6.14');
      const v = targetOf(ctx);
      const d = ctx.state;
      const h = d.hvm_irq;
      const globalVec = h.callback_via_type === 'HVMIRQ_callback_vector' && d.vcpu_info[v].evtchn_upcall_pending === 1;
      const lv = deliverableVector(d.vlapic[v], 'sdm');
      if (!globalVec && lv < 0) return finish(ctx, 'nothing', `vCPU ${v}: no callback vector pending and no deliverable vLAPIC vector`);
      const what = globalVec ? `global callback vector 0x${h.callback_via.vector.toString(16)}` : `vLAPIC vector 0x${lv.toString(16)}`;
      if (!d.vcpu[v].rflags_if) {
        ctx.emit({ kind: 'pending', target: tag(v), detail: `${what} waits: guest RFLAGS.IF=0 (interrupt window exiting)` });
        return finish(ctx, 'blocked', `RFLAGS.IF=0 on vCPU ${v}`);
      }
      d.vcpu[v].rflags_if = false;
      if (globalVec) return go('inject-callback-vector', `callback_via_type=vector and UP[${v}]=1 → vmx_inject_extint, no IRR/ISR`, 'X6.15', { cpu: v, entry: 'hvm-global-vector' });
      const vec = acknowledge(d.vlapic[v], 'sdm');
      if (vec === d.vcpu[v].evtchn_upcall_vector && d.linux.xen_percpu_upcall) {
        return go('inject-upcall-vector', `vLAPIC IRR→ISR vector 0x${vec.toString(16)} = UV[${v}]`, 'X6.15', { cpu: v, entry: 'hvm-percpu-vector' });
      }
      const cbPin = Object.entries(d.vioapic).find(([, p]) => p.vector === vec);
      if (cbPin && d.hvm_irq.callback_via_type !== 'HVMIRQ_callback_vector' && d.vcpu[0].evtchn_upcall_vector === 0) {
        return go('inject-callback-gsi', `vLAPIC IRR→ISR vector 0x${vec.toString(16)} of vIOAPIC pin ${cbPin[0]} (the platform device's line)`, 'X6.15', { cpu: v, entry: 'hvm-gsi' });
      }
      ctx.emit({ kind: 'delivered', target: tag(v), what: `vector 0x${vec.toString(16)}`, detail: 'an ordinary interrupt, not the event-channel callback' });
      return finish(ctx, 'inject-other', `vector 0x${vec.toString(16)} is not the callback`);
    },
  },
];
