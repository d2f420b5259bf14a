/*
 * IRQ Lens sample: x86 domain code, the part that raises the upcall.
 */

#include <xen/sched.h>

void hvm_assert_evtchn_irq(struct vcpu *v);

/*
 * Set evtchn_upcall_pending. A PV vCPU notices it on return to guest;
 * an HVM vCPU needs its callback interrupt asserted.
 */
void vcpu_mark_events_pending(struct vcpu *v)
{
    unsigned char *pending = &v->vcpu_info->evtchn_upcall_pending;

    if ( *pending )
        return;
    *pending = 1;

    if ( is_hvm_vcpu(v) )
        hvm_assert_evtchn_irq(v);
    else
        vcpu_kick(v);
}

/* Make a sleeping or remote vCPU look at its pending work. */
void vcpu_kick(struct vcpu *v)
{
    v->pause_flags &= ~1UL;
}
