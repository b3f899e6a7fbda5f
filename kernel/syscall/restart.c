/* restart_syscall(2): the second half of a call a stop interrupted whose
 * time runs on while it is stopped (Linux's ERESTART_RESTARTBLOCK, see
 * syscall/syscall.h).  The call leaves what it needs in the thread's
 * struct restart_block; proc/signal.c points the user's syscall
 * instruction at this number instead of the call's own, so that the call
 * goes on to its old deadline instead of starting its whole time again. */
#include <kernel/errno.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

void syscall_restart_block(const struct syscall_args *a, int64_t (*fn)(const struct syscall_args *a),
                           uint64_t arg0, uint64_t arg1, uint64_t arg2)
{
    if (!a->frame)
        return;
    struct restart_block *rb = &sched_current()->restart;
    rb->fn = fn;
    rb->arg[0] = arg0;
    rb->arg[1] = arg1;
    rb->arg[2] = arg2;
    a->frame->error_code = SYSCALL_RESTART_BLOCK;
}

void syscall_forbid_restart(void)
{
    sched_current()->restart_forbidden = true;
}

void syscall_restart_forget(void)
{
    sched_current()->restart.fn = NULL;
}

/* Only the kernel's restart makes sense; a program calling it on its own
 * gets EINTR, as from Linux's do_no_restart_syscall. */
int64_t sys_restart_syscall(const struct syscall_args *a)
{
    struct restart_block *rb = &sched_current()->restart;
    int64_t (*fn)(const struct syscall_args *a) = rb->fn;
    rb->fn = NULL;
    return fn ? fn(a) : -EINTR;
}
