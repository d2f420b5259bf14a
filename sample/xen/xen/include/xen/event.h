/* IRQ Lens sample: the event-channel port operations and their inline dispatchers. */
#ifndef __XEN_EVENT_H__
#define __XEN_EVENT_H__

#include <xen/sched.h>

/*
 * One table per event-channel ABI (2-level, FIFO). The domain points at
 * the one its guest chose; callers never name an ABI directly.
 */
struct evtchn_port_ops {
    void (*init)(struct domain *d, struct evtchn *evtchn);
    void (*set_pending)(struct vcpu *v, struct evtchn *evtchn);
    void (*clear_pending)(struct domain *d, struct evtchn *evtchn);
    void (*unmask)(struct domain *d, struct evtchn *evtchn);
    bool (*is_pending)(const struct domain *d, const struct evtchn *evtchn);
    bool (*is_masked)(const struct domain *d, const struct evtchn *evtchn);
};

int evtchn_send(struct domain *ld, unsigned int lport);
void evtchn_check_pollers(struct domain *d, unsigned int port);
long do_event_channel_op(int cmd, void *arg);
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void evtchn_2l_init(struct domain *d);

/* A port is usable once it is bound; a free port never notifies. */
static inline bool evtchn_usable(const struct evtchn *evtchn)
{
    return evtchn->state != 0;
}

/*
 * Mark a port pending on the vCPU it notifies, through the domain's ABI.
 * This is the single indirect hop between evtchn_send() and the ABI code.
 */
static inline void evtchn_port_set_pending(struct domain *d,
                                           unsigned int vcpu_id,
                                           struct evtchn *evtchn)
{
    struct vcpu *v = d->vcpu[vcpu_id];

    if ( evtchn_usable(evtchn) )
        d->evtchn_port_ops->set_pending(v, evtchn);
}

static inline void evtchn_port_clear_pending(struct domain *d,
                                             struct evtchn *evtchn)
{
    if ( evtchn_usable(evtchn) )
        d->evtchn_port_ops->clear_pending(d, evtchn);
}

static inline void evtchn_port_unmask(struct domain *d,
                                      struct evtchn *evtchn)
{
    if ( evtchn_usable(evtchn) )
        d->evtchn_port_ops->unmask(d, evtchn);
}

#endif /* __XEN_EVENT_H__ */
