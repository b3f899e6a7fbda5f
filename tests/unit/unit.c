/* The host unit-test harness (see unit.h). */
#include "unit.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

jmp_buf *unit_panic_jmp;
char unit_panic_msg[256];

static char failure[512];
static bool failed;

void unit_fail(const char *file, int line, const char *fmt, ...)
{
    if (failed)
        return;
    failed = true;
    int n = snprintf(failure, sizeof failure, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(failure + n, sizeof failure - n, fmt, ap);
    va_end(ap);
}

/* Kernel code's panic() under HOST_TEST.  Unexpected panics fail the whole binary loudly. */
void host_test_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(unit_panic_msg, sizeof unit_panic_msg, fmt, ap);
    va_end(ap);
    if (unit_panic_jmp)
        longjmp(*unit_panic_jmp, 1);
    printf("FAIL unexpected panic: %s\n", unit_panic_msg);
    exit(1);
}

/* Each test runs in its own child process, so that kernel code's global
 * state (allocator free lists, caches) starts fresh, and a crash fails only
 * that test. */
int unit_main(const char *suite, const struct unit_test *tests)
{
    int nfail = 0;
    for (const struct unit_test *t = tests; t->name; t++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            failed = false;
            t->fn();
            if (failed)
                printf("FAIL %s/%s: %s\n", suite, t->name, failure);
            else
                printf("PASS %s/%s\n", suite, t->name);
            fflush(stdout);
            _exit(failed ? 1 : 0);
        }
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) < 0) {
            printf("FAIL %s/%s: could not run the test\n", suite, t->name);
            nfail++;
        } else if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) > 1)) {
            printf("FAIL %s/%s: crashed (%s %d)\n", suite, t->name, WIFSIGNALED(status) ? "signal" : "status",
                   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            nfail++;
        } else if (WEXITSTATUS(status) == 1) {
            nfail++;
        }
    }
    return nfail ? 1 : 0;
}
