/* sysinfo(2): uptime, memory and the number of threads. */
#include <kernel/clock.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/pmm.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

/* struct sysinfo as x86-64 Linux lays it out (112 bytes). */
struct k_sysinfo {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char reserved[4];
};
_Static_assert(sizeof(struct k_sysinfo) == 112, "struct sysinfo layout");

int64_t sys_sysinfo(const struct syscall_args *a)
{
    struct k_sysinfo si;
    struct pmm_stats ps;
    struct sched_stats ss;
    memset(&si, 0, sizeof si);
    pmm_get_stats(&ps);
    sched_get_stats(&ss);
    uint64_t up = clock_monotonic_ns();
    si.uptime = (int64_t)((up + NSEC_PER_SEC - 1) / NSEC_PER_SEC); /* rounded up, as Linux does */
    for (int k = 0; k < 3; k++)
        si.loads[k] = ss.loadavg[k] << (16 - 11); /* SI_LOAD_SHIFT from FSHIFT, as Linux */
    si.totalram = ps.total_pages * PAGE_SIZE;
    si.freeram = ps.free_pages * PAGE_SIZE;
    /* Linux counts every task, kernel threads included, saturated to 16 bits. */
    si.procs = (uint16_t)MIN(ss.threads, 0xffffull);
    si.mem_unit = 1;
    return copy_to_user(a->arg[0], &si, sizeof si);
}
