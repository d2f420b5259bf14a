// Xen-side steps shared by the X flows: set-pending (2-level and FIFO), pollers, vcpu_mark_events_pending,
// vcpu_kick, the PV return-to-guest check and bounce frame, Xen's unmask, and the PIRQ EOI (flows X1, X3, X7).

import { evtchnUsable, markEventsPending, set2lPending, unmask2lXen } from '../../components/evtchn2l';
import { wordBits } from '../../components/xenDomain';
import { fifoSetPending, fifoUnmaskXen } from '../../components/evtchnFifo';
import { unblockXenVcpu } from './xenPoll';
import { readOnlyState } from '../../core/changeRecorder';
import { LINUX_2007_PATCH, XStep, XEN_EVENT_CHANNEL, call, finish, go, returnsTo, linuxLink, num, str, xenLink, portOf, vcpuOf, targetOf, requireGuest } from './xenFlowKit';

const tag = (v: number): string => `vcpu${v}`;

export const xenSideSteps: XStep[] = [
  {
    id: 'X1.2', title: 'notify_remote_via_evtchn', component: 'linux-evtchn',
    role: 'The sender\'s EVTCHNOP_send hypercall on its local port; touches no guest state.',
    links: [linuxLink('notify_remote_via_evtchn', 'include/xen/events.h', { formerly: [{ symbol: 'notify_remote_via_evtchn', in: LINUX_2007_PATCH }] })],
    branches: [
      { name: 'hypercall', when: 'HYPERVISOR_event_channel_op(EVTCHNOP_send, { port })', next: 'X1.3' },
    ],
    run: (ctx) => go('hypercall', `EVTCHNOP_send {port ${num(ctx.params, 'lport')}}`, 'X1.3'),
  },
  {
    id: 'X1.3', title: 'do_event_channel_op', component: 'evtchn',
    role: 'Hypercall dispatcher: EVTCHNOP_send → evtchn_send(current->domain, port). Its first test, a PV shim (CONFIG_PV_SHIM, Xen booted as the shim of one PV guest) forwarding every event-channel op to the Xen below it (pv_shim_event_channel_op), is never taken here: pv_shim is fixed at boot and the modelled Xen is not a shim, so that branch cannot change an outcome of these flows.',
    links: [xenLink('do_event_channel_op', XEN_EVENT_CHANNEL)],
    branches: [
      { name: 'EVTCHNOP_send', when: 'the command is EVTCHNOP_send: evtchn_send on the given port', next: 'X1.4' },
    ],
    run: () => go('EVTCHNOP_send', 'cmd EVTCHNOP_send', 'X1.4'),
  },
  {
    id: 'X1.4', title: 'evtchn_send', component: 'evtchn', operation: 'evtchn.send',
    role: 'Sends on the caller\'s local port (XR2): INTERDOMAIN pends the remote port on the remote\'s notify_vcpu_id; IPI pends the same port on its notify_vcpu_id; UNBOUND is silently dropped; a port Xen consumes or any other state is -EINVAL. The modelled domain sending to its peer only pends the peer\'s port: evtchn_send writes nothing of the sender\'s domain, and what the peer does next reaches this domain only as a new send (a scenario\'s `send` action), so not following the peer cannot change an outcome here.',
    rules: ['XR2', 'XR3'],
    links: [xenLink('evtchn_send', XEN_EVENT_CHANNEL)],
    contracts: [{
      id: 'X1.4-notify-vcpu', text: 'targets the receiving channel\'s notify_vcpu_id', source: 'XR3',
      codebase: 'xen', symbol: 'evtchn_send', check: { kind: 'mentions', anyOf: ['notify_vcpu_id'] },
    }],
    branches: [
      { name: 'einval', when: 'the port is not in a state that can send (e.g. ECS_FREE), or Xen itself consumes it: -EINVAL', next: null },
      { name: 'unbound', when: 'the port is ECS_UNBOUND (no peer yet): nothing is sent', next: null },
      { name: 'ipi', when: 'ECS_IPI: the port itself is set pending on its notify_vcpu_id', next: 'X1.5' },
      { name: 'xen-consumer', when: 'the remote port is consumed by Xen (xen_consumer set): Xen\'s notification function runs, no guest is signalled', next: null },
      { name: 'interdomain', when: 'ECS_INTERDOMAIN: the remote port is set pending on its notify_vcpu_id', next: 'X1.5' },
      { name: 'to-peer', when: 'the modelled domain sends to its peer: only the peer\'s port is set pending, nothing of this domain changes', next: null },
    ],
    run(ctx) {
      const lport = num(ctx.params, 'lport');
      const self = str(ctx.params, 'sender', 'peer') === 'self';
      const d = readOnlyState(ctx.state); // evtchn_send writes nothing of this domain: it only reads here
      const ch = self ? d.evtchn[String(lport)] : d.peer_evtchn[String(lport)];
      const who = self ? 'this domain' : 'the peer domain';
      if (!ch || ch.state === 'ECS_FREE' || ch.state === 'ECS_RESERVED') {
        ctx.emit({ kind: 'error', what: `port ${lport}`, detail: `-EINVAL: port ${lport} of ${who} is not allocated` });
        return finish(ctx, 'einval', `port ${lport} of ${who} is ${ch ? ch.state : 'absent'}`);
      }
      // "Guest cannot send via a Xen-attached event channel" (consumer_is_xen(lchn)), tested before the state.
      if (ch.xen_consumer) {
        ctx.emit({ kind: 'error', what: `port ${lport}`, detail: `-EINVAL: port ${lport} of ${who} is consumed by Xen; a guest cannot send on it` });
        return finish(ctx, 'einval', `E[${lport}] of ${who} is Xen-consumed (xen_consumer=${ch.xen_consumer})`);
      }
      if (ch.state === 'ECS_UNBOUND') {
        ctx.emit({ kind: 'dropped', what: `port ${lport}`, detail: 'ECS_UNBOUND: silently dropped, returns 0 (XR2)' });
        return finish(ctx, 'unbound', `port ${lport} is ECS_UNBOUND`);
      }
      if (ch.state === 'ECS_IPI' && self) return go('ipi', `ECS_IPI → port ${lport} on its notify_vcpu_id ${ch.notify_vcpu_id}`, 'X1.5', { port: lport, vcpu: ch.notify_vcpu_id });
      if (ch.state === 'ECS_INTERDOMAIN' && !self) {
        const rport = ch.remote_port;
        const r = d.evtchn[String(rport)];
        if (r && r.xen_consumer) {
          ctx.emit({ kind: 'note', what: `port ${rport}`, detail: 'remote port consumed by Xen: its notification function runs instead (default_xen_notification_fn)' });
          return finish(ctx, 'xen-consumer', `E[${rport}].xen_consumer=${r.xen_consumer}`);
        }
        return go('interdomain', `ECS_INTERDOMAIN → remote port ${rport}, notify_vcpu_id ${r?.notify_vcpu_id ?? 0}`, 'X1.5', { port: rport, vcpu: r?.notify_vcpu_id ?? 0 });
      }
      if (ch.state === 'ECS_INTERDOMAIN') {
        ctx.emit({ kind: 'note', what: `port ${lport}`, detail: 'pends the peer domain\'s port; nothing of this domain changes (the peer answers, if it does, with a send of its own)' });
        return finish(ctx, 'to-peer', 'sending from the modelled domain to its peer');
      }
      ctx.emit({ kind: 'error', what: `port ${lport}`, detail: `-EINVAL: cannot send on ${ch.state}` });
      return finish(ctx, 'einval', `port ${lport} is ${ch.state}`);
    },
  },
  {
    id: 'X1.5', title: 'evtchn_port_set_pending', component: 'evtchn', operation: 'evtchn.set_pending',
    role: 'Generic entry of every Xen set-pending: drops unusable ports (XR1), then calls the ABI\'s set_pending on the target vCPU (2-level → X1.6, FIFO → X7.5).',
    rules: ['XR1'],
    links: [xenLink('evtchn_port_set_pending', 'xen/include/xen/event.h'), xenLink('evtchn_usable', 'xen/include/xen/event.h')],
    branches: [
      { name: 'unusable', when: 'the port is not usable (closed, or consumed by Xen): nothing is set pending', next: null },
      { name: 'fifo', when: 'the domain uses the FIFO ABI: evtchn_fifo_set_pending for the target vCPU', next: 'X7.5' },
      { name: '2-level', when: 'the domain uses the 2-level ABI: evtchn_2l_set_pending for the target vCPU', next: 'X1.6' },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const d = readOnlyState(ctx.state); // a dispatch: it only reads
      const ch = d.evtchn[String(port)];
      const given = num(ctx.params, 'vcpu');
      const v = given >= 0 ? targetOf(ctx) : ch?.notify_vcpu_id ?? 0; // XR3: the sender passes notify_vcpu_id
      if (!evtchnUsable(ch)) {
        ctx.emit({ kind: 'dropped', target: tag(v), what: `port ${port}`, detail: `port ${port} is ${ch ? (ch.xen_consumer ? 'consumed by Xen' : ch.state) : 'not allocated'}: evtchn_usable is false (XR1)` });
        return finish(ctx, 'unusable', `E[${port}] is ${ch ? ch.state : 'absent'}${ch?.xen_consumer ? ', Xen-consumed' : ''}`);
      }
      return d.abi === 'fifo'
        ? go('fifo', `d->evtchn_port_ops is FIFO; target vCPU ${v}`, 'X7.5', { vcpu: v })
        : go('2-level', `d->evtchn_port_ops is 2-level; target vCPU ${v}`, 'X1.6', { vcpu: v });
    },
  },
  {
    id: 'X1.6', title: 'evtchn_2l_set_pending', component: 'evtchn-2l', operation: 'evtchn.set_pending.2l',
    role: 'Sets P[p]; if it was already set nothing else happens (XR8); a masked port only latches P (XR9); otherwise sets SEL[v] bit p/64 and, if that bit was 0, marks events pending (XR10).',
    rules: ['XR8', 'XR9', 'XR10'],
    links: [xenLink('evtchn_2l_set_pending', 'xen/common/event_2l.c')],
    contracts: [{
      id: 'X1.6-sel-before-mark', text: 'sets the selector bit before vcpu_mark_events_pending, and only when P was newly set and the port unmasked', source: 'XR8; XR9; XR10',
      codebase: 'xen', symbol: 'evtchn_2l_set_pending', check: { kind: 'callOrder', first: ['guest_test_and_set_bit'], then: ['vcpu_mark_events_pending'] },
    }, {
      id: 'X1.6-pollers', text: 'wakes pollers of the port (evtchn_check_pollers) whether or not it is masked', source: 'XR12',
      codebase: 'xen', symbol: 'evtchn_2l_set_pending', check: { kind: 'calls', anyOf: ['evtchn_check_pollers'] },
    }, {
      id: 'X1.6-mask-test', text: 'tests the mask bit before setting the selector bit: a masked port only latches P', source: 'XR9',
      codebase: 'xen', symbol: 'evtchn_2l_set_pending', check: { kind: 'callOrder', first: ['guest_test_bit'], then: ['vcpu_mark_events_pending'] },
    }],
    branches: [
      { name: 'sel-newly-set', when: 'P[p] 0→1 on an unmasked port, and its selector bit in the target vCPU\'s evtchn_pending_sel goes 0→1; then vcpu_mark_events_pending and the pollers', next: 'X1.8' },
      { name: 'sel-already-set', when: 'P[p] 0→1 on an unmasked port whose selector bit was already 1: an upcall already has to scan that word', next: 'X1.7' },
      { name: 'masked', when: 'P[p] 0→1 but M[p]=1: latched only, no selector bit and no upcall until the unmask', next: 'X1.7' },
      { name: 'already-pending', when: 'P[p] was already 1: the event merges with the pending one', next: null },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const v = targetOf(ctx);
      const d = ctx.state;
      const r = set2lPending(d.shared_info, d.vcpu_info[v], port, wordBits(d));
      const w = Math.floor(port / wordBits(d));
      switch (r) {
        case 'already-pending':
          ctx.emit({ kind: 'note', target: tag(v), what: `port ${port}`, detail: `coalesced: P[${port}] was already 1, so no selector, no upcall, no kick (XR8)` });
          return finish(ctx, r, `P[${port}] was already 1`);
        case 'masked':
          ctx.emit({ kind: 'pending', target: tag(v), what: `port ${port}`, detail: `latched in P[${port}] only: M[${port}]=1, no selector/upcall until an unmask (XR9)` });
          return go(r, `P[${port}] 0→1 but M[${port}]=1`, 'X1.7', { newly: true, mark: false });
        case 'sel-already-set':
          return go(r, `P[${port}] 0→1, unmasked; SEL[${v}] bit ${w} was already 1 (an upcall will scan word ${w})`, 'X1.7', { newly: true, mark: false });
        default:
          // vcpu_mark_events_pending first, evtchn_check_pollers after it returns, as evtchn_2l_set_pending does.
          return call(ctx, r, `P[${port}] 0→1, unmasked; SEL[${v}] bit ${w} 0→1`, 'X1.8', {}, 'X1.7', { newly: true, mark: true });
      }
    },
  },
  {
    id: 'X1.7', title: 'evtchn_check_pollers', component: 'xen-sched',
    role: 'Wakes vCPUs blocked in SCHEDOP_poll on this port or on any port (XR12), after vcpu_mark_events_pending (and its kick) returned, as the set-pending functions call it last.',
    rules: ['XR12'],
    links: [xenLink('evtchn_check_pollers', XEN_EVENT_CHANNEL)],
    branches: [
      { name: 'mark', when: 'no vCPU polls this port; the set-pending already notified the vCPU (vcpu_mark_events_pending ran first)', next: null },
      { name: 'no-mark', when: 'no vCPU polls this port; no vcpu_mark_events_pending (masked, selector/READY already set, or already linked)', next: null },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const woken: number[] = [];
      if (ctx.params.newly === true) {
        ctx.state.vcpu.forEach((vc, i) => {
          if (vc.poll_evtchn === 0 || vc.poll_evtchn === port) {
            // evtchn_check_pollers: test_and_clear the poll_mask bit, poll_evtchn := 0, then vcpu_unblock.
            const polled = vc.poll_evtchn === 0 ? 'any port' : `port ${port}`;
            unblockXenVcpu(ctx, i, `vCPU ${i} was polling ${polled} (SCHEDOP_poll): evtchn_check_pollers clears its poll_mask bit, vcpu_unblock`, `port ${port}`);
            woken.push(i);
          }
        });
      }
      const why = woken.length ? `woke polling vCPU(s) ${woken.join(', ')}` : 'no vCPU polls this port';
      if (ctx.params.mark === true) return finish(ctx, 'mark', `${why}; the set-pending already notified the vCPU (vcpu_mark_events_pending ran first)`);
      return finish(ctx, 'no-mark', `${why}; no vcpu_mark_events_pending (masked, selector/READY already set, or already linked)`);
    },
  },
  {
    id: 'X1.8', title: 'vcpu_mark_events_pending', component: 'vcpu-info', operation: 'evtchn.mark_upcall',
    role: 'Sets UP[v]; only a 0→1 change notifies the vCPU: PV → vcpu_kick, HVM → hvm_assert_evtchn_irq (XR10, XR17).',
    rules: ['XR10'],
    links: [xenLink('vcpu_mark_events_pending', 'xen/arch/x86/domain.c')],
    contracts: [{ id: 'X1.8-hvm-or-kick', text: 'an HVM vCPU gets hvm_assert_evtchn_irq, a PV vCPU vcpu_kick', source: 'XR10; XR17', codebase: 'xen', symbol: 'vcpu_mark_events_pending', check: { kind: 'calls', anyOf: ['hvm_assert_evtchn_irq'] } }],
    branches: [
      { name: 'upcall-already-pending', when: 'UP[v] was already 1: the vCPU is already due an upcall', next: null },
      { name: 'hvm', when: 'UP[v] 0→1 on an HVM vCPU: hvm_assert_evtchn_irq', next: 'X6.4' },
      { name: 'pv', when: 'UP[v] 0→1 on a PV vCPU: vcpu_kick', next: 'X1.9' },
    ],
    run(ctx) {
      const v = targetOf(ctx);
      const d = ctx.state;
      if (!markEventsPending(d.vcpu_info[v])) {
        ctx.emit({ kind: 'note', target: tag(v), detail: `UP[${v}] was already 1: the outstanding upcall (or its re-loop, XR19) picks the event up` });
        return finish(ctx, 'upcall-already-pending', `UP[${v}] was already 1`);
      }
      return d.guest === 'hvm'
        ? go('hvm', `UP[${v}] 0→1 on an HVM vCPU`, 'X6.4')
        : go('pv', `UP[${v}] 0→1 on a PV vCPU`, 'X1.9');
    },
  },
  {
    id: 'X1.9', title: 'vcpu_kick', component: 'xen-sched',
    role: 'Makes the target vCPU notice: unblocks it if blocked, or sends VCPU_KICK_SOFTIRQ to its pCPU so it passes the return-to-guest checks (PV X1.10, HVM X6.14).',
    rules: ['XR14'],
    links: [xenLink('vcpu_kick', 'xen/arch/x86/domain.c'), xenLink('vcpu_unblock', 'xen/common/sched/core.c')],
    branches: [
      { name: 'hvm', when: 'HVM guest: the vCPU is unblocked if blocked, else sent VCPU_KICK_SOFTIRQ; its entry check (X6.14) is handed to it, and the set-pending goes on to its pollers', next: null },
      { name: 'pv', when: 'PV guest: the vCPU is unblocked if blocked, else sent VCPU_KICK_SOFTIRQ; its return-to-guest check (X1.10) is handed to it, and the set-pending goes on to its pollers', next: null },
      { name: 'hvm', when: 'an HVM vCPU kicked on its own way back into the guest: its VM-entry interrupt check (X6.14) is the rest of its chain', next: 'X6.14' },
      { name: 'pv', when: 'a PV vCPU kicked on its own way back into the guest: its test_guest_events check (X1.10) is the rest of its chain', next: 'X1.10' },
    ],
    run(ctx) {
      const v = targetOf(ctx);
      const vc = ctx.state.vcpu[v];
      let why: string;
      if (vc.blocked) {
        unblockXenVcpu(ctx, v, `vCPU ${v} was blocked: vcpu_unblock`);
        vc.is_running = true;
        why = `vCPU ${v} was blocked → unblocked`;
      } else {
        why = vc.is_running ? `vCPU ${v} is running → VCPU_KICK_SOFTIRQ forces it through the entry checks` : `vCPU ${v} is runnable, not running: checks run when it is next scheduled`;
      }
      // The kicked vCPU passes its entry checks on its own pCPU, later. Kicked from a set-pending, the kicker returns to
      // it (evtchn_check_pollers comes next); kicked on the way back into the guest (an EOI exit's re-delivery), the
      // entry check is the rest of that vCPU's own chain.
      const hvm = ctx.state.guest === 'hvm';
      const entry = hvm ? 'X6.14' : 'X1.10';
      if (returnsTo(ctx) === 'X1.7') return { ...finish(ctx, hvm ? 'hvm' : 'pv', why), handOff: [{ next: entry, to: `vcpu${v}`, params: { vcpu: v, ret: '' } }] };
      return { ...go(hvm ? 'hvm' : 'pv', why, entry), deferTo: `vcpu${v}` };
    },
  },
  {
    id: 'X1.10', title: 'test_guest_events', component: 'pv-entry',
    role: 'PV return-to-guest: delivers the event upcall iff UP[v]!=0 and UM[v]==0 (XR14); otherwise returns to the guest and UP stays set.',
    rules: ['XR14'],
    links: [xenLink('test_guest_events', 'xen/arch/x86/x86_64/entry.S', { kind: 'asm' }), xenLink('test_all_events', 'xen/arch/x86/x86_64/entry.S', { kind: 'asm' })],
    branches: [
      { name: 'deliver', when: 'UP[v]=1 and UM[v]=0: a bounce frame to the guest\'s event callback', next: 'X1.11' },
      { name: 'masked-by-UM', when: 'UP[v]=1 but UM[v]=1 (events disabled): back to the guest, UP stays set', next: null },
      { name: 'nothing-pending', when: 'UP[v]=0: nothing to deliver', next: null },
    ],
    run(ctx) {
      requireGuest(ctx, 'pv', 'X1.10');
      const v = targetOf(ctx);
      const vi = readOnlyState(ctx.state).vcpu_info[v]; // the check only reads
      if (vi.evtchn_upcall_pending && !vi.evtchn_upcall_mask) return go('deliver', `UP[${v}]=1 and UM[${v}]=0`, 'X1.11');
      if (vi.evtchn_upcall_pending) {
        ctx.emit({ kind: 'pending', target: tag(v), detail: `UP[${v}]=1 but UM[${v}]=1 (events disabled): delivered when the guest re-enables events (X1.25) or by the running upcall's loop` });
        return finish(ctx, 'masked-by-UM', `UP[${v}]=1, UM[${v}]=1`);
      }
      return finish(ctx, 'nothing-pending', `UP[${v}]=0`);
    },
  },
  {
    id: 'X1.11', title: 'create_bounce_frame', component: 'pv-entry',
    role: 'Builds the guest exception frame for the event callback, saves UM as saved_upcall_mask and sets UM[v]=1 (TBF_INTERRUPT), like an interrupt gate clearing IF (XR14).',
    rules: ['XR14'],
    links: [xenLink('create_bounce_frame', 'xen/arch/x86/x86_64/entry.S', { kind: 'asm' })],
    branches: [
      { name: 'bounce', when: 'the frame saves UM, UM[v] := 1, and the guest resumes at its event callback', next: 'X1.12' },
    ],
    run(ctx) {
      requireGuest(ctx, 'pv', 'X1.11');
      const v = targetOf(ctx);
      ctx.state.vcpu[v].saved_upcall_mask = ctx.state.vcpu_info[v].evtchn_upcall_mask;
      ctx.state.vcpu_info[v].evtchn_upcall_mask = 1;
      return go('bounce', `saved UM=${ctx.state.vcpu[v].saved_upcall_mask} in the frame, UM[${v}]:=1; guest resumes at its event callback`, 'X1.12', { cpu: v, entry: 'pv' });
    },
  },
  {
    id: 'X1.11i', title: 'do_iret', component: 'pv-entry',
    role: 'The guest\'s HYPERVISOR_iret after the upcall: restores UM from the frame\'s IF (saved_upcall_mask) and returns through test_all_events, which re-delivers if UP was set meanwhile (XR14).',
    rules: ['XR14'],
    links: [xenLink('do_iret', 'xen/arch/x86/pv/iret.c'), { codebase: 'linux', symbol: 'xen_iret', file: 'arch/x86/xen/xen-asm.S', kind: 'asm' }],
    branches: [
      { name: 'iret', when: 'HYPERVISOR_iret restores UM[v] from the frame and goes back through test_all_events', next: 'X1.10' },
    ],
    run(ctx) {
      requireGuest(ctx, 'pv', 'X1.11i');
      const v = vcpuOf(ctx, 'cpu');
      ctx.state.vcpu_info[v].evtchn_upcall_mask = ctx.state.vcpu[v].saved_upcall_mask;
      return go('iret', `UM[${v}] := saved ${ctx.state.vcpu[v].saved_upcall_mask}; back through test_all_events`, 'X1.10', { vcpu: v, entry: '' });
    },
  },
  {
    id: 'X1.23', title: 'evtchn_unmask', component: 'evtchn', operation: 'evtchn.unmask.xen',
    role: 'EVTCHNOP_unmask: 2-level clears M[p] and, if it was set and P[p] is set, re-raises on notify_vcpu_id (XR11); FIFO clears MASKED and re-links a pending event on notify_vcpu_id (XR33).',
    rules: ['XR11', 'XR33'],
    links: [xenLink('evtchn_unmask', XEN_EVENT_CHANNEL), xenLink('evtchn_2l_unmask', 'xen/common/event_2l.c'), xenLink('evtchn_fifo_unmask', 'xen/common/event_fifo.c'), xenLink('evtchn_port_unmask', 'xen/common/event_channel.h')],
    contracts: [{
      id: 'X1.23-notify-vcpu', text: 're-raises on the channel\'s notify_vcpu_id at unmask time', source: 'XR3; XR11',
      codebase: 'xen', symbol: 'evtchn_2l_unmask', check: { kind: 'mentions', anyOf: ['notify_vcpu_id'] },
    }, {
      id: 'X1.23-redeliver', text: 're-delivers an event that became pending while masked (vcpu_mark_events_pending at unmask)', source: 'XR11',
      codebase: 'xen', symbol: 'evtchn_2l_unmask', check: { kind: 'calls', anyOf: ['vcpu_mark_events_pending'] },
    }],
    branches: [
      { name: 'unusable', when: 'E[port] not usable: evtchn_port_unmask is a no-op (XR1)', next: null },
      { name: 'relink', when: 'FIFO: MASKED cleared and PENDING=1: evtchn_fifo_set_pending on the port\'s notify_vcpu_id', next: 'X7.5' },
      { name: 'not-pending', when: 'MASKED (FIFO) or M[p] (2-level) cleared; the port is not pending: nothing more', next: null },
      { name: 're-raise', when: '2-level: M[p] was 1 and P[p]=1: the selector bit is set and vcpu_mark_events_pending on notify_vcpu_id', next: 'X1.8' },
      { name: 'was-not-masked', when: 'M[p] was already 0: unmasking an unmasked port never re-raises (XR11)', next: null },
      { name: 'was-not-masked', when: 'M[p] was already 0 (XR11); PHYSDEVOP_eoi goes on with pirq_guest_eoi', next: 'X3.13' },
      { name: 'sel-already-set', when: '2-level: M[p] 1→0 and P[p]=1, but the selector bit was already set: an upcall already has to scan that word', next: null },
      { name: 'no-page', when: 'FIFO: the port has no event word yet (no event-array page): nothing to unmask', next: null },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const d = ctx.state;
      const ch = d.evtchn[String(port)];
      if (!evtchnUsable(ch)) return finish(ctx, 'unusable', `E[${port}] not usable: evtchn_port_unmask is a no-op (XR1)`);
      const n = ch.notify_vcpu_id;
      if (d.abi === 'fifo') {
        const r = fifoUnmaskXen(d.fifo!, port);
        if (r === 'relink') return go('relink', `MASKED cleared; PENDING=1 → evtchn_fifo_set_pending on notify_vcpu_id ${n}`, 'X7.5', { vcpu: n });
        return finish(ctx, r, r === 'no-page' ? 'no event-array page' : 'MASKED cleared; not pending');
      }
      const r = unmask2lXen(d.shared_info, d.vcpu_info[n], port, wordBits(d));
      if (r === 're-raise') return go(r, `M[${port}] was 1, P[${port}]=1, SEL[${n}] bit 0→1 → vcpu_mark_events_pending(notify_vcpu_id ${n})`, 'X1.8', { vcpu: n });
      const why = { 'was-not-masked': `M[${port}] was already 0: unmasking an unmasked port never re-raises (XR11)`, 'not-pending': `M[${port}] 1→0, P[${port}]=0`, 'sel-already-set': `M[${port}] 1→0, P=1 but SEL[${n}] bit already set` }[r];
      return finish(ctx, r, why);
    },
  },
  {
    id: 'X7.5', title: 'evtchn_fifo_set_pending', component: 'evtchn-fifo', operation: 'evtchn.set_pending.fifo',
    role: 'FIFO set-pending: PENDING:=1; an unmasked, unlinked port is linked at the tail of Q[v][priority] (even if it was already pending); the vCPU is notified only when the queue was empty and READY[prio] was 0 (XR29, XR30).',
    rules: ['XR29', 'XR30'],
    links: [xenLink('evtchn_fifo_set_pending', 'xen/common/event_fifo.c'), xenLink('evtchn_fifo_set_link', 'xen/common/event_fifo.c')],
    contracts: [{
      id: 'X7.5-lastq', text: 'tracks the queue a port was linked on (fifo_lastq) so a priority/vCPU change never corrupts the old queue', source: 'XR30',
      codebase: 'xen', symbol: 'evtchn_fifo_set_pending', check: { kind: 'mentions', anyOf: ['fifo_lastq'] },
    }],
    branches: [
      { name: 'masked', when: 'the event word is MASKED: PENDING set, not linked, no notification (XR29)', next: 'X1.7' },
      { name: 'queued-at-head', when: 'PENDING set and the queue of the port\'s priority was empty: the port becomes its head; READY bit 0→1 notifies the vCPU (vcpu_mark_events_pending, then the pollers)', next: 'X1.8' },
      { name: 'queued-at-head', when: 'the queue was empty and the port becomes its head, but READY was already set: no notification', next: 'X1.7' },
      { name: 'no-control-block', when: 'the target vCPU has no control block mapped: the event is dropped', next: null },
      { name: 'no-page', when: 'the port has no event word yet (no event-array page): remembered in E[port].pending', next: null },
      { name: 'already-linked', when: 'the word is already LINKED: no new link and no notification', next: 'X1.7' },
      { name: 'linked-to-tail', when: 'PENDING set and the queue was not empty: linked after its tail; READY 0→1 notifies the vCPU (vcpu_mark_events_pending, then the pollers)', next: 'X1.8' },
      { name: 'linked-to-tail', when: 'linked after the tail of a non-empty queue whose READY bit was already set: no notification', next: 'X1.7' },
    ],
    run(ctx) {
      const port = portOf(ctx);
      const v = targetOf(ctx);
      const d = ctx.state;
      const ch = d.evtchn[String(port)];
      const r = fifoSetPending(d.fifo!, ch, port, v);
      const q = `Q[${v}][${ch.priority}]`;
      switch (r.result) {
        case 'no-page':
          ctx.emit({ kind: 'pending', what: `port ${port}`, detail: `no event-array page yet: remembered in E[${port}].pending, raised by EVTCHNOP_expand_array` });
          return finish(ctx, r.result, `port ${port} ≥ ${d.fifo!.event_array_pages * 1024} (no event word)`);
        case 'no-control-block':
          ctx.emit({ kind: 'lost', target: tag(v), what: `port ${port}`, detail: `vCPU ${v} has no FIFO control block mapped: event dropped` });
          return finish(ctx, r.result, `CB[${v}] not mapped`);
        case 'masked':
          ctx.emit({ kind: 'pending', target: tag(v), what: `port ${port}`, detail: 'MASKED: PENDING set, not linked, no notification (XR29)' });
          return go(r.result, 'W.MASKED=1', 'X1.7', { newly: r.newlyPending, mark: false });
        case 'already-linked':
          return go(r.result, `W.LINKED=1: already queued, no new link or notification`, 'X1.7', { newly: r.newlyPending, mark: false });
        default: {
          const why = `${r.result === 'linked-to-tail' ? `linked after the tail of ${q}` : `${q} was empty → head[${ch.priority}]=${port}`}; ${r.notify ? `READY bit ${ch.priority} 0→1 → notify` : 'no notification (queue non-empty or READY already set)'}`;
          // As in evtchn_fifo_set_pending: vcpu_mark_events_pending first, evtchn_check_pollers last.
          if (r.notify) return call(ctx, r.result, why, 'X1.8', {}, 'X1.7', { newly: r.newlyPending, mark: true });
          return go(r.result, why, 'X1.7', { newly: r.newlyPending, mark: false });
        }
      }
    },
  },
  {
    id: 'X3.12', title: 'PHYSDEVOP_eoi', component: 'pirq',
    role: 'The guest\'s PHYSDEVOP_eoi for a pirq: with auto_unmask also unmasks its port; for PV / real-IRQ pirqs calls pirq_guest_eoi (X3.13).',
    rules: ['XR28'],
    links: [xenLink('do_physdev_op', 'xen/arch/x86/physdev.c')],
    branches: [
      { name: 'no-pirq', when: 'the pirq is not guest-bound', next: null },
      { name: 'auto-unmask', when: 'a v1 pirq_eoi_map is registered: auto_unmask unmasks the pirq\'s port first (evtchn_unmask)', next: 'X1.23' },
      { name: 'pirq_guest_eoi', when: 'the pirq is bound to a physical IRQ: pirq_guest_eoi', next: 'X3.13' },
    ],
    run(ctx) {
      const pirq = num(ctx.params, 'pirq');
      const p = ctx.state.pirq[String(pirq)];
      if (!p) return finish(ctx, 'no-pirq', `pirq ${pirq} is not guest-bound`);
      if (ctx.state.physdev.auto_unmask) return call(ctx, 'auto-unmask', `v1 pirq_eoi_map registered: auto_unmask → evtchn_unmask(port ${p.evtchn}) first`, 'X1.23', { port: p.evtchn }, 'X3.13');
      return go('pirq_guest_eoi', `pirq ${pirq} is bound to a real IRQ`, 'X3.13');
    },
  },
  {
    id: 'X3.13', title: 'pirq_guest_eoi → desc_guest_eoi', component: 'pirq',
    role: 'Ends the guest\'s part of a guest-bound IRQ: clears pirq->masked, and when in_flight drops to 0 performs the withheld physical EOI/unmask (XR27). A second EOI finds masked=0 and does nothing.',
    rules: ['XR27'],
    links: [xenLink('pirq_guest_eoi', 'xen/arch/x86/irq.c'), xenLink('desc_guest_eoi', 'xen/arch/x86/irq.c'), xenLink('flush_ready_eoi', 'xen/arch/x86/irq.c')],
    contracts: [{ id: 'X3.13-in-flight', text: 'completes the physical EOI only when in_flight drops to zero', source: 'XR27', codebase: 'xen', symbol: 'desc_guest_eoi', check: { kind: 'mentions', anyOf: ['in_flight'] } }],
    branches: [
      { name: 'already-eoied', when: 'pirq->masked was 0 (already EOIed or force-EOIed by the timer)', next: null },
      { name: 'others-in-flight', when: 'in_flight stays above 0: other domains sharing the IRQ have not EOIed yet', next: null },
      { name: 'eoi', when: 'in_flight 1→0: the physical IRQ is EOIed (or unmasked) as its ack type requires', next: null },
    ],
    run(ctx) {
      const pirq = num(ctx.params, 'pirq');
      const p = ctx.state.pirq[String(pirq)];
      if (!p.masked) return finish(ctx, 'already-eoied', `pirq->masked was 0 (already EOIed or force-EOIed by the timer)`);
      p.masked = 0;
      p.in_flight = Math.max(0, p.in_flight - 1);
      if (p.in_flight !== 0) return finish(ctx, 'others-in-flight', `in_flight=${p.in_flight}: other sharers still busy`);
      p.eoi_timer_armed = false;
      const was = p.eoi_withheld;
      p.eoi_withheld = false;
      ctx.emit({ kind: 'note', what: `pirq ${pirq}`, detail: was ? `${p.ack_type === 'ACKTYPE_EOI' ? 'physical LAPIC EOI' : 'line unmask'} performed now that the guest EOIed` : 'nothing was withheld' });
      return finish(ctx, 'eoi', `in_flight 1→0: ${p.ack_type} completed`);
    },
  },
];

