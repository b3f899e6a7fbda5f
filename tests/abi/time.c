/* Time: clock_gettime on every supported clock (through musl, which may
 * use a vDSO on Linux, and through the raw system call, which is what
 * nutshell serves), clock_getres, gettimeofday, nanosleep and
 * clock_nanosleep (relative, absolute, interrupted), CPU-time clocks, and
 * the error cases.  Sleeps are checked never to end early; nothing checks
 * that they end soon (no timing assertions). */
#include "abi.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static const struct { clockid_t id; const char *name; } clocks[] = {
    { CLOCK_REALTIME, "CLOCK_REALTIME" },
    { CLOCK_MONOTONIC, "CLOCK_MONOTONIC" },
    { CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
    { CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID" },
    { CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID" },
};
#define NCLOCKS (sizeof clocks / sizeof clocks[0])

static int64_t ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t raw_now(clockid_t c)
{
    struct timespec t;
    if (syscall(SYS_clock_gettime, c, &t) != 0)
        return -1;
    return ns(t);
}

static void t_all_clocks(void)
{
    for (size_t i = 0; i < NCLOCKS; i++) {
        struct timespec a, b;
        OK(clock_gettime(clocks[i].id, &a));
        OK(syscall(SYS_clock_gettime, clocks[i].id, &b));
        CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000 && b.tv_nsec >= 0 && b.tv_nsec < 1000000000,
              "%s: tv_nsec out of range", clocks[i].name);
        CHECK(a.tv_sec >= 0 && b.tv_sec >= 0, "%s: negative time", clocks[i].name);
    }
}

static void t_monotonic_never_goes_back(void)
{
    int64_t prev = raw_now(CLOCK_MONOTONIC);
    for (int i = 0; i < 2000; i++) {
        struct timespec t;
        int64_t now;
        if (i % 2) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            now = ns(t);
        } else {
            now = raw_now(CLOCK_MONOTONIC);
        }
        CHECK(now >= prev, "sample %d: %lld after %lld", i, (long long)now, (long long)prev);
        prev = now;
    }
    /* BOOTTIME counts at least what MONOTONIC counts. */
    int64_t mono = raw_now(CLOCK_MONOTONIC), boot = raw_now(CLOCK_BOOTTIME);
    CHECK(boot >= mono, "BOOTTIME %lld < MONOTONIC %lld", (long long)boot, (long long)mono);
}

static void t_realtime(void)
{
    struct timespec ts;
    struct timeval tv;
    OK(clock_gettime(CLOCK_REALTIME, &ts));
    /* A wall clock, not time since boot: services check certificates. */
    CHECK(ts.tv_sec > 1577836800, "CLOCK_REALTIME %lld is before 2020", (long long)ts.tv_sec);
    OK(syscall(SYS_gettimeofday, &tv, NULL));
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec %ld", (long)tv.tv_usec);
    long long diff = (long long)tv.tv_sec - ts.tv_sec;
    CHECK(diff >= 0 && diff <= 1, "gettimeofday %lld vs CLOCK_REALTIME %lld", (long long)tv.tv_sec,
          (long long)ts.tv_sec);
    time_t t = time(NULL);
    CHECK(t >= ts.tv_sec && t <= ts.tv_sec + 1, "time() %lld vs %lld", (long long)t, (long long)ts.tv_sec);
    OK(syscall(SYS_gettimeofday, NULL, NULL));
}

static void t_clock_getres(void)
{
    for (size_t i = 0; i < NCLOCKS; i++) {
        struct timespec r = { -1, -1 };
        OK(syscall(SYS_clock_getres, clocks[i].id, &r));
        CHECK(r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10000000, "%s: resolution %lld.%09ld",
              clocks[i].name, (long long)r.tv_sec, r.tv_nsec);
        OK(syscall(SYS_clock_getres, clocks[i].id, NULL));
    }
}

