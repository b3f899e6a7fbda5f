/*
 * sigstorm: signal storms at threads blocked in every kind of sleep, and
 * SIGKILL at processes blocked in them.
 *
 *   sigstorm ROUNDS
 *
 * One victim thread per sleep kind (futex wait, nanosleep, pipe read,
 * wait4, poll, select) makes its blocking call with a pattern in xmm0-15,
 * over and over: the call either ends with its real result or is cut short
 * by a signal (EINTR) and made again.  The main thread sends ROUNDS signals
 * round-robin at the victims (SIGUSR1 without SA_RESTART, SIGUSR2 with it);
 * the handler fills the vector registers with junk, so a sigreturn that
 * does not restore a victim's FPU state shows in its pattern.  Then every
 * victim is released (futex word set and woken, bytes written, the waited
 * child let go) and checks its call's result: the bytes, the poll and select
 * answers, the child's exit status.  Every victim must have handled at least
 * one signal.
 *
 * Every 16th round a child process blocks in one of the same sleeps (or
 * pause) and gets SIGKILL: it must die of it, whatever it was sleeping in.
 * Every 16th round, too, a child that exits at once is sent signals while
 * it exits (the sender reads the signal actions its exit frees).
 */
#include "stress.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fpu_regs.h"

/* The futex ABI (Linux include/uapi/linux/futex.h; musl has no header). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

enum kind { K_FUTEX, K_NANOSLEEP, K_READ, K_WAIT4, K_POLL, K_SELECT, NKINDS };
static const char *const kind_names[NKINDS] = {"futex", "nanosleep", "pipe read", "wait4", "poll", "select"};

struct victim {
    enum kind kind;
    pthread_t thread;
    atomic_int tid;
    long handled, interrupted;
    int pipe[2];  /* read, poll, select: the victim waits on pipe[0]; wait4: its child does */
    pid_t child;  /* wait4 */
    char why[160];
};

static struct victim victims[NKINDS];
static atomic_int futex_word; /* 0 until released */
static atomic_int released;
static __thread long handled_here;

/* Fills the vector registers with junk: whatever the interrupted code held
 * there must come back from the signal frame, not from here. */
static void handler(int sig)
{
    static const uint64_t junk[32] = {[0 ... 31] = 0xdeadbeefdeadbeefull};
    uint64_t out[32];
    (void)sig;
    xmm_hold_spin(junk, out, 1, 1);
    handled_here++;
}

