// Flow Q10: KVM IPI — the guest's ICR write (x2APIC MSR, xAPIC MMIO, PV hypercall), its exit or IPI
// virtualization, kvm_apic_send_ipi, routing and delivery to the target vCPU (rules QR15, QR19–QR21).

import { guestIfActions, guestIfStep } from './kvmIrqWindow';
import { Flow, Step, StepResult } from '../../core/types';
import { encodeIcr, writeIcr2 } from '../../components/lapic';
import { guestIcrWrite, storeSentIcr, writeIcrAction } from './kvmIcr';
import { postHardware, POSTED_INTR_WAKEUP_VECTOR } from '../../components/postedInterrupt';
import {
  KVM_PROFILES, KvmState, LapicIrq, newKvmState, pick, routeIrq, irqFromParams, deliverOne, handRun, piWakeupHandler,
  checkBlock, piLoad, acceptEvents, pendingWhat, vname, hex,
} from './kvmMachine';
import { guestEoiAction, guestEoiStep } from './kvmLapicWrite';
import { withSharedRun } from './kvmSharedRun';
import { Ctx, KVM_STATE_DOC, withHandOffs, blockAction, kvmValidate, num, preemptAction, restOf, runOptions, setIfAction, vcpuParam, linuxLink, KVM_LAPIC_FILE, KVM_VMX_FILE, KVM_X86_FILE, routingBranches } from './kvmFlowKit';


function srcVcpu(ctx: Ctx): number {
  return vcpuParam(ctx, 'src');
}

/** The ICR words the guest's write carries: from a `write-icr` action (icr_value/icr_high), else composed from the IPI's parameters. */
function icrWords(ctx: Ctx): { low: number; high: number } {
  const given = typeof ctx.params.icr_value === 'number' && ctx.params.icr_value >= 0;
  const irq = irqFromParams(ctx.params);
  const low = given ? (ctx.params.icr_value as number) : encodeIcr({ vector: irq.vector, delivery: irq.delivery, logical: irq.logical, level_triggered: irq.level_triggered, shorthand: irq.shorthand });
  const high = typeof ctx.params.icr_high === 'number' && ctx.params.icr_high >= 0 ? ctx.params.icr_high : ctx.state.config.x2apic ? irq.dest >>> 0 : (irq.dest << 24) >>> 0;
  return { low, high };
}

/**
 * With APIC-register virtualization (APICv) the CPU first stores the guest's ICR write in the virtual-APIC page
 * (apic->regs), as written (SDM: a virtualized write puts the data at the same offset of the virtual-APIC page); KVM's
 * APIC-write exit handler then rewrites it (Q10.3). IPI virtualization never exits, so the value stays as written,
 * delivery-status bit included — the CPU, not KVM, decides the read-back there.
 */
function storeVirtualized(ctx: Ctx, s: number, low: number, high: number): string {
  const slot = ctx.state.vcpus[s];
  if (!slot.vcpu.apicv_active) return '';
  slot.lapic.icr = low >>> 0;
  if (ctx.state.config.x2apic) slot.lapic.icr2 = high >>> 0;
  return `; APICv: the CPU stores ${hex(low >>> 0)} in the virtual-APIC page's ICR`;
}

