// SPDX-License-Identifier: MIT
/*
 * IRQ Lens sample: the HVM guest's callback-vector entry.
 */

#include <linux/compiler.h>

struct pt_regs;

int xen_evtchn_do_upcall(void);
void ack_APIC_irq(void);

/* The kernel generates the IDT entry and its C body from this macro. */
#define DEFINE_IDTENTRY_SYSVEC(func)				\
	static void __##func(struct pt_regs *regs);		\
	__visible noinstr void func(struct pt_regs *regs)	\
	{							\
		__##func(regs);					\
	}							\
	static void __##func(struct pt_regs *regs)

static bool xen_percpu_upcall;

/*
 * The HVM callback vector: the hypervisor injected HYPERVISOR_CALLBACK_VECTOR
 * (hvm_assert_evtchn_irq on the Xen side); scan the event channels.
 */
DEFINE_IDTENTRY_SYSVEC(sysvec_xen_hvm_callback)
{
	(void)regs;
	if (xen_percpu_upcall)
		ack_APIC_irq();
	xen_evtchn_do_upcall();
}
