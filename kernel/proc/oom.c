/* The out-of-memory killer (mm/oom.h): when a user page fault has waited in
 * vain for a free frame, the process holding the most memory is killed so
 * that the others can go on, as Linux's OOM killer does.  Without it the
 * faulting process died of SIGBUS, whoever held the memory.
 *
 * The footprint is the resident pages of a process's address space (threads
 * and CLONE_VM sharers count it each).  init (pid 1) is spared: were it the
 * only process holding memory, it could not be sent SIGKILL anyway (its
 * death powers the machine off, proc/signal.c: init_refuses).  With no
 * victim the fault fails with SIGBUS, as before the OOM killer.  Among equal scores the newest process
 * goes (a fork bomb's children before their parent).
 *
 * /proc/PID/oom_score_adj moves a process up or down the list as on Linux:
 * its score is its footprint plus adj thousandths of all memory, and -1000
 * (OOM_SCORE_ADJ_MIN) takes it off the list (a test that wants a fault to
 * fail with SIGBUS, tests/integration/user/tmpfill.c, uses that). */
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/oom.h>
#include <mm/physmap.h>
#include <mm/pmm.h>
#include <mm/vm.h>
#include <proc/inspect.h>
#include <proc/process.h>
#include <proc/process_internal.h>
#include <proc/signal.h>

#define PAGE_KIB (PAGE_SIZE / 1024)
#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000

int process_oom_score_adj(int pid, int *adj)
{
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = pid > 0 ? process_find_locked(pid) : NULL;
    if (p)
        *adj = __atomic_load_n(&p->oom_score_adj, __ATOMIC_RELAXED);
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return p ? 0 : -ESRCH;
}

int process_set_oom_score_adj(int pid, int adj)
{
    if (adj < OOM_SCORE_ADJ_MIN || adj > OOM_SCORE_ADJ_MAX)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = pid > 0 ? process_find_locked(pid) : NULL;
    if (p)
        __atomic_store_n(&p->oom_score_adj, adj, __ATOMIC_RELAXED);
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return p ? 0 : -ESRCH;
}

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
    struct process *victim = NULL;
    uint64_t pages = 0;
    int64_t best = 0;
    struct pmm_stats ps;
    pmm_get_stats(&ps);
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
        if (p == init_process)
            continue;
        int adj = __atomic_load_n(&p->oom_score_adj, __ATOMIC_RELAXED);
        if (adj == OOM_SCORE_ADJ_MIN)
            continue;
        /* Linux's badness: at least 1 for any process that may be chosen */
        int64_t score = (int64_t)n + adj * (int64_t)ps.total_pages / 1000;
        score = score > 0 ? score : 1;
        /* the list is in creation order: >= makes the newest win a tie */
        if (score >= best) {
            best = score;
            pages = n;
            victim = p;
        }
    }
    if (victim) {
        pid = victim->pid;
        uint64_t pf = spin_lock_irqsave(&victim->lock); /* prctl(PR_SET_NAME) writes it under it */
        memcpy(name, victim->name, sizeof name);
        spin_unlock_irqrestore(&victim->lock, pf);
        signal_send_process(victim, SIGKILL);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);

    pmm_get_stats(&ps);
    if (!victim) {
        pr_err("oom: out of memory, and no process to kill (init and oom_score_adj -1000 are spared): the fault fails");
        return false;
    }
    pr_err("oom: out of memory: killed process %d (%s), %llu KiB resident, %llu KiB free", pid, name,
           (unsigned long long)(pages * PAGE_KIB), (unsigned long long)(ps.free_pages * PAGE_KIB));
    return true;
}
