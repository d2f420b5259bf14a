/*
 * IRQ Lens sample: the 2-level event-channel ABI.
 *
 * A pending bit per port in shared_info, a selector bit per word in
 * vcpu_info, and the upcall-pending flag: three levels of "look here".
 */

#include <xen/event.h>

static bool test_and_set_bit(unsigned int nr, unsigned long *addr)
{
    unsigned long mask = 1UL << (nr % BITS_PER_EVTCHN_WORD);
    unsigned long *word = addr + nr / BITS_PER_EVTCHN_WORD;
    bool old = (*word & mask) != 0;

    *word |= mask;
    return old;
}

static bool test_bit(unsigned int nr, const unsigned long *addr)
{
    return (addr[nr / BITS_PER_EVTCHN_WORD] >> (nr % BITS_PER_EVTCHN_WORD)) & 1;
}

static void clear_bit(unsigned int nr, unsigned long *addr)
{
    addr[nr / BITS_PER_EVTCHN_WORD] &= ~(1UL << (nr % BITS_PER_EVTCHN_WORD));
}

/*
 * Set the port's pending bit; if it was clear and the port is not masked,
 * set the selector bit and tell the vCPU that events are pending.
 */
static void cf_check evtchn_2l_set_pending(
    struct vcpu *v, struct evtchn *evtchn)
{
    struct domain *d = v->domain;
    unsigned int port = evtchn->port;

    if ( test_and_set_bit(port, d->shared_info->evtchn_pending) )
        return;

    if ( !test_bit(port, d->shared_info->evtchn_mask) &&
         !test_and_set_bit(port / BITS_PER_EVTCHN_WORD,
                           &v->vcpu_info->evtchn_pending_sel) )
        vcpu_mark_events_pending(v);

    /* A vCPU blocked in SCHEDOP_poll on this port wakes even if it is masked. */
    evtchn_check_pollers(d, port);
}

static void cf_check evtchn_2l_clear_pending(
    struct domain *d, struct evtchn *evtchn)
{
    clear_bit(evtchn->port, d->shared_info->evtchn_pending);
}

/*
 * Unmasking a port that is already pending re-raises the notification,
 * which is how a guest that masked a port gets the event it missed.
 */
static void cf_check evtchn_2l_unmask(struct domain *d, struct evtchn *evtchn)
{
    struct vcpu *v = d->vcpu[evtchn->notify_vcpu_id];
    unsigned int port = evtchn->port;

    clear_bit(port, d->shared_info->evtchn_mask);
    if ( test_bit(port, d->shared_info->evtchn_pending) &&
         !test_and_set_bit(port / BITS_PER_EVTCHN_WORD,
                           &v->vcpu_info->evtchn_pending_sel) )
        vcpu_mark_events_pending(v);
}

static bool cf_check evtchn_2l_is_pending(
    const struct domain *d, const struct evtchn *evtchn)
{
    return test_bit(evtchn->port, d->shared_info->evtchn_pending);
}

static bool cf_check evtchn_2l_is_masked(
    const struct domain *d, const struct evtchn *evtchn)
{
    return test_bit(evtchn->port, d->shared_info->evtchn_mask);
}

static const struct evtchn_port_ops evtchn_port_ops_2l =
{
    .set_pending   = evtchn_2l_set_pending,
    .clear_pending = evtchn_2l_clear_pending,
    .unmask        = evtchn_2l_unmask,
    .is_pending    = evtchn_2l_is_pending,
    .is_masked     = evtchn_2l_is_masked,
};

/* Every domain starts on the 2-level ABI until it asks for FIFO. */
void evtchn_2l_init(struct domain *d)
{
    d->evtchn_port_ops = &evtchn_port_ops_2l;
    d->max_evtchns = EVTCHN_2L_NR_CHANNELS;
}
