/* Threads and the scheduler.
 *
 * Kernel threads and user threads are the same object.  Each CPU runs its
 * current thread; the others wait in the FIFO run queue of a CPU
 * (sched/runq.h).  A woken thread goes to its last CPU if it may run there
 * and it is idle, else to an idle CPU it may run on (woken by the reschedule
 * IPI), else its last CPU; a CPU with nothing to run takes a thread from
 * another's queue, and a slice's end moves a waiting thread to a CPU with
 * less to do (sched/balance.c).  Each CPU's LAPIC timer preempts a thread
 * whose slice (10 ms, or `sched_slice_us=`, scaled by nice) is over when
 * another waits in its queue, and wakes sleepers at their deadline (one-shot
 * timers programmed for the next event, so an idle machine takes no ticks).
 *
 * sched_lock (kernel/sched/sched.c) protects every wait queue, the sleep
 * list and the BLOCKED state; each run queue's lock (sched/runq.h) its queue
 * and the RUNNABLE <-> RUNNING steps of its CPU's threads.  Lock order: a
 * caller's own lock, then sched_lock, then a run queue's lock, then the
 * allocators' locks. */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>

#define THREAD_NAME_MAX 24
#define KSTACK_ORDER 2 /* 16 KiB kernel stacks */

enum thread_state {
    THREAD_RUNNABLE, /* in a run queue (or moving to one: migrating) */
    THREAD_RUNNING,  /* current */
    THREAD_BLOCKED,  /* on a wait queue and/or the sleep list */
    THREAD_EXITING,  /* called thread_exit, still on its own stack */
    THREAD_DEAD,     /* stack no longer in use; joinable */
};

struct syscall_args; /* syscall/syscall.h */

/* What restart_syscall(2) continues after a stop interrupted a call whose
 * time runs on (Linux's ERESTART_RESTARTBLOCK: nanosleep, poll): see
 * syscall_restart_block in syscall/syscall.h.  fn NULL: nothing (EINTR). */
struct restart_block {
    int64_t (*fn)(const struct syscall_args *a);
    uint64_t arg[3];
};

struct waitq {
    struct list_head waiters; /* struct thread.wait_link, FIFO */
};
#define WAITQ_INIT(name) {LIST_HEAD_INIT((name).waiters)}

struct thread {
    uint64_t saved_rsp; /* must stay first: context_switch stores here */
    void *kstack;       /* lowest address of the kernel stack */
    uint32_t tid;
    enum thread_state state;
    char name[THREAD_NAME_MAX];
    struct list_head run_link;   /* run queue */
    struct list_head wait_link;  /* the wait queue it sleeps on */
    struct waitq *waiting_on;
    struct list_head sleep_link; /* sleep list, sorted by wake_at */
    uint64_t wake_at;            /* deadline in ns, 0 = none */
    bool timed_out;
    uint64_t slice_end;          /* ns; preempted after this if others wait */
    uint64_t switched_in;        /* ns */
    uint64_t runtime_ns;         /* CPU time consumed */
    /* CPU time lately (sched/recent.h: halved every 40 ms), as of
     * recent_at: which thread the balancing's rotation moves.  Written at
     * the thread's switches away, under its CPU's queue lock. */
    uint64_t recent_ns, recent_at;
    void (*fn)(void *);
    void *arg;
    int exit_code;
    bool detached;               /* freed on exit instead of by a join */
    struct waitq exit_wq;        /* joiners */
    bool interruptible;          /* sleeping in an interruptible wait */
    /* -20..19 (setpriority; inherited by clone): scales the time slice it
     * gets, see sched_slice_for_nice.  Atomic stores; read at slice starts. */
    int8_t nice;
    uint64_t cpus_allowed;       /* affinity: bit n = may run on CPU n; written under sched_lock */
    /* The CPU whose queue holds it, or that it runs or last ran on (getcpu);
     * written under that CPU's queue lock (both, when it moves). */
    uint32_t cpu;
    /* Set by the CPU that switches to it, cleared (release store) by the
     * same CPU once the switch away from it saved its registers: until then
     * no other CPU may run it (sched/runq.h). */
    bool on_cpu;
    /* RUNNABLE in no queue: to be placed on a CPU its affinity allows once
     * its switch is over (finish_switch); under its CPU's queue lock. */
    bool migrating;
    /* References (atomic): the owner's (dropped by the join, or at exit when
     * detached) and one per wake queue entry (sched/wake_q.h), so a deferred
     * wake never touches a freed thread.  The last thread_put frees it. */
    uint32_t refs;
    /* Bumped (under sched_lock) each time the thread blocks: a deferred wake
     * names the sleep it ends, and does nothing to a later one. */
    uint32_t sleep_seq;
    /* Taken off its wait queue by a waker that wakes it later (wake_q):
     * the wait returns 0 whatever else ends it meanwhile (sched_lock). */
    bool wake_claimed;
#ifdef KDEBUG
    struct list_head kdebug_link; /* every thread not yet dead, for the task dump (sched_lock) */
#endif

