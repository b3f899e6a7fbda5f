/* Process attributes: nice values (getpriority/setpriority per thread,
 * clamping, inheritance by threads and fork, errors) and the parent-death
 * signal (prctl PR_SET_PDEATHSIG: sent when the parent process ends, and
 * when only the parent's thread that made the child ends).  Each check
 * runs in a forked child so the runner's own nice value stays. */
#include "abi.h"

#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* Runs body in a forked child, which exits 0 when every CHILD_CHECK held;
 * a failed one prints a note naming its line and exits 1. */
#define IN_CHILD(body) do { \
        pid_t _pid = fork(); \
        CHECK(_pid >= 0, "fork: %s", abi_errname(errno)); \
        if (_pid == 0) { body; _exit(0); } \
        int _st = abi_wait(_pid); \
        CHECK(WIFEXITED(_st) && WEXITSTATUS(_st) == 0, "the child failed (status %#x; see the note)", _st); \
    } while (0)
#define CHILD_CHECK(c) do { \
        if (!(c)) { \
            abi_note("procattr child: line %d: %s is false (errno %s)", __LINE__, #c, abi_errname(errno)); \
            _exit(1); \
        } \
    } while (0)

static int nice_of(int which, int who)
{
    errno = 0;
    int n = getpriority(which, who);
    return errno ? 1000 + errno : n;
}

static void *report_nice(void *arg)
{
    (void)arg;
    return (void *)(long)nice_of(PRIO_PROCESS, 0);
}

static void t_nice_self(void)
{
    IN_CHILD({
        CHILD_CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0);
        CHILD_CHECK(nice_of(PRIO_PROCESS, 0) == 5);
        CHILD_CHECK(nice_of(PRIO_PROCESS, getpid()) == 5);
        /* The raw call returns 20 - nice. */
        CHILD_CHECK(syscall(SYS_getpriority, PRIO_PROCESS, 0) == 15);
        CHILD_CHECK(setpriority(PRIO_PROCESS, 0, 100) == 0); /* clamped */
        CHILD_CHECK(nice_of(PRIO_PROCESS, 0) == 19);
        CHILD_CHECK(setpriority(PRIO_PROCESS, 0, -100) == 0); /* root may lower it */
        CHILD_CHECK(nice_of(PRIO_PROCESS, 0) == -20);
        CHILD_CHECK(syscall(SYS_getpriority, PRIO_PROCESS, 0) == 40);
        CHILD_CHECK(nice(3) == -17); /* musl's nice() goes through setpriority */
        CHILD_CHECK(nice_of(PRIO_PROCESS, 0) == -17);
    });
}

static void t_nice_inherited(void)
{
    IN_CHILD({
        CHILD_CHECK(setpriority(PRIO_PROCESS, 0, 7) == 0);
        pthread_t th;
        void *seen;
        CHILD_CHECK(pthread_create(&th, NULL, report_nice, NULL) == 0);
        CHILD_CHECK(pthread_join(th, &seen) == 0);
        CHILD_CHECK((long)seen == 7);
        pid_t g = fork();
        CHILD_CHECK(g >= 0);
        if (g == 0)
            _exit(nice_of(PRIO_PROCESS, 0) == 7 ? 0 : 1);
        int st = abi_wait(g);
        CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    });
}

struct thread_nice {
    pid_t tid;
    int go[2]; /* the main thread writes when the check is done */
};

static void *park(void *arg)
{
    struct thread_nice *t = arg;
    t->tid = (pid_t)syscall(SYS_gettid);
    char c;
    return (void *)(long)(read(t->go[0], &c, 1) == 1 ? nice_of(PRIO_PROCESS, 0) : 1000);
}

static void t_nice_per_thread(void)
{
    /* PRIO_PROCESS names one thread by its tid, as on Linux. */
    IN_CHILD({
        struct thread_nice t = {0};
        int base = nice_of(PRIO_PROCESS, 0);
        CHILD_CHECK(base != 11);
        CHILD_CHECK(pipe(t.go) == 0);
        pthread_t th;
        CHILD_CHECK(pthread_create(&th, NULL, park, &t) == 0);
        while (!__atomic_load_n(&t.tid, __ATOMIC_ACQUIRE))
            sched_yield();
        CHILD_CHECK(setpriority(PRIO_PROCESS, t.tid, 11) == 0);
        CHILD_CHECK(nice_of(PRIO_PROCESS, t.tid) == 11);
        CHILD_CHECK(nice_of(PRIO_PROCESS, 0) == base); /* the calling thread kept its own */
        CHILD_CHECK(write(t.go[1], "g", 1) == 1);
        void *seen;
        CHILD_CHECK(pthread_join(th, &seen) == 0);
        CHILD_CHECK((long)seen == 11);
    });
}

static void t_nice_errors(void)
{
    ERR(syscall(SYS_getpriority, 3, 0), EINVAL);
    ERR(syscall(SYS_setpriority, -1, 0, 0), EINVAL);
    ERR(syscall(SYS_getpriority, PRIO_PROCESS, 0x3ffffff0), ESRCH);
    ERR(syscall(SYS_setpriority, PRIO_PROCESS, 0x3ffffff0, 0), ESRCH);
    ERR(syscall(SYS_getpriority, PRIO_PROCESS, -5), ESRCH);
    ERR(syscall(SYS_getpriority, PRIO_USER, 0x3ffffff0), ESRCH);
    ERR(syscall(SYS_getpriority, PRIO_PGRP, 0x3ffffff0), ESRCH);
}

