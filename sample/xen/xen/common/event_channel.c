/*
 * IRQ Lens sample: event-channel operations, the sending side.
 *
 * A send on an interdomain channel marks the remote port pending;
 * a send on an IPI channel marks the local port pending.
 */

#include <xen/event.h>

#define ECS_FREE         0
#define ECS_UNBOUND      2
#define ECS_INTERDOMAIN  3
#define ECS_VIRQ         5
#define ECS_IPI          6

#define NR_VIRQS 24

#define EVTCHNOP_send 4

struct evtchn_send {
    unsigned int port;
};

/* Stand-in for the hypervisor's `current`: the domain whose vCPU made the hypercall. */
static struct domain *current_domain;

static struct evtchn *evtchn_from_port(struct domain *d, unsigned int port)
{
    if ( port >= d->max_evtchns )
        return (struct evtchn *)0;
    return d->evtchn[port];
}

/*
 * EVTCHNOP_send: notify the other end of a port.
 * Returns 0, or -22 (EINVAL) for a port that is not bound.
 */
int evtchn_send(struct domain *ld, unsigned int lport)
{
    struct evtchn *lchn, *rchn;
    struct domain *rd;

    lchn = evtchn_from_port(ld, lport);
    if ( !lchn )
        return -22;

    switch ( lchn->state )
    {
    case ECS_INTERDOMAIN:
        rd   = lchn->u.interdomain.remote_dom;
        rchn = evtchn_from_port(rd, lchn->u.interdomain.remote_port);
        evtchn_port_set_pending(rd, rchn->notify_vcpu_id, rchn);
        break;
    case ECS_IPI:
        evtchn_port_set_pending(ld, lchn->notify_vcpu_id, lchn);
        break;
    case ECS_UNBOUND:
        /* Nobody to notify yet: the send is silently dropped. */
        break;
    default:
        return -22;
    }

    return 0;
}

/* Per-vCPU virtual IRQs (timer, debug) are bound on the vCPU they fire on. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    static unsigned int virq_to_evtchn[NR_VIRQS];
    struct domain *d = v->domain;
    struct evtchn *chn;

    if ( virq >= NR_VIRQS || virq_to_evtchn[virq] == 0 )
        return;

    chn = evtchn_from_port(d, virq_to_evtchn[virq]);
    evtchn_port_set_pending(d, v->vcpu_id, chn);
}

/*
 * Wake vCPUs that block in SCHEDOP_poll on this port. Polling ignores the
 * mask: that is the point of polling a masked port.
 */
void evtchn_check_pollers(struct domain *d, unsigned int port)
{
    unsigned int vcpuid;

    if ( !d->poll_mask )
        return;

    for ( vcpuid = 0; vcpuid < d->max_vcpus; vcpuid++ )
    {
        struct vcpu *v = d->vcpu[vcpuid];

        if ( !(d->poll_mask & (1UL << vcpuid)) ||
             (v->poll_evtchn != 0 && v->poll_evtchn != (int)port) )
            continue;
        d->poll_mask &= ~(1UL << vcpuid);
        vcpu_kick(v);
    }
}

/* HYPERVISOR_event_channel_op: the guest's entry to every EVTCHNOP_*. */
long do_event_channel_op(int cmd, void *arg)
{
    switch ( cmd )
    {
    case EVTCHNOP_send:
    {
        const struct evtchn_send *send = arg;

        return evtchn_send(current_domain, send->port);
    }
    default:
        return -38; /* ENOSYS */
    }
}

/* A new domain gets the 2-level ABI; EVTCHNOP_init_control may switch it. */
int evtchn_init(struct domain *d, unsigned int max_port)
{
    evtchn_2l_init(d);
    if ( max_port < d->max_evtchns )
        d->max_evtchns = max_port + 1;
    return 0;
}