    /* User threads only (proc != NULL); see proc/process.h and proc/uthread.h. */
    struct process *proc;
    struct list_head proc_link;  /* proc->threads */
    void *fpu;                   /* XSAVE area of the user FPU/SSE/AVX state */
    uint64_t fs_base;            /* user FS base (TLS) */
    uint64_t clear_child_tid;    /* user address cleared and futex-woken at exit */
    uint64_t robust_list;        /* set_robust_list head, walked at exit and exec (proc/robust_futex.c) */
    uint64_t sig_mask;           /* blocked signals (bit n-1 for signal n) */
    uint64_t sig_pending;        /* thread-directed pending signals */
    /* What siginfo tells about a pending standard signal (one instance each). */
    struct sig_origin {
        int32_t code, pid;       /* si_code and sender */
        uint32_t uid;            /* si_uid */
        uint64_t value;          /* si_value (rt_sigqueueinfo) */
    } sig_origin[64];
    /* The queued instances of real-time signals, oldest first (proc/sigqueue.h;
     * all zero: empty).  Protected by proc->lock like the pending sets. */
    struct sigqueue {
        struct sigqueue_entry *head, *tail;
    } rt_queue;
    uint64_t sigwait_set;        /* rt_sigtimedwait: the blocked signals it waits for (proc->lock) */
    uint64_t saved_sig_mask;     /* rt_sigsuspend: the mask to restore after the handler */
    bool restore_sig_mask;
    uint64_t altstack_sp, altstack_size; /* sigaltstack; size 0 = none */
    uint32_t altstack_flags;
    bool force_iret;             /* return to user with iretq (all registers restored) */
    struct restart_block restart; /* the thread's own; syscall/restart.c */
    bool restart_forbidden;      /* the running call's EINTR is never restarted (syscall_forbid_restart) */
    /* Set when the thread leaves its process at exit (proc NULL): the pid
     * its last acts are done for (the address space's teardown detaching
     * System V shared memory sets shm_lpid to it, as Linux). */
    int32_t exit_pid;
};

/* Turns the boot context into the thread "main" and creates the idle thread.
 * Returns -ENOMEM if the idle thread cannot be made. */
int sched_init(void);
/* Starts the timer-driven part (after the LAPIC timer is calibrated). */
void sched_start_preemption(void);
/* Sets the time slice (the `sched_slice_us=` option; stress tests use a
 * short one so that preemption comes at many more points).  Before
 * sched_start_preemption. */
void sched_set_slice_ns(uint64_t ns);
/* The time slice of a thread with this nice value (sched/nice.h). */
uint64_t sched_slice_for_nice(int nice);

/* Creates a runnable kernel thread.  Returns NULL when out of memory. */
struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg);
/* Creates a thread that does not run until kthread_start(t). */
struct thread *kthread_create_paused(const char *name, void (*fn)(void *), void *arg);
void kthread_start(struct thread *t);
/* Waits for t to exit, frees it, and returns its exit code. */
int kthread_join(struct thread *t);
/* t is freed when it exits; it must not be joined.  Safe on an exited thread. */
void kthread_detach(struct thread *t);
__noreturn void thread_exit(int code);

struct thread *sched_current(void);
/* CPU time t has used, its running slice included (time/clockid.c). */
uint64_t thread_cpu_ns(struct thread *t);
void sched_yield(void);
/* Sleeps at least ns nanoseconds. */
void sched_sleep_ns(uint64_t ns);
/* Called at the end of every interrupt (interrupts off): switches thread if
 * the handler asked for it and no spinlock is held. */
void sched_preempt_point(void);
/* The same on the way back to user mode from a system call (interrupts on):
 * a switch asked for while the call held a spinlock is taken now, not at the
 * next interrupt. */
void sched_preempt_point_syscall(void);

