/* The fortify half of libnutshell-compat.a: every _chk function does its
 * job when the bounds hold, and dies exactly like glibc's (the same message
 * on stderr, then SIGABRT) when they do not.  Sizes go through volatile
 * variables so the compiler cannot see (or fold) the overflows. */
#define _GNU_SOURCE
#include "child.h"
#include "unit.h"

#include <nutshell/compat.h>

#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#define OVERFLOW "*** buffer overflow detected ***: terminated\n"

static volatile size_t v4 = 4, v8 = 8, v9 = 9, v16 = 16, v0 = 0;

/* --- memcpy / memset --- */

static void test_memcpy_chk_copies_within_bounds(void)
{
    char dst[8] = {0};
    CHECK(__memcpy_chk(dst, "abcdefgh", v8, v8) == dst);
    CHECK(memcmp(dst, "abcdefgh", 8) == 0);
    CHECK(__memcpy_chk(dst, "xy", 2, v16) == dst);   /* a larger object is fine */
    CHECK(memcmp(dst, "xycdefgh", 8) == 0);
}

static void memcpy_overflow(void)
{
    char dst[8];
    __memcpy_chk(dst, "abcdefghi", v9, v8);
}

static void test_memcpy_chk_aborts_on_overflow(void)
{
    EXPECT_ABORT(memcpy_overflow, OVERFLOW);
}

static void test_memset_chk(void)
{
    char dst[8] = {0};
    CHECK(__memset_chk(dst, 'z', v8, v8) == dst);
    CHECK(memcmp(dst, "zzzzzzzz", 8) == 0);
}

static void memset_overflow(void)
{
    char dst[8];
    __memset_chk(dst, 0, v9, v8);
}

static void test_memset_chk_aborts_on_overflow(void)
{
    EXPECT_ABORT(memset_overflow, OVERFLOW);
}

/* --- strcat --- */

static void test_strcat_chk_exact_fit(void)
{
    char dst[8] = "abc";
    CHECK(__strcat_chk(dst, "defg", v8) == dst);     /* 3 + 4 + NUL = 8 */
    CHECK(strcmp(dst, "abcdefg") == 0);
}

static void strcat_overflow(void)
{
    char dst[8] = "abc";
    __strcat_chk(dst, "defgh", v8);                   /* needs 9 */
}

static void strcat_unterminated(void)
{
    char dst[4] = {'a', 'b', 'c', 'd'};
    __strcat_chk(dst, "", v4);
}

static void test_strcat_chk_aborts_on_overflow(void)
{
    EXPECT_ABORT(strcat_overflow, OVERFLOW);
    EXPECT_ABORT(strcat_unterminated, OVERFLOW);
}

/* --- sprintf / snprintf --- */

static void test_sprintf_chk_exact_fit(void)
{
    char dst[8];
    CHECK_EQ(__sprintf_chk(dst, 1, v8, "%s-%d", "ab", 1234), 7);
    CHECK(strcmp(dst, "ab-1234") == 0);
}

static void sprintf_overflow(void)
{
    char dst[8];
    __sprintf_chk(dst, 1, v8, "%s-%d", "ab", 12345);
}

static void sprintf_zero_object(void)
{
    char dst[1];
    __sprintf_chk(dst, 1, v0, "");
}

static void test_sprintf_chk_aborts_on_overflow(void)
{
    EXPECT_ABORT(sprintf_overflow, OVERFLOW);
    EXPECT_ABORT(sprintf_zero_object, OVERFLOW);
}

static void test_snprintf_chk_truncates_like_snprintf(void)
{
    char dst[8];
    /* A bound within the object: ordinary snprintf, truncation included. */
    CHECK_EQ(__snprintf_chk(dst, v4, 1, v8, "%d", 123456), 6);
    CHECK(strcmp(dst, "123") == 0);
}

static int call_vsnprintf_chk(char *s, size_t maxlen, size_t slen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = __vsnprintf_chk(s, maxlen, 1, slen, fmt, ap);
    va_end(ap);
    return n;
}

static void test_vsnprintf_chk(void)
{
    char dst[8];
    CHECK_EQ(call_vsnprintf_chk(dst, v8, v8, "%s", "hello"), 5);
    CHECK(strcmp(dst, "hello") == 0);
}

