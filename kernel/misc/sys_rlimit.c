/* getrlimit, setrlimit and prlimit64 over misc/rlimit.h. */
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <misc/rlimit.h>
#include <proc/process.h>
#include <syscall/syscall.h>

int64_t sys_getrlimit(const struct syscall_args *a)
{
    struct k_rlimit r;
    struct process *p = current_process();
    if (!p)
        return -ESRCH;
    int err = rlimit_get(p, (unsigned)a->arg[0], &r);
    if (err)
        return err;
    return copy_to_user(a->arg[1], &r, sizeof r);
}

int64_t sys_setrlimit(const struct syscall_args *a)
{
    struct k_rlimit r;
    struct process *p = current_process();
    if (!p)
        return -ESRCH;
    if (copy_from_user(&r, a->arg[1], sizeof r))
        return -EFAULT;
    return rlimit_set(p, (unsigned)a->arg[0], &r, NULL);
}

/* The process pid names: the caller for 0, its own pid or one of its
 * threads' tids; NULL otherwise (there is no way to reach other processes'
 * limits yet). */
static struct process *target(int32_t pid)
{
    struct process *p = current_process();
    if (!p || pid == 0 || pid == p->pid)
        return p;
    bool mine = false;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    list_for_each(pos, &p->threads)
        if ((int32_t)list_entry(pos, struct thread, proc_link)->tid == pid)
            mine = true;
    spin_unlock_irqrestore(&p->lock, flags);
    return mine ? p : NULL;
}

/* Linux's order: read the new limit (EFAULT), find the process (ESRCH),
 * check and set (EINVAL, EPERM), then write the old one (EFAULT, even
 * though the new limit is already in force). */
int64_t sys_prlimit64(const struct syscall_args *a)
{
    struct k_rlimit new, old;
    uint64_t unew = a->arg[2], uold = a->arg[3];
    unsigned resource = (unsigned)a->arg[1];
    if (unew && copy_from_user(&new, unew, sizeof new))
        return -EFAULT;
    struct process *p = target((int32_t)a->arg[0]);
    if (!p)
        return -ESRCH;
    int err = unew ? rlimit_set(p, resource, &new, &old) : rlimit_get(p, resource, &old);
    if (err)
        return err;
    if (uold && copy_to_user(uold, &old, sizeof old))
        return -EFAULT;
    return 0;
}
