/* futex: WAIT, WAKE, WAIT_BITSET/WAKE_BITSET, REQUEUE and CMP_REQUEUE,
 * private and shared, relative and absolute timeouts on both clocks,
 * interruption by a signal, and the error cases.  The raw system call is
 * used throughout: musl has no futex() wrapper.
 *
 * Waking is checked without relying on timing: a waker loops until the
 * kernel reports that it woke (or requeued) every waiter, and the checks
 * are on the counts the kernel returns, which are exact. */
#include "abi.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

/* The futex ABI (Linux include/uapi/linux/futex.h). */
#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

static long futex(void *uaddr, int op, int val, const struct timespec *ts, void *uaddr2, unsigned val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* Gives up waiting for the kernel's counts after this long: far beyond
 * any correct run, so only a broken kernel gets there. */
#define GIVE_UP_NS 10000000000ull

static void t_wait_value_mismatch(void)
{
    int word = 1;
    ERR(futex(&word, FUTEX_WAIT, 0, NULL, NULL, 0), EAGAIN);
    ERR(futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), EAGAIN);
    ERR(futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, FUTEX_BITSET_MATCH_ANY), EAGAIN);
    EQ(futex(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0);     /* nobody waits */
    EQ(futex(&word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0), 0);
}

/* Now on `clock` plus ms milliseconds. */
static struct timespec deadline_ms(clockid_t clock, long ms)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    ts.tv_nsec += ms * 1000000;
    ts.tv_sec += ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    return ts;
}

static int reached(clockid_t clock, struct timespec d)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return now.tv_sec > d.tv_sec || (now.tv_sec == d.tv_sec && now.tv_nsec >= d.tv_nsec);
}