static void snprintf_bound_beyond_object(void)
{
    char dst[8];
    __snprintf_chk(dst, v9, 1, v8, "x");
}

static void vsnprintf_bound_beyond_object(void)
{
    char dst[8];
    call_vsnprintf_chk(dst, v16, v8, "x");
}

static void test_snprintf_chk_aborts_when_bound_exceeds_object(void)
{
    EXPECT_ABORT(snprintf_bound_beyond_object, OVERFLOW);
    EXPECT_ABORT(vsnprintf_bound_beyond_object, OVERFLOW);
}

/* --- stream, descriptor and allocating printf --- */

static void test_fprintf_chk_writes(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ(__fprintf_chk(f, 1, "%s=%d;", "a", 1), 4);
    CHECK_EQ(__fprintf_chk(f, 1, "%2$s=%1$d", 2, "b"), 3);
    fclose(f);
    CHECK(buf && strcmp(buf, "a=1;b=2") == 0);
    free(buf);
}

static void test_dprintf_chk_writes(void)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(__dprintf_chk(p[1], 1, "fd %d", 7), 4);
    close(p[1]);
    char buf[16] = {0};
    CHECK_EQ(read(p[0], buf, sizeof buf - 1), 4);
    close(p[0]);
    CHECK(strcmp(buf, "fd 7") == 0);
}

static void test_asprintf_chk_allocates(void)
{
    char *s = NULL;
    CHECK_EQ(__asprintf_chk(&s, 1, "%s%s", "nut", "shell"), 8);
    CHECK(s && strcmp(s, "nutshell") == 0);
    free(s);
}

static void printf_to_captured_stdout(void)
{
    dup2(STDERR_FILENO, STDOUT_FILENO);     /* the parent captures fd 2 */
    __printf_chk(1, "%s:%d", "out", 5);
    fflush(stdout);
}

static void test_printf_chk_writes_stdout(void)
{
    struct child_result r;
    if (!child_run(printf_to_captured_stdout, &r))
        return;
    CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    CHECK(strcmp(r.err, "out:5") == 0);
}

static void syslog_to_stderr(void)
{
    /* LOG_PERROR: musl's syslog copies the message to stderr, which the
     * parent reads; that it arrives formatted proves the forwarding. */
    openlog("compat-test", LOG_PERROR | LOG_NDELAY, LOG_USER);
    __syslog_chk(LOG_ERR, 1, "syslog %s %d", "chk", 42);
    closelog();
}

static void test_syslog_chk_forwards_to_syslog(void)
{
    struct child_result r;
    if (!child_run(syslog_to_stderr, &r))
        return;
    CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
    CHECK(strstr(r.err, "syslog chk 42") != NULL);
}

/* --- format checks (flag > 0) --- */

static void test_percent_n_in_readonly_format_works(void)
{
    char dst[16];
    int n = -1;
    CHECK_EQ(__sprintf_chk(dst, 1, sizeof dst, "abc%n", &n), 3);
    CHECK_EQ(n, 3);
}

static void percent_n_writable(void)
{
    char fmt[8];
    strcpy(fmt, "ab%n");
    int n;
    char dst[16];
    __sprintf_chk(dst, 1, sizeof dst, fmt, &n);
}

static void test_percent_n_in_writable_format_aborts(void)
{
    EXPECT_ABORT(percent_n_writable, "*** %n in writable segments detected ***\n");
}

static void test_flag_zero_skips_format_checks(void)
{
    char fmt[8];
    strcpy(fmt, "ab%n");
    int n = -1;
    char dst[16];
    CHECK_EQ(__sprintf_chk(dst, 0, sizeof dst, fmt, &n), 2);
    CHECK_EQ(n, 2);
}

static void positional_gap(void)
{
    char dst[16];
    __snprintf_chk(dst, sizeof dst, 1, sizeof dst, "%1$d %3$d", 1, 2, 3);
}

static void test_positional_gap_aborts(void)
{
    EXPECT_ABORT(positional_gap, "*** invalid %N$ use detected ***\n");
}

static void test_positional_without_gap_works(void)
{
    char dst[16];
    CHECK_EQ(__snprintf_chk(dst, sizeof dst, 1, sizeof dst, "%2$s %1$*3$d", 5, "x", 3), 5);
    CHECK(strcmp(dst, "x   5") == 0);
}

