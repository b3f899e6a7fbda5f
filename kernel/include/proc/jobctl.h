/* Job control: stopping and continuing whole processes (proc/jobctl.c),
 * process groups and sessions (proc/session.c).
 *
 * A stop signal (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) taken with its default
 * action stops every thread of the process: each parks on its way back to
 * user mode until SIGCONT or SIGKILL.  The last thread to park completes
 * the stop, which wait(2) reports with WUNTRACED and the parent hears of as
 * SIGCHLD with CLD_STOPPED (unless SA_NOCLDSTOP); SIGCONT resumes the
 * process when sent, even blocked or ignored, and the same goes for
 * WCONTINUED and CLD_CONTINUED.  Locks: the stop state is under the
 * process's lock, groups and sessions under process_tree_lock, which is
 * taken first when both are needed. */
#ifndef PROC_JOBCTL_H
#define PROC_JOBCTL_H

#include <kernel/types.h>

struct process;

/* si_code of SIGCHLD and waitid (asm-generic/siginfo.h) */
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* The wait status of a continued child (WIFCONTINUED). */
#define W_CONTINUED 0xffff
/* The wait status of a child stopped by sig (WIFSTOPPED, WSTOPSIG). */
#define W_STOPCODE(sig) ((sig) << 8 | 0x7f)

/* SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU: their default action stops. */
bool jobctl_is_stop_signal(int sig);
/* sig is being sent to p (p->lock held), before it is queued or thrown
 * away: a stop signal drops a pending SIGCONT; SIGCONT drops pending stop
 * signals and resumes p if it is stopped or stopping (Linux's
 * prepare_signal). */
void jobctl_on_send_locked(struct process *p, int sig);
/* The calling thread took stop signal sig with its default action: starts
 * the stop of its process, unless sig comes from the terminal (all but
 * SIGSTOP) and the process group is orphaned: then it is thrown away. */
void jobctl_stop(int sig);
/* On the way back to user mode: parks the calling thread while its process
 * is stopped, and sends the parent the SIGCHLD a completed stop or a
 * continue owes it.  True if the thread was parked. */
bool jobctl_park(void);
/* True if p is stopping or stopped (signal_pending: a thread that has not
 * parked yet must leave its sleep and do so). */
bool jobctl_stop_pending(struct process *p);

/* The wait report of child c (process_tree_lock held): its stop (when
 * `stopped`) or continue (when `continued`) not yet reported; 0 for none.
 * Taken (reported once) when `take`. */
int jobctl_take_report(struct process *c, bool stopped, bool continued, bool take);

/* Sends sig to every live process of group pgid (process_tree_lock held).
 * Returns 0, or -ESRCH when the group is empty. */
int session_kill_pgrp_locked(int pgid, int sig, int code, int from);
/* True if group pgid is orphaned (no member has a parent in another group
 * of the same session), ignoring process `ignore` (exiting); process_tree_lock held. */
bool session_pgrp_orphaned_locked(int pgid, const struct process *ignore);
/* Child c of the exiting process father was moved to its reaper
 * (process_tree_lock held): if that orphans c's group, which has a stopped
 * member, the group gets SIGHUP then SIGCONT (Linux's kill_orphaned_pgrp). */
void session_reparented_locked(struct process *c, const struct process *father);
/* Exit of p (process_tree_lock held, its children moved already): the same
 * for p's own group, and a session leader hangs up its terminal. */
void session_exit_locked(struct process *p);

#endif
