// Flow Q2: the QEMU-TCG APIC timer, from the guest's LVTT/TDCR/TMICT writes to the expiry on the main loop,
// LVT index 0 becoming vector 0xEC (236, Linux LOCAL_TIMER_VECTOR), the POLL hand-off to the vCPU thread, and the
// EOI that never reaches the IO-APIC. Steps Q2.1–Q2.6, rules QR16, QR24, QR26 (why the timer arrives as vector 236).

import { ActionSpec, Flow, Step } from '../../core/types';
import { eoi as lapicEoi, hasBit, highest } from '../../components/lapic';
import { apicNextTimer, newQemuApicTimer, QemuApicTimer, writeTdcr, writeTmict } from '../../components/qemuApicTimer';
import {
  APIC_LVT_MASKED, apicSetIrq, apicUpdateIrq, clearRequest, cpuGetPicInterrupt, cpuInterrupt, decodeLvt, LVT_TIMER, pendingInterrupt, syncLvt, vcpuThread,
} from '../../components/tcgCpu';
import { cpuAt, leaveHalt, MACHINE_PARAMS, machineProblems, newTcgMachine, TcgMachine } from './tcgMachine';
import { qemuLink, linuxLink, numParam, lapicForm, hex, QEMU_APIC_FILE } from './qemuFlowKit';

export interface Q2State extends TcgMachine {
  /** QEMU_CLOCK_VIRTUAL, in ns. */
  now: number;
  /** One QEMUTimer per APIC (`apic_realize`: timer_new_ns(QEMU_CLOCK_VIRTUAL, apic_timer, s)). */
  timers: QemuApicTimer[];
  /** Expiries so far in this run (bounds a periodic timer). */
  fired: number;
}

type S = Q2State;

