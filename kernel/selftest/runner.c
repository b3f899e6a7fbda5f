/* Runs the tests collected in the .ktests section (see kernel/selftest.h). */
#include <kernel/printk.h>
#include <kernel/selftest.h>

extern const struct ktest __ktests_start[], __ktests_end[];

int selftest_run_all(void)
{
    int failed = 0;
    for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
        const char *why = t->fn();
        if (why) {
            printk(LOG_EMERG, "FAIL ktest/%s: %s", t->name, why);
            failed++;
        } else {
            printk(LOG_EMERG, "PASS ktest/%s", t->name);
        }
    }
    return failed;
}
