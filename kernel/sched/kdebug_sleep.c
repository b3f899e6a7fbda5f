/* The debug kernel's context checks (kernel/kdebug.h): sleeping where one
 * must not (spinlock held, interrupts off), and the state every return to
 * user mode must find (no lock held, preempt_count 0, interrupts on).
 *
 * might_sleep() sits at the top of every function that may sleep, so a
 * wrong caller is caught even when the sleep does not happen that time.
 * Each calling place is reported once: a bug on a hot path would otherwise
 * drown the log (later ones are still counted). */
#ifdef KDEBUG
#include <arch/cpu.h>
#include <arch/trap.h>
#include <kernel/kdebug.h>
#include <kernel/spinlock.h>

#define MAX_REPORTED_SITES 64

static uintptr_t reported_sites[MAX_REPORTED_SITES]; /* claimed with a compare-and-swap */

/* True the first time site is seen (or when the table is full). */
static bool first_report_from(uintptr_t site)
{
    for (unsigned i = 0; i < MAX_REPORTED_SITES; i++) {
        uintptr_t seen = __atomic_load_n(&reported_sites[i], __ATOMIC_RELAXED);
        if (seen == site)
            return false;
        if (!seen && __atomic_compare_exchange_n(&reported_sites[i], &seen, site, false, __ATOMIC_RELAXED,
                                                 __ATOMIC_RELAXED))
            return true;
        if (seen == site)
            return false;
    }
    return true;
}

static void report_sleep(const char *fn, uintptr_t site, int count, bool irqs_on)
{
    if (!first_report_from(site))
        return;
    if (!kdebug_report_begin("sleeping function %s called in atomic context (preempt_count %d, interrupts %s), thread %s",
                             fn, count, irqs_on ? "on" : "off", kdebug_thread_name()))
        return;
    kdebug_report_site("called from", site);
    kdebug_print_held_locks();
    kdebug_report_end();
}

/* The place to report: the caller of the sleeping function that called us,
 * one frame up the frame-pointer chain. */
static __attribute__((always_inline)) inline uintptr_t sleeper_caller(void)
{
    const uint64_t *frame = __builtin_frame_address(0);
    return ((const uint64_t *)frame[0])[1];
}

void kdebug_might_sleep(const char *fn)
{
    int count = preempt_count();
    bool irqs_on = irq_enabled();
    if (count == 0 && irqs_on)
        return;
    report_sleep(fn, sleeper_caller(), count, irqs_on);
}

void kdebug_might_sleep_holding(const char *fn, const void *lock)
{
    int count = preempt_count();
    if (count == 1 && kdebug_holds_only(lock))
        return;
    report_sleep(fn, sleeper_caller(), count, irq_enabled());
}

void kdebug_check_user_return(const struct trap_frame *tf, const char *what, uint64_t n, const char *name)
{
    int count = preempt_count();
    unsigned held = kdebug_locks_held();
    bool user_if = tf->rflags & RFLAGS_IF;
    if (count == 0 && held == 0 && user_if)
        return;
    if (!kdebug_report_begin("return to user after %s %lu%s%s%s with preempt_count %d, %u spinlocks held, "
                             "user interrupts %s, thread %s",
                             what, (unsigned long)n, name ? " (" : "", name ? name : "", name ? ")" : "", count, held,
                             user_if ? "on" : "off", kdebug_thread_name()))
        return;
    kdebug_print_held_locks();
    kdebug_report_end();
}
#endif
