/* Job control: process groups and sessions (setpgid, getpgid, getpgrp,
 * setsid, getsid and their refusals), kill and wait by group, stop and
 * continue (SIGSTOP, SIGTSTP; wait4's WUNTRACED/WCONTINUED status words,
 * waitid's CLD_STOPPED/CLD_CONTINUED, SIGCHLD codes and SA_NOCLDSTOP; every
 * thread stops; a sleep and a blocked read go on after SIGCONT), orphaned
 * groups (SIGHUP then SIGCONT for a stopped member, terminal stop signals
 * thrown away), /proc's group, session and T state, and a controlling
 * terminal (acquired on open by a session leader, TIOCSCTTY, TIOCNOTTY,
 * TIOCGPGRP/TIOCSPGRP, TIOCGSID, /dev/tty, SIGTTOU and SIGTTIN for a
 * background group, SIGHUP to the foreground group when the leader exits).
 *
 * Every check runs in a new session made by a forked child, so the
 * runner's own group and terminal never matter.  The terminal is a pty on
 * the host and /dev/ttyS0 (the console) in the VM; the terminal checks
 * SKIP when there is neither. */
#include "abi.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

/* In a session's process: a failed condition prints a note naming its
 * line and exits 1, which the check reports. */
#define SC(c) do { \
        if (!(c)) { \
            abi_note("jobctl: line %d: %s is false (errno %s)", __LINE__, #c, abi_errname(errno)); \
            _exit(1); \
        } \
    } while (0)

/* Runs body in a forked child that has made a new session; returns its wait status. */
static int run_in_session(void (*body)(void))
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        SC(setsid() == getpid());
        body();
        _exit(0);
    }
    return abi_wait(pid);
}

#define IN_SESSION(fn) do { \
        int _st = run_in_session(fn); \
        CHECK(WIFEXITED(_st) && WEXITSTATUS(_st) == 0, "the session failed (status %#x; see the note)", _st); \
    } while (0)

/* A child that waits for signals for ever; in its own group if asked. */
static pid_t idle_child(bool own_group)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    if (pid > 0 && own_group)
        setpgid(pid, pid);
    return pid;
}

/* Waits (up to 10 s) for a byte on fd; returns it, or -1. */
static int read_byte(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    unsigned char c;
    if (poll(&p, 1, 10000) != 1 || read(fd, &c, 1) != 1)
        return -1;
    return c;
}

/* Fields 3.. of /proc/<pid>/stat: state, ppid, pgrp, session, tty_nr, tpgid. */
static bool stat_of(pid_t pid, char *state, int *pgrp, int *sid, int *tty_nr, int *tpgid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (abi_read_text(path, buf, sizeof buf) < 0)
        return false;
    char *p = strrchr(buf, ')');
    int ppid;
    return p && sscanf(p + 1, " %c %d %d %d %d %d", state, &ppid, pgrp, sid, tty_nr, tpgid) == 6;
}

