/* Stopping and continuing processes (see proc/jobctl.h). */
#include <proc/jobctl.h>
#include <proc/process_internal.h>
#include <proc/signal.h>
#include <sched/wake_q.h>

#define SA_NOCLDSTOP 1
#define STOP_SIGNALS (SIG_BIT(SIGSTOP) | SIG_BIT(SIGTSTP) | SIG_BIT(SIGTTIN) | SIG_BIT(SIGTTOU))

bool jobctl_is_stop_signal(int sig)
{
    return signal_valid(sig) && (STOP_SIGNALS & SIG_BIT(sig));
}

/* Removes the signals of set from every pending set of p (p->lock held). */
static void drop_pending_locked(struct process *p, uint64_t set)
{
    p->shared_pending &= ~set;
    list_for_each(it, &p->threads)
        list_entry(it, struct thread, proc_link)->sig_pending &= ~set;
}

void jobctl_on_send_locked(struct process *p, int sig)
{
    if (jobctl_is_stop_signal(sig)) {
        drop_pending_locked(p, SIG_BIT(SIGCONT));
        return;
    }
    if (sig != SIGCONT)
        return;
    drop_pending_locked(p, STOP_SIGNALS);
    if (!p->stop_sig)
        return;
    /* A completed stop is reported as continued, to wait(2) at once and to
     * the parent by the first thread that wakes (it may take
     * process_tree_lock; a sender may hold it already). */
    if (p->stopped) {
        p->jobctl_report = W_CONTINUED;
        p->jobctl_notify = CLD_CONTINUED;
    }
    p->stop_sig = 0;
    p->stopped = false;
    waitq_wake_all(&p->stop_wq);
}

bool jobctl_stop_pending(struct process *p)
{
    return __atomic_load_n(&p->stop_sig, __ATOMIC_RELAXED) != 0;
}

void jobctl_stop(int sig)
{
    struct thread *self = sched_current();
    struct process *p = self->proc;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    /* A terminal's stop signal to an orphaned group would stop it for good:
     * nobody is left to continue it (POSIX; Linux throws it away). */
    bool discard = sig != SIGSTOP && session_pgrp_orphaned_locked(p->pgid, NULL);
    uint64_t pf = spin_lock_irqsave(&p->lock);
    if (!discard && !p->stop_sig && !signal_fatal_pending(self)) {
        p->stop_sig = sig;
        list_for_each(it, &p->threads) {
            struct thread *t = list_entry(it, struct thread, proc_link);
            if (t != self)
                sched_wake_interruptible(t); /* it sees signal_pending and comes to park */
        }
    }
    spin_unlock_irqrestore(&p->lock, pf);
    spin_unlock_irqrestore(&process_tree_lock, flags);
}

/* Tells p's parent of a completed stop or a continue (Linux's
 * do_notify_parent_cldstop): wakes its waiters and sends SIGCHLD with
 * `why` unless its SIGCHLD action has SA_NOCLDSTOP. */
static void notify_parent(struct process *p, int why)
{
    /* the parent's wait(2) sleepers are woken once process_tree_lock, the
     * first lock their wait takes, is dropped */
    struct wake_q q = WAKE_Q_INIT, *qp = wake_q_if_deferrable(&q);
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *parent = p->parent;
    if (parent && parent->state == PROCESS_ALIVE && parent->sighand) {
        waitq_wake_all_q(&parent->child_wait, qp);
        uint64_t sf = spin_lock_irqsave(&parent->sighand->lock);
        bool quiet = parent->sighand->action[SIGCHLD - 1].flags & SA_NOCLDSTOP;
        spin_unlock_irqrestore(&parent->sighand->lock, sf);
        if (!quiet)
            signal_send_process_from(parent, SIGCHLD, why, p->pid);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    if (qp)
        wake_q_run(qp);
}

bool jobctl_park(void)
{
    struct thread *self = sched_current();
    struct process *p = self->proc;
    bool counted = false;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    for (;;) {
        if (p->jobctl_notify) {
            int why = p->jobctl_notify;
            p->jobctl_notify = 0;
            spin_unlock_irqrestore(&p->lock, flags);
            notify_parent(p, why);
            flags = spin_lock_irqsave(&p->lock);
            continue;
        }
        if (!p->stop_sig || signal_fatal_pending(self))
            break;
        if (!counted) {
            counted = true;
            /* The last thread to park completes the stop. */
            if (++p->nstopped >= p->nthreads && !p->stopped) {
                p->stopped = true;
                p->jobctl_report = W_STOPCODE(p->stop_sig);
                p->jobctl_notify = CLD_STOPPED;
                continue;
            }
        }
        /* Killable: only SIGCONT (which clears stop_sig and wakes the
         * queue) or a fatal signal ends the stop; other signals stay
         * pending until then, as on Linux. */
        waitq_wait_locked_killable(&p->stop_wq, &p->lock, 0);
    }
    if (counted)
        p->nstopped--;
    spin_unlock_irqrestore(&p->lock, flags);
    return counted;
}

int jobctl_take_report(struct process *c, bool stopped, bool continued, bool take)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    int st = c->jobctl_report;
    bool wanted = st && (st == W_CONTINUED ? continued : stopped);
    if (wanted && take)
        c->jobctl_report = 0;
    spin_unlock_irqrestore(&c->lock, flags);
    return wanted ? st : 0;
}
