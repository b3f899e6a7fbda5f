/* Self-tests of deferred wake-ups (sched/wake_q.h): a queued wake ends only
 * the sleep it was queued for, a claimed waiter's wait returns 0 however it
 * ends, and the queue's reference outlives a thread that exits first. */
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/selftest.h>
#include <sched/sched.h>
#include <sched/wake_q.h>

static spinlock_t lock = SPINLOCK_INIT; /* protects phase and result below */
static struct waitq first = WAITQ_INIT(first), second = WAITQ_INIT(second);
static int phase, result;

/* Waits (under lock) until phase reaches at least want; false after 5 s. */
static bool wait_for_phase(int want)
{
    for (int ms = 0; ms < 5000; ms++) {
        uint64_t flags = spin_lock_irqsave(&lock);
        int now = phase;
        spin_unlock_irqrestore(&lock, flags);
        if (now >= want)
            return true;
        sched_sleep_ns(NSEC_PER_MSEC);
    }
    return false;
}

/* Sleeps on `first` (phase 1), then, once woken, on `second` (phase 2). */
static void sleep_twice(void *unused)
{
    (void)unused;
    uint64_t flags = spin_lock_irqsave(&lock);
    phase = 1;
    waitq_wait_locked(&first, &lock, 0);
    phase = 2;
    result = waitq_wait_locked(&second, &lock, 0);
    phase = 3;
    spin_unlock_irqrestore(&lock, flags);
}

static const char *stale_deferred_wake_leaves_a_new_sleep_alone(void)
{
    phase = 0;
    struct thread *t = kthread_create("sleep-twice", sleep_twice, NULL);
    if (!t)
        return "kthread_create failed";
    if (!wait_for_phase(1))
        return "the sleeper never slept";
    struct wake_q q = WAKE_Q_INIT;
    uint64_t flags = spin_lock_irqsave(&lock);
    /* Phase 1 is set under lock before the sleep, which releases it: t sleeps on first. */
    bool queued = wake_q_add(&q, t);
    int direct = waitq_wake_one(&first); /* that sleep ends another way */
    spin_unlock_irqrestore(&lock, flags);
    if (!queued || direct != 1)
        return "could not queue the wake or wake the first sleep";
    if (!wait_for_phase(2))
        return "the sleeper did not go on to its second sleep";
    /* t now sleeps on second; the queued wake names the first sleep. */
    int woken = wake_q_run(&q);
    flags = spin_lock_irqsave(&lock);
    int still = phase;
    int on_second = waitq_wake_one(&second);
    spin_unlock_irqrestore(&lock, flags);
    kthread_join(t);
    if (woken != 0 || still != 2)
        return "a stale deferred wake ended a later sleep";
    if (on_second != 1)
        return "the later sleep's thread was taken off its wait queue";
    return NULL;
}
KTEST(stale_deferred_wake_leaves_a_new_sleep_alone);

/* Waits on `first` with a deadline; the result is the wait's.  The
 * deadline is far longer than the moment the test takes to claim the
 * waiter once it slept: on several CPUs under a loaded host, a 5 ms one
 * passed first (the waiter timed out, and there was nothing to claim). */
#define CLAIM_DEADLINE_NS (200 * NSEC_PER_MSEC)
static void wait_with_deadline(void *unused)
{
    (void)unused;
    uint64_t flags = spin_lock_irqsave(&lock);
    phase = 1;
    result = waitq_wait_locked(&first, &lock, clock_monotonic_ns() + CLAIM_DEADLINE_NS);
    phase = 2;
    spin_unlock_irqrestore(&lock, flags);
}

/* One try of the test below; *again set if the host stalled this vCPU
 * past the waiter's deadline before the claim (nothing to claim then). */
static const char *claim_try(bool *again)
{
    phase = 0;
    result = 1;
    struct thread *t = kthread_create("claimed", wait_with_deadline, NULL);
    if (!t)
        return "kthread_create failed";
    if (!wait_for_phase(1))
        return "the waiter never slept";
    struct wake_q q = WAKE_Q_INIT;
    uint64_t flags = spin_lock_irqsave(&lock);
    int claimed = waitq_claim(&first, 1, &q);
    spin_unlock_irqrestore(&lock, flags);
    /* Well past its deadline: claimed, it must still wait for the wake. */
    sched_sleep_ns(CLAIM_DEADLINE_NS + 50 * NSEC_PER_MSEC);
    flags = spin_lock_irqsave(&lock);
    int before = phase;
    spin_unlock_irqrestore(&lock, flags);
    int woken = wake_q_run(&q);
    kthread_join(t);
    if (claimed != 1) {
        *again = result == -ETIMEDOUT; /* timed out before the claim */
        return "the waiter was not claimed";
    }
    if (before != 1)
        return "a claimed waiter ran before its deferred wake";
    if (woken != 1)
        return "the deferred wake did not wake the claimed waiter";
    if (result != 0)
        return "a claimed waiter's wait did not return 0";
    return NULL;
}

