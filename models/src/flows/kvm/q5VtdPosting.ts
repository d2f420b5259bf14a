// Flow Q5: VT-d posted interrupts for a VFIO device — IRTE set-up, IOMMU posting, the wakeup vector and the
// PID lifecycle across block / preempt / schedule-in (rules QR19–QR21; VT-d 5.2.3).

import { guestEoiAction, guestEoiStep } from './kvmLapicWrite';
import { guestIfActions, guestIfStep } from './kvmIrqWindow';
import { Flow, Link, ModelError, Step, StepResult } from '../../core/types';
import { POSTED_INTR_WAKEUP_VECTOR, postHardware } from '../../components/postedInterrupt';
import { eventfdSignalIrqfd } from '../../components/irqfd';
import {
  KVM_PROFILES, KvmState, newKvmState, pick, profileConfig, routeIrq, deliverToApics, hwProcessNotification, syncPir, guestHandler, checkBlock, leaveHalt, piPut, piLoad,
  piWakeupHandler, pendingWhat, guestEoi, vname, hex, LapicIrq,
} from './kvmMachine';
import { withSharedRun } from './kvmSharedRun';
import { deliverVirtual, recognised } from '../../components/apicv';
import { Ctx, KVM_STATE_DOC, kvmValidate, num, runOptions, withHandOffs, setIfAction, vcpuParam, linuxLink, KVM_POSTED_INTR_FILE } from './kvmFlowKit';

const qemuLink = (symbol: string, file: string): Link => ({ codebase: 'qemu', symbol, file });

function guestMsi(ctx: Ctx): LapicIrq {
  return { vector: num(ctx, 'vector', 0x41), delivery: ctx.params.delivery === 'lowest' ? 'lowest' : 'fixed', dest: num(ctx, 'dest', 1), logical: ctx.params.dest_mode === 'logical', shorthand: 'none', level_triggered: false, level: true };
}