static void ids_of_a_new_session(void)
{
    pid_t me = getpid();
    SC(getsid(0) == me && getsid(me) == me);
    SC(getpgrp() == me && getpgid(0) == me && getpgid(me) == me);
    errno = 0;
    SC(setsid() == -1 && errno == EPERM); /* it leads a group */
    errno = 0;
    SC(setpgid(0, 0) == -1 && errno == EPERM); /* a session leader stays in its group */
    errno = 0;
    SC(getpgid(0x3ffffff0) == -1 && errno == ESRCH);
    errno = 0;
    SC(getsid(0x3ffffff0) == -1 && errno == ESRCH);
    errno = 0;
    SC(open("/dev/tty", O_RDWR) == -1 && errno == ENXIO); /* no controlling terminal */
    char state;
    int pgrp, sid, tty_nr, tpgid;
    SC(stat_of(me, &state, &pgrp, &sid, &tty_nr, &tpgid));
    SC(pgrp == me && sid == me && tty_nr == 0 && tpgid == -1);
    pid_t c = idle_child(false);
    SC(c > 0 && getpgid(c) == me && getsid(c) == me); /* inherited */
    SC(stat_of(c, &state, &pgrp, &sid, &tty_nr, &tpgid) && pgrp == me && sid == me);
    kill(c, SIGKILL);
    int st;
    SC(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static void t_ids_of_a_new_session(void)
{
    IN_SESSION(ids_of_a_new_session);
}

static void setpgid_rules(void)
{
    pid_t me = getpid();
    pid_t c = idle_child(false);
    SC(c > 0);
    SC(setpgid(c, c) == 0 && getpgid(c) == c);
    SC(setpgid(c, 0) == 0 && getpgid(c) == c); /* 0: its own pid */
    SC(setpgid(c, me) == 0 && getpgid(c) == me);
    errno = 0;
    SC(setpgid(c, -1) == -1 && errno == EINVAL);
    errno = 0;
    SC(setpgid(c, 0x3ffffff0) == -1 && errno == EPERM); /* no such group in the session */
    errno = 0;
    SC(setpgid(getppid(), 0) == -1 && errno == ESRCH); /* not a child */
    /* a child that has exec'd */
    int p[2];
    SC(pipe(p) == 0);
    pid_t e = fork();
    if (e == 0) {
        char prog[256], fd[16];
        snprintf(fd, sizeof fd, "%d", p[1]);
        execl(abi_prog_path(prog, sizeof prog, "jobctl"), prog, "--child", "exec-and-wait", fd, (char *)NULL);
        _exit(127);
    }
    SC(e > 0 && read_byte(p[0]) == 'x');
    errno = 0;
    SC(setpgid(e, e) == -1 && errno == EACCES);
    /* a child in a session of its own */
    pid_t s = fork();
    if (s == 0) {
        setsid();
        write(p[1], "s", 1);
        for (;;)
            pause();
    }
    SC(s > 0 && read_byte(p[0]) == 's');
    errno = 0;
    SC(setpgid(s, s) == -1 && errno == EPERM);
    errno = 0;
    SC(setpgid(c, s) == -1 && errno == EPERM); /* a group of another session */
    kill(c, SIGKILL);
    kill(e, SIGKILL);
    kill(s, SIGKILL);
    while (wait(NULL) > 0)
        ;
}

static void t_setpgid_rules(void)
{
    IN_SESSION(setpgid_rules);
}

static void kill_and_wait_by_group(void)
{
    pid_t a = idle_child(true), b = idle_child(false), d = idle_child(false);
    SC(a > 0 && b > 0 && d > 0);
    SC(setpgid(b, a) == 0);
    int st;
    SC(waitpid(0, &st, WNOHANG) == 0); /* d is in our group and alive */
    SC(kill(-a, 0) == 0 && kill(0, 0) == 0);
    SC(kill(-a, SIGUSR1) == 0);
    for (int i = 0; i < 2; i++) {
        pid_t w = waitpid(-a, &st, 0);
        SC((w == a || w == b) && WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);
    }
    errno = 0;
    SC(waitpid(-a, &st, 0) == -1 && errno == ECHILD);
    errno = 0;
    SC(kill(-a, 0) == -1 && errno == ESRCH);
    errno = 0;
    SC(kill(-0x3ffffff0, SIGUSR1) == -1 && errno == ESRCH);
    errno = 0;
    SC(kill(INT32_MIN, 0) == -1 && errno == ESRCH);
    siginfo_t si;
    SC(kill(d, SIGKILL) == 0);
    memset(&si, 0, sizeof si);
    SC(waitid(P_PGID, 0, &si, WEXITED) == 0 && si.si_pid == d && si.si_code == CLD_KILLED);
    errno = 0;
    SC(waitid(P_PGID, getpgrp(), &si, WEXITED) == -1 && errno == ECHILD);
}

static void t_kill_and_wait_by_group(void)
{
    IN_SESSION(kill_and_wait_by_group);
}

static volatile int chld_codes[8], chld_pids[8], nchld;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (nchld < 8) {
        chld_codes[nchld] = si->si_code;
        chld_pids[nchld] = si->si_pid;
        nchld++;
    }
}

static void catch_chld(int flags)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    sigaction(SIGCHLD, &sa, NULL);
    nchld = 0;
}

/* Waits (up to 10 s) until n SIGCHLD were caught. */
static bool got_chld(int n)
{
    for (int i = 0; i < 1000 && nchld < n; i++)
        abi_sleep_ms(10);
    return nchld >= n;
}