static const char *claimed_waiter_is_woken_not_timed_out(void)
{
    const char *err;
    bool again = true;
    for (int tries = 0; again && tries < 5; tries++) {
        again = false;
        err = claim_try(&again);
    }
    return err;
}
KTEST(claimed_waiter_is_woken_not_timed_out);

enum { MANY = WAKE_Q_MAX + 4 };
static struct waitq many_wq = WAITQ_INIT(many_wq);
static int many_asleep, many_done; /* lock */

static void wait_once(void *unused)
{
    (void)unused;
    uint64_t flags = spin_lock_irqsave(&lock);
    many_asleep++;
    waitq_wait_locked(&many_wq, &lock, 0);
    many_done++;
    spin_unlock_irqrestore(&lock, flags);
}

static const char *full_queue_wakes_the_rest_at_once(void)
{
    struct thread *t[MANY];
    many_asleep = many_done = 0;
    for (int i = 0; i < MANY; i++)
        if (!(t[i] = kthread_create("many", wait_once, NULL)))
            return "kthread_create failed";
    int asleep = 0;
    for (int ms = 0; ms < 5000 && asleep < MANY; ms++) {
        sched_sleep_ns(NSEC_PER_MSEC);
        uint64_t flags = spin_lock_irqsave(&lock);
        asleep = many_asleep;
        spin_unlock_irqrestore(&lock, flags);
    }
    if (asleep < MANY)
        return "the waiters never all slept";
    struct wake_q q = WAKE_Q_INIT;
    uint64_t flags = spin_lock_irqsave(&lock);
    int claimed = waitq_claim(&many_wq, INT32_MAX, &q);
    spin_unlock_irqrestore(&lock, flags);
    int deferred = wake_q_run(&q);
    for (int i = 0; i < MANY; i++)
        kthread_join(t[i]);
    if (claimed != MANY)
        return "not every waiter was claimed";
    if (deferred != WAKE_Q_MAX)
        return "the queue did not hold exactly WAKE_Q_MAX wakes";
    if (many_done != MANY)
        return "a waiter past the queue's size was not woken";
    return NULL;
}
KTEST(full_queue_wakes_the_rest_at_once);

static void exit_at_once(void *unused)
{
    (void)unused;
    uint64_t flags = spin_lock_irqsave(&lock);
    phase = 1;
    waitq_wait_locked(&first, &lock, 0);
    spin_unlock_irqrestore(&lock, flags);
}

static const char *queued_thread_outlives_its_exit(void)
{
    phase = 0;
    struct thread *t = kthread_create("exits", exit_at_once, NULL);
    if (!t)
        return "kthread_create failed";
    kthread_detach(t);
    if (!wait_for_phase(1))
        return "the thread never slept";
    struct wake_q q = WAKE_Q_INIT;
    uint64_t flags = spin_lock_irqsave(&lock);
    bool queued = wake_q_add(&q, t);
    waitq_wake_one(&first);
    spin_unlock_irqrestore(&lock, flags);
    if (!queued)
        return "could not queue the wake";
    /* The thread exits, detached: only the queue's reference keeps it.  Its
     * CPU marks it dead, then drops the owner's reference (after releasing
     * its locks): wait for both. */
    for (int ms = 0; ms < 5000 && (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != THREAD_DEAD ||
                                   __atomic_load_n(&t->refs, __ATOMIC_ACQUIRE) != 1); ms++)
        sched_sleep_ns(NSEC_PER_MSEC);
    if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != THREAD_DEAD)
        return "the detached thread did not exit";
    if (__atomic_load_n(&t->refs, __ATOMIC_ACQUIRE) != 1)
        return "the queue's reference is not the only one left";
    if (wake_q_run(&q) != 0) /* frees it (the debug kernel poisons the memory) */
        return "a wake of an exited thread woke something";
    return NULL;
}
KTEST(queued_thread_outlives_its_exit);
