/* Self-tests of the reschedule IPI and idle polling (sched/idle_poll.h),
 * run by kernel-boot.sh on -smp 4 too; on one CPU they pass trivially.
 *
 * A thread pinned to one CPU sleeps; a waker pinned to another wakes it,
 * each round at a chosen moment: while the sleeper's CPU is idle and polls
 * need_resched (the IPI must be skipped), or once it stopped polling and
 * may be halted (the IPI must be sent).  Every wake must reach the sleeper:
 * a skipped IPI to a halted CPU would leave it asleep.  The wait for it is
 * bounded (30 s) only so that a broken kernel fails instead of hanging; a
 * round whose moment passed before the wake (a host that stalled a vCPU)
 * is simply not counted, so no result depends on the host's speed. */
#include <arch/percpu.h>
#include <kernel/clock.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>
#include <sched/idle_poll.h>
#include <sched/sched.h>

#define GUARD_NS (30 * NSEC_PER_SEC)
#define ROUNDS 400

static spinlock_t lock = SPINLOCK_INIT; /* protects woken and the sleeper's wait */
static struct waitq sleeper_wq = WAITQ_INIT(sleeper_wq);
static unsigned woken;  /* rounds the sleeper has seen */
static unsigned posted; /* rounds the waker has posted */
static bool stop;

/* Sleeps until each round is posted; acknowledges it in woken. */
static void sleeper(void *unused)
{
    (void)unused;
    uint64_t flags = spin_lock_irqsave(&lock);
    while (!stop) {
        if (woken < posted)
            woken = posted;
        else
            waitq_wait_locked(&sleeper_wq, &lock, 0);
    }
    spin_unlock_irqrestore(&lock, flags);
}

/* The sleeper's CPU is idle and its idle thread polls now / does not. */
static bool cpu_polls(struct percpu *c)
{
    return __atomic_load_n(&c->cpu_polling, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&c->cpu_current, __ATOMIC_RELAXED) == c->cpu_idle;
}
static bool cpu_idle_not_polling(struct percpu *c)
{
    return !__atomic_load_n(&c->cpu_polling, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&c->cpu_current, __ATOMIC_RELAXED) == c->cpu_idle;
}

struct waker_result {
    unsigned target;
    const char *err;
    unsigned polled_rounds, halted_rounds; /* rounds woken in each state */
    uint64_t skipped, sent;                /* counter increases over those rounds */
};

/* Posts one round and waits for the sleeper to see it. */
static const char *post_and_wait(void)
{
    uint64_t flags = spin_lock_irqsave(&lock);
    unsigned want = ++posted;
    waitq_wake_one(&sleeper_wq);
    spin_unlock_irqrestore(&lock, flags);
    uint64_t deadline = clock_monotonic_ns() + GUARD_NS;
    while (__atomic_load_n(&woken, __ATOMIC_ACQUIRE) < want)
        if (clock_monotonic_ns() > deadline)
            return "a wake-up never reached the sleeper's CPU (30 s)";
    return NULL;
}

/* Waits, without sleeping (this CPU's own idle state must not matter),
 * up to ns for the target's state: whether it was seen. */
static bool wait_state(struct percpu *c, bool (*state)(struct percpu *), uint64_t ns)
{
    uint64_t deadline = clock_monotonic_ns() + ns;
    while (!state(c))
        if (clock_monotonic_ns() > deadline)
            return false;
    return true;
}

static void waker(void *arg)
{
    struct waker_result *r = arg;
    struct percpu *c = percpu_of(r->target);
    for (unsigned round = 0; round < ROUNDS && !r->err; round++) {
        /* Even rounds: the sleeper has just gone back to sleep, so its CPU
         * idles and polls for a while.  Odd ones: long enough after that
         * for the poll to be over. */
        bool polling = round % 2 == 0, seen;
        if (polling) {
            seen = wait_state(c, cpu_polls, NSEC_PER_MSEC);
        } else {
            sched_sleep_ns(2 * NSEC_PER_MSEC);
            seen = cpu_idle_not_polling(c);
        }
        struct resched_ipi_stats before, after;
        resched_ipi_get_stats(&before);
        bool still = seen && (polling ? cpu_polls(c) : cpu_idle_not_polling(c));
        r->err = post_and_wait();
        resched_ipi_get_stats(&after);
        if (!still)
            continue; /* not seen in that state just before the wake: not counted */
        if (polling) {
            r->polled_rounds++;
            r->skipped += after.skipped - before.skipped;
        } else {
            r->halted_rounds++;
            r->sent += after.sent - before.sent;
        }
    }
}

static const char *reschedule_ipi_skipped_only_while_polling(void)
{
    uint64_t online = percpu_online_mask();
    if (percpu_online_count() < 2)
        return NULL;
    unsigned a = (unsigned)__builtin_ctzll(online), b = (unsigned)__builtin_ctzll(online & (online - 1));
    woken = posted = 0;
    stop = false;
    struct waker_result r = {.target = b};
    struct thread *s = kthread_create_paused("ipi-sleeper", sleeper, NULL);
    struct thread *w = kthread_create_paused("ipi-waker", waker, &r);
    if (!s || !w)
        return "kthread_create failed";
    if (sched_set_affinity(s, 1ull << b) || sched_set_affinity(w, 1ull << a))
        return "sched_set_affinity refused an online CPU";
    kthread_start(s);
    kthread_start(w);
    kthread_join(w);
    uint64_t flags = spin_lock_irqsave(&lock);
    stop = true;
    waitq_wake_all(&sleeper_wq);
    spin_unlock_irqrestore(&lock, flags);
    kthread_join(s);
    printk(LOG_INFO, "idle_poll test: %u rounds woken while polling (IPIs skipped: %lu), %u while not (sent: %lu)",
           r.polled_rounds, (unsigned long)r.skipped, r.halted_rounds, (unsigned long)r.sent);
    if (r.err)
        return r.err;
    /* Each counted round saw the state just before its wake; another
     * thread's wake-up may add to a counter, never take from it. */
    if (r.polled_rounds && !r.skipped)
        return "no reschedule IPI was skipped for a CPU seen polling";
    if (r.halted_rounds && !r.sent)
        return "no reschedule IPI was sent to a CPU seen idle and not polling";
    return NULL;
}
KTEST(reschedule_ipi_skipped_only_while_polling);