static void stop_and_continue(void)
{
    catch_chld(0);
    pid_t c = idle_child(true); /* in a group of its own, not orphaned */
    SC(c > 0);
    int st;
    char state;
    int pgrp, sid, tty_nr, tpgid;
    SC(kill(c, SIGSTOP) == 0);
    SC(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    SC(st == 0x137f);
    SC(waitpid(c, &st, WUNTRACED | WNOHANG) == 0); /* reported once */
    SC(stat_of(c, &state, &pgrp, &sid, &tty_nr, &tpgid) && state == 'T');
    SC(kill(c, SIGCONT) == 0);
    SC(waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st) && st == 0xffff);
    SC(got_chld(2));
    SC(chld_codes[0] == CLD_STOPPED && chld_pids[0] == c);
    SC(chld_codes[1] == CLD_CONTINUED && chld_pids[1] == c);
    /* SIGTSTP stops too; a stopped process dies of SIGKILL */
    SC(kill(c, SIGTSTP) == 0);
    SC(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP);
    SC(kill(c, SIGKILL) == 0);
    SC(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    /* without WUNTRACED a stop is not reported */
    c = idle_child(true);
    SC(c > 0 && kill(c, SIGSTOP) == 0);
    SC(got_chld(5)); /* CLD_STOPPED, after SIGTSTP's and the CLD_KILLED above */
    SC(chld_codes[2] == CLD_STOPPED && chld_codes[3] == CLD_KILLED);
    SC(chld_codes[4] == CLD_STOPPED && chld_pids[4] == c);
    SC(waitpid(c, &st, WNOHANG) == 0);
    SC(kill(c, SIGKILL) == 0);
    SC(waitpid(c, &st, 0) == c && WIFSIGNALED(st));
}

static void t_stop_and_continue(void)
{
    IN_SESSION(stop_and_continue);
}

static void waitid_reports(void)
{
    pid_t c = idle_child(true);
    SC(c > 0 && kill(c, SIGSTOP) == 0);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    SC(waitid(P_PID, c, &si, WSTOPPED | WNOWAIT) == 0);
    SC(si.si_pid == c && si.si_signo == SIGCHLD && si.si_code == CLD_STOPPED && si.si_status == SIGSTOP);
    memset(&si, 0, sizeof si);
    SC(waitid(P_PID, c, &si, WSTOPPED) == 0 && si.si_code == CLD_STOPPED); /* WNOWAIT left it */
    memset(&si, 0, sizeof si);
    SC(waitid(P_PID, c, &si, WSTOPPED | WNOHANG) == 0 && si.si_pid == 0);
    SC(kill(c, SIGCONT) == 0);
    memset(&si, 0, sizeof si);
    SC(waitid(P_PID, c, &si, WCONTINUED) == 0 && si.si_code == CLD_CONTINUED && si.si_status == SIGCONT);
    errno = 0;
    SC(waitid(P_PID, c, &si, WNOHANG) == -1 && errno == EINVAL); /* no event asked for */
    SC(kill(c, SIGKILL) == 0);
    SC(waitid(P_PID, c, &si, WEXITED) == 0 && si.si_code == CLD_KILLED && si.si_status == SIGKILL);
}

static void t_waitid_reports(void)
{
    IN_SESSION(waitid_reports);
}

static void nocldstop(void)
{
    catch_chld(SA_NOCLDSTOP);
    pid_t c = idle_child(true);
    int st;
    SC(c > 0 && kill(c, SIGSTOP) == 0);
    SC(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st));
    SC(kill(c, SIGCONT) == 0);
    SC(waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st));
    SC(kill(c, SIGKILL) == 0);
    SC(waitpid(c, &st, 0) == c);
    SC(got_chld(1)); /* only the end */
    SC(nchld == 1 && chld_codes[0] == CLD_KILLED);
}

static void t_sa_nocldstop(void)
{
    IN_SESSION(nocldstop);
}

static int writer_pipe;

static void *keep_writing(void *arg)
{
    (void)arg;
    for (;;) {
        write(writer_pipe, "w", 1); /* non-blocking: a full pipe just drops it */
        abi_sleep_ms(1);
    }
    return NULL;
}

static void every_thread_stops(void)
{
    int p[2];
    SC(pipe2(p, O_NONBLOCK) == 0);
    pid_t c = fork();
    if (c == 0) {
        writer_pipe = p[1];
        pthread_t t;
        pthread_create(&t, NULL, keep_writing, NULL);
        pthread_create(&t, NULL, keep_writing, NULL);
        for (;;)
            pause();
    }
    SC(c > 0 && setpgid(c, c) == 0);
    SC(read_byte(p[0]) == 'w');
    int st;
    SC(kill(c, SIGSTOP) == 0);
    SC(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st));
    char buf[4096];
    while (read(p[0], buf, sizeof buf) > 0)
        ;
    abi_sleep_ms(200);
    errno = 0;
    SC(read(p[0], buf, sizeof buf) == -1 && errno == EAGAIN); /* no thread ran */
    SC(kill(c, SIGCONT) == 0);
    SC(read_byte(p[0]) == 'w');
    SC(kill(c, SIGKILL) == 0);
    SC(waitpid(c, &st, 0) == c);
}

static void t_every_thread_stops(void)
{
    IN_SESSION(every_thread_stops);
}

/* A stop in the middle of nanosleep or of a blocked read is not an error
 * for them: both go on after SIGCONT (Linux restarts them). */
