/* The process side of the debug kernel's task dump (/proc/sysrq-trigger,
 * "t"; docs/architecture.md "The debug kernel"): a line per process, and
 * what the scheduler's thread lines say about a user thread.  What a hang
 * looks like from inside: which process is alive, zombie or exiting, and
 * whether a thread that should have died has its SIGKILL pending. */
#ifdef KDEBUG
#include <kernel/printk.h>
#include <kernel/string.h>
#include <proc/process_internal.h>
#include <proc/signal.h>

void kdebug_describe_user_thread(const struct thread *t, char *buf, size_t size)
{
    /* sched_lock held with interrupts off (kdebug_show_threads): p->lock
     * comes before sched_lock, so it is not taken; on one CPU nothing
     * changes these fields meanwhile, and p lives while t is on its list
     * (t->proc is cleared before the thread leaves it). */
    struct process *p = t->proc;
    buf[0] = 0;
    if (!p)
        return;
    ksnprintf(buf, size, ", pid %d (%s)%s, signals pending 0x%lx%s (process 0x%lx), blocked 0x%lx", p->pid,
              p->name, p->exiting ? " exiting" : "", t->sig_pending,
              (t->sig_pending & SIG_BIT(SIGKILL)) ? " SIGKILL" : "", p->shared_pending, t->sig_mask);
}

void kdebug_show_processes(void)
{
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    printk(LOG_EMERG, "sysrq: show processes");
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        const char *state = p->state == PROCESS_ZOMBIE ? "zombie" : p->exiting ? "alive, exiting" : "alive";
        printk(LOG_EMERG, "process %d (%s): %s, parent %d, %d threads, wait status 0x%x", p->pid, p->name, state,
               p->parent ? p->parent->pid : 0, p->nthreads, p->wait_status);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
}
#endif
