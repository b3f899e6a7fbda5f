/* Self-tests of threads, preemption, mutexes, sleeping and wait queues. */
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/mutex.h>
#include <kernel/selftest.h>
#include <sched/sched.h>

#define N_THREADS 8
#define RUN_NS (25 * NSEC_PER_MSEC) /* longer than a time slice */

static struct mutex counter_mutex = MUTEX_INIT(counter_mutex);
static volatile uint64_t counter;

/* Increments for RUN_NS with a deliberately long critical section, so that
 * the timer preempts threads while they hold the mutex and others must sleep
 * on it.  Returns (through arg) how many increments this thread made. */
static void hammer(void *arg)
{
    uint64_t *mine = arg, end = clock_monotonic_ns() + RUN_NS;
    while (clock_monotonic_ns() < end) {
        mutex_lock(&counter_mutex);
        uint64_t v = counter;
        for (volatile int spin = 0; spin < 2000; spin++)
            ;
        counter = v + 1;
        mutex_unlock(&counter_mutex);
        (*mine)++;
    }
}

/* A thread that runs only on CPU 0, where the caller runs too (moved there
 * by pin_caller_to_cpu0): with several CPUs, what only preemption makes
 * happen would otherwise happen on another CPU. */
static struct thread *kthread_create_on_cpu0(const char *name, void (*fn)(void *), void *arg)
{
    struct thread *t = kthread_create_paused(name, fn, arg);
    if (t) {
        sched_set_affinity(t, 1);
        kthread_start(t);
    }
    return t;
}

static void pin_caller_to_cpu0(bool pin)
{
    sched_set_affinity(sched_current(), pin ? 1 : ~0ull);
}

static const char *mutex_counter_under_preemption(void)
{
    struct thread *t[N_THREADS];
    uint64_t done[N_THREADS] = {0}, total = 0;
    struct sched_stats before, after;
    sched_get_stats(&before);
    counter = 0;
    for (int i = 0; i < N_THREADS; i++)
        if (!(t[i] = kthread_create_on_cpu0("hammer", hammer, &done[i])))
            return "kthread_create failed";
    for (int i = 0; i < N_THREADS; i++) {
        kthread_join(t[i]);
        total += done[i];
    }
    sched_get_stats(&after);
    if (counter != total)
        return "lost increments: the mutex did not exclude";
    if (after.preemptions == before.preemptions)
        return "no thread was ever preempted";
    return NULL;
}
KTEST(mutex_counter_under_preemption);

static volatile bool flag;

static void set_flag(void *arg)
{
    (void)arg;
    flag = true;
}

static const char *spinning_thread_is_preempted(void)
{
    /* This thread never yields; the other can only run if the timer preempts
     * us (both on CPU 0). */
    flag = false;
    pin_caller_to_cpu0(true);
    struct thread *t = kthread_create_on_cpu0("flag-setter", set_flag, NULL);
    if (!t) {
        pin_caller_to_cpu0(false);
        return "kthread_create failed";
    }
    uint64_t deadline = clock_monotonic_ns() + 5 * NSEC_PER_SEC;
    while (!flag && clock_monotonic_ns() < deadline)
        ;
    kthread_join(t);
    pin_caller_to_cpu0(false);
    return flag ? NULL : "the other thread never ran";
}
KTEST(spinning_thread_is_preempted);

struct sleeper {
    uint64_t ns;      /* its deadline, after the common base */
    uint64_t until;   /* that deadline, absolute (monotonic ns) */
    uint64_t woke_at;
};

static volatile int wake_order[3];
static volatile int woken;

/* Sleeps until an absolute deadline (a kernel thread has no signals, so the
 * interruptible sleep ends only at it). */
static void sleep_then_record(void *arg)
{
    struct sleeper *s = arg;
    sched_sleep_until_interruptible(s->until);
    s->woke_at = clock_monotonic_ns();
    wake_order[__atomic_fetch_add(&woken, 1, __ATOMIC_RELAXED)] = (int)(s->ns / NSEC_PER_MSEC);
}

/* The sleepers' deadlines are absolute, from one base, so the order they are
 * due in does not depend on when each thread got to run.  With deadlines
 * relative to each thread's start, a host that stopped the vCPU for 10 ms
 * between two starts (a loaded TCG host does) reordered them.  The base is
 * set once all three exist, far enough ahead (SETUP_NS) that starting them
 * and their going to sleep, microseconds of work, is done before the first
 * deadline. */