static void t_cputime_advances(void)
{
    int64_t p0 = raw_now(CLOCK_PROCESS_CPUTIME_ID), t0 = raw_now(CLOCK_THREAD_CPUTIME_ID);
    /* Burn CPU until the monotonic clock moved 20 ms. */
    uint64_t end = abi_now_ns() + 20000000;
    volatile unsigned long x = 0;
    while (abi_now_ns() < end)
        for (int i = 0; i < 1000; i++)
            x += (unsigned long)i;
    int64_t t1 = raw_now(CLOCK_THREAD_CPUTIME_ID), p1 = raw_now(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(p1 > p0, "process CPU time did not advance");
    CHECK(t1 > t0, "thread CPU time did not advance");
    CHECK(p1 >= t1, "process CPU time %lld below this thread's %lld", (long long)p1, (long long)t1);
}

static void t_nanosleep(void)
{
    struct timespec req = { 0, 20000000 }, rem = { 9, 9 };
    uint64_t t0 = abi_now_ns();
    OK(nanosleep(&req, &rem));
    CHECK(abi_now_ns() - t0 >= 20000000, "20 ms nanosleep ended early");
    struct timespec zero = { 0, 0 };
    OK(nanosleep(&zero, NULL));
    struct timespec bad = { 0, 1000000000 };
    ERR(nanosleep(&bad, NULL), EINVAL);
    struct timespec neg = { -1, 0 };
    ERR(nanosleep(&neg, NULL), EINVAL);
    struct timespec negns = { 0, -1 };
    ERR(nanosleep(&negns, NULL), EINVAL);
    ERR(syscall(SYS_nanosleep, ABI_BAD_LOW, NULL), EFAULT);
    ERR(syscall(SYS_nanosleep, ABI_BAD_KERNEL, NULL), EFAULT);
}

static void t_clock_nanosleep(void)
{
    struct timespec rel = { 0, 10000000 };
    uint64_t t0 = abi_now_ns();
    RET(clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, NULL), 0);
    CHECK(abi_now_ns() - t0 >= 10000000, "relative sleep ended early");
    for (int k = 0; k < 2; k++) {
        clockid_t c = k ? CLOCK_REALTIME : CLOCK_MONOTONIC;
        struct timespec d;
        clock_gettime(c, &d);
        d.tv_nsec += 10000000;
        d.tv_sec += d.tv_nsec / 1000000000;
        d.tv_nsec %= 1000000000;
        RET(clock_nanosleep(c, TIMER_ABSTIME, &d, NULL), 0);
        struct timespec now;
        clock_gettime(c, &now);
        CHECK(ns(now) >= ns(d), "absolute sleep on clock %d ended early", (int)c);
    }
    struct timespec past = { 1, 0 };
    RET(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), 0);   /* returns at once */
    RET(clock_nanosleep(CLOCK_BOOTTIME, 0, &rel, NULL), 0);
    /* Errors come back as the return value; the raw call sets errno. */
    RET(clock_nanosleep(12345, 0, &rel, NULL), EINVAL);
    ERR(syscall(SYS_clock_nanosleep, 12345, 0, &rel, NULL), EINVAL);
    /* Sleeping on this thread's CPU clock is refused: EINVAL in the man
     * page and older kernels, EOPNOTSUPP in current ones. */
    errno = 0;
    long r = syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &rel, NULL);
    CHECK(r == -1 && (errno == EINVAL || errno == EOPNOTSUPP), "sleep on CLOCK_THREAD_CPUTIME_ID: %ld (%s)", r,
          abi_errname(errno));
    struct timespec bad = { 0, 2000000000 };
    ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, NULL), EINVAL);
    ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, ABI_BAD_LOW, NULL), EFAULT);
}

static atomic_int hits;
static atomic_int sleeper_done;

static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&hits, 1);
}

static void *poke(void *arg)
{
    pthread_t target = *(pthread_t *)arg;
    uint64_t deadline = abi_now_ns() + 10000000000ull;
    while (!atomic_load(&sleeper_done) && abi_now_ns() < deadline) {
        pthread_kill(target, SIGUSR1);
        abi_sleep_ms(5);
    }
    return NULL;
}

