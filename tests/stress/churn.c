/*
 * churn: process and thread churn, the reproducer of issue 12 kept as a
 * regression test.  Before the fix (commit 276daa9) a preemption while a
 * thread's FPU area was being freed (thread exit, exec) saved the registers
 * into freed slab memory and the kernel crashed in kmem_cache_alloc.
 *
 *   churn ROUNDS [WORKERS]
 *
 * WORKERS processes (default 3, so that a thread is always waiting for the
 * CPU and slices end) share ROUNDS rounds.  A round is what a shell does
 * for `true; x=$(echo rN); echo rN | cat` plus a forked child and threads:
 *   1. posix_spawn (vfork + exec) of `churn --true`, exit status 0;
 *   2. a capture: posix_spawn of `churn --echo rN` with stdout on a pipe,
 *      the parent reads "rN\n" and the child's status 0;
 *   3. a pipeline: fork + exec `--echo rN` into pipe 1, vfork + exec `--cat`
 *      from pipe 1 into pipe 2, the parent reads "rN\n" from pipe 2;
 *   4. fork without exec: the child starts a thread that computes with SSE
 *      and exits the whole process (exit_group) while the thread runs;
 *   5. two short-lived threads in the worker computing with SSE, joined.
 * Every child's exit status, every byte read and every computation is
 * checked.  Children run with the vector registers full of a pattern, so a
 * kernel that loses track of a thread's FPU area shows it too.
 */
#include "stress.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fpu_regs.h"

/* What a worker did, sent to the main process at its end; cpus: the CPUs
 * (sched_getcpu) it was seen on at its rounds' starts, so stress-boot.sh
 * can tell that the churn ran on every CPU of the VM. */
static struct {
    long processes, threads, retries;
    unsigned long long cpus;
} tally;


/* A computation whose result is known: sums i * 0.5 in double precision.
 * volatile keeps the compiler from folding it away. */
static int sse_sum_ok(int n)
{
    volatile double sum = 0;
    for (int i = 0; i < n; i++)
        sum += i * 0.5;
    return sum == (double)n * (n - 1) / 4;
}

/* Holds a pattern in xmm0-15 across a few yields; 0 if it came back intact. */
static int xmm_pattern_ok(uint64_t seed)
{
    uint64_t in[32], out[32];
    for (int i = 0; i < 32; i++)
        in[i] = stress_rand(&seed);
    xmm_hold_spin(in, out, 2, 500);
    return memcmp(in, out, sizeof in) == 0;
}

static void *sse_thread(void *arg)
{
    uintptr_t seed = (uintptr_t)arg;
    return (void *)(uintptr_t)(sse_sum_ok(200 + (int)(seed % 64)) && xmm_pattern_ok(seed));
}

/* The child modes: the short programs the rounds exec. */
static int child_main(int argc, char **argv)
{
    if (!strcmp(argv[1], "--true"))
        return xmm_pattern_ok(0x1234) ? 0 : 3;
    if (!strcmp(argv[1], "--echo") && argc > 2) {
        char line[64];
        int n = snprintf(line, sizeof line, "%s\n", argv[2]);
        return stress_write_full(1, line, (size_t)n) == 0 && xmm_pattern_ok(0x5678) ? 0 : 3;
    }
    if (!strcmp(argv[1], "--cat")) {
        char buf[256];
        ssize_t n;
        while ((n = read(0, buf, sizeof buf)) != 0) {
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 || stress_write_full(1, buf, (size_t)n))
                return 3;
        }
        return 0;
    }
    return 2;
}

/* Checks a child's end: status 0, or (when `sigpipe_ok`: its reader never
 * started) death by SIGPIPE.  An exec that lacked memory (126) is transient:
 * returns 1 so the caller retries the step.  Otherwise 0. */
