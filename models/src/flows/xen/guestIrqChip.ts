// Linux-guest irq_chip steps shared by the X flows: handle_irq_for_port, the flow handlers and chip callbacks
// (ack, lateeoi, unmask, retrigger, enable) and events re-enable. Steps X1.17–X1.25, X1.b4, X2.7,
// X3.10–X3.11, X4.5, X7.10; rules XR22–XR26, XR33.

import { addBit, clearBit, hasBit } from '../../components/lapic';
import { wordOf } from '../../components/evtchn2l';
import { fifoUnmaskGuest, word } from '../../components/evtchnFifo';
import {
  EVT_MASK_REASON_EOI_PENDING, EVT_MASK_REASON_EXPLICIT, EVT_MASK_REASON_TEMPORARY, doMask, doUnmask, infoForPort, maskReasonText,
} from '../../components/linuxEvtchn';
import { XenDomainState, wordBits } from '../../components/xenDomain';
import { LINUX_EVENTS_2L, LINUX_EVENTS_BASE, LINUX_EVENTS_FIFO, LINUX_2007_PATCH, XCtx, XStep, call, finish, go, linuxLink, num, str, portOf, vcpuOf } from './xenFlowKit';

const tag = (v: number): string => `vcpu${v}`;

/** `clear_evtchn`: 2-level P[p]=0 / FIFO PENDING=0. */
export function clearEvtchn(d: XenDomainState, port: number): void {
  if (d.abi === 'fifo') word(d.fifo!, port).PENDING = 0;
  else clearBit(d.shared_info.evtchn_pending, port);
}
/** `set_evtchn` (guest sets its own pending bit, retrigger). */
export function setEvtchn(d: XenDomainState, port: number): void {
  if (d.abi === 'fifo') word(d.fifo!, port).PENDING = 1;
  else addBit(d.shared_info.evtchn_pending, port);
}
/** `mask_evtchn`. */
export function maskEvtchn(d: XenDomainState, port: number): void {
  if (d.abi === 'fifo') word(d.fifo!, port).MASKED = 1;
  else addBit(d.shared_info.evtchn_mask, port);
}
export const unmaskStep = (d: XenDomainState): string => (d.abi === 'fifo' ? 'X7.10' : 'X1.22');

function info(ctx: XCtx) {
  const port = portOf(ctx);
  const f = infoForPort(ctx.state.linux, port);
  return { port, f };
}

