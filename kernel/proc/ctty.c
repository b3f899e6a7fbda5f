/* Controlling terminals (see proc/ctty.h). */
#include <fs/uapi.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <proc/ctty.h>
#include <proc/jobctl.h>
#include <proc/process_internal.h>
#include <proc/signal.h>

#define K_TIOCSCTTY 0x540e
#define K_TIOCNOTTY 0x5422
#define K_TIOCGSID 0x5429
#define SI_KERNEL 0x80

static struct list_head all_ctty = LIST_HEAD_INIT(all_ctty); /* process_tree_lock */

void ctty_register(struct ctty *t)
{
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    list_add_tail(&t->link, &all_ctty);
    spin_unlock_irqrestore(&process_tree_lock, flags);
}

/* Whether t is p's controlling terminal (process_tree_lock held). */
static bool controls_locked(const struct ctty *t, const struct process *p)
{
    return t->sid && p->sid == t->sid && !p->ctty_dropped;
}

/* Whether p has any controlling terminal (process_tree_lock held). */
static bool has_ctty_locked(const struct process *p)
{
    list_for_each(it, &all_ctty)
        if (controls_locked(list_entry(it, struct ctty, link), p))
            return true;
    return false;
}

void ctty_of_locked(const struct process *p, int *tty_nr, int *tpgid)
{
    *tty_nr = 0;
    *tpgid = -1;
    list_for_each(it, &all_ctty) {
        const struct ctty *t = list_entry(it, struct ctty, link);
        if (controls_locked(t, p)) {
            *tty_nr = (int)t->dev;
            *tpgid = t->pgrp;
        }
    }
}

static bool session_leader(const struct process *p)
{
    return p->sid == p->pid;
}

/* Makes t the controlling terminal of the caller, a session leader. */
static void acquire_locked(struct ctty *t, struct process *self)
{
    t->sid = self->sid;
    t->pgrp = self->pgid;
    self->ctty_dropped = false;
}

void ctty_open(struct ctty *t, bool noctty)
{
    struct process *self = current_process();
    if (noctty || !self)
        return;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    if (session_leader(self) && !t->sid && !has_ctty_locked(self))
        acquire_locked(t, self);
    spin_unlock_irqrestore(&process_tree_lock, flags);
}

int ctty_open_current(struct ctty *t)
{
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    bool ours = controls_locked(t, current_process());
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return ours ? 0 : -ENXIO;
}

/* The terminal stops controlling its session: SIGHUP to its foreground
 * group, and SIGCONT too unless the leader is exiting (Linux's
 * disassociate_ctty for a pseudo-terminal; a serial line there hangs up
 * the session instead, which POSIX does not ask for).  process_tree_lock held. */
static void hang_up_locked(struct ctty *t, bool leader_exits)
{
    int fg = t->pgrp;
    t->sid = 0;
    t->pgrp = 0;
    if (fg > 0) {
        session_kill_pgrp_locked(fg, SIGHUP, SI_KERNEL, 0);
        if (!leader_exits)
            session_kill_pgrp_locked(fg, SIGCONT, SI_KERNEL, 0);
    }
}

void ctty_session_leader_exit_locked(struct process *p)
{
    list_for_each(it, &all_ctty) {
        struct ctty *t = list_entry(it, struct ctty, link);
        if (t->sid == p->sid)
            hang_up_locked(t, true);
    }
}

void ctty_signal_foreground(struct ctty *t, int sig)
{
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    if (t->sid && t->pgrp > 0)
        session_kill_pgrp_locked(t->pgrp, sig, SI_KERNEL, 0);
    spin_unlock_irqrestore(&process_tree_lock, flags);
}

/* The caller ignores or blocks sig (Linux's is_ignored). */
static bool ignored_or_blocked(int sig)
{
    struct thread *self = sched_current();
    struct process *p = self->proc;
    if (__atomic_load_n(&self->sig_mask, __ATOMIC_RELAXED) & SIG_BIT(sig))
        return true;
    uint64_t flags = spin_lock_irqsave(&p->sighand->lock);
    bool ign = p->sighand->action[sig - 1].handler == SIG_IGN;
    spin_unlock_irqrestore(&p->sighand->lock, flags);
    return ign;
}

int ctty_check_io(struct ctty *t, bool write)
{
    int sig = write ? SIGTTOU : SIGTTIN;
    bool ignored = ignored_or_blocked(sig);
    struct process *self = current_process();
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    int r = 0;
    if (controls_locked(t, self) && t->pgrp > 0 && self->pgid != t->pgrp) {
        if (ignored)
            r = write ? 0 : -EIO;
        else if (session_pgrp_orphaned_locked(self->pgid, NULL))
            r = -EIO;
        else {
            session_kill_pgrp_locked(self->pgid, sig, SI_KERNEL, 0);
            r = -EINTR;
        }
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

bool ctty_ioctl_cmd(unsigned cmd)
{
    return cmd == K_TIOCSCTTY || cmd == K_TIOCNOTTY || cmd == K_TIOCGPGRP || cmd == K_TIOCSPGRP ||
           cmd == K_TIOCGSID;
}

/* TIOCSCTTY: a session leader without a terminal takes t; one that some
 * other session has only with arg 1 (stealing: everyone is root here). */
static int set_ctty_locked(struct ctty *t, struct process *self, uint64_t arg)
{
    if (session_leader(self) && t->sid == self->sid)
        return 0;
    if (!session_leader(self) || has_ctty_locked(self))
        return -EPERM;
    if (t->sid && arg != 1)
        return -EPERM;
    acquire_locked(t, self);
    return 0;
}

/* TIOCSPGRP: the new foreground group must exist in the caller's session. */
static int set_pgrp_locked(struct ctty *t, struct process *self, int pgrp)
{
    if (!controls_locked(t, self))
        return -ENOTTY;
    if (pgrp < 0)
        return -EINVAL;
    bool found = false;
    list_for_each(it, process_list_head()) {
        struct process *q = list_entry(it, struct process, global_link);
        if (q->state == PROCESS_ALIVE && q->pgid == pgrp && pgrp) {
            if (q->sid != self->sid)
                return -EPERM;
            found = true;
        }
    }
    if (!found)
        return -ESRCH;
    t->pgrp = pgrp;
    return 0;
}

int ctty_ioctl(struct ctty *t, unsigned cmd, uint64_t uarg)
{
    struct process *self = current_process();
    int pgrp = 0;
    if (cmd == K_TIOCSPGRP) {
        int r = ctty_check_io(t, true);
        if (r)
            return r == -EIO ? -ENOTTY : r;
        if (copy_from_user(&pgrp, uarg, sizeof pgrp))
            return -EFAULT;
    }
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    int r = 0, value = 0;
    switch (cmd) {
    case K_TIOCSCTTY:
        r = set_ctty_locked(t, self, uarg);
        break;
    case K_TIOCNOTTY:
        if (!controls_locked(t, self))
            r = -ENOTTY;
        else if (session_leader(self))
            hang_up_locked(t, false);
        else
            self->ctty_dropped = true;
        break;
    case K_TIOCGPGRP:
        r = controls_locked(t, self) ? 0 : -ENOTTY;
        value = t->pgrp;
        break;
    case K_TIOCSPGRP:
        r = set_pgrp_locked(t, self, pgrp);
        break;
    default: /* K_TIOCGSID */
        r = controls_locked(t, self) ? 0 : -ENOTTY;
        value = t->sid;
        break;
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    if (!r && (cmd == K_TIOCGPGRP || cmd == K_TIOCGSID) && copy_to_user(uarg, &value, sizeof value))
        return -EFAULT;
    return r;
}
