/* Processes: what the threads of one program share.
 *
 * A process owns an address space (struct mm), a file-descriptor table and
 * a filesystem context (cwd, root, umask; both defined by fs/), and signal
 * actions.  clone() flags decide which of these a new thread or process
 * shares with its creator.  Each thread of a process is a struct thread
 * (sched/sched.h) with proc pointing here; the process's pid is the tid of
 * its first thread (as on Linux).
 *
 * process_tree_lock (a mutex in proc/process.c) protects every parent,
 * children and sibling link, process states and exit statuses. */
#ifndef PROC_PROCESS_H
#define PROC_PROCESS_H

#include <kernel/list.h>
#include <misc/rlimit.h>
#include <kernel/spinlock.h>
#include <sched/sched.h>

struct mm;
struct fd_table;   /* fs/fdtable.h */
struct fs_context; /* fs/fs_context.h */
struct sighand;    /* proc/signal.h */

#define PROCESS_NAME_MAX 16

enum process_state { PROCESS_ALIVE, PROCESS_ZOMBIE };

struct process {
    int pid;
    char name[PROCESS_NAME_MAX];  /* basename of the program, for diagnostics */
    enum process_state state;
    int wait_status;              /* Linux wait status, valid when ZOMBIE */
    int exit_signal;              /* sent to the parent at exit if signal_valid (SIGCHLD usually); process_tree_lock */
    struct process *parent;
    struct list_head children;    /* struct process.sibling */
    struct list_head sibling;
    struct list_head global_link; /* every process, for kill(pid) */
    struct waitq child_wait;      /* wait4/waitid sleepers (woken when a child changes state) */

    spinlock_t lock;              /* protects threads, nthreads, exiting, shared_pending, shared_rt_queue */
    struct list_head threads;     /* struct thread.proc_link */
    int nthreads;
    bool exiting;                 /* exit_group or a fatal signal is tearing it down */
    uint64_t shared_pending;      /* process-directed pending signals */
    struct k_rlimit rlim[RLIM_NLIMITS]; /* resource limits (lock): inherited, kept across exec */
    uint64_t exited_threads_ns;   /* CPU time of the threads that have ended (lock) */
    struct sig_origin shared_origin[64];
    struct sigqueue shared_rt_queue; /* queued process-directed real-time signals (lock) */

    struct mm *mm;
    struct fd_table *files;
    struct fs_context *fs;
    struct sighand *sighand;

    struct vfork_done *vfork_done; /* CLONE_VFORK: the waiting parent's record (process_tree_lock) */
    bool child_subreaper;         /* PR_SET_CHILD_SUBREAPER: adopts orphaned descendants (atomic) */
    /* The parent's thread that made it (Linux's real_parent is a thread):
     * when that thread ends, pdeath_signal is sent and the next live thread
     * of the parent (or the reaper) takes its place.  process_tree_lock. */
    int parent_tid;
    int pdeath_signal;            /* PR_SET_PDEATHSIG; 0 none; not inherited, kept across exec (atomic) */
    uint64_t start_ns;            /* monotonic time of creation */
    /* ITIMER_REAL (setitimer, alarm; proc/itimer.c): the monotonic ns of the
     * next SIGALRM (0: disarmed) and the interval that re-arms it.  Zeroed
     * for a child (fork clears it), kept across exec.  process_tree_lock. */
    uint64_t itimer_real_next;
    uint64_t itimer_real_interval;

    /* Process group and session (proc/session.c), under process_tree_lock.
     * Inherited from the creator; init's are 0, as Linux's pid 1 is in the
     * kernel's session 0 until it calls setsid. */
    int pgid, sid;
    bool ctty_dropped;            /* TIOCNOTTY by a member that is not the leader: no terminal for it (process_tree_lock) */
    bool did_exec;                /* execve since it was made: setpgid on it is EACCES (atomic) */
    /* /proc/PID/oom_score_adj (proc/oom.c): -1000 (never chosen by the OOM
     * killer) to 1000 (chosen first), added to its footprint in thousandths
     * of memory.  Inherited from the creator, kept across exec (atomic). */
    int oom_score_adj;

    /* Group stop (proc/jobctl.c), under lock.  stop_sig is the signal of a
     * stop in progress or done (0: running); every thread parks in
     * jobctl_park until SIGCONT or SIGKILL, counted by nstopped; the last
     * one to park makes the stop complete (stopped) and tells the parent. */
    int stop_sig;
    int nstopped;
    bool stopped;
    struct waitq stop_wq;         /* parked threads (condition lock: lock) */
    /* What wait(2) may report once (WUNTRACED / WCONTINUED): a wait status
     * ((sig << 8) | 0x7f, or 0xffff), 0 for none.  lock. */
    int jobctl_report;
    /* CLD_STOPPED or CLD_CONTINUED still to be sent to the parent as
     * SIGCHLD (by a thread of this process, which may take
     * process_tree_lock), 0 for none.  lock. */
    int jobctl_notify;
};

/* What a vfork parent waits on, on its own stack: set and woken (under
 * process_tree_lock) when the child execs or exits. */
struct vfork_done {
    struct waitq wq;
    bool done;
};

/* The process of the running thread (NULL in kernel threads). */
struct process *current_process(void);

/* Starts the first user program (pid 1) from path with argv/envp.  Returns a
 * negative errno if it cannot even be loaded. */
int process_start_init(const char *path, const char *const argv[], const char *const envp[]);

#ifdef KDEBUG
/* The process half of the task dump (proc/kdebug_tasks.c): a line per process. */
void kdebug_show_processes(void);
#endif

#endif
