// The rules of the QEMU, KVM and Linux-guest flows (Q1–Q12): LAPIC, IO-APIC, MSI, APICv, posted interrupts, timers,
// virtqueue notification. Each names the SDM section and the QEMU 7.2 / Linux 6.1 (KVM) functions it mirrors.
import { Rule } from './rule';

const QEMU_APIC = 'hw/intc/apic.c';
const QEMU_IOAPIC = 'hw/intc/ioapic.c';
const KVM_LAPIC = 'arch/x86/kvm/lapic.c';
const KVM_IOAPIC = 'arch/x86/kvm/ioapic.c';
const KVM_VMX = 'arch/x86/kvm/vmx/vmx.c';
const KVM_PI = 'arch/x86/kvm/vmx/posted_intr.c';
const KVM_X86 = 'arch/x86/kvm/x86.c';

export const apicRules: Rule[] = [
  {
    id: 'QR1', title: 'vectors and priority classes',
    text: 'Vectors are 0–255; a vector\'s priority class is its upper nibble (vector >> 4) and a higher class wins. The SDM reserves vectors 0–15 and calls them illegal for fixed delivery; what each APIC does when one arrives anyway is QR31.',
    checkIn: ['Intel SDM Vol. 3A 10.8.3 "Interrupt, Task, and Processor Priority"', `KVM apic_find_highest_irr (${KVM_LAPIC})`],
  },
  {
    id: 'QR2', title: 'processor priority (PPR)',
    text: 'Let ISRV be the highest vector in service (0 if none). PPR is the TPR when TPR[7:4] ≥ ISRV[7:4], and ISRV & 0xF0 otherwise. With APICv the processor computes the virtual PPR the same way from the virtual TPR and SVI.',
    checkIn: ['Intel SDM Vol. 3A 10.8.3.1 "Task and Processor Priorities"; 29.1.3 "PPR Virtualization"', `QEMU apic_get_ppr (${QEMU_APIC})`, `KVM __apic_update_ppr (${KVM_LAPIC})`],
  },
  {
    id: 'QR3', title: 'when the highest request is deliverable',
    text: 'Only the highest vector in IRR is considered; it is deliverable iff its class is above the class of the PPR and the APIC is software-enabled (QEMU) or enabled (KVM, which drops the interrupt at acceptance otherwise, QR4). KVM tests (v & 0xF0) > PPR; QEMU tests PPR == 0 || (v & 0xF0) > (PPR & 0xF0); the two differ only for vectors below 16. When the highest request is blocked, every lower one is too.',
    checkIn: ['Intel SDM Vol. 3A 10.8.3.1, 10.8.4 "Interrupt Acceptance for Fixed Interrupts"', `QEMU apic_irq_pending (${QEMU_APIC})`, `KVM apic_has_interrupt_for_ppr (${KVM_LAPIC})`],
  },
  {
    id: 'QR4', title: 'accepting a fixed or lowest-priority message',
    text: 'Acceptance sets IRR[v] and sets TMR[v] for a level-triggered message, clears it for an edge. A vector already in IRR absorbs the new message (one bit); the same vector may be both in service (ISR) and pending (IRR). QEMU accepts even when the APIC is software-disabled; KVM drops the message when the APIC is disabled, and drops level messages with level 0.',
    checkIn: ['Intel SDM Vol. 3A 10.8.4', `QEMU apic_set_irq (${QEMU_APIC})`, `KVM __apic_accept_irq (${KVM_LAPIC})`],
  },
  {
    id: 'QR5', title: 'acknowledge (INTA)',
    text: 'Acknowledging takes the highest IRR vector, if deliverable (QR3): IRR bit cleared, ISR bit set, PPR recomputed (now at least the class of that vector). If the request became blocked between the request and the acknowledge, QEMU returns the spurious vector from the SVR and leaves ISR alone; KVM never acknowledges a blocked vector.',
    checkIn: ['Intel SDM Vol. 3A 10.8.4; 10.9 "Spurious Interrupt"; 29.2.2 "Virtual-Interrupt Delivery"', `QEMU apic_get_interrupt (${QEMU_APIC})`, `KVM kvm_get_apic_interrupt (${KVM_LAPIC})`],
  },
  {
    id: 'QR6', title: 'the CPU accepts only with IF=1 and no shadow',
    text: 'The core takes an external interrupt only with RFLAGS.IF set and no STI / MOV SS shadow. When blocked, KVM without APICv arms interrupt-window exiting and injects at the window exit; QEMU leaves CPU_INTERRUPT_HARD raised until IF is set. Delivery through an interrupt gate clears IF, through a trap gate it does not.',
    checkIn: ['Intel SDM Vol. 3A 6.8.1 "Masking Maskable Hardware Interrupts"; 29.2.2', 'QEMU x86_cpu_pending_interrupt (target/i386/cpu.c)', `KVM vmx_interrupt_allowed, vmx_enable_irq_window (${KVM_VMX})`],
  },
  {
    id: 'QR7', title: 'LAPIC EOI',
    text: 'An EOI clears the highest ISR bit, whatever vector the handler thinks it is finishing (nothing if ISR is empty), recomputes PPR and re-evaluates delivery. If that vector was level-triggered (TMR set) and directed EOI is off (SVR[12] clear), the EOI is sent to the IO-APICs. KVM forwards it only for vectors the IO-APIC handles (QR18), passing TMR as the trigger; with APICv the processor clears the virtual ISR and KVM sees the EOI only through the EOI-exit bitmap (QR18).',
    checkIn: ['Intel SDM Vol. 3A 10.8.5 "Signaling Interrupt Servicing Completion"', `QEMU apic_eoi (${QEMU_APIC})`, `KVM apic_set_eoi, kvm_ioapic_send_eoi (${KVM_LAPIC})`],
  },
  {
    id: 'QR8', title: 'IO-APIC input pins',
    text: 'A level pin\'s request follows the line. An edge pin in QEMU fires on every assert while unmasked (no edge detection), an assert while masked is dropped and de-asserts are ignored. An edge pin in KVM fires only when the OR of its sources goes 0→1; asserts while the line is already high are reported as coalesced, and an edge that arrives while masked is not replayed at unmask. Polarity is stored but ignored by both.',
    checkIn: ['Intel 82093AA IO-APIC datasheet, 3.2.4 "I/O Redirection Table Registers"', `QEMU ioapic_set_irq (${QEMU_IOAPIC})`, `KVM kvm_ioapic_set_irq, ioapic_set_irq (${KVM_IOAPIC})`],
  },
  {
    id: 'QR9', title: 'IO-APIC service',
    text: 'A pin with a pending request is held while masked (a level request stays latched and is delivered at unmask, QR11) and, if level-triggered, while Remote-IRR is set. Otherwise the IO-APIC sends one message (vector, delivery and destination mode, destination, trigger); a level pin then sets Remote-IRR (QEMU always, KVM when delivery returned non-zero) and an edge pin clears its latch. Remote-IRR is what turns a line held high into one message per service.',
    checkIn: ['Intel 82093AA IO-APIC datasheet, 3.2.4', `QEMU ioapic_service (${QEMU_IOAPIC})`, `KVM ioapic_service (${KVM_IOAPIC})`],
  },
  {
    id: 'QR10', title: 'the IO-APIC receives an EOI',
    text: 'For every level pin whose entry has the EOI\'s vector (matching is by vector only, so pins sharing a vector are all released): KVM first runs the ack notifiers; Remote-IRR is cleared; if the line is still asserted and the pin unmasked, the pin is serviced again at once and a counter goes up, except that after 10000 consecutive re-sends the counter resets and the re-send is delayed by 10 ms; otherwise the counter resets.',
    checkIn: [`QEMU ioapic_eoi_broadcast (${QEMU_IOAPIC})`, `KVM kvm_ioapic_update_eoi_one (${KVM_IOAPIC})`],
  },
  {
    id: 'QR11', title: 'writing a redirection entry',
    text: 'Remote-IRR and Delivery Status are read-only and kept across writes. Writing an edge trigger clears Remote-IRR, which Linux uses as a fake EOI. After a write QEMU services every pin again; KVM services only that pin, and only if it is level with its request latched, and recomputes the vectors it handles (QR18).',
    checkIn: [`QEMU ioapic_fix_edge_remote_irr, ioapic_mem_write (${QEMU_IOAPIC})`, `KVM ioapic_write_indirect (${KVM_IOAPIC})`],
  },
  {
    id: 'QR12', title: 'the IO-APIC EOI register',
    text: 'The EOI register at offset 0x40 exists in QEMU\'s IO-APIC (version 0x20, the default) for 4-byte writes, and acts as QR10 with the written vector. KVM\'s in-kernel IO-APIC (version 0x11) has none: writes are ignored.',
    checkIn: [`QEMU ioapic_mem_write (${QEMU_IOAPIC})`, `KVM ioapic_mmio_write (${KVM_IOAPIC})`],
  },
  {
    id: 'QR13', title: 'directed EOI (SVR bit 12)',
    text: 'Architecturally, SVR[12] is writable iff LVR[24] is set, and when set a level EOI is not broadcast: software must write the IO-APIC\'s EOI register. QEMU TCG never offers it (SVR kept to 9 bits), so it always broadcasts. KVM in-kernel does not offer it either. KVM with a split irqchip offers it to x2APIC guests but ignores it when forwarding the EOI to QEMU, which clears Remote-IRR anyway. Linux 6.1 never sets it.',
    checkIn: ['Intel SDM Vol. 3A 10.8.5; 10.9 "Spurious Interrupt" (SVR layout)', `QEMU apic_mem_write, APIC_SVR case (${QEMU_APIC})`, `KVM kvm_ioapic_send_eoi (${KVM_LAPIC}), kvm_ioapic_update_eoi_one (${KVM_IOAPIC})`],
  },
  {
    id: 'QR14', title: 'decoding an MSI',
    text: 'Destination = address[19:12] (KVM\'s x2APIC format adds the high address), destination mode = address[2] (1 logical), redirection hint = address[3] (ignored by QEMU, lowest priority for KVM), vector = data[7:0], delivery mode = data[10:8], trigger = data[15]. KVM forces the level bit to 1; QEMU ignores bit 14.',
    checkIn: ['Intel SDM Vol. 3A 10.11 "Message Signalled Interrupts"', 'KVM kvm_set_msi_irq (arch/x86/kvm/irq_comm.c)', `QEMU apic_send_msi (${QEMU_APIC})`],
  },
  {
    id: 'QR15', title: 'choosing the destination',
    text: 'Physical mode: the destination equals the APIC ID (0xFF broadcast in xAPIC). Logical flat: destination AND LDR[31:24] non-zero; logical cluster: equal high nibbles and intersecting low nibbles. Lowest priority: architecturally the APIC with the lowest arbitration priority; QEMU TCG takes the lowest-numbered APIC in the set; KVM with vector hashing (the default) takes the (vector mod n)-th candidate, otherwise the one with the smallest arbitration counter.',
    checkIn: ['Intel SDM Vol. 3A 10.6.2 "Determining IPI Destination"', `QEMU apic_bus_deliver, apic_get_delivery_bitmask (${QEMU_APIC})`, `KVM kvm_vector_to_index, kvm_apic_match_dest (${KVM_LAPIC})`],
  },
  {
    id: 'QR16', title: 'QEMU delivers across threads through POLL',
    text: 'An IRR change made outside the target vCPU\'s thread only raises CPU_INTERRUPT_POLL and kicks the vCPU; the real evaluation (QR3) runs on the vCPU thread in apic_poll_irq. POLL is serviced whatever IF is; HARD then waits for IF (QR6).',
    checkIn: [`QEMU apic_set_irq, apic_poll_irq, apic_update_irq (${QEMU_APIC})`],
  },
  {
    id: 'QR17', title: 'APICv evaluation and delivery',
    text: 'A virtual interrupt is recognised iff RVI[7:4] > VPPR[7:4]. Delivered (IF set, not blocked): VISR[RVI] set, SVI = RVI, VPPR = RVI & 0xF0, VIRR[RVI] cleared, RVI = highest remaining VIRR bit or 0, and the vector goes through the IDT with no VM exit. KVM keeps RVI equal to the highest IRR vector after each PIR→IRR sync and keeps SVI in step with ISR changes it makes itself.',
    checkIn: ['Intel SDM Vol. 3C 29.2.1 "Evaluation of Pending Virtual Interrupts", 29.2.2 "Virtual-Interrupt Delivery", 24.4.2 (guest interrupt status)', `KVM vmx_sync_pir_to_irr, vmx_set_rvi, vmx_hwapic_isr_update (${KVM_VMX})`],
  },
  {
    id: 'QR18', title: 'EOI virtualization and the EOI-exit bitmap',
    text: 'On a guest EOI with APICv, VISR[SVI] is cleared, SVI becomes the next highest VISR bit and VPPR is updated; then, if the vector\'s bit is set in the EOI-exit bitmap, an EOI-induced exit follows (trap-like), else the processor evaluates again (QR17). KVM fills the bitmap with the vectors the IO-APIC handles: in-kernel, IO-APIC entries aimed at this vCPU that are level-triggered, have an ack notifier or are GSI 8, whatever their mask bit, plus any such vector still in this vCPU\'s ISR or IRR (so a pin masked or re-aimed while its vector is in service still gets its EOI); split, the level-triggered routes of the reserved IO-APIC GSIs. Edge MSI vectors never exit on EOI. Without APICv the same set decides whether a trapped EOI is forwarded to the IO-APIC.',
    checkIn: ['Intel SDM Vol. 3C 29.1.4 "EOI Virtualization", 24.6.8 "Controls for APIC Virtualization"', `KVM kvm_ioapic_scan_entry (${KVM_IOAPIC}), vcpu_load_eoi_exitmap (${KVM_X86})`],
  },
  {
    id: 'QR19', title: 'CPU posted interrupts sent by KVM',
    text: 'Posting vector v: if PIR[v] was already set, stop; if ON was already set, stop (one notification is outstanding, a second post sends nothing). Otherwise notify: a target in guest mode on another pCPU gets the posted-interrupt IPI; a target not in guest mode is woken (only a blocked vCPU reacts). SN is not looked at by this sender. In non-root mode the hardware then merges PIR into VIRR, clears ON and evaluates (QR17) with no exit; in root mode the host handler only EOIs, and PIR and ON wait for the next sync before entry.',
    checkIn: ['Intel SDM Vol. 3C 29.6 "Posted-Interrupt Processing"', `KVM vmx_deliver_posted_interrupt, vmx_sync_pir_to_irr (${KVM_VMX})`],
  },
  {
    id: 'QR20', title: 'KVM requests and kicks',
    text: 'kvm_make_request(KVM_REQ_EVENT) then kvm_vcpu_kick: a blocked vCPU is woken; a vCPU in guest mode on another pCPU is moved to exiting mode and sent a reschedule IPI (a VM exit follows); otherwise nothing is needed, because requests are checked again after the vCPU enters guest mode with interrupts off, so no event is lost in the window. A preempted vCPU is one descheduled while runnable. A blocked vCPU wakes for an injectable interrupt only if IF is set, or for a timer, KVM_REQ_UNBLOCK or a signal.',
    checkIn: ['KVM kvm_vcpu_kick, kvm_vcpu_wake_up, kvm_sched_out (virt/kvm/kvm_main.c)', `KVM kvm_vcpu_exit_request, kvm_vcpu_has_events (${KVM_X86})`],
  },
  {
    id: 'QR21', title: 'VT-d posting and the descriptor\'s life',
    text: 'The IOMMU posting to a posted IRTE sets PIR[v] and, if ON is clear and (URG set or SN clear), sets ON and sends the notification vector to NDST (KVM always programs URG 0). At schedule-out, a vCPU blocking with IF set switches to the wake-up vector and joins its pCPU\'s wake-up list (self-IPI if ON is already set); a preempted one sets SN. At schedule-in it leaves the list, NDST becomes the current pCPU, SN is cleared, the normal vector restored, and ON is set if PIR is not empty (to deliver posts made while SN was set). The wake-up handler wakes each vCPU on the list whose ON is set. A vCPU blocked with IF clear keeps the normal vector and stays blocked.',
    checkIn: ['Intel VT-d specification 5.2.3 "Interrupt-Posting Hardware Operation"', `KVM vmx_vcpu_pi_put, vmx_vcpu_pi_load, pi_wakeup_handler (${KVM_PI})`],
  },
  {
    id: 'QR22', title: 'virtqueue used-buffer notification',
    text: 'With EVENT_IDX the device notifies iff its last signalled index is not valid or vring_need_event(used_event, new, old) holds, i.e. used_event lies in [old, new) modulo 2^16; afterwards old = new and valid. The signalled index becomes invalid when the used index overtakes it and when the ring is (re)initialised. Without EVENT_IDX it notifies unless the driver set VRING_AVAIL_F_NO_INTERRUPT. NOTIFY_ON_EMPTY with an empty avail ring notifies. The driver writes used_event = last_used_idx when it enables callbacks.',
    checkIn: ['Virtio 1.1 specification 2.6.7 "Used Buffer Notification Suppression"', 'vhost vhost_notify, __vhost_add_used_n (drivers/vhost/vhost.c)', 'QEMU virtio_should_notify, virtqueue_split_flush (hw/virtio/virtio.c)', 'Linux vring_need_event (include/uapi/linux/virtio_ring.h)'],
  },
  {
    id: 'QR23', title: 'KVM PV EOI',
    text: 'Before entry KVM arms PV EOI iff the guest enabled it, no interrupt is pending in IRR, a vector is in service and the IO-APIC does not handle that vector: the guest\'s byte becomes 1 and KVM remembers it armed it. A guest EOI test-and-clears the byte: if it was 1 the EOI is done with no exit, otherwise it is a normal EOI. At the next exit with the armed mark: byte 0 means the guest EOI\'d, so KVM performs the EOI; byte 1 means it did not, so KVM clears it. Never armed with APICv.',
    checkIn: [`KVM apic_sync_pv_eoi_to_guest, apic_sync_pv_eoi_from_guest (${KVM_LAPIC})`, 'Linux kvm_guest_apic_eoi_write (arch/x86/kernel/kvm.c)'],
  },
  {
    id: 'QR24', title: 'QEMU\'s APIC timer',
    text: 'shift = (((TDCR & 3) | ((TDCR >> 1) & 4)) + 1) & 7 and one tick is 2^shift ns of virtual time. One-shot fires once at load + (IC + 1) << shift; periodic at load + k·((IC + 1) << shift). IC = 0 or a masked LVT means no timer. TSC-deadline mode is not implemented (it behaves as one-shot). At expiry a fixed-mode LVT sets IRR[LVT & 0xFF] as an edge (QR26). The architecture counts IC × divisor bus clocks instead.',
    checkIn: ['Intel SDM Vol. 3A 10.5.4 "APIC Timer"', 'QEMU apic_next_timer (hw/intc/apic_common.c)', `QEMU apic_timer (${QEMU_APIC})`],
  },
  {
    id: 'QR25', title: 'KVM\'s APIC timer',
    text: 'period = TMICT × divide count ns, with divide count = 2^((((TDCR & 3) | ((TDCR & 8) >> 1)) + 1) & 7); a periodic period is at least 200 µs. At most one expiry is pending: an expiry while one is pending is dropped, and a periodic target in the past snaps to now. The interrupt is injected through the timer LVT (QR4), directly or through the pending count handled in the vCPU loop. The VMX-preemption timer can stand in for the hrtimer.',
    checkIn: ['Intel SDM Vol. 3A 10.5.4, 10.5.4.1 "TSC-Deadline Mode"; Vol. 3C 25.5.1 "VMX-Preemption Timer"', `KVM apic_timer_expired, start_apic_timer, kvm_lapic_expired_hv_timer (${KVM_LAPIC})`],
  },
  {
    id: 'QR26', title: 'local (LVT) delivery',
    text: 'A masked LVT entry delivers nothing. NMI, SMI, INIT and ExtINT modes bypass IRR; fixed mode is QR4 with vector LVT[7:0]. QEMU makes it level only for LINT0/LINT1 with bit 15 set; KVM passes LVT bit 15 (writable only for LINT0/1). KVM masks LVTPC after delivery on Intel-compatible guests.',
    checkIn: ['Intel SDM Vol. 3A 10.5.1 "Local Vector Table"', `QEMU apic_local_deliver (${QEMU_APIC})`, `KVM kvm_apic_local_deliver (${KVM_LAPIC})`],
  },
  {
    id: 'QR27', title: 'MSI-X masking',
    text: 'A masked vector (entry mask or function mask) sets its PBA bit instead of firing and fires when unmasked; unlike an edge IO-APIC pin, a masked MSI-X interrupt is not lost. With irqfd and vhost, QEMU points the call eventfd at a masked notifier while the vector is masked.',
    checkIn: ['PCI Local Bus 3.0 / PCIe base specification, MSI-X capability (Pending Bit Array)', 'QEMU msix_notify, msix_handle_mask_update (hw/pci/msix.c)', 'QEMU virtio_pci_vq_vector_mask (hw/virtio/virtio-pci.c)'],
  },
  {
    id: 'QR28', title: 're-injection after an interrupted injection',
    text: 'Without APICv, an injection cut short by a VM exit is read back from the IDT-vectoring information and injected again at the next entry, with no second ISR transition.',
    checkIn: ['Intel SDM Vol. 3C 27.2.4 "Information for VM Exits During Event Delivery"', `KVM __vmx_complete_interrupts (${KVM_VMX})`, `KVM kvm_check_and_inject_events (${KVM_X86})`],
  },
  {
    id: 'QR29', title: 'sending an IPI through the ICR',
    text: 'An xAPIC guest writes ICR2 (offset 0x310, destination in bits 31:24) and then ICR (0x300); only the ICR write sends. The low word gives vector [7:0], delivery mode [10:8], logical destination [11], level [14], trigger [15] and shorthand [19:18] (none, self, all including self, all excluding self); with no shorthand the destination is ICR2[31:24], matched physically or logically (QR15). An x2APIC guest writes MSR 0x830 once, with a 32-bit destination in bits 63:32 and no ICR2; KVM refuses a write with reserved bits set (#GP, nothing sent) and takes ICR2 accesses as errors in that mode. QEMU 7.2 TCG has no x2APIC ICR.',
    checkIn: ['Intel SDM Vol. 3A 10.6.1 "Interrupt Command Register (ICR)", 10.12.9 "ICR Operation in x2APIC Mode"', `KVM kvm_lapic_reg_write, kvm_x2apic_icr_write, kvm_apic_send_ipi (${KVM_LAPIC})`, `QEMU apic_mem_write, apic_deliver, apic_bus_deliver (${QEMU_APIC})`],
  },
  {
    id: 'QR30', title: 'what an ICR read returns after the write',
    text: 'KVM clears the delivery-status (busy) bit before it stores ICR, since it sends at once, and keeps only the destination byte of an ICR2 write; in x2APIC mode it stores the whole 64-bit value, busy bit cleared. With APIC-register virtualization the CPU applies the same ICR2 masking with no exit, and an IPI virtualized without an exit leaves ICR as the guest wrote it. QEMU stores ICR and ICR2 exactly as written, so a busy bit or reserved ICR2 bits the guest wrote read back. Architecturally the busy bit reads idle once the IPI is sent and ICR2 bits 23:0 are reserved.',
    checkIn: ['Intel SDM Vol. 3A 10.6.1 "Interrupt Command Register (ICR)"; Vol. 3C 29.4.3.2 "APIC-Write Emulation"', `KVM kvm_lapic_reg_write (APIC_ICR, APIC_ICR2), kvm_x2apic_icr_write (${KVM_LAPIC})`, `QEMU apic_mem_write, apic_mem_read (${QEMU_APIC})`],
  },
  {
    id: 'QR31', title: 'a fixed message with a vector below 16',
    text: 'The SDM APIC, and Xen\'s virtual LAPIC with it, refuses a received vector 0–15: it sets ESR bit 6 (received illegal vector) and leaves IRR alone. QEMU and KVM check nothing on receipt: the vector is set in IRR (or posted to the PIR) with its TMR bit like any other. KVM then never presents it, because its deliverability test needs the class above the PPR, so it stays in IRR. QEMU presents vectors 1–15 while PPR is 0 (vector 0 reads as no interrupt); the guest takes them through its exception entry of that number, which writes no EOI, so the ISR bit stays set.',
    checkIn: ['Intel SDM Vol. 3A 10.5.2 "Valid Interrupt Vectors", 10.5.3 "Error Handling"', 'Xen vlapic_set_irq (xen/arch/x86/hvm/vlapic.c)', `QEMU apic_set_irq, apic_irq_pending (${QEMU_APIC})`, `KVM __apic_accept_irq, apic_has_interrupt_for_ppr (${KVM_LAPIC})`],
  },
  {
    id: 'QR32', title: 'an RTE write services a request that is already latched',
    text: 'Writing a redirection entry keeps Remote-IRR (cleared when the entry is now edge) and then looks at the latched request at once: KVM services the written pin when the entry is level and its line is latched in the IO-APIC\'s irr, so unmasking a level pin whose line is high, or restoring the level entry after Linux\'s edge rewrite while the line is still high, sends the message now; QEMU re-services every pin after any RTE write. Restoring the in-kernel IO-APIC (KVM_SET_IRQCHIP) zeroes irr and re-asserts every pin that was latched in it, so a level line still high with Remote-IRR clear is delivered again.',
    checkIn: [`KVM ioapic_write_indirect, kvm_set_ioapic, kvm_ioapic_inject_all (${KVM_IOAPIC})`, `QEMU ioapic_mem_write (${QEMU_IOAPIC})`, 'Linux __eoi_ioapic_pin (arch/x86/kernel/apic/io_apic.c)'],
  },
  {
    id: 'QR33', title: 'SPIV and LVT writes; a restored SPIV',
    text: 'A guest SPIV write keeps bit 12 (EOI-broadcast suppression) only when LVR[24] advertises it; clearing bit 8 software-disables the APIC and masks every LVT entry. An LVT write while the APIC is software-disabled is stored masked; an LVTT write that changes the timer mode into or out of TSC-deadline stops the timer (TMICT, period and deadline cleared). KVM_SET_LAPIC copies SPIV as given, bit 12 included, and then sets LVR itself (bit 24 only for an x2APIC guest on a split irqchip): the in-kernel irqchip accepts bit 12 without LVR[24], and from then on every level EOI of that vCPU leaves Remote-IRR set, until a guest SPIV write drops the bit.',
    checkIn: ['Intel SDM Vol. 3A 10.9 "Spurious Interrupt", 10.8.5 "Signaling Interrupt Servicing Completion", 10.5.1 "Local Vector Table"', `KVM kvm_lapic_reg_write (APIC_SPIV, APIC_LVTT, APIC_LVT0/1), apic_update_lvtt, kvm_apic_set_state, kvm_apic_set_version (${KVM_LAPIC})`, `KVM kvm_ioapic_update_eoi_one (${KVM_IOAPIC})`],
  },
  {
    id: 'QR34', title: 'how a TPR write is noticed',
    text: 'The guest writes its TPR by MOV to CR8, an MMIO store to offset 0x80 (xAPIC) or WRMSR 0x808 (x2APIC). With APICv the CPU virtualizes all three: no exit, the virtual PPR is recomputed and pending virtual interrupts are evaluated, so a vector the lower priority lets through is delivered at once. Without APICv but with the TPR shadow the write exits only when the new TPR class drops below TPR_THRESHOLD, which KVM sets to the class of the highest IRR vector held back by the TPR; the exit recomputes the PPR and requests an injection. Without the TPR shadow every write exits into the register write, which recomputes the PPR the same way.',
    checkIn: ['Intel SDM Vol. 3C 29.1.1 "Virtualized APIC Registers", 29.1.2 "TPR Virtualization"', `KVM handle_tpr_below_threshold, vmx_update_cr8_intercept, vmx_update_msr_bitmap_x2apic (${KVM_VMX})`, `KVM update_cr8_intercept, kvm_set_cr8 (${KVM_X86})`, `KVM apic_set_tpr, apic_update_ppr (${KVM_LAPIC})`],
  },
  {
    id: 'QR35', title: 'the handler\'s EOI is the guest\'s choice',
    text: 'A vector stays in service from its acknowledge until the guest writes EOI, and the guest writes it when its handler chooses: at once (an edge handler acknowledges before running), when it is done (a level handler), later (a threaded or deferred handler), or never. Meanwhile the ISR bit holds the PPR at that vector\'s class, so equal and lower classes wait, and for a level vector the IO-APIC keeps Remote-IRR, so a new assertion of the line is latched but not sent; the late EOI clears the bit and, for a level vector, releases the pin (re-sent at once if the line is high).',
    checkIn: ['Intel SDM Vol. 3A 10.8.4, 10.8.5', 'Linux handle_fasteoi_irq, handle_edge_irq (kernel/irq/chip.c)', `QEMU apic_eoi (${QEMU_APIC})`, `KVM apic_set_eoi (${KVM_LAPIC})`],
  },
];
