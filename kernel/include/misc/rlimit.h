/* Resource limits (getrlimit/setrlimit/prlimit64), one table per process.
 *
 * Limits are kept and reported with Linux's defaults and checks; the
 * kernel enforces RLIMIT_NOFILE (its soft limit is the fd table's limit,
 * fs/fdtable.h).  The others are recorded only (a subsystem may start
 * enforcing one with rlimit_cur()); docs/syscalls.md says so. */
#ifndef MISC_RLIMIT_H
#define MISC_RLIMIT_H

#include <kernel/types.h>

#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_LOCKS 10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14
#define RLIMIT_RTTIME 15
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ull)
/* The largest RLIMIT_NOFILE hard limit (Linux's fs.nr_open, 1048576 by
 * default there; the fd table's FD_LIMIT_MAX here). */
#define RLIMIT_NOFILE_CEILING 65536

/* struct rlimit / struct rlimit64 as x86-64 Linux lays them out (the same). */
struct k_rlimit {
    uint64_t cur, max;
};

struct process;

/* The soft limit of resource for p (RLIM_INFINITY when unlimited).
 * resource must be below RLIM_NLIMITS. */
/* Fills lim with the limits a process started by init gets. */
void rlimit_init_defaults(struct k_rlimit lim[RLIM_NLIMITS]);
uint64_t rlimit_cur(struct process *p, int resource);
/* Reads p's limit; -EINVAL for a resource that does not exist. */
int rlimit_get(struct process *p, unsigned resource, struct k_rlimit *out);
/* Sets p's limit, storing the previous one in *old when old is not NULL.
 * -EINVAL (no such resource, cur above max), -EPERM (NOFILE above
 * RLIMIT_NOFILE_CEILING), -ENOMEM. */
int rlimit_set(struct process *p, unsigned resource, const struct k_rlimit *new, struct k_rlimit *old);

#endif
