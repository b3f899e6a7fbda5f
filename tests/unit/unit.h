/* A minimal host unit-test harness.  A test binary is a list of test
 * functions run by unit_main(); each prints "PASS <suite>/<test>" or
 * "FAIL <suite>/<test>: <why>" (the format tests/run-suites.sh counts).
 * Each test runs in a child process of its own.
 *
 *   static void test_something(void) { CHECK(x == 1); CHECK_EQ(a, b); }
 *   int main(void) { return unit_main("pmm", (struct unit_test[]){UNIT(test_something), {0}}); }
 *
 * Kernel code under test is compiled with -DHOST_TEST; its panic() lands in
 * host_test_panic(), which a test can catch with EXPECT_PANIC(stmt). */
#ifndef TESTS_UNIT_H
#define TESTS_UNIT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct unit_test {
    const char *name;
    void (*fn)(void);
};
#define UNIT(fn) {#fn, fn}

/* Runs every test in the {0}-terminated list; returns 0 if all passed, 1 otherwise. */
int unit_main(const char *suite, const struct unit_test *tests);

/* Records a failure of the running test (the first message is kept). */
void unit_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define CHECK(cond)                                                     \
    do {                                                                \
        if (!(cond))                                                    \
            unit_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond);   \
    } while (0)

#define CHECK_EQ(a, b)                                                                          \
    do {                                                                                        \
        long long a_ = (long long)(a), b_ = (long long)(b);                                     \
        if (a_ != b_)                                                                           \
            unit_fail(__FILE__, __LINE__, "%s == %s failed: %lld != %lld", #a, #b, a_, b_);     \
    } while (0)

/* Panic catching: host_test_panic() longjmps here when armed. */
extern jmp_buf *unit_panic_jmp;
extern char unit_panic_msg[256];

/* Runs stmt and checks that it panics (kernel BUG detection). */
#define EXPECT_PANIC(stmt)                                                              \
    do {                                                                                \
        jmp_buf jb_;                                                                    \
        unit_panic_jmp = &jb_;                                                          \
        if (setjmp(jb_) == 0) {                                                         \
            stmt;                                                                       \
            unit_panic_jmp = NULL;                                                      \
            unit_fail(__FILE__, __LINE__, "expected a panic from %s", #stmt);           \
        }                                                                               \
        unit_panic_jmp = NULL;                                                          \
    } while (0)

#endif
