// SPDX-License-Identifier: MIT
/*
 * IRQ Lens sample: Xen event channels as Linux IRQs.
 *
 * Each bound event channel gets an IRQ whose chip is xen_dynamic_chip;
 * the upcall scans pending ports and runs each port's IRQ.
 */

#include <linux/irq.h>
#include <xen/events.h>
#include "events_internal.h"

#define NR_EVENT_CHANNELS 4096

const struct evtchn_ops *evtchn_ops;

static int evtchn_to_irq[NR_EVENT_CHANNELS];

struct irq_info {
	evtchn_port_t evtchn;
	unsigned short cpu;
	bool masked;
};

static struct irq_info irq_info_table[64];

static void enable_dynirq(struct irq_data *data);
static void disable_dynirq(struct irq_data *data);

int get_evtchn_to_irq(evtchn_port_t evtchn)
{
	if (evtchn >= NR_EVENT_CHANNELS)
		return -1;
	return evtchn_to_irq[evtchn];
}

static evtchn_port_t evtchn_from_irq(unsigned int irq)
{
	return irq_info_table[irq % 64].evtchn;
}

static void do_mask(struct irq_info *info)
{
	info->masked = true;
	evtchn_ops->mask(info->evtchn);
}

static void do_unmask(struct irq_info *info)
{
	info->masked = false;
	evtchn_ops->unmask(info->evtchn);
}

/*
 * Run the IRQ bound to a pending port. The loop control lets a long scan
 * give up and defer the rest instead of starving the CPU.
 */
void handle_irq_for_port(evtchn_port_t port, struct evtchn_loop_ctrl *ctrl)
{
	int irq = get_evtchn_to_irq(port);

	if (irq == -1)
		return;

	ctrl->count++;
	generic_handle_irq(irq);
}

static int __xen_evtchn_do_upcall(void)
{
	struct evtchn_loop_ctrl ctrl = { 0 };
	unsigned int cpu = 0;

	xen_evtchn_handle_events(cpu, &ctrl);
	return 0;
}

/*
 * Entry from the hypervisor callback (PV upcall or HVM callback vector):
 * handle every pending event channel on this CPU.
 */
int xen_evtchn_do_upcall(void)
{
	return __xen_evtchn_do_upcall();
}

static void enable_dynirq(struct irq_data *data)
{
	do_unmask(&irq_info_table[data->irq % 64]);
}

static void disable_dynirq(struct irq_data *data)
{
	do_mask(&irq_info_table[data->irq % 64]);
}

/*
 * The flow handler's ack: clear the port's pending bit so a new event
 * on the same port is seen again.
 */
static void ack_dynirq(struct irq_data *data)
{
	evtchn_port_t evtchn = evtchn_from_irq(data->irq);

	clear_evtchn(evtchn);
}

static void mask_ack_dynirq(struct irq_data *data)
{
	disable_dynirq(data);
	ack_dynirq(data);
}

static int retrigger_dynirq(struct irq_data *data)
{
	evtchn_ops->set_pending(evtchn_from_irq(data->irq));
	return 1;
}

static struct irq_chip xen_dynamic_chip = {
	.name			= "xen-dyn",

	.irq_disable		= disable_dynirq,
	.irq_mask		= disable_dynirq,
	.irq_unmask		= enable_dynirq,

	.irq_ack		= ack_dynirq,
	.irq_mask_ack		= mask_ack_dynirq,

	.irq_retrigger		= retrigger_dynirq,
};

/* Bind an event channel to a new IRQ handled as an edge by xen_dynamic_chip. */
int bind_evtchn_to_irq(evtchn_port_t evtchn)
{
	static int next_irq = 16;
	int irq = evtchn_to_irq[evtchn];

	if (irq <= 0) {
		irq = next_irq++;
		irq_set_chip_and_handler_name(irq, &xen_dynamic_chip,
					      handle_edge_irq, "event");
		irq_info_table[irq % 64].evtchn = evtchn;
		evtchn_to_irq[evtchn] = irq;
	}
	return irq;
}

/* A driver kicks the other end by IRQ; the port behind it is what the hypervisor knows. */
void notify_remote_via_irq(int irq)
{
	evtchn_port_t evtchn = evtchn_from_irq(irq);

	if (evtchn)
		notify_remote_via_evtchn(evtchn);
}

void __init xen_init_IRQ(void)
{
	xen_evtchn_2l_init();
}
