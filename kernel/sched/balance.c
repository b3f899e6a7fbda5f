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
#include <kernel/clock.h>
#include <sched/recent.h>
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

/* ---- the tick's balancing ----
 *
 * Two rules, both at a slice's end on a CPU with threads waiting:
 *
 * Even out: a CPU with at least two fewer threads (queued or running) gets
 * one of the waiting threads at once; one move brings the two closer.
 *
 * Rotate: loads that differ by one cannot be evened out (three CPU-bound
 * threads on two CPUs: one CPU has two), and a round-robin queue then
 * gives the lone thread a whole CPU and the other two half of one each, for
 * as long as they run.  So once a CPU has had exactly one more thread than
 * another busy CPU for ROTATE_NS, it moves there the waiting thread that
 * had the most CPU time lately (thread->recent_ns, decayed by half every
 * ROTATE_NS).  The thread that stays then has a CPU to itself, and the
 * other CPU, now the one with more, does the same ROTATE_NS later with its
 * threads: over time each thread spends its turn alone, and shares even out
 * (2/3 of a CPU each in the example) as Linux's periodic balancing evens
 * out its tasks' runtime.  Moving the one with the most recent CPU time,
 * not the one that waited longest, is what makes the turns go round: the
 * thread that was alone before is the one with the most, so it is the one
 * to share next.
 *
 * Against ping-pong and cache thrash: after a rotation neither CPU rotates
 * again for ROTATE_NS (rotate_after, set on both), so a thread moves at
 * most once per ROTATE_NS per pair of CPUs, about every fourth default
 * slice: the cold cache after a move costs a small part of the 40 ms it
 * then runs there.  The spell must also be seen on ticks no further apart
 * than two ROTATE_NS and two of the current slices (ticks come at slice
 * ends while threads wait here; a gap means the queue emptied meanwhile),
 * so a passing imbalance (a short-lived thread) moves nothing.  A thread
 * whose affinity allows none of the CPUs with one fewer is never moved; if
 * the one with the most recent CPU time is running, the rotation waits for
 * the next tick, when it waits in the queue. */
#define ROTATE_NS RECENT_HALF_LIFE_NS /* 40 ms */

void balance_account(struct thread *t, uint64_t ran, uint64_t now)
{
    t->recent_ns = recent_add(t->recent_ns, t->recent_at, now, ran);
    t->recent_at = now;
}

/* t's recent CPU time as of now, up to its last switch away.  For the
 * thread running here that leaves out its current slice, which puts it on
 * the same footing as those waiting (each counted up to its last slice):
 * counting it would make the running one look busier at every tick, and two
 * threads sharing a CPU evenly would then each wait for the other for good.
 * A rotation comes at least ROTATE_NS into a spell of waiting threads, so
 * every thread here has been switched away from, and accounted, by then. */
static uint64_t recent_cpu(const struct thread *t, uint64_t now)
{
    return recent_decay(t->recent_ns, now > t->recent_at ? now - t->recent_at : 0);
}

/* The first CPU of cpus that t may run on, or MAX_CPUS. */
static unsigned first_allowed(const struct thread *t, uint64_t cpus)
{
    uint64_t m = cpus & __atomic_load_n(&t->cpus_allowed, __ATOMIC_RELAXED);
    return m ? (unsigned)__builtin_ctzll(m) : MAX_CPUS;
}

/* Moves t from rq (this CPU's, locked) to target's queue (trylock: this CPU
 * holds its own) and tells target.  False if target's lock was busy. */
static bool move_to(struct runq *rq, struct thread *t, unsigned target, uint64_t rotated_at)
{
    struct runq *o = runq_of(target);
    if (!spin_trylock(&o->lock))
        return false; /* the next tick tries again */
    runq_dequeue(rq, t);
    runq_enqueue(o, target, t);
    if (rotated_at) {
        __atomic_store_n(&o->rotate_after, rotated_at + ROTATE_NS, __ATOMIC_RELAXED);
        o->uneven_since = 0; /* its spell starts with its next tick */
    }
    spin_unlock(&o->lock);
    if (runq_cpu_idle(target))
        runq_force_resched(target);
    else
        runq_kick_after_unlock(target); /* it arms its slice timer */
    return true;
}

/* Even out: the least loaded CPU with two fewer than mine that a waiting
 * thread may go to gets the first such thread.  True if one moved. */
static bool even_out(struct runq *rq, unsigned mine, uint64_t others)
{
    unsigned target = MAX_CPUS, least = mine - 1;
    struct thread *pick = NULL;
    bool unused = false;
    for (uint64_t m = others; m; m &= m - 1) {
        unsigned c = (unsigned)__builtin_ctzll(m), load = runq_load(c);
        if (load < least) { /* two fewer at least: one moved evens them out */
            struct thread *t = first_movable(rq, c, &unused);
            if (t) {
                target = c;
                least = load;
                pick = t;
            }
        }
    }
    return pick && move_to(rq, pick, target, 0);
}

/* Rotate (see the top of this part): `ready` are the busy CPUs with one
 * thread fewer than this one that have not rotated lately. */
static void rotate(struct runq *rq, uint64_t ready, uint64_t now)
{
    struct thread *best = NULL;
    uint64_t best_recent = 0;
    list_for_each(it, &rq->queue) {
        struct thread *t = list_entry(it, struct thread, run_link);
        if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE) || first_allowed(t, ready) == MAX_CPUS)
            continue;
        uint64_t r = recent_cpu(t, now);
        if (!best || r > best_recent) {
            best = t;
            best_recent = r;
        }
    }
    if (!best)
        return;
    struct thread *cur = this_cpu()->cpu_current;
    if (first_allowed(cur, ready) != MAX_CPUS && recent_cpu(cur, now) > best_recent)
        return; /* it goes next tick, once it waits */
    if (move_to(rq, best, first_allowed(best, ready), now)) {
        __atomic_store_n(&rq->rotate_after, now + ROTATE_NS, __ATOMIC_RELAXED);
        rq->uneven_since = 0;
    }
}

void balance_tick(struct runq *rq, unsigned cpu)
{
    unsigned mine = runq_load(cpu);
    if (mine < 2 || !rq->nr_queued)
        return;
    uint64_t others = percpu_online_mask() & ~(1ull << cpu);
    if (even_out(rq, mine, others)) {
        rq->uneven_since = 0;
        return;
    }
    uint64_t now = clock_monotonic_ns(), fewer = 0, ready = 0;
    for (uint64_t m = others; m; m &= m - 1) {
        unsigned c = (unsigned)__builtin_ctzll(m);
        if (runq_load(c) != mine - 1)
            continue;
        fewer |= 1ull << c;
        if (now >= __atomic_load_n(&runq_of(c)->rotate_after, __ATOMIC_RELAXED))
            ready |= 1ull << c;
    }
    /* The spell: one more than some busy CPU, on every tick since. */
    if (!fewer) {
        rq->uneven_since = 0;
        return;
    }
    const struct thread *cur = this_cpu()->cpu_current;
    uint64_t gap = 2 * ROTATE_NS + 2 * (cur->slice_end - cur->switched_in);
    if (!rq->uneven_since || now - rq->uneven_seen > gap)
        rq->uneven_since = now;
    rq->uneven_seen = now;
    if (now - rq->uneven_since >= ROTATE_NS && now >= rq->rotate_after && ready)
        rotate(rq, ready, now);
}