const steps: Step<S>[] = [
  {
    id: 'Q2.1',
    title: 'apic_mem_write (LVTT/TMICT/TDCR)',
    role: 'The guest programs the timer: TDCR sets count_shift, LVTT is lvt[0] (vector, mode, mask), TMICT loads the count at the current virtual time; each write re-runs apic_timer_update.',
    component: 'qemu-apic-timer',
    operation: 'lapic.timer-program',
    links: [
      qemuLink('apic_mem_write', QEMU_APIC_FILE),
      qemuLink('apic_get_current_count', 'hw/intc/apic_common.c'),
      linuxLink('__setup_APIC_LVTT', 'arch/x86/kernel/apic/apic.c'),
      linuxLink('lapic_next_event', 'arch/x86/kernel/apic/apic.c'),
    ],
    rules: ['QR24'],
    branches: [
      { name: 'tmict', when: 'the clockevent re-arms: lapic_next_event writes TMICT', next: 'Q2.2' },
      { name: 'program', when: 'the guest programs TDCR (count_shift), the LVT timer entry and TMICT', next: 'Q2.2' },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const t = m.timers[cpu.index];
      m.thread = vcpuThread(cpu);
      if (ctx.params.program === 'tmict') {
        writeTmict(t, numParam(ctx.params, 'tmict', 62499), m.now);
        return { branch: 'tmict', why: `clockevent re-arm: lapic_next_event writes TMICT = ${t.initial_count} at t=${m.now} ns`, next: 'Q2.2' };
      }
      writeTdcr(t, numParam(ctx.params, 'tdcr', 0x3));
      cpu.lvt[LVT_TIMER] = numParam(ctx.params, 'lvtt', 0xec);
      syncLvt(cpu);
      writeTmict(t, numParam(ctx.params, 'tmict', 62499), m.now);
      return {
        branch: 'program',
        why: `TDCR ${hex(t.divide_conf)} → count_shift ${t.count_shift} (one tick = ${2 ** t.count_shift} ns); lvt[0] = ${cpu.lvt[LVT_TIMER]} (${decodeLvt(LVT_TIMER, cpu.lvt[LVT_TIMER])}); TMICT = ${t.initial_count} at t=${m.now}`,
        next: 'Q2.2',
      };
    },
  },
  {
    id: 'Q2.2',
    title: 'apic_timer_update',
    role: 'QR24: computes next_time ((IC+1)<<shift ticks for one-shot; the next multiple for periodic) and arms the per-APIC QEMUTimer (timer_mod), or deletes it (masked, one-shot elapsed, periodic with IC=0). Called on a TMICT/LVTT write and by apic_timer right after each delivery with current_time = next_time; the expiry (Q2.3) runs later on the main loop.',
    component: 'qemu-apic-timer',
    operation: 'lapic.timer-arm',
    links: [qemuLink('apic_timer_update', QEMU_APIC_FILE), qemuLink('apic_next_timer', 'hw/intc/apic_common.c')],
    contracts: [
      { id: 'Q2.2-masked', text: 'a masked LVTT never arms the timer', source: 'QR24', codebase: 'qemu', symbol: 'apic_next_timer', check: { kind: 'mentions', anyOf: ['APIC_LVT_MASKED'] } },
    ],
    rules: ['QR24'],
    branches: [
      { name: 'timer-del', when: 'one-shot and the count already elapsed (or TMICT = 0): timer_del', next: null },
      { name: 'armed-stop', when: 'the expiries reached the run\'s tick limit: stopped', next: null },
      { name: 'armed', when: 'the next expiry is computed: timer_mod(s->timer); the callback runs later on the main loop', next: 'Q2.3' },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const t = m.timers[cpu.index];
      const r = apicNextTimer(t, cpu.lvt[LVT_TIMER], m.now, lapicForm(ctx.profile));
      if (!r.armed) return { branch: 'timer-del', why: r.why, next: null };
      const ticks = numParam(ctx.params, 'ticks', 2);
      if (m.fired >= ticks) {
        ctx.emit({ kind: 'pending', target: `apic${cpu.index}`, what: 'timer', detail: `armed for t=${t.next_time} ns; the run stops after ${ticks} expiries` });
        return { branch: 'armed-stop', why: `${r.why}; ${m.fired} expiries reached the ticks limit`, next: null };
      }
      return { branch: 'armed', why: `${r.why}: timer_mod(s->timer)`, next: 'Q2.3', deferTo: 'qemu-main@+1', params: { expiry: t.next_time } };
    },
  },
  {
    id: 'Q2.3',
    title: 'apic_timer',
    role: 'The QEMUTimer callback, on the main loop (QEMU_CLOCK_VIRTUAL stops while the VM is stopped): local delivery of LVT index 0, then apic_timer_update(next_time) re-arms (periodic) or deletes (one-shot).',
    component: 'qemu-apic-timer',
    links: [qemuLink('apic_timer', QEMU_APIC_FILE), qemuLink('apic_realize', QEMU_APIC_FILE, { note: 'creates one QEMUTimer per APIC' })],
    contracts: [
      { id: 'Q2.3-index', text: 'the timer callback delivers LVT index APIC_LVT_TIMER, not a vector', source: 'docs/flows/Q2.md#q2-3', codebase: 'qemu', symbol: 'apic_timer', check: { kind: 'callOrder', first: ['apic_local_deliver'], then: ['apic_timer_update'] } },
    ],
    branches: [
      { name: 'expired', when: 'virtual time reaches next_time: the APIC\'s own QEMUTimer fires on the main loop', next: 'Q2.4' },
      { name: 'cancelled', when: 'the timer was deleted or moved (timer_del / timer_mod by a guest write) after this expiry was armed: it never fires', next: null },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const t = m.timers[cpu.index];
      const armedFor = ctx.params.expiry;
      if (typeof armedFor === 'number' && t.timer_expiry !== armedFor) {
        return { branch: 'cancelled', why: `armed for ${armedFor} ns, but timer_expiry is now ${t.timer_expiry}${t.timer_expiry < 0 ? ' (timer_del)' : ' (timer_mod)'}: this expiry never fires`, next: null };
      }
      m.now = t.next_time;
      m.fired++;
      m.thread = 'main-loop';
      return { branch: 'expired', why: `virtual time reaches ${t.next_time} ns: APIC ${cpu.index}'s own QEMUTimer fires on the main loop (expiry ${m.fired})`, next: 'Q2.4' };
    },
  },
  {
    id: 'Q2.4',
    title: 'apic_local_deliver(APIC_LVT_TIMER)',
    role: 'QR26: the argument is the LVT index (0); the vector is lvt[0] & 0xff, 0xEC = 236 for Linux. Masked → nothing; NMI/SMI/ExtINT bypass IRR; FIXED → apic_set_irq edge, which the vCPU takes later on its own thread. Then apic_timer calls apic_timer_update(s, s->next_time) (Q2.2).',
    component: 'lapic',
    operation: 'lapic.local-deliver',
    links: [qemuLink('apic_local_deliver', QEMU_APIC_FILE)],
    contracts: [
      { id: 'Q2.4-masked', text: 'a masked LVT entry delivers nothing', source: 'QR26', codebase: 'qemu', symbol: 'apic_local_deliver', check: { kind: 'mentions', anyOf: ['APIC_LVT_MASKED'] } },
      { id: 'Q2.4-set-irq', text: 'a FIXED LVT entry becomes an IRR bit for its own vector', source: 'QR26', codebase: 'qemu', symbol: 'apic_local_deliver', check: { kind: 'calls', anyOf: ['apic_set_irq'] } },
    ],
    rules: ['QR26'],
    branches: [
      { name: 'masked', when: 'the LVT timer entry is masked: nothing latched', next: 'Q2.2' },
      { name: 'fixed', when: 'the LVT timer vector (Linux LOCAL_TIMER_VECTOR 0xec): apic_set_irq as an edge (an undelivered expiry merges in IRR); the vCPU takes it later (Q2.5, handed to its thread) and apic_timer_update(next_time) runs next', next: 'Q2.2' },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const lvt = cpu.lvt[LVT_TIMER];
      if (lvt & APIC_LVT_MASKED) return { branch: 'masked', why: `lvt[0] = ${hex(lvt)} is masked: nothing latched`, next: 'Q2.2' };
      const dm = (lvt >> 8) & 7;
      if (dm === 2 || dm === 4 || dm === 7) {
        const r = dm === 2 ? 'SMI' : dm === 4 ? 'NMI' : 'HARD';
        cpuInterrupt(cpu, r, m.thread);
        ctx.emit({ kind: 'pending', target: vcpuThread(cpu), what: `CPU_INTERRUPT_${r}`, detail: 'LVT timer with a non-fixed delivery mode bypasses IRR' });
        return { branch: r.toLowerCase(), why: `delivery mode ${dm}: cpu_interrupt(CPU_INTERRUPT_${r})`, next: null };
      }
      const v = lvt & 0xff;
      const coalesced = apicSetIrq(cpu, v, false);
      return {
        branch: 'fixed',
        why: `LVT index ${LVT_TIMER} (APIC_LVT_TIMER) → lvt[0] & 0xff = ${v} = ${hex(v)}${v === 0xec ? ' (Linux LOCAL_TIMER_VECTOR)' : ''}: apic_set_irq(edge): IRR[${hex(v)}]${coalesced ? ' was already set (an undelivered expiry merges)' : ' := 1'}, TMR[${hex(v)}] := 0`,
        next: 'Q2.2',
        params: { vector: v },
        handOff: [{ next: 'Q2.5', to: `vcpu${cpu.index}` }],
      };
    },
  },
  {
    id: 'Q2.5',
    title: 'POLL → sysvec_apic_timer_interrupt',
    role: 'The timer runs off the vCPU thread, so apic_update_irq only posts POLL (QR16); the vCPU runs apic_poll_irq, takes HARD when IF=1, INTA moves 0xEC to ISR, and Linux enters sysvec_apic_timer_interrupt, which EOIs first.',
    component: 'lapic',
    links: [
      qemuLink('apic_update_irq', QEMU_APIC_FILE),
      qemuLink('apic_poll_irq', QEMU_APIC_FILE),
      qemuLink('apic_get_interrupt', QEMU_APIC_FILE),
      linuxLink('sysvec_apic_timer_interrupt', 'arch/x86/kernel/apic/apic.c', { note: 'DEFINE_IDTENTRY_SYSVEC' }),
      linuxLink('local_apic_timer_interrupt', 'arch/x86/kernel/apic/apic.c'),
    ],
    contracts: [
      { id: 'Q2.5-eoi-first', text: 'the Linux timer handler acknowledges the APIC before running the clockevent', source: 'docs/flows/Q2.md#q2-5', codebase: 'linux', symbol: 'sysvec_apic_timer_interrupt', check: { kind: 'callOrder', first: ['ack_APIC_irq'], then: ['local_apic_timer_interrupt'] } },
    ],
    rules: ['QR16', 'QR5'],
    branches: [
      { name: 'pending', when: 'the timer vector is latched in IRR but the CPU cannot take it: HARD waits for IF=1, or the vector does not beat PPR', next: null },
      { name: 'taken', when: 'apic_update_irq from the main loop posts POLL; the vCPU polls, takes HARD, and INTA moves the vector from IRR to ISR', next: 'Q2.6' },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const f = lapicForm(ctx.profile);
      const parts: string[] = [];
      const u = apicUpdateIrq(cpu, m.thread, m.pic, f);
      parts.push(`apic_update_irq on ${m.thread}: ${u.branch}`);
      m.thread = vcpuThread(cpu);
      if (pendingInterrupt(cpu) === 'POLL') {
        clearRequest(cpu, 'POLL');
        leaveHalt(cpu, ctx.emit, 'CPU_INTERRUPT_POLL pending: cpu_handle_halt runs apic_poll_irq and leaves hlt');
        const u2 = apicUpdateIrq(cpu, m.thread, m.pic, f);
        parts.push(`${vcpuThread(cpu)}: apic_poll_irq → ${u2.branch}`);
      }
      if (pendingInterrupt(cpu) !== 'HARD') {
        const why = cpu.interrupt_request.includes('HARD') ? 'HARD waits for IF=1 (QR6)' : `hi(IRR)=${hex(highest(cpu.lapic.irr))} does not beat PPR ${hex(cpu.lapic.ppr)}`;
        ctx.emit({ kind: 'pending', target: vcpuThread(cpu), what: `vector ${hex(numParam(ctx.params, 'vector', 0xec))}`, detail: why });
        return { branch: 'pending', why: `${parts.join('; ')}; ${why}`, next: null };
      }
      clearRequest(cpu, 'HARD');
      const g = cpuGetPicInterrupt(cpu, m.pic, f);
      parts.push(`INTA: ${g.why}`);
      const handler = g.intno === 0xec ? 'sysvec_apic_timer_interrupt' : 'common_interrupt';
      ctx.emit({ kind: 'delivered', target: vcpuThread(cpu), handler, what: `vector ${hex(g.intno)}`, detail: g.intno === 0xec ? 'LOCAL_TIMER_VECTOR: ack_APIC_irq, then local_apic_timer_interrupt → clockevent' : 'a higher vector was taken first' });
      return { branch: 'taken', why: parts.join('; '), next: 'Q2.6', params: { vector: g.intno } };
    },
  },
  {
    id: 'Q2.6',
    title: 'apic_eoi (no IO-APIC broadcast)',
    role: 'QR7: the LVT timer vector was accepted edge (TMR=0), so its EOI never reaches the IO-APIC. Then the clockevent re-arms a one-shot timer (a new TMICT write); a periodic one was already re-armed by apic_timer after delivering.',
    component: 'lapic',
    operation: 'lapic.eoi',
    links: [qemuLink('apic_eoi', QEMU_APIC_FILE), linuxLink('ack_APIC_irq', 'arch/x86/include/asm/apic.h')],
    rules: ['QR7'],
    branches: [
      { name: 'periodic', when: 'periodic mode: apic_timer already re-armed the timer with apic_timer_update(next_time) after delivering', next: null },
      { name: 'oneshot-rearm', when: 'one-shot: apic_timer_update(next_time) deleted the timer, and the guest\'s clockevent re-arms it', next: 'Q2.1' },
      { name: 'oneshot-done', when: 'the guest EOIs the edge vector (no IO-APIC broadcast); one-shot: the timer was deleted and the run stops', next: null },
    ],
    run(ctx) {
      const m = ctx.state;
      const cpu = cpuAt(m, numParam(ctx.params, 'cpu', 0));
      const r = lapicEoi(cpu.lapic);
      const head = r.vector < 0 ? 'ISR empty: stray EOI ignored' : `ISR[${hex(r.vector)}] := 0, TMR[${hex(r.vector)}]=${hasBit(cpu.lapic.tmr, r.vector) ? 1 : 0}: ${r.broadcast ? 'broadcast to the IO-APIC' : 'no IO-APIC broadcast'}`;
      const periodic = (cpu.lvt[LVT_TIMER] & (1 << 17)) !== 0;
      const ticks = numParam(ctx.params, 'ticks', 2);
      if (periodic) return { branch: 'periodic', why: `${head}; periodic: already re-armed by apic_timer's apic_timer_update(next_time) after delivering`, next: null };
      if (ctx.params.guest_rearm !== false && m.fired < ticks) {
        return { branch: 'oneshot-rearm', why: `${head}; one-shot: apic_timer_update(next_time) deleted the timer (timer_expiry ${m.timers[cpu.index].timer_expiry}), and the guest's clockevent re-arms it`, next: 'Q2.1', params: { program: 'tmict' } };
      }
      return { branch: 'oneshot-done', why: `${head}; one-shot: timer deleted${m.fired >= ticks ? `; run stops after ${ticks} expiries` : ', guest does not re-arm'}`, next: null };
    },
  },
];