#define SETUP_NS (100 * NSEC_PER_MSEC)
static const char *timed_wakeups_in_deadline_order(void)
{
    struct sleeper s[3] = {{30 * NSEC_PER_MSEC, 0, 0}, {10 * NSEC_PER_MSEC, 0, 0}, {20 * NSEC_PER_MSEC, 0, 0}};
    struct thread *t[3];
    woken = 0;
    /* One CPU for all three: on several, a sleeper woken first could be
     * slower to record (its vCPU descheduled by the host) than the next. */
    for (int i = 0; i < 3; i++) {
        if (!(t[i] = kthread_create_paused("sleeper", sleep_then_record, &s[i]))) {
            for (int k = 0; k < i; k++) {
                s[k].until = 0; /* already due: the thread ends at once */
                kthread_start(t[k]);
                kthread_join(t[k]);
            }
            return "kthread_create failed";
        }
        sched_set_affinity(t[i], 1);
    }
    uint64_t base = clock_monotonic_ns() + SETUP_NS;
    for (int i = 0; i < 3; i++) {
        s[i].until = base + s[i].ns;
        kthread_start(t[i]);
    }
    for (int i = 0; i < 3; i++)
        kthread_join(t[i]);
    if (wake_order[0] != 10 || wake_order[1] != 20 || wake_order[2] != 30)
        return "sleepers woke out of deadline order";
    for (int i = 0; i < 3; i++)
        if (s[i].woke_at < s[i].until)
            return "a sleeper woke before its deadline";
    return NULL;
}
KTEST(timed_wakeups_in_deadline_order);

static const char *waitq_timeout_and_wake(void)
{
    static spinlock_t lock = SPINLOCK_INIT;
    static struct waitq wq = WAITQ_INIT(wq);
    uint64_t start = clock_monotonic_ns();
    uint64_t flags = spin_lock_irqsave(&lock);
    int r = waitq_wait_locked(&wq, &lock, start + 5 * NSEC_PER_MSEC);
    spin_unlock_irqrestore(&lock, flags);
    if (r != -ETIMEDOUT)
        return "wait with a deadline and no waker did not time out";
    if (clock_monotonic_ns() - start < 5 * NSEC_PER_MSEC)
        return "timed out early";
    if (waitq_wake_one(&wq) != 0)
        return "a timed-out waiter was still queued";
    return NULL;
}
KTEST(waitq_timeout_and_wake);

static void exit_with_arg(void *arg)
{
    thread_exit((int)(uintptr_t)arg);
}

static const char *join_returns_exit_code_and_detach_frees(void)
{
    struct thread *t = kthread_create("exit-code", exit_with_arg, (void *)(uintptr_t)42);
    if (!t)
        return "kthread_create failed";
    if (kthread_join(t) != 42)
        return "wrong exit code";
    struct sched_stats before, after;
    sched_get_stats(&before);
    for (int i = 0; i < 50; i++) {
        struct thread *d = kthread_create("detached", exit_with_arg, NULL);
        if (!d)
            return "kthread_create failed";
        kthread_detach(d);
    }
    /* Let them all run and exit.  How long that takes depends on the host's
     * load (a loaded TCG host once needed more than 1 ms), so wait until the
     * count is back, bounded far above any honest delay. */
    for (int ms = 0; ms < 5000; ms++) {
        sched_get_stats(&after);
        if (after.threads == before.threads)
            return NULL;
        sched_sleep_ns(NSEC_PER_MSEC);
    }
    return "detached threads still counted as live after 5 s";
}
KTEST(join_returns_exit_code_and_detach_frees);

static const char *clocks_advance(void)
{
    uint64_t a = clock_monotonic_ns();
    sched_sleep_ns(2 * NSEC_PER_MSEC);
    uint64_t b = clock_monotonic_ns();
    if (b <= a)
        return "monotonic clock did not advance";
    /* 2020-01-01 in ns: the RTC gives a plausible date. */
    if (clock_realtime_ns() < 1577836800ull * NSEC_PER_SEC)
        return "wall clock before 2020";
    return NULL;
}
KTEST(clocks_advance);
