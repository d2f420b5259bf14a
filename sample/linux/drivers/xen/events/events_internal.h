/* SPDX-License-Identifier: MIT */
/* IRQ Lens sample: the guest's event-channel ABI operations (2-level or FIFO). */
#ifndef __EVENTS_INTERNAL_H__
#define __EVENTS_INTERNAL_H__

#include <linux/compiler.h>

typedef unsigned int evtchn_port_t;

struct evtchn_loop_ctrl {
	unsigned long timeout;
	unsigned int count;
	bool defer_eoi;
};

/* One table per ABI; events_base.c calls through evtchn_ops only. */
struct evtchn_ops {
	unsigned (*max_channels)(void);
	void (*clear_pending)(evtchn_port_t port);
	void (*set_pending)(evtchn_port_t port);
	bool (*is_pending)(evtchn_port_t port);
	void (*mask)(evtchn_port_t port);
	void (*unmask)(evtchn_port_t port);
	void (*handle_events)(unsigned cpu, struct evtchn_loop_ctrl *ctrl);
};

extern const struct evtchn_ops *evtchn_ops;

int get_evtchn_to_irq(evtchn_port_t evtchn);
void handle_irq_for_port(evtchn_port_t port, struct evtchn_loop_ctrl *ctrl);
void xen_evtchn_2l_init(void);

static inline void clear_evtchn(evtchn_port_t port)
{
	evtchn_ops->clear_pending(port);
}

static inline void xen_evtchn_handle_events(unsigned cpu,
					    struct evtchn_loop_ctrl *ctrl)
{
	return evtchn_ops->handle_events(cpu, ctrl);
}

#endif /* __EVENTS_INTERNAL_H__ */
