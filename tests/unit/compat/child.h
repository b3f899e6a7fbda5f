/* Running a piece of a test in a child process, for checks that end the
 * program (a fortify abort, exit from a finished context). */
#ifndef TESTS_UNIT_COMPAT_CHILD_H
#define TESTS_UNIT_COMPAT_CHILD_H

#include <stdbool.h>
#include <stddef.h>

struct child_result {
    int status;             /* from waitpid */
    char err[512];          /* what the child wrote to stderr (truncated, NUL-terminated) */
};

/* Runs fn() in a forked child whose stderr is captured; the child exits 0
 * if fn returns.  Returns false (and records a test failure) if fork fails. */
bool child_run(void (*fn)(void), struct child_result *out);

/* Checks that the child was killed by SIGABRT after writing exactly msg to
 * stderr.  Records a failure at the caller's line otherwise. */
#define EXPECT_ABORT(fn, msg) child_expect_abort((fn), (msg), __FILE__, __LINE__)
void child_expect_abort(void (*fn)(void), const char *msg, const char *file, int line);

#endif
