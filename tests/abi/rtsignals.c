/* Queued signals: every instance of a blocked real-time signal kept with
 * its siginfo (sigqueue's si_value, SI_QUEUE, si_pid, si_uid) and handed out
 * in order; standard signals coalescing (the first siginfo kept);
 * rt_sigqueueinfo/rt_tgsigqueueinfo and their EPERM rules; the
 * RLIMIT_SIGPENDING limit (EAGAIN); sigwaitinfo/sigtimedwait (a wait woken
 * from another thread, EAGAIN at the timeout, EINTR for a handled signal);
 * rt_sigpending; ignored signals kept while blocked. */
#include "abi.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>

/* Each check starts from here: the signals it uses blocked, none pending,
 * default actions. */
static void reset_signals(void)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&all, NULL, &zero) > 0)
        ;
    for (int s = 1; s < 65; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void block(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, NULL);
}

static void unblock(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
}

static sigset_t set_of(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    return s;
}

static int queue_value(pid_t pid, int sig, int value)
{
    return sigqueue(pid, sig, (union sigval){.sival_int = value});
}

static void t_rt_queue_100_in_order(void)
{
    reset_signals();
    int sig = SIGRTMIN + 1;
    block(sig);
    for (int i = 0; i < 100; i++)
        OK(queue_value(getpid(), sig, 1000 + i));
    sigset_t pending;
    OK(sigpending(&pending));
    CHECK(sigismember(&pending, sig), "not pending");
    sigset_t s = set_of(sig);
    for (int i = 0; i < 100; i++) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        EQ(sigwaitinfo(&s, &si), sig);
        EQ(si.si_signo, sig);
        EQ(si.si_code, SI_QUEUE);
        EQ(si.si_value.sival_int, 1000 + i);
        EQ(si.si_pid, getpid());
        EQ(si.si_uid, getuid());
    }
    OK(sigpending(&pending));
    CHECK(!sigismember(&pending, sig), "still pending after 100 instances");
    unblock(sig);
}

static int handled_values[64];
static int handled_count;

static void record_value(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    if (handled_count < 64)
        handled_values[handled_count] = si->si_value.sival_int;
    handled_count++;
}

static void t_rt_queue_delivered_to_handler(void)
{
    reset_signals();
    int sig = SIGRTMIN;
    struct sigaction sa = {.sa_sigaction = record_value, .sa_flags = SA_SIGINFO};
    OK(sigaction(sig, &sa, NULL));
    block(sig);
    handled_count = 0;
    for (int i = 0; i < 50; i++)
        OK(queue_value(getpid(), sig, i * 3));
    EQ(handled_count, 0);
    unblock(sig); /* every instance is delivered before this returns to user mode */
    EQ(handled_count, 50);
    for (int i = 0; i < 50; i++)
        EQ(handled_values[i], i * 3);
    signal(sig, SIG_DFL);
}

static void t_rt_lowest_signal_first(void)
{
    reset_signals();
    int lo = SIGRTMIN, hi = SIGRTMIN + 2;
    block(lo);
    block(hi);
    OK(queue_value(getpid(), hi, 1));
    OK(queue_value(getpid(), lo, 2));
    OK(queue_value(getpid(), hi, 3));
    OK(queue_value(getpid(), lo, 4));
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, lo);
    sigaddset(&s, hi);
    int want_sig[4] = {lo, lo, hi, hi}, want_val[4] = {2, 4, 1, 3};
    for (int i = 0; i < 4; i++) {
        siginfo_t si;
        EQ(sigwaitinfo(&s, &si), want_sig[i]);
        EQ(si.si_value.sival_int, want_val[i]);
    }
    struct timespec zero = {0, 0};
    ERR(sigtimedwait(&s, NULL, &zero), EAGAIN);
    reset_signals();
}

static void t_standard_signals_coalesce(void)
{
    reset_signals();
    block(SIGUSR1);
    OK(queue_value(getpid(), SIGUSR1, 1));
    OK(queue_value(getpid(), SIGUSR1, 2));
    OK(kill(getpid(), SIGUSR1));
    sigset_t s = set_of(SIGUSR1);
    siginfo_t si;
    EQ(sigwaitinfo(&s, &si), SIGUSR1);
    EQ(si.si_code, SI_QUEUE); /* the first instance's siginfo stays */
    EQ(si.si_value.sival_int, 1);
    struct timespec zero = {0, 0};
    ERR(sigtimedwait(&s, NULL, &zero), EAGAIN);
    unblock(SIGUSR1);
}

