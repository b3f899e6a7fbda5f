/* Entering and leaving user mode for the threads of processes. */
#ifndef PROC_UTHREAD_H
#define PROC_UTHREAD_H

#include <arch/trap.h>
#include <proc/process.h>

#define SYSCALL_VECTOR 0x100 /* trap_frame.vector of a syscall entry (syscall_entry.S) */

/* Creates a paused user thread of p that will return to user mode with the
 * registers of tf (copied).  fpu is its FPU state area (taken over).  The
 * thread is added to p's thread list; start it with kthread_start. */
struct thread *uthread_create(struct process *p, const struct trap_frame *tf, void *fpu, int tid);
/* Makes area (or nothing, when NULL) the calling thread's FPU state area,
 * loads it into the registers, and frees the area it had.  The one way to
 * replace or drop thread->fpu: a context switch saves into that pointer at
 * any preemption point, so the swap runs with preemption off and the old area
 * is freed only once nothing can reach it (docs/architecture.md, "Objects a
 * context switch touches"). */
void uthread_replace_fpu(void *area);
/* The top of t's kernel stack, where its user trap frame lives. */
struct trap_frame *uthread_frame(struct thread *t);
/* Ends the calling user thread (exit, exit_group, fatal signal). */
__noreturn void uthread_exit(int wait_status);
/* Allocates a pid/tid.  -EAGAIN when none is free. */
/* Ids run from 1 to PID_MAX - 1 (/proc/sys/kernel/pid_max). */
#define PID_MAX 32768
int pid_alloc(void);
void pid_free(int pid);
/* True if pid names a live thread or a process not yet reaped (a PI futex
 * locker checks that the owner its word names exists). */
bool pid_in_use(int pid);

#endif
