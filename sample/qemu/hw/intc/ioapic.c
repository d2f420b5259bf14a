/*
 * IRQ Lens sample: the TCG I/O APIC model: pin assertion, redirection to
 * a local APIC, and the EOI broadcast that clears Remote IRR.
 * Register semantics follow the 82093AA I/O APIC datasheet.
 */

#include "qemu/osdep.h"
#include "hw/i386/apic_internal.h"
#include "hw/i386/ioapic_internal.h"

static IOAPICCommonState *ioapics[1];

/*
 * Deliver every pending, unmasked pin. A level-triggered pin whose
 * Remote IRR is still set waits for the EOI before it fires again.
 */
static void ioapic_service(IOAPICCommonState *s)
{
    int i;

    for (i = 0; i < IOAPIC_NUM_PINS; i++) {
        uint32_t mask = 1U << i;
        uint64_t entry;

        if (!(s->irr & mask)) {
            continue;
        }
        entry = s->ioredtbl[i];
        if (entry & IOAPIC_LVT_MASKED) {
            continue;
        }
        if (entry & IOAPIC_LVT_TRIGGER_MODE) {
            if (entry & IOAPIC_LVT_REMOTE_IRR) {
                continue;
            }
            s->ioredtbl[i] |= IOAPIC_LVT_REMOTE_IRR;
        } else {
            s->irr &= ~mask;
        }
        apic_deliver_irq(entry >> IOAPIC_LVT_DEST_SHIFT,
                         (entry >> IOAPIC_LVT_DEST_MODE_SHIFT) & 1,
                         (entry >> IOAPIC_LVT_DELIV_MODE_SHIFT) & 7,
                         entry & IOAPIC_VECTOR_MASK,
                         (entry & IOAPIC_LVT_TRIGGER_MODE) != 0);
    }
}

/* A device raised or lowered a pin (the qemu_irq handler for the IOAPIC). */
static void ioapic_set_irq(void *opaque, int vector, int level)
{
    IOAPICCommonState *s = opaque;
    uint32_t mask = 1U << vector;
    uint64_t entry;

    if (vector < 0 || vector >= IOAPIC_NUM_PINS) {
        return;
    }
    entry = s->ioredtbl[vector];
    if (entry & IOAPIC_LVT_TRIGGER_MODE) {
        /* level triggered */
        if (level) {
            s->irr |= mask;
            ioapic_service(s);
        } else {
            s->irr &= ~mask;
        }
    } else if (level) {
        /* edge triggered: only the rising edge counts */
        s->irr |= mask;
        ioapic_service(s);
    }
}

/*
 * Called from apic_eoi() for a level-triggered vector: clear Remote IRR on
 * every pin routed to that vector and re-deliver pins still asserted.
 */
void ioapic_eoi_broadcast(int vector)
{
    IOAPICCommonState *s = ioapics[0];
    int n;

    if (!s) {
        return;
    }
    for (n = 0; n < IOAPIC_NUM_PINS; n++) {
        uint64_t entry = s->ioredtbl[n];

        if ((entry & IOAPIC_VECTOR_MASK) != (uint64_t)vector ||
            !(entry & IOAPIC_LVT_REMOTE_IRR)) {
            continue;
        }
        s->ioredtbl[n] = entry & ~(uint64_t)IOAPIC_LVT_REMOTE_IRR;
        if (s->irr & (1U << n)) {
            ioapic_service(s);
        }
    }
}

void ioapic_sample_attach(IOAPICCommonState *s, void (**set_irq)(void *, int, int))
{
    ioapics[0] = s;
    *set_irq = ioapic_set_irq;
}
