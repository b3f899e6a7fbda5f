/* System calls.  The table is the single source of truth: every supported
 * call is one SYSCALL(...) line in a kernel/syscall/<area>.def file (read by
 * kernel/syscall/table.c for dispatch and by the host tool that generates
 * docs/syscalls.md).  The line format:
 *
 *   SYSCALL(nr, name, status, "signature", "contract", "flags", "errors", "deviations")
 *
 *   nr          Linux x86-64 number
 *   name        the call's name; its handler is sys_<name>
 *   status      FULL (Linux semantics for everything documented), PARTIAL
 *               (a subset: the deviations say what is missing) or STUB
 *               (accepted, does nothing useful: the deviations say why that is safe)
 *   signature   the C-like arguments, e.g. "int fd, void *buf, size_t count"
 *   contract    one line: what it does
 *   flags       the flags / modes supported ("-" if none)
 *   errors      the errno values it returns, space-separated
 *   deviations  every difference from Linux ("-" if none)
 *
 * A handler receives the six raw argument registers and the trap frame (for
 * the calls that need the user context: clone, execve, rt_sigreturn...), and
 * returns a value >= 0 or a negative errno.  Casting a raw argument to a
 * narrower type must follow Linux (an int fd takes the low 32 bits). */
#ifndef SYSCALL_SYSCALL_H
#define SYSCALL_SYSCALL_H

#include <arch/trap.h>
#include <kernel/types.h>

struct syscall_args {
    uint64_t arg[6];
    struct trap_frame *frame;
};

typedef int64_t (*syscall_fn)(const struct syscall_args *a);

enum syscall_status { SYSCALL_FULL, SYSCALL_PARTIAL, SYSCALL_STUB };

struct syscall_entry {
    syscall_fn fn;
    const char *name;
    enum syscall_status status;
};

#define SYSCALL_MAX 512
extern const struct syscall_entry syscall_table[SYSCALL_MAX];

/* Declares every handler named in the .def files. */
#define SYSCALL(nr, name, status, sig, contract, flags, errors, deviations) \
    int64_t sys_##name(const struct syscall_args *a);
#include <syscall/all.def>
#undef SYSCALL

/* trap_frame.error_code of a syscall frame says what becomes of the call
 * when a signal ended it with -EINTR, as Linux's -ERESTART* codes do
 * (proc/signal.c acts on it on the way out):
 *   the call's number (syscall_dispatch sets it; Linux's ERESTARTSYS): it
 *     runs again when no handler runs (a stop and SIGCONT, an ignored
 *     signal) and after a handler with SA_RESTART;
 *   the number | SYSCALL_RESTART_NOHAND (ERESTARTNOHAND: pause,
 *     sigsuspend, select, ppoll, msgrcv...): again only when no handler runs;
 *   SYSCALL_RESTART_BLOCK (ERESTART_RESTARTBLOCK: nanosleep, poll): when no
 *     handler runs, restart_syscall(2) continues it from the thread's
 *     struct restart_block (the same deadline, not the whole time again);
 *   the number | SYSCALL_RESTART_ALWAYS (ERESTARTNOINTR: FUTEX_LOCK_PI):
 *     again whatever ran, SA_RESTART or not;
 *   SYSCALL_NO_RESTART: EINTR whatever ran (epoll_wait, semop,
 *     sigtimedwait: Linux ends them after a stop too, see signal(7)). */
#define SYSCALL_NO_RESTART UINT64_MAX
#define SYSCALL_RESTART_BLOCK (UINT64_MAX - 1)
#define SYSCALL_RESTART_NOHAND (1ull << 32) /* above every number */
#define SYSCALL_RESTART_ALWAYS (1ull << 33)
#define SYSCALL_NR_RESTART_SYSCALL 219
static inline void syscall_no_restart(const struct syscall_args *a)
{
    a->frame->error_code = SYSCALL_NO_RESTART;
}
static inline void syscall_restart_nohand(const struct syscall_args *a)
{
    if (a->frame && a->frame->error_code < SYSCALL_RESTART_NOHAND)
        a->frame->error_code |= SYSCALL_RESTART_NOHAND;
}
static inline void syscall_restart_always(const struct syscall_args *a)
{
    if (a->frame && a->frame->error_code < SYSCALL_RESTART_NOHAND)
        a->frame->error_code |= SYSCALL_RESTART_ALWAYS;
}
/* Marks a call about to return -EINTR as SYSCALL_RESTART_BLOCK: fn(a) with
 * args in sched_current()->restart.arg runs in its place if it restarts
 * (syscall/restart.c).  No-op for a call made from the kernel (no frame). */
void syscall_restart_block(const struct syscall_args *a, int64_t (*fn)(const struct syscall_args *a),
                           uint64_t arg0, uint64_t arg1, uint64_t arg2);
/* For a wait deep inside a call, where the frame is out of reach: the
 * call's -EINTR is SYSCALL_NO_RESTART (an AF_UNIX socket's wait under
 * SO_RCVTIMEO/SO_SNDTIMEO, Linux's sock_intr_errno).  syscall_dispatch
 * applies it. */
void syscall_forbid_restart(void);
/* Forgets the thread's restart block (a handler ran: rt_sigreturn). */
void syscall_restart_forget(void);

/* Runs the call in tf (number in rax, arguments in rdi, rsi, rdx, r10, r8, r9)
 * and stores the result in tf->rax.  Unsupported numbers return -ENOSYS and
 * are logged once per number with the program's name. */
void syscall_dispatch(struct trap_frame *tf);

#endif
