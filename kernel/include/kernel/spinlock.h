/* Spinlocks.  spin_lock_irqsave() disables interrupts on this CPU and returns
 * the previous RFLAGS so the matching unlock restores them: code that runs
 * from interrupt handlers and from threads takes its locks this way.  They
 * are real spinlocks across CPUs: disabling interrupts only keeps this
 * CPU's handlers out; only the lock keeps the other CPUs out. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <kernel/types.h>

/* The documented lock order (docs/architecture.md): a subsystem's own lock,
 * then sched_lock, then a CPU's run queue lock, then the allocators' locks;
 * the log's lock comes last.
 * A lock may be taken while holding locks of its rank or a lower one; the
 * debug kernel reports any other nesting the first time it happens. */
enum lock_rank {
    LOCK_RANK_SUBSYSTEM, /* the default */
    LOCK_RANK_SCHED,
    LOCK_RANK_RUNQ,      /* a CPU's run queue (sched/runq.h) */
    LOCK_RANK_ALLOCATOR,
    LOCK_RANK_LOG,       /* printk: callable under any other lock */
};

typedef struct spinlock {
    volatile uint32_t locked;
#ifdef KDEBUG
    /* The lock checker's class (lib/lockdep.c): locks initialised at the same
     * place are one class, named after it; zeroed locks (kzalloc) are classed
     * by the allocation they sit in. */
    const char *init_site;
    uint32_t class_id;  /* 0 until first taken */
    uint32_t rank;      /* enum lock_rank */
#endif
} spinlock_t;

#ifdef KDEBUG
#define SPINLOCK_STR2(x) #x
#define SPINLOCK_STR(x) SPINLOCK_STR2(x)
#define SPINLOCK_INIT_RANKED(rank) {0, __FILE__ ":" SPINLOCK_STR(__LINE__), 0, (rank)}
#else
#define SPINLOCK_INIT_RANKED(rank) {0}
#endif
#define SPINLOCK_INIT SPINLOCK_INIT_RANKED(LOCK_RANK_SUBSYSTEM)

#ifdef HOST_TEST
/* Host unit tests are single-threaded: the lock only checks pairing. */
static inline void spin_lock(spinlock_t *l) { l->locked = 1; }
static inline void spin_unlock(spinlock_t *l) { l->locked = 0; }
static inline uint64_t spin_lock_irqsave(spinlock_t *l) { l->locked = 1; return 0; }
static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags) { (void)flags; l->locked = 0; }
#else
#include <arch/cpu.h>
#include <arch/percpu.h>

/* Spinlocks held on this CPU (struct percpu); the scheduler never preempts a
 * thread while it is above 0 (a preempted lock holder would make every other
 * thread spin).  A thread switches CPU only through the scheduler, which
 * holds the CPU's run queue lock across the switch, so the count is the
 * CPU's, not the thread's. */
static inline int preempt_count(void) { return percpu_preempt_count(); }
static inline void preempt_disable(void) { percpu_preempt_inc(); }
static inline void preempt_enable(void) { percpu_preempt_dec(); }

/* Answers the requests other CPUs wait for (TLB shootdowns, arch/tlb.h)
 * while this CPU spins, perhaps with interrupts off: a CPU that holds a lock
 * may wait for this one's answer. */
void tlb_answer_pending(void);

#ifdef KDEBUG
/* Lock-order and interrupt-safety checks (lib/lockdep.c).  Acquire is called
 * before spinning, so a report about a lock is printed before it is held;
 * its return address is the place the (inlined) lock call sits in. */
void kdebug_lock_acquire(spinlock_t *l);
void kdebug_lock_release(spinlock_t *l);
#else
#define kdebug_lock_acquire(l) ((void)0)
#define kdebug_lock_release(l) ((void)0)
#endif

/* Always inlined: the debug kernel names a lock's taker by the return address
 * of its hook, which must lie in the caller. */
static inline __attribute__((always_inline)) void spin_lock(spinlock_t *l)
{
    preempt_disable();
    kdebug_lock_acquire(l);
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (l->locked) {
            cpu_relax();
            tlb_answer_pending();
        }
}

/* Takes l if it is free: true, held as by spin_lock; else false at once,
 * holding nothing.  For a CPU that may not wait for l where it is (the
 * scheduler's balancing holds its own run queue lock, sched/balance.c). */
static inline __attribute__((always_inline)) bool spin_trylock(spinlock_t *l)
{
    preempt_disable();
    if (l->locked || __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
        preempt_enable();
        return false;
    }
    kdebug_lock_acquire(l); /* after: a trylock cannot deadlock, but it is held like any other */
    return true;
}

static inline __attribute__((always_inline)) void spin_unlock(spinlock_t *l)
{
    kdebug_lock_release(l);
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
    preempt_enable();
}

static inline __attribute__((always_inline)) uint64_t spin_lock_irqsave(spinlock_t *l)
{
    uint64_t flags = irq_save();
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
    spin_unlock(l);
    irq_restore(flags);
}
#endif

#endif
