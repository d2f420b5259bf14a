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

/* A new domain gets the 2-level ABI; EVTCHNOP_init_control may switch it. */
int evtchn_init(struct domain *d, unsigned int max_port)
{
    evtchn_2l_init(d);
    if ( max_port < d->max_evtchns )
        d->max_evtchns = max_port + 1;
    return 0;
}