static void t_nanosleep_interrupted(void)
{
    struct sigaction sa = { .sa_handler = on_usr1 };  /* no SA_RESTART (nanosleep ignores it anyway) */
    OK(sigaction(SIGUSR1, &sa, NULL));
    atomic_store(&hits, 0);
    atomic_store(&sleeper_done, 0);
    pthread_t self = pthread_self(), t;
    RET(pthread_create(&t, NULL, poke, &self), 0);
    struct timespec req = { 20, 0 }, rem = { -1, -1 };
    errno = 0;
    int r = nanosleep(&req, &rem);
    int e = errno;
    atomic_store(&sleeper_done, 1);
    pthread_join(t, NULL);
    signal(SIGUSR1, SIG_DFL);
    EQ(r, -1);
    EQ(e, EINTR);
    CHECK(atomic_load(&hits) >= 1, "handler never ran");
    /* What is left is positive and no more than was asked, give or take
     * Linux's timer slack (50 us by default: the remainder is measured to
     * the slack-extended expiry). */
    CHECK(rem.tv_sec >= 0 && rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000 && ns(rem) > 0 &&
          ns(rem) <= ns(req) + 1000000,
          "remaining %lld.%09ld", (long long)rem.tv_sec, rem.tv_nsec);
}

static void t_errors(void)
{
    struct timespec t;
    ERR(syscall(SYS_clock_gettime, 12345, &t), EINVAL);
    ERR(syscall(SYS_clock_getres, 12345, &t), EINVAL);
    for (int i = 0; i < 3; i++) {
        ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, abi_bad_ptrs[i]), EFAULT);
        ERR(syscall(SYS_clock_gettime, CLOCK_REALTIME, abi_bad_ptrs[i]), EFAULT);
        ERR(syscall(SYS_clock_getres, CLOCK_MONOTONIC, abi_bad_ptrs[i]), EFAULT);
        ERR(syscall(SYS_gettimeofday, abi_bad_ptrs[i], NULL), EFAULT);
    }
}

/* --- interval timers: setitimer, getitimer, alarm --------------------- */

static atomic_int alarms;

static void on_alrm(int sig)
{
    (void)sig;
    atomic_fetch_add(&alarms, 1);
}

/* A SIGALRM handler without SA_RESTART, so blocking calls end with EINTR. */
static int catch_alarms(void)
{
    atomic_store(&alarms, 0);
    struct sigaction sa = { .sa_handler = on_alrm };
    return sigaction(SIGALRM, &sa, NULL);
}

static void disarm(void)
{
    struct itimerval zero = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &zero, NULL);
    signal(SIGALRM, SIG_DFL);
}

static void t_itimer_periodic_pause(void)
{
    OK(catch_alarms());
    struct itimerval v = { { 0, 20000 }, { 0, 20000 } }, cur, old;
    OK(setitimer(ITIMER_REAL, &v, NULL));
    /* each pause() ends with EINTR after a SIGALRM; three mean it re-arms */
    while (atomic_load(&alarms) < 3) {
        errno = 0;
        int r = pause();
        int e = errno;
        if (r != -1 || e != EINTR) {
            disarm();
            FAILF("pause returned %d (errno %s), want EINTR", r, abi_errname(e));
        }
    }
    OK(getitimer(ITIMER_REAL, &cur));
    struct itimerval zero = { { 0, 0 }, { 0, 0 } };
    OK(setitimer(ITIMER_REAL, &zero, &old));
    signal(SIGALRM, SIG_DFL);
    EQ(cur.it_interval.tv_sec, 0);
    EQ(cur.it_interval.tv_usec, 20000);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 20000,
          "left %ld.%06ld", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
    EQ(old.it_interval.tv_usec, 20000);
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec > 0, "old value %ld.%06ld",
          (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);
    OK(getitimer(ITIMER_REAL, &cur));
    EQ(cur.it_value.tv_sec, 0);
    EQ(cur.it_value.tv_usec, 0);
}