static void t_wait_timeouts(void)
{
    int word = 0;
    struct timespec rel = { 0, 20 * 1000000 };
    uint64_t t0 = abi_now_ns();
    ERR(futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &rel, NULL, 0), ETIMEDOUT);
    uint64_t waited = abi_now_ns() - t0;
    CHECK(waited >= 20000000, "relative 20 ms timeout returned after %llu ns", (unsigned long long)waited);
    /* WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline ... */
    struct timespec d = deadline_ms(CLOCK_MONOTONIC, 20);
    ERR(futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &d, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    CHECK(reached(CLOCK_MONOTONIC, d), "returned before the CLOCK_MONOTONIC deadline");
    /* ... or a CLOCK_REALTIME one with FUTEX_CLOCK_REALTIME. */
    d = deadline_ms(CLOCK_REALTIME, 20);
    ERR(futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 0, &d, NULL,
              FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    CHECK(reached(CLOCK_REALTIME, d), "returned before the CLOCK_REALTIME deadline");
    /* A deadline in the past times out at once; so does a zero timeout. */
    struct timespec past = { 1, 0 }, zero = { 0, 0 };
    ERR(futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &past, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    ERR(futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &zero, NULL, 0), ETIMEDOUT);
}

/* --- waiters ---------------------------------------------------------------- */

struct waiter {
    int *word;
    int op;                  /* FUTEX_WAIT or FUTEX_WAIT_BITSET, with flags */
    unsigned bitset;
    long result;             /* what the wait returned: 0 or -errno */
    atomic_int done;
    pthread_t thread;
};

static void *wait_once(void *arg)
{
    struct waiter *w = arg;
    long r = futex(w->word, w->op, 0, NULL, NULL, w->bitset);
    w->result = r == 0 ? 0 : -errno;
    atomic_store(&w->done, 1);
    return NULL;
}

static int start_waiters(struct waiter *w, int n, int *word, int op, unsigned bitset)
{
    for (int i = 0; i < n; i++) {
        w[i].word = word;
        w[i].op = op;
        w[i].bitset = bitset;
        w[i].result = 1;
        atomic_store(&w[i].done, 0);
        if (pthread_create(&w[i].thread, NULL, wait_once, &w[i]) != 0)
            return -1;
    }
    return 0;
}

/* Wakes with `op` and `nr` until the kernel has reported `want` wakeups in
 * all; every single call must report at most `nr`. Returns the total, or
 * -1 if one call reported more than nr. */
static long wake_until(int *word, int op, int nr, unsigned bitset, long want)
{
    long total = 0;
    uint64_t deadline = abi_now_ns() + GIVE_UP_NS;
    while (total < want && abi_now_ns() < deadline) {
        long n = futex(word, op, nr, NULL, NULL, bitset);
        if (n < 0 || n > nr)
            return -1;
        total += n;
        if (n == 0)
            sched_yield();
    }
    return total;
}

/* Wakes whatever still waits on word1 or word2 (all bitsets) until every
 * waiter has returned, then joins them.  Runs before a check asserts, so a
 * wrong count never leaves a thread asleep on memory the check reuses. */
static void finish(struct waiter *w, int n, int *word1, int *word2, int flags)
{
    uint64_t deadline = abi_now_ns() + GIVE_UP_NS;
    for (int i = 0; i < n; i++) {
        while (!atomic_load(&w[i].done) && abi_now_ns() < deadline) {
            futex(word1, FUTEX_WAKE_BITSET | flags, INT_MAX, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
            futex(word2, FUTEX_WAKE_BITSET | flags, INT_MAX, NULL, NULL, FUTEX_BITSET_MATCH_ANY);
            sched_yield();
        }
        if (atomic_load(&w[i].done))
            pthread_join(w[i].thread, NULL);
    }
}

static void t_wake_one_at_a_time(void)
{
    enum { N = 8 };
    static int word;
    static struct waiter w[N];
    CHECK(start_waiters(w, N, &word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0) == 0, "pthread_create");
    long total = wake_until(&word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, N);
    finish(w, N, &word, &word, FUTEX_PRIVATE_FLAG);
    CHECK(total != -1, "FUTEX_WAKE with nr 1 woke more than one");
    EQ(total, N);
    for (int i = 0; i < N; i++)
        EQ(w[i].result, 0);
}

static void t_wake_all(void)
{
    enum { N = 8 };
    static int word;
    static struct waiter w[N];
    CHECK(start_waiters(w, N, &word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0) == 0, "pthread_create");
    long total = wake_until(&word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, 0, N);
    finish(w, N, &word, &word, FUTEX_PRIVATE_FLAG);
    EQ(total, N);
    for (int i = 0; i < N; i++)
        EQ(w[i].result, 0);
}

static void t_shared_futex(void)
{
    /* Shared (not PRIVATE) futexes, on a MAP_SHARED page. */
    enum { N = 4 };
    int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(word != MAP_FAILED, "mmap: %s", abi_errname(errno));
    static struct waiter w[N];
    CHECK(start_waiters(w, N, word, FUTEX_WAIT, 0) == 0, "pthread_create");
    long total = wake_until(word, FUTEX_WAKE, 1, 0, N);
    finish(w, N, word, word, 0);
    munmap(word, 4096);
    CHECK(total != -1, "FUTEX_WAKE with nr 1 woke more than one");
    EQ(total, N);
    for (int i = 0; i < N; i++)
        EQ(w[i].result, 0);
}

static void t_bitset_selects(void)
{
    static int word;
    static struct waiter a[2], b[2];
    int op = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG;
    CHECK(start_waiters(a, 2, &word, op, 0x1) == 0, "pthread_create");
    CHECK(start_waiters(b, 2, &word, op, 0x2) == 0, "pthread_create");
    /* Wakes for bit 2 reach only the b waiters ... */
    long nb = wake_until(&word, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, 0x2, 2);
    /* ... so both a waiters are still there for bit 1 (0x5 includes it). */
    long na = wake_until(&word, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, 0x5, 2);
    finish(a, 2, &word, &word, FUTEX_PRIVATE_FLAG);
    finish(b, 2, &word, &word, FUTEX_PRIVATE_FLAG);
    EQ(nb, 2);
    EQ(na, 2);
    for (int i = 0; i < 2; i++) {
        EQ(a[i].result, 0);
        EQ(b[i].result, 0);
    }
}

/* Requeues every waiter from `from` to `to`, counting what the kernel
 * reports; with cmp, through FUTEX_CMP_REQUEUE expecting *from == 0. */
static long requeue_until(int *from, int *to, int cmp, long want)
{
    long total = 0;
    uint64_t deadline = abi_now_ns() + GIVE_UP_NS;
    while (total < want && abi_now_ns() < deadline) {
        long n = cmp ? futex(from, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, (void *)(long)INT_MAX, to, 0)
                     : futex(from, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0, (void *)(long)INT_MAX, to, 0);
        if (n < 0)
            return -1;
        total += n;
        if (n == 0)
            sched_yield();
    }
    return total;
}

static void requeue_case(int cmp)
{
    enum { N = 6 };
    static int from, to;
    static struct waiter w[N];
    CHECK(start_waiters(w, N, &from, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0) == 0, "pthread_create");
    /* nr_wake 0: every waiter moves to `to`, none wakes. */
    long moved = requeue_until(&from, &to, cmp, N);
    long left = futex(&from, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    int woken = 0;
    for (int i = 0; i < N; i++)
        woken += atomic_load(&w[i].done);
    long one = futex(&to, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    long rest = futex(&to, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    finish(w, N, &from, &to, FUTEX_PRIVATE_FLAG);
    EQ(moved, N);
    EQ(left, 0);                                      /* nobody stayed behind */
    EQ(woken, 0);                                     /* nor woke up on the way */
    EQ(one, 1);
    EQ(rest, N - 1);
    for (int i = 0; i < N; i++)
        EQ(w[i].result, 0);
}

static void t_requeue(void)
{
    requeue_case(0);
}

static void t_cmp_requeue(void)
{
    requeue_case(1);
    static int from = 5, to;
    ERR(futex(&from, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, (void *)1L, &to, 4), EAGAIN);
    EQ(futex(&from, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)1L, &to, 5), 0);
    ERR(futex(&from, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, -1, (void *)1L, &to, 5), EINVAL);
}

/* CMP_REQUEUE with nr_wake 1 wakes one and moves the rest: the return
 * value counts both. */
static void t_cmp_requeue_wake_one(void)
{
    enum { N = 4 };
    static int from, to;
    static struct waiter w[N];
    CHECK(start_waiters(w, N, &from, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0) == 0, "pthread_create");
    /* Once all N sit on `to`, they are known to be asleep. */
    long moved = requeue_until(&from, &to, 1, N);
    long n = futex(&to, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)(long)INT_MAX, &from, 0);
    long rest = futex(&from, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    finish(w, N, &from, &to, FUTEX_PRIVATE_FLAG);
    EQ(moved, N);
    EQ(n, N);
    EQ(rest, N - 1);
    for (int i = 0; i < N; i++)
        EQ(w[i].result, 0);
}

/* Two threads hand a token back and forth through one futex word: the
 * main thread plays 0, futex_player plays 1. */
enum { PINGPONG_ROUNDS = 500 };
static atomic_int turn;

static void *futex_player(void *arg)
{
    (void)arg;
    long rounds = 0;
    for (int i = 0; i < PINGPONG_ROUNDS; i++) {
        while (atomic_load(&turn) != 1)
            futex(&turn, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
        atomic_store(&turn, 0);
        futex(&turn, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
        rounds++;
    }
    return (void *)rounds;
}

static void t_pingpong(void)
{
    pthread_t t;
    void *rounds;
    atomic_store(&turn, 0);
    RET(pthread_create(&t, NULL, futex_player, NULL), 0);
    for (int i = 0; i < PINGPONG_ROUNDS; i++) {
        while (atomic_load(&turn) != 0)
            futex(&turn, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
        atomic_store(&turn, 1);
        futex(&turn, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    }
    RET(pthread_join(t, &rounds), 0);
    EQ((long)rounds, PINGPONG_ROUNDS);
}

/* --- interruption by a signal ----------------------------------------------- */

static atomic_int handled;

static void count_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&handled, 1);
}

static void *timed_wait(void *arg)
{
    struct waiter *w = arg;
    struct timespec ts = { 20, 0 };
    long r = futex(w->word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &ts, NULL, 0);
    w->result = r == 0 ? 0 : -errno;
    atomic_store(&w->done, 1);
    return NULL;
}

static void t_interrupted_by_signal(void)
{
    static int word;
    struct sigaction sa = { 0 }, old;
    sa.sa_handler = count_signal;                      /* no SA_RESTART */
    OK(sigaction(SIGUSR1, &sa, &old));
    struct waiter w = { .word = &word };
    atomic_store(&w.done, 0);
    atomic_store(&handled, 0);
    RET(pthread_create(&w.thread, NULL, timed_wait, &w), 0);
    /* Signal until the wait ends: a signal that lands before the thread
     * sleeps is simply handled, and the next one interrupts the sleep. */
    uint64_t deadline = abi_now_ns() + GIVE_UP_NS;
    while (!atomic_load(&w.done) && abi_now_ns() < deadline) {
        pthread_kill(w.thread, SIGUSR1);
        abi_sleep_ms(2);
    }
    pthread_join(w.thread, NULL);
    sigaction(SIGUSR1, &old, NULL);
    EQ(w.result, -EINTR);
    CHECK(atomic_load(&handled) >= 1, "the handler never ran");
}

/* --- errors ----------------------------------------------------------------- */

static void t_errors(void)
{
    int word = 0;
    char *base = (char *)&word;
    ERR(futex(base + 1, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), EINVAL);    /* unaligned */
    ERR(futex((void *)4096, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), EFAULT); /* unmapped */
    ERR(futex(ABI_BAD_KERNEL, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), EFAULT);
    ERR(futex(ABI_BAD_KERNEL, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0), EFAULT);
    ERR(futex(&word, 99, 0, NULL, NULL, 0), ENOSYS);                                     /* no such op */
    struct timespec bad = { 0, 1000000000 };
    ERR(futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &bad, NULL, 0), EINVAL);
    struct timespec neg = { -1, 0 };
    ERR(futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &neg, NULL, 0), EINVAL);
    ERR(futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, ABI_BAD_LOW, NULL, 0), EFAULT);  /* bad timeout pointer */
    ERR(futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), EINVAL);  /* empty bitset */
    ERR(futex(&word, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0), EINVAL);
    /* CLOCK_REALTIME only goes with the BITSET wait. */
    ERR(futex(&word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS);
}

/* The requeue target is checked like the first word even when no waiter
 * moves to it: a kernel-half or non-canonical address is EFAULT (nutshell
 * once returned 0), a misaligned one EINVAL. */
static void t_requeue_bad_target(void)
{
    int word = 0;
    for (int i = 1; i < 3; i++) {
        ERR(futex(&word, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)1L, abi_bad_ptrs[i], 0), EFAULT);
        ERR(futex(&word, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)1L, abi_bad_ptrs[i], 0), EFAULT);
    }
    ERR(futex(&word, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)1L, (char *)&word + 1, 0), EINVAL);
    /* A user address nothing is mapped at is fine while nothing moves there. */
    EQ(futex(&word, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, (void *)1L, (void *)4096, 0), 0);
}