static void calls_go_on(void)
{
    int report[2], feed[2];
    SC(pipe(report) == 0 && pipe(feed) == 0);
    pid_t c = fork();
    if (c == 0) {
        write(report[1], "s", 1);
        struct timespec ts = {0, 300000000};
        char r = nanosleep(&ts, NULL) == 0 ? '0' : 'E';
        write(report[1], &r, 1);
        char b;
        r = read(feed[0], &b, 1) == 1 && b == 'f' ? 'r' : 'E';
        write(report[1], &r, 1);
        _exit(0);
    }
    SC(c > 0 && setpgid(c, c) == 0);
    int st;
    SC(read_byte(report[0]) == 's');
    SC(kill(c, SIGSTOP) == 0);
    SC(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st));
    SC(kill(c, SIGCONT) == 0);
    SC(read_byte(report[0]) == '0');
    abi_sleep_ms(50); /* likely in its read now; the check holds either way */
    SC(kill(c, SIGSTOP) == 0);
    SC(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st));
    SC(kill(c, SIGCONT) == 0);
    SC(write(feed[1], "f", 1) == 1);
    SC(read_byte(report[0]) == 'r');
    SC(waitpid(c, &st, 0) == c && WIFEXITED(st));
}

static void t_calls_go_on_after_continue(void)
{
    IN_SESSION(calls_go_on);
}

/* Stopped and continued with no handler, waiting calls go on as Linux's
 * -ERESTART* codes make them: nanosleep, a relative and an absolute
 * clock_nanosleep, a poll and a futex wait with a timeout go on to their first deadline
 * (the time stopped counts: stopped past it, they return as soon as they
 * run), select for the time it wrote back into tv as it was stopped (the
 * time stopped does not count; tv reads 0 at its end), an
 * endless poll and pause/sigsuspend keep waiting (for data, for a handler).
 * Each waiter is a thread of one child process, reporting a struct waited. */
enum { WAIT_NANOSLEEP, WAIT_CLOCK_REL, WAIT_CLOCK_ABS, WAIT_POLL, WAIT_FUTEX, WAIT_SELECT, WAIT_POLL_FOREVER, WAIT_PAUSE,
       WAIT_SIGSUSPEND, NWAITERS };
#define WAIT_MS 2000

struct waited {
    int which, result, err;
    long long returned_ns; /* CLOCK_MONOTONIC at the return */
    int handled;           /* handler runs seen at the return (pause, sigsuspend) */
    int tv_zero;           /* select: tv was 0 after it */
};

static int waited_pipe, never_fd, feed_fd;
static pid_t waiter_tids[NWAITERS];
static volatile sig_atomic_t handled_usr1, handled_usr2;

static void on_usr(int sig)
{
    if (sig == SIGUSR1)
        handled_usr1++;
    else
        handled_usr2++;
}

static void *waiter(void *arg)
{
    int which = (int)(long)arg;
    struct waited w = {.which = which};
    waiter_tids[which] = (pid_t)syscall(SYS_gettid);
    struct timespec d = {WAIT_MS / 1000, (WAIT_MS % 1000) * 1000000l}, at;
    struct pollfd pf = {never_fd, POLLIN, 0};
    errno = 0;
    switch (which) {
    case WAIT_NANOSLEEP:
        w.result = nanosleep(&d, NULL);
        break;
    case WAIT_CLOCK_REL:
        w.result = clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
        break;
    case WAIT_CLOCK_ABS:
        clock_gettime(CLOCK_MONOTONIC, &at);
        at.tv_sec += WAIT_MS / 1000;
        w.result = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
        break;
    case WAIT_POLL:
        w.result = poll(&pf, 1, WAIT_MS);
        break;
    case WAIT_FUTEX: {
        static int word;
        enum { FUTEX_WAIT_PRIVATE = 128 }; /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
        w.result = (int)syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &d, NULL, 0);
        break;
    }
    case WAIT_SELECT: {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(never_fd, &r);
        /* The raw call: musl's select passes the kernel a copy of tv. */
        struct timeval tv = {WAIT_MS / 1000, 0};
        w.result = (int)syscall(SYS_select, never_fd + 1, &r, NULL, NULL, &tv);
        w.tv_zero = tv.tv_sec == 0 && tv.tv_usec == 0;
        break;
    }
    case WAIT_POLL_FOREVER:
        pf.fd = feed_fd;
        w.result = poll(&pf, 1, -1);
        break;
    case WAIT_PAUSE: {
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGUSR2);
        pthread_sigmask(SIG_UNBLOCK, &m, NULL); /* the only thread SIGUSR2 can reach */
        w.result = pause();
        w.handled = handled_usr2;
        break;
    }
    case WAIT_SIGSUSPEND: {
        sigset_t m;
        sigfillset(&m);
        sigdelset(&m, SIGUSR1);
        w.result = sigsuspend(&m);
        w.handled = handled_usr1;
        break;
    }
    }
    w.err = errno;
    w.returned_ns = (long long)abi_now_ns();
    write(waited_pipe, &w, sizeof w);
    return NULL;
}

