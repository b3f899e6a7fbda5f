/* Process groups and sessions: setpgid, getpgid, getpgrp, setsid, getsid,
 * signals to a group, and orphaned groups (see proc/jobctl.h). */
#include <kernel/errno.h>
#include <proc/ctty.h>
#include <proc/jobctl.h>
#include <proc/process_internal.h>
#include <proc/signal.h>
#include <syscall/syscall.h>

#define SI_KERNEL 0x80

/* The process pid, or the caller for 0 (process_tree_lock held). */
static struct process *target_locked(int pid)
{
    return pid ? process_find_locked(pid) : current_process();
}

int session_kill_pgrp_locked(int pgid, int sig, int code, int from)
{
    int r = -ESRCH;
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        if (p->pgid != pgid)
            continue;
        r = 0; /* a zombie counts, as for kill(pid) */
        if (sig && p->state == PROCESS_ALIVE)
            signal_send_process_from(p, sig, code, from);
    }
    return r;
}

bool session_pgrp_orphaned_locked(int pgid, const struct process *ignore)
{
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        if (p == ignore || p->state != PROCESS_ALIVE || p->pgid != pgid)
            continue;
        struct process *parent = p->parent;
        /* A parent in another group of the same session can still continue
         * the group; init does not count (Linux's will_become_orphaned_pgrp). */
        if (parent && parent != init_process && parent->pgid != pgid && parent->sid == p->sid)
            return false;
    }
    return true;
}

static bool has_stopped_locked(int pgid)
{
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        if (p->state == PROCESS_ALIVE && p->pgid == pgid && __atomic_load_n(&p->stopped, __ATOMIC_RELAXED))
            return true;
    }
    return false;
}

/* Linux's kill_orphaned_pgrp: p's group loses its last link outside
 * (through `link`, p's parent or the exiting parent) and has stopped
 * members, who would wait for ever: SIGHUP, then SIGCONT. */
static void hang_up_if_orphaned_locked(struct process *p, const struct process *link, const struct process *ignore)
{
    if (link && link->pgid != p->pgid && link->sid == p->sid && session_pgrp_orphaned_locked(p->pgid, ignore) &&
        has_stopped_locked(p->pgid)) {
        session_kill_pgrp_locked(p->pgid, SIGHUP, SI_KERNEL, 0);
        session_kill_pgrp_locked(p->pgid, SIGCONT, SI_KERNEL, 0);
    }
}

void session_reparented_locked(struct process *c, const struct process *father)
{
    hang_up_if_orphaned_locked(c, father, NULL);
}

void session_exit_locked(struct process *p)
{
    hang_up_if_orphaned_locked(p, p->parent, p);
    if (p->sid == p->pid)
        ctty_session_leader_exit_locked(p);
}

/* setpgid(pid, pgid): the caller or a child of it that has not exec'd,
 * in the caller's session and not a session leader, joins (or makes, with
 * pgid = its pid) a group of that session. */
int64_t sys_setpgid(const struct syscall_args *a)
{
    int pid = (int)a->arg[0], pgid = (int)a->arg[1];
    if (pgid < 0)
        return -EINVAL;
    struct process *self = current_process();
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = target_locked(pid);
    int r = 0;
    if (!p || (p != self && p->parent != self) || p->state != PROCESS_ALIVE)
        r = -ESRCH;
    else if (p != self && p->did_exec)
        r = -EACCES;
    else if (p->sid == p->pid || p->sid != self->sid)
        r = -EPERM;
    if (!r) {
        if (!pgid)
            pgid = p->pid;
        if (pgid != p->pid) {
            /* the group must exist in the caller's session */
            r = -EPERM;
            list_for_each(it, process_list_head()) {
                struct process *q = list_entry(it, struct process, global_link);
                if (q->pgid == pgid && q->sid == self->sid)
                    r = 0;
            }
        }
        if (!r)
            p->pgid = pgid;
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

int64_t sys_getpgid(const struct syscall_args *a)
{
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = target_locked((int)a->arg[0]);
    int r = p ? p->pgid : -ESRCH;
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

int64_t sys_getpgrp(const struct syscall_args *a)
{
    (void)a;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    int r = current_process()->pgid;
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

int64_t sys_getsid(const struct syscall_args *a)
{
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = target_locked((int)a->arg[0]);
    int r = p ? p->sid : -ESRCH;
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

/* setsid: a new session and group, both named by the caller's pid, with no
 * terminal; EPERM if a group already has that id (the caller leads one). */
int64_t sys_setsid(const struct syscall_args *a)
{
    (void)a;
    struct process *self = current_process();
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    int r = self->pid;
    list_for_each(it, process_list_head()) {
        struct process *q = list_entry(it, struct process, global_link);
        if (q->pgid == self->pid)
            r = -EPERM;
    }
    if (r > 0) {
        self->sid = self->pgid = self->pid;
        self->ctty_dropped = false;
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}
