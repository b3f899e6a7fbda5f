/* Per-process resource limits.
 *
 * struct process has no field for them yet, so they live in a side table
 * here, keyed by the process and checked against its pid and creation
 * time (a process struct may be reused for a new process): a process that
 * never called setrlimit has no entry and sees the defaults.  Entries are
 * kept per process struct, so their number is bounded by the most
 * processes alive at once that changed a limit.  Until the table moves into
 * struct process (issue 4), children start with the defaults instead of
 * inheriting their parent's limits; docs/syscalls.md says so.
 *
 * RLIMIT_NOFILE's soft limit is the one exception: it lives in the fd table
 * (fs/fdtable.h), which enforces it and which a child's copy inherits, so
 * it is read from and written to there.  Its hard limit stays here.
 *
 * rlimit_lock protects the entry list and every entry's limits. */
#include <kernel/errno.h>
#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <fs/fdtable.h>
#include <misc/rlimit.h>
#include <mm/slab.h>
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

struct rlimit_entry {
    struct list_head link;
    struct process *proc;
    int pid;
    uint64_t start_ns;
    struct k_rlimit lim[RLIM_NLIMITS];
};

_Static_assert(RLIMIT_NOFILE_CEILING == FD_LIMIT_MAX, "the fd table accepts every NOFILE limit setrlimit does");

static spinlock_t rlimit_lock = SPINLOCK_INIT;
static struct list_head entries = LIST_HEAD_INIT(entries);

/* p's entry, or NULL.  An entry left by an earlier process at the same
 * address is reset to the defaults and taken over.  Caller holds rlimit_lock. */
static struct rlimit_entry *find_locked(struct process *p)
{
    list_for_each(pos, &entries) {
        struct rlimit_entry *e = list_entry(pos, struct rlimit_entry, link);
        if (e->proc != p)
            continue;
        if (e->pid != p->pid || e->start_ns != p->start_ns) {
            e->pid = p->pid;
            e->start_ns = p->start_ns;
            memcpy(e->lim, defaults, sizeof defaults);
        }
        return e;
    }
    return NULL;
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
    uint64_t flags = spin_lock_irqsave(&rlimit_lock);
    struct rlimit_entry *e = find_locked(p);
    *out = e ? e->lim[resource] : defaults[resource];
    spin_unlock_irqrestore(&rlimit_lock, flags);
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
    struct k_rlimit prev;
    if (old && resource == RLIMIT_NOFILE)
        rlimit_get(p, resource, &prev);
    /* Allocated before taking the lock, in case p has no entry yet. */
    struct rlimit_entry *fresh = kmalloc(sizeof *fresh);
    uint64_t flags = spin_lock_irqsave(&rlimit_lock);
    struct rlimit_entry *e = find_locked(p);
    if (!e && fresh) {
        e = fresh;
        fresh = NULL;
        e->proc = p;
        e->pid = p->pid;
        e->start_ns = p->start_ns;
        memcpy(e->lim, defaults, sizeof defaults);
        list_add_tail(&e->link, &entries);
    }
    if (e) {
        if (old)
            *old = e->lim[resource];
        e->lim[resource] = *new;
    }
    spin_unlock_irqrestore(&rlimit_lock, flags);
    kfree(fresh);
    if (!e)
        return -ENOMEM;
    if (resource == RLIMIT_NOFILE && p->files) {
        if (old)
            *old = prev;
        /* Cannot fail: cur <= max <= RLIMIT_NOFILE_CEILING == FD_LIMIT_MAX. */
        fd_table_set_limit(p->files, (unsigned)new->cur);
    }
    return 0;
}
