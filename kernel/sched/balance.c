/* Where threads run: the CPU a woken thread goes to, idle CPUs taking work
 * from busy ones, and the tick's rebalancing (see sched/runq.h).
 *
 * What each CPU runs is read without locks here (runq_load, runq_cpu_idle):
 * a choice made on a stale view costs a wait in a queue, never correctness,
 * since a queue is only changed under its lock.  The one race that could
 * leave work waiting while a CPU halts (a CPU going idle while another
 * queues a thread behind a busy one) is closed from both sides: the queuer
 * looks for idle CPUs after queuing (balance_kick_idle_for) and the idle
 * loop pulls after it published that it is idle, each after a full fence. */
#include <arch/percpu.h>
#include <sched/runq.h>

static uint64_t allowed_online(const struct thread *t)
{
    uint64_t m = __atomic_load_n(&t->cpus_allowed, __ATOMIC_RELAXED) & percpu_online_mask();
    return m ? m : 1; /* CPU 0 is always online */
}

unsigned balance_select_cpu(struct thread *t)
{
    uint64_t allowed = allowed_online(t);
    unsigned last = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
    bool last_ok = allowed >> last & 1;
    if (last_ok && runq_cpu_idle(last))
        return last; /* its cache, and no one else's work delayed */
    for (uint64_t m = allowed; m; m &= m - 1) {
        unsigned c = (unsigned)__builtin_ctzll(m);
        if (runq_cpu_idle(c))
            return c;
    }
    if (last_ok)
        return last;
    unsigned best = (unsigned)__builtin_ctzll(allowed), best_load = UINT32_MAX;
    for (uint64_t m = allowed; m; m &= m - 1) {
        unsigned c = (unsigned)__builtin_ctzll(m), load = runq_load(c);
        if (load < best_load) {
            best = c;
            best_load = load;
        }
    }
    return best;
}

void balance_kick_idle_for(const struct thread *t, unsigned queued_on)
{
    /* Pairs with the idle loop's fence between publishing that it is idle
     * and pulling (sched.c's idle_loop): one of the two sees the other. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (uint64_t m = allowed_online(t) & ~(1ull << queued_on); m; m &= m - 1) {
        unsigned c = (unsigned)__builtin_ctzll(m);
        if (runq_cpu_idle(c)) {
            runq_force_resched(c); /* its switch pulls (balance_pull) */
            return;
        }
    }
}

/* The first thread of o that may run on cpu and whose registers are saved,
 * o locked; *retry set if one that may run here is still being switched
 * out (it can be taken a moment later). */
static struct thread *first_movable(struct runq *o, unsigned cpu, bool *retry)
{
    list_for_each(it, &o->queue) {
        struct thread *t = list_entry(it, struct thread, run_link);
        if (!sched_thread_allowed(t, cpu))
            continue;
        if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
            *retry = true;
            continue;
        }
        return t;
    }
    return NULL;
}

struct thread *balance_pull(struct runq *rq, unsigned cpu, bool *retry)
{
    (void)rq; /* held: other queues only by trylock */
    uint64_t online = percpu_online_mask();
    /* Start after this CPU, so that idle CPUs do not all go to the same one. */
    for (unsigned k = 1; k < MAX_CPUS; k++) {
        unsigned c = (cpu + k) % MAX_CPUS;
        if (!(online >> c & 1) || !runq_nr_queued(c))
            continue;
        struct runq *o = runq_of(c);
        if (!spin_trylock(&o->lock)) {
            *retry = true;
            continue;
        }
        struct thread *t = first_movable(o, cpu, retry);
        if (t) {
            runq_dequeue(o, t);
            __atomic_store_n(&t->cpu, cpu, __ATOMIC_RELAXED); /* under both locks */
        }
        spin_unlock(&o->lock);
        if (t)
            return t;
    }
    return NULL;
}

void balance_tick(struct runq *rq, unsigned cpu)
{
    unsigned mine = runq_load(cpu);
    if (mine < 2 || !rq->nr_queued)
        return;
    uint64_t online = percpu_online_mask() & ~(1ull << cpu);
    unsigned target = MAX_CPUS, least = mine - 1;
    for (uint64_t m = online; m; m &= m - 1) {
        unsigned c = (unsigned)__builtin_ctzll(m), load = runq_load(c);
        if (load < least) { /* two fewer at least: one moved evens them out */
            target = c;
            least = load;
        }
    }
    if (target == MAX_CPUS)
        return;
    struct runq *o = runq_of(target);
    if (!spin_trylock(&o->lock))
        return; /* the next tick tries again */
    bool unused = false;
    struct thread *t = first_movable(rq, target, &unused);
    if (t) {
        runq_dequeue(rq, t);
        runq_enqueue(o, target, t);
    }
    spin_unlock(&o->lock);
    if (t) {
        if (runq_cpu_idle(target))
            runq_force_resched(target);
        else
            runq_kick_after_unlock(target); /* it arms its slice timer */
    }
}
