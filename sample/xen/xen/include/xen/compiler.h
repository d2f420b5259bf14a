/* IRQ Lens sample: attribute macros in the shape the hypervisor uses them. */
#ifndef __XEN_COMPILER_H__
#define __XEN_COMPILER_H__

/* Control-flow-integrity marker on functions reached through pointers. */
#define cf_check __attribute__((__cf_check__))
#define __init __attribute__((__section__(".init.text")))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ACCESS_ONCE(x) (*(volatile typeof(x) *)&(x))

typedef _Bool bool;
#define true 1
#define false 0

#endif /* __XEN_COMPILER_H__ */
