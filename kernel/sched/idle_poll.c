/* Reschedule IPIs skipped for idle CPUs that poll (sched/idle_poll.h). */
#include <sched/idle_poll.h>

/* Counters only (relaxed atomics): read by /proc/vmstat. */
static uint64_t ipis_sent, ipis_skipped;

void resched_ipi_get_stats(struct resched_ipi_stats *out)
{
    out->sent = __atomic_load_n(&ipis_sent, __ATOMIC_RELAXED);
    out->skipped = __atomic_load_n(&ipis_skipped, __ATOMIC_RELAXED);
}

void idle_polling_begin(void)
{
    __atomic_store_n(&this_cpu()->cpu_polling, true, __ATOMIC_RELAXED);
}

bool idle_polling_end(void)
{
    struct percpu *self = this_cpu();
    __atomic_store_n(&self->cpu_polling, false, __ATOMIC_RELAXED);
    /* Pairs with the fence in idle_polling_sees_resched: a store-load
     * order, which only a full fence gives on x86 (mfence). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&self->cpu_need_resched, __ATOMIC_RELAXED);
}

bool idle_polling_sees_resched(struct percpu *c)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the caller's need_resched store before the flag's load */
    /* Its idle thread, not a thread that an interrupt switched to in the
     * middle of the poll (the flag stays set until the idle thread is back
     * and ends its poll): that one needs the IPI to see need_resched soon. */
    if (!__atomic_load_n(&c->cpu_polling, __ATOMIC_RELAXED) ||
        __atomic_load_n(&c->cpu_current, __ATOMIC_RELAXED) != c->cpu_idle)
        return false;
    __atomic_fetch_add(&ipis_skipped, 1, __ATOMIC_RELAXED);
    return true;
}

void resched_ipi_count_sent(void)
{
    __atomic_fetch_add(&ipis_sent, 1, __ATOMIC_RELAXED);
}