/* Wait queues.  The caller holds `lock` (taken with spin_lock_irqsave into
 * *flags) which protects the condition it waits for; the call atomically
 * releases it and sleeps until a waitq_wake or, when deadline (monotonic ns)
 * is not 0, the deadline.  It returns with the lock held again: 0 when woken,
 * -ETIMEDOUT at the deadline.  Wakers change the condition under the same lock. */
int waitq_wait_locked(struct waitq *wq, spinlock_t *lock, uint64_t deadline);
/* The same, but a signal for the thread also ends the wait: returns -EINTR
 * (checked before sleeping, too).  Blocking system calls use this one. */
int waitq_wait_locked_interruptible(struct waitq *wq, spinlock_t *lock, uint64_t deadline);
/* The same, but only a signal that ends the thread (SIGKILL, the process
 * exiting) returns -EINTR; others stay pending (Linux's TASK_KILLABLE). */
int waitq_wait_locked_killable(struct waitq *wq, spinlock_t *lock, uint64_t deadline);
/* Sleeps interruptibly until deadline (monotonic ns): 0, or -EINTR. */
int sched_sleep_until_interruptible(uint64_t deadline);
/* Wakes t if it sleeps interruptibly, or interrupts the CPU it runs on
 * (used by signal delivery: the signal is taken on the way back to user). */
void sched_wake_interruptible(struct thread *t);
void waitq_init(struct waitq *wq);
/* Wakes one / all waiters.  Returns how many were woken.  Callable from interrupts. */
int waitq_wake_one(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);

/* Thread references (see struct thread.refs). */
void thread_get(struct thread *t);
void thread_put(struct thread *t);
/* Ends t's sleep number seq (struct thread.sleep_seq) if t still sleeps in
 * it: takes it off its wait queue and the sleep list and makes it runnable.
 * Returns false (and does nothing) if that sleep has already ended. */
bool sched_wake_sleep(struct thread *t, uint32_t seq);
struct wake_q;
/* Takes up to n waiters off wq for q to wake after the caller drops its
 * lock (wake_q_run); each one's wait returns 0 even if a signal comes
 * first.  Returns how many were taken. */
int waitq_claim(struct waitq *wq, int n, struct wake_q *q);

/* True if another thread waits for the CPU: a thread polling for a device
 * (instead of sleeping) stops when this is true. */
bool sched_others_runnable(void);

/* How long a thread about to sleep for a device polls it first: 200 us,
 * KVM's halt_poll_ns and Linux's guest_halt_poll_ns default.  Under TCG a
 * host stream leaves gaps of 50-200 us between buffers. */
#define SCHED_DEVICE_POLL_NS 200000
/* Spins until news(arg) (a cheap lockless check) is true: returns true; or
 * until the deadline (monotonic ns) passes, another thread wants the CPU or
 * the caller has a signal pending: returns false (sleep instead). */
bool sched_poll_until(bool (*news)(void *), void *arg, uint64_t deadline);

/* The idle thread of a CPU being started (paused, not counted as a thread),
 * or NULL when out of memory. */
struct thread *sched_create_idle(void);
/* An application processor's last step of its start: it becomes its idle
 * thread (whose stack it runs on) and schedules.  Never returns. */
__noreturn void sched_run_cpu(struct thread *idle);
/* Sets t's affinity to the online CPUs of mask (-EINVAL if none).  A thread
 * running on a CPU it may no longer use moves at once (the caller itself
 * before this returns). */
int sched_set_affinity(struct thread *t, uint64_t mask);
/* The CPU the caller runs on (it may run on another by the time it looks). */
unsigned sched_this_cpu(void);
/* Time CPU cpu spent in its idle thread (0 if it is not online). */
uint64_t sched_cpu_idle_ns(unsigned cpu);

struct sched_stats {
    uint64_t context_switches, preemptions, threads;
    uint64_t loadavg[3]; /* 1, 5, 15 minutes, 11-bit fixed point (sched/loadavg.h) */
    uint64_t idle_ns;    /* time the CPU spent in the idle thread */
};
void sched_get_stats(struct sched_stats *out);

#ifdef KDEBUG
/* The debug kernel's task dump (/proc/sysrq-trigger, "t"): every thread
 * that has not died, its state, what it sleeps on and its kernel backtrace.
 * Prints with sched_lock held and interrupts off, so no thread blocks or
 * wakes meanwhile (threads on other CPUs may still switch). */
void kdebug_show_threads(void);
/* One line about a user thread's process and signals (proc/kdebug_tasks.c),
 * called under sched_lock; empty for a kernel thread. */
void kdebug_describe_user_thread(const struct thread *t, char *buf, size_t size);
#endif

#endif
