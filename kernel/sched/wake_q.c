/* Deferred wake-ups (see sched/wake_q.h). */
#include <arch/cpu.h>
#include <sched/wake_q.h>

bool wake_q_add_locked(struct wake_q *q, struct thread *t)
{
    if (q->n == WAKE_Q_MAX)
        return false;
    thread_get(t);
    q->e[q->n].thread = t;
    q->e[q->n].seq = __atomic_load_n(&t->sleep_seq, __ATOMIC_RELAXED);
    q->n++;
    return true;
}

bool wake_q_add(struct wake_q *q, struct thread *t)
{
    /* The caller's lock orders this read after the block that set it. */
    return wake_q_add_locked(q, t);
}

int wake_q_run(struct wake_q *q)
{
    int woken = 0;
    for (unsigned i = 0; i < q->n; i++) {
        woken += sched_wake_sleep(q->e[i].thread, q->e[i].seq);
        thread_put(q->e[i].thread);
    }
    q->n = 0;
    return woken;
}

void waitq_wake_all_q(struct waitq *wq, struct wake_q *q)
{
    if (q)
        waitq_claim(wq, INT32_MAX, q);
    else
        waitq_wake_all(wq);
}

struct wake_q *wake_q_if_deferrable(struct wake_q *q)
{
    return irq_enabled() ? q : NULL;
}
