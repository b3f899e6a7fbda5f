/* Threads and the scheduler.
 *
 * Kernel threads and (later) user threads are the same object.  One CPU runs
 * the current thread; the others wait in a FIFO run queue.  The LAPIC timer
 * preempts a thread whose 10 ms slice is over when another is runnable, and
 * wakes sleepers at their deadline (one-shot timer programmed for the next
 * event, so an idle machine takes no ticks).
 *
 * sched_lock (kernel/sched/sched.c) protects the run queue, every thread's
 * state, the sleep list and every wait queue.  Lock order: a caller's own
 * lock, then sched_lock, then the allocators' locks. */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>

#define THREAD_NAME_MAX 24
#define KSTACK_ORDER 2 /* 16 KiB kernel stacks */

enum thread_state {
    THREAD_RUNNABLE, /* in the run queue */
    THREAD_RUNNING,  /* current */
    THREAD_BLOCKED,  /* on a wait queue and/or the sleep list */
    THREAD_EXITING,  /* called thread_exit, still on its own stack */
    THREAD_DEAD,     /* stack no longer in use; joinable */
};

struct waitq {
    struct list_head waiters; /* struct thread.wait_link, FIFO */
};
#define WAITQ_INIT(name) {LIST_HEAD_INIT((name).waiters)}

struct thread {
    uint64_t saved_rsp; /* must stay first: context_switch stores here */
    void *kstack;       /* lowest address of the kernel stack */
    uint32_t tid;
    enum thread_state state;
    char name[THREAD_NAME_MAX];
    struct list_head run_link;   /* run queue */
    struct list_head wait_link;  /* the wait queue it sleeps on */
    struct waitq *waiting_on;
    struct list_head sleep_link; /* sleep list, sorted by wake_at */
    uint64_t wake_at;            /* deadline in ns, 0 = none */
    bool timed_out;
    uint64_t slice_end;          /* ns; preempted after this if others wait */
    uint64_t switched_in;        /* ns */
    uint64_t runtime_ns;         /* CPU time consumed */
    void (*fn)(void *);
    void *arg;
    int exit_code;
    bool detached;               /* freed on exit instead of by a join */
    struct waitq exit_wq;        /* joiners */
};

/* Turns the boot context into the thread "main" and creates the idle thread.
 * Returns -ENOMEM if the idle thread cannot be made. */
int sched_init(void);
/* Starts the timer-driven part (after the LAPIC timer is calibrated). */
void sched_start_preemption(void);

/* Creates a runnable kernel thread.  Returns NULL when out of memory. */
struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg);
/* Waits for t to exit, frees it, and returns its exit code. */
int kthread_join(struct thread *t);
/* t is freed when it exits; it must not be joined.  Safe on an exited thread. */
void kthread_detach(struct thread *t);
__noreturn void thread_exit(int code);

struct thread *sched_current(void);
void sched_yield(void);
/* Sleeps at least ns nanoseconds. */
void sched_sleep_ns(uint64_t ns);
/* Called at the end of every interrupt (interrupts off): switches thread if
 * the handler asked for it and no spinlock is held. */
void sched_preempt_point(void);

/* Wait queues.  The caller holds `lock` (taken with spin_lock_irqsave into
 * *flags) which protects the condition it waits for; the call atomically
 * releases it and sleeps until a waitq_wake or, when deadline (monotonic ns)
 * is not 0, the deadline.  It returns with the lock held again: 0 when woken,
 * -ETIMEDOUT at the deadline.  Wakers change the condition under the same lock. */
int waitq_wait_locked(struct waitq *wq, spinlock_t *lock, uint64_t deadline);
void waitq_init(struct waitq *wq);
/* Wakes one / all waiters.  Returns how many were woken.  Callable from interrupts. */
int waitq_wake_one(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);

struct sched_stats {
    uint64_t context_switches, preemptions, threads;
};
void sched_get_stats(struct sched_stats *out);

#endif
