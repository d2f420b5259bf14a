/* IRQ Lens sample: the emulated local APIC's state. */
#ifndef QEMU_APIC_INTERNAL_H
#define QEMU_APIC_INTERNAL_H

#include "exec/memory.h"

#define APIC_LVT_NB 6

typedef struct APICCommonState APICCommonState;

/* Register state mirrors the SDM, Vol. 3A, 11.4.1: 256-bit ISR/TMR/IRR as 8 words. */
struct APICCommonState {
    uint32_t apicbase;
    uint8_t id;
    uint8_t arb_id;
    uint8_t tpr;
    uint32_t spurious_vec;
    uint8_t log_dest;
    uint8_t dest_mode;
    uint32_t isr[8];  /* in service register */
    uint32_t tmr[8];  /* trigger mode register */
    uint32_t irr[8];  /* interrupt request register */
    uint32_t lvt[APIC_LVT_NB];
    uint32_t esr; /* error register */
    int cpu_interrupt_pending;
};

void apic_deliver_irq(uint8_t dest, uint8_t dest_mode, uint8_t delivery_mode,
                      uint8_t vector_num, uint8_t trigger_mode);

#endif /* QEMU_APIC_INTERNAL_H */