static volatile sig_atomic_t got_sig;
static void on_sig(int sig) { got_sig = sig; }

/* The child side: arms the parent-death signal, says so on armed, waits
 * for SIGUSR1 and reports it on result. */
static void pdeath_child(int armed, int result)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    signal(SIGUSR1, on_sig);
    if (prctl(PR_SET_PDEATHSIG, SIGUSR1) != 0)
        _exit(2);
    int sig = 0;
    if (prctl(PR_GET_PDEATHSIG, &sig) != 0 || sig != SIGUSR1)
        _exit(3);
    if (write(armed, "a", 1) != 1)
        _exit(4);
    while (!got_sig)
        sigsuspend(&old);
    _exit(write(result, "S", 1) == 1 ? 0 : 5);
}

/* Waits (bounded) for the child's report; returns the byte or 0. */
static char wait_report(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    char c = 0;
    if (poll(&p, 1, 20000) == 1 && read(fd, &c, 1) != 1)
        c = 0;
    return c;
}

static void t_pdeathsig_parent_exits(void)
{
    int armed[2], result[2], pidpipe[2];
    OK(pipe(armed));
    OK(pipe(result));
    OK(pipe(pidpipe));
    OK(prctl(PR_SET_CHILD_SUBREAPER, 1)); /* the orphan comes here to be reaped */
    pid_t mid = OK(fork());
    if (mid == 0) {
        pid_t c = fork();
        if (c == 0)
            pdeath_child(armed[1], result[1]);
        char a;
        bool ok = c > 0 && read(armed[0], &a, 1) == 1 && write(pidpipe[1], &c, sizeof c) == sizeof c;
        _exit(ok ? 0 : 1); /* the parent dies once the child is armed */
    }
    int st = abi_wait(mid);
    pid_t orphan = -1;
    bool told = read(pidpipe[0], &orphan, sizeof orphan) == sizeof orphan;
    char c = told ? wait_report(result[0]) : 0;
    if (told && c != 'S')
        kill(orphan, SIGKILL);
    int ost = told ? abi_wait(orphan) : -1;
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    close(armed[0]), close(armed[1]), close(result[0]), close(result[1]), close(pidpipe[0]), close(pidpipe[1]);
    CHECK(told && WIFEXITED(st) && WEXITSTATUS(st) == 0, "middle process status %#x", st);
    CHECK(c == 'S', "the child never got its parent-death signal (it ended with status %#x)", ost);
    CHECK(WIFEXITED(ost) && WEXITSTATUS(ost) == 0, "the orphan ended with status %#x", ost);
}

struct forker {
    int armed[2], result[2];
    pid_t child;
};

static void *fork_and_leave(void *arg)
{
    struct forker *f = arg;
    pid_t c = fork();
    if (c == 0)
        pdeath_child(f->armed[1], f->result[1]);
    f->child = c;
    char a;
    if (c > 0 && read(f->armed[0], &a, 1) != 1)
        f->child = -1;
    return NULL; /* this thread ends; the process lives on */
}

static void t_pdeathsig_parent_thread_exits(void)
{
    struct forker f;
    OK(pipe(f.armed));
    OK(pipe(f.result));
    pthread_t th;
    RET(pthread_create(&th, NULL, fork_and_leave, &f), 0);
    RET(pthread_join(th, NULL), 0);
    CHECK(f.child > 0, "the thread could not fork its child");
    char c = wait_report(f.result[0]);
    if (c != 'S')
        kill(f.child, SIGKILL);
    int st = abi_wait(f.child);
    CHECK(c == 'S', "the child did not get the signal when the thread that made it ended");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
    close(f.armed[0]), close(f.armed[1]), close(f.result[0]), close(f.result[1]);
}

static void t_pdeathsig_not_inherited_and_errors(void)
{
    IN_CHILD({
        CHILD_CHECK(prctl(PR_SET_PDEATHSIG, SIGTERM) == 0);
        pid_t g = fork();
        CHILD_CHECK(g >= 0);
        if (g == 0) {
            int s = -1;
            _exit(prctl(PR_GET_PDEATHSIG, &s) == 0 && s == 0 ? 0 : 1);
        }
        int st = abi_wait(g);
        CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        errno = 0;
        CHILD_CHECK(prctl(PR_SET_PDEATHSIG, 65) == -1 && errno == EINVAL);
        CHILD_CHECK(syscall(SYS_prctl, PR_GET_PDEATHSIG, ABI_BAD_LOW) == -1 && errno == EFAULT);
        CHILD_CHECK(prctl(PR_SET_PDEATHSIG, 0) == 0);
        int s = -1;
        CHILD_CHECK(prctl(PR_GET_PDEATHSIG, &s) == 0 && s == 0);
    });
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(nice_self);
    RUN(nice_inherited);
    RUN(nice_per_thread);
    RUN(nice_errors);
    RUN(pdeathsig_parent_exits);
    RUN(pdeathsig_parent_thread_exits);
    RUN(pdeathsig_not_inherited_and_errors);
    return abi_end();
}