static int check_status_of(pid_t pid, const char *step, long round, int sigpipe_ok)
{
    int st = stress_wait(pid);
    if (st < 0) {
        stress_fail("round %ld, %s: waitpid(%d): %s", round, step, (int)pid, strerror(errno));
        return 0;
    }
    tally.processes++;
    if (WIFEXITED(st) && WEXITSTATUS(st) == STRESS_EXEC_ENOMEM) {
        stress_backoff(step);
        return 1;
    }
    if (sigpipe_ok && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE)
        return 1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        stress_fail("round %ld, %s: child %d %s %d", round, step, (int)pid,
                    WIFEXITED(st) ? "exited with status" : "killed by signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return 0;
}

static int check_status(pid_t pid, const char *step, long round)
{
    return check_status_of(pid, step, round, 0);
}

/* posix_spawn of `churn <mode> [arg]`, stdout on out_fd if >= 0. */
static pid_t spawn_child(const char *mode, const char *arg, int out_fd)
{
    return stress_spawn_self((char *[]){(char *)stress_self, (char *)mode, (char *)arg, NULL}, out_fd);
}

static int make_pipe(int fds[2])
{
    if (stress_pipe(fds, O_CLOEXEC) == 0)
        return 0;
    stress_fail("pipe2: %s", strerror(errno));
    return -1;
}

/* Reads what the pipe holds until EOF and compares it with want. */
static void expect_output(int fd, const char *want, const char *step, long round)
{
    char got[64];
    ssize_t n = stress_read_full(fd, got, sizeof got - 1);
    if (n < 0) {
        stress_fail("round %ld, %s: read: %s", round, step, strerror(errno));
        return;
    }
    got[n] = '\0';
    if (strcmp(got, want))
        stress_fail("round %ld, %s: read \"%s\", want \"%s\"", round, step, got, want);
}

/* Step 1: `true`. */
static int step_spawn_true(long round)
{
    pid_t pid = spawn_child("--true", NULL, -1);
    return pid < 0 ? 0 : check_status(pid, "spawn --true", round);
}

/* Step 2: x=$(echo rN). */
static int step_capture(long round, const char *word, const char *line)
{
    int p[2];
    if (make_pipe(p))
        return 0;
    pid_t pid = spawn_child("--echo", word, p[1]);
    close(p[1]);
    if (pid >= 0 && check_status(pid, "capture", round)) {
        close(p[0]);
        return 1;
    }
    if (pid >= 0)
        expect_output(p[0], line, "capture", round);
    close(p[0]);
    return 0;
}

/* Step 3: echo rN | cat, with fork + exec for echo and vfork + exec for cat. */
static int step_pipeline(long round, const char *word, const char *line)
{
    int p1[2], p2[2];
    if (make_pipe(p1))
        return 0;
    if (make_pipe(p2)) {
        close(p1[0]), close(p1[1]);
        return 0;
    }
    pid_t echo = stress_fork();
    if (echo == 0) {
        dup2(p1[1], 1);
        stress_exec_self((char *[]){(char *)stress_self, "--echo", (char *)word, NULL});
    }
    pid_t cat = echo < 0 ? -1 : vfork();
    if (cat == 0) {
        dup2(p1[0], 0);
        dup2(p2[1], 1);
        execv(stress_self, (char *[]){(char *)stress_self, "--cat", NULL});
        _exit(stress_transient(errno) ? STRESS_EXEC_ENOMEM : 127);
    }
    int vfork_err = errno;
    close(p1[0]), close(p1[1]), close(p2[1]);
    int retry = 0;
    if (echo < 0) {
        stress_fail("round %ld: fork: %s", round, strerror(errno));
    } else if (cat < 0) {
        if (!stress_transient(vfork_err))
            stress_fail("round %ld: vfork: %s", round, strerror(vfork_err));
        retry = check_status_of(echo, "pipeline echo", round, 1) || stress_transient(vfork_err);
    } else {
        char got[64];
        ssize_t n = stress_read_full(p2[0], got, sizeof got - 1);
        /* cat first: if its exec lacked memory, echo may die of SIGPIPE. */
        int cat_retry = check_status(cat, "pipeline cat", round);
        retry = check_status_of(echo, "pipeline echo", round, cat_retry) | cat_retry;
        if (!retry && (n < 0 || (got[n] = '\0', strcmp(got, line))))
            stress_fail("round %ld, pipeline: read \"%s\", want \"%s\"", round, n < 0 ? "(error)" : got, line);
    }
    close(p2[0]);
    return retry;
}

/* Step 4: a forked child that exits the process while its thread computes. */
static int step_fork_exit_group(long round)
{
    pid_t pid = stress_fork();
    if (pid == 0) {
        pthread_t t;
        /* Without memory for the thread the child still exits with 0: the
         * step is about the exit, and the parent cannot tell the two apart. */
        if (pthread_create(&t, NULL, sse_thread, (void *)(uintptr_t)round) == 0 && !sse_sum_ok(100))
            _exit(3);
        _exit(0);
    }
    if (pid < 0) {
        stress_fail("round %ld: fork: %s", round, strerror(errno));
        return 0;
    }
    return check_status(pid, "fork + exit_group", round);
}

/* Step 5: two short-lived threads, joined. */
static void step_threads(long round)
{
    pthread_t t[2];
    int started = 0;
    while (started < 2 && !stress_failed()) {
        int err = pthread_create(&t[started], NULL, sse_thread, (void *)(uintptr_t)(round * 2 + started));
        if (err == 0) {
            started++;
            tally.threads++;
            stress_progress();
        } else if (stress_transient(err)) {
            stress_backoff("pthread_create");
        } else {
            stress_fail("round %ld: pthread_create: %s", round, strerror(err));
        }
    }
    for (int i = 0; i < started; i++) {
        void *ok;
        pthread_join(t[i], &ok);
        if (!ok)
            stress_fail("round %ld: a thread's SSE result or registers were wrong", round);
    }
}

static void worker(long first, long count)
{
    for (long r = first; r < first + count && !stress_failed(); r++) {
        int cpu = sched_getcpu();
        if (cpu >= 0 && cpu < 64)
            tally.cpus |= 1ull << cpu;
        char word[24], line[32];
        snprintf(word, sizeof word, "r%ld", r);
        snprintf(line, sizeof line, "r%ld\n", r);
        while (step_spawn_true(r) && !stress_failed())
            ;
        while (step_capture(r, word, line) && !stress_failed())
            ;
        while (step_pipeline(r, word, line) && !stress_failed())
            ;
        while (step_fork_exit_group(r) && !stress_failed())
            ;
        step_threads(r);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && argv[1][0] == '-')
        return child_main(argc, argv);
    long rounds = stress_begin("churn", argc, argv);
    long workers = argc > 2 ? strtol(argv[2], NULL, 0) : 3;
    if (workers < 1 || workers > 64)
        workers = 3;
    pid_t pids[64];
    int tally_pipe[2]; /* each worker sends its tally here */
    if (stress_pipe(tally_pipe, O_CLOEXEC)) {
        stress_fail("pipe2: %s", strerror(errno));
        return stress_end(0);
    }
    for (long w = 0; w < workers; w++) {
        long first = rounds * w / workers, count = rounds * (w + 1) / workers - first;
        pids[w] = stress_fork();
        if (pids[w] == 0) {
            worker(first, count);
            tally.retries = stress_retries();
            (void)stress_write_full(tally_pipe[1], &tally, sizeof tally);
            _exit(stress_failed() ? 1 : 0);
        }
        if (pids[w] < 0)
            stress_fail("fork of worker %ld: %s", w, strerror(errno));
    }
    for (long w = 0; w < workers; w++) {
        if (pids[w] < 0)
            continue;
        int st = stress_wait(pids[w]);
        if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1)
            stress_mark_failed(); /* the worker printed why */
        else if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            stress_fail("worker %ld ended with wait status %#x", w, st);
    }
    close(tally_pipe[1]);
    long processes = 0, threads = 0;
    unsigned long long cpus = 0;
    while (stress_read_full(tally_pipe[0], &tally, sizeof tally) == sizeof tally) {
        processes += tally.processes;
        threads += tally.threads;
        cpus |= tally.cpus;
        stress_add_retries(tally.retries);
    }
    stress_note("note stress/churn: %ld processes and %ld threads lived and were checked", processes, threads);
    stress_note("note stress/churn: its workers ran on %d CPUs", __builtin_popcountll(cpus));
    return stress_end(rounds);
}
