/* SPDX-License-Identifier: MIT */
/* IRQ Lens sample: the guest's event-channel API for drivers. */
#ifndef _XEN_EVENTS_H
#define _XEN_EVENTS_H

#include <linux/compiler.h>

typedef unsigned int evtchn_port_t;

#define EVTCHNOP_send 4

struct evtchn_send {
	evtchn_port_t port;
};

int HYPERVISOR_event_channel_op(int cmd, void *arg);
int bind_evtchn_to_irq(evtchn_port_t evtchn);
void notify_remote_via_irq(int irq);

/* Notify the remote end of a port: one EVTCHNOP_send hypercall, evtchn_send() on the Xen side. */
static inline void notify_remote_via_evtchn(evtchn_port_t port)
{
	struct evtchn_send send = { .port = port };

	(void)HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

#endif /* _XEN_EVENTS_H */
