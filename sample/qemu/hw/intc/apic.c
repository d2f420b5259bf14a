/*
 * IRQ Lens sample: the TCG local APIC model, accept/update/EOI and the
 * MMIO window. Behaviour follows the SDM, Vol. 3A, chapter 11.
 */

#include "qemu/osdep.h"
#include "hw/i386/apic_internal.h"
#include "hw/i386/ioapic_internal.h"

#define APIC_SV_ENABLE (1 << 8)

static APICCommonState *local_apics[255];

static void apic_set_irq(APICCommonState *s, int vector_num, int trigger_mode);
static void apic_update_irq(APICCommonState *s);

static inline void apic_set_bit(uint32_t *tab, int index)
{
    tab[index >> 5] |= 1U << (index & 0x1f);
}

static inline void apic_reset_bit(uint32_t *tab, int index)
{
    tab[index >> 5] &= ~(1U << (index & 0x1f));
}

static inline int apic_get_bit(const uint32_t *tab, int index)
{
    return !!(tab[index >> 5] & (1U << (index & 0x1f)));
}

/* Highest set bit in a 256-bit register, or -1. */
static int get_highest_priority_int(const uint32_t *tab)
{
    int i;

    for (i = 255; i >= 0; i--) {
        if (apic_get_bit(tab, i)) {
            return i;
        }
    }
    return -1;
}

/* Processor priority: the larger of TPR and the in-service class (SDM 11.8.3.1). */
static int apic_get_ppr(APICCommonState *s)
{
    int isrv = get_highest_priority_int(s->isr);
    int tpr = s->tpr >> 4;

    if (isrv < 0 || tpr >= (isrv >> 4)) {
        return s->tpr;
    }
    return isrv & 0xf0;
}

/* An interrupt is deliverable when its class is above the processor priority. */
static int apic_irq_pending(APICCommonState *s)
{
    int irrv = get_highest_priority_int(s->irr);

    if (irrv < 0) {
        return 0;
    }
    if ((irrv & 0xf0) <= (apic_get_ppr(s) & 0xf0)) {
        return -1;
    }
    return irrv;
}

/* signal the CPU if an irq is pending */
static void apic_update_irq(APICCommonState *s)
{
    if (!(s->spurious_vec & APIC_SV_ENABLE)) {
        return;
    }
    s->cpu_interrupt_pending = apic_irq_pending(s) > 0;
}

static void apic_set_irq(APICCommonState *s, int vector_num, int trigger_mode)
{
    apic_set_bit(s->irr, vector_num);
    if (trigger_mode) {
        apic_set_bit(s->tmr, vector_num);
    } else {
        apic_reset_bit(s->tmr, vector_num);
    }
    apic_update_irq(s);
}

/*
 * EOI retires the highest in-service vector; for a level-triggered one
 * the I/O APIC must hear about it to clear Remote IRR (SDM 11.8.5).
 */
static void apic_eoi(APICCommonState *s)
{
    int isrv = get_highest_priority_int(s->isr);

    if (isrv < 0) {
        return;
    }
    apic_reset_bit(s->isr, isrv);
    if (apic_get_bit(s->tmr, isrv)) {
        ioapic_eoi_broadcast(isrv);
    }
    apic_update_irq(s);
}

static void apic_bus_deliver(uint8_t dest, uint8_t delivery_mode,
                             uint8_t vector_num, uint8_t trigger_mode)
{
    APICCommonState *s = local_apics[dest];

    (void)delivery_mode;
    if (s) {
        apic_set_irq(s, vector_num, trigger_mode);
    }
}

void apic_deliver_irq(uint8_t dest, uint8_t dest_mode, uint8_t delivery_mode,
                      uint8_t vector_num, uint8_t trigger_mode)
{
    (void)dest_mode;
    apic_bus_deliver(dest, delivery_mode, vector_num, trigger_mode);
}

static uint64_t apic_mem_read(void *opaque, hwaddr addr, unsigned size)
{
    APICCommonState *s = opaque;
    int index = (addr >> 4) & 0xff;

    (void)size;
    switch (index) {
    case 0x02:
        return (uint64_t)s->id << 24;
    case 0x08:
        return s->tpr;
    case 0x0f:
        return s->spurious_vec;
    default:
        return 0;
    }
}

/*
 * MMIO write to the APIC page. Writes in the MSI window (0xfee00000 with
 * the MSI layout) deliver an interrupt; register writes update state.
 */
static void apic_mem_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    APICCommonState *s = opaque;
    int index = (addr >> 4) & 0xff;

    (void)size;
    switch (index) {
    case 0x08:
        s->tpr = val;
        apic_update_irq(s);
        break;
    case 0x0b: /* EOI */
        apic_eoi(s);
        break;
    case 0x0f:
        s->spurious_vec = val & 0x1ff;
        apic_update_irq(s);
        break;
    default:
        s->esr |= 1 << 7; /* illegal register address */
        break;
    }
}

static const MemoryRegionOps apic_io_ops = {
    .read = apic_mem_read,
    .write = apic_mem_write,
    .impl.min_access_size = 1,
    .impl.max_access_size = 4,
    .valid.min_access_size = 1,
    .valid.max_access_size = 4,
    .endianness = DEVICE_NATIVE_ENDIAN,
};

const MemoryRegionOps *apic_mmio_ops(void)
{
    return &apic_io_ops;
}
