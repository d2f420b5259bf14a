/* IRQ Lens sample: the domain, vCPU and event-channel objects the delivery path touches. */
#ifndef __XEN_SCHED_H__
#define __XEN_SCHED_H__

#include <xen/compiler.h>

#define EVTCHN_2L_NR_CHANNELS 4096
#define BITS_PER_EVTCHN_WORD  64

typedef unsigned int evtchn_port_t;

struct evtchn_port_ops;

struct evtchn
{
    unsigned char state;          /* ECS_* */
    unsigned char priority;
    unsigned short notify_vcpu_id; /* VCPU for local delivery notification */
    evtchn_port_t port;
    union {
        struct {
            unsigned short remote_domid;
        } unbound;
        struct {
            evtchn_port_t remote_port;
            struct domain *remote_dom;
        } interdomain;
        unsigned short virq;
    } u;
};

struct vcpu_info
{
    unsigned char evtchn_upcall_pending;
    unsigned char evtchn_upcall_mask;
    unsigned long evtchn_pending_sel;
};

struct shared_info
{
    struct vcpu_info vcpu_info[32];
    unsigned long evtchn_pending[EVTCHN_2L_NR_CHANNELS / BITS_PER_EVTCHN_WORD];
    unsigned long evtchn_mask[EVTCHN_2L_NR_CHANNELS / BITS_PER_EVTCHN_WORD];
};

struct vcpu
{
    int vcpu_id;
    int processor;
    struct vcpu_info *vcpu_info;
    struct domain *domain;
    unsigned long pause_flags;
    int poll_evtchn;               /* port polled with SCHEDOP_poll, or 0 */
};

struct domain
{
    unsigned short domain_id;
    bool is_hvm;
    struct shared_info *shared_info;
    struct vcpu **vcpu;
    unsigned int max_vcpus;
    unsigned long poll_mask;       /* vCPUs blocked in SCHEDOP_poll */
    struct evtchn **evtchn;
    unsigned int max_evtchns;
    /* The ABI in use: 2-level or FIFO; every set_pending goes through it. */
    const struct evtchn_port_ops *evtchn_port_ops;
};

#define is_hvm_domain(d) ((d)->is_hvm)
#define is_hvm_vcpu(v)   is_hvm_domain((v)->domain)

void vcpu_kick(struct vcpu *v);
void vcpu_mark_events_pending(struct vcpu *v);

#endif /* __XEN_SCHED_H__ */
