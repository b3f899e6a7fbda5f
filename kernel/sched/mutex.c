/* Sleeping mutexes (see kernel/mutex.h). */
#include <kernel/kdebug.h>
#include <kernel/mutex.h>
#include <kernel/panic.h>
#include <sched/wake_q.h>

void mutex_init(struct mutex *m)
{
    m->lock = (spinlock_t)SPINLOCK_INIT;
    m->owner = NULL;
    waitq_init(&m->waiters);
}

void mutex_lock(struct mutex *m)
{
    might_sleep();
    struct thread *self = sched_current();
    uint64_t flags = spin_lock_irqsave(&m->lock);
    BUG_ON(m->owner == self); /* not recursive */
    while (m->owner)
        waitq_wait_locked(&m->waiters, &m->lock, 0);
    m->owner = self;
    spin_unlock_irqrestore(&m->lock, flags);
}

int mutex_lock_interruptible(struct mutex *m)
{
    might_sleep();
    struct thread *self = sched_current();
    uint64_t flags = spin_lock_irqsave(&m->lock);
    BUG_ON(m->owner == self); /* not recursive */
    int r = 0;
    while (m->owner && r == 0)
        r = waitq_wait_locked_interruptible(&m->waiters, &m->lock, 0);
    if (r == 0)
        m->owner = self;
    else if (!m->owner)
        waitq_wake_one(&m->waiters); /* the unlock's wake-up may have been ours: pass it on */
    spin_unlock_irqrestore(&m->lock, flags);
    return r;
}

bool mutex_trylock(struct mutex *m)
{
    uint64_t flags = spin_lock_irqsave(&m->lock);
    bool got = m->owner == NULL;
    if (got)
        m->owner = sched_current();
    spin_unlock_irqrestore(&m->lock, flags);
    return got;
}

void mutex_unlock(struct mutex *m)
{
    struct wake_q q = WAKE_Q_INIT;
    uint64_t flags = spin_lock_irqsave(&m->lock);
    BUG_ON(m->owner != sched_current());
    m->owner = NULL;
    /* The woken thread re-checks owner: a thread arriving meanwhile may take
     * the mutex first, which is fair enough and never loses a wakeup (a
     * claimed waiter's wait returns 0 even if a signal came: it re-checks).
     * Woken after m->lock is dropped, so it does not spin on it at once. */
    waitq_claim(&m->waiters, 1, &q);
    spin_unlock_irqrestore(&m->lock, flags);
    wake_q_run(&q);
}