const cpuParam = { name: 'cpu', type: 'int' as const, description: 'which vCPU/APIC', default: 0, min: 0, max: 3 };

const actions: ActionSpec<S>[] = [
  { name: 'program', description: 'the guest programs TDCR, LVTT and TMICT (Q2.1)', from: 'Q2.1', params: [cpuParam, { name: 'program', type: 'enum', description: 'what is written', default: 'full', values: ['full'] }] },
  {
    name: 'write-lvt', description: 'the guest writes one raw LVT word (e.g. a dump reading [0=236] [1=65536] [2=65536] [3=67328] [4=1024] [5=254])',
    params: [cpuParam, { name: 'index', type: 'int', description: 'LVT index 0..5', default: 0, min: 0, max: 5 }, { name: 'value', type: 'int', description: 'raw value', default: 236, min: 0, max: 0xffffffff }],
    apply(state, p) {
      const c = cpuAt(state, p.cpu as number);
      c.lvt[p.index as number] = p.value as number;
      syncLvt(c);
      const what = `cpu${c.index}: lvt[${p.index}] := ${p.value} (${decodeLvt(p.index as number, p.value as number)})`;
      // apic_mem_write: an LVTT write calls apic_timer_update(s, now) at once (a masked LVTT deletes the timer).
      if (p.index !== LVT_TIMER || state.timers[c.index].timer_expiry < 0) return what;
      const r = apicNextTimer(state.timers[c.index], c.lvt[LVT_TIMER], state.now);
      return `${what}; apic_timer_update(now): ${r.armed ? `${r.why}: timer_mod` : r.why}`;
    },
  },
  {
    name: 'advance', description: 'virtual time passes (ns)', params: [{ name: 'ns', type: 'int', description: 'nanoseconds', default: 1000000, min: 0, max: 1e12 }],
    apply(state, p) {
      state.now += p.ns as number;
      return `QEMU_CLOCK_VIRTUAL advances to ${state.now} ns`;
    },
  },
  {
    name: 'set-if', description: 'the guest executes sti/cli on a vCPU', params: [cpuParam, { name: 'if', type: 'bool', description: 'IF', default: false }],
    apply(state, p) {
      const c = cpuAt(state, p.cpu as number);
      c.eflags_if = p.if as boolean;
      return `cpu${c.index}: IF := ${c.eflags_if ? 1 : 0}`;
    },
  },
];