static void t_thread_directed_queue(void)
{
    reset_signals();
    int sig = SIGRTMIN + 3;
    block(sig);
    siginfo_t si;
    for (int i = 0; i < 5; i++) {
        memset(&si, 0, sizeof si);
        si.si_signo = sig;
        si.si_code = SI_QUEUE;
        si.si_pid = getpid();
        si.si_uid = getuid();
        si.si_value.sival_int = 70 + i;
        OK(syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), sig, &si));
    }
    sigset_t s = set_of(sig);
    for (int i = 0; i < 5; i++) {
        EQ(sigwaitinfo(&s, &si), sig);
        EQ(si.si_value.sival_int, 70 + i);
    }
    unblock(sig);
}

struct sender {
    pid_t pid;
    pthread_t target;
    int sig, value;
};

/* Blocks everything (so the main thread must be the one to take it), waits a
 * little, then sends. */
static void *send_later(void *arg)
{
    struct sender *s = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    abi_sleep_ms(30);
    if (s->value >= 0)
        queue_value(s->pid, s->sig, s->value);
    else
        pthread_kill(s->target, s->sig);
    return NULL;
}

static void t_sigwaitinfo_woken_by_other_thread(void)
{
    reset_signals();
    int sig = SIGRTMIN + 4;
    block(sig);
    struct sender snd = {.pid = getpid(), .sig = sig, .value = 77};
    pthread_t th;
    RET(pthread_create(&th, NULL, send_later, &snd), 0);
    sigset_t s = set_of(sig);
    siginfo_t si;
    struct timespec limit = {20, 0};
    int got = sigtimedwait(&s, &si, &limit);
    pthread_join(th, NULL);
    EQ(got, sig);
    EQ(si.si_value.sival_int, 77);
    unblock(sig);
}

static void t_sigtimedwait_timeout(void)
{
    reset_signals();
    block(SIGUSR2);
    sigset_t s = set_of(SIGUSR2);
    struct timespec zero = {0, 0}, short_wait = {0, 50 * 1000 * 1000};
    ERR(sigtimedwait(&s, NULL, &zero), EAGAIN);
    uint64_t t0 = abi_now_ns();
    ERR(sigtimedwait(&s, NULL, &short_wait), EAGAIN);
    CHECK(abi_now_ns() - t0 >= 50ull * 1000 * 1000, "the wait ended early");
    /* A pending one is taken at once, even with a zero timeout. */
    OK(raise(SIGUSR2));
    siginfo_t si;
    EQ(sigtimedwait(&s, &si, &zero), SIGUSR2);
    EQ(si.si_code, SI_TKILL); /* musl's raise is tkill */
    /* Bad arguments. */
    struct timespec bad = {0, 1000000000};
    ERR(sigtimedwait(&s, NULL, &bad), EINVAL);
    ERR(syscall(SYS_rt_sigtimedwait, &s, NULL, &zero, 4), EINVAL);
    ERR(syscall(SYS_rt_sigtimedwait, ABI_BAD_KERNEL, NULL, &zero, 8), EFAULT);
    ERR(syscall(SYS_rt_sigtimedwait, &s, NULL, ABI_BAD_LOW, 8), EFAULT);
    unblock(SIGUSR2);
}

static volatile int usr1_seen;
static void note_usr1(int sig)
{
    (void)sig;
    usr1_seen = 1;
}

static void t_sigtimedwait_eintr(void)
{
    reset_signals();
    struct sigaction sa = {.sa_handler = note_usr1, .sa_flags = SA_RESTART};
    OK(sigaction(SIGUSR1, &sa, NULL));
    block(SIGUSR2);
    usr1_seen = 0;
    struct sender snd = {.target = pthread_self(), .sig = SIGUSR1, .value = -1};
    pthread_t th;
    RET(pthread_create(&th, NULL, send_later, &snd), 0);
    sigset_t s = set_of(SIGUSR2);
    struct timespec limit = {20, 0};
    errno = 0;
    /* Raw: musl's sigtimedwait calls again after EINTR. */
    long r = syscall(SYS_rt_sigtimedwait, &s, NULL, &limit, 8);
    int e = errno;
    pthread_join(th, NULL);
    EQ(r, -1);
    EQ(e, EINTR); /* not restarted, even with SA_RESTART */
    EQ(usr1_seen, 1);
    unblock(SIGUSR2);
    signal(SIGUSR1, SIG_DFL);
}

static void fill_info(siginfo_t *si, int sig, int code)
{
    memset(si, 0, sizeof *si);
    si->si_signo = sig;
    si->si_code = code;
    si->si_pid = getpid();
    si->si_uid = getuid();
    si->si_value.sival_int = 5;
}

static volatile pid_t idle_tid;