static long blocking_call(struct victim *v, const uint64_t *in, uint64_t *out, char *buf, int *status,
                          struct timespec *rem)
{
    struct pollfd pfd = {.fd = v->pipe[0], .events = POLLIN};
    fd_set rd;
    static const struct timespec twenty_ms = {0, 20000000};
    switch (v->kind) {
    case K_FUTEX:
        return xmm_syscall(in, out, SYS_futex, (long)&futex_word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
    case K_NANOSLEEP:
        return xmm_syscall(in, out, SYS_nanosleep, (long)&twenty_ms, (long)rem, 0, 0, 0, 0);
    case K_READ:
        return xmm_syscall(in, out, SYS_read, v->pipe[0], (long)buf, 8, 0, 0, 0);
    case K_WAIT4:
        return xmm_syscall(in, out, SYS_wait4, v->child, (long)status, 0, 0, 0, 0);
    case K_POLL:
        return xmm_syscall(in, out, SYS_poll, (long)&pfd, 1, -1, 0, 0, 0);
    case K_SELECT:
        FD_ZERO(&rd);
        FD_SET(v->pipe[0], &rd);
        return xmm_syscall(in, out, SYS_select, v->pipe[0] + 1, (long)&rd, 0, 0, 0, 0); /* no timeout */
    default:
        return -EINVAL;
    }
}

/* Checks the final result of a victim's call; NULL if right. */
static const char *check_result(struct victim *v, long r, const char *buf, int status)
{
    switch (v->kind) {
    case K_FUTEX:
        return r == 0 || r == -EAGAIN ? NULL : "futex wait failed";
    case K_NANOSLEEP:
        return r == 0 ? NULL : "nanosleep failed";
    case K_READ:
        return r == 8 && !memcmp(buf, "released", 8) ? NULL : "read returned the wrong bytes";
    case K_WAIT4:
        return r == v->child && WIFEXITED(status) && WEXITSTATUS(status) == 42 ? NULL : "wrong wait4 result";
    case K_POLL:
    case K_SELECT:
        return r == 1 ? NULL : "not readable after the release";
    default:
        return "unknown kind";
    }
}

static void *victim_thread(void *arg)
{
    struct victim *v = arg;
    uint64_t seed = 0x51c0ffee + (uint64_t)v->kind, in[32], out[32];
    for (int i = 0; i < 32; i++)
        in[i] = stress_rand(&seed);
    atomic_store(&v->tid, (int)syscall(SYS_gettid));
    for (;;) {
        char buf[8] = {0};
        int status = 0;
        struct timespec rem = {0, 0};
        long r = blocking_call(v, in, out, buf, &status, &rem);
        if (memcmp(in, out, sizeof in)) {
            snprintf(v->why, sizeof v->why, "xmm registers changed across %s (result %ld)", kind_names[v->kind], r);
            break;
        }
        if (r == -EINTR) {
            v->interrupted++;
            /* The remainder is at most what was asked for, plus timer slack
             * on Linux (which reports a few microseconds more at times). */
            if (v->kind == K_NANOSLEEP && (rem.tv_sec != 0 || rem.tv_nsec > 2 * 20000000)) {
                snprintf(v->why, sizeof v->why, "nanosleep left %ld.%09ld s of 0.02", (long)rem.tv_sec, rem.tv_nsec);
                break;
            }
            continue;
        }
        /* Before the release a futex or nanosleep may end normally: go on. */
        if ((v->kind == K_FUTEX || v->kind == K_NANOSLEEP) && !atomic_load(&released) && r == 0)
            continue;
        const char *bad = check_result(v, r, buf, status);
        if (bad)
            snprintf(v->why, sizeof v->why, "%s: %s (result %ld)", kind_names[v->kind], bad, r);
        break;
    }
    v->handled = handled_here;
    return NULL;
}

/* The child a wait4 victim waits for: exits 42 when its pipe says so. */
static pid_t start_waited_child(int pipe_fds[2])
{
    pid_t pid = stress_fork();
    if (pid == 0) {
        char c;
        close(pipe_fds[1]);
        while (read(pipe_fds[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(42);
    }
    return pid;
}

/* A child blocked in sleep kind k (or pause), killed with SIGKILL. */
static void kill_sleeper(long round)
{
    int p[2];
    if (stress_pipe(p, 0)) {
        stress_fail("pipe: %s", strerror(errno));
        return;
    }
    int k = (int)(round / 16 % (NKINDS + 1));
    pid_t pid = stress_fork();
    if (pid == 0) {
        close(p[1]);
        static atomic_int word;
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(p[0], &rd);
        char c;
        struct timespec long_time = {1000, 0};
        switch (k) {
        case K_FUTEX: syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL); break;
        case K_NANOSLEEP: nanosleep(&long_time, NULL); break;
        case K_READ: (void)!read(p[0], &c, 1); break;
        /* a grandchild that ends when this child dies and closes the pipe */
        case K_WAIT4: waitpid(start_waited_child(p), NULL, 0); break;
        case K_POLL: poll(&pfd, 1, -1); break;
        case K_SELECT: select(p[0] + 1, &rd, NULL, NULL, NULL); break;
        default: pause(); break;
        }
        _exit(3); /* woken without the kill: the parent reports it */
    }
    close(p[0]);
    if (pid > 0) {
        kill(pid, SIGKILL);
        int st = stress_wait(pid);
        if (st < 0 || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
            stress_fail("round %ld: a child sleeping in %s did not die of SIGKILL (wait status %#x)", round,
                        k < NKINDS ? kind_names[k] : "pause", st);
    } else {
        stress_fail("fork: %s", strerror(errno));
    }
    close(p[1]);
}

/* Signals at a child while it exits by itself: a sender reads the target's
 * signal actions, which its exit frees.  The child inherits the handler, so
 * whatever arrives, it must exit with 0. */
static void signal_exiting_child(long round)
{
    pid_t pid = stress_fork();
    if (pid == 0)
        _exit(0);
    if (pid < 0) {
        stress_fail("fork: %s", strerror(errno));
        return;
    }
    for (int i = 0; i < 32 && kill(pid, SIGUSR1) == 0; i++)
        ;
    int st = stress_wait(pid);
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        stress_fail("round %ld: a child signalled while exiting ended with wait status %#x", round, st);
}

int main(int argc, char **argv)
{
    long rounds = stress_begin("sigstorm", argc, argv);
    struct sigaction plain = {.sa_handler = handler}, restart = {.sa_handler = handler, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &plain, NULL);
    sigaction(SIGUSR2, &restart, NULL);
    for (int k = 0; k < NKINDS; k++) {
        struct victim *v = &victims[k];
        v->kind = (enum kind)k;
        if (stress_pipe(v->pipe, 0)) {
            stress_fail("pipe: %s", strerror(errno));
            return stress_end(0);
        }
        if (k == K_WAIT4 && (v->child = start_waited_child(v->pipe)) < 0) {
            stress_fail("fork: %s", strerror(errno));
            return stress_end(0);
        }
        int err = pthread_create(&v->thread, NULL, victim_thread, v);
        if (err) {
            stress_fail("pthread_create: %s", strerror(err));
            return stress_end(0);
        }
    }
    for (int k = 0; k < NKINDS; k++)
        while (!atomic_load(&victims[k].tid))
            sched_yield();
    long r;
    int tgkill_err = 0;
    for (r = 0; r < rounds && !stress_failed(); r++) {
        struct victim *v = &victims[r % NKINDS];
        if (syscall(SYS_tgkill, getpid(), atomic_load(&v->tid), r & 1 ? SIGUSR2 : SIGUSR1)) {
            tgkill_err = errno; /* a victim that gave up says why below */
            break;
        }
        sched_yield();
        if (r % 16 == 15)
            kill_sleeper(r);
        if (r % 16 == 7)
            signal_exiting_child(r);
    }
    /* The release: every victim's call can now end with its real result. */
    atomic_store(&released, 1);
    atomic_store(&futex_word, 1);
    syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1);
    for (int k = 0; k < NKINDS; k++) {
        struct victim *v = &victims[k];
        if (k != K_NANOSLEEP && k != K_FUTEX && stress_write_full(v->pipe[1], "released", 8))
            stress_fail("write: %s", strerror(errno));
    }
    for (int k = 0; k < NKINDS; k++) {
        struct victim *v = &victims[k];
        pthread_join(v->thread, NULL);
        if (v->why[0])
            stress_fail("%s", v->why);
        else if (rounds >= NKINDS && v->handled == 0)
            stress_fail("the %s victim handled no signal", kind_names[k]);
    }
    if (tgkill_err)
        stress_fail("tgkill: %s", strerror(tgkill_err));
    stress_note("note stress/sigstorm: %ld signals sent, %ld SIGKILLed sleepers, %ld children signalled while exiting",
                r, r / 16, (r + 8) / 16);
    return stress_end(r);
}
