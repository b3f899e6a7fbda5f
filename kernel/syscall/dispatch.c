/* The C side of a system call: dispatch, the ENOSYS log, and the checks on
 * the way back to user mode (signals, sysret safety). */
#include <arch/cpu.h>
#include <kernel/errno.h>
#include <kernel/kdebug.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <mm/physmap.h>
#include <proc/process.h>
#include <proc/signal.h>
#include <proc/uthread.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

static uint64_t logged[SYSCALL_MAX / 64 + 1]; /* numbers already reported as unsupported */
static spinlock_t logged_lock = SPINLOCK_INIT; /* protects logged[] */

/* Kept out of line: debuggers break on it (apps/image/debug.gdb, nutshell-enosys). */
static __attribute__((noinline)) void log_unsupported_once(uint64_t nr)
{
    uint64_t bit = nr < SYSCALL_MAX ? nr : SYSCALL_MAX;
    uint64_t flags = spin_lock_irqsave(&logged_lock);
    bool first = !(logged[bit / 64] & (1ull << (bit % 64)));
    logged[bit / 64] |= 1ull << (bit % 64);
    spin_unlock_irqrestore(&logged_lock, flags);
    if (first) {
        struct process *p = current_process();
        printk(LOG_NOTICE, "syscall %lu unsupported (ENOSYS), first called by pid %d (%s)", nr, p ? p->pid : 0,
               p ? p->name : "?");
    }
}

void syscall_dispatch(struct trap_frame *tf)
{
    uint64_t nr = tf->rax;
    tf->error_code = nr; /* the number, kept for restarting after a signal (proc/signal.c) */
    const struct syscall_entry *e = nr < SYSCALL_MAX ? &syscall_table[nr] : NULL;
    if (!e || !e->fn) {
        log_unsupported_once(nr);
        tf->rax = (uint64_t)-ENOSYS;
        return;
    }
    struct syscall_args a = {{tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9}, tf};
    struct thread *self = sched_current();
    self->restart_forbidden = false;
    tf->rax = (uint64_t)e->fn(&a);
    if (self->restart_forbidden && (int64_t)tf->rax == -EINTR)
        tf->error_code = SYSCALL_NO_RESTART; /* a wait inside asked for it (syscall_forbid_restart) */
}

/* Called by syscall_entry.S with interrupts off.  Returns 0 when the fast
 * sysretq return is safe, 1 for the full iretq return. */
uint64_t syscall_handler(struct trap_frame *tf);
uint64_t syscall_handler(struct trap_frame *tf)
{
    irq_enable();
    struct thread *self = sched_current();
    uint64_t nr = tf->rax;
    self->force_iret = false;
    syscall_dispatch(tf);
    /* A switch asked for while the call held a spinlock (another CPU moving
     * this thread away with sched_setaffinity, a wake-up's IPI) waited for
     * the next interrupt; in user mode that may come only at the end of a
     * slice, or never when no timer is armed.  Take it now, before the
     * signals, which a thread switched out here may receive meanwhile. */
    sched_preempt_point_syscall();
    while (signal_pending(self))
        if (!signal_deliver(tf))
            break;
    /* A temporary mask (sigsuspend, ppoll, pselect6) that no handler took
     * over in its frame ends with the call. */
    if (self->restore_sig_mask) {
        self->sig_mask = self->saved_sig_mask;
        self->restore_sig_mask = false;
    }
    irq_disable();
    kdebug_check_user_return(tf, "syscall", nr, nr < SYSCALL_MAX ? syscall_table[nr].name : NULL);
    /* sysretq loads rip from rcx: a non-canonical address would fault in ring 0. */
    bool iret = self->force_iret || tf->rip >= USER_TOP;
    self->force_iret = false;
    return iret;
}
