/* In-kernel self-tests, run in one boot with `test=selftest`.  Each prints
 * "PASS ktest/<name>" or "FAIL ktest/<name>: <why>"; the QEMU exit status
 * says whether all passed (docs/architecture.md). */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

#include <kernel/types.h>

struct ktest {
    const char *name;
    /* Returns NULL on success or a static string saying what failed. */
    const char *(*fn)(void);
};

/* Each test file contributes its tests through a table in .ktests. */
#define KTEST(fn) static const struct ktest ktest_##fn __attribute__((used, section(".ktests"), aligned(8))) = {#fn, fn}

/* Runs every test; returns the number of failures. */
int selftest_run_all(void);

#endif