export const guestIrqChipSteps: XStep[] = [
  {
    id: 'X1.17', title: 'handle_irq_for_port', component: 'linux-evtchn',
    role: 'Maps the port to its irq (evtchn_to_irq, XR34); skips ports without an irq and ports already being handled (is_active, XR22), otherwise sets is_active and runs the irq\'s flow handler.',
    rules: ['XR22', 'XR34'],
    links: [linuxLink('handle_irq_for_port', LINUX_EVENTS_BASE), linuxLink('evtchn_to_info', LINUX_EVENTS_BASE), linuxLink('generic_handle_irq', 'kernel/irq/irqdesc.c')],
    contracts: [{ id: 'X1.17-is-active', text: 'skips a port whose irq is already being handled (is_active)', source: 'XR22', codebase: 'linux', symbol: 'handle_irq_for_port', check: { kind: 'mentions', anyOf: ['is_active'] } }],
    branches: [
      { name: 'no-irq', when: 'evtchn_to_irq[port] is unset: the event is dropped', next: null },
      { name: 'already-active', when: 'the irq is being handled already (is_active=1): P stays set for the running handler (XR22)', next: null },
      { name: 'percpu', when: 'an IPI port on xen_percpu_chip: its IPI handler', next: 'X4.5' },
      { name: 'percpu', when: 'a per-CPU VIRQ port on xen_percpu_chip: handle_percpu_irq', next: 'X2.7' },
      { name: 'pirq', when: 'a PIRQ port on xen_pirq_chip: handle_fasteoi_irq', next: 'X3.10' },
      { name: 'edge', when: 'an interdomain port on xen_dynamic_chip or xen_lateeoi_chip: handle_edge_irq', next: 'X1.18' },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      const cpu = vcpuOf(ctx, 'cpu');
      if (!f) {
        ctx.emit({ kind: 'pending', target: tag(cpu), what: `port ${port}`, detail: 'no Linux irq bound to this port: skipped, P stays set (XR22)' });
        return finish(ctx, 'no-irq', `evtchn_to_irq[${port}] is unset`);
      }
      if (ctx.profile !== 'linux2007') {
        if (f.info.is_active) return finish(ctx, 'already-active', `irq ${f.irq}: is_active was 1 (being handled), P stays set (XR22)`);
        f.info.is_active = 1;
      }
      const why = `port ${port} → irq ${f.irq} (${f.info.chip})`;
      if (f.info.chip === 'xen_percpu_chip') return go('percpu', why, f.info.type === 'IRQT_IPI' ? 'X4.5' : 'X2.7', { irq: f.irq });
      if (f.info.chip === 'xen_pirq_chip') return go('pirq', why, 'X3.10', { irq: f.irq });
      return go('edge', why, 'X1.18', { irq: f.irq });
    },
  },
  {
    id: 'X1.18', title: 'handle_edge_irq', component: 'linux-irq',
    role: 'Flow handler of dynamic irqs: a disabled/in-progress irq is marked IRQS_PENDING and mask-acked; otherwise the chip ack (X1.19 or X1.20) runs before the driver. Under linux2007 the dynamic chip used handle_level_irq: mask+ack, handler, unmask.',
    rules: ['XR23', 'XR26'],
    links: [linuxLink('handle_edge_irq', 'kernel/irq/chip.c'), linuxLink('handle_level_irq', 'kernel/irq/chip.c', { note: 'the 2007 flow handler of xen_dynamic_chip' }), linuxLink('mask_ack_dynirq', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'level-2007', when: 'handle_level_irq: mask_ack (M[port]=1, P[port]=0), handler, then unmask', next: 'X1.18h' },
      { name: 'disabled', when: 'the irq is disabled: mask_ack_dynirq, the event waits for enable_irq', next: null },
      { name: 'ack-lateeoi', when: 'the irq uses xen_lateeoi_chip: lateeoi_ack_dynirq', next: 'X1.20' },
      { name: 'ack', when: 'the irq uses xen_dynamic_chip: ack_dynirq', next: 'X1.19' },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      const i = f!.info;
      const d = ctx.state;
      if (ctx.profile === 'linux2007') {
        maskEvtchn(d, port);
        clearEvtchn(d, port);
        return call(ctx, 'level-2007', `handle_level_irq: mask_ack (M[${port}]=1, P[${port}]=0), handler, then unmask`, 'X1.18h', {}, 'X1.22');
      }
      if (i.disabled) {
        i.irqs_pending = true;
        if (doMask(i, EVT_MASK_REASON_EXPLICIT)) maskEvtchn(d, port);
        i.is_active = 0;
        clearEvtchn(d, port);
        ctx.emit({ kind: 'pending', what: `irq ${f!.irq}`, detail: 'irq disabled: IRQS_PENDING, masked and acked; resent at enable_irq (XR26)' });
        return finish(ctx, 'disabled', `irq ${f!.irq} is disabled → mask_ack_dynirq`);
      }
      return i.chip === 'xen_lateeoi_chip' ? go('ack-lateeoi', 'chip xen_lateeoi_chip', 'X1.20') : go('ack', 'chip xen_dynamic_chip', 'X1.19');
    },
  },
  {
    id: 'X1.18h', title: 'handle_irq_event', component: 'linux-irq',
    role: 'Runs the driver\'s irqaction handler (the "callback()" of older descriptions). A busy device (resend_in_handler) makes its port pend again from here: that send runs the whole delivery path while the scan is suspended.',
    links: [linuxLink('handle_irq_event', 'kernel/irq/handle.c')],
    branches: [
      { name: 'handler-resend', when: 'the driver\'s handler runs and its device sends another event on the same port (scenario parameter resend_in_handler)', next: 'X1.5' },
      { name: 'handled', when: 'the driver\'s handler ran on this CPU', next: null },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      const cpu = vcpuOf(ctx, 'cpu');
      const i = f!.info;
      ctx.emit({ kind: 'delivered', target: tag(cpu), handler: i.handler, what: `port ${port}`, detail: `irq ${f!.irq} handled on CPU ${cpu}` });
      ctx.state.handled[cpu].push(port);
      if (i.resend_in_handler > 0) {
        i.resend_in_handler--;
        const n = ctx.state.evtchn[String(port)]?.notify_vcpu_id ?? 0;
        return go('handler-resend', `${i.handler} ran; the device sends again on port ${port} (${i.resend_in_handler} more)`, 'X1.5', { port, vcpu: n });
      }
      return finish(ctx, 'handled', `${i.handler} ran on CPU ${cpu}`);
    },
  },
  {
    id: 'X1.19', title: 'ack_dynirq', component: 'linux-evtchn',
    role: 'Edge ack of dynamic irqs: is_active=0 and P[p]=0 before the driver runs (XR23): a send after this point pends the port again and re-raises SEL/UP.',
    rules: ['XR23'],
    links: [linuxLink('ack_dynirq', LINUX_EVENTS_BASE), linuxLink('event_handler_exit', LINUX_EVENTS_BASE), linuxLink('clear_evtchn', 'drivers/xen/events/events_internal.h')],
    contracts: [{
      id: 'X1.19-clear', text: 'clears the pending bit (event_handler_exit → clear_evtchn) before the driver handler', source: 'XR23',
      codebase: 'linux', symbol: 'ack_dynirq', check: { kind: 'calls', anyOf: ['event_handler_exit', 'clear_evtchn'] },
    }],
    branches: [
      { name: 'acked', when: 'ack_dynirq clears P[port] before the handler runs', next: 'X1.18h' },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      f!.info.is_active = 0;
      clearEvtchn(ctx.state, port);
      return go('acked', `is_active=0, P[${port}]=0 before the handler`, 'X1.18h');
    },
  },
  {
    id: 'X1.20', title: 'lateeoi_ack_dynirq', component: 'linux-evtchn',
    role: 'Ack of lateeoi irqs: mask the port (reason EOI_PENDING) and clear P; is_active stays 1 until the driver\'s xen_irq_lateeoi (XR23, XR25).',
    rules: ['XR23', 'XR25'],
    links: [linuxLink('lateeoi_ack_dynirq', LINUX_EVENTS_BASE), linuxLink('do_mask', LINUX_EVENTS_BASE)],
    contracts: [{ id: 'X1.20-mask-then-clear', text: 'masks (EOI_PENDING) before clearing the pending bit, keeping is_active set', source: 'XR23; XR25', codebase: 'linux', symbol: 'lateeoi_ack_dynirq', check: { kind: 'callOrder', first: ['do_mask'], then: ['clear_evtchn'] } }],
    branches: [
      { name: 'acked-eoi-deferred', when: 'lateeoi_ack_dynirq masks the port; the driver EOIs later (scenario action lateeoi)', next: 'X1.18h' },
      { name: 'acked', when: 'lateeoi_ack_dynirq masks the port; the driver EOIs when its handler is done', next: 'X1.18h' },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      const phys = doMask(f!.info, EVT_MASK_REASON_EOI_PENDING);
      if (phys) maskEvtchn(ctx.state, port);
      clearEvtchn(ctx.state, port);
      const why = `mask_reason → ${maskReasonText(f!.info.mask_reason)}${phys ? `, M[${port}]=1` : ' (already masked)'}, P[${port}]=0`;
      if (str(ctx.params, 'lateeoi', 'immediate') === 'deferred') return go('acked-eoi-deferred', `${why}; the driver EOIs later (action lateeoi)`, 'X1.18h');
      return call(ctx, 'acked', `${why}; driver EOIs when done`, 'X1.18h', {}, 'X1.21');
    },
  },
  {
    id: 'X1.21', title: 'xen_irq_lateeoi', component: 'linux-evtchn',
    role: 'The driver\'s late EOI: is_active=0 and drop EOI_PENDING; the port is unmasked only if no other mask reason remains (XR25).',
    rules: ['XR25'],
    links: [linuxLink('xen_irq_lateeoi', LINUX_EVENTS_BASE), linuxLink('do_unmask', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'no-irq', when: 'no irq on the port: nothing to EOI', next: null },
      { name: 'unmask', when: 'the EOI mask reason was the last one: unmask (2-level)', next: 'X1.22' },
      { name: 'unmask', when: 'the EOI mask reason was the last one: unmask (FIFO)', next: 'X7.10' },
      { name: 'still-masked', when: 'another mask reason remains (EXPLICIT or TEMP): the port stays masked', next: null },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      if (!f) return finish(ctx, 'no-irq', `no irq on port ${port}`);
      f.info.is_active = 0;
      if (doUnmask(f.info, EVT_MASK_REASON_EOI_PENDING)) return go('unmask', `mask_reason now none → unmask port ${port}`, unmaskStep(ctx.state));
      return finish(ctx, 'still-masked', `mask_reason still ${maskReasonText(f.info.mask_reason)}`);
    },
  },
  {
    id: 'X1.22', title: 'evtchn_2l_unmask', component: 'linux-evtchn', operation: 'evtchn.unmask.guest',
    role: 'Linux 2-level unmask (XR24), run with events disabled by its caller (BUG_ON(!irqs_disabled())): non-local port → EVTCHNOP_unmask; local → clear M then test P; pending on HVM → re-mask and hypercall; pending on PV → set SEL/UP itself (the 2007 "hw_resend_irq"), no hypercall: the upcall comes when the caller\'s local_irq_restore reaches xen_irq_enable_direct (X1.25, handed to the CPU), or from the running upcall loop.',
    rules: ['XR24'],
    links: [linuxLink('evtchn_2l_unmask', LINUX_EVENTS_2L, { formerly: [{ symbol: 'unmask_evtchn', in: LINUX_2007_PATCH }] })],
    contracts: [{
      id: 'X1.22-clear-then-test', text: 'clears the mask before testing pending, and re-raises the upcall if pending', source: 'XR24; Linux 2.6.23 arch/i386/xen/events.c',
      codebase: 'linux', symbol: 'evtchn_2l_unmask', check: { kind: 'mentions', anyOf: ['evtchn_upcall_pending'] },
    }, {
      id: 'X1.22-hypercall', text: 'uses EVTCHNOP_unmask for a non-local port', source: 'XR24',
      codebase: 'linux', symbol: 'evtchn_2l_unmask', check: { kind: 'calls', anyOf: ['HYPERVISOR_event_channel_op'] },
    }],
    branches: [
      { name: 'fifo-abi', when: 'the FIFO ABI\'s unmask is evtchn_fifo_unmask', next: 'X7.10' },
      { name: 'non-local', when: 'the port belongs to another CPU: EVTCHNOP_unmask lets Xen unmask it', next: 'X1.23' },
      { name: 'unmasked', when: 'M[port] := 0 and P[port]=0: nothing to re-raise', next: null },
      { name: 'hvm-pending', when: 'M[port] := 0, then P[port]=1 on HVM: mask again and EVTCHNOP_unmask (Xen re-raises only if M was set)', next: 'X1.23' },
      { name: 'local-reraise', when: 'P[port]=1 on PV: SEL/UP set locally, no hypercall; a running upcall loops (XR19), otherwise events stay off (UM=1) until the caller\'s local_irq_restore, handed to the CPU as X1.25', next: null },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      const cpu = vcpuOf(ctx, 'cpu');
      const d = ctx.state;
      const owner = f ? f.info.cpu : 0;
      if (d.abi === 'fifo') return go('fifo-abi', 'the FIFO ABI\'s unmask is evtchn_fifo_unmask', 'X7.10');
      if (cpu !== owner) return go('non-local', `running on CPU ${cpu}, port ${port} belongs to CPU ${owner} → EVTCHNOP_unmask`, 'X1.23');
      clearBit(d.shared_info.evtchn_mask, port);
      const pending = hasBit(d.shared_info.evtchn_pending, port);
      if (!pending) return finish(ctx, 'unmasked', `M[${port}]=0, P[${port}]=0: nothing to re-raise`);
      if (d.guest === 'hvm') {
        addBit(d.shared_info.evtchn_mask, port);
        return go('hvm-pending', `M[${port}]=0 then P[${port}]=1 on HVM → mask again and EVTCHNOP_unmask (Xen re-raises only if M was set)`, 'X1.23');
      }
      const vi = d.vcpu_info[cpu];
      const w = wordOf(port, wordBits(d));
      const selWas = hasBit(vi.evtchn_pending_sel, w);
      addBit(vi.evtchn_pending_sel, w);
      if (!selWas) vi.evtchn_upcall_pending = 1;
      ctx.emit({ kind: 'note', target: tag(cpu), what: `port ${port}`, detail: `guest re-raised its own upcall: SEL[${cpu}] bit ${w}${selWas ? ' was set' : ' 0→1, UP=1'} (lose-the-edge fix, XR24 case 3)` });
      if (d.linux.scan[cpu].phase !== 'idle') return finish(ctx, 'local-reraise', `P[${port}]=1 on PV: SEL/UP set locally; the running upcall loops (XR19)`);
      if (vi.evtchn_upcall_mask) return finish(ctx, 'local-reraise', `P[${port}]=1 on PV: SEL/UP set locally, no hypercall; events are off (UM[${cpu}]=1): delivered when they are re-enabled`);
      // The caller holds an irqsave lock (BUG_ON(!irqs_disabled())): events are off until its local_irq_restore, which
      // reaches xen_irq_enable_direct after the rest of the caller (enable_irq's retrigger …) has run.
      vi.evtchn_upcall_mask = 1;
      return { ...finish(ctx, 'local-reraise', `P[${port}]=1 on PV: SEL/UP set locally, no hypercall; UM[${cpu}]=1 under the caller's irqsave; the upcall comes at its local_irq_restore`),
        handOff: [{ next: 'X1.25', to: `vcpu${cpu}`, params: { cpu, ret: '' } }] };
    },
  },
  {
    id: 'X1.24', title: 'retrigger_dynirq', component: 'linux-evtchn',
    role: 'irq-core resend (enable_irq after an IRQS_PENDING event): mask (TEMPORARY), set P itself, unmask — the unmask re-raises it (XR26).',
    rules: ['XR26'],
    links: [linuxLink('retrigger_dynirq', LINUX_EVENTS_BASE, { formerly: [{ symbol: 'retrigger_dynirq', in: LINUX_2007_PATCH }] })],
    branches: [
      { name: 'retrigger', when: 'the guest sets P[port] itself, then unmasks (2-level)', next: 'X1.22' },
      { name: 'retrigger', when: 'the guest sets PENDING itself, then unmasks (FIFO)', next: 'X7.10' },
      { name: 'still-masked', when: 'the guest sets P[port]; another mask reason keeps the port masked', next: null },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      const d = ctx.state;
      if (doMask(f!.info, EVT_MASK_REASON_TEMPORARY)) maskEvtchn(d, port);
      setEvtchn(d, port);
      if (doUnmask(f!.info, EVT_MASK_REASON_TEMPORARY)) return go('retrigger', `P[${port}]:=1 by the guest, then unmask`, unmaskStep(d));
      return finish(ctx, 'still-masked', `P[${port}]:=1; mask_reason still ${maskReasonText(f!.info.mask_reason)}`);
    },
  },
  {
    id: 'X1.25', title: 'xen_irq_enable_direct', component: 'linux-entry',
    role: 'PV local_irq_enable: UM[this]=0, and if UP[this] is set force a no-op hypercall so Xen\'s return path delivers the upcall (XR15). HVM: STI; the next VM entry injects what is pending.',
    rules: ['XR15'],
    links: [
      linuxLink('xen_irq_enable_direct', 'arch/x86/xen/xen-asm.S', { kind: 'asm' }),
      linuxLink('check_events', 'arch/x86/xen/xen-asm.S', { kind: 'asm' }),
      linuxLink('xen_force_evtchn_callback', 'arch/x86/xen/irq.c', { formerly: [{ symbol: 'force_evtchn_callback', in: LINUX_2007_PATCH }] }),
    ],
    branches: [
      { name: 'sti', when: 'HVM: IF := 1; what is pending is injected at the next VM entry', next: 'X6.14' },
      { name: 'check_events', when: 'PV: UM[cpu] := 0 with UP[cpu]=1: xen_force_evtchn_callback', next: 'X1.10' },
      { name: 'enabled', when: 'PV: UM[cpu] := 0, nothing pending', next: null },
    ],
    run(ctx) {
      const cpu = vcpuOf(ctx, 'cpu');
      const d = ctx.state;
      if (d.guest === 'hvm') {
        d.vcpu[cpu].rflags_if = true;
        return go('sti', `HVM CPU ${cpu}: IF=1, next VM entry`, 'X6.14', { vcpu: cpu });
      }
      d.vcpu_info[cpu].evtchn_upcall_mask = 0;
      if (d.vcpu_info[cpu].evtchn_upcall_pending) return go('check_events', `UM[${cpu}]=0 and UP[${cpu}]=1 → xen_force_evtchn_callback`, 'X1.10', { vcpu: cpu });
      return finish(ctx, 'enabled', `UM[${cpu}]=0, UP[${cpu}]=0`);
    },
  },
  {
    id: 'X1.b4', title: 'enable_dynirq', component: 'linux-evtchn',
    role: 'Chip irq_unmask / enable_irq: drops the EXPLICIT mask reason and unmasks when none remain (X1.22); an event held back while disabled is then retriggered (XR25, XR26).',
    rules: ['XR25', 'XR26'],
    links: [linuxLink('enable_dynirq', LINUX_EVENTS_BASE, { formerly: [{ symbol: 'enable_dynirq', in: LINUX_2007_PATCH }] }), linuxLink('do_unmask', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'no-irq', when: 'no irq on the port', next: null },
      { name: 'still-masked', when: 'another mask reason remains: the port stays masked', next: null },
      { name: 'unmask', when: 'EXPLICIT was the last mask reason: unmask; an event left pending (IRQS_PENDING) is retriggered after', next: 'X1.22' },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      if (!f) return finish(ctx, 'no-irq', `no irq on port ${port}`);
      f.info.disabled = false;
      const resend = f.info.irqs_pending;
      f.info.irqs_pending = false;
      if (!doUnmask(f.info, EVT_MASK_REASON_EXPLICIT)) return finish(ctx, 'still-masked', `mask_reason still ${maskReasonText(f.info.mask_reason)}`);
      if (resend) return call(ctx, 'unmask', `mask_reason none → unmask; IRQS_PENDING → retrigger after`, unmaskStep(ctx.state), {}, 'X1.24');
      return go('unmask', `mask_reason none → unmask port ${port}`, unmaskStep(ctx.state));
    },
  },
  {
    id: 'X2.7', title: 'handle_percpu_irq', component: 'linux-irq',
    role: 'Per-CPU flow (VIRQ_TIMER …): chip ack = ack_dynirq (is_active=0, P=0) before the handler, no masking, no affinity (XR23).',
    rules: ['XR23'],
    links: [linuxLink('handle_percpu_irq', 'kernel/irq/chip.c'), linuxLink('xen_timer_interrupt', 'arch/x86/xen/time.c')],
    branches: [
      { name: 'no-irq', when: 'no irq on the port', next: null },
      { name: 'ack-then-handler', when: 'ack_dynirq clears P[port], then the handler runs', next: 'X1.18h' },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      if (!f) return finish(ctx, 'no-irq', `no irq on port ${port}`);
      f.info.is_active = 0;
      clearEvtchn(ctx.state, port);
      return go('ack-then-handler', `ack_dynirq: P[${port}]=0, then ${f.info.handler}`, 'X1.18h');
    },
  },
  {
    id: 'X4.5', title: 'xen_reschedule_interrupt', component: 'linux-irq',
    role: 'IPI target handling: handle_percpu_irq acks (P=0) then runs xen_reschedule_interrupt / xen_call_function_interrupt on the target CPU; the sender is untouched.',
    links: [linuxLink('xen_reschedule_interrupt', 'arch/x86/xen/smp.c'), linuxLink('handle_percpu_irq', 'kernel/irq/chip.c')],
    branches: [
      { name: 'ack-then-handler', when: 'ack_dynirq clears P[port], then the IPI\'s handler runs', next: 'X1.18h' },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      f!.info.is_active = 0;
      clearEvtchn(ctx.state, port);
      return go('ack-then-handler', `ack_dynirq: P[${port}]=0, then ${f!.info.handler}`, 'X1.18h');
    },
  },
  {
    id: 'X3.10', title: 'handle_fasteoi_irq', component: 'linux-irq',
    role: 'Level/shareable PIRQ flow: the driver runs first and the chip irq_eoi (eoi_pirq) clears P afterwards (XR23).',
    rules: ['XR23'],
    links: [linuxLink('handle_fasteoi_irq', 'kernel/irq/chip.c')],
    branches: [
      { name: 'handler-then-eoi', when: 'handle_fasteoi_irq: the handler runs first; P stays set until eoi_pirq', next: 'X1.18h' },
    ],
    run: (ctx) => call(ctx, 'handler-then-eoi', `irq ${num(ctx.params, 'irq')}: handler first, P stays set until eoi_pirq`, 'X1.18h', {}, 'X3.11'),
  },
  {
    id: 'X3.11', title: 'eoi_pirq', component: 'linux-evtchn',
    role: 'PIRQ EOI: is_active=0, P=0, and PHYSDEVOP_eoi when the pirq needs it (pirq_eoi_map bit or status query, XR28).',
    rules: ['XR28'],
    links: [linuxLink('eoi_pirq', LINUX_EVENTS_BASE)],
    branches: [
      { name: 'physdevop-eoi', when: 'eoi_pirq clears P[port]; the pirq needs an EOI: PHYSDEVOP_eoi', next: 'X3.12' },
      { name: 'no-eoi', when: 'eoi_pirq clears P[port]; the pirq needs no EOI (its pirq_eoi_map bit is clear)', next: null },
    ],
    run(ctx) {
      const { port, f } = info(ctx);
      f!.info.is_active = 0;
      clearEvtchn(ctx.state, port);
      if (f!.info.needs_eoi) return go('physdevop-eoi', `P[${port}]=0; pirq ${f!.info.pirq} needs EOI`, 'X3.12', { pirq: f!.info.pirq });
      return finish(ctx, 'no-eoi', `P[${port}]=0; pirq ${f!.info.pirq} needs no EOI`);
    },
  },
  {
    id: 'X7.10', title: 'evtchn_fifo_unmask', component: 'linux-evtchn-fifo', operation: 'evtchn.unmask.guest',
    role: 'Linux FIFO unmask (XR33): clears MASKED locally only if not PENDING; if PENDING leaves it masked and asks Xen (EVTCHNOP_unmask), which relinks it. No local re-raise, no non-local case.',
    rules: ['XR33'],
    links: [linuxLink('evtchn_fifo_unmask', LINUX_EVENTS_FIFO)],
    contracts: [{ id: 'X7.10-hypercall-if-pending', text: 'asks Xen (EVTCHNOP_unmask) when the event is pending', source: 'XR33', codebase: 'linux', symbol: 'evtchn_fifo_unmask', check: { kind: 'calls', anyOf: ['HYPERVISOR_event_channel_op'] } }],
    branches: [
      { name: 'hypercall', when: 'the port is pending: EVTCHNOP_unmask so that Xen re-raises it', next: 'X1.23' },
      { name: 'cleared-locally', when: 'the port is not pending: the guest clears MASKED itself', next: null },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const r = fifoUnmaskGuest(ctx.state.fifo!, port);
      if (r === 'hypercall') return go(r, `W[${port}].PENDING=1 → EVTCHNOP_unmask`, 'X1.23');
      return finish(ctx, r, `W[${port}] not pending: MASKED cleared by the guest`);
    },
  },
];