/* --- __fdelt_chk --- */

static void test_fdelt_chk_indexes(void)
{
    CHECK_EQ(__fdelt_chk(0), 0);
    CHECK_EQ(__fdelt_chk(63), 0);
    CHECK_EQ(__fdelt_chk(64), 1);
    CHECK_EQ(__fdelt_chk(FD_SETSIZE - 1), FD_SETSIZE / 64 - 1);
}

static void fdelt_negative(void) { __fdelt_chk(-1); }
static void fdelt_too_big(void) { __fdelt_chk(FD_SETSIZE); }

static void test_fdelt_chk_aborts_out_of_range(void)
{
    EXPECT_ABORT(fdelt_negative, OVERFLOW);
    EXPECT_ABORT(fdelt_too_big, OVERFLOW);
}

/* --- __longjmp_chk --- */

static jmp_buf jb;

static __attribute__((noinline)) void jump_back(int v)
{
    __longjmp_chk(jb, v);
}

static void test_longjmp_chk_jumps(void)
{
    volatile int rounds = 0;
    int v = _setjmp(jb);
    if (v == 0 || v < 3) {
        rounds++;
        jump_back(v + 1);
    }
    CHECK_EQ(v, 3);
    CHECK_EQ(rounds, 3);
}

/* Calls _setjmp in a deep frame that is gone by the time of the jump. */
static __attribute__((noinline)) void setjmp_in_dead_frame(void)
{
    volatile char deep[8192];
    deep[0] = 1;
    if (_setjmp(jb) != 0)
        _exit(3);       /* reached only if the bad jump went through */
    (void)deep[0];
}

static void longjmp_into_dead_frame(void)
{
    setjmp_in_dead_frame();
    __longjmp_chk(jb, 1);
}

static void test_longjmp_chk_refuses_dead_frame(void)
{
    EXPECT_ABORT(longjmp_into_dead_frame, "*** longjmp causes uninitialized stack frame ***: terminated\n");
}

static void on_usr1(int sig)
{
    (void)sig;
    jump_back(9);
}

/* A handler on an alternate signal stack leaves through __longjmp_chk. */
static void test_longjmp_chk_from_alternate_stack(void)
{
    static char altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    CHECK_EQ(sigaltstack(&ss, NULL), 0);
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK | SA_NODEFER};
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    int v = _setjmp(jb);
    if (v == 0)
        raise(SIGUSR1);
    CHECK_EQ(v, 9);
    signal(SIGUSR1, SIG_DFL);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
}

int main(void)
{
    return unit_main("compat_chk", (struct unit_test[]){
        UNIT(test_memcpy_chk_copies_within_bounds),
        UNIT(test_memcpy_chk_aborts_on_overflow),
        UNIT(test_memset_chk),
        UNIT(test_memset_chk_aborts_on_overflow),
        UNIT(test_strcat_chk_exact_fit),
        UNIT(test_strcat_chk_aborts_on_overflow),
        UNIT(test_sprintf_chk_exact_fit),
        UNIT(test_sprintf_chk_aborts_on_overflow),
        UNIT(test_snprintf_chk_truncates_like_snprintf),
        UNIT(test_vsnprintf_chk),
        UNIT(test_snprintf_chk_aborts_when_bound_exceeds_object),
        UNIT(test_fprintf_chk_writes),
        UNIT(test_dprintf_chk_writes),
        UNIT(test_asprintf_chk_allocates),
        UNIT(test_printf_chk_writes_stdout),
        UNIT(test_syslog_chk_forwards_to_syslog),
        UNIT(test_percent_n_in_readonly_format_works),
        UNIT(test_percent_n_in_writable_format_aborts),
        UNIT(test_flag_zero_skips_format_checks),
        UNIT(test_positional_gap_aborts),
        UNIT(test_positional_without_gap_works),
        UNIT(test_fdelt_chk_indexes),
        UNIT(test_fdelt_chk_aborts_out_of_range),
        UNIT(test_longjmp_chk_jumps),
        UNIT(test_longjmp_chk_refuses_dead_frame),
        UNIT(test_longjmp_chk_from_alternate_stack),
        {0},
    });
}
