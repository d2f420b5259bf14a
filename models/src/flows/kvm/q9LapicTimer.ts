// Flow Q9: KVM LAPIC timer — one-shot, periodic and TSC-deadline, on an hrtimer or the VMX preemption timer;
// expiry, the single pending slot, injection through LVTT and the guest's EOI (rules QR25, QR26).

import { guestIfActions, guestIfStep } from './kvmIrqWindow';
import { Flow, Step, StepResult } from '../../core/types';
import { makeRequest } from '../../components/vcpu';
import { TimerMode, advancePeriodic, setTargetExpiration, timerDeadline, MIN_TIMER_PERIOD_NS } from '../../components/kvmTimer';
import { KVM_PROFILES, KvmState, newKvmState, kickVcpu, leaveHalt, injectPendingTimer, piLoad, pendingWhat, vname, hex } from './kvmMachine';
import { guestEoiAction, guestEoiStep, lapicRegWriteStep, writeLvtAction, writeSvrAction } from './kvmLapicWrite';
import { withSharedRun } from './kvmSharedRun';
import { Ctx, KVM_STATE_DOC, blockAction, kvmValidate, num, preemptAction, setIfAction, vcpuParam, linuxLink, KVM_LAPIC_FILE, KVM_VMX_FILE } from './kvmFlowKit';


const mode = (ctx: Ctx, i: number): TimerMode => ctx.state.vcpus[i].lapic.lvt_timer.mode;

