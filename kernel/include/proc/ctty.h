/* Controlling terminals (proc/ctty.c): the session a terminal belongs to
 * and its foreground process group, with Linux's rules for acquiring and
 * dropping it, its ioctls (TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP,
 * TIOCGSID), its keyboard signals and the background checks that send
 * SIGTTIN and SIGTTOU.  A terminal driver embeds one struct ctty per
 * terminal and calls these; everything here is under process_tree_lock. */
#ifndef PROC_CTTY_H
#define PROC_CTTY_H

#include <kernel/list.h>
#include <kernel/types.h>

struct ctty {
    unsigned dev;          /* its device number as /proc/<pid>/stat shows it: major << 8 | minor */
    int sid;               /* the session it controls; 0 none (process_tree_lock) */
    int pgrp;              /* its foreground process group (process_tree_lock) */
    struct list_head link; /* every terminal, for the hang-up at a session leader's exit */
};
#define CTTY_INIT(name, major, minor) {(major) << 8 | (minor), 0, 0, LIST_HEAD_INIT((name).link)}

struct process;

/* Makes t known to the exit of session leaders (once, at driver start). */
void ctty_register(struct ctty *t);
/* An open of the terminal: a session leader without a controlling
 * terminal acquires t if it has no session (Linux's tty_open), unless
 * noctty (O_NOCTTY, or /dev/console, which Linux never gives as one). */
void ctty_open(struct ctty *t, bool noctty);
/* An open of /dev/tty: 0 if t is the caller's controlling terminal, else
 * -ENXIO. */
int ctty_open_current(struct ctty *t);
/* True for the ioctls ctty_ioctl serves. */
bool ctty_ioctl_cmd(unsigned cmd);
int ctty_ioctl(struct ctty *t, unsigned cmd, uint64_t uarg);
/* A keyboard signal (ISIG): sig to the foreground group, if any. */
void ctty_signal_foreground(struct ctty *t, int sig);
/* Background checks (Linux's __tty_check_change) for a read, and for a
 * write under TOSTOP or a change of the terminal's settings (`write`): 0
 * when the caller may go on; -EINTR after SIGTTIN/SIGTTOU was sent to its
 * group (the call is restarted when it is continued); -EIO for an
 * orphaned group, or a read with SIGTTIN ignored or blocked. */
int ctty_check_io(struct ctty *t, bool write);
/* p's controlling terminal: its device number and foreground group, 0 and
 * -1 for none (process_tree_lock held). */
void ctty_of_locked(const struct process *p, int *tty_nr, int *tpgid);
/* The exit of session leader p (process_tree_lock held): its terminal, if
 * any, is hung up: SIGHUP and SIGCONT to the foreground group, and the
 * session loses it. */
void ctty_session_leader_exit_locked(struct process *p);

#endif
