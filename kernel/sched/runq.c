/* Per-CPU run queues: locking, queue operations, reschedule IPIs (see
 * sched/runq.h for what each lock protects and the order they nest in). */
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <kernel/panic.h>
#include <sched/idle_poll.h>
#include <sched/runq.h>

/* Indexed by CPU number; queues of CPUs not online stay empty. */
static struct runq runqs[MAX_CPUS] = {[0 ... MAX_CPUS - 1] = {.lock = SPINLOCK_INIT_RANKED(LOCK_RANK_RUNQ)}};

void runq_init(void)
{
    for (unsigned i = 0; i < MAX_CPUS; i++)
        list_init(&runqs[i].queue);
}

struct runq *runq_of(unsigned cpu)
{
    return &runqs[cpu];
}

struct runq *runq_lock_this(void)
{
    struct runq *rq = &runqs[this_cpu()->index]; /* interrupts off: stays this CPU */
    spin_lock(&rq->lock);
    return rq;
}

void runq_flush_kicks(void)
{
    struct percpu *self = this_cpu();
    uint64_t kicks = self->cpu_kicks_pending;
    self->cpu_kicks_pending = 0;
    for (; kicks; kicks &= kicks - 1) {
        struct percpu *c = percpu_of((unsigned)__builtin_ctzll(kicks));
        if (c) {
            lapic_send_ipi(c->apic_id, VEC_RESCHEDULE);
            resched_ipi_count_sent();
        }
    }
}

void runq_unlock(struct runq *rq)
{
    spin_unlock(&rq->lock);
    if (!this_cpu()->cpu_in_sched_lock)
        runq_flush_kicks();
}

struct runq *runq_lock_thread(struct thread *t)
{
    for (;;) {
        unsigned cpu = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
        struct runq *rq = &runqs[cpu];
        spin_lock(&rq->lock);
        if (t->cpu == cpu) /* written only under the lock of the queue it names */
            return rq;
        spin_unlock(&rq->lock); /* moved meanwhile: follow it */
    }
}

void runq_lock_two(unsigned a, unsigned b)
{
    spin_lock(&runqs[MIN(a, b)].lock);
    if (a != b)
        spin_lock(&runqs[MAX(a, b)].lock);
}

void runq_unlock_two(unsigned a, unsigned b)
{
    if (a != b)
        spin_unlock(&runqs[MAX(a, b)].lock);
    runq_unlock(&runqs[MIN(a, b)]);
}

void runq_enqueue(struct runq *rq, unsigned cpu, struct thread *t)
{
    BUG_ON(!list_empty(&t->run_link));
    __atomic_store_n(&t->cpu, cpu, __ATOMIC_RELAXED);
    __atomic_store_n(&t->state, THREAD_RUNNABLE, __ATOMIC_RELAXED);
    list_add_tail(&t->run_link, &rq->queue);
    __atomic_store_n(&rq->nr_queued, rq->nr_queued + 1, __ATOMIC_RELAXED);
}

void runq_dequeue(struct runq *rq, struct thread *t)
{
    list_del(&t->run_link);
    __atomic_store_n(&rq->nr_queued, rq->nr_queued - 1, __ATOMIC_RELAXED);
}

struct thread *runq_pick(struct runq *rq, unsigned cpu)
{
    list_for_each(it, &rq->queue) {
        struct thread *t = list_entry(it, struct thread, run_link);
        if (sched_thread_allowed(t, cpu)) {
            runq_dequeue(rq, t);
            return t;
        }
    }
    return NULL;
}

unsigned runq_nr_queued(unsigned cpu)
{
    return __atomic_load_n(&runqs[cpu].nr_queued, __ATOMIC_RELAXED);
}

bool runq_cpu_idle(unsigned cpu)
{
    struct percpu *c = percpu_of(cpu);
    return c && __atomic_load_n(&c->cpu_current, __ATOMIC_RELAXED) == c->cpu_idle &&
           !__atomic_load_n(&c->cpu_need_resched, __ATOMIC_RELAXED);
}

unsigned runq_load(unsigned cpu)
{
    struct percpu *c = percpu_of(cpu);
    if (!c)
        return 0;
    return runq_nr_queued(cpu) + (__atomic_load_n(&c->cpu_current, __ATOMIC_RELAXED) != c->cpu_idle);
}

void runq_kick_after_unlock(unsigned cpu)
{
    this_cpu()->cpu_kicks_pending |= 1ull << cpu;
}

void runq_force_resched(unsigned cpu)
{
    struct percpu *c = percpu_of(cpu);
    if (!c)
        return;
    __atomic_store_n(&c->cpu_need_resched, true, __ATOMIC_RELEASE);
    if (c != this_cpu() && !idle_polling_sees_resched(c))
        runq_kick_after_unlock(cpu);
}
