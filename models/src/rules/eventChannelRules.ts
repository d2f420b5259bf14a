// The rules of the Xen event-channel flows (X1–X7) and of the Linux guest that consumes the events.
// Each names the Xen 4.17 / Linux 6.1 functions it mirrors, so a reader can check it in the trees.
import { Rule } from './rule';

const XEN_EVTCHN = 'xen/common/event_channel.c';
const XEN_2L = 'xen/common/event_2l.c';
const XEN_FIFO = 'xen/common/event_fifo.c';
const XEN_HVM_IRQ = 'xen/arch/x86/hvm/irq.c';
const XEN_IRQ = 'xen/arch/x86/irq.c';
const XEN_SCHED = 'xen/common/sched/core.c';
const LNX_BASE = 'drivers/xen/events/events_base.c';
const LNX_2L = 'drivers/xen/events/events_2l.c';
const LNX_FIFO = 'drivers/xen/events/events_fifo.c';

export const eventChannelRules: Rule[] = [
  {
    id: 'XR1', title: 'only usable ports change state',
    text: 'Setting pending, clearing pending and unmasking do something only on a port that is UNBOUND, INTERDOMAIN, PIRQ, VIRQ or IPI and not consumed by Xen itself; on any other port they do nothing.',
    checkIn: [`Xen evtchn_usable, evtchn_port_set_pending, evtchn_port_clear_pending, evtchn_port_unmask (xen/include/xen/event.h)`],
  },
  {
    id: 'XR2', title: 'what a send does',
    text: 'EVTCHNOP_send on an interdomain port makes the peer\'s port pending, on the peer port\'s notify_vcpu_id; on an IPI port it makes the same port pending on its notify_vcpu_id; on an unbound port it is dropped and returns 0; on any other kind it fails with -EINVAL. A peer port consumed by Xen runs Xen\'s notification function instead.',
    checkIn: [`Xen evtchn_send (${XEN_EVTCHN})`],
  },
  {
    id: 'XR3', title: 'which vCPU is targeted',
    text: 'The vCPU whose selector, upcall flag and kick (2-level) or whose queue (FIFO) a set-pending uses is the port\'s notify_vcpu_id read at the moment of the set-pending, for interdomain, IPI, global VIRQ and PIRQ ports; the VIRQ\'s own vCPU for a per-vCPU VIRQ; and notify_vcpu_id at the moment of the unmask for an unmask that re-raises.',
    checkIn: [`Xen evtchn_send, send_guest_vcpu_virq, send_guest_global_virq, send_guest_pirq (${XEN_EVTCHN})`, `Xen evtchn_2l_unmask (${XEN_2L}), evtchn_fifo_unmask (${XEN_FIFO})`],
  },
  {
    id: 'XR4', title: 'lifetime of notify_vcpu_id',
    text: 'notify_vcpu_id starts at 0 for unbound, interdomain and PIRQ ports and at the requested vCPU for VIRQ and IPI ports. Only EVTCHNOP_bind_vcpu changes it, and only for unbound, interdomain, PIRQ and global VIRQ ports (per-vCPU VIRQ and IPI ports give -EINVAL). Closing the port resets it to 0.',
    checkIn: [`Xen evtchn_bind_virq, evtchn_bind_ipi, evtchn_bind_vcpu, evtchn_free (${XEN_EVTCHN})`],
  },
  {
    id: 'XR5', title: 'rebinding leaves pending state where it is',
    text: 'EVTCHNOP_bind_vcpu writes notify_vcpu_id (and a PIRQ\'s affinity) and nothing else: a selector bit already set on the old vCPU stays there, and nothing is set on the new vCPU.',
    checkIn: [`Xen evtchn_bind_vcpu (${XEN_EVTCHN})`],
  },
  {
    id: 'XR6', title: 'side effects of binding',
    text: 'EVTCHNOP_bind_interdomain leaves the binder\'s new port pending; binding a VIRQ that is already bound on that vCPU fails with -EEXIST; a global VIRQ can be bound only on vCPU0; a pirq can have only one channel (-EEXIST).',
    checkIn: [`Xen evtchn_bind_interdomain, evtchn_bind_virq, evtchn_bind_pirq (${XEN_EVTCHN})`],
  },
  {
    id: 'XR7', title: 'a VIRQ with no channel is lost',
    text: 'A VIRQ raised while no channel is bound to it on that vCPU (for a global VIRQ: on vCPU0) is thrown away, not remembered.',
    checkIn: [`Xen send_guest_vcpu_virq, send_guest_global_virq (${XEN_EVTCHN})`],
  },
  {
    id: 'XR8', title: '2-level set-pending is idempotent',
    text: 'When the port\'s pending bit is already set, setting it again changes nothing else: no selector bit, no upcall flag, no kick, no poller wake-up. Two sends before the guest looks give one handler run.',
    checkIn: [`Xen evtchn_2l_set_pending, its early return (${XEN_2L})`],
  },
  {
    id: 'XR9', title: 'a masked port only latches',
    text: 'On a masked port, set-pending sets the pending bit (and wakes pollers if the bit was newly set) but leaves the selector and the upcall flag alone and kicks nobody.',
    checkIn: [`Xen evtchn_2l_set_pending (${XEN_2L})`],
  },
  {
    id: 'XR10', title: 'selector and upcall edges',
    text: 'For an unmasked port that becomes pending, the selector bit of its word (port / bits per word) is set on the target vCPU; only if that bit was clear is vcpu_mark_events_pending called, which sets evtchn_upcall_pending and notifies (PV kick, HVM assert) only if that flag was clear.',
    checkIn: [`Xen evtchn_2l_set_pending (${XEN_2L})`, 'Xen vcpu_mark_events_pending (xen/arch/x86/domain.c)'],
  },
  {
    id: 'XR11', title: 'Xen\'s unmask re-raises',
    text: 'EVTCHNOP_unmask clears a set mask bit; if the port is also pending and the selector bit of its word on notify_vcpu_id was clear, it sets that bit and marks events pending on that vCPU. On a port that was not masked the hypercall does nothing.',
    checkIn: [`Xen evtchn_2l_unmask (${XEN_2L})`],
  },
  {
    id: 'XR12', title: 'pollers wake on any newly pending port',
    text: 'A port that becomes pending, masked or not, wakes the vCPUs blocked in SCHEDOP_poll on that port or on any port.',
    checkIn: [`Xen evtchn_check_pollers (${XEN_EVTCHN})`],
  },
  {
    id: 'XR13', title: 'registering vcpu_info forces a full scan',
    text: 'Registering a new vcpu_info sets every selector bit of that vCPU and marks events pending, so the guest makes one full (mostly empty) scan.',
    checkIn: ['Xen map_vcpu_info (xen/common/domain.c)'],
  },
  {
    id: 'XR14', title: 'PV delivery on return to guest',
    text: 'On every return to a PV guest, Xen delivers the upcall iff evtchn_upcall_pending is set and evtchn_upcall_mask is clear. Delivery sets the mask and saves its old value in the bounce frame; HYPERVISOR_iret restores it from the frame\'s IF bit. A kick only makes sure the target vCPU reaches this check soon.',
    checkIn: ['Xen test_guest_events, create_bounce_frame (xen/arch/x86/x86_64/entry.S)', 'Xen do_iret (xen/arch/x86/pv/iret.c)', 'Xen vcpu_kick (xen/arch/x86/domain.c)'],
  },
  {
    id: 'XR15', title: 'PV guest re-enabling events',
    text: 'A PV guest clears its upcall mask without entering Xen; the re-enable path then checks evtchn_upcall_pending and, when set, makes a hypercall so that Xen delivers (XR14). An upcall flag the guest set itself is therefore delivered at the next events-enable, or by the upcall loop (XR19).',
    checkIn: ['Linux xen_irq_enable_direct, check_events (arch/x86/xen/xen-asm.S)', 'Linux xen_force_evtchn_callback (arch/x86/xen/irq.c)'],
  },
  {
    id: 'XR16', title: 'HVM ignores the upcall mask',
    text: 'For an HVM vCPU evtchn_upcall_mask is never read; what blocks the callback is RFLAGS.IF, the interrupt shadow and, for callbacks that go through the vLAPIC, the TPR.',
    checkIn: [`Xen hvm_set_callback_irq_level (its comment), hvm_vcpu_has_pending_irq (${XEN_HVM_IRQ})`, 'Xen hvm_interrupt_blocked (xen/arch/x86/hvm/hvm.c)'],
  },
  {
    id: 'XR17', title: 'how HVM delivery is chosen',
    text: 'On HVM, marking events pending calls hvm_assert_evtchn_irq: from IRQ context or with interrupts off it defers the same work to a tasklet; otherwise a per-vCPU upcall vector (with the vLAPIC enabled) is raised as an edge into the vLAPIC IRR; else a domain in vector mode (global vector callback, or vCPU0 has an upcall vector) gets a kick; else vCPU0 drives the GSI/INTx line; any other vCPU gets nothing.',
    checkIn: [`Xen hvm_assert_evtchn_irq (${XEN_HVM_IRQ})`, 'Xen is_hvm_pv_evtchn_domain (xen/arch/x86/include/asm/hvm/hvm.h)'],
  },
  {
    id: 'XR18', title: 'the global vector callback',
    text: 'At every VM entry, if the callback type is vector and the vCPU\'s upcall flag is set and interrupts are not blocked, Xen injects the callback vector directly: no IRR, no ISR, no TPR check, no EOI. It is injected again at every entry while the flag stays set, after NMI/MCE and before the vPIC and vLAPIC.',
    checkIn: [`Xen hvm_vcpu_has_pending_irq (${XEN_HVM_IRQ})`, 'Xen vmx_intr_assist (xen/arch/x86/hvm/vmx/intr.c)'],
  },
  {
    id: 'XR18b', title: 'the per-vCPU upcall vector',
    text: 'The per-vCPU vector is an edge into the vLAPIC IRR (TMR clear) on each 0→1 of the upcall flag, plus unconditional raises when the vector is set by HVMOP_set_evtchn_upcall_vector, when HVM_PARAM_CALLBACK_IRQ changes, and when the vLAPIC is software-enabled with the flag set. It needs a LAPIC EOI from the guest; an IRR bit already set absorbs a second raise.',
    checkIn: ['Xen vlapic_set_irq, vlapic_reg_write (xen/arch/x86/hvm/vlapic.c)', `Xen hvm_set_callback_via (${XEN_HVM_IRQ})`, 'Xen hvmop_set_evtchn_upcall_vector (xen/arch/x86/hvm/hvm.c)'],
  },
  {
    id: 'XR18c', title: 'the GSI / PCI INTx callback',
    text: 'Only vCPU0\'s upcall flag drives the line. Xen raises it when that flag goes 0→1 and lowers it only at the start of the next VM exit of any vCPU of the domain once the flag is clear (or when the callback changes). The line is a counted wire shared with other sources on the GSI; the vIOAPIC pin delivers on assert if Remote-IRR is clear and, at each EOI of its vector, delivers again while the count is non-zero. A GSI up to 15 also drives the vPIC.',
    checkIn: [`Xen hvm_set_callback_irq_level, hvm_maybe_deassert_evtchn_irq (${XEN_HVM_IRQ})`, 'Xen vioapic_irq_positive_edge, vioapic_update_EOI (xen/arch/x86/hvm/vioapic.c)'],
  },
  {
    id: 'XR18d', title: 'decoding HVM_PARAM_CALLBACK_IRQ',
    text: 'Bits 63:56 give the type (0 GSI, 1 PCI INTx, 2 vector, anything else none). A GSI is truncated to 8 bits and 0 or one past the last GSI means none; INTx takes the device from bits 15:11 and the pin from bits 1:0; a vector is bits 7:0, not checked. Non-vector types are ignored on a domain without vLAPIC, vIOAPIC and vPIC.',
    checkIn: [`Xen hvm_set_callback_via (${XEN_HVM_IRQ})`],
  },
  {
    id: 'XR19', title: 'the guest\'s upcall loop',
    text: 'The guest\'s upcall handler clears its own evtchn_upcall_pending and scans, again and again, until the flag is still clear after a scan. It only ever looks at the vcpu_info of the CPU it runs on.',
    checkIn: [`Linux xen_evtchn_do_upcall (${LNX_BASE})`],
  },
  {
    id: 'XR20', title: 'which CPU handles a 2-level port',
    text: 'In a scan, CPU c handles port p iff the selector word of p was set when c swapped its selector to 0, and p is pending, unmasked and in c\'s per-CPU bitmap when the word is read. Xen\'s notify_vcpu_id plays no part here; each port belongs to exactly one CPU\'s bitmap.',
    checkIn: [`Linux active_evtchns, evtchn_2l_handle_events (${LNX_2L})`],
  },
  {
    id: 'XR21', title: 'the order of a 2-level scan',
    text: 'The current CPU\'s VIRQ_TIMER port is handled first (XR21a); then words and bits are visited from a per-CPU cursor upward, wrapping, on a snapshot of each word (XR21b); the cursor survives from one upcall to the next (XR21c). The 2007 guest scanned lowest word and lowest bit first and re-read the word after every port, so a busy low port could starve higher ones.',
    checkIn: [`Linux evtchn_2l_handle_events (${LNX_2L})`, 'Linux 2.6.23 xen_evtchn_do_upcall (arch/i386/xen/events.c)'],
  },
  {
    id: 'XR21a', title: 'the timer port first',
    text: 'If the current CPU\'s VIRQ_TIMER port is active, it is handled before any other port.',
    checkIn: [`Linux evtchn_2l_handle_events (${LNX_2L})`],
  },
  {
    id: 'XR21b', title: 'scan from the cursor, on snapshots',
    text: 'Words and bits are visited from the port after the last one handled, upward and wrapping. The starting word is visited twice (first from the cursor bit, at the end in full), every other word once; within a visit the active bits are the snapshot taken when the visit starts.',
    checkIn: [`Linux evtchn_2l_handle_events (${LNX_2L})`],
  },
  {
    id: 'XR21c', title: 'the cursor persists',
    text: 'The per-CPU cursor (last word and bit handled) is kept across upcalls, so the next scan starts after the port handled last.',
    checkIn: [`Linux evtchn_2l_handle_events, current_word_idx / current_bit_idx (${LNX_2L})`],
  },
  {
    id: 'XR22', title: 'ports being handled are skipped',
    text: 'A port whose irq is marked active (set on dispatch, cleared by the ack or at late EOI) is skipped and stays pending. A port with no Linux irq is skipped and stays pending too.',
    checkIn: [`Linux handle_irq_for_port (${LNX_BASE})`],
  },
  {
    id: 'XR23', title: 'when the pending bit is cleared',
    text: 'Edge (dynamic chip), edge PIRQ and per-CPU flows clear the pending bit before the driver handler runs; a level (fasteoi) PIRQ clears it after, at irq_eoi; the lateeoi chip masks the port and clears pending before the handler and unmasks only at xen_irq_lateeoi. Events that arrive before the clear merge into one; events after it make the port pending again and, unless masked, raise the selector and upcall flag again, so the upcall loop goes round once more.',
    checkIn: [`Linux ack_dynirq, lateeoi_ack_dynirq, eoi_pirq (${LNX_BASE})`, 'Linux handle_edge_irq, handle_fasteoi_irq, handle_percpu_irq (kernel/irq/chip.c)'],
  },
  {
    id: 'XR24', title: 'how the guest unmasks a 2-level port',
    text: 'Only when the last mask reason goes. From a CPU other than the port\'s: hypercall (XR11), the guest leaves the mask bit alone. Local HVM with the port pending: keep the mask bit and make the hypercall (XR11 re-raises on notify_vcpu_id). Local PV with the port pending: clear the mask bit, set the selector bit of this CPU and, if it was clear, the upcall flag, with no hypercall (XR15 or XR19 deliver it). Not pending: just clear the mask bit.',
    checkIn: [`Linux evtchn_2l_unmask (${LNX_2L})`, `Linux do_unmask (${LNX_BASE})`],
  },
  {
    id: 'XR25', title: 'mask reasons',
    text: 'A port is masked for a set of reasons (explicit, temporary, EOI pending). The mask bit is set when the set goes from empty to non-empty and cleared (XR24, XR33) when it becomes empty again. A port is bound with the explicit reason; enable_irq removes it.',
    checkIn: [`Linux do_mask, do_unmask, xen_irq_info_common_setup (${LNX_BASE})`],
  },
  {
    id: 'XR26', title: 'disable and enable',
    text: 'disable_irq masks the port at once; an event already being dispatched while disabled is masked, acknowledged and marked IRQS_PENDING; enable_irq unmasks and retriggers it (the guest sets the pending bit itself and unmasks, XR24).',
    checkIn: [`Linux disable_dynirq, enable_dynirq, retrigger_dynirq (${LNX_BASE})`, 'Linux handle_edge_irq (kernel/irq/chip.c)'],
  },
  {
    id: 'XR27', title: 'Xen withholds the physical EOI of a guest-bound IRQ',
    text: 'For a physical interrupt bound to guests with an ack type other than NONE, each bound domain whose pirq goes from unmasked to masked counts one in-flight event; Xen withholds the physical EOI or unmask until the in-flight count is back to 0 through the guests\' PHYSDEVOP_eoi, or until the 1 ms EOI timer forces it. Edge IO-APIC and maskable MSI (ack type NONE) need no guest EOI.',
    checkIn: [`Xen do_IRQ_guest, desc_guest_eoi, irq_guest_eoi_timer_fn (${XEN_IRQ})`],
  },
  {
    id: 'XR28', title: 'when the guest sends PHYSDEVOP_eoi',
    text: 'Linux issues PHYSDEVOP_eoi iff the pirq\'s bit is set in the shared pirq_eoi_map (a PV guest that registered it; Xen sets the bit iff the ack type is not NONE) or, without the map, iff PHYSDEVOP_irq_status_query said the pirq needs an EOI (always, in Xen 4.17). A second EOI is harmless.',
    checkIn: [`Linux eoi_pirq, pirq_check_eoi_map (${LNX_BASE})`, `Xen set_pirq_eoi, desc_guest_eoi (${XEN_IRQ})`],
  },
  {
    id: 'XR29', title: 'FIFO set-pending links the port',
    text: 'PENDING is set. If the port is MASKED or already LINKED, nothing is linked and nobody is notified. Otherwise the port is linked at the tail of the target vCPU\'s queue for its priority, even if it was already PENDING (unlike XR8). The vCPU is notified only if the queue was empty and that priority\'s READY bit was clear. Without an event-array page the event is remembered on the channel; without a control block it is dropped.',
    checkIn: [`Xen evtchn_fifo_set_pending (${XEN_FIFO})`],
  },
  {
    id: 'XR30', title: 'a linked port stays in its queue',
    text: 'A LINKED port stays in the queue it was linked into even when its priority or notify_vcpu_id changes; the new settings apply from the next link.',
    checkIn: [`Xen evtchn_fifo_set_priority, evtchn_fifo_set_pending and its lastq handling (${XEN_FIFO})`],
  },
  {
    id: 'XR31', title: 'FIFO consumption',
    text: 'The guest takes READY (swapping it to 0), then repeatedly picks the highest-priority ready queue (lowest number), pops its head (clears LINKED, follows LINK), handles the port if it is PENDING and not MASKED and otherwise drops the entry silently, and reads READY again after each event. Within a priority, ports come out in the order they were linked.',
    checkIn: [`Linux __evtchn_fifo_handle_events, consume_one_event, clear_linked (${LNX_FIFO})`],
  },
  {
    id: 'XR32', title: 'FIFO has no per-CPU filter',
    text: 'A FIFO event is handled by the vCPU whose queue it was linked into (Xen\'s target when it was linked); binding the irq to another CPU in Linux does nothing to the port.',
    checkIn: [`Linux evtchn_fifo_bind_to_cpu (${LNX_FIFO})`],
  },
  {
    id: 'XR33', title: 'FIFO unmask',
    text: 'The guest clears MASKED itself only when the port is not PENDING; when it is PENDING it calls EVTCHNOP_unmask, and Xen clears MASKED and links the port as in XR29 on notify_vcpu_id.',
    checkIn: [`Linux evtchn_fifo_unmask (${LNX_FIFO})`, `Xen evtchn_fifo_unmask (${XEN_FIFO})`],
  },
  {
    id: 'XR34', title: 'the port → irq table is Linux\'s',
    text: 'The only table from port to irq is Linux\'s evtchn_to_irq (a two-level array of rows). Xen keeps links the other way, on each object: the pirq\'s event channel, the per-vCPU VIRQ-to-port table, the channel\'s pirq and VIRQ numbers.',
    checkIn: [`Linux set_evtchn_to_irq, evtchn_to_info (${LNX_BASE})`, 'Xen struct evtchn, struct pirq, virq_to_evtchn (xen/include/xen/sched.h, xen/include/xen/irq.h)'],
  },
  {
    id: 'XR35', title: 'CPU numbers and vCPU numbers',
    text: 'Linux CPU c talks to Xen vCPU xen_vcpu_nr(c); CPU0 is vCPU0 (PV: set at boot; HVM: the id from Xen\'s CPUID leaf 4 when present, else the Linux CPU number). The "vCPU0" of the GSI callback (XR18c) is the domain\'s first vCPU.',
    checkIn: ['Linux xen_vcpu_nr (include/xen/xen-ops.h)', 'Linux init_hvm_pv_info (arch/x86/xen/enlighten_hvm.c)'],
  },
  {
    id: 'XR36', title: 'SCHEDOP_poll returns at once or sleeps',
    text: 'SCHEDOP_poll first marks the vCPU blocked and sets its bit in the domain\'s poll_mask, then looks before sleeping: a PV vCPU with an unmasked upcall pending, a polled port that is already pending, or a polled port that is invalid or unusable (-EINVAL) undoes both marks and returns without ever sleeping. Otherwise poll_evtchn records the port when exactly one is polled (it stays negative, "several", otherwise), a non-zero timeout arms the vCPU\'s poll timer, and the vCPU sleeps until a newly pending port wakes it (XR12) or the timer fires (XR37). Waking it ends the polling period: poll_evtchn goes back to 0 (nothing polled) and the poll_mask bit is cleared.',
    checkIn: [`Xen do_poll, vcpu_unblock (${XEN_SCHED})`, 'Xen evtchn_port_poll (xen/include/xen/event.h)', 'Xen local_events_need_delivery (xen/arch/x86/include/asm/event.h)'],
  },
  {
    id: 'XR37', title: 'the poll timeout wakes only a vCPU still polling',
    text: 'When the poll timer armed by SCHEDOP_poll expires, the vCPU is unblocked only if its poll_mask bit is still set, and SCHEDOP_poll then returns 0 with nothing pending. A wake by an event does not cancel the timer; its later expiry finds the bit clear and does nothing.',
    checkIn: [`Xen poll_timer_fn, vcpu_unblock (${XEN_SCHED})`],
  },
  {
    id: 'XR38', title: 'a PVH domain takes only a vector callback',
    text: 'Setting HVM_PARAM_CALLBACK_IRQ to anything but a vector (a GSI, a PCI INTx, or none) needs the emulated LAPIC, IO-APIC and PIC; a domain without them (PVH has no IO-APIC or PIC) gets no error: Xen returns before changing the callback, so the previous via stays and no vCPU is re-asserted. A vector via works on any HVM domain, and so does the per-vCPU upcall vector.',
    checkIn: ['Xen hvm_set_callback_via (xen/arch/x86/hvm/irq.c)', 'Xen has_vlapic, has_vioapic, has_vpic (xen/arch/x86/include/asm/domain.h)'],
  },
];
