// SPDX-License-Identifier: MIT
/*
 * IRQ Lens sample: flow handlers. They decide when to ack, mask and EOI,
 * and call the chip through its operations table.
 */

#include <linux/irq.h>

static void handle_irq_event(struct irq_desc *desc)
{
	desc->istate &= ~IRQS_PENDING;
	desc->istate |= IRQS_INPROGRESS;
	desc->tot_count++;
	desc->istate &= ~IRQS_INPROGRESS;
}

static void mask_ack_irq(struct irq_desc *desc)
{
	struct irq_chip *chip = desc->irq_data.chip;

	if (chip->irq_mask_ack) {
		chip->irq_mask_ack(&desc->irq_data);
	} else {
		chip->irq_mask(&desc->irq_data);
		if (chip->irq_ack)
			chip->irq_ack(&desc->irq_data);
	}
}

/**
 * handle_edge_irq - edge type IRQ handler
 * @desc:	the interrupt description structure for this irq
 *
 * The interrupt is acked first, so that a new edge arriving while the
 * handler runs is latched as pending instead of lost.
 */
void handle_edge_irq(struct irq_desc *desc)
{
	if (desc->istate & IRQS_INPROGRESS) {
		desc->istate |= IRQS_PENDING;
		mask_ack_irq(desc);
		return;
	}

	/* Start handling the irq */
	desc->irq_data.chip->irq_ack(&desc->irq_data);

	do {
		if (desc->depth == 0 && (desc->istate & IRQS_PENDING))
			desc->irq_data.chip->irq_unmask(&desc->irq_data);
		handle_irq_event(desc);
	} while (desc->istate & IRQS_PENDING);
}

/**
 * handle_fasteoi_irq - irq handler for transparent controllers
 * @desc:	the interrupt description structure for this irq
 *
 * Only a single EOI is issued, after the handler ran.
 */
void handle_fasteoi_irq(struct irq_desc *desc)
{
	struct irq_chip *chip = desc->irq_data.chip;

	handle_irq_event(desc);
	if (chip->irq_eoi)
		chip->irq_eoi(&desc->irq_data);
}

void irq_set_chip_and_handler_name(unsigned int irq, const struct irq_chip *chip,
				   irq_flow_handler_t handle, const char *name)
{
	struct irq_desc *desc = irq_to_desc(irq);

	if (!desc)
		return;
	desc->irq_data.chip = (struct irq_chip *)chip;
	desc->handle_irq = handle;
	desc->name = name;
}
