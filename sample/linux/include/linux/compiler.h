/* IRQ Lens sample: attribute and helper macros in the kernel's shapes. */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

#define __init      __attribute__((__section__(".init.text")))
#define noinstr     __attribute__((__section__(".noinstr.text")))
#define __visible   __attribute__((__externally_visible__))
#define asmlinkage
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile typeof(x) *)&(x))

typedef _Bool bool;
#define true 1
#define false 0
typedef unsigned int u32;
typedef unsigned char u8;

#endif /* _LINUX_COMPILER_H */
