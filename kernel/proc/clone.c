/* clone(2): new threads (pthread_create), new processes sharing the address
 * space until exec (posix_spawn's CLONE_VM|CLONE_VFORK), and fork: a new
 * process whose address space shares every page copy-on-write (mm_fork). */
#include <arch/fpu.h>
#include <fs/kernel_api.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/physmap.h>
#include <mm/vm.h>
#include <proc/process_internal.h>
#include <proc/signal.h>
#include <proc/uthread.h>
#include <syscall/syscall.h>

#define CSIGNAL 0x000000ff
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PIDFD 0x00001000
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_IO 0x80000000ull
#define CLONE_SUPPORTED (CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | CLONE_PARENT | \
                         CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
                         CLONE_DETACHED | CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO)

/* A new process for clone without CLONE_THREAD (fork, vfork/spawn); NULL with *err set. */
static struct process *clone_process(struct process *parent, uint64_t flags, int pid, int *err)
{
    struct mm *mm = NULL;
    if (!(flags & CLONE_VM)) {
        *err = mm_fork(parent->mm, &mm);
        if (*err)
            return NULL;
    }
    struct process *p = process_alloc(pid, parent->name);
    if (!p) {
        if (mm)
            mm_put(mm);
        *err = -ENOMEM;
        return NULL;
    }
    /* The signal the child's end sends its parent.  Numbers above NSIG are
     * kept and never sent (Linux's legacy clone accepts them too).  With
     * CLONE_PARENT, process_adopt replaces it by our own. */
    p->exit_signal = (int)(flags & CSIGNAL);
    uint64_t f = spin_lock_irqsave(&parent->lock);
    memcpy(p->rlim, parent->rlim, sizeof p->rlim);
    spin_unlock_irqrestore(&parent->lock, f);
    p->oom_score_adj = __atomic_load_n(&parent->oom_score_adj, __ATOMIC_RELAXED);
    p->mm = mm ? mm : mm_get(parent->mm);
    p->files = (flags & CLONE_FILES) ? fd_table_get(parent->files) : fd_table_clone(parent->files);
    p->fs = (flags & CLONE_FS) ? fs_context_get(parent->fs) : fs_context_clone(parent->fs);
    p->sighand = (flags & CLONE_SIGHAND) ? parent->sighand : sighand_copy(parent->sighand);
    if (p->sighand && (flags & CLONE_SIGHAND))
        __atomic_add_fetch(&p->sighand->refs, 1, __ATOMIC_RELAXED);
    if (!p->files || !p->fs || !p->sighand) {
        process_discard(p);
        *err = -ENOMEM;
        return NULL;
    }
    return p;
}

/* Sleeps until the vfork child p has exec'd or exited: until then it runs
 * on our memory.  Killable only (as Linux): another signal waits until we
 * return.  Our own record of the end, on our stack, is what we wait on, so
 * who p's parent is and whether p is reaped meanwhile do not matter. */
static void wait_for_vfork_child(struct process *p, struct vfork_done *vfork)
{
    uint64_t f = spin_lock_irqsave(&process_tree_lock);
    while (!vfork->done) {
        if (waitq_wait_locked_killable(&vfork->wq, &process_tree_lock, 0) == -EINTR) {
            /* Not done, so p is alive (the release comes before its zombie
             * is visible, under this lock): tell it nobody waits any more. */
            if (!vfork->done)
                p->vfork_done = NULL;
            break;
        }
    }
    spin_unlock_irqrestore(&process_tree_lock, f);
}

int64_t sys_clone(const struct syscall_args *a)
{
    uint64_t flags = a->arg[0], newsp = a->arg[1], uptid = a->arg[2], uctid = a->arg[3], tls = a->arg[4];
    struct thread *self = sched_current();
    struct process *parent = self->proc;

    if (flags & ~CLONE_SUPPORTED)
        return -EINVAL;
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return -EINVAL;
    if ((flags & CLONE_THREAD) && (flags & CSIGNAL))
        return -EINVAL;
    /* init's siblings would have no parent to reap them (Linux: EINVAL too). */
    if ((flags & CLONE_PARENT) && parent == init_process)
        return -EINVAL;
    /* The base is loaded with wrmsr at every switch-in, which faults in the
     * kernel on a non-canonical address: refused as arch_prctl refuses it. */
    if ((flags & CLONE_SETTLS) && tls >= USER_TOP)
        return -EPERM;

    int tid = pid_alloc();
    if (tid < 0)
        return tid;
    struct trap_frame tf = *a->frame;
    tf.rax = 0; /* the child sees 0 */
    if (newsp)
        tf.rsp = newsp;
    void *fpu = fpu_alloc_initial();
    if (!fpu) {
        pid_free(tid);
        return -ENOMEM;
    }
    fpu_save(fpu); /* the parent's live registers: the child starts with the same state */

    int err = 0;
    struct process *p = parent;
    if (!(flags & CLONE_THREAD)) {
        p = clone_process(parent, flags, tid, &err);
        if (!p) {
            fpu_free(fpu);
            pid_free(tid);
            return err;
        }
    }
    struct thread *t = uthread_create(p, &tf, fpu, tid);
    if (!t) {
        fpu_free(fpu);
        if (p != parent)
            process_discard(p);
        pid_free(tid);
        return -ENOMEM;
    }
    t->sig_mask = self->sig_mask;
    t->nice = self->nice;
    t->fs_base = (flags & CLONE_SETTLS) ? tls : self->fs_base;
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_child_tid = uctid;
    /* Both TID stores land in the shared address space (CLONE_VM is required).
     * A bad pointer here is ignored, as Linux ignores it: the thread still starts. */
    if (flags & CLONE_PARENT_SETTID)
        (void)copy_to_user(uptid, &tid, sizeof tid);
    if (flags & CLONE_CHILD_SETTID)
        (void)copy_to_user(uctid, &tid, sizeof tid);

    struct vfork_done vfork = {.done = false};
    if (p != parent) {
        if (flags & CLONE_VFORK) {
            waitq_init(&vfork.wq);
            p->vfork_done = &vfork;
        }
        process_adopt(parent, p, flags & CLONE_PARENT);
    }
    kthread_start(t);

    if (p != parent && (flags & CLONE_VFORK))
        wait_for_vfork_child(p, &vfork);
    return tid;
}

int64_t sys_fork(const struct syscall_args *a)
{
    struct syscall_args b = {.arg = {SIGCHLD, 0, 0, 0, 0, 0}, .frame = a->frame};
    return sys_clone(&b);
}

int64_t sys_vfork(const struct syscall_args *a)
{
    struct syscall_args b = {.arg = {CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0}, .frame = a->frame};
    return sys_clone(&b);
}
