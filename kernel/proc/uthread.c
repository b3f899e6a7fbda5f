/* User threads: their extra CPU state on context switches, their start in
 * user mode, and their end. */
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/percpu.h>
#include <fs/kernel_api.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/kdebug.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/physmap.h>
#include <mm/slab.h>
#include <mm/vm.h>
#include <proc/futex.h>
#include <proc/sigqueue.h>
#include <proc/process_internal.h>
#include <proc/robust_futex.h>
#include <proc/uthread.h>
#include <syscall/syscall.h>

#define MSR_FS_BASE 0xc0000100

static uint64_t kstack_top(struct thread *t)
{
    return (uint64_t)t->kstack + (PAGE_SIZE << KSTACK_ORDER);
}

struct trap_frame *uthread_frame(struct thread *t)
{
    return (struct trap_frame *)(kstack_top(t) - sizeof(struct trap_frame));
}

void thread_switch_out(struct thread *prev)
{
    if (prev->fpu)
        fpu_save(prev->fpu);
}

void thread_switch_in(struct thread *next)
{
    percpu_set_kernel_stack(kstack_top(next));
    if (!next->proc) {
        mm_activate(NULL);
        return;
    }
    mm_activate(next->proc->mm);
    wrmsr(MSR_FS_BASE, next->fs_base);
    if (next->fpu)
        fpu_restore(next->fpu);
}

void uthread_replace_fpu(void *area)
{
    struct thread *self = sched_current();
    preempt_disable();
    void *old = self->fpu;
    self->fpu = area;
    if (area)
        fpu_restore(area);
    preempt_enable();
    fpu_free(old);
}

/* First code of a new user thread: its trap frame is already at the top of its stack. */
static void uthread_entry(void *unused)
{
    (void)unused;
    irq_disable(); /* trap_return must not be interrupted half-way */
    struct trap_frame *tf = uthread_frame(sched_current());
    kdebug_check_user_return(tf, "thread start, tid", sched_current()->tid, NULL);
    return_to_user(tf);
}

struct thread *uthread_create(struct process *p, const struct trap_frame *tf, void *fpu, int tid)
{
    struct thread *t = kthread_create_paused(p->name, uthread_entry, NULL);
    if (!t)
        return NULL;
    *uthread_frame(t) = *tf;
    /* Inherited from the creator, as Linux does for clone and fork (the
     * kernel's own threads create init with every CPU). */
    t->cpus_allowed = __atomic_load_n(&sched_current()->cpus_allowed, __ATOMIC_RELAXED);
    t->proc = p;
    t->fpu = fpu;
    t->tid = (uint32_t)tid;
    kthread_detach(t);
    uint64_t flags = spin_lock_irqsave(&p->lock);
    list_add_tail(&t->proc_link, &p->threads);
    p->nthreads++;
    spin_unlock_irqrestore(&p->lock, flags);
    return t;
}

void uthread_exit(int wait_status)
{
    struct thread *self = sched_current();
    struct process *p = self->proc;
    /* Locks it still holds go to their next lockers marked FUTEX_OWNER_DIED
     * (before the tid is cleared, as on Linux). */
    robust_list_release(self);
    futex_exit_pi(p->mm, self->tid);
    /* CLONE_CHILD_CLEARTID: tell pthread_join (through the futex) that the thread is gone. */
    if (self->clear_child_tid) {
        uint32_t zero = 0;
        if (copy_to_user(self->clear_child_tid, &zero, sizeof zero) == 0)
            futex_wake_address(p->mm, self->clear_child_tid, 1);
    }
    uthread_replace_fpu(NULL);
    int pid = p->pid;
    /* The tree lock (taken before p->lock, as everywhere) keeps p's children
     * and their parent threads steady while this thread hands them on. */
    uint64_t tree_flags = spin_lock_irqsave(&process_tree_lock);
    uint64_t flags = spin_lock_irqsave(&p->lock);
    list_del(&self->proc_link);
    sigqueue_flush(&self->rt_queue, ~0ull); /* no sender finds the thread any more */
    bool last = --p->nthreads == 0;
    int heir = last ? 0 : (int)list_first_entry(&p->threads, struct thread, proc_link)->tid;
    p->exited_threads_ns += self->runtime_ns + (clock_monotonic_ns() - self->switched_in);
    if (last && !p->exiting)
        p->wait_status = wait_status; /* exit_group and fatal signals set it earlier */
    /* Off the thread list, the thread lets go of p in the same step: as soon
     * as the lock is dropped the last thread may free p's address space and
     * the parent may reap p, and a context switch must not find either
     * through self->proc (docs/architecture.md, "Objects a context switch
     * touches"). */
    self->exit_pid = p->pid;
    self->proc = NULL;
    mm_activate(NULL);
    spin_unlock_irqrestore(&p->lock, flags);
    process_thread_left_locked(p, (int)self->tid, heir);
    spin_unlock_irqrestore(&process_tree_lock, tree_flags);
    if ((int)self->tid != pid)
        pid_free((int)self->tid); /* the pid itself stays taken until the zombie is reaped */
    if (last)
        process_exit_last_thread(p); /* p may be gone after this */
    thread_exit(0);
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

int64_t sys_arch_prctl(const struct syscall_args *a)
{
    struct thread *self = sched_current();
    switch ((int)a->arg[0]) {
    case ARCH_SET_FS:
        if (a->arg[1] >= USER_TOP)
            return -EPERM; /* Linux: a base outside the user half is refused */
        self->fs_base = a->arg[1];
        wrmsr(MSR_FS_BASE, self->fs_base);
        return 0;
    case ARCH_GET_FS:
        return copy_to_user(a->arg[1], &self->fs_base, sizeof self->fs_base) ? -EFAULT : 0;
    default:
        return -EINVAL;
    }
}
