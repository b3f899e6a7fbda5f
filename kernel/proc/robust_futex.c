/* Robust futex lists: set_robust_list, get_robust_list and the walk at
 * thread exit and exec (see proc/robust_futex.h).
 *
 * The list lives in user memory (Linux's struct robust_list_head): a
 * circular chain of entries, each embedded in a lock at futex_offset bytes
 * from its lock word; list_op_pending names the entry being locked or
 * unlocked when the thread died.  Bit 0 of an entry pointer marks a PI
 * lock (both kinds are released the same way here, see futex.c). */
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <proc/futex.h>
#include <proc/process_internal.h>
#include <proc/robust_futex.h>
#include <syscall/syscall.h>

/* Linux's ROBUST_LIST_LIMIT: a list that loops (or is just too long)
 * cannot keep an exiting thread in the kernel. */
#define ROBUST_LIST_LIMIT 2048

struct robust_list_head {
    uint64_t next;          /* first entry (the head itself when empty) */
    int64_t futex_offset;   /* lock word = entry + futex_offset */
    uint64_t list_op_pending;
};

void robust_list_release(struct thread *self)
{
    uint64_t head = self->robust_list;
    self->robust_list = 0; /* exec starts the new program without one */
    if (!head || !self->proc)
        return;
    struct mm *mm = self->proc->mm;
    struct robust_list_head h;
    if (copy_from_user(&h, head, sizeof h))
        return;
    uint64_t pending = h.list_op_pending & ~1ull;
    uint64_t entry = h.next & ~1ull;
    for (int limit = ROBUST_LIST_LIMIT; entry != head && limit > 0; limit--) {
        /* The next pointer is read before the lock is released: a waiter
         * woken for it may free the lock's memory at once. */
        uint64_t next;
        bool fetched = copy_from_user(&next, entry, sizeof next) == 0;
        if (entry != pending)
            futex_owner_died(mm, entry + (uint64_t)h.futex_offset, self->tid, false);
        if (!fetched)
            return;
        entry = next & ~1ull;
    }
    if (pending)
        futex_owner_died(mm, pending + (uint64_t)h.futex_offset, self->tid, true);
}

int64_t sys_set_robust_list(const struct syscall_args *a)
{
    if (a->arg[1] != sizeof(struct robust_list_head))
        return -EINVAL;
    sched_current()->robust_list = a->arg[0];
    return 0;
}

/* The list head of thread tid (0: the caller), any process's. */
int64_t sys_get_robust_list(const struct syscall_args *a)
{
    int tid = (int)a->arg[0];
    uint64_t head = 0;
    bool found = false;
    if (tid == 0) {
        head = sched_current()->robust_list;
        found = true;
    } else {
        uint64_t flags = spin_lock_irqsave(&process_tree_lock);
        list_for_each(it, process_list_head()) {
            struct process *p = list_entry(it, struct process, global_link);
            uint64_t pf = spin_lock_irqsave(&p->lock);
            list_for_each(t_it, &p->threads) {
                struct thread *t = list_entry(t_it, struct thread, proc_link);
                if ((int)t->tid == tid) {
                    head = t->robust_list;
                    found = true;
                }
            }
            spin_unlock_irqrestore(&p->lock, pf);
            if (found)
                break;
        }
        spin_unlock_irqrestore(&process_tree_lock, flags);
    }
    if (!found)
        return -ESRCH;
    uint64_t len = sizeof(struct robust_list_head);
    if (copy_to_user(a->arg[1], &head, sizeof head) || copy_to_user(a->arg[2], &len, sizeof len))
        return -EFAULT;
    return 0;
}