const steps: Step<KvmState>[] = [
  {
    id: 'Q5.1',
    title: 'vfio_msix_vector_do_use',
    role: 'QEMU gives the unmasked MSI-X vector a KVM MSI route with the guest\'s address/data and binds its eventfd as an irqfd (KVM_IRQFD).',
    component: 'irqfd',
    links: [qemuLink('vfio_msix_vector_do_use', 'hw/vfio/pci.c'), qemuLink('vfio_add_kvm_msi_virq', 'hw/vfio/pci.c'), qemuLink('vfio_connect_kvm_msi_virq', 'hw/vfio/pci.c'), qemuLink('kvm_irqchip_add_irqfd_notifier_gsi', 'accel/kvm/kvm-all.c'), qemuLink('vfio_enable_vectors', 'hw/vfio/pci.c')],
    branches: [
      { name: 'masked', when: 'the guest masked the vector: no KVM route, the eventfd is QEMU\'s own `interrupt` (Q6.6)', next: null },
      { name: 'kvm-route', when: 'QEMU sets up an MSI route (GSI → guest vector and APIC) and binds the eventfd with KVM_IRQFD and VFIO_DEVICE_SET_IRQS', next: 'Q5.2' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      if (s.device.msix_masked) return { branch: 'masked', why: 'the guest masked the vector: no KVM route, the eventfd is QEMU\'s own `interrupt` (Q6.6)', next: null };
      const m = guestMsi(ctx);
      s.irqfd.route = 'msi';
      s.irqfd.active = true;
      s.irqfd.msi = { dest: m.dest, vector: m.vector, logical: m.logical, delivery: m.delivery === 'lowest' ? 'lowest' : 'fixed', level_triggered: false };
      return { branch: 'kvm-route', why: `MSI route GSI ${s.irqfd.gsi}: guest vector ${hex(m.vector)} → APIC ${m.dest}; eventfd bound with KVM_IRQFD and passed to VFIO_DEVICE_SET_IRQS`, next: 'Q5.2' };
    },
  },
  {
    id: 'Q5.2',
    title: 'kvm_irqfd_assign',
    role: 'KVM snapshots the route, hooks irqfd_wakeup into the eventfd wait queue and registers an irq-bypass consumer keyed by the eventfd.',
    component: 'irqfd',
    links: [linuxLink('kvm_irqfd', 'virt/kvm/eventfd.c'), linuxLink('kvm_irqfd_assign', 'virt/kvm/eventfd.c'), linuxLink('irqfd_update', 'virt/kvm/eventfd.c'), linuxLink('irq_bypass_register_consumer', 'virt/lib/irqbypass.c')],
    branches: [
      { name: 'consumer', when: 'the irqfd registers as an IRQ bypass consumer (token = the eventfd)', next: 'Q5.3' },
    ],
    run(): StepResult {
      return { branch: 'consumer', why: 'irqfd registered; irq_bypass_register_consumer(token = eventfd)', next: 'Q5.3' };
    },
  },
  {
    id: 'Q5.3',
    title: 'kvm_arch_irq_bypass_add_producer',
    role: 'VFIO requests the host IRQ (vfio_msihandler) and registers the producer with the same eventfd token; the match calls KVM\'s pi_update_irte hook.',
    component: 'irqfd',
    links: [linuxLink('vfio_msi_set_vector_signal', 'drivers/vfio/pci/vfio_pci_intrs.c'), linuxLink('irq_bypass_register_producer', 'virt/lib/irqbypass.c'), linuxLink('__connect', 'virt/lib/irqbypass.c'), linuxLink('kvm_arch_irq_bypass_add_producer', 'arch/x86/kvm/x86.c')],
    branches: [
      { name: 'connected', when: 'the producer\'s and consumer\'s tokens match: kvm_arch_irq_bypass_add_producer → pi_update_irte', next: 'Q5.4' },
    ],
    run(): StepResult {
      return { branch: 'connected', why: 'producer and consumer tokens match: __connect → kvm_arch_irq_bypass_add_producer → static_call(kvm_x86_pi_update_irte)', next: 'Q5.4' };
    },
  },
  {
    id: 'Q5.3r',
    title: 'kvm_arch_update_irqfd_routing',
    role: 'The guest reprograms the MSI (new destination or vector): QEMU updates the KVM route, KVM re-snapshots it for the irqfd and calls pi_update_irte again, so the IRTE follows the guest\'s affinity.',
    component: 'irqfd',
    links: [linuxLink('kvm_irq_routing_update', 'virt/kvm/eventfd.c'), linuxLink('irqfd_update', 'virt/kvm/eventfd.c'), linuxLink('kvm_arch_update_irqfd_routing', 'arch/x86/kvm/x86.c')],
    rules: ['QR21'],
    branches: [
      { name: 'rerouted', when: 'the guest moves the MSI (new vector or APIC): irqfd_update, then pi_update_irte', next: 'Q5.4' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const m = guestMsi(ctx);
      const old = s.irqfd.msi;
      s.irqfd.msi = { dest: m.dest, vector: m.vector, logical: m.logical, delivery: m.delivery === 'lowest' ? 'lowest' : 'fixed', level_triggered: false };
      return { branch: 'rerouted', why: `MSI route GSI ${s.irqfd.gsi}: vector ${hex(old.vector)} → APIC ${old.dest} becomes vector ${hex(m.vector)} → APIC ${m.dest}; irqfd_update, then static_call(kvm_x86_pi_update_irte)`, next: 'Q5.4' };
    },
  },
  {
    id: 'Q5.4',
    title: 'vmx_pi_update_irte',
    role: 'If VT-d posting is usable and the MSI targets one vCPU with Fixed/LowestPrio, the IRTE becomes posted: p_pst=1, p_urgent=0, p_vector = guest vector, pda = the vCPU\'s pi_desc.',
    component: 'irte',
    links: [
      linuxLink('vmx_pi_update_irte', KVM_POSTED_INTR_FILE, { formerly: [{ symbol: 'pi_update_irte', in: 'kvm_x86_ops member name (.pi_update_irte)' }] }),
      linuxLink('vmx_can_use_vtd_pi', KVM_POSTED_INTR_FILE), linuxLink('kvm_intr_is_single_vcpu', 'arch/x86/kvm/irq_comm.c'), linuxLink('irq_set_vcpu_affinity', 'kernel/irq/manage.c'),
      linuxLink('intel_ir_set_vcpu_affinity', 'drivers/iommu/intel/irq_remapping.c'), linuxLink('modify_irte', 'drivers/iommu/intel/irq_remapping.c'),
    ],
    contracts: [
      { id: 'Q5.4-single-vcpu', text: 'posts only MSIs that target a single vCPU; multicast stays remapped', source: 'QR21', codebase: 'linux', symbol: 'vmx_pi_update_irte', check: { kind: 'calls', anyOf: ['kvm_intr_is_single_vcpu'] } },
      { id: 'Q5.4-urgent-0', text: 'programs the posted IRTE with p_urgent = 0', source: 'QR21', codebase: 'linux', symbol: 'intel_ir_set_vcpu_affinity', check: { kind: 'mentions', anyOf: ['p_urgent'] } },
    ],
    rules: ['QR21'],
    branches: [
      { name: 'remapped', when: 'vmx_can_use_vtd_pi is false (it needs the in-kernel irqchip, enable_apicv, an assigned device and IRQ_POSTING_CAP): the IRTE stays remapped (Q6)', next: null },
      { name: 'not-single-vcpu', when: 'the MSI targets more than one vCPU (kvm_intr_is_single_vcpu false): irq_set_vcpu_affinity(host_irq, NULL), remapped', next: null },
      { name: 'posted', when: 'a single target vCPU: the IRTE becomes posted (vector, the vCPU\'s PI descriptor); modify_irte', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      if (!s.config.vtd_pi) {
        s.irte = { p_pst: false, p_urgent: false, p_vector: 0, pda: -1 };
        return { branch: 'remapped', why: `vmx_can_use_vtd_pi is false (${ctx.profile}: needs the in-kernel irqchip, enable_apicv, an assigned device and IRQ_POSTING_CAP): the IRTE stays remapped (Q6)`, next: null };
      }
      const m = guestMsi(ctx);
      const r = routeIrq(s, m, -1);
      if (r.targets.length !== 1) {
        s.irte = { p_pst: false, p_urgent: false, p_vector: 0, pda: -1 };
        return { branch: 'not-single-vcpu', why: `kvm_intr_is_single_vcpu is false (${r.why}): irq_set_vcpu_affinity(host_irq, NULL), remapped`, next: null };
      }
      const t = r.targets[0];
      s.irte = { p_pst: true, p_urgent: false, p_vector: m.vector, pda: t };
      return { branch: 'posted', why: `single target ${vname(t)}: IRTE p_pst=1, p_urgent=0, p_vector=${hex(m.vector)}, pda=&${vname(t)}.pi_desc; modify_irte`, next: null };
    },
  },
  {
    id: 'Q5.5',
    title: '[hw] IOMMU posts the interrupt',
    role: 'The device\'s MSI hits a posted IRTE: PIR[p_vector] := 1; if ON=0 and (URG or SN=0), ON := 1 and NV is sent to NDST. No host handler runs (QR21).',
    component: 'pi_desc',
    operation: 'pi.post',
    links: [linuxLink('intel_ir_set_vcpu_affinity', 'drivers/iommu/intel/irq_remapping.c', { note: 'wrote the posted IRTE the IOMMU follows (VT-d 5.2.3)' }), linuxLink('vfio_msihandler', 'drivers/vfio/pci/vfio_pci_intrs.c', { note: 'runs only when the IRTE is remapped, not posted' })],
    rules: ['QR21'],
    source: 'VT-d 5.2.3',
    branches: [
      { name: 'remapped', when: 'the IRTE is not posted: host vector → vfio_msihandler → irqfd_wakeup → kvm_set_msi (flow Q6)', next: null },
      { name: 'suppressed', when: 'PIR[vector] := 1; ON=0 but SN=1 and URG=0: no notification, ON stays 0 (QR21)', next: null },
      { name: 'on-already-set', when: 'PIR[vector] := 1; ON was already 1: a notification is outstanding (QR21)', next: null },
      { name: 'notify-wakeup', when: 'PIR[vector] := 1; ON 0 → 1, SN=0, NV is the wake-up vector 0xf1 (the vCPU is blocked): sent to NDST', next: 'Q5.7' },
      { name: 'notify', when: 'PIR[vector] := 1; ON 0 → 1, SN=0: the notification vector 0xf2 is sent to NDST', next: 'Q5.6' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      if (!s.irte.p_pst) {
        // Remapped: host vector → vfio_msihandler → eventfd → irqfd → kvm_set_msi (Q6).
        const r = eventfdSignalIrqfd(s.irqfd);
        const o = runOptions(ctx);
        const d = deliverToApics(s, { ...guestMsi(ctx), vector: s.irqfd.msi.vector, dest: s.irqfd.msi.dest }, -1, o, true);
        return withHandOffs({ branch: 'remapped', why: `IRTE not posted: host vector → vfio_msihandler → ${r} → irqfd_wakeup → kvm_set_msi: ${d.log.join(' → ')}`, next: null }, o);
      }
      const i = s.irte.pda;
      const pi = s.vcpus[i].pi_desc;
      const r = postHardware(pi, s.irte.p_vector, s.irte.p_urgent);
      if (r === 'suppressed') {
        ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: 'posted with SN=1: no notification' });
        return { branch: 'suppressed', why: `PIR[${hex(s.irte.p_vector)}] := 1; ON=0 but SN=1 and URG=0: no notification, ON stays 0 (QR21)`, next: null, params: { vcpu: i } };
      }
      if (r === 'on-already-set') {
        ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: 'ON already set' });
        return { branch: 'on-already-set', why: `PIR[${hex(s.irte.p_vector)}] := 1; ON was already 1: a notification is outstanding (QR21)`, next: null, params: { vcpu: i } };
      }
      const why = `PIR[${hex(s.irte.p_vector)}] := 1; ON 0 → 1, SN=0: notification vector ${hex(pi.nv)} to NDST pCPU ${pi.ndst}`;
      if (pi.nv === POSTED_INTR_WAKEUP_VECTOR) return { branch: 'notify-wakeup', why, next: 'Q5.7', params: { vcpu: i, cpu: pi.ndst } };
      return { branch: 'notify', why, next: 'Q5.6', params: { vcpu: i, cpu: pi.ndst } };
    },
  },
  {
    id: 'Q5.6',
    title: '[hw] NV = POSTED_INTR_VECTOR',
    role: 'If NDST runs this vCPU in non-root mode the CPU processes the PIR with no exit (Q4.3); in root mode the host handler only EOIs and the next entry syncs the PIR (Q4.4).',
    component: 'pi_desc',
    links: [linuxLink('sysvec_kvm_posted_intr_ipi', 'arch/x86/kernel/irq.c'), linuxLink('vmx_sync_pir_to_irr', 'arch/x86/kvm/vmx/vmx.c')],
    rules: ['QR19'],
    branches: [
      { name: 'non-root', when: '0xf2 arrives while the vCPU is in non-root mode: no VM exit; the PIR is moved into VIRR and the vector delivered virtually (QR17); the guest EOIs next', next: 'Q5.10' },
      { name: 'non-root', when: '0xf2 arrives while the vCPU is in non-root mode: no VM exit; the PIR is moved into VIRR and the vector delivered virtually (QR17)', next: null },
      { name: 'root-ignored', when: 'the pCPU is in root mode (the vCPU blocked with NV 0xf2 and IF=0, or preempted): sysvec_kvm_posted_intr_ipi only EOIs; PIR and ON stay', next: null },
      { name: 'root-then-entry', when: 'the pCPU is in root mode: sysvec_kvm_posted_intr_ipi EOIs; the vCPU syncs the PIR at its next entry', next: 'Q5.e' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const i = vcpuParam(ctx);
      const v = s.vcpus[i].vcpu;
      const cpu = num(ctx, 'cpu', v.pcpu);
      if (v.mode === 'IN_GUEST_MODE' && v.pcpu === cpu) {
        // One hardware action, no VM exit: the CPU processes the notification, then evaluates and delivers (SDM 29.6, 29.2).
        const log = [hwProcessNotification(s, i), virtualDelivery(ctx, i)];
        return { branch: 'non-root', why: log.join('; '), next: inService(s, i, ctx.params.handler_eoi) ? 'Q5.10' : null };
      }
      if (v.preempted || v.blocked) {
        ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: 'notification reached the host handler' });
        return { branch: 'root-ignored', why: `pCPU ${cpu} is in root mode (${vname(i)} ${v.blocked ? 'blocked with NV 0xf2 (IF=0)' : 'preempted'}): sysvec_kvm_posted_intr_ipi only EOIs; PIR and ON stay`, next: null };
      }
      return { branch: 'root-then-entry', why: `pCPU ${cpu} in root mode: sysvec_kvm_posted_intr_ipi EOIs; ${vname(i)} syncs the PIR at its next entry`, next: 'Q5.e' };
    },
  },
  {
    id: 'Q5.7',
    title: 'pi_wakeup_handler',
    role: 'The wakeup vector (0xf1) reaches the host: sysvec_kvm_posted_intr_wakeup_ipi → pi_wakeup_handler wakes every vCPU on this pCPU\'s list whose ON is set (QR21).',
    component: 'vcpu',
    links: [linuxLink('sysvec_kvm_posted_intr_wakeup_ipi', 'arch/x86/kernel/irq.c'), linuxLink('pi_wakeup_handler', KVM_POSTED_INTR_FILE, { note: 'older comments call the vector POSTED_INTERRUPT_WAKEUP_VECTOR; in 6.1 the macro is POSTED_INTR_WAKEUP_VECTOR (0xf1)' }), linuxLink('kvm_vcpu_wake_up', 'virt/kvm/kvm_main.c')],
    contracts: [
      { id: 'Q5.7-on', text: 'wakes only vCPUs whose ON bit is set', source: 'QR21', codebase: 'linux', symbol: 'pi_wakeup_handler', check: { kind: 'calls', anyOf: ['pi_test_on'] } },
    ],
    rules: ['QR21'],
    branches: [
      { name: 'nobody', when: 'no vCPU on this pCPU\'s wake-up list has ON set: nobody is woken', next: null },
      { name: 'woken', when: 'a vCPU on this pCPU\'s wake-up list has ON set: kvm_vcpu_wake_up', next: 'Q5.9' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const cpu = num(ctx, 'cpu', 0);
      const r = piWakeupHandler(s, cpu, ctx.emit);
      if (r.woken.length === 0) return { branch: 'nobody', why: r.why, next: null };
      return { branch: 'woken', why: r.why, next: 'Q5.9', params: { vcpu: r.woken[0] } };
    },
  },
  {
    id: 'Q5.8a',
    title: 'kvm_sched_out → vmx_vcpu_pi_put',
    role: 'Schedule-out: a vCPU blocking with IF=1 switches NV to the wakeup vector and joins its pCPU\'s wakeup list (self-IPI if ON already set); a preempted vCPU gets SN=1 (QR21).',
    component: 'pi_desc',
    links: [linuxLink('kvm_sched_out', 'virt/kvm/kvm_main.c'), linuxLink('vmx_vcpu_put', 'arch/x86/kvm/vmx/vmx.c'), linuxLink('vmx_vcpu_pi_put', KVM_POSTED_INTR_FILE), linuxLink('pi_enable_wakeup_handler', KVM_POSTED_INTR_FILE), linuxLink('pi_set_sn', 'arch/x86/kvm/vmx/posted_intr.h')],
    contracts: [
      { id: 'Q5.8a-needs-wakeup', text: 'does nothing unless IPIv or VT-d posting can target a blocked vCPU', source: 'QR21', codebase: 'linux', symbol: 'vmx_vcpu_pi_put', check: { kind: 'calls', anyOf: ['vmx_needs_pi_wakeup'] } },
      { id: 'Q5.8a-race', text: 'after switching NV to the wakeup vector, self-IPIs if ON was already set so a racing post is not lost', source: 'QR21', codebase: 'linux', symbol: 'pi_enable_wakeup_handler', check: { kind: 'callOrder', first: ['pi_try_set_control'], then: ['pi_test_on'] } },
    ],
    rules: ['QR20', 'QR21'],
    branches: [
      { name: 'blocked', when: 'the vCPU is blocked, not runnable: kvm_sched_out does not mark it preempted', next: null },
      { name: 'blocking', when: 'the vCPU blocks with IF=1: added to its pCPU\'s wake-up list, NV := 0xf1', next: null },
      { name: 'preempted', when: 'the vCPU is preempted: SN := 1 (pi_set_sn)', next: null },
      { name: 'put', when: 'vmx_needs_pi_wakeup is false (neither IPIv nor VT-d PI in use): return', next: null },
      { name: 'self-wakeup-ipi', when: 'ON was already set when the vCPU blocked: KVM sends itself the wake-up vector (QR21)', next: 'Q5.7' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const i = vcpuParam(ctx);
      const v = s.vcpus[i].vcpu;
      if (ctx.params.reason === 'preempt') {
        if (v.blocked) return { branch: 'blocked', why: `${vname(i)} is blocked, not runnable: kvm_sched_out does not set preempted`, next: null };
        v.mode = 'OUTSIDE_GUEST_MODE';
        v.preempted = true;
      }
      const r = piPut(s, i);
      if (r.selfWakeupIpi) return { branch: 'self-wakeup-ipi', why: r.why, next: 'Q5.7', params: { cpu: v.pcpu } };
      if (v.preempted) ctx.emit({ kind: 'note', target: vname(i), detail: `preempted: ${r.why}` });
      return { branch: v.blocked ? 'blocking' : v.preempted ? 'preempted' : 'put', why: r.why, next: null };
    },
  },
  {
    id: 'Q5.8b',
    title: 'kvm_sched_in → vmx_vcpu_pi_load',
    role: 'Schedule-in: leave the wakeup list, NDST := this pCPU, SN := 0, NV := 0xf2; a non-empty PIR sets ON so posts made while SN=1 are seen (QR21).',
    component: 'pi_desc',
    links: [linuxLink('kvm_sched_in', 'virt/kvm/kvm_main.c'), linuxLink('vmx_vcpu_load', 'arch/x86/kvm/vmx/vmx.c'), linuxLink('vmx_vcpu_pi_load', KVM_POSTED_INTR_FILE), linuxLink('pi_test_and_clear_sn', 'arch/x86/kvm/vmx/posted_intr.h'), linuxLink('pi_set_on', 'arch/x86/kvm/vmx/posted_intr.h')],
    contracts: [
      { id: 'Q5.8b-rearm', text: 'sets ON when the PIR is non-empty after clearing SN, so posts made while suppressed are not stranded', source: 'QR21', codebase: 'linux', symbol: 'vmx_vcpu_pi_load', check: { kind: 'calls', anyOf: ['pi_set_on'] } },
    ],
    rules: ['QR21'],
    branches: [
      { name: 'bad-cpu', when: 'the pCPU does not exist', next: null },
      { name: 'loaded', when: 'the vCPU is loaded: off the wake-up list; NDST := its pCPU, SN := 0, NV := 0xf2', next: 'Q5.e' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const i = vcpuParam(ctx);
      const cpu = num(ctx, 'cpu', s.vcpus[i].vcpu.pcpu);
      if (cpu < 0 || cpu >= s.pcpus) return { branch: 'bad-cpu', why: `pCPU ${cpu} does not exist (0..${s.pcpus - 1})`, next: null };
      return { branch: 'loaded', why: piLoad(s, i, cpu), next: 'Q5.e' };
    },
  },
  {
    id: 'Q5.9',
    title: 'vcpu_block → kvm_vcpu_check_block',
    role: 'A halted vCPU blocks until kvm_vcpu_has_events: IF=1 and a deliverable interrupt (after syncing the PIR), a pending timer, KVM_REQ_UNBLOCK (QR20).',
    component: 'vcpu',
    links: [linuxLink('kvm_emulate_halt', 'arch/x86/kvm/x86.c'), linuxLink('vcpu_block', 'arch/x86/kvm/x86.c'), linuxLink('kvm_vcpu_block', 'virt/kvm/kvm_main.c'), linuxLink('kvm_vcpu_check_block', 'virt/kvm/kvm_main.c'), linuxLink('kvm_arch_vcpu_runnable', 'arch/x86/kvm/x86.c'), linuxLink('kvm_vcpu_has_events', 'arch/x86/kvm/x86.c')],
    contracts: [
      { id: 'Q5.9-if', text: 'a blocked vCPU is woken by an interrupt only when interrupts are allowed (IF=1)', source: 'QR20', codebase: 'linux', symbol: 'kvm_vcpu_has_events', check: { kind: 'calls', anyOf: ['kvm_arch_interrupt_allowed'] } },
    ],
    rules: ['QR20'],
    branches: [
      { name: 'runnable', when: 'sync_pir_to_irr moved the PIR into IRR; IF=1 and the vector beats PPR: the vCPU is runnable', next: 'Q5.8b' },
      { name: 'blocks', when: 'nothing lets the vCPU run yet: schedule() → kvm_sched_out', next: 'Q5.8a' },
      { name: 'stays-blocked', when: 'kvm_vcpu_check_block finds nothing that lets the vCPU run (e.g. IF=0): it stays blocked (QR20)', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const i = vcpuParam(ctx);
      const v = s.vcpus[i].vcpu;
      if (ctx.params.phase === 'halt') {
        if (v.preempted) throw new ModelError(`${vname(i)} is preempted: it cannot execute HLT until scheduled in`, 'vcpu');
        v.mode = 'OUTSIDE_GUEST_MODE';
        v.halted = true;
      }
      const c = checkBlock(s, i);
      if (c.runnable) {
        leaveHalt(s, i, ctx.emit, c.why);
        return { branch: 'runnable', why: c.why, next: ctx.params.phase === 'halt' ? 'Q5.e' : 'Q5.8b' };
      }
      const first = !v.blocked;
      v.blocked = true;
      if (first) return { branch: 'blocks', why: `${c.why}; schedule() → kvm_sched_out`, next: 'Q5.8a', params: { reason: 'block' } };
      ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(s, i), detail: c.why });
      return { branch: 'stays-blocked', why: c.why, next: null };
    },
  },
  {
    id: 'Q5.e',
    title: 'vmx_sync_pir_to_irr (at entry)',
    role: 'The vCPU enters: ON → PIR moved into VIRR, RVI := hi(IRR), and the CPU delivers at entry; the guest handler then writes its EOI (Q5.10).',
    component: 'vcpu',
    links: [linuxLink('vcpu_enter_guest', 'arch/x86/kvm/x86.c'), linuxLink('vmx_sync_pir_to_irr', 'arch/x86/kvm/vmx/vmx.c'), linuxLink('vmx_set_rvi', 'arch/x86/kvm/vmx/vmx.c')],
    rules: ['QR17', 'QR18'],
    branches: [
      { name: 'entered', when: 'vmx_sync_pir_to_irr at entry (PIR moved into IRR if ON was 1), RVI := the highest IRR vector; the guest then EOIs', next: 'Q5.10' },
      { name: 'entered', when: 'vmx_sync_pir_to_irr at entry (PIR moved into IRR if ON was 1), RVI := the highest IRR vector; nothing in service for the guest to EOI', next: null },
      { name: 'injection', when: 'APICv inactive: the vector waits in IRR and vcpu_run injects it through kvm_check_and_inject_events (Q3.5)', next: 'Q3.5' },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const i = vcpuParam(ctx);
      const v = s.vcpus[i].vcpu;
      if (!v.apicv_active) {
        // APICv off: KVM injects the vector from IRR — vcpu_run's own steps (Q3.5 → Q3.6 …) on this vCPU.
        return { branch: 'injection', why: `${vname(i)} enters without APICv: vcpu_run injects from IRR [${s.vcpus[i].lapic.irr.map(hex).join(', ')}]`, next: 'Q3.5', params: { vcpu: i, rest: '', eoi_vcpu: -1 } };
      }
      // IRQs are off from here to VMLAUNCH: a post racing with the sync sets ON again and its notification is
      // processed by the CPU at entry, so nothing can come between the sync and the delivery.
      v.mode = 'IN_GUEST_MODE';
      const sync = syncPir(s, i);
      const log = [`vmx_sync_pir_to_irr: ${sync.why}`, virtualDelivery(ctx, i)];
      return { branch: 'entered', why: log.join('; '), next: inService(s, i, ctx.params.handler_eoi) ? 'Q5.10' : null };
    },
  },
  {
    id: 'Q5.10',
    title: '[hw] EOI virtualization',
    role: 'The guest vector of an MSI is edge and not IO-APIC-handled, so it is not in the EOI-exit bitmap: the CPU virtualizes the EOI with no exit; the physical MSI needs no host EOI because no host handler ran (QR18).',
    component: 'lapic',
    operation: 'lapic.eoi',
    links: [linuxLink('ack_APIC_irq', 'arch/x86/include/asm/apic.h'), linuxLink('vmx_load_eoi_exitmap', 'arch/x86/kvm/vmx/vmx.c', { note: 'the bitmap the CPU consults; the EOI itself is virtualized by hardware (SDM 29.1.4)' })],
    rules: ['QR18'],
    branches: [
      { name: 'virtualized-no-exit', when: 'EOI virtualization: VISR cleared, SVI updated; EOI_EXIT_BITMAP[vector]=0: no exit (QR18); the CPU re-evaluates pending virtual interrupts (Q4.3a)', next: 'Q4.3a' },
      { name: 'eoi-induced-exit', when: 'the vector is in the EOI-exit bitmap: EOI-induced exit, the IO-APIC is told, and the vCPU re-enters (Q4.4)', next: 'Q4.4' },
      { name: 'trap', when: 'APICv inactive: the EOI write traps into apic_set_eoi; vcpu_run then injects what the lower PPR lets through (Q3.5)', next: 'Q3.5' },
      { name: 'pv-eoi-no-exit', when: 'PV EOI armed (APICv inactive): the guest clears its byte with no exit; KVM completes the EOI, and vcpu_run goes on (Q3.5)', next: 'Q3.5' },
      { name: 'stray', when: 'ISR is empty: a stray EOI, no effect (QR7)', next: null },
    ],
    run(ctx): StepResult {
      const s = ctx.state;
      const i = vcpuParam(ctx);
      const o = runOptions(ctx);
      const e = guestEoi(s, i, ctx.profile, ctx.emit, o.redeliver);
      const why = `EOI ${hex(e.vector)}: ${e.why}`;
      const params = { vcpu: i, rest: '', eoi_vcpu: -1 };
      // After the EOI the CPU re-evaluates pending virtual interrupts (APICv, no exit); an exit or a trap goes back
      // through vcpu_run. Either way the next steps are the shared ones, on this vCPU.
      if (e.path === 'stray') return withHandOffs({ branch: 'stray', why, next: null }, o);
      if (e.path === 'virtualized-no-exit') return withHandOffs({ branch: e.path, why, next: 'Q4.3a', params }, o);
      if (e.path === 'eoi-induced-exit') return withHandOffs({ branch: e.path, why, next: 'Q4.4', params }, o);
      return withHandOffs({ branch: e.path, why, next: 'Q3.5', params }, o);
    },
  },
  guestIfStep('Q5.sti'),
  guestEoiStep('Q5.eoi'),
];

/** [hw] The CPU evaluates RVI against VPPR and delivers it when IF=1 (SDM 29.2.1, 29.2.2); emits what the guest got. */
function virtualDelivery(ctx: Ctx, i: number): string {
  const slot = ctx.state.vcpus[i];
  const v = slot.vcpu;
  if (!recognised(slot.lapic, v)) {
    if (slot.lapic.irr.length) ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: `RVI ${hex(v.rvi)} does not beat VPPR` });
    return `RVI ${hex(v.rvi)} does not beat VPPR (SDM 29.2.1): nothing delivered`;
  }
  if (!v.rflags_if) {
    ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: 'recognised, IF=0: delivery waits for IF=1' });
    return `RVI ${hex(v.rvi)} recognised but RFLAGS.IF=0: held until IF=1 (SDM 29.2.2)`;
  }
  const vec = deliverVirtual(slot.lapic, v);
  const why = `virtual-interrupt delivery of ${hex(vec)}: VISR[${hex(vec)}]=1, SVI := ${hex(v.svi)}, RVI := ${hex(v.rvi)} (QR17)`;
  ctx.emit({ kind: 'delivered', target: vname(i), handler: guestHandler(vec), what: `vector ${hex(vec)}`, detail: why });
  return why;
}

