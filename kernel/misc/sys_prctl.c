/* Process attributes: prctl(PR_SET_NAME / PR_GET_NAME,
 * PR_SET_CHILD_SUBREAPER / PR_GET_CHILD_SUBREAPER, PR_SET_PDEATHSIG /
 * PR_GET_PDEATHSIG) and personality.
 *
 * The parent-death signal goes to the process when the parent's thread
 * that made it ends (proc/process.c, process_thread_left_locked).  Linux
 * keeps it per thread; here it is the process's (docs/syscalls.md).
 *
 * PR_SET_NAME names the calling thread, as on Linux (the name is what
 * /proc/<tid>/comm shows there, and what nutshell's diagnostics print);
 * when the caller is the main thread (tid == pid) the process's name
 * changes with it, as Linux's /proc/<pid>/comm does. */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <proc/process.h>
#include <proc/signal.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define TASK_COMM_LEN 16

#define PER_LINUX 0
#define PER_QUERY 0xffffffffu

static int64_t set_name(uint64_t uname)
{
    char comm[TASK_COMM_LEN] = {0};
    /* At most 15 bytes are read; a longer name is cut (not an error). */
    if (strncpy_from_user(comm, uname, TASK_COMM_LEN - 1) == -EFAULT)
        return -EFAULT;
    comm[TASK_COMM_LEN - 1] = '\0';
    struct thread *t = sched_current();
    struct process *p = current_process();
    /* p->lock keeps a reader of the process name (a diagnostic on another
     * thread) from seeing half of it; only the thread itself writes t->name. */
    uint64_t flags = p ? spin_lock_irqsave(&p->lock) : 0;
    memset(t->name, 0, sizeof t->name);
    memcpy(t->name, comm, MIN(sizeof t->name - 1, sizeof comm));
    if (p && (int)t->tid == p->pid)
        memcpy(p->name, comm, MIN(sizeof p->name, sizeof comm));
    if (p)
        spin_unlock_irqrestore(&p->lock, flags);
    return 0;
}

static int64_t get_name(uint64_t udst)
{
    char comm[TASK_COMM_LEN] = {0};
    const char *name = sched_current()->name;
    memcpy(comm, name, strnlen(name, TASK_COMM_LEN - 1));
    return copy_to_user(udst, comm, sizeof comm);
}

/* A child subreaper adopts its descendants' orphans instead of init
 * (proc/process.c); the flag is the process's, kept across exec, not inherited. */
static int64_t get_child_subreaper(uint64_t udst)
{
    int is = __atomic_load_n(&current_process()->child_subreaper, __ATOMIC_RELAXED);
    return copy_to_user(udst, &is, sizeof is) ? -EFAULT : 0;
}

static int64_t set_pdeathsig(uint64_t sig)
{
    if (sig > NSIG) /* 0 clears it */
        return -EINVAL;
    __atomic_store_n(&current_process()->pdeath_signal, (int)sig, __ATOMIC_RELAXED);
    return 0;
}

static int64_t get_pdeathsig(uint64_t udst)
{
    int sig = __atomic_load_n(&current_process()->pdeath_signal, __ATOMIC_RELAXED);
    return copy_to_user(udst, &sig, sizeof sig) ? -EFAULT : 0;
}

int64_t sys_prctl(const struct syscall_args *a)
{
    switch ((int)a->arg[0]) {
    case PR_SET_PDEATHSIG: return set_pdeathsig(a->arg[1]);
    case PR_GET_PDEATHSIG: return get_pdeathsig(a->arg[1]);
    case PR_SET_NAME: return set_name(a->arg[1]);
    case PR_GET_NAME: return get_name(a->arg[1]);
    case PR_SET_CHILD_SUBREAPER:
        __atomic_store_n(&current_process()->child_subreaper, a->arg[1] != 0, __ATOMIC_RELAXED);
        return 0;
    case PR_GET_CHILD_SUBREAPER: return get_child_subreaper(a->arg[1]);
    default: return -EINVAL;
    }
}

/* Only the Linux personality exists: querying it, or setting it to what
 * it is, succeeds and returns it. */
int64_t sys_personality(const struct syscall_args *a)
{
    uint32_t persona = (uint32_t)a->arg[0];
    if (persona != PER_QUERY && persona != PER_LINUX)
        return -EINVAL;
    return PER_LINUX;
}
