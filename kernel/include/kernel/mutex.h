/* Sleeping mutexes: a thread that finds the mutex taken sleeps on its wait
 * queue instead of spinning.  Not for interrupt handlers.  Ownership is
 * checked: unlocking a mutex one does not own is a kernel bug. */
#ifndef KERNEL_MUTEX_H
#define KERNEL_MUTEX_H

#include <sched/sched.h>

struct mutex {
    spinlock_t lock;       /* protects owner and the waiters' condition */
    struct thread *owner;  /* NULL when free */
    struct waitq waiters;
};

#define MUTEX_INIT(name) {SPINLOCK_INIT, NULL, WAITQ_INIT((name).waiters)}

void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
/* The same, but a signal ends the wait: 0 with the mutex taken, or -EINTR
 * without it.  For locks a holder may keep while it sleeps for an event. */
int mutex_lock_interruptible(struct mutex *m);
/* Returns true if the mutex was taken. */
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);

#endif
