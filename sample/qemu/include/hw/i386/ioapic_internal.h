/* IRQ Lens sample: the emulated I/O APIC's state. */
#ifndef QEMU_IOAPIC_INTERNAL_H
#define QEMU_IOAPIC_INTERNAL_H

#include "exec/memory.h"

#define IOAPIC_NUM_PINS 24

#define IOAPIC_LVT_DEST_SHIFT         56
#define IOAPIC_LVT_REMOTE_IRR         (1 << 14)
#define IOAPIC_LVT_TRIGGER_MODE       (1 << 15)
#define IOAPIC_LVT_MASKED             (1 << 16)
#define IOAPIC_LVT_DELIV_MODE_SHIFT   8
#define IOAPIC_LVT_DEST_MODE_SHIFT    11
#define IOAPIC_VECTOR_MASK            0xff

typedef struct IOAPICCommonState IOAPICCommonState;

struct IOAPICCommonState {
    uint8_t id;
    uint8_t ioregsel;
    uint32_t irr;
    uint64_t ioredtbl[IOAPIC_NUM_PINS];
};

void ioapic_eoi_broadcast(int vector);

#endif /* QEMU_IOAPIC_INTERNAL_H */
