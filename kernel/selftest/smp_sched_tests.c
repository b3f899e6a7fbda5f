/* Self-tests of the per-CPU run queues (kernel-boot.sh runs them on -smp 4
 * too): CPU-bound threads spread over the CPUs, a running thread moved from
 * CPU to CPU by its affinity, and pinned threads that sleep, yield and spin
 * never seen on another CPU.  On one CPU they pass trivially: there is
 * nothing to spread or move to.
 *
 * The loops that wait for something the scheduler must do are bounded (30 s)
 * only so that a broken scheduler fails instead of hanging the boot; no
 * result depends on how fast the host is. */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <kernel/clock.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>
#include <sched/sched.h>

#define GUARD_NS (30 * NSEC_PER_SEC)

static uint64_t online_mask(void)
{
    return percpu_online_mask();
}

static unsigned online_count(void)
{
    return percpu_online_count();
}

/* ---- CPU-bound threads spread over the CPUs ---- */

static volatile uint64_t seen_cpus; /* CPUs a spinner was seen running on */
static volatile unsigned spinners_done;

/* Spins (never sleeps or yields) until the spinners, as many as there are
 * CPUs, were seen on every CPU: the idle CPUs must have been given (or have
 * taken) the threads created on this one. */
static void spinner(void *arg)
{
    uint64_t *result = arg, deadline = clock_monotonic_ns() + GUARD_NS, want = online_mask();
    while (clock_monotonic_ns() < deadline) {
        __atomic_fetch_or(&seen_cpus, 1ull << sched_this_cpu(), __ATOMIC_RELAXED);
        if ((__atomic_load_n(&seen_cpus, __ATOMIC_RELAXED) & want) == want)
            break;
    }
    *result = __atomic_load_n(&seen_cpus, __ATOMIC_RELAXED);
    __atomic_fetch_add(&spinners_done, 1, __ATOMIC_RELAXED);
}

static const char *cpu_bound_threads_spread_over_cpus(void)
{
    unsigned n = online_count();
    if (n > 8)
        n = 8;
    struct thread *t[8];
    uint64_t result[8] = {0};
    seen_cpus = 0;
    spinners_done = 0;
    for (unsigned i = 0; i < n; i++)
        if (!(t[i] = kthread_create("spinner", spinner, &result[i])))
            return "kthread_create failed";
    for (unsigned i = 0; i < n; i++)
        kthread_join(t[i]);
    uint64_t want = online_mask();
    if (n == online_count()) {
        for (unsigned i = 0; i < n; i++)
            if ((result[i] & want) != want)
                return "CPU-bound threads were not run on every CPU (30 s)";
    }
    return NULL;
}
KTEST(cpu_bound_threads_spread_over_cpus);

/* ---- a running thread moved by its affinity ---- */

static volatile unsigned mover_cpu = ~0u;  /* where the spinning thread last saw itself */
static volatile unsigned mover_phase;      /* the CPU it must stay on, +1; 0: free */
static volatile unsigned mover_violations; /* samples on another CPU while pinned */
static volatile bool mover_stop;

static void moving_spinner(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&mover_stop, __ATOMIC_ACQUIRE)) {
        unsigned phase = __atomic_load_n(&mover_phase, __ATOMIC_ACQUIRE);
        unsigned cpu = sched_this_cpu();
        __atomic_store_n(&mover_cpu, cpu, __ATOMIC_RELEASE);
        /* phase is set only after this thread was seen on that CPU with a
         * mask of that CPU alone: from then on it may not be anywhere else.
         * Counted only if the phase held across the look (the test moves it
         * on meanwhile; the same CPU twice in a row keeps the same mask). */
        if (phase && cpu != phase - 1 && __atomic_load_n(&mover_phase, __ATOMIC_ACQUIRE) == phase)
            __atomic_fetch_add(&mover_violations, 1, __ATOMIC_RELAXED);
    }
}

static bool wait_seen_on(unsigned cpu)
{
    uint64_t deadline = clock_monotonic_ns() + GUARD_NS;
    while (__atomic_load_n(&mover_cpu, __ATOMIC_ACQUIRE) != cpu)
        if (clock_monotonic_ns() > deadline)
            return false;
        else
            sched_yield();
    return true;
}