/** A vector is in service and the guest handler is to write its EOI (Q5.10 follows). */
function inService(s: KvmState, i: number, handlerEoi: unknown): boolean {
  return handlerEoi !== false && s.vcpus[i].lapic.isr.length > 0;
}

export const q5VtdPosting: Flow<KvmState> = {
  id: 'Q5',
  name: 'VT-d posted interrupts for a VFIO device',
  description: 'QEMU and KVM turn an assigned device\'s MSI-X vector into a posted IRTE; the IOMMU then posts the guest vector straight into the target vCPU\'s PIR: the notification vector while it runs, the wakeup vector while it blocks, nothing (SN) while it is preempted.',
  codebases: ['qemu', 'linux'],
  profiles: KVM_PROFILES.filter((p) => ['apicv-on', 'apicv-off', 'kvm-split-apicv'].includes(p.id)),
  defaultProfile: 'apicv-on',
  params: [...pick('vector', 'dest', 'dest_mode', 'handler_eoi', 'vcpu')],
  entry: 'Q5.1',
  steps: withSharedRun('Q5', steps),
  actions: [
    ...guestIfActions('Q5.sti'),
    guestEoiAction('Q5.eoi'),
    { name: 'setup', description: 'The guest unmasks the MSI-X vector: route, irqfd, bypass, IRTE.', params: pick('vector', 'dest'), from: 'Q5.1' },
    { name: 'fire', description: 'The device raises its MSI.', params: [], from: 'Q5.5' },
    { name: 'reroute', description: 'The guest reprograms the MSI-X entry (new destination / vector): the route and the IRTE follow.', params: pick('vector', 'dest'), from: 'Q5.3r' },
    { name: 'block', description: 'The vCPU executes HLT (vcpu_block).', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }, { name: 'phase', type: 'enum', description: 'halt', default: 'halt', values: ['halt'] }], from: 'Q5.9' },
    { name: 'preempt', description: 'The host preempts the vCPU (kvm_sched_out with on_rq).', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }, { name: 'reason', type: 'enum', description: 'preempt', default: 'preempt', values: ['preempt'] }], from: 'Q5.8a' },
    { name: 'schedule-in', description: 'The vCPU is scheduled in on a pCPU and enters.', params: [{ name: 'vcpu', type: 'int', description: 'vCPU', default: 1, min: 0, max: 63 }, { name: 'cpu', type: 'int', description: 'pCPU', default: 1, min: 0, max: 63 }], from: 'Q5.8b' },
    {
      name: 'mask', description: 'The guest masks the MSI-X vector (QEMU switches the eventfd to its own handler).', params: [],
      apply(state) {
        state.device.msix_masked = true;
        return 'MSI-X vector masked: vfio_msix_vector_release; the eventfd becomes QEMU\'s `interrupt` (Q6.6)';
      },
    },
    setIfAction,
  ],
  initialState: (profile) => {
    // An assigned device is present: VT-d posting is usable when vmx_can_use_vtd_pi (APICv, in-kernel irqchip, IRQ_POSTING_CAP).
    const s = newKvmState(profile);
    const { apicv, split } = profileConfig(profile);
    s.config.vtd_pi = apicv && !split;
    return s;
  },
  validate: kvmValidate,
  stateDoc: KVM_STATE_DOC,
};

