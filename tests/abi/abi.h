/*
 * The ABI conformance harness shared by every program in tests/abi/.
 *
 * A program is a list of checks.  main() calls abi_begin(), then RUN(name)
 * for each check function t_<name>, then returns abi_end().  Each check
 * prints exactly one line:
 *     PASS abi/<area>/<name>
 *     FAIL abi/<area>/<name>: <file>:<line>: <why>
 * and the program exits 0 only if every check passed.  README.md states the
 * contract the runners rely on.
 *
 * A check stops at its first failed assertion (the macros below `return`
 * from the check function), so the FAIL line names the first thing that
 * went wrong.  Lines are written with one write(2) each, so output from
 * several threads or processes never interleaves inside a line.
 *
 * The programs must behave identically on the Linux host and on nutshell, so
 * they use only the system calls issue 4 lists, and raw syscall() wherever
 * musl would check an argument itself or would crash before the kernel sees
 * a bad pointer.
 */
#ifndef ABI_H
#define ABI_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* Addresses no system call may accept as a user buffer: the first page,
 * the kernel half (where nutshell links its kernel), and the first address
 * above 47-bit user space (non-canonical with 4-level paging; with 5-level
 * paging, as Linux uses on QEMU -cpu max, valid but never mapped unless
 * asked for). */
#define ABI_BAD_LOW       ((void *)1)
#define ABI_BAD_KERNEL    ((void *)0xffffffff80000000ul)
#define ABI_BAD_NONCANON  ((void *)0x0000800000000000ul)
extern void *const abi_bad_ptrs[3];

/* Starts the run of `area` (the name in every PASS/FAIL line). */
void abi_begin(const char *area);
/* Runs one check with the name `name`; prints its PASS or FAIL line. */
void abi_run(const char *name, void (*fn)(void));
/* Returns the exit status: 0 if every check passed, 1 otherwise. */
int abi_end(void);
/* Marks the running check failed and prints its FAIL line.  Thread-safe; only
 * the first failure of a check is printed. */
void abi_fail_at(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a line that runners show but do not count. */
void abi_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Marks the running check as not applicable here: it prints
 * `SKIP abi/<area>/<check>: <why>` instead of PASS. */
void abi_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Name of an errno value ("EFAULT"), for messages. */
const char *abi_errname(int e);

#define RUN(n) abi_run(#n, t_##n)

/* Fail the check and leave it. */
#define FAILF(...) do { abi_fail_at(__LINE__, __VA_ARGS__); return; } while (0)
/* Assert a condition. */
#define CHECK(c, ...) do { if (!(c)) FAILF(__VA_ARGS__); } while (0)
/* Assert that a call returning -1/errno succeeded; evaluates to its result. */
#define OK(expr) ({ long _r = (long)(expr); \
        if (_r == -1) { \
            FAILF("%s failed: %s", #expr, abi_errname(errno)); \
        } \
        _r; })
/* Assert that a call failed with -1 and errno e. */
#define ERR(expr, e) do { errno = 0; long _r = (long)(expr); int _e = errno; \
        if (_r != -1 || _e != (e)) \
            FAILF("%s returned %ld (errno %s), want -1 (errno %s)", #expr, _r, abi_errname(_e), abi_errname(e)); \
    } while (0)
/* Assert that a call returning an error number directly (pthread_*,
 * posix_spawn, clock_nanosleep) returned e. */
#define RET(expr, e) do { int _r = (expr); \
        if (_r != (e)) FAILF("%s returned %s, want %s", #expr, abi_errname(_r), abi_errname(e)); } while (0)
/* Assert equality of two integers (or pointers). */
#define EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
        if (_a != _b) FAILF("%s is %lld (%#llx), want %s = %lld (%#llx)", #a, _a, _a, #b, _b, _b); } while (0)

/* --- helpers --------------------------------------------------------- */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t abi_now_ns(void);
/* Sleeps for ms milliseconds (nanosleep, restarted after signals). */
void abi_sleep_ms(long ms);
/* Reads what one read(2) of path gives (a /proc file) into buf[size],
 * NUL-terminated.  The length, or -1 when it cannot be opened or is empty. */
ssize_t abi_read_text(const char *path, char *buf, size_t size);
/* Waits until thread tid of process pid sleeps (state S in
 * /proc/PID/task/TID/stat): it has gone into the blocking call a test is
 * about to interrupt.  A fixed delay instead lets a signal land before the
 * call on a loaded host, and the call then blocks for good.  False after
 * 30 s (a hang guard). */
bool abi_wait_sleeping(pid_t pid, pid_t tid);

/* Fills list (CPU_SETSIZE entries) with the CPUs of this thread's affinity
 * mask, in order: the CPUs a test may pin threads to.  Their count, or -1
 * when sched_getaffinity fails. */
int abi_allowed_cpus(int *list);

/* True if the comma-separated list opts (a mount's options) holds the
 * option o whole: "ro" matches "ro,nosuid" but not "rootcontext=x". */
bool abi_has_option(const char *opts, const char *o);

/* Runs fn(arg) with handlers for SIGSEGV, SIGBUS, SIGILL and SIGFPE.
 * Returns 0 if fn returned, or the signal that interrupted it (then *info,
 * if not NULL, holds its siginfo).  Handlers run on the alternate stack if
 * the thread has one.  Thread-safe: the jump buffer is per thread. */
int abi_catch(void (*fn)(void *), void *arg, siginfo_t *info);
/* Memory probes for abi_catch. */
void abi_read_byte(void *p);
void abi_write_byte(void *p);

/* Directory holding the ABI programs: $ABI_DIR, or /abi (their place in
 * the nutshell image).  Programs find themselves (and their siblings)
 * through this rather than /proc, which only the proc program tests. */
const char *abi_dir(void);
/* Writes abi_dir()/prog into buf (size n).  Returns buf. */
char *abi_prog_path(char *buf, size_t n, const char *prog);
/* posix_spawn()s abi_dir()/prog with argv[0] = that path and the rest of
 * args (NULL-terminated), inheriting the environment.  Returns the pid or
 * -errno. */
pid_t abi_spawn(const char *prog, const char *const args[]);
/* wait4()s for pid (restarting after EINTR); returns the raw status or
 * -errno. */
int abi_wait(pid_t pid);

/* Creates a fresh directory /tmp/abi-<area>-<pid> and returns its path;
 * abi_rm_tree() removes a path with everything below it. */
const char *abi_tmpdir(void);
void abi_rm_tree(const char *path);

/* Deterministic pseudo-random numbers (xorshift64*). */
static inline uint64_t abi_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

#endif
