/* The out-of-memory killer (mm/oom.h): when a user page fault has waited in
 * vain for a free frame, the process holding the most memory is killed so
 * that the others can go on, as Linux's OOM killer does.  Without it the
 * faulting process died of SIGBUS, whoever held the memory.
 *
 * The footprint is the resident pages of a process's address space (threads
 * and CLONE_VM sharers count it each).  init (pid 1) is spared unless it is
 * the only process holding memory; even then it cannot be sent SIGKILL (its
 * death powers the machine off, proc/signal.c: init_refuses), so the fault
 * fails with SIGBUS as before.  Among equal footprints the newest process
 * goes (a fork bomb's children before their parent). */
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/oom.h>
#include <mm/physmap.h>
#include <mm/pmm.h>
#include <mm/vm.h>
#include <proc/process.h>
#include <proc/process_internal.h>
#include <proc/signal.h>

#define PAGE_KIB (PAGE_SIZE / 1024)

/* p's resident pages, 0 if it has no address space (any more), and whether
 * it is dying (a SIGKILL sent sets exiting at once).  p->lock keeps p->mm
 * from being dropped (exit and exec unpublish it under it) and guards
 * exiting.  The count is read without mm->lock: an estimate is enough. */
static uint64_t footprint(struct process *p, bool *exiting)
{
    uint64_t pf = spin_lock_irqsave(&p->lock);
    uint64_t n = p->mm ? __atomic_load_n(&p->mm->resident_pages, __ATOMIC_RELAXED) : 0;
    *exiting = p->exiting;
    spin_unlock_irqrestore(&p->lock, pf);
    return n;
}

bool oom_kill_victim(void)
{
    struct process *victim = NULL, *init_alone = NULL;
    uint64_t most = 0, pages = 0;
    int pid = 0;
    char name[PROCESS_NAME_MAX];
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        if (p->state != PROCESS_ALIVE)
            continue;
        bool exiting;
        uint64_t n = footprint(p, &exiting);
        if (!n)
            continue;
        if (exiting) {
            /* An earlier victim (or any exit) still giving its memory back:
             * wait for it rather than kill a second process. */
            spin_unlock_irqrestore(&process_tree_lock, flags);
            return true;
        }
        if (p == init_process) {
            init_alone = p;
            continue;
        }
        /* the list is in creation order: >= makes the newest win a tie */
        if (n >= most) {
            most = n;
            victim = p;
        }
    }
    if (victim) {
        pid = victim->pid;
        pages = most;
        memcpy(name, victim->name, sizeof name);
        signal_send_process(victim, SIGKILL);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);

    struct pmm_stats ps;
    pmm_get_stats(&ps);
    if (!victim) {
        if (init_alone)
            pr_err("oom: out of memory, only init (pid 1) holds user memory: its fault fails");
        return false;
    }
    pr_err("oom: out of memory: killed process %d (%s), %llu KiB resident, %llu KiB free", pid, name,
           (unsigned long long)(pages * PAGE_KIB), (unsigned long long)(ps.free_pages * PAGE_KIB));
    return true;
}
