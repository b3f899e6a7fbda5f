/* Per-CPU run queues (sched/runq.c) and their balancing (sched/balance.c);
 * internal to the scheduler (kernel/sched/).
 *
 * Each online CPU has one struct runq.  Its lock (rank LOCK_RANK_RUNQ:
 * after sched_lock, before the allocators) protects:
 *  - the queue and nr_queued (nr_queued is also read without it, as a hint);
 *  - the RUNNABLE <-> RUNNING steps of the threads in the queue or running on
 *    the CPU, their `cpu` field (a move between queues holds both locks) and
 *    their `migrating` flag;
 *  - the CPU's cpu_current (written under it; other CPUs read it without the
 *    lock, as a hint, to find idle CPUs).
 * A CPU holds its own queue's lock across its context switch: the thread
 * switched in releases it (finish_switch).
 *
 * Two queue locks are held together only through runq_lock_two (CPU-index
 * order, no queue lock held before) or through spin_trylock while holding
 * one's own (balancing): a CPU in the middle of a switch holds its lock and
 * must never wait on another CPU's.
 *
 * A thread whose on_cpu flag is set (its registers are not saved yet) is
 * only ever in the queue of the CPU it is on, or in none: a waker that finds
 * it still on its CPU queues it there, balancing never takes it, and a
 * migration waits for the switch (thread->migrating).  So no CPU ever waits
 * for another to finish switching while holding its own queue lock. */
#ifndef SCHED_RUNQ_H
#define SCHED_RUNQ_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <sched/sched.h>

struct runq {
    spinlock_t lock;
    struct list_head queue; /* RUNNABLE threads (run_link), FIFO */
    unsigned nr_queued;     /* length of queue (atomic stores: read as a hint) */
    /* The tick's rotation (sched/balance.c), under the lock; rotate_after
     * is also read without it, as a hint: */
    uint64_t rotate_after;  /* no rotation to or from this CPU before (ns) */
    uint64_t uneven_since;  /* first tick of the current one-more-than-another spell, 0: none */
    uint64_t uneven_seen;   /* its latest tick */
};

/* Sets up every CPU's queue (before any thread is queued). */
void runq_init(void);
struct runq *runq_of(unsigned cpu);
/* This CPU's queue, locked (interrupts off). */
struct runq *runq_lock_this(void);
/* Unlocks; sends the reschedule IPIs queued meanwhile unless sched_lock is
 * still held on this CPU (then sched_unlock sends them). */
void runq_unlock(struct runq *rq);
/* Locks the queue that holds t or that t runs on, following t if it moves
 * meanwhile.  Interrupts off, no queue lock held. */
struct runq *runq_lock_thread(struct thread *t);
/* Locks two queues in CPU-index order (a == b: one); no queue lock held. */
void runq_lock_two(unsigned a, unsigned b);
void runq_unlock_two(unsigned a, unsigned b);

/* Queue ops, rq->lock held.  enqueue sets t->cpu and state RUNNABLE. */
void runq_enqueue(struct runq *rq, unsigned cpu, struct thread *t);
void runq_dequeue(struct runq *rq, struct thread *t);
/* Takes the first thread of rq that may run on cpu, or NULL. */
struct thread *runq_pick(struct runq *rq, unsigned cpu);
unsigned runq_nr_queued(unsigned cpu);
/* Threads queued or running (not idle) on cpu: a hint, no lock needed. */
unsigned runq_load(unsigned cpu);
bool runq_cpu_idle(unsigned cpu);

/* Asks for the reschedule IPI to cpu, sent once this CPU holds no scheduler
 * lock (runq_unlock, sched_unlock): a CPU woken by it takes its queue lock
 * at once, and would otherwise spin on a lock whose holder's vCPU the host
 * may just have preempted (issue 14). */
void runq_kick_after_unlock(unsigned cpu);
/* Makes cpu switch at the end of that IPI (need_resched); no IPI when cpu
 * is idle and polls need_resched (sched/idle_poll.h). */
void runq_force_resched(unsigned cpu);
/* Sends the queued IPIs (this CPU holds no scheduler lock). */
void runq_flush_kicks(void);

/* sched.c's parts that the balancing uses. */
bool sched_thread_allowed(const struct thread *t, unsigned cpu);
/* Arms this CPU's slice timer if its queue has threads waiting (rq locked). */
void sched_arm_slice_timer(struct runq *rq);

/* Balancing (sched/balance.c). */
/* The CPU a thread being woken (or created, or moved) goes to: its last CPU
 * if allowed and idle, else an idle CPU it may run on, else its last CPU if
 * allowed, else the least loaded one it may run on.  sched_lock held. */
unsigned balance_select_cpu(struct thread *t);
/* After a thread was queued on cpu (whose lock is released): an idle CPU
 * that may run it and did not see it (it went idle meanwhile) is woken to
 * take it. */
void balance_kick_idle_for(const struct thread *t, unsigned queued_on);
/* This CPU (rq, locked) has nothing it may run: takes a thread from another
 * CPU's queue (trylock), queued on rq and returned, or NULL.  Sets *retry
 * when a queue that may have had one could not be looked at. */
struct thread *balance_pull(struct runq *rq, unsigned cpu, bool *retry);
/* From the slice timer's tick (rq locked, slice over): moves one waiting
 * thread to a CPU with at least two fewer (trylock) and wakes that CPU; or,
 * when another CPU has had exactly one fewer for a while, rotates: moves
 * there the thread here that had the most CPU time lately. */
void balance_tick(struct runq *rq, unsigned cpu);
/* At t's switch away (its CPU's queue locked): it ran `ran` ns up to now;
 * added to its recent CPU time (thread->recent_ns), which the rotation
 * compares. */
void balance_account(struct thread *t, uint64_t ran, uint64_t now);

#endif
