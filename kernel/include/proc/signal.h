/* Signals (Linux numbering and semantics for the supported subset).
 *
 * Actions live in a struct sighand shared by the threads of a process (and
 * with CLONE_SIGHAND).  Each thread has a mask and thread-directed pending
 * set; the process has a shared pending set.  Pending signals are delivered
 * on the way back to user mode: a handler gets a Linux-layout rt_sigframe
 * on its stack (or the alternate stack); default actions terminate (with a
 * one-line diagnostic), are ignored, or stop the process (SIGCONT continues
 * it when sent: proc/jobctl.h).
 *
 * sighand->lock protects the actions; process->lock protects the pending
 * sets of the process and of its threads, and masks. */
#ifndef PROC_SIGNAL_H
#define PROC_SIGNAL_H

#include <arch/trap.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>

#define NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31

/* The bit of signal sig in a 64-bit set: only for signal_valid(sig). */
#define SIG_BIT(sig) (1ull << ((sig) - 1))
#define SIG_DFL 0 /* k_sigaction.handler: the default action */
#define SIG_IGN 1 /* ignored */

struct k_sigaction {
    uint64_t handler;  /* SIG_DFL 0, SIG_IGN 1, or a user address */
    uint64_t flags;    /* SA_* */
    uint64_t restorer; /* SA_RESTORER trampoline (musl always sets it) */
    uint64_t mask;
};

struct sighand {
    int refs; /* atomic */
    spinlock_t lock;
    struct k_sigaction action[NSIG];
};

struct thread;
struct process;
struct sig_origin; /* sched/sched.h */

struct sighand *sighand_create(void);
struct sighand *sighand_copy(struct sighand *src);
void sighand_put(struct sighand *sh);
/* execve: handled signals go back to default; ignored ones stay ignored. */
void sighand_reset_for_exec(struct sighand *sh);

/* True if sig names a signal (1..NSIG): every per-signal array and SIG_BIT
 * is indexed by such numbers only, so each value from user space (kill,
 * tgkill, rt_sigaction, clone's exit signal) is checked with this first. */
bool signal_valid(int sig);
/* True if t has a pending signal it does not block (or the process is dying). */
bool signal_pending(struct thread *t);
/* True if t is being killed: SIGKILL pending or its process exiting
 * (what ends a killable sleep). */
bool signal_fatal_pending(struct thread *t);
/* Queues sig for the process (any thread that does not block it takes it). */
void signal_send_process(struct process *p, int sig);
/* The same with the si_code and sender pid its siginfo carries (a child's
 * end: CLD_EXITED... and the child's pid). */
void signal_send_process_from(struct process *p, int sig, int code, int pid);
/* Queues sig for one thread, which must not exit meanwhile (the caller's
 * own, or one its process keeps: tgkill queues under the process lock). */
void signal_send_thread(struct thread *t, int sig);
/* For the fs layer: SIGPIPE to the calling thread. */
void signal_send_current(int sig);
/* A fault in user mode: deliver sig (SIGSEGV...) now; if it is blocked or
 * ignored the process dies, as on Linux.  code/addr fill siginfo. */
void signal_force_fault(int sig, int code, uint64_t addr, struct trap_frame *tf);
/* For calls with a sigmask argument (ppoll, pselect6; sigsuspend uses it
 * too): blocks exactly `mask` until the call returns.  The old mask comes
 * back on the way out, or after the handler of the signal that ended the
 * call when there is one (it is saved in that handler's frame). */
void signal_mask_set_temporary(uint64_t mask);
/* For signalfd: takes the lowest signal of mask pending for the calling
 * thread (its own first, then its process's; a real-time signal's oldest
 * instance), blocked or not; its number (0: none), with *from its siginfo
 * (si_code, sender, si_uid, si_value). */
int signal_take(uint64_t mask, struct sig_origin *from);
/* The signals of mask pending for the calling thread or its process. */
uint64_t signal_pending_in(uint64_t mask);
/* On the way back to user mode: delivers pending signals into tf.  Returns
 * true if tf was rewritten (the return must use iretq). */
bool signal_deliver(struct trap_frame *tf);

#endif
