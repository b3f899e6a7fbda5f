/* getpriority and setpriority: nice values, kept per thread (as Linux,
 * where PRIO_PROCESS names one thread by its tid) and honoured by the
 * scheduler as a time-slice weight (sched_slice_for_nice in sched/sched.h).
 *
 * Everyone is root (CAP_SYS_NICE), so any value may be set.  There are no
 * process groups yet: PRIO_PGRP with who 0 means the caller's process (as
 * kill(0) does), any other group is ESRCH.  Every process belongs to uid 0,
 * so PRIO_USER with who 0 means every thread of every process. */
#include <kernel/errno.h>
#include <proc/process.h>
#include <proc/process_internal.h>
#include <sched/nice.h>
#include <syscall/syscall.h>

enum { PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2 };

struct prio_walk {
    bool set;        /* set every matching thread's nice to value */
    int value;
    int best;        /* getpriority: the lowest nice seen */
    bool found;
};

static void visit(struct thread *t, struct prio_walk *w)
{
    if (w->set)
        __atomic_store_n(&t->nice, (int8_t)w->value, __ATOMIC_RELAXED);
    int n = __atomic_load_n(&t->nice, __ATOMIC_RELAXED);
    if (!w->found || n < w->best)
        w->best = n;
    w->found = true;
}

/* Visits the threads that which/who name.  0, -EINVAL or -ESRCH. */
static int walk(int which, int who, struct prio_walk *w)
{
    if (which < PRIO_PROCESS || which > PRIO_USER)
        return -EINVAL;
    struct process *self = current_process();
    if (which == PRIO_PROCESS && who == 0) {
        visit(sched_current(), w);
        return 0;
    }
    if ((which == PRIO_PGRP || which == PRIO_USER) && who != 0)
        return -ESRCH; /* no other group, no other user */
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        if (p->state != PROCESS_ALIVE || (which == PRIO_PGRP && p != self))
            continue;
        uint64_t pf = spin_lock_irqsave(&p->lock);
        list_for_each(t_it, &p->threads) {
            struct thread *t = list_entry(t_it, struct thread, proc_link);
            if (which != PRIO_PROCESS || (int)t->tid == who)
                visit(t, w);
        }
        spin_unlock_irqrestore(&p->lock, pf);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return w->found ? 0 : -ESRCH;
}

int64_t sys_getpriority(const struct syscall_args *a)
{
    struct prio_walk w = {0};
    int r = walk((int)a->arg[0], (int)a->arg[1], &w);
    /* The raw call returns 20 - nice (1..40), so it is never negative. */
    return r ? r : 20 - w.best;
}

int64_t sys_setpriority(const struct syscall_args *a)
{
    int nice = (int)a->arg[2];
    struct prio_walk w = {.set = true, .value = nice < NICE_MIN ? NICE_MIN : nice > NICE_MAX ? NICE_MAX : nice};
    return walk((int)a->arg[0], (int)a->arg[1], &w);
}