const steps: Step<KvmState>[] = [
  {
    id: 'Q10.0',
    title: 'guest ICR / ICR2 write',
    role: 'The guest writes the ICR itself: xAPIC ICR2 (0x310, destination byte) only latches the destination; xAPIC ICR (0x300) or x2APIC MSR 0x830 (64 bits, 32-bit destination) sends the IPI decoded from the register — shorthand self / all-including-self / all-excluding-self, physical or logical (flat) destination. An x2APIC write with reserved bits set is refused with #GP.',
    component: 'lapic',
    links: [
      linuxLink('kvm_lapic_reg_write', KVM_LAPIC_FILE), linuxLink('kvm_x2apic_icr_write', KVM_LAPIC_FILE), linuxLink('kvm_x2apic_msr_write', KVM_LAPIC_FILE),
      linuxLink('native_apic_icr_write', 'arch/x86/kernel/apic/apic.c'), linuxLink('native_x2apic_icr_write', 'arch/x86/include/asm/apic.h'),
    ],
    rules: ['QR29', 'QR30'],
    branches: [
      { name: 'icr2-latched', when: 'an xAPIC ICR2 write (0x310): only the destination byte is kept, nothing is sent', next: null },
      { name: 'gp-reserved-bits', when: 'an x2APIC ICR write with reserved bits set: kvm_x2apic_icr_write refuses it (#GP), nothing is sent', next: null },
      { name: 'unmodelled-delivery', when: 'delivery mode SMI or reserved: outside the interrupt paths modelled', next: null },
      { name: 'xapic-icr-write', when: 'an xAPIC ICR write (0x300) decoded into the IPI it describes; with APICv the CPU first stores it in the virtual-APIC page', next: 'Q10.2' },
      { name: 'x2apic-icr-write', when: 'an x2APIC MSR 0x830 write decoded into the IPI it describes (32-bit destination in bits 63:32)', next: 'Q10.2' },
    ],
    run(ctx): StepResult {
      const s = srcVcpu(ctx);
      const w = guestIcrWrite(ctx, s);
      if (w.kind === 'latched') return { branch: 'icr2-latched', why: w.why, next: null };
      if (w.kind === 'refused') return { branch: w.reason, why: w.why, next: null };
      const stored = storeVirtualized(ctx, s, w.low, w.high);
      return { branch: ctx.state.config.x2apic ? 'x2apic-icr-write' : 'xapic-icr-write', why: `${w.why}${stored}`, next: 'Q10.2', params: w.params };
    },
  },
  {
    id: 'Q10.1',
    title: 'apic->send_IPI (linux-guest)',
    role: 'The guest sends an IPI (e.g. RESCHEDULE_VECTOR 0xfd): x2APIC WRMSR 0x830, xAPIC ICR2 then ICR writes, or the PV_SEND_IPI hypercall.',
    component: 'guest',
    links: [
      linuxLink('native_smp_send_reschedule', 'arch/x86/kernel/apic/ipi.c'), linuxLink('x2apic_send_IPI', 'arch/x86/kernel/apic/x2apic_phys.c'), linuxLink('native_x2apic_icr_write', 'arch/x86/include/asm/apic.h'),
      linuxLink('default_send_IPI_single_phys', 'arch/x86/kernel/apic/ipi.c'), linuxLink('native_apic_icr_write', 'arch/x86/kernel/apic/apic.c'), linuxLink('kvm_send_ipi_mask', 'arch/x86/kernel/kvm.c'),
    ],
    branches: [
      { name: 'pv-hypercall', when: 'the guest uses the PV IPI: kvm_send_ipi_mask → KVM_HC_SEND_IPI with a bitmap of APIC IDs', next: 'Q10.2' },
      { name: 'x2apic-wrmsr', when: 'x2APIC: WRMSR 0x830 with the 64-bit ICR (destination in bits 63:32)', next: 'Q10.2' },
      { name: 'xapic-mmio', when: 'xAPIC: write ICR2 (0x310) = destination << 24, then ICR (0x300) with the vector', next: 'Q10.2' },
    ],
    run(ctx): StepResult {
      const s = srcVcpu(ctx);
      const vec = num(ctx, 'vector', 0xfd);
      if (ctx.params.pv === true) return { branch: 'pv-hypercall', why: `${vname(s)}: kvm_send_ipi_mask → KVM_HC_SEND_IPI with a bitmap of APIC IDs (vector ${hex(vec)})`, next: 'Q10.2' };
      const w = icrWords(ctx);
      if (ctx.state.config.x2apic) {
        const stored = storeVirtualized(ctx, s, w.low, w.high);
        return { branch: 'x2apic-wrmsr', why: `${vname(s)}: WRMSR 0x830 (64-bit ICR: dest ${num(ctx, 'dest', 1)}, vector ${hex(vec)})${stored}`, next: 'Q10.2', params: { icr_value: w.low, icr_high: w.high } };
      }
      // ICR2 first: only its destination byte stays (kvm_lapic_reg_write(APIC_ICR2), or the CPU itself with APICv).
      writeIcr2(ctx.state.vcpus[s].lapic, w.high, 'kvm');
      const stored = storeVirtualized(ctx, s, w.low, w.high);
      return { branch: 'xapic-mmio', why: `${vname(s)}: write ICR2 (0x310) = dest << 24, then ICR (0x300) with vector ${hex(vec)}${stored}`, next: 'Q10.2', params: { icr_value: w.low, icr_high: w.high } };
    },
  },
  {
    id: 'Q10.2',
    title: 'ICR write: exit or IPIv',
    role: 'Decides how the ICR write reaches KVM: IPIv posts Fixed physical no-shorthand IPIs with no exit; x2APIC takes the WRMSR fastpath; xAPIC exits as APIC-write (APICv) or APIC-access (no APICv); PV IPIs are a hypercall.',
    component: 'vcpu',
    links: [
      linuxLink('handle_fastpath_set_msr_irqoff', KVM_X86_FILE), linuxLink('handle_fastpath_set_x2apic_icr_irqoff', KVM_X86_FILE), linuxLink('kvm_x2apic_icr_write', KVM_LAPIC_FILE),
      linuxLink('handle_apic_write', KVM_VMX_FILE), linuxLink('kvm_apic_write_nodecode', KVM_LAPIC_FILE), linuxLink('handle_apic_access', KVM_VMX_FILE), linuxLink('kvm_lapic_reg_write', KVM_LAPIC_FILE),
      linuxLink('kvm_pv_send_ipi', KVM_LAPIC_FILE), linuxLink('vmx_can_use_ipiv', 'arch/x86/kvm/vmx/vmx.h'),
    ],
    contracts: [
      { id: 'Q10.2-fastpath', text: 'the x2APIC ICR fastpath handles only no-shorthand, physical, Fixed IPIs to a non-broadcast destination', source: 'docs/flows/Q10.md#q10-2', codebase: 'linux', symbol: 'handle_fastpath_set_x2apic_icr_irqoff', check: { kind: 'mentions', anyOf: ['APIC_SHORT_MASK', 'APIC_DEST_NOSHORT'] } },
    ],
    branches: [
      { name: 'pv-hypercall', when: 'VMCALL exit → kvm_emulate_hypercall → kvm_pv_send_ipi: kvm_apic_set_irq for each set bit of the bitmap', next: 'Q10.5' },
      { name: 'x2apic-slow', when: 'x2APIC: the destination is beyond LAST_PID_POINTER_INDEX, or a broadcast: IPI virtualization does not apply, the MSR write exits', next: 'Q10.3' },
      { name: 'apic-write-exit', when: 'the destination is beyond LAST_PID_POINTER_INDEX, or a broadcast: IPI virtualization does not apply, the xAPIC write exits (APIC-write)', next: 'Q10.3' },
      { name: 'ipiv-no-exit', when: 'IPI virtualization: Fixed, physical, no shorthand — the CPU posts into the target\'s PID through PID_POINTER_TABLE, no VM exit', next: 'Q10.2e' },
      { name: 'x2apic-fastpath', when: 'MSR-write exit → vmx_exit_handlers_fastpath → handle_fastpath_set_x2apic_icr_irqoff → kvm_x2apic_icr_write', next: 'Q10.3' },
      { name: 'apic-access-exit', when: 'xAPIC without APICv: APIC-access exit → handle_apic_access → emulation → apic_mmio_write → kvm_lapic_reg_write(APIC_ICR)', next: 'Q10.3' },
      { name: 'x2apic-slow', when: 'an x2APIC ICR write that is not fastpath-eligible: kvm_emulate_wrmsr → kvm_x2apic_msr_write → kvm_x2apic_icr_write', next: 'Q10.3' },
    ],
    run(ctx): StepResult {
      const s = srcVcpu(ctx);
      const irq = irqFromParams(ctx.params);
      const sv = ctx.state.vcpus[s].vcpu;
      if (ctx.params.pv === true) {
        sv.mode = 'OUTSIDE_GUEST_MODE';
        return { branch: 'pv-hypercall', why: `VMCALL exit → kvm_emulate_hypercall → kvm_pv_send_ipi: kvm_apic_set_irq for each set bit of ${hex(irq.dest)}`, next: 'Q10.5', params: { vcpu: firstBit(ctx, irq.dest), rest: restBits(ctx, irq.dest) } };
      }
      const simple = irq.delivery === 'fixed' && !irq.logical && irq.shorthand === 'none';
      // The PID-pointer table covers APIC IDs 0..LAST_PID_POINTER_INDEX (the highest vCPU APIC ID); a broadcast or an ID
      // beyond it exits (APIC-write / MSR-write) like any other ICR write.
      const inTable = irq.dest <= Math.max(...ctx.state.vcpus.map((v) => v.apic_id));
      if (sv.apicv_active && ctx.state.config.ipiv && simple && !inTable) {
        sv.mode = 'OUTSIDE_GUEST_MODE';
        return { branch: ctx.state.config.x2apic ? 'x2apic-slow' : 'apic-write-exit', why: `destination ${hex(irq.dest)} is beyond LAST_PID_POINTER_INDEX (or broadcast): IPI virtualization does not apply, the write exits`, next: 'Q10.3' };
      }
      if (sv.apicv_active && ctx.state.config.ipiv && simple) return { branch: 'ipiv-no-exit', why: 'IPI virtualization: Fixed, physical, no shorthand — the CPU posts into the target\'s PID through PID_POINTER_TABLE, no VM exit', next: 'Q10.2e' };
      sv.mode = 'OUTSIDE_GUEST_MODE';
      if (ctx.state.config.x2apic) {
        const fast = simple && irq.dest !== 0xffffffff;
        return { branch: fast ? 'x2apic-fastpath' : 'x2apic-slow', why: fast ? 'MSR-write exit → vmx_exit_handlers_fastpath → handle_fastpath_set_x2apic_icr_irqoff → kvm_x2apic_icr_write' : 'not fastpath-eligible: kvm_emulate_wrmsr → kvm_set_msr_common → kvm_x2apic_msr_write → kvm_x2apic_icr_write', next: 'Q10.3' };
      }
      if (sv.apicv_active) return { branch: 'apic-write-exit', why: 'xAPIC with APIC-register virtualization: trap-like APIC-write exit → handle_apic_write → kvm_apic_write_nodecode → kvm_lapic_reg_write(APIC_ICR)', next: 'Q10.3' };
      return { branch: 'apic-access-exit', why: 'xAPIC without APICv: APIC-access exit → handle_apic_access → emulation → apic_mmio_write → kvm_lapic_reg_write(APIC_ICR)', next: 'Q10.3' };
    },
  },
  {
    id: 'Q10.2e',
    title: '[hw] IPI virtualization',
    role: 'The CPU sets PIR[v] in the target\'s PID and, if ON was 0 and SN is 0, sets ON and sends its NV to NDST: the notification vector reaches a running target without exits, the wakeup vector wakes a blocked one (QR21).',
    component: 'pi_desc',
    operation: 'pi.post',
    links: [linuxLink('vmx_can_use_ipiv', 'arch/x86/kvm/vmx/vmx.h', { note: 'gates IPIv; the posting itself is done by the CPU' }), linuxLink('pi_wakeup_handler', 'arch/x86/kvm/vmx/posted_intr.c'), linuxLink('vmx_vcpu_pi_put', 'arch/x86/kvm/vmx/posted_intr.c')],
    rules: ['QR21'],
    branches: [
      { name: 'woken-not-runnable', when: 'the blocked target is woken but kvm_vcpu_check_block finds nothing that lets it run (e.g. IF=0)', next: null },
      { name: 'wakeup-vector', when: 'PIR[vector] := 1, ON := 1 and NV is the wake-up vector 0xf1 (the target is blocked): pi_wakeup_handler wakes the vCPUs on its pCPU\'s list', next: null },
      { name: 'notification', when: 'PIR[vector] := 1, ON := 1 and NV 0xf2 to a target in non-root mode: no VM exit, the vector is delivered virtually', next: null },
      { name: 'root-mode', when: 'PIR[vector] := 1, ON := 1 while the target is not in guest mode: sysvec_kvm_posted_intr_ipi only EOIs, the next entry syncs the PIR', next: null },
      { name: 'no-target', when: 'the destination selects no vCPU', next: null },
      { name: 'wakeup-nobody', when: 'the wake-up handler finds the target not on the pCPU\'s wake-up list with ON set: nobody is woken', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const irq = irqFromParams(ctx.params);
      const r = routeIrq(s, irq, srcVcpu(ctx));
      if (r.targets.length === 0) {
        ctx.emit({ kind: 'dropped', what: `vector ${hex(irq.vector)}`, detail: `no vCPU with APIC ID ${irq.dest}` });
        return { branch: 'no-target', why: r.why, next: null };
      }
      const i = r.targets[0];
      const slot = s.vcpus[i];
      const post = postHardware(slot.pi_desc, irq.vector, false);
      const o = runOptions(ctx);
      if (post === 'suppressed' || post === 'on-already-set') {
        ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: post === 'suppressed' ? 'SN=1 (preempted)' : 'ON already set' });
        return { branch: post, why: `PIR[${hex(irq.vector)}] of ${vname(i)} := 1; ${post === 'suppressed' ? 'SN=1: no notification' : 'ON already 1'}`, next: null };
      }
      if (slot.pi_desc.nv === POSTED_INTR_WAKEUP_VECTOR) {
        const w = piWakeupHandler(s, slot.pi_desc.ndst, ctx.emit);
        if (!w.woken.includes(i)) return { branch: 'wakeup-nobody', why: w.why, next: null };
        const c = checkBlock(s, i);
        if (!c.runnable) {
          slot.vcpu.blocked = true;
          return { branch: 'woken-not-runnable', why: `${w.why}; ${c.why}`, next: null };
        }
        slot.vcpu.halted = false;
        const load = piLoad(s, i, slot.vcpu.pcpu);
        // The woken vCPU enters on its own thread: PIR sync and virtual-interrupt delivery (Q4.4 on vcpuN).
        handRun(o, i, 'Q4.4');
        return withHandOffs({ branch: 'wakeup-vector', why: `PIR[${hex(irq.vector)}] := 1, ON := 1, NV 0xf1 → pi_wakeup_handler: ${w.why}; ${c.why}; vmx_vcpu_pi_load: ${load}; ${vname(i)} enters`, next: null }, o);
      }
      if (slot.vcpu.mode === 'IN_GUEST_MODE') {
        // The target's pCPU processes the notification in non-root mode (Q4.3 on vcpuN).
        handRun(o, i, 'Q4.3');
        return withHandOffs({ branch: 'notification', why: `PIR[${hex(irq.vector)}] := 1, ON := 1, NV 0xf2 to pCPU ${slot.pi_desc.ndst}: processed by the CPU in non-root mode`, next: null }, o);
      }
      ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: 'notification reached the host: synced at the next entry' });
      return { branch: 'root-mode', why: `PIR[${hex(irq.vector)}] := 1, ON := 1; ${vname(i)} is not in guest mode: sysvec_kvm_posted_intr_ipi only EOIs, the next entry syncs`, next: null };
    },
  },
  {
    id: 'Q10.3',
    title: 'kvm_apic_send_ipi',
    role: 'Decodes ICR into a kvm_lapic_irq (vector, delivery mode, dest mode, level, trigger, shorthand; dest = ICR_HIGH for x2APIC or ICR2[31:24]) and calls kvm_irq_delivery_to_apic with the sender as source.',
    component: 'lapic',
    links: [linuxLink('kvm_apic_send_ipi', KVM_LAPIC_FILE)],
    contracts: [
      { id: 'Q10.3-route', text: 'routes the IPI through kvm_irq_delivery_to_apic with the sending APIC as source', source: 'docs/flows/Q10.md#q10-3', codebase: 'linux', symbol: 'kvm_apic_send_ipi', check: { kind: 'calls', anyOf: ['kvm_irq_delivery_to_apic'] } },
    ],
    branches: [
      { name: 'fixed', when: 'fixed delivery: a kvm_lapic_irq with the vector, destination mode and shorthand; ICR BUSY cleared', next: 'Q10.4' },
      { name: 'lowest', when: 'delivery mode lowest priority: one destination is chosen at routing', next: 'Q10.4' },
      { name: 'nmi', when: 'delivery mode NMI', next: 'Q10.4' },
      { name: 'init', when: 'delivery mode INIT', next: 'Q10.4' },
      { name: 'startup', when: 'delivery mode start-up (SIPI)', next: 'Q10.4' },
    ],
    run(ctx): StepResult {
      const irq = irqFromParams(ctx.params);
      // The exit paths end in kvm_lapic_reg_write(APIC_ICR) (xAPIC) or kvm_x2apic_icr_write (x2APIC): both clear
      // APIC_ICR_BUSY before storing, so a later read never shows a send pending. x2APIC stores the high half whole.
      const w = icrWords(ctx);
      const stored = storeSentIcr(ctx.state, srcVcpu(ctx), w.low, w.high);
      return { branch: irq.delivery, why: `kvm_lapic_irq {vector ${hex(irq.vector)}, ${irq.delivery}, ${irq.logical ? 'logical' : 'physical'}, shorthand ${irq.shorthand}, dest ${hex(irq.dest)}}; ${stored}`, next: 'Q10.4' };
    },
  },
  {
    id: 'Q10.4',
    title: 'kvm_irq_delivery_to_apic',
    role: 'Routes from the source APIC: SELF → the sender, ALLINC/ALLBUT or broadcast → slow loop, physical → phys_map, logical → cluster maps (QR15).',
    component: 'lapic',
    operation: 'lapic.route',
    links: [linuxLink('kvm_irq_delivery_to_apic', 'arch/x86/kvm/irq_comm.c'), linuxLink('kvm_irq_delivery_to_apic_fast', KVM_LAPIC_FILE), linuxLink('kvm_apic_match_dest', KVM_LAPIC_FILE)],
    rules: ['QR15'],
    branches: [
      ...routingBranches('Q10.5'),
      { name: 'no-target', when: 'the destination selects no vCPU', next: null },
    ],
    run(ctx): StepResult {
      const r = routeIrq(ctx.state, irqFromParams(ctx.params), srcVcpu(ctx));
      if (r.targets.length === 0) {
        ctx.emit({ kind: 'dropped', what: `vector ${hex(num(ctx, 'vector', 0))}`, detail: r.why });
        return { branch: 'no-target', why: r.why, next: null };
      }
      return { branch: r.path, why: r.why, next: 'Q10.5', params: { vcpu: r.targets[0], rest: r.targets.slice(1).join(',') } };
    },
  },
  {
    id: 'Q10.5',
    title: '__apic_accept_irq',
    role: 'Per target: with APICv the vector is posted (0xf2 IPI to a target in guest mode, wake-up or nothing otherwise, Q4.1); without, IRR + KVM_REQ_EVENT + kick (reschedule IPI → exit → injection, Q3.3).',
    component: 'lapic',
    operation: 'lapic.accept',
    links: [linuxLink('kvm_apic_set_irq', KVM_LAPIC_FILE), linuxLink('__apic_accept_irq', KVM_LAPIC_FILE), linuxLink('vmx_deliver_interrupt', KVM_VMX_FILE), linuxLink('vmx_deliver_posted_interrupt', KVM_VMX_FILE), linuxLink('kvm_vcpu_kick', 'virt/kvm/kvm_main.c')],
    rules: ['QR4', 'QR19', 'QR20'],
    branches: [
      { name: 'irr-kick', when: '__apic_accept_irq on the last target: IRR set (APICv off) and a kick', next: null },
      { name: 'posted', when: '__apic_accept_irq on the last target: posted into its PIR (APICv on)', next: null },
      { name: 'irr-kick', when: 'IRR set (APICv off) and a kick; more targets follow (a shorthand or logical destination): the next one', next: 'Q10.5' },
      { name: 'posted', when: 'posted into the PIR (APICv on); more targets follow (a shorthand or logical destination): the next one', next: 'Q10.5' },
      { name: 'nmi-kick', when: 'delivery NMI: nmi_pending, KVM_REQ_EVENT and a kick', next: null },
      { name: 'nmi-kick', when: 'delivery NMI, more targets queued: the next target', next: 'Q10.5' },
      { name: 'init', when: 'INIT: a pending event the target accepts before its next entry', next: 'Q10.6' },
      { name: 'startup', when: 'SIPI: a pending event the target accepts before its next entry', next: 'Q10.6' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const irq: LapicIrq = irqFromParams(ctx.params);
      const init = irq.delivery === 'init' || irq.delivery === 'startup';
      // INIT/SIPI are accepted on the target by Q10.6 before it re-enters; other vectors run the target now.
      // The target's own run (entry, delivery, handler, EOI) is handed to its context as steps.
      const o = runOptions(ctx);
      const d = deliverOne(ctx.state, i, irq, srcVcpu(ctx), o, !init);
      const rest = restOf(ctx.params);
      const branch = irq.delivery === 'nmi' ? 'nmi-kick' : ctx.state.vcpus[i].vcpu.apicv_active ? 'posted' : 'irr-kick';
      if (init) return { branch: irq.delivery, why: d.log.join('; '), next: 'Q10.6' };
      if (rest.length) return withHandOffs({ branch, why: `${d.log.join('; ')}; next ${vname(rest[0])}`, next: 'Q10.5', params: { vcpu: rest[0], rest: rest.slice(1).join(',') } }, o);
      return withHandOffs({ branch, why: d.log.join('; '), next: null }, o);
    },
  },
  {
    id: 'Q10.6',
    title: 'kvm_apic_accept_events',
    role: 'INIT and SIPI never touch IRR: they become pending_events and are processed on the target before its next entry (INIT → wait-for-SIPI, SIPI → start at vector × 4 KiB).',
    component: 'vcpu',
    links: [linuxLink('kvm_apic_accept_events', KVM_LAPIC_FILE)],
    branches: [
      { name: 'accepted', when: 'the target consumed pending_events in its vcpu_run; more targets follow', next: 'Q10.5' },
      { name: 'accepted', when: 'the target consumed pending_events in its vcpu_run', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const v = ctx.state.vcpus[i].vcpu;
      const why = v.pending_events.length ? acceptEvents(ctx.state, i) : 'pending_events already consumed by the target\'s vcpu_run';
      const rest = restOf(ctx.params);
      ctx.emit({ kind: 'note', target: vname(i), detail: why });
      if (rest.length) return { branch: 'accepted', why, next: 'Q10.5', params: { vcpu: rest[0], rest: rest.slice(1).join(',') } };
      return { branch: 'accepted', why, next: null };
    },
  },
  guestEoiStep('Q10.eoi'),
  guestIfStep('Q10.sti'),
];

function bits(ctx: Ctx, mask: number): number[] {
  return ctx.state.vcpus.map((v, i) => (v.apic_id < 32 && (mask & (1 << v.apic_id)) !== 0 ? i : -1)).filter((i) => i >= 0);
}
function firstBit(ctx: Ctx, mask: number): number {
  return bits(ctx, mask)[0] ?? -1;
}
function restBits(ctx: Ctx, mask: number): string {
  return bits(ctx, mask).slice(1).join(',');
}

const srcSpec = { name: 'src', type: 'int' as const, description: 'The sending vCPU.', default: 0, min: 0, max: 63 };
const pvSpec = { name: 'pv', type: 'bool' as const, description: 'Send through the PV IPI hypercall (dest is then a bitmap of APIC IDs).', default: false };

export const q10Ipi: Flow<KvmState> = {
  id: 'Q10',
  name: 'KVM IPI',
  description: 'A guest IPI: the ICR write exits (x2APIC fastpath, APIC-write, APIC-access, PV hypercall) into kvm_apic_send_ipi → kvm_irq_delivery_to_apic → __apic_accept_irq on the target, posted with APICv or injected after a kick without; with IPI virtualization the CPU posts it with no exit at all.',
  codebases: ['linux'],
  profiles: KVM_PROFILES.filter((p) => ['kvm-inkernel', 'apicv-off', 'apicv-on', 'apicv-ipiv'].includes(p.id)),
  defaultProfile: 'kvm-inkernel',
  params: [srcSpec, { ...pick('vector')[0], default: 0xfd }, ...pick('dest', 'dest_mode', 'delivery', 'shorthand', 'handler_eoi', 'vcpu'), pvSpec],
  entry: 'Q10.1',
  steps: withSharedRun('Q10', steps),
  actions: [
    ...guestIfActions('Q10.sti'),
    { name: 'ipi', description: 'The source vCPU sends an IPI.', params: [srcSpec, { ...pick('vector')[0], default: 0xfd }, ...pick('dest', 'dest_mode', 'delivery', 'shorthand'), pvSpec], from: 'Q10.1' },
    writeIcrAction('Q10.0'),
    guestEoiAction('Q10.eoi'),
    {
      name: 'x2apic', description: 'The guest runs its APICs in x2APIC mode.', params: [{ name: 'on', type: 'bool', description: 'x2APIC', default: true }],
      apply(state, params) {
        state.config.x2apic = params.on === true;
        return `guest APIC mode := ${params.on === true ? 'x2APIC (ICR = MSR 0x830)' : 'xAPIC (ICR = MMIO 0x300/0x310)'}`;
      },
    },
    blockAction, preemptAction, setIfAction,
  ],
  initialState: (profile) => newKvmState(profile),
  validate(state, params, profile) {
    const out = kvmValidate(state, params, profile);
    if (typeof params.src === 'number' && (params.src < 0 || params.src >= state.vcpus.length)) out.push(`parameter "src" = ${params.src}: an IPI is sent by a vCPU (0..${state.vcpus.length - 1})`);
    return out;
  },
  stateDoc: KVM_STATE_DOC,
};
