/* The CPU a thread may run on and does run on: sched_getaffinity,
 * sched_setaffinity, getcpu, and sched_yield.  nutshell runs one CPU
 * (number 0, NUMA node 0), so every affinity mask is {0}. */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <proc/process.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

#define NR_CPUS_ONLINE 1
/* Linux's cpumask_size() for one CPU: the mask rounded up to a long. */
#define CPUMASK_SIZE 8

/* True if pid (0: the caller) is a thread of the calling process.  Threads
 * of other processes cannot be looked up yet: they are reported as absent. */
static bool is_own_thread(int32_t pid)
{
    struct process *p = current_process();
    if (pid == 0 || pid == (int32_t)sched_current()->tid)
        return true;
    if (!p)
        return false;
    bool found = false;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    list_for_each(pos, &p->threads)
        if ((int32_t)list_entry(pos, struct thread, proc_link)->tid == pid)
            found = true;
    spin_unlock_irqrestore(&p->lock, flags);
    return found;
}

int64_t sys_sched_getaffinity(const struct syscall_args *a)
{
    unsigned len = (unsigned)a->arg[1];
    if ((uint64_t)len * 8 < NR_CPUS_ONLINE || (len & (sizeof(long) - 1)))
        return -EINVAL;
    if (!is_own_thread((int32_t)a->arg[0]))
        return -ESRCH;
    uint64_t mask = 1; /* CPU 0 */
    unsigned n = MIN(len, CPUMASK_SIZE);
    if (copy_to_user(a->arg[2], &mask, n))
        return -EFAULT;
    return n;
}

/* A mask shorter than Linux's cpumask is zero-extended, a longer one
 * truncated; it must contain an online CPU, i.e. CPU 0. */
int64_t sys_sched_setaffinity(const struct syscall_args *a)
{
    unsigned len = (unsigned)a->arg[1];
    uint64_t mask = 0;
    if (copy_from_user(&mask, a->arg[2], MIN(len, CPUMASK_SIZE)))
        return -EFAULT;
    if (!is_own_thread((int32_t)a->arg[0]))
        return -ESRCH;
    return (mask & 1) ? 0 : -EINVAL;
}

int64_t sys_getcpu(const struct syscall_args *a)
{
    uint32_t zero = 0;
    for (int i = 0; i < 2; i++) /* cpu, node; the third argument is unused since Linux 2.6.24 */
        if (a->arg[i] && copy_to_user(a->arg[i], &zero, sizeof zero))
            return -EFAULT;
    return 0;
}

int64_t sys_sched_yield(const struct syscall_args *a)
{
    (void)a;
    sched_yield();
    return 0;
}
