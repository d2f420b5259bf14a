/*
 * IRQ Lens sample: HVM interrupt plumbing for the event-channel callback.
 */

#include <xen/sched.h>

enum hvm_intr_src_type {
    HVMIRQ_callback_none,
    HVMIRQ_callback_gsi,
    HVMIRQ_callback_pci_intx,
    HVMIRQ_callback_vector,
};

struct hvm_irq {
    enum hvm_intr_src_type callback_via_type;
    unsigned int callback_gsi;
    unsigned char callback_vector;
    bool callback_via_asserted;
};

static struct hvm_irq sample_hvm_irq;

void vlapic_set_irq(struct vcpu *v, unsigned char vec, bool trig);
void hvm_gsi_assert(struct domain *d, unsigned int gsi);

static struct hvm_irq *hvm_domain_irq(const struct domain *d)
{
    (void)d;
    return &sample_hvm_irq;
}

/*
 * Deliver the event-channel upcall to an HVM guest through whichever
 * callback method it registered: a LAPIC vector, or a GSI/INTx line.
 */
void hvm_assert_evtchn_irq(struct vcpu *v)
{
    struct hvm_irq *hvm_irq = hvm_domain_irq(v->domain);

    if ( hvm_irq->callback_via_type == HVMIRQ_callback_vector )
    {
        vlapic_set_irq(v, hvm_irq->callback_vector, 0);
        return;
    }

    /* Line-based callbacks are only wired to vCPU0. */
    if ( v->vcpu_id != 0 )
        return;

    if ( hvm_irq->callback_via_type == HVMIRQ_callback_gsi &&
         !hvm_irq->callback_via_asserted )
    {
        hvm_irq->callback_via_asserted = true;
        hvm_gsi_assert(v->domain, hvm_irq->callback_gsi);
    }
}
