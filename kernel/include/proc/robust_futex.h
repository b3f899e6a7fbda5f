/* Robust futex lists (set_robust_list): the locks a thread holds, which the
 * kernel marks FUTEX_OWNER_DIED when the thread ends or execs holding them,
 * so that the next locker gets EOWNERDEAD instead of waiting forever. */
#ifndef PROC_ROBUST_FUTEX_H
#define PROC_ROBUST_FUTEX_H

struct thread;

/* Walks the calling thread's list (at exit, and at exec before its address
 * space goes) and forgets it.  Bad user memory ends the walk quietly, as on
 * Linux: the thread is leaving either way. */
void robust_list_release(struct thread *self);

#endif
