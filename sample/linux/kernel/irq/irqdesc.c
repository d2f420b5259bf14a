// SPDX-License-Identifier: MIT
/*
 * IRQ Lens sample: interrupt descriptors and the generic entry that runs
 * an IRQ's flow handler.
 */

#include <linux/irq.h>

#define NR_IRQS 64

static struct irq_desc irq_desc[NR_IRQS];

struct irq_desc *irq_to_desc(unsigned int irq)
{
	return irq < NR_IRQS ? &irq_desc[irq] : (struct irq_desc *)0;
}

/**
 * generic_handle_irq - Invoke the handler for a particular irq
 * @irq:	The irq number to handle
 *
 * Returns 0 on success, or -22 (EINVAL) if the IRQ has no descriptor.
 */
int generic_handle_irq(unsigned int irq)
{
	struct irq_desc *desc = irq_to_desc(irq);

	if (!desc)
		return -22;
	desc->handle_irq(desc);
	return 0;
}