static void t_itimer_one_shot_and_rearm(void)
{
    OK(catch_alarms());
    struct itimerval v = { { 0, 0 }, { 100, 0 } }, old, cur;
    OK(setitimer(ITIMER_REAL, &v, &old));
    EQ(old.it_value.tv_sec + old.it_value.tv_usec, 0);
    /* re-arming replaces the setting and reports the old one */
    struct itimerval w = { { 0, 0 }, { 0, 10000 } };
    OK(setitimer(ITIMER_REAL, &w, &old));
    CHECK(old.it_value.tv_sec > 98 && old.it_value.tv_sec <= 100, "old %ld", (long)old.it_value.tv_sec);
    while (atomic_load(&alarms) == 0)
        pause();
    abi_sleep_ms(30);
    int n = atomic_load(&alarms);
    OK(getitimer(ITIMER_REAL, &cur));
    signal(SIGALRM, SIG_DFL);
    EQ(n, 1); /* one-shot: disarmed after its expiry */
    EQ(cur.it_value.tv_sec + cur.it_value.tv_usec, 0);
}

/* Checks alarm(next)'s answer, the timer having been set `set` seconds
 * ahead at monotonic time `t0` (ns): the seconds left, rounded to nearest
 * (at least 1 while armed).  Without a stall that is `set` itself; if the
 * host held this vCPU for a while in between, anything from what was left
 * by the time of the call up to `set`. */
static void alarm_left(unsigned next, unsigned set, int64_t t0, int line)
{
    unsigned got = alarm(next);
    int64_t gone = raw_now(CLOCK_MONOTONIC) - t0;
    int64_t left_ns = (int64_t)set * 1000000000 - gone;
    unsigned least = left_ns <= 0 ? 0 : (unsigned)((left_ns + 500000000) / 1000000000);
    if (left_ns > 0 && least == 0)
        least = 1;
    CHECK(got >= least && got <= set, "line %d: alarm(%u) returned %u, want %u (%u if %.2f s went by)", line, next,
          got, set, least, (double)gone / 1e9);
}

static void t_alarm(void)
{
    /* Ignored, so that a stall past a short timer cannot end the test. */
    signal(SIGALRM, SIG_IGN);
    int64_t t0 = raw_now(CLOCK_MONOTONIC);
    EQ(alarm(100), 0);
    int64_t t1 = raw_now(CLOCK_MONOTONIC); /* before alarm(50) sets the timer */
    alarm_left(50, 100, t0, __LINE__); /* 99.99... left, rounded to nearest */
    alarm_left(0, 50, t1, __LINE__);
    EQ(alarm(0), 0);
    /* alarm and setitimer share one timer */
    struct itimerval v = { { 0, 0 }, { 7, 0 } };
    t0 = raw_now(CLOCK_MONOTONIC);
    OK(setitimer(ITIMER_REAL, &v, NULL));
    alarm_left(0, 7, t0, __LINE__);
    /* a little time left counts as 1 second, not 0 (still armed) */
    struct itimerval s = { { 0, 0 }, { 0, 300000 } };
    t0 = raw_now(CLOCK_MONOTONIC);
    OK(setitimer(ITIMER_REAL, &s, NULL));
    unsigned got = alarm(0);
    int64_t gone = raw_now(CLOCK_MONOTONIC) - t0;
    CHECK(got == 1 || (got == 0 && gone >= 300000000), "alarm(0) with 0.3 s left returned %u", got);
    signal(SIGALRM, SIG_DFL);
}

static void t_alarm_interrupts_read(void)
{
    int p[2];
    OK(pipe(p));
    OK(catch_alarms());
    struct itimerval v = { { 0, 0 }, { 0, 30000 } };
    OK(setitimer(ITIMER_REAL, &v, NULL));
    char c;
    errno = 0;
    long r = read(p[0], &c, 1);
    int e = errno;
    disarm();
    close(p[0]);
    close(p[1]);
    EQ(r, -1);
    EQ(e, EINTR);
    EQ(atomic_load(&alarms), 1);
}