/* Says its tid, then lives a while (joined by the caller). */
static void *idle_thread(void *arg)
{
    (void)arg;
    idle_tid = (pid_t)syscall(SYS_gettid);
    abi_sleep_ms(100);
    return NULL;
}

static void t_sigqueueinfo_rules(void)
{
    reset_signals();
    block(SIGUSR1);
    siginfo_t si;
    pid_t child = fork();
    CHECK(child >= 0, "fork: %s", abi_errname(errno));
    if (child == 0) {
        unblock(SIGUSR1);
        pause(); /* SIGUSR1's default action ends it */
        _exit(0);
    }
    /* Passing for the kernel or kill()/tkill() is refused towards another process... */
    fill_info(&si, SIGUSR1, SI_USER);
    ERR(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &si), EPERM);
    fill_info(&si, SIGUSR1, 0x80 /* SI_KERNEL */);
    ERR(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &si), EPERM);
    fill_info(&si, SIGUSR1, SI_TKILL);
    ERR(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &si), EPERM);
    /* ...and allowed towards oneself. */
    fill_info(&si, SIGUSR1, SI_USER);
    OK(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));
    sigset_t s = set_of(SIGUSR1);
    siginfo_t got;
    EQ(sigwaitinfo(&s, &got), SIGUSR1);
    EQ(got.si_code, SI_USER);
    /* Errors. */
    fill_info(&si, SIGUSR1, SI_QUEUE);
    ERR(syscall(SYS_rt_sigqueueinfo, child, 65, &si), EINVAL);
    ERR(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, ABI_BAD_KERNEL), EFAULT);
    ERR(syscall(SYS_rt_sigqueueinfo, 0x3fffffff, SIGUSR1, &si), ESRCH);
    OK(syscall(SYS_rt_sigqueueinfo, child, 0, &si)); /* 0: only checks */
    ERR(syscall(SYS_rt_tgsigqueueinfo, 0, syscall(SYS_gettid), SIGUSR1, &si), EINVAL);
    ERR(syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, SIGUSR1, &si), EINVAL);
    ERR(syscall(SYS_rt_tgsigqueueinfo, getpid(), 0x3fffffff, SIGUSR1, &si), ESRCH);
    /* Another thread of the caller's own process is not the caller. */
    pthread_t th;
    RET(pthread_create(&th, NULL, idle_thread, NULL), 0);
    while (!idle_tid)
        abi_sleep_ms(1);
    fill_info(&si, SIGUSR1, SI_USER);
    ERR(syscall(SYS_rt_tgsigqueueinfo, getpid(), idle_tid, SIGUSR1, &si), EPERM);
    pthread_join(th, NULL);
    /* The SI_QUEUE signal reaches the child and ends it. */
    fill_info(&si, SIGUSR1, SI_QUEUE);
    OK(syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &si));
    int st = abi_wait(child);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1, "child status %#x", st);
    unblock(SIGUSR1);
}

/* RLIMIT_SIGPENDING bounds the queued instances: sigqueue gets EAGAIN, while
 * kill() still makes the signal pending (without its siginfo).  Linux counts
 * per user over the whole machine, so other processes of the same user may
 * take part of the limit there: the child checks that the limit is reached
 * within it, and nutshell, with no other sender, gets all of it. */
static void t_sigpending_limit(void)
{
    enum { LIMIT = 200 };
    reset_signals();
    pid_t child = fork();
    CHECK(child >= 0, "fork: %s", abi_errname(errno));
    if (child == 0) {
        int sig = SIGRTMIN, sig2 = SIGRTMIN + 1;
        block(sig);
        block(sig2);
        struct rlimit lim = {LIMIT, LIMIT};
        if (setrlimit(RLIMIT_SIGPENDING, &lim))
            _exit(10);
        int queued = 0;
        while (queued <= LIMIT && queue_value(getpid(), sig, queued) == 0)
            queued++;
        if (queued > LIMIT || errno != EAGAIN)
            _exit(11);
        if (kill(getpid(), sig2) != 0)
            _exit(12);
        sigset_t s = set_of(sig);
        siginfo_t si;
        for (int i = 0; i < queued; i++)
            if (sigwaitinfo(&s, &si) != sig || si.si_value.sival_int != i)
                _exit(13);
        sigset_t s2 = set_of(sig2);
        if (sigwaitinfo(&s2, &si) != sig2 || si.si_code != SI_USER)
            _exit(14);
        /* Room again once taken (unless others of this user hold it all). */
        if (queued && queue_value(getpid(), sig, 99) != 0)
            _exit(15);
        if (queued && (sigwaitinfo(&s, &si) != sig || si.si_value.sival_int != 99))
            _exit(16);
        if (queued != LIMIT)
            abi_note("note abi/%s/sigpending_limit: %d of RLIMIT_SIGPENDING %d were free for this user", ABI_AREA,
                     queued, LIMIT);
        _exit(0);
    }
    int st = abi_wait(child);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x (exit codes name the step)", st);
}