/* The state letter of thread tid of process pid, or 0. */
static char thread_state(pid_t pid, pid_t tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    if (abi_read_text(path, buf, sizeof buf) < 0)
        return 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

static void waiters_child(int report, int never, int feed, int tids)
{
    waited_pipe = report;
    never_fd = never;
    feed_fd = feed;
    struct sigaction sa = {.sa_handler = on_usr};
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    sigprocmask(SIG_BLOCK, &m, NULL); /* each reaches its one waiter only */
    pthread_t t[NWAITERS];
    for (int k = 0; k < NWAITERS; k++)
        if (pthread_create(&t[k], NULL, waiter, (void *)(long)k))
            _exit(3);
    for (int k = 0; k < NWAITERS; k++)
        while (!__atomic_load_n(&waiter_tids[k], __ATOMIC_SEQ_CST))
            sched_yield();
    write(tids, waiter_tids, sizeof waiter_tids);
    for (int k = 0; k < NWAITERS; k++)
        pthread_join(t[k], NULL);
    _exit(0);
}

static void waits_go_on(void)
{
    int report[2], never[2], feed[2], tids[2];
    SC(pipe(report) == 0 && pipe(never) == 0 && pipe(feed) == 0 && pipe(tids) == 0);
    long long started = (long long)abi_now_ns();
    pid_t c = fork();
    if (c == 0)
        waiters_child(report[1], never[0], feed[0], tids[1]);
    SC(c > 0 && setpgid(c, c) == 0);
    pid_t tid[NWAITERS];
    SC(read(tids[0], tid, sizeof tid) == (ssize_t)sizeof tid);
    /* Every waiter asleep in its call before the stop (else it would start
     * its wait after SIGCONT and the checks below would not hold). */
    for (int k = 0; k < NWAITERS; k++) {
        int tries = 0;
        while (thread_state(c, tid[k]) != 'S' && tries++ < 1000)
            abi_sleep_ms(10);
        SC(thread_state(c, tid[k]) == 'S');
    }
    int st;
    SC(kill(c, SIGSTOP) == 0);
    SC(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st));
    while ((long long)abi_now_ns() < started + (WAIT_MS + 300) * 1000000ll)
        abi_sleep_ms(50); /* stopped past every deadline */
    long long continued = (long long)abi_now_ns();
    SC(kill(c, SIGCONT) == 0);
    SC(write(feed[1], "f", 1) == 1);
    struct waited w[NWAITERS] = {0};
    /* All but pause and sigsuspend return now; those two only for a handler. */
    for (int n = 0; n < NWAITERS - 2; n++) {
        struct waited one;
        SC(read(report[0], &one, sizeof one) == (ssize_t)sizeof one);
        SC(one.which >= 0 && one.which < WAIT_PAUSE);
        w[one.which] = one;
    }
    SC(kill(c, SIGUSR1) == 0 && kill(c, SIGUSR2) == 0);
    for (int n = 0; n < 2; n++) {
        struct waited one;
        SC(read(report[0], &one, sizeof one) == (ssize_t)sizeof one);
        SC(one.which == WAIT_PAUSE || one.which == WAIT_SIGSUSPEND);
        w[one.which] = one;
    }
    SC(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The sleeps and the timed poll: no EINTR, and not their whole time
     * again after SIGCONT (their deadline was long past).  "After SIGCONT"
     * is measured from the later of SIGCONT and the return of the poll
     * that the feed ended, a moment the child surely ran: a host stall
     * after SIGCONT delays both alike, and a wait that starts over still
     * returns a whole WAIT_MS after that poll. */
    long long ran = w[WAIT_POLL_FOREVER].returned_ns;
    if (ran < continued)
        ran = continued;
    for (int k = WAIT_NANOSLEEP; k <= WAIT_FUTEX; k++) {
        SC(k == WAIT_FUTEX ? w[k].result == -1 && w[k].err == ETIMEDOUT : w[k].result == 0);
        SC(w[k].returned_ns < ran + WAIT_MS / 2 * 1000000ll);
    }
    SC(w[WAIT_SELECT].result == 0 && w[WAIT_SELECT].tv_zero);
    SC(w[WAIT_POLL_FOREVER].result == 1);
    SC(w[WAIT_PAUSE].result == -1 && w[WAIT_PAUSE].err == EINTR && w[WAIT_PAUSE].handled == 1);
    SC(w[WAIT_SIGSUSPEND].result == -1 && w[WAIT_SIGSUSPEND].err == EINTR && w[WAIT_SIGSUSPEND].handled == 1);
}

static void t_waits_go_on_after_continue(void)
{
    IN_SESSION(waits_go_on);
}

static int hup_pipe;
static volatile sig_atomic_t got_hup;

static void on_hup(int sig)
{
    char c = sig == SIGHUP ? 'H' : 'C';
    write(hup_pipe, &c, 1);
    got_hup = 1;
}

/* Orphans a group: a child C makes a group of its own (its link outside
 * is us, in another group of the session), forks member(wr) into it,
 * waits for the member to stop if asked, and exits; the member goes to a
 * reaper outside the session.  Returns C's wait status. */
static int orphan_a_group(void (*member)(int), int wr, bool until_stopped)
{
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        pid_t self = getpid(), g = fork();
        if (g == 0) {
            for (int i = 0; i < 1000 && !until_stopped && getppid() == self; i++)
                abi_sleep_ms(10); /* until orphaned */
            member(wr);
            _exit(0);
        }
        int st;
        _exit(until_stopped && (waitpid(g, &st, WUNTRACED) != g || !WIFSTOPPED(st)) ? 2 : 0);
    }
    return c > 0 ? abi_wait(c) : -1;
}

