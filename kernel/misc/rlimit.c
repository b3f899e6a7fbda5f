/* Per-process resource limits: struct process's rlim[], under p->lock,
 * inherited by clone and kept across exec.
 *
 * RLIMIT_NOFILE's soft limit is the one exception: it lives in the fd table
 * (fs/fdtable.h), which enforces it and which a child's copy inherits, so
 * it is read from and written to there.  Its hard limit stays here. */
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <fs/fdtable.h>
#include <misc/rlimit.h>
#include <proc/process.h>

#define INF RLIM_INFINITY
#define MIB (1024ull * 1024ull)

/* What a Linux 6.1 process started by a plain init sees (INIT_RLIMITS;
 * NPROC and SIGPENDING scale with memory there, a fixed number here). */
static const struct k_rlimit defaults[RLIM_NLIMITS] = {
    [RLIMIT_CPU] = {INF, INF},          [RLIMIT_FSIZE] = {INF, INF},
    [RLIMIT_DATA] = {INF, INF},         [RLIMIT_STACK] = {8 * MIB, INF},
    [RLIMIT_CORE] = {0, INF},           [RLIMIT_RSS] = {INF, INF},
    [RLIMIT_NPROC] = {16384, 16384},    [RLIMIT_NOFILE] = {1024, 4096},
    [RLIMIT_MEMLOCK] = {8 * MIB, 8 * MIB}, [RLIMIT_AS] = {INF, INF},
    [RLIMIT_LOCKS] = {INF, INF},        [RLIMIT_SIGPENDING] = {16384, 16384},
    [RLIMIT_MSGQUEUE] = {819200, 819200}, [RLIMIT_NICE] = {0, 0},
    [RLIMIT_RTPRIO] = {0, 0},           [RLIMIT_RTTIME] = {INF, INF},
};

_Static_assert(RLIMIT_NOFILE_CEILING == FD_LIMIT_MAX, "the fd table accepts every NOFILE limit setrlimit does");

void rlimit_init_defaults(struct k_rlimit lim[RLIM_NLIMITS])
{
    memcpy(lim, defaults, sizeof defaults);
}

uint64_t rlimit_cur(struct process *p, int resource)
{
    struct k_rlimit r;
    if (rlimit_get(p, (unsigned)resource, &r))
        return 0;
    return r.cur;
}

int rlimit_get(struct process *p, unsigned resource, struct k_rlimit *out)
{
    if (resource >= RLIM_NLIMITS)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    *out = p->rlim[resource];
    spin_unlock_irqrestore(&p->lock, flags);
    if (resource == RLIMIT_NOFILE && p->files)
        out->cur = fd_table_get_limit(p->files);
    return 0;
}

int rlimit_set(struct process *p, unsigned resource, const struct k_rlimit *new, struct k_rlimit *old)
{
    if (resource >= RLIM_NLIMITS || new->cur > new->max)
        return -EINVAL;
    /* Raising a hard limit needs CAP_SYS_RESOURCE, which every nutshell
     * process has (uid 0); NOFILE is still capped as on Linux. */
    if (resource == RLIMIT_NOFILE && new->max > RLIMIT_NOFILE_CEILING)
        return -EPERM;
    if (old)
        rlimit_get(p, resource, old);
    uint64_t flags = spin_lock_irqsave(&p->lock);
    p->rlim[resource] = *new;
    spin_unlock_irqrestore(&p->lock, flags);
    if (resource == RLIMIT_NOFILE && p->files)
        /* Cannot fail: cur <= max <= RLIMIT_NOFILE_CEILING == FD_LIMIT_MAX. */
        fd_table_set_limit(p->files, (unsigned)new->cur);
    return 0;
}
