/* Spinlocks.  spin_lock_irqsave() disables interrupts on this CPU and returns
 * the previous RFLAGS so the matching unlock restores them: code that runs
 * from interrupt handlers and from threads takes its locks this way.  Written
 * for SMP even while nutshell runs one CPU. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <kernel/types.h>

typedef struct {
    volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT {0}

#ifdef HOST_TEST
/* Host unit tests are single-threaded: the lock only checks pairing. */
static inline void spin_lock(spinlock_t *l) { l->locked = 1; }
static inline void spin_unlock(spinlock_t *l) { l->locked = 0; }
static inline uint64_t spin_lock_irqsave(spinlock_t *l) { l->locked = 1; return 0; }
static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags) { (void)flags; l->locked = 0; }
#else
#include <arch/cpu.h>

/* Spinlocks held by the running thread; the scheduler never preempts a
 * thread while it is above 0 (a preempted lock holder would make every other
 * thread spin).  Per-CPU once there is SMP. */
extern volatile int preempt_count;

static inline void preempt_disable(void)
{
    preempt_count++;
    __asm__ volatile("" ::: "memory"); /* compiler barrier: no access moves above */
}

static inline void preempt_enable(void)
{
    __asm__ volatile("" ::: "memory"); /* compiler barrier: no access moves below */
    preempt_count--;
}

static inline void spin_lock(spinlock_t *l)
{
    preempt_disable();
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (l->locked)
            cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
    preempt_enable();
}

static inline uint64_t spin_lock_irqsave(spinlock_t *l)
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
