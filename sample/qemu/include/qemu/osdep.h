/* IRQ Lens sample: the basic types and attribute macros every QEMU file starts from. */
#ifndef QEMU_OSDEP_H
#define QEMU_OSDEP_H

typedef unsigned char uint8_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef uint64_t hwaddr;
typedef _Bool bool;
#define true 1
#define false 0

#define G_GNUC_UNUSED __attribute__((__unused__))
#define QEMU_ALWAYS_INLINE __attribute__((__always_inline__))

#endif /* QEMU_OSDEP_H */
