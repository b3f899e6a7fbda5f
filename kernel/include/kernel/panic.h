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

/* WARN(cond, fmt, ...): a kernel bug the kernel can survive.  When cond is
 * true, prints "WARNING: <reason> at file:line, thread T" and a symbolised
 * backtrace, then goes on; evaluates to cond, so the caller can take the
 * safe way out:  if (WARN_ON(n > max)) return -EINVAL;
 * Cheap, so the release kernel has it too; the debug kernel also counts a
 * warning as a report (kernel/kdebug.h).  Panics stay for states that
 * cannot be continued from. */
#ifdef HOST_TEST
#include <stdio.h>
#define warn_at(file, line, ...) ((void)(file), (void)(line), fprintf(stderr, __VA_ARGS__))
#else
__attribute__((format(printf, 3, 4))) void warn_at(const char *file, int line, const char *fmt, ...);
#endif
#define WARN(cond, ...)                                                              \
    ({                                                                               \
        bool warn_cond_ = !!(cond);                                                  \
        if (unlikely(warn_cond_))                                                    \
            warn_at(__FILE__, __LINE__, __VA_ARGS__);                                \
        warn_cond_;                                                                  \
    })
#define WARN_ON(cond) WARN(cond, "WARN_ON(%s)", #cond)

#endif
