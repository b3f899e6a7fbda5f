/* The result lines of the ports' test programs, in the format of
 * tests/run-suites.sh: "PASS <suite>/<name>" or "FAIL <suite>/<name>: <why>",
 * one line each, written at once (the console is shared with the kernel log).
 * The same programs run on the Linux host and in the VM. */
#ifndef PORTS_CHECK_H
#define PORTS_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int check_failures;

/* Reports one check: ok is its outcome, the format says why it failed. */
__attribute__((format(printf, 3, 4)))
static inline void check(int ok, const char *name, const char *why_fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, why_fmt);
    vsnprintf(why, sizeof why, why_fmt, ap);
    va_end(ap);
    if (ok)
        printf("PASS %s\n", name);
    else
        printf("FAIL %s: %s\n", name, why);
    fflush(stdout);
    check_failures += !ok;
}

/* The exit status of a test program: 0 only if every check passed. */
static inline int check_status(void)
{
    return check_failures ? 1 : 0;
}

#endif