static const char *running_thread_migrates_by_affinity(void)
{
    mover_cpu = ~0u;
    mover_phase = 0;
    mover_violations = 0;
    mover_stop = false;
    struct thread *t = kthread_create("mover", moving_spinner, NULL);
    if (!t)
        return "kthread_create failed";
    const char *err = NULL;
    unsigned cpus[MAX_CPUS], n = 0;
    for (uint64_t m = online_mask(); m; m &= m - 1)
        cpus[n++] = (unsigned)__builtin_ctzll(m);
    /* Every CPU, up then down: moves both ways between neighbours. */
    for (unsigned step = 0; step < 2 * n && !err; step++) {
        {
            unsigned cpu = step < n ? cpus[step] : cpus[2 * n - 1 - step];
            __atomic_store_n(&mover_phase, 0, __ATOMIC_RELEASE);
            if (sched_set_affinity(t, 1ull << cpu))
                err = "sched_set_affinity refused an online CPU";
            else if (!wait_seen_on(cpu))
                err = "the running thread never reached the CPU of its new mask (30 s)";
            else
                __atomic_store_n(&mover_phase, cpu + 1, __ATOMIC_RELEASE);
            /* Let it spin there a while (a few of its slices). */
            uint64_t until = clock_monotonic_ns() + 20 * NSEC_PER_MSEC;
            while (!err && clock_monotonic_ns() < until)
                sched_sleep_ns(NSEC_PER_MSEC);
        }
    }
    __atomic_store_n(&mover_stop, true, __ATOMIC_RELEASE);
    kthread_join(t);
    if (!err && mover_violations)
        return "the thread ran on a CPU its affinity excluded";
    return err;
}
KTEST(running_thread_migrates_by_affinity);

/* The caller moves itself: back from sched_set_affinity, it runs there. */
static const char *caller_moves_itself_at_once(void)
{
    struct thread *self = sched_current();
    const char *err = NULL;
    for (uint64_t m = online_mask(); m && !err; m &= m - 1) {
        unsigned cpu = (unsigned)__builtin_ctzll(m);
        sched_set_affinity(self, 1ull << cpu);
        for (int i = 0; i < 100 && !err; i++) {
            if (sched_this_cpu() != cpu)
                err = "the caller ran outside the mask it just set";
            if (i % 10 == 0)
                sched_sleep_ns(100 * 1000); /* woken: placed within its mask */
            else
                sched_yield();
        }
    }
    sched_set_affinity(self, ~0ull);
    return err;
}
KTEST(caller_moves_itself_at_once);

/* ---- pinned threads that sleep, yield and spin ---- */

struct pinned {
    unsigned cpu;
    unsigned wrong;   /* samples on another CPU */
    unsigned samples;
};

static void pinned_worker(void *arg)
{
    struct pinned *p = arg;
    for (unsigned i = 0; i < 300; i++) {
        if (sched_this_cpu() != p->cpu)
            p->wrong++;
        p->samples++;
        switch (i % 3) {
        case 0: sched_sleep_ns(50 * 1000); break; /* a wake-up: placement */
        case 1: sched_yield(); break;
        default:
            for (volatile int spin = 0; spin < 20000; spin++) /* preemption, balancing */
                ;
        }
    }
}

static const char *pinned_threads_stay_on_their_cpu(void)
{
    enum { PER_CPU = 3 };
    struct thread *t[MAX_CPUS * PER_CPU];
    static struct pinned p[MAX_CPUS * PER_CPU];
    unsigned n = 0;
    for (uint64_t m = online_mask(); m; m &= m - 1)
        for (unsigned k = 0; k < PER_CPU; k++) {
            p[n] = (struct pinned){.cpu = (unsigned)__builtin_ctzll(m)};
            if (!(t[n] = kthread_create_paused("pinned", pinned_worker, &p[n])))
                return "kthread_create failed";
            if (sched_set_affinity(t[n], 1ull << p[n].cpu))
                return "sched_set_affinity refused an online CPU";
            kthread_start(t[n]);
            n++;
        }
    const char *err = NULL;
    for (unsigned i = 0; i < n; i++) {
        kthread_join(t[i]);
        if (p[i].wrong)
            err = "a pinned thread ran on another CPU";
        if (p[i].samples != 300)
            err = "a pinned thread did not finish its rounds";
    }
    return err;
}
KTEST(pinned_threads_stay_on_their_cpu);

/* ---- nice values on a per-CPU queue ---- */

static volatile bool nice_stop;

struct nice_spin {
    uint64_t loops;      /* work done: a host stall adds none */
    /* The shortest slice_end - switched_in seen: a fresh slice (one that
     * went on without a switch, with no other thread queued, looks longer). */
    uint64_t slice_ns;
    uint64_t slices;     /* switches to it seen (switched_in changed) */
    uint64_t last_in;
};

static void nice_spinner(void *arg)
{
    struct nice_spin *r = arg;
    struct thread *self = sched_current();
    while (!__atomic_load_n(&nice_stop, __ATOMIC_ACQUIRE)) {
        r->loops++;
        /* Both set by its CPU's switch to it; read here, on that CPU. */
        uint64_t flags = irq_save();
        uint64_t slice = self->slice_end - self->switched_in, in = self->switched_in;
        irq_restore(flags);
        if (slice < r->slice_ns)
            r->slice_ns = slice;
        if (in != r->last_in) {
            r->last_in = in;
            __atomic_store_n(&r->slices, r->slices + 1, __ATOMIC_RELAXED);
        }
    }
}

/* Two spinners share CPU 0, nice 0 and nice 10.  Each slice must be the one
 * its nice value gives (sched_slice_for_nice: about ninefold apart), and the
 * nice 0 one must get more done.  Work, not CPU time, is compared: under a
 * loaded host a vCPU stall is charged to whichever thread is current, and
 * stalls come at switches as often for either.  Slices are wall time, so
 * when the host runs the vCPU in short bursts a few slices may get most of
 * the work: the test goes on until each spinner has had NICE_MIN_SLICES
 * (at least 400 ms, at most 20 s), so that the bursts even out. */
