/* Queued real-time signals.
 *
 * Every instance of a real-time signal (32..64) sent while it is pending is
 * kept, with its siginfo, in a FIFO (struct sigqueue, in each thread and
 * each process; all zero is empty).  The signal's pending bit stays set
 * while an instance is queued.  Standard signals are not queued: they
 * coalesce, and their one siginfo is the sig_origin slot.
 *
 * Entries count against RLIMIT_SIGPENDING of the receiving process, over a
 * count shared by the whole machine: Linux counts per user, and every
 * process here runs as uid 0.  The caller holds the owning process's lock
 * around every call (the allocator's locks come after it). */
#ifndef PROC_SIGQUEUE_H
#define PROC_SIGQUEUE_H

#include <sched/sched.h>

/* The first real-time signal (Linux's kernel SIGRTMIN; musl reserves 32
 * and 33, so its SIGRTMIN is 34). */
#define SIGRT_FIRST 32

struct sigqueue_entry {
    struct sigqueue_entry *next;
    int sig;
    struct sig_origin info;
};

/* Appends an instance of sig.  -EAGAIN when the queued total would pass
 * limit or no memory is left for the entry (Linux's answer to both). */
int sigqueue_add(struct sigqueue *q, int sig, const struct sig_origin *info, uint64_t limit);
/* Takes the oldest instance of sig into *info.  Returns false if none is
 * queued.  *more says whether another instance of sig stays queued. */
bool sigqueue_take(struct sigqueue *q, int sig, struct sig_origin *info, bool *more);
/* Discards every instance of the signals in set (a mask of SIG_BIT). */
void sigqueue_flush(struct sigqueue *q, uint64_t set);

#endif