/* Stops; says 'H' on SIGHUP and 'c' once continued. */
static void stopping_member(int wr)
{
    hup_pipe = wr;
    signal(SIGHUP, on_hup);
    raise(SIGSTOP);
    write(wr, "c", 1);
}

/* A stopped member of a group that its last link outside leaves gets
 * SIGHUP, then SIGCONT. */
static void orphaned_group_hup(void)
{
    int p[2];
    SC(pipe(p) == 0);
    int st = orphan_a_group(stopping_member, p[1], true);
    SC(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    SC(read_byte(p[0]) == 'H');
    SC(read_byte(p[0]) == 'c');
}

static void t_orphaned_group_hup_and_cont(void)
{
    IN_SESSION(orphaned_group_hup);
}

/* Says who it is, sends itself the terminal's stop signals, then says 't'. */
static void tstp_member(int wr)
{
    pid_t me = getpid();
    write(wr, &me, sizeof me);
    raise(SIGTSTP);
    raise(SIGTTIN);
    raise(SIGTTOU);
    write(wr, "t", 1);
}

/* SIGTSTP, SIGTTIN and SIGTTOU to an orphaned group are thrown away:
 * nobody would continue it. */
static void orphaned_group_tstp(void)
{
    int p[2];
    SC(pipe(p) == 0);
    SC(orphan_a_group(tstp_member, p[1], false) >= 0);
    pid_t g = 0;
    struct pollfd pf = {p[0], POLLIN, 0};
    SC(poll(&pf, 1, 10000) == 1 && read(p[0], &g, sizeof g) == sizeof g);
    int r = read_byte(p[0]);
    if (r != 't')
        kill(g, SIGKILL); /* stopped for good */
    SC(r == 't');
}

static void t_orphaned_group_ignores_tstp(void)
{
    IN_SESSION(orphaned_group_tstp);
}

/* --- the controlling terminal --- */

static int pty_master = -1;
static char term_path[64];

/* Finds a terminal to test with: a pty (Linux), else /dev/ttyS0 (the
 * console in the VM).  False when there is none. */
static bool find_terminal(void)
{
    if (pty_master >= 0)
        close(pty_master);
    pty_master = posix_openpt(O_RDWR | O_NOCTTY);
    if (pty_master >= 0) {
        if (grantpt(pty_master) == 0 && unlockpt(pty_master) == 0 && ptsname_r(pty_master, term_path, sizeof term_path) == 0)
            return true;
        close(pty_master);
        pty_master = -1;
    }
    if (access("/dev/ttyS0", R_OK | W_OK) == 0) {
        strcpy(term_path, "/dev/ttyS0");
        return true;
    }
    return false;
}

/* In a session leader: opens the terminal, which makes it the controlling
 * one, and ignores SIGTTOU (as shells do) to change its group from the
 * background. */
static int acquire_terminal(void)
{
    int fd = open(term_path, O_RDWR);
    SC(fd >= 0);
    signal(SIGTTOU, SIG_IGN);
    return fd;
}

static void ctty_acquire_and_groups(void)
{
    pid_t me = getpid();
    int fd = open(term_path, O_RDWR | O_NOCTTY);
    SC(fd >= 0);
    errno = 0;
    SC(tcgetpgrp(fd) == -1 && errno == ENOTTY); /* not ours yet */
    pid_t sid;
    errno = 0;
    SC(ioctl(fd, TIOCGSID, &sid) == -1 && errno == ENOTTY);
    SC(ioctl(fd, TIOCSCTTY, 0) == 0);
    SC(tcgetpgrp(fd) == me && ioctl(fd, TIOCGSID, &sid) == 0 && sid == me);
    SC(ioctl(fd, TIOCSCTTY, 0) == 0); /* already ours */
    close(fd);
    fd = acquire_terminal(); /* an open of our own terminal changes nothing */
    SC(tcgetpgrp(fd) == me);
    int tty = open("/dev/tty", O_RDWR);
    SC(tty >= 0 && tcgetpgrp(tty) == me);
    close(tty);
    char state;
    int pgrp, s, tty_nr, tpgid;
    SC(stat_of(me, &state, &pgrp, &s, &tty_nr, &tpgid) && tty_nr != 0 && tpgid == me);
    errno = 0;
    SC(tcsetpgrp(fd, -1) == -1 && errno == EINVAL);
    errno = 0;
    SC(tcsetpgrp(fd, 0x3ffffff0) == -1 && errno == ESRCH);
    /* another session can neither take it nor ask it */
    int p[2];
    SC(pipe(p) == 0);
    pid_t x = fork();
    if (x == 0) {
        setsid();
        char r = 'y';
        errno = 0;
        if (ioctl(fd, TIOCSCTTY, 0) != -1 || errno != EPERM)
            r = '1';
        errno = 0;
        if (tcgetpgrp(fd) != -1 || errno != ENOTTY)
            r = '2';
        write(p[1], &r, 1);
        for (;;)
            pause();
    }
    SC(x > 0 && read_byte(p[0]) == 'y');
    errno = 0;
    SC(tcsetpgrp(fd, x) == -1 && errno == EPERM); /* its group is in another session */
    /* a group of ours in the foreground; TIOCNOTTY in a member */
    pid_t g = fork();
    if (g == 0) {
        setpgid(0, 0);
        for (int i = 0; i < 1000 && tcgetpgrp(fd) != getpid(); i++)
            abi_sleep_ms(10);
        char r = 'n';
        if (ioctl(fd, TIOCNOTTY) != 0)
            r = '1';
        errno = 0;
        if (open("/dev/tty", O_RDWR) != -1 || errno != ENXIO)
            r = '2';
        write(p[1], &r, 1);
        for (;;)
            pause();
    }
    SC(g > 0);
    setpgid(g, g);
    SC(tcsetpgrp(fd, g) == 0 && tcgetpgrp(fd) == g);
    SC(read_byte(p[0]) == 'n');
    SC(tcgetpgrp(fd) == g); /* the member let go, the session did not */
    SC(tcsetpgrp(fd, me) == 0);
    kill(x, SIGKILL);
    kill(g, SIGKILL);
    while (wait(NULL) > 0)
        ;
}

static void t_ctty_acquire_and_groups(void)
{
    if (!find_terminal()) {
        abi_skip("jobctl/ctty_acquire_and_groups: no terminal (pty or /dev/ttyS0)");
        return;
    }
    IN_SESSION(ctty_acquire_and_groups);
}

/* A background member: a write under TOSTOP stops it with SIGTTOU (and is
 * done once it is continued in the foreground); a read stops it with
 * SIGTTIN; with those ignored the write goes through and the read is EIO. */
static void background_io(void)
{
    int fd = acquire_terminal();
    struct termios saved, t;
    SC(tcgetattr(fd, &saved) == 0);
    t = saved;
    t.c_lflag |= TOSTOP;
    SC(tcsetattr(fd, TCSANOW, &t) == 0);
    int p[2], go[2];
    SC(pipe(p) == 0 && pipe(go) == 0);
    pid_t g = fork();
    if (g == 0) {
        setpgid(0, 0);
        signal(SIGTTOU, SIG_DFL); /* the leader ignores it */
        alarm(20); /* a read that wrongly waits for input ends */
        char b, r = write(fd, "j\n", 2) == 2 ? 'w' : 'E';
        write(p[1], &r, 1);
        read(go[0], &b, 1); /* in the background again */
        read(fd, &b, 1); /* stopped by SIGTTIN, then killed */
        _exit(0);
    }
    SC(g > 0);
    setpgid(g, g);
    int st;
    SC(waitpid(g, &st, WUNTRACED) == g && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU);
    SC(tcsetpgrp(fd, g) == 0 && kill(g, SIGCONT) == 0);
    SC(read_byte(p[0]) == 'w');
    SC(tcsetpgrp(fd, getpid()) == 0 && write(go[1], "g", 1) == 1);
    SC(waitpid(g, &st, WUNTRACED) == g && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN);
    SC(kill(g, SIGKILL) == 0 && waitpid(g, &st, 0) == g);
    g = fork();
    if (g == 0) {
        setpgid(0, 0);
        signal(SIGTTOU, SIG_IGN);
        signal(SIGTTIN, SIG_IGN);
        alarm(20); /* a read that wrongly waits for input ends */
        char b, r = write(fd, "k\n", 2) == 2 ? 'w' : 'E';
        errno = 0;
        if (read(fd, &b, 1) != -1 || errno != EIO)
            r = 'R';
        write(p[1], &r, 1);
        _exit(0);
    }
    SC(g > 0);
    SC(read_byte(p[0]) == 'w');
    SC(waitpid(g, &st, 0) == g && WIFEXITED(st));
    SC(tcsetattr(fd, TCSANOW, &saved) == 0); /* the console keeps its settings for the next programs */
}

static void t_ctty_background_io(void)
{
    if (!find_terminal()) {
        abi_skip("jobctl/ctty_background_io: no terminal (pty or /dev/ttyS0)");
        return;
    }
    IN_SESSION(background_io);
}

static int leader_pipe[2];

/* The leader puts a group with a SIGHUP catcher in the foreground and exits. */
static void leader_exits(void)
{
    int fd = acquire_terminal();
    pid_t g = fork();
    if (g == 0) {
        hup_pipe = leader_pipe[1];
        signal(SIGHUP, on_hup);
        setpgid(0, 0);
        write(leader_pipe[1], "r", 1);
        for (int i = 0; i < 1000 && !got_hup; i++)
            abi_sleep_ms(10);
        _exit(0);
    }
    SC(g > 0);
    setpgid(g, g);
    SC(read_byte(leader_pipe[0]) == 'r');
    SC(tcsetpgrp(fd, g) == 0);
}

/* TIOCNOTTY in the leader: SIGHUP and SIGCONT to the foreground group, and
 * the session has no terminal any more. */
static void leader_notty(void)
{
    int fd = acquire_terminal();
    pid_t g = fork();
    if (g == 0) {
        hup_pipe = leader_pipe[1];
        signal(SIGHUP, on_hup);
        signal(SIGCONT, on_hup);
        setpgid(0, 0);
        write(leader_pipe[1], "r", 1);
        for (;;)
            pause();
    }
    SC(g > 0);
    setpgid(g, g);
    SC(read_byte(leader_pipe[0]) == 'r');
    SC(tcsetpgrp(fd, g) == 0);
    SC(ioctl(fd, TIOCNOTTY) == 0);
    int first = read_byte(leader_pipe[0]), second = read_byte(leader_pipe[0]);
    kill(g, SIGKILL);
    waitpid(g, NULL, 0);
    SC(first + second == 'H' + 'C' && (first == 'H' || first == 'C')); /* either first (Linux varies) */
    errno = 0;
    SC(tcgetpgrp(fd) == -1 && errno == ENOTTY);
    errno = 0;
    SC(open("/dev/tty", O_RDWR) == -1 && errno == ENXIO);
}

static void t_ctty_hangup(void)
{
    if (!find_terminal()) {
        abi_skip("jobctl/ctty_hangup: no terminal (pty or /dev/ttyS0)");
        return;
    }
    OK(pipe(leader_pipe));
    IN_SESSION(leader_exits);
    CHECK(read_byte(leader_pipe[0]) == 'H', "the foreground group got no SIGHUP when the leader exited");
    IN_SESSION(leader_notty);
    close(leader_pipe[0]);
    close(leader_pipe[1]);
}

/* `jobctl --child exec-and-wait FD`: says it has exec'd, then waits. */
static int child_main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[2], "exec-and-wait")) {
        write(atoi(argv[3]), "x", 1);
        for (;;)
            pause();
    }
    return 2;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--child"))
        return child_main(argc, argv);
    abi_begin("jobctl");
    RUN(ids_of_a_new_session);
    RUN(setpgid_rules);
    RUN(kill_and_wait_by_group);
    RUN(stop_and_continue);
    RUN(waitid_reports);
    RUN(sa_nocldstop);
    RUN(every_thread_stops);
    RUN(calls_go_on_after_continue);
    RUN(waits_go_on_after_continue);
    RUN(orphaned_group_hup_and_cont);
    RUN(orphaned_group_ignores_tstp);
    RUN(ctty_acquire_and_groups);
    RUN(ctty_background_io);
    RUN(ctty_hangup);
    return abi_end();
}
