/* IRQ Lens sample: the generic-IRQ objects: per-IRQ data, the chip operations, the descriptor. */
#ifndef _LINUX_IRQ_H
#define _LINUX_IRQ_H

#include <linux/compiler.h>

struct irq_desc;
struct irq_chip;

typedef void (*irq_flow_handler_t)(struct irq_desc *desc);

/* What a chip callback gets: the IRQ number, its hardware number and its chip. */
struct irq_data {
	u32			mask;
	unsigned int		irq;
	unsigned long		hwirq;
	struct irq_chip		*chip;
	void			*chip_data;
};

/*
 * Hardware interrupt chip operations. Flow handlers in kernel/irq/chip.c
 * call these without knowing which chip is behind them.
 */
struct irq_chip {
	const char	*name;
	unsigned int	(*irq_startup)(struct irq_data *data);
	void		(*irq_shutdown)(struct irq_data *data);
	void		(*irq_enable)(struct irq_data *data);
	void		(*irq_disable)(struct irq_data *data);
	void		(*irq_ack)(struct irq_data *data);
	void		(*irq_mask)(struct irq_data *data);
	void		(*irq_mask_ack)(struct irq_data *data);
	void		(*irq_unmask)(struct irq_data *data);
	void		(*irq_eoi)(struct irq_data *data);
	int		(*irq_retrigger)(struct irq_data *data);
};

/* The interrupt descriptor: flow handler, chip data, and the action count. */
struct irq_desc {
	struct irq_data		irq_data;
	irq_flow_handler_t	handle_irq;
	unsigned int		depth;
	unsigned int		istate;
	unsigned int		tot_count;
	const char		*name;
};

#define IRQS_PENDING	0x00000200
#define IRQS_INPROGRESS	0x00000400

struct irq_desc *irq_to_desc(unsigned int irq);
int generic_handle_irq(unsigned int irq);
void handle_edge_irq(struct irq_desc *desc);
void handle_fasteoi_irq(struct irq_desc *desc);
void irq_set_chip_and_handler_name(unsigned int irq, const struct irq_chip *chip,
				   irq_flow_handler_t handle, const char *name);

#endif /* _LINUX_IRQ_H */