/* --- musl's primitives on top --------------------------------------------- */

static void t_libc_timed_waits(void)
{
    sem_t sem;
    OK(sem_init(&sem, 0, 0));
    struct timespec ts = deadline_ms(CLOCK_REALTIME, 10);
    ERR(sem_timedwait(&sem, &ts), ETIMEDOUT);
    OK(sem_post(&sem));
    OK(sem_timedwait(&sem, &ts));                      /* available: no wait at all */
    sem_destroy(&sem);

    /* m guards no data: pthread_cond_timedwait just needs a mutex held. */
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    ts = deadline_ms(CLOCK_REALTIME, 10);
    pthread_mutex_lock(&m);
    RET(pthread_cond_timedwait(&c, &m, &ts), ETIMEDOUT);
    pthread_mutex_unlock(&m);
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(wait_value_mismatch);
    RUN(wait_timeouts);
    RUN(wake_one_at_a_time);
    RUN(wake_all);
    RUN(shared_futex);
    RUN(bitset_selects);
    RUN(requeue);
    RUN(cmp_requeue);
    RUN(cmp_requeue_wake_one);
    RUN(pingpong);
    RUN(interrupted_by_signal);
    RUN(errors);
    RUN(requeue_bad_target);
    RUN(libc_timed_waits);
    return abi_end();
}