static void t_rt_sigpending_exact(void)
{
    reset_signals();
    block(SIGUSR1);
    block(SIGUSR2);
    block(SIGRTMIN + 5);
    OK(raise(SIGUSR1));
    OK(queue_value(getpid(), SIGRTMIN + 5, 0));
    uint64_t set = 0;
    OK(syscall(SYS_rt_sigpending, &set, 8));
    uint64_t want = (1ull << (SIGUSR1 - 1)) | (1ull << (SIGRTMIN + 5 - 1));
    EQ(set, want);
    /* A smaller size copies that many bytes; a larger one is EINVAL. */
    uint64_t part = ~0ull;
    OK(syscall(SYS_rt_sigpending, &part, 4));
    EQ(part, 0xffffffff00000000ull | (uint32_t)want);
    ERR(syscall(SYS_rt_sigpending, &set, 16), EINVAL);
    ERR(syscall(SYS_rt_sigpending, ABI_BAD_KERNEL, 8), EFAULT);
    reset_signals();
}

/* An ignored signal is kept while blocked (sigwaitinfo can take it), and
 * dropped when it is unblocked or when SIG_IGN is set while it is pending. */
static void t_ignored_signals_kept_while_blocked(void)
{
    reset_signals();
    signal(SIGUSR1, SIG_IGN);
    block(SIGUSR1);
    OK(kill(getpid(), SIGUSR1));
    sigset_t pending;
    OK(sigpending(&pending));
    CHECK(sigismember(&pending, SIGUSR1), "a blocked ignored signal was discarded");
    unblock(SIGUSR1);
    OK(sigpending(&pending));
    CHECK(!sigismember(&pending, SIGUSR1), "kept after unblocking");

    int sig = SIGRTMIN + 6;
    signal(sig, SIG_IGN);
    block(sig);
    for (int i = 0; i < 3; i++)
        OK(queue_value(getpid(), sig, i));
    sigset_t s = set_of(sig);
    siginfo_t si;
    EQ(sigwaitinfo(&s, &si), sig);
    EQ(si.si_value.sival_int, 0);
    signal(sig, SIG_IGN); /* setting SIG_IGN again discards the other two */
    OK(sigpending(&pending));
    CHECK(!sigismember(&pending, sig), "kept after SIG_IGN was set");
    /* SIGCHLD, ignored by default, is kept too while blocked. */
    block(SIGCHLD);
    OK(kill(getpid(), SIGCHLD));
    OK(sigpending(&pending));
    CHECK(sigismember(&pending, SIGCHLD), "a blocked SIGCHLD was discarded");
    reset_signals();
}

/* A signalfd reads each queued instance with its value. */
static void t_signalfd_reads_each_instance(void)
{
    reset_signals();
    int sig = SIGRTMIN + 7;
    block(sig);
    sigset_t s = set_of(sig);
    int fd = OK(signalfd(-1, &s, SFD_NONBLOCK));
    for (int i = 0; i < 3; i++)
        OK(queue_value(getpid(), sig, 40 + i));
    struct signalfd_siginfo rec[4];
    EQ(read(fd, rec, sizeof rec), 3 * (long)sizeof rec[0]);
    for (int i = 0; i < 3; i++) {
        EQ(rec[i].ssi_signo, sig);
        EQ(rec[i].ssi_code, SI_QUEUE);
        EQ(rec[i].ssi_pid, getpid());
        EQ(rec[i].ssi_uid, getuid());
        EQ(rec[i].ssi_int, 40 + i);
    }
    ERR(read(fd, rec, sizeof rec), EAGAIN);
    close(fd);
    unblock(sig);
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(rt_queue_100_in_order);
    RUN(rt_queue_delivered_to_handler);
    RUN(rt_lowest_signal_first);
    RUN(standard_signals_coalesce);
    RUN(thread_directed_queue);
    RUN(sigwaitinfo_woken_by_other_thread);
    RUN(sigtimedwait_timeout);
    RUN(sigtimedwait_eintr);
    RUN(sigqueueinfo_rules);
    RUN(sigpending_limit);
    RUN(rt_sigpending_exact);
    RUN(ignored_signals_kept_while_blocked);
    RUN(signalfd_reads_each_instance);
    reset_signals();
    return abi_end();
}
