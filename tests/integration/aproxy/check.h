/* The aproxy unit tests' result lines: "PASS <suite>/<case>" or
 * "FAIL <suite>/<case>: <detail>", as tests/run-suites.sh counts them.  A
 * test sets CHECK_SUITE before including this and returns
 * check_failures ? 1 : 0. */
#ifndef APROXY_TEST_CHECK_H
#define APROXY_TEST_CHECK_H

#include <stdio.h>

static int check_failures;

static void check(const char *name, int ok, const char *detail)
{
    if (ok)
        printf("PASS %s/%s\n", CHECK_SUITE, name);
    else {
        printf("FAIL %s/%s: %s\n", CHECK_SUITE, name, detail);
        check_failures++;
    }
}

#endif
