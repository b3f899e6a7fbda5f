/* A kernel bug: print the diagnostic and a backtrace, exit QEMU with the
 * panic status (see docs/architecture.md).  Never used for conditions a user
 * or the host can cause. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <kernel/types.h>

#ifdef HOST_TEST
/* Unit tests provide this; it may longjmp back into the test. */
__noreturn void host_test_panic(const char *fmt, ...);
#define panic(...) host_test_panic(__VA_ARGS__)
#else
__noreturn __attribute__((format(printf, 1, 2))) void panic(const char *fmt, ...);
#endif

#define BUG_ON(cond)                                                                 \
    do {                                                                             \
        if (unlikely(cond))                                                          \
            panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__);                 \
    } while (0)

#endif
