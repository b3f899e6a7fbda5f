/* The stress programs' shared harness (see stress.h). */
#include "stress.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Retries in a row after which a run counts as stuck: at 1 ms each, half a
 * minute without a single fork, thread or exec getting the memory it needs. */
#define MAX_RETRIES_IN_A_ROW 30000

extern char **environ;

const char *stress_self;
static const char *kind;
static uint64_t started_ns;
static atomic_int failed;
static atomic_long retries, retries_in_a_row;

static void emit_line(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = sizeof buf - 2;
    buf[n++] = '\n';
    (void)stress_write_full(1, buf, (size_t)n);
}

static void emitf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit_line(fmt, ap);
    va_end(ap);
}

uint64_t stress_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t stress_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

long stress_begin(const char *k, int argc, char **argv)
{
    kind = k;
    stress_self = argv[0];
    started_ns = stress_now_ns();
    long rounds = argc > 1 ? strtol(argv[1], NULL, 0) : 0;
    return rounds > 0 ? rounds : 1;
}

void stress_fail(const char *fmt, ...)
{
    if (atomic_exchange(&failed, 1))
        return;
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    emitf("FAIL stress/%s: %s", kind, why);
}

void stress_mark_failed(void)
{
    atomic_store(&failed, 1);
}

int stress_failed(void)
{
    return atomic_load(&failed);
}

void stress_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit_line(fmt, ap);
    va_end(ap);
}

void stress_dump_kernel_tasks(void)
{
    int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
    int err = fd < 0 || write(fd, "t", 1) != 1 ? errno : 0;
    if (fd >= 0)
        close(fd);
    if (err)
        stress_note("note stress/%s: no kernel task dump (/proc/sysrq-trigger: %s)", kind, strerror(err));
    else
        stress_note("note stress/%s: kernel task dump asked for (sysrq t, on the console)", kind);
}

int stress_end(long rounds_done)
{
    uint64_t ms = (stress_now_ns() - started_ns) / 1000000;
    if (!stress_failed())
        emitf("PASS stress/%s", kind);
    emitf("rate stress/%s %ld rounds %llu ms %.1f rounds/s (%ld retries for memory)", kind, rounds_done,
          (unsigned long long)ms, ms ? rounds_done * 1000.0 / (double)ms : 0.0, stress_retries());
    return stress_failed() ? 1 : 0;
}

int stress_transient(int err)
{
    return err == EAGAIN || err == ENOMEM;
}

void stress_backoff(const char *what)
{
    atomic_fetch_add(&retries, 1);
    if (atomic_fetch_add(&retries_in_a_row, 1) == MAX_RETRIES_IN_A_ROW)
        stress_fail("%s: still out of memory after %d retries in a row", what, MAX_RETRIES_IN_A_ROW);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
}

long stress_retries(void)
{
    return atomic_load(&retries);
}

void stress_add_retries(long n)
{
    atomic_fetch_add(&retries, n);
}

void stress_progress(void)
{
    atomic_store(&retries_in_a_row, 0);
}

pid_t stress_fork(void)
{
    for (;;) {
        pid_t pid = fork();
        if (pid >= 0 || !stress_transient(errno) || stress_failed()) {
            if (pid > 0)
                stress_progress();
            return pid;
        }
        stress_backoff("fork");
    }
}

int stress_pipe(int fds[2], int flags)
{
    for (;;) {
        if (pipe2(fds, flags) == 0) {
            stress_progress();
            return 0;
        }
        if (!stress_transient(errno) || stress_failed())
            return -1;
        stress_backoff("pipe2");
    }
}

pid_t stress_spawn_self(char *const argv[], int out_fd)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    pid_t pid = -1;
    int err;
    while ((err = posix_spawn(&pid, stress_self, &fa, NULL, argv, environ)) && stress_transient(err) &&
           !stress_failed())
        stress_backoff("posix_spawn");
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        stress_fail("posix_spawn %s: %s", argv[1] ? argv[1] : "", strerror(err));
        return -1;
    }
    stress_progress();
    return pid;
}

void stress_exec_self(char *const argv[])
{
    execv(stress_self, argv);
    _exit(stress_transient(errno) ? STRESS_EXEC_ENOMEM : 127);
}

int stress_wait(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

ssize_t stress_read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int stress_write_full(int fd, const void *buf, size_t n)
{
    while (n > 0) {
        ssize_t r = write(fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        buf = (const char *)buf + r;
        n -= (size_t)r;
    }
    return 0;
}
