/* Test modes of the debug kernel (test=kdebug-*): each plants one bug the
 * debug checks must catch, checks that exactly the expected reports were
 * made, and powers off (status 1) if so, else exits with "tests failed".
 * The kernel-boot suite then checks what the reports say.  The release
 * kernel has none of this: there the modes are unknown. */
#ifdef KDEBUG
#include <arch/cpu.h>
#include <arch/trap.h>
#include <kernel/kdebug.h>
#include <kernel/mutex.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <sched/sched.h>

#define NOINLINE __attribute__((noinline))

/* Separate functions, so that the reports can name them as the allocating
 * and the freeing call sites.  The empty asm after each call keeps it from
 * becoming a tail jump, which would leave no return address in them. */
#define NOT_A_TAIL_CALL() __asm__ volatile("" ::: "memory")

static NOINLINE void *uaf_victim_alloc(struct kmem_cache *c)
{
    void *obj = kmem_cache_alloc(c);
    NOT_A_TAIL_CALL();
    return obj;
}

static NOINLINE void uaf_victim_free(struct kmem_cache *c, void *obj)
{
    kmem_cache_free(c, obj);
    NOT_A_TAIL_CALL();
}

static NOINLINE void *kmalloc_victim_alloc(size_t n)
{
    void *p = kmalloc(n);
    NOT_A_TAIL_CALL();
    return p;
}

static NOINLINE void kmalloc_victim_free(void *p)
{
    kfree(p);
    NOT_A_TAIL_CALL();
}

static NOINLINE void write_after_free(volatile uint8_t *freed, size_t offset)
{
    freed[offset] = 0x37; /* the bug: the object was freed */
}

/* The slab bugs planted by test=kdebug-uaf, in the order their reports appear. */
static unsigned plant_slab_bugs(void)
{
    struct kmem_cache *c = kmem_cache_create("kdebug-uaf-test", 96, 8);
    if (!c)
        return 0;
    void *obj = uaf_victim_alloc(c);
    uaf_victim_free(c, obj);
    write_after_free(obj, 8);
    void *again = kmem_cache_alloc(c); /* the free list is LIFO: the same object, reported */
    kmem_cache_free(c, again);

    uint8_t *p = kmalloc_victim_alloc(40);
    kmalloc_victim_free(p);
    write_after_free(p, 0);
    kfree(kmalloc(40)); /* kmalloc-64 hands out p again: reported */

    p = kmalloc_victim_alloc(40);
    p[40] = 1; /* one byte past the 40 asked for */
    kmalloc_victim_free(p); /* reported */

    p = kmalloc_victim_alloc(5000); /* whole pages: a block of 8192 bytes */
    if (!p)
        return 0;
    p[5000] = 1;
    kmalloc_victim_free(p); /* reported */
    return again == obj ? 4 : 0;
}

/* A frame written after it was freed is reported when it is allocated again:
 * take frames until the victim comes back, then give them all back. */
static unsigned plant_page_bug(void)
{
    uint64_t victim = pmm_alloc_pages(0);
    if (!victim)
        return 0;
    pmm_free_pages(victim, 0);
    write_after_free(phys_to_virt(victim), 100);
    uint64_t chain = 0, p;
    bool found = false;
    while (!found && (p = pmm_alloc_pages(0))) {
        found = p == victim;
        *(uint64_t *)phys_to_virt(p) = chain;
        chain = p;
    }
    while (chain) {
        uint64_t next = *(uint64_t *)phys_to_virt(chain);
        pmm_free_pages(chain, 0);
        chain = next;
    }
    return found ? 1 : 0;
}

/* test=kdebug-uaf: the slab's, kmalloc's and the frame allocator's checks. */
static unsigned plant_memory_bugs(void)
{
    unsigned slab = plant_slab_bugs(), page = plant_page_bug();
    return slab && page ? slab + page : 0;
}

static spinlock_t planted_lock = SPINLOCK_INIT;
static struct mutex planted_mutex = MUTEX_INIT(planted_mutex);

static NOINLINE void sleep_with_spinlock_held(void)
{
    spin_lock(&planted_lock);
    sched_sleep_ns(1000000); /* the bug: sleeps with a spinlock held */
    spin_unlock(&planted_lock);
}

