/* Looking at other processes from outside (for /proc).
 *
 * A reader names a process by pid (and a thread by tid), never keeps a
 * pointer: every call finds it again under process_tree_lock, copies what
 * it needs or takes a reference to a shared object (address space, fd
 * table, fs context), and lets go.  A process that ends meanwhile is
 * -ESRCH (or NULL) at the next call, never a freed object.  The exit path
 * unpublishes those objects under p->lock before dropping them, and exec
 * swaps the address space under it, which is what makes the references
 * taken here safe. */
#ifndef PROC_INSPECT_H
#define PROC_INSPECT_H

#include <proc/process.h>

struct mm;
struct fd_table;
struct fs_context;

/* What /proc/<pid>/stat and status show, copied in one go. */
struct process_snapshot {
    int pid;                /* the process (Tgid) */
    int tid;                /* the thread shown: the one asked for, or the first live one */
    int ppid;
    int pgid, sid;          /* 0: init's, before it makes its own */
    int tty_nr, tpgid;      /* the controlling terminal's device number and foreground group; 0 and -1: none */
    char name[PROCESS_NAME_MAX];
    char state;             /* Linux's letter: R running, S sleeping, D uninterruptible, T stopped, Z zombie */
    int nthreads;
    int nice;
    uint64_t start_ns;      /* monotonic time of creation */
    uint64_t cpu_ns;        /* CPU time of the thread (tid asked) or the whole process */
    uint64_t sig_pending;   /* the thread's own pending set */
    uint64_t shared_pending;
    uint64_t sig_blocked;
    uint64_t sig_ignored, sig_caught; /* from the signal actions */
    int exit_signal;
    unsigned cpu;           /* the CPU the shown thread runs or last ran on */
    uint64_t cpus_allowed;  /* its affinity mask */
};

/* Fills *out for process pid; tid 0 for the process as a whole, else that
 * thread of it (-ESRCH if it is not one).  0 or -ESRCH. */
int process_snapshot(int pid, int tid, struct process_snapshot *out);
/* Whether tid is a live thread of process pid. */
bool process_has_thread(int pid, int tid);
/* References to the objects of a live process (NULL once it has ended or
 * for none); the caller drops them (mm_put, fd_table_put, fs_context_put). */
struct mm *process_get_mm(int pid);
struct fd_table *process_get_files(int pid);
struct fs_context *process_get_fs(int pid);
/* /proc/PID/oom_score_adj (proc/oom.c): reads it into *adj, or sets it to
 * adj (-1000 to 1000, else -EINVAL).  0 or -ESRCH. */
int process_oom_score_adj(int pid, int *adj);
int process_set_oom_score_adj(int pid, int adj);
/* The smallest pid above after of a process not yet reaped, or 0. */
int process_next_pid(int after);
/* The smallest tid above after of a live thread of pid, or 0. */
int process_next_tid(int pid, int after);
/* How many processes exist (not yet reaped), and how many threads run or
 * wait to run (for /proc/loadavg and /proc/stat). */
void process_counts(int *processes, int *running);
/* The id most recently handed out to a process or thread (/proc/loadavg's
 * last field), and how many were since boot (/proc/stat's processes). */
int process_last_pid(void);
uint64_t process_forks(void);

#endif
