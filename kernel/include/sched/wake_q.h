/* Deferred wake-ups (Linux's wake_q).  A waker that holds the lock its
 * sleepers wait on (a futex bucket, a pipe's lock) collects them under it
 * and wakes them after dropping it.  Waking first made the woken thread,
 * on another CPU, spin at once on that lock while its holder finished, and
 * under a hypervisor sharing host cores the holder's vCPU was often the one
 * preempted by the wake-up: milliseconds per wake (issue 14's ipi_wake).
 *
 * Each entry holds a reference on its thread (it may exit before the wake
 * runs) and the number of the sleep it ends (struct thread.sleep_seq): a
 * thread whose sleep ended meanwhile (deadline, signal, another waker) and
 * that sleeps again on something else is left alone.
 *
 * A wake_q lives on the waker's stack, is used by one thread, and needs no
 * lock.  Not for interrupt handlers (the last reference may free a thread). */
#ifndef SCHED_WAKE_Q_H
#define SCHED_WAKE_Q_H

#include <sched/sched.h>

/* Enough for the usual one or two waiters; a waker with more wakes the rest
 * at once, as before (correct, just slower). */
#define WAKE_Q_MAX 16

struct wake_q {
    unsigned n;
    struct wake_q_entry {
        struct thread *thread;
        uint32_t seq;
    } e[WAKE_Q_MAX];
};
#define WAKE_Q_INIT {0}

/* Queues t's current sleep.  The caller must know that sleep cannot end and
 * another begin while it looks (t waits on a lock the caller holds, as a
 * futex waiter in its bucket does).  False if the queue is full: the caller
 * wakes t itself (sched_wake_sleep with t->sleep_seq). */
bool wake_q_add(struct wake_q *q, struct thread *t);
/* The same under sched_lock (waitq_claim). */
bool wake_q_add_locked(struct wake_q *q, struct thread *t);
/* Wakes every queued sleep that has not ended yet, drops the references and
 * empties q.  Call with no spinlock held.  Returns how many it woke. */
int wake_q_run(struct wake_q *q);
/* Every waiter of wq: claimed into q (woken by its wake_q_run), or woken
 * at once when q is NULL (a caller that may not defer: an interrupt
 * handler).  The caller holds wq's condition lock. */
void waitq_wake_all_q(struct waitq *wq, struct wake_q *q);
/* q when deferred wake-ups may be run by this caller, else NULL: not with
 * interrupts off, where the caller may be an interrupt handler or hold an
 * irqsave spinlock (wake_q_run may drop a thread's last reference and free
 * its stack, which is done neither from interrupts nor under a spinlock). */
struct wake_q *wake_q_if_deferrable(struct wake_q *q);

#endif