static NOINLINE void mutex_with_interrupts_off(void)
{
    uint64_t flags = spin_lock_irqsave(&planted_lock);
    mutex_lock(&planted_mutex); /* the bug: may sleep; the mutex is free, so it does not, but is caught */
    mutex_unlock(&planted_mutex);
    spin_unlock_irqrestore(&planted_lock, flags);
}

static spinlock_t order_first = SPINLOCK_INIT;
static spinlock_t order_second = SPINLOCK_INIT;

static NOINLINE void take_in_order(spinlock_t *outer, spinlock_t *inner)
{
    uint64_t flags = spin_lock_irqsave(outer);
    spin_lock(inner);
    spin_unlock(inner);
    spin_unlock_irqrestore(outer, flags);
}

/* A vector no device uses: `int` raises it, so a handler runs at a known time. */
#define PLANTED_VECTOR 0xe0

static spinlock_t irq_unsafe_lock = SPINLOCK_INIT;

static void planted_handler(struct trap_frame *tf, void *unused)
{
    (void)tf, (void)unused;
    spin_lock(&irq_unsafe_lock); /* in an interrupt handler */
    spin_unlock(&irq_unsafe_lock);
}

/* The bug: a lock an interrupt handler takes, held with interrupts on. */
static NOINLINE bool hold_irq_lock_with_interrupts_on(void)
{
    if (trap_set_handler(PLANTED_VECTOR, planted_handler, NULL))
        return false;
    irq_enable();
    spin_lock(&irq_unsafe_lock);
    spin_unlock(&irq_unsafe_lock);
    /* Clobbers: memory (the handler runs in between). */
    __asm__ volatile("int %0" ::"i"(PLANTED_VECTOR) : "memory");
    return true;
}

/* Stands for an allocator's lock: nothing but allocator locks (and the log)
 * may be taken inside it. */
static spinlock_t planted_allocator_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_ALLOCATOR);

/* The bug: a lock in freed memory (a pipe freed by one end's closer while
 * the other's still notified its poll head).  The checker is called as
 * spin_lock calls it, but nothing spins: the poison keeps the lock word set. */
static NOINLINE bool take_freed_lock(void)
{
    spinlock_t *l = kmalloc_victim_alloc(sizeof *l);
    if (!l)
        return false;
    *l = (spinlock_t)SPINLOCK_INIT;
    spin_lock(l);
    spin_unlock(l); /* classed: a real lock until freed */
    kmalloc_victim_free(l);
    preempt_disable();
    kdebug_lock_acquire(l);
    kdebug_lock_release(l);
    preempt_enable();
    return true;
}

static unsigned plant_lock_bugs(void)
{
    take_in_order(&planted_allocator_lock, &order_first); /* the bug: a subsystem lock inside an allocator's */
    take_in_order(&order_first, &order_second);
    take_in_order(&order_second, &order_first); /* the bug: the opposite order */
    take_in_order(&order_second, &order_first); /* known now: not reported twice */
    if (!take_freed_lock())
        return 0;
    return hold_irq_lock_with_interrupts_on() ? 4 : 0;
}

static unsigned plant_sleeps(void)
{
    sleep_with_spinlock_held();
    mutex_with_interrupts_off();
    return 2;
}

static const struct {
    const char *name;
    unsigned (*plant)(void); /* returns the reports expected, 0 if the bug could not be planted */
} modes[] = {
    {"kdebug-uaf", plant_memory_bugs},
    {"kdebug-sleep-atomic", plant_sleeps},
    {"kdebug-lock-order", plant_lock_bugs},
};

int kdebug_test_mode(const char *mode)
{
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
        if (strcmp(mode, modes[i].name))
            continue;
        unsigned before = kdebug_reports();
        unsigned want = modes[i].plant();
        unsigned got = kdebug_reports() - before;
        kdebug_reports_forget(got); /* the expected reports are the result, not a failure */
        bool ok = want && got == want;
        printk(LOG_EMERG, "%s %s: %u reports, %u expected", ok ? "PASS" : "FAIL", mode, got, want);
        return ok ? EXIT_POWEROFF : EXIT_TESTS_FAILED;
    }
    return -1;
}
#endif