/* A timer set for 100 s, then shortened to 30 ms: the alarm comes at the
 * new time (the thread that sends it was asleep until the old one). */
static void t_setitimer_earlier_is_kept(void)
{
    OK(catch_alarms());
    struct itimerval far = { { 0, 0 }, { 100, 0 } }, soon = { { 0, 0 }, { 0, 30000 } };
    OK(setitimer(ITIMER_REAL, &far, NULL));
    abi_sleep_ms(20);
    OK(setitimer(ITIMER_REAL, &soon, NULL));
    int64_t t0 = raw_now(CLOCK_MONOTONIC);
    while (atomic_load(&alarms) == 0 && raw_now(CLOCK_MONOTONIC) - t0 < 10000000000ll)
        abi_sleep_ms(5);
    int64_t took = raw_now(CLOCK_MONOTONIC) - t0;
    disarm();
    EQ(atomic_load(&alarms), 1);
    CHECK(took < 10000000000ll, "SIGALRM came after %.2f s, not at the new 30 ms", took / 1e9);
}

static void t_alarm_fork_exec(void)
{
    EQ(alarm(100), 0);
    pid_t pid = OK(fork());
    if (pid == 0)
        _exit(alarm(0) == 0 ? 0 : 1); /* the child's timer is cleared */
    int st;
    OK(waitpid(pid, &st, 0));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child of fork found a timer (status %#x)", st);
    /* kept across execve: the new program finds it armed */
    char path[512];
    abi_prog_path(path, sizeof path, ABI_AREA);
    pid = OK(fork());
    if (pid == 0) {
        alarm(100);
        execl(path, path, "--alarm-left", (char *)NULL);
        _exit(3);
    }
    OK(waitpid(pid, &st, 0));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec'd program found no timer (status %#x)", st);
    CHECK(alarm(0) > 90, "the parent's own timer was lost");
}

static void t_itimer_errors(void)
{
    struct itimerval v = { { 0, 0 }, { 1, 0 } }, cur;
    ERR(syscall(SYS_setitimer, 99, &v, NULL), EINVAL);
    ERR(syscall(SYS_getitimer, 99, &cur), EINVAL);
    ERR(syscall(SYS_getitimer, -1, &cur), EINVAL);
    struct itimerval bad_usec = { { 0, 0 }, { 0, 1000000 } };
    ERR(syscall(SYS_setitimer, ITIMER_REAL, &bad_usec, NULL), EINVAL);
    struct itimerval bad_iv = { { 0, -1 }, { 1, 0 } };
    ERR(syscall(SYS_setitimer, ITIMER_REAL, &bad_iv, NULL), EINVAL);
    struct itimerval neg = { { 0, 0 }, { -1, 0 } };
    ERR(syscall(SYS_setitimer, ITIMER_REAL, &neg, NULL), EINVAL);
    for (int i = 0; i < 3; i++) {
        ERR(syscall(SYS_getitimer, ITIMER_REAL, abi_bad_ptrs[i]), EFAULT);
        ERR(syscall(SYS_setitimer, ITIMER_REAL, abi_bad_ptrs[i], NULL), EFAULT);
    }
    /* nothing was armed by the failed calls */
    OK(getitimer(ITIMER_REAL, &cur));
    EQ(cur.it_value.tv_sec + cur.it_value.tv_usec, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--alarm-left"))
        return alarm(0) > 90 ? 0 : 1;
    abi_begin(ABI_AREA);
    RUN(all_clocks);
    RUN(monotonic_never_goes_back);
    RUN(realtime);
    RUN(clock_getres);
    RUN(cputime_advances);
    RUN(nanosleep);
    RUN(clock_nanosleep);
    RUN(nanosleep_interrupted);
    RUN(errors);
    RUN(itimer_periodic_pause);
    RUN(itimer_one_shot_and_rearm);
    RUN(alarm);
    RUN(alarm_interrupts_read);
    RUN(setitimer_earlier_is_kept);
    RUN(alarm_fork_exec);
    RUN(itimer_errors);
    return abi_end();
}
