/* The CPU a thread may run on and does run on: sched_getaffinity,
 * sched_setaffinity, getcpu, and sched_yield.  CPUs are numbered 0 up in the
 * order they started (CPU 0 booted the machine); there is one NUMA node. */
#include <arch/percpu.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <proc/process.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

/* Linux's cpumask_size() for up to 64 CPUs: the mask rounded up to a long. */
#define CPUMASK_SIZE 8

/* The thread pid names (0: the caller) if it belongs to the calling process,
 * with p->lock held (*flags) unless it is the caller; NULL otherwise.
 * Threads of other processes cannot be looked up yet: they are reported as
 * absent. */
static struct thread *own_thread_lock(int32_t pid, uint64_t *flags, bool *locked)
{
    struct thread *self = sched_current();
    struct process *p = current_process();
    *locked = false;
    if (pid == 0 || pid == (int32_t)self->tid)
        return self;
    if (!p)
        return NULL;
    *flags = spin_lock_irqsave(&p->lock);
    list_for_each(pos, &p->threads) {
        struct thread *t = list_entry(pos, struct thread, proc_link);
        if ((int32_t)t->tid == pid) {
            *locked = true;
            return t;
        }
    }
    spin_unlock_irqrestore(&p->lock, *flags);
    return NULL;
}

static void own_thread_unlock(bool locked, uint64_t flags)
{
    if (locked)
        spin_unlock_irqrestore(&current_process()->lock, flags);
}

/* The highest online CPU's number plus one: what the mask must hold. */
static unsigned cpu_ids(void)
{
    return 64 - (unsigned)__builtin_clzll(percpu_online_mask());
}

int64_t sys_sched_getaffinity(const struct syscall_args *a)
{
    unsigned len = (unsigned)a->arg[1];
    if ((uint64_t)len * 8 < cpu_ids() || (len & (sizeof(long) - 1)))
        return -EINVAL;
    uint64_t flags;
    bool locked;
    struct thread *t = own_thread_lock((int32_t)a->arg[0], &flags, &locked);
    if (!t)
        return -ESRCH;
    uint64_t mask = __atomic_load_n(&t->cpus_allowed, __ATOMIC_RELAXED) & percpu_online_mask();
    own_thread_unlock(locked, flags);
    unsigned n = MIN(len, CPUMASK_SIZE);
    if (copy_to_user(a->arg[2], &mask, n))
        return -EFAULT;
    return n;
}

/* A mask shorter than Linux's cpumask is zero-extended, a longer one
 * truncated (CPUs above 63 do not exist); it must contain an online CPU. */
int64_t sys_sched_setaffinity(const struct syscall_args *a)
{
    unsigned len = (unsigned)a->arg[1];
    uint64_t mask = 0;
    if (copy_from_user(&mask, a->arg[2], MIN(len, CPUMASK_SIZE)))
        return -EFAULT;
    uint64_t flags;
    bool locked;
    struct thread *t = own_thread_lock((int32_t)a->arg[0], &flags, &locked);
    if (!t)
        return -ESRCH;
    /* Another thread is kept alive by p->lock (it cannot leave p->threads);
     * the caller moves (sleeps) only with no lock held. */
    int r = sched_set_affinity(t, mask);
    own_thread_unlock(locked, flags);
    return r;
}

int64_t sys_getcpu(const struct syscall_args *a)
{
    uint32_t where[2] = {sched_this_cpu(), 0}; /* cpu, node; the third argument is unused since Linux 2.6.24 */
    for (int i = 0; i < 2; i++)
        if (a->arg[i] && copy_to_user(a->arg[i], &where[i], sizeof where[i]))
            return -EFAULT;
    return 0;
}

int64_t sys_sched_yield(const struct syscall_args *a)
{
    (void)a;
    sched_yield();
    return 0;
}
