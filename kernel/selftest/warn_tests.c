/* WARN (kernel/panic.h): fires only on a true condition, evaluates to it,
 * prints its reason and a backtrace (the kernel-boot suite checks those lines)
 * and lets the kernel go on. */
#include <kernel/kdebug.h>
#include <kernel/panic.h>
#include <kernel/selftest.h>

static __attribute__((noinline)) bool warn_if_odd(int n)
{
    return WARN(n & 1, "planted by ktest/warn_continues: %d is odd", n);
}

static const char *warn_continues(void)
{
#ifdef KDEBUG
    unsigned before = kdebug_reports();
#endif
    if (warn_if_odd(2))
        return "WARN fired on a false condition";
    if (!warn_if_odd(3))
        return "WARN did not evaluate to its condition";
#ifdef KDEBUG
    if (kdebug_reports() != before + 1)
        return "the debug kernel did not count the warning as a report";
    kdebug_reports_forget(1); /* planted: the result, not a failure */
#endif
    return NULL;
}
KTEST(warn_continues);