#define NICE_MIN_SLICES 40
static const char *nice_weights_cpu_share(void)
{
    struct thread *t[2];
    static struct nice_spin r[2];
    const int nices[2] = {0, 10};
    nice_stop = false;
    for (int i = 0; i < 2; i++) {
        r[i] = (struct nice_spin){.slice_ns = UINT64_MAX};
        if (!(t[i] = kthread_create_paused("nice", nice_spinner, &r[i])))
            return "kthread_create failed";
        __atomic_store_n(&t[i]->nice, (int8_t)nices[i], __ATOMIC_RELAXED);
        sched_set_affinity(t[i], 1);
    }
    for (int i = 0; i < 2; i++)
        kthread_start(t[i]);
    sched_sleep_ns(400 * NSEC_PER_MSEC);
    for (int waited = 0; waited < 196; waited++) {
        if (__atomic_load_n(&r[0].slices, __ATOMIC_RELAXED) >= NICE_MIN_SLICES &&
            __atomic_load_n(&r[1].slices, __ATOMIC_RELAXED) >= NICE_MIN_SLICES)
            break;
        sched_sleep_ns(100 * NSEC_PER_MSEC);
    }
    __atomic_store_n(&nice_stop, true, __ATOMIC_RELEASE);
    kthread_join(t[0]);
    kthread_join(t[1]);
    for (int i = 0; i < 2; i++)
        if (r[i].slice_ns != sched_slice_for_nice(nices[i]))
            return "a spinner's slice is not the one its nice value gives";
    if (r[0].loops <= r[1].loops)
        return "a nice 10 spinner got as much done as a nice 0 one beside it";
    return NULL;
}
KTEST(nice_weights_cpu_share);

/* ---- three CPU-bound threads on two CPUs share them evenly ---- */

static volatile bool share_stop;

static void share_spinner(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&share_stop, __ATOMIC_ACQUIRE))
        cpu_relax();
}

/* Three spinners allowed on two CPUs: one CPU has two, the other one, and
 * loads that differ by one cannot be evened out; only the tick's rotation
 * (sched/balance.c) gives each a turn alone.  Each must get about 2/3 of a
 * CPU over a few seconds; without the rotation the lone one gets twice
 * what each of the other two gets.  Compared: the threads' CPU time (what
 * the scheduler hands out), to each other only, not to wall time, and
 * with a generous bound (1.5 where the rotation gives about 1.0 and none
 * gives 2.0): a host stall is charged to whichever spinner is current,
 * and comes as often for any.  The caller sleeps on another CPU when
 * there is one, so that it takes no share itself. */
static const char *three_threads_share_two_cpus_evenly(void)
{
    enum { N = 3 };
    uint64_t online = online_mask();
    if (online_count() < 2)
        return NULL; /* nothing to share */
    uint64_t two = online & -online;
    two |= (online & ~two) & -(online & ~two);
    struct thread *self = sched_current(), *t[N];
    uint64_t rest = online & ~two;
    if (rest)
        sched_set_affinity(self, rest);
    share_stop = false;
    for (int i = 0; i < N; i++) {
        if (!(t[i] = kthread_create_paused("share", share_spinner, NULL)))
            return "kthread_create failed";
        sched_set_affinity(t[i], two);
    }
    for (int i = 0; i < N; i++)
        kthread_start(t[i]);
    sched_sleep_ns(200 * NSEC_PER_MSEC); /* placed and spinning */
    uint64_t start[N], got[N];
    for (int i = 0; i < N; i++)
        start[i] = thread_cpu_ns(t[i]);
    sched_sleep_ns(3 * NSEC_PER_SEC);
    for (int i = 0; i < N; i++)
        got[i] = thread_cpu_ns(t[i]) - start[i];
    __atomic_store_n(&share_stop, true, __ATOMIC_RELEASE);
    for (int i = 0; i < N; i++)
        kthread_join(t[i]);
    sched_set_affinity(self, ~0ull);
    uint64_t lo = got[0], hi = got[0];
    for (int i = 1; i < N; i++) {
        lo = got[i] < lo ? got[i] : lo;
        hi = got[i] > hi ? got[i] : hi;
    }
    static char why[160];
    ksnprintf(why, sizeof why, "three CPU-bound threads on two CPUs got %lu, %lu and %lu ms of CPU time",
              (uint64_t)(got[0] / NSEC_PER_MSEC), (uint64_t)(got[1] / NSEC_PER_MSEC),
              (uint64_t)(got[2] / NSEC_PER_MSEC));
    printk(LOG_NOTICE, "ktest: %s", why); /* the shares, pass or fail */
    if (!lo || hi * 2 > lo * 3)
        return why; /* one got over 1.5 times another */
    return NULL;
}
KTEST(three_threads_share_two_cpus_evenly);
