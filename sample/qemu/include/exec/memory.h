/* IRQ Lens sample: the MMIO callback table a device registers for a memory region. */
#ifndef EXEC_MEMORY_H
#define EXEC_MEMORY_H

#include "qemu/osdep.h"

enum device_endian {
    DEVICE_NATIVE_ENDIAN,
    DEVICE_BIG_ENDIAN,
    DEVICE_LITTLE_ENDIAN,
};

typedef struct MemoryRegionOps MemoryRegionOps;

/*
 * Memory region callbacks: guest loads and stores inside the region
 * become calls to read and write.
 */
struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    enum device_endian endianness;
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
    } valid;
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
    } impl;
};

#endif /* EXEC_MEMORY_H */