const steps: Step<KvmState>[] = [
  {
    id: 'Q9.1',
    title: 'kvm_lapic_reg_write (LVTT, TMICT)',
    role: 'The guest programs the timer: LVTT mode (a switch into or out of TSC-deadline cancels and zeroes it), TDCR → divide_count, TMICT (ignored in TSC-deadline mode) or the IA32_TSC_DEADLINE MSR (QR25).',
    component: 'kvm_timer',
    operation: 'lapic.timer-program',
    links: [linuxLink('kvm_lapic_reg_write', KVM_LAPIC_FILE), linuxLink('apic_update_lvtt', KVM_LAPIC_FILE), linuxLink('update_divide_count', KVM_LAPIC_FILE), linuxLink('cancel_apic_timer', KVM_LAPIC_FILE), linuxLink('kvm_set_lapic_tscdeadline_msr', KVM_LAPIC_FILE), linuxLink('handle_fastpath_set_msr_irqoff', 'arch/x86/kvm/x86.c')],
    rules: ['QR25'],
    branches: [
      { name: 'tsc-deadline-msr', when: 'LVTT in TSC-deadline mode, then a write to MSR_IA32_TSC_DEADLINE; switching modes cancels the timer and clears TMICT and the deadline', next: 'Q9.2' },
      { name: 'tmict', when: 'LVTT in one-shot mode, TDCR (update_divide_count), then TMICT: cancel_apic_timer, start_apic_timer', next: 'Q9.2' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const t = slot.timer;
      const want = (ctx.params.mode ?? 'oneshot') as TimerMode;
      const parts: string[] = [];
      const old = slot.lapic.lvt_timer.mode;
      slot.lapic.lvt_timer.mode = want;
      slot.lapic.lvt_timer.vector = num(ctx, 'timer_vector', slot.lapic.lvt_timer.vector);
      slot.lapic.lvt_timer.masked = ctx.params.masked === true;
      parts.push(`LVTT := vector ${hex(slot.lapic.lvt_timer.vector)}, ${want}${slot.lapic.lvt_timer.masked ? ', masked' : ''}`);
      if ((old === 'tsc-deadline') !== (want === 'tsc-deadline')) {
        t.hrtimer_armed = false;
        t.hv_timer_in_use = false;
        t.pending = 0;
        t.tmict = 0;
        t.period = 0;
        t.tscdeadline = 0;
        parts.push(`apic_update_lvtt: ${old} → ${want} crosses TSC-deadline: cancel_apic_timer, TMICT, period and tscdeadline := 0`);
      }
      if (want === 'tsc-deadline') {
        t.hrtimer_armed = false;
        t.hv_timer_in_use = false;
        t.pending = 0;
        t.tscdeadline = num(ctx, 'deadline', 0);
        parts.push(`WRMSR IA32_TSC_DEADLINE: kvm_set_lapic_tscdeadline_msr: hrtimer_cancel, tscdeadline := ${t.tscdeadline}`);
        return { branch: 'tsc-deadline-msr', why: parts.join('; '), next: 'Q9.2' };
      }
      t.tdcr = num(ctx, 'tdcr', t.tdcr);
      t.tmict = num(ctx, 'tmict', 0);
      t.hrtimer_armed = false;
      t.hv_timer_in_use = false;
      t.pending = 0;
      parts.push(`TDCR := ${hex(t.tdcr)} (update_divide_count); TMICT := ${t.tmict}: cancel_apic_timer, start_apic_timer`);
      return { branch: 'tmict', why: parts.join('; '), next: 'Q9.2' };
    },
  },
  {
    id: 'Q9.2',
    title: 'start_apic_timer',
    role: 'Computes period = TMICT × divide_count ns (periodic ≥ 200 µs) or takes the TSC deadline; arms the VMX preemption timer when kvm_can_use_hv_timer, else an hrtimer; a deadline already past expires at once (QR25).',
    component: 'kvm_timer',
    operation: 'lapic.timer-arm',
    links: [
      linuxLink('start_apic_timer', KVM_LAPIC_FILE), linuxLink('__start_apic_timer', KVM_LAPIC_FILE), linuxLink('set_target_expiration', KVM_LAPIC_FILE), linuxLink('limit_periodic_timer_frequency', KVM_LAPIC_FILE), linuxLink('restart_apic_timer', KVM_LAPIC_FILE),
      linuxLink('start_hv_timer', KVM_LAPIC_FILE), linuxLink('kvm_can_use_hv_timer', KVM_LAPIC_FILE), linuxLink('vmx_set_hv_timer', KVM_VMX_FILE), linuxLink('start_sw_timer', KVM_LAPIC_FILE), linuxLink('start_sw_period', KVM_LAPIC_FILE), linuxLink('start_sw_tscdeadline', KVM_LAPIC_FILE),
    ],
    contracts: [
      { id: 'Q9.2-clamp', text: 'periodic timers are clamped to min_timer_period_us', source: 'QR25', codebase: 'linux', symbol: 'limit_periodic_timer_frequency', check: { kind: 'mentions', anyOf: ['min_timer_period_us'] } },
      { id: 'Q9.2-hv-first', text: 'tries the VMX preemption timer before falling back to the hrtimer', source: 'QR25', codebase: 'linux', symbol: 'restart_apic_timer', check: { kind: 'callOrder', first: ['start_hv_timer'], then: ['start_sw_timer'] } },
    ],
    rules: ['QR25'],
    branches: [
      { name: 'stopped', when: 'tscdeadline = 0: no timer', next: null },
      { name: 'expired-now', when: 'already past → apic_timer_expired at once', next: 'Q9.4' },
      { name: 'hv-timer', when: 'kvm_can_use_hv_timer: vmx_set_hv_timer, hv_timer_in_use (VMX-preemption timer, SDM 25.5.1)', next: null },
      { name: 'hrtimer', when: 'start_sw_timer: hrtimer_start(ABS_HARD)', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const t = slot.timer;
      const m = mode(ctx, i);
      t.pending = 0;
      let head: string;
      if (m === 'tsc-deadline') {
        if (t.tscdeadline === 0) return { branch: 'stopped', why: 'tscdeadline = 0: no timer', next: null };
        head = `TSC deadline ${t.tscdeadline} ns (now ${t.now})`;
        if (t.tscdeadline <= t.now) return { branch: 'expired-now', why: `${head}: already past → apic_timer_expired at once`, next: 'Q9.4', params: { from_timer_fn: false } };
      } else {
        const r = setTargetExpiration(t, m);
        if (!r.running) return { branch: 'stopped', why: `TMICT × divide_count = 0: the timer stops`, next: null };
        head = `period = ${t.tmict} × ${t.divide_count} = ${t.period} ns${r.clamped ? ` (clamped up to min_timer_period_us ${MIN_TIMER_PERIOD_NS} ns)` : ''}; target_expiration := ${t.target_expiration}`;
      }
      if (ctx.state.config.hv_timer && !slot.vcpu.blocked) {
        t.hv_timer_in_use = true;
        t.hrtimer_armed = false;
        return { branch: 'hv-timer', why: `${head}; kvm_can_use_hv_timer: vmx_set_hv_timer, hv_timer_in_use (VMX-preemption timer, SDM 25.5.1)`, next: null };
      }
      t.hrtimer_armed = true;
      t.hv_timer_in_use = false;
      return { branch: 'hrtimer', why: `${head}; start_sw_timer: hrtimer_start(ABS_HARD)`, next: null };
    },
  },
  {
    id: 'Q9.3',
    title: 'apic_timer_fn / preemption timer',
    role: 'Time passes: at the deadline the hrtimer callback runs in host context, or the VMX preemption timer causes a VM exit on the vCPU thread (fastpath) (QR25).',
    component: 'kvm_timer',
    links: [linuxLink('apic_timer_fn', KVM_LAPIC_FILE), linuxLink('vmx_exit_handlers_fastpath', KVM_VMX_FILE), linuxLink('handle_fastpath_preemption_timer', KVM_VMX_FILE), linuxLink('kvm_lapic_expired_hv_timer', KVM_LAPIC_FILE)],
    rules: ['QR25'],
    branches: [
      { name: 'not-armed', when: 'no timer is armed', next: null },
      { name: 'not-yet', when: 'the clock has not reached the deadline: nothing fires', next: null },
      { name: 'preemption-timer-exit', when: 'the deadline passes in guest mode: EXIT_REASON_PREEMPTION_TIMER → handle_fastpath_preemption_timer → kvm_lapic_expired_hv_timer (on the vCPU\'s thread)', next: 'Q9.4' },
      { name: 'hrtimer', when: 'the deadline passes while the vCPU is blocked, so vcpu_block moved it to the hrtimer (kvm_lapic_switch_to_sw_timer): apic_timer_fn', next: 'Q9.4' },
      { name: 'hv-deferred', when: 'the deadline passes while the vCPU is preempted or outside guest mode: the VMX-preemption timer counts only in non-root mode, so it fires right after the next entry (SDM 25.5.1)', next: null },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const t = slot.timer;
      t.now += num(ctx, 'ns', 0);
      const m = mode(ctx, i);
      const d = timerDeadline(t, m);
      if (d < 0) return { branch: 'not-armed', why: `now ${t.now}: no timer armed`, next: null };
      if (t.now < d) return { branch: 'not-yet', why: `now ${t.now} < deadline ${d}: nothing fires`, next: null };
      if (t.hv_timer_in_use && slot.vcpu.mode === 'IN_GUEST_MODE') {
        slot.vcpu.mode = 'OUTSIDE_GUEST_MODE';
        return { branch: 'preemption-timer-exit', why: `now ${t.now} ≥ ${d}: EXIT_REASON_PREEMPTION_TIMER → handle_fastpath_preemption_timer → kvm_lapic_expired_hv_timer (on ${vname(i)}'s thread)`, next: 'Q9.4', params: { from_timer_fn: false, src: i } };
      }
      if (t.hv_timer_in_use && slot.vcpu.blocked) {
        t.hv_timer_in_use = false;
        t.hrtimer_armed = true;
        return { branch: 'hrtimer', why: `now ${t.now} ≥ ${d}; ${vname(i)} is blocked and vcpu_block moved the deadline to the hrtimer (kvm_lapic_switch_to_sw_timer): apic_timer_fn`, next: 'Q9.4', params: { from_timer_fn: true, src: -1 } };
      }
      if (t.hv_timer_in_use) {
        ctx.emit({ kind: 'note', target: vname(i), detail: 'the VMX-preemption timer runs only in guest mode: the expiry happens at the next VM entry' });
        return { branch: 'hv-deferred', why: `now ${t.now} ≥ ${d}, but ${vname(i)} is ${slot.vcpu.preempted ? 'preempted' : 'outside guest mode'}: the VMX-preemption timer counts only in non-root mode, so it fires right after the next entry (SDM 25.5.1)`, next: null };
      }
      return { branch: 'hrtimer', why: `now ${t.now} ≥ ${d}: apic_timer_fn in hard-IRQ context`, next: 'Q9.4', params: { from_timer_fn: true, src: -1 } };
    },
  },
  {
    id: 'Q9.4',
    title: 'apic_timer_expired',
    role: 'At most one timer interrupt is pending: a second expiry is dropped. On the vCPU thread with APICv it injects at once; otherwise pending := 1, KVM_REQ_UNBLOCK and a kick. Periodic timers advance, snapping a past target to now (QR25).',
    component: 'kvm_timer',
    links: [linuxLink('apic_timer_expired', KVM_LAPIC_FILE, { formerly: [{ symbol: 'kvm_apic_expired', in: 'common usage; no such function in 6.1' }] }), linuxLink('kvm_use_posted_timer_interrupt', KVM_LAPIC_FILE), linuxLink('advance_periodic_target_expiration', KVM_LAPIC_FILE), linuxLink('kvm_vcpu_kick', 'virt/kvm/kvm_main.c')],
    contracts: [
      { id: 'Q9.4-drop', text: 'returns at once when a timer interrupt is already pending (at most one pending)', source: 'QR25', codebase: 'linux', symbol: 'apic_timer_expired', check: { kind: 'mentions', anyOf: ['pending'] } },
      { id: 'Q9.4-snap', text: 'a periodic target in the past snaps to now instead of replaying missed periods', source: 'QR25', codebase: 'linux', symbol: 'advance_periodic_target_expiration', check: { kind: 'calls', anyOf: ['ktime_before'] } },
    ],
    rules: ['QR25'],
    branches: [
      { name: 'dropped', when: 'a tick is already pending (pending = 1): this one is dropped', next: null },
      { name: 'inject-now', when: 'on the vCPU\'s own thread with APICv: kvm_apic_inject_pending_timer_irqs now (posted into the PIR)', next: 'Q9.5' },
      { name: 'pending-own-thread', when: 'pending := 1 and KVM_REQ_UNBLOCK on the vCPU\'s own thread (no kick): vcpu_run injects it next', next: 'Q9.5' },
      { name: 'pending-not-running', when: 'pending := 1, KVM_REQ_UNBLOCK and kvm_vcpu_kick, but the vCPU is not running: injected when it next runs', next: null },
      { name: 'pending-kick-ipi', when: 'pending := 1, KVM_REQ_UNBLOCK and kvm_vcpu_kick: the vCPU is IN_GUEST_MODE, so a reschedule IPI forces an exit', next: 'Q9.5' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const t = slot.timer;
      const m = mode(ctx, i);
      const fromFn = ctx.params.from_timer_fn !== false;
      // Re-arm (periodic) or disarm, as apic_timer_fn / kvm_lapic_expired_hv_timer do after apic_timer_expired.
      const rearm = (): string => {
        if (m === 'periodic') {
          const r = advancePeriodic(t);
          return `; periodic: next target ${t.target_expiration}${r.snapped ? ' (the past target snapped to now: missed periods are not replayed)' : ''}`;
        }
        t.hrtimer_armed = false;
        t.hv_timer_in_use = false;
        return '';
      };
      if (t.pending !== 0) {
        t.dropped++;
        const tail = rearm();
        ctx.emit({ kind: 'lost', target: vname(i), what: `timer vector ${hex(slot.lapic.lvt_timer.vector)}`, detail: 'a timer interrupt was already pending: this expiry is dropped (QR25)' });
        return { branch: 'dropped', why: `pending = 1: return — the tick is dropped${tail}`, next: null };
      }
      if (m === 'tsc-deadline' || t.hv_timer_in_use) t.expired_tscdeadline = t.tscdeadline;
      if (!fromFn && slot.vcpu.apicv_active) {
        const tail = rearm();
        return { branch: 'inject-now', why: `on ${vname(i)}'s own thread with APICv: kvm_apic_inject_pending_timer_irqs now (posted into the PIR)${tail}`, next: 'Q9.5', params: { direct: true } };
      }
      t.pending = 1;
      makeRequest(slot.vcpu, 'KVM_REQ_UNBLOCK');
      const tail = rearm();
      if (!fromFn) return { branch: 'pending-own-thread', why: `pending := 1, KVM_REQ_UNBLOCK; on ${vname(i)}'s thread (no kick): vcpu_run injects next${tail}`, next: 'Q9.5' };
      const k = kickVcpu(ctx.state, i, -1, ctx.emit);
      if (!k.enters) {
        ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: k.why });
        return { branch: 'pending-not-running', why: `pending := 1, KVM_REQ_UNBLOCK, kvm_vcpu_kick: ${k.why}${tail}`, next: null };
      }
      // The kick makes the vCPU's own thread run vcpu_run: Q9.5 is handed to vcpuN.
      return { branch: `pending-kick-${k.result}`, why: `pending := 1, KVM_REQ_UNBLOCK, kvm_vcpu_kick: ${k.why}${tail}`, next: 'Q9.5', deferTo: vname(i) };
    },
  },
  {
    id: 'Q9.5',
    title: 'kvm_apic_local_deliver(LVTT)',
    role: 'vcpu_run sees the pending timer (or the fastpath injects directly): LVTT unmasked → __apic_accept_irq with the LVTT vector (0xec = 236 for Linux); one-shot/TSC-deadline clear their deadline; pending := 0 (QR25, QR26).',
    component: 'lapic',
    operation: 'lapic.local-deliver',
    links: [
      linuxLink('kvm_cpu_has_pending_timer', 'arch/x86/kvm/irq.c'), linuxLink('kvm_inject_pending_timer_irqs', 'arch/x86/kvm/irq.c'), linuxLink('kvm_inject_apic_timer_irqs', KVM_LAPIC_FILE),
      linuxLink('kvm_apic_inject_pending_timer_irqs', KVM_LAPIC_FILE), linuxLink('kvm_apic_local_deliver', KVM_LAPIC_FILE), linuxLink('__apic_accept_irq', KVM_LAPIC_FILE),
    ],
    contracts: [
      { id: 'Q9.5-lvt-mask', text: 'local delivery does nothing when the LVT entry is masked', source: 'QR26', codebase: 'linux', symbol: 'kvm_apic_local_deliver', check: { kind: 'mentions', anyOf: ['APIC_LVT_MASKED'] } },
    ],
    rules: ['QR25', 'QR26'],
    branches: [
      { name: 'not-running', when: 'the vCPU is preempted: vcpu_run is not running', next: null },
      { name: 'injected', when: 'kvm_apic_local_deliver(APIC_LVTT): the timer vector is posted (PIR, ON 0 → 1) or set in IRR; pending := 0', next: 'Q9.6' },
      { name: 'masked', when: 'the timer LVT is masked: the expiry delivers nothing (QR26)', next: 'Q9.6' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const slot = ctx.state.vcpus[i];
      const v = slot.vcpu;
      if (v.preempted) {
        ctx.emit({ kind: 'pending', target: vname(i), what: pendingWhat(ctx.state, i), detail: 'preempted' });
        return { branch: 'not-running', why: `${vname(i)} is preempted: vcpu_run is not running`, next: null };
      }
      if (v.halted) {
        // kvm_vcpu_check_block wakes on kvm_cpu_has_pending_timer even with IF=0.
        leaveHalt(ctx.state, i, ctx.emit, 'a timer interrupt is pending (kvm_cpu_has_pending_timer)');
      }
      if (ctx.params.direct !== true) v.mode = 'OUTSIDE_GUEST_MODE';
      const why = injectPendingTimer(ctx.state, i);
      return { branch: slot.lapic.lvt_timer.masked ? 'masked' : 'injected', why, next: 'Q9.6' };
    },
  },
  {
    id: 'Q9.6',
    title: 'vcpu_enter_guest (timer vector)',
    role: 'vcpu_run goes on to enter the guest with the timer vector pending: without APICv KVM injects it (Q3.5 → Q3.6 kvm_check_and_inject_events, on this vCPU), with APICv the PIR is synced and the CPU delivers it (Q4.4); the guest handler and its EOI follow as those flows\' steps (QR7, QR18).',
    component: 'vcpu',
    links: [linuxLink('vcpu_enter_guest', 'arch/x86/kvm/x86.c'), linuxLink('local_apic_timer_interrupt', 'arch/x86/kernel/apic/apic.c'), linuxLink('apic_set_eoi', KVM_LAPIC_FILE)],
    rules: ['QR7', 'QR18'],
    branches: [
      { name: 'entered', when: 'APICv inactive: the timer vector waits in IRR with KVM_REQ_EVENT; vcpu_run injects it (Q3.5)', next: 'Q3.5' },
      { name: 'entered-apicv', when: 'APICv active: the timer vector was posted; vmx_sync_pir_to_irr moves it into IRR at entry and the CPU delivers it (Q4.4)', next: 'Q4.4' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const params = { vcpu: i, rest: '', eoi_vcpu: -1 };
      if (ctx.state.vcpus[i].vcpu.apicv_active) return { branch: 'entered-apicv', why: `${vname(i)} enters: PIR [${ctx.state.vcpus[i].pi_desc.pir.map(hex).join(', ')}] synced at entry, the CPU delivers`, next: 'Q4.4', params };
      return { branch: 'entered', why: `${vname(i)} goes on in vcpu_run: IRR [${ctx.state.vcpus[i].lapic.irr.map(hex).join(', ')}], KVM_REQ_EVENT → kvm_check_and_inject_events`, next: 'Q3.5', params };
    },
  },
  {
    id: 'Q9.7',
    title: 'kvm_sched_in → vcpu_run',
    role: 'A preempted vCPU is scheduled in and runs vcpu_run, which injects a pending timer interrupt; a VMX-preemption-timer deadline that passed while it was out fires right after entry.',
    component: 'vcpu',
    links: [linuxLink('kvm_sched_in', 'virt/kvm/kvm_main.c'), linuxLink('vmx_vcpu_pi_load', 'arch/x86/kvm/vmx/posted_intr.c'), linuxLink('vcpu_run', 'arch/x86/kvm/x86.c'), linuxLink('vmx_update_hv_timer', KVM_VMX_FILE)],
    rules: ['QR20'],
    branches: [
      { name: 'preemption-timer-at-entry', when: 'the vCPU is loaded and its deadline has passed: VMX_PREEMPTION_TIMER_VALUE 0, it exits right after entry → kvm_lapic_expired_hv_timer', next: 'Q9.4' },
      { name: 'timer-pending', when: 'the vCPU is loaded and a timer tick is pending (kvm_cpu_has_pending_timer): it is injected', next: 'Q9.5' },
      { name: 'runs', when: 'the vCPU is loaded and no timer tick is pending: it runs', next: 'Q9.6' },
    ],
    run(ctx): StepResult {
      const i = vcpuParam(ctx);
      const why = piLoad(ctx.state, i, ctx.state.vcpus[i].vcpu.pcpu);
      const t = ctx.state.vcpus[i].timer;
      const d = timerDeadline(t, mode(ctx, i));
      if (t.hv_timer_in_use && d >= 0 && t.now >= d && t.pending === 0) {
        // kvm_lapic_restart_hv_timer on load; vmx_update_hv_timer at entry finds the deadline passed: immediate exit.
        return { branch: 'preemption-timer-at-entry', why: `${why}; the deadline ${d} has passed: VMX_PREEMPTION_TIMER_VALUE 0, the timer exits right after entry → kvm_lapic_expired_hv_timer`, next: 'Q9.4', params: { from_timer_fn: false, src: i } };
      }
      return t.pending > 0 ? { branch: 'timer-pending', why: `${why}; kvm_cpu_has_pending_timer`, next: 'Q9.5' } : { branch: 'runs', why, next: 'Q9.6' };
    },
  },
  lapicRegWriteStep('Q9.lw'),
  guestEoiStep('Q9.eoi'),
  guestIfStep('Q9.sti'),
];

const modeSpec = { name: 'mode', type: 'enum' as const, description: 'LVTT timer mode.', default: 'oneshot', values: ['oneshot', 'periodic', 'tsc-deadline'] };
const tmictSpec = { name: 'tmict', type: 'int' as const, description: 'TMICT (initial count).', default: 100000, min: 0, max: 0xffffffff };
const tdcrSpec = { name: 'tdcr', type: 'int' as const, description: 'TDCR (divide configuration); 0xb = ÷1.', default: 0xb, min: 0, max: 0xb };
const deadlineSpec = { name: 'deadline', type: 'int' as const, description: 'IA32_TSC_DEADLINE (ns at the model\'s 1 GHz TSC).', default: 500000, min: 0, max: Number.MAX_SAFE_INTEGER };
const vcpuSpec = { name: 'vcpu', type: 'int' as const, description: 'The vCPU whose LAPIC timer runs.', default: 0, min: 0, max: 63 };

export const q9LapicTimer: Flow<KvmState> = {
  id: 'Q9',
  name: 'KVM LAPIC timer',
  description: 'The guest programs its LAPIC timer (one-shot, periodic, TSC-deadline); KVM arms the VMX preemption timer or an hrtimer; at expiry apic_timer_expired keeps at most one pending interrupt and kicks the vCPU; vcpu_run injects the LVTT vector (236) through kvm_apic_local_deliver; the guest EOIs it.',
  codebases: ['linux'],
  profiles: KVM_PROFILES.filter((p) => ['kvm-inkernel', 'apicv-off', 'apicv-on'].includes(p.id)),
  defaultProfile: 'kvm-inkernel',
  params: [vcpuSpec, modeSpec, tmictSpec, tdcrSpec, deadlineSpec, { name: 'handler_eoi', type: 'bool', description: 'The guest timer handler runs to its EOI.', default: true }],
  entry: 'Q9.1',
  steps: withSharedRun('Q9', steps),
  actions: [
    ...guestIfActions('Q9.sti'),
    { name: 'program', description: 'Program LVTT + TDCR + TMICT, or the TSC deadline.', params: [vcpuSpec, modeSpec, tmictSpec, tdcrSpec, deadlineSpec, { name: 'masked', type: 'bool', description: 'LVTT mask', default: false }], from: 'Q9.1' },
    { name: 'advance', description: 'Let host time pass by ns; a due timer fires.', params: [vcpuSpec, { name: 'ns', type: 'int', description: 'nanoseconds', default: 100000, min: 0, max: Number.MAX_SAFE_INTEGER }], from: 'Q9.3' },
    { name: 'schedule-in', description: 'A preempted vCPU is scheduled in and runs.', params: [vcpuSpec], from: 'Q9.7' },
    writeLvtAction('Q9.lw', 0), writeSvrAction('Q9.lw', 0), guestEoiAction('Q9.eoi', 0),
    {
      name: 'hv-timer', description: 'Whether the VMX preemption timer is usable (kvm_can_use_hv_timer).', params: [{ name: 'on', type: 'bool', description: 'usable', default: false }],
      apply(state, params) {
        state.config.hv_timer = params.on === true;
        return `kvm_can_use_hv_timer := ${params.on === true}`;
      },
    },
    blockAction, preemptAction, setIfAction,
  ],
  initialState: (profile) => newKvmState(profile),
  validate: kvmValidate,
  stateDoc: KVM_STATE_DOC,
};
