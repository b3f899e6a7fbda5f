/* Self-test of the per-CPU LAPIC timers (kernel-boot.sh runs it on -smp 4;
 * on one CPU it passes trivially, sched_tests.c's preemption test covers
 * CPU 0): two CPU-bound threads pinned to the same application processor
 * must take turns.  Nothing else runs there and no other CPU sends it an
 * interrupt for them (pinned threads are not balanced), so only that CPU's
 * own timer, ending each one's slice, lets the other run.
 *
 * Each thread writes its number to `last_runner` as it spins; finding the
 * other's number there means the other ran while this one was preempted (a
 * hand-off).  Both spin until each has seen two hand-offs.  The 30 s bound
 * only turns a missing timer into a failure instead of a hung boot. */
#include <arch/percpu.h>
#include <kernel/clock.h>
#include <kernel/selftest.h>
#include <sched/sched.h>

#define GUARD_NS (30 * NSEC_PER_SEC)
#define HANDOFFS 2

static volatile unsigned last_runner;
static volatile unsigned handoffs[2];
static volatile unsigned wrong_cpu;

static void slicer(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg & 1, cpu = (unsigned)(uintptr_t)arg >> 1;
    uint64_t deadline = clock_monotonic_ns() + GUARD_NS;
    __atomic_store_n(&last_runner, me, __ATOMIC_RELAXED);
    while (clock_monotonic_ns() < deadline) {
        if (__atomic_exchange_n(&last_runner, me, __ATOMIC_RELAXED) != me)
            __atomic_add_fetch(&handoffs[me], 1, __ATOMIC_RELAXED);
        if (sched_this_cpu() != cpu)
            __atomic_add_fetch(&wrong_cpu, 1, __ATOMIC_RELAXED);
        if (__atomic_load_n(&handoffs[0], __ATOMIC_RELAXED) >= HANDOFFS &&
            __atomic_load_n(&handoffs[1], __ATOMIC_RELAXED) >= HANDOFFS)
            break;
    }
}

static const char *application_processor_timer_slices_pinned_threads(void)
{
    uint64_t online = percpu_online_mask();
    if (percpu_online_count() < 2)
        return NULL;
    unsigned cpu = 63 - (unsigned)__builtin_clzll(online); /* the last CPU started: never CPU 0 here */
    handoffs[0] = handoffs[1] = 0;
    wrong_cpu = 0;
    struct thread *t[2];
    for (unsigned i = 0; i < 2; i++) {
        if (!(t[i] = kthread_create_paused("slicer", slicer, (void *)(uintptr_t)(cpu << 1 | i))))
            return "kthread_create failed";
        if (sched_set_affinity(t[i], 1ull << cpu))
            return "sched_set_affinity refused an online CPU";
    }
    kthread_start(t[0]);
    kthread_start(t[1]);
    kthread_join(t[0]);
    kthread_join(t[1]);
    if (wrong_cpu)
        return "a pinned slicer ran on another CPU";
    if (handoffs[0] < HANDOFFS || handoffs[1] < HANDOFFS)
        return "two threads pinned to an application processor did not take turns: its timer did not end a slice";
    return NULL;
}
KTEST(application_processor_timer_slices_pinned_threads);