export const q2TcgApicTimer: Flow<S> = {
  id: 'Q2',
  name: 'QEMU TCG APIC timer (and the "236")',
  description: 'LVTT/TDCR/TMICT programming, the per-APIC QEMUTimer on QEMU_CLOCK_VIRTUAL, expiry on the main loop, LVT index 0 → vector 0xEC, POLL to the vCPU thread, the Linux timer handler and an EOI with no IO-APIC broadcast.',
  codebases: ['qemu', 'linux'],
  profiles: [
    { id: 'qemu-tcg', title: 'QEMU 7.2 TCG', description: 'QEMU arithmetic: one tick = 2^count_shift ns, one-shot at load + (IC+1) ticks; no TSC-deadline mode (the encoding behaves as one-shot).' },
    { id: 'sdm', title: 'Architectural (SDM)', description: 'SDM 10.5.4 arithmetic: the count runs IC ticks of the divided clock (one-shot at load + IC·div, periodic every IC·div; TMICT 0 stops it), and the SDM deliverability test.' },
  ],
  defaultProfile: 'qemu-tcg',
  params: [
    ...MACHINE_PARAMS,
    cpuParam,
    { name: 'lvtt', type: 'int', description: 'LVT timer word (Linux: 0xEC one-shot; |0x20000 periodic; |0x10000 masked)', default: 0xec, min: 0, max: 0xffffffff },
    { name: 'tdcr', type: 'int', description: 'divide configuration (Linux writes APIC_TDR_DIV_16 = 0x3)', default: 0x3, min: 0, max: 0xf },
    { name: 'tmict', type: 'int', description: 'initial count (62499 ⇒ (62499+1)·16 ns = 1 ms)', default: 62499, min: 0, max: 0xffffffff },
    { name: 'ticks', type: 'int', description: 'expiries to simulate', default: 2, min: 1, max: 20 },
    { name: 'guest_rearm', type: 'bool', description: 'the guest clockevent re-arms a one-shot timer from its handler', default: true },
  ],
  entry: 'Q2.1',
  steps,
  actions,
  initialState(profile, params) {
    const m = newTcgMachine(profile, params.cpus as number, 'main-loop');
    return { ...m, now: 0, timers: m.cpus.map(() => newQemuApicTimer()), fired: 0 };
  },
  validate(state, params, profile) {
    const out = machineProblems(state, profile);
    if ((params.cpu as number) >= state.cpus.length) out.push(`cpu = ${params.cpu}: no such vCPU (cpus 0..${state.cpus.length - 1})`);
    const v = (params.lvtt as number) & 0xff;
    if (((params.lvtt as number) & APIC_LVT_MASKED) === 0 && (((params.lvtt as number) >> 8) & 7) === 0 && v < 16) out.push(`lvtt vector = ${v}: vectors 0..15 are illegal for fixed delivery (QR1)`);
    if (state.timers.length !== state.cpus.length) out.push(`timers has ${state.timers.length} entries for ${state.cpus.length} APICs (one QEMUTimer per APIC)`);
    return out;
  },
  stateDoc: {
    now: 'QEMU_CLOCK_VIRTUAL in ns',
    'timers.N.{divide_conf,count_shift,initial_count,initial_count_load_time,next_time,timer_expiry}': 'APIC N’s timer (timer_expiry −1 = not armed)',
    'cpus.N.lvt.0': 'raw LVTT (0xEC = 236 for Linux)',
    fired: 'expiries so far in this run',
  },
};
