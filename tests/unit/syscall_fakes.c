/* Fakes for the time and misc system-call tests (see syscall_fakes.h). */
#include "syscall_fakes.h"

#include <fs/fdtable.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/log_ring.h>
#include <kernel/printk.h>
#include <kernel/power.h>
#include <kernel/random.h>
#include <kernel/uaccess.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <stdlib.h>
#include <string.h>

uint64_t fake_mono_ns = 5 * NSEC_PER_SEC + 123456789;
uint64_t fake_realtime_at_boot_ns = 1700000000ull * NSEC_PER_SEC;
uint64_t poison_start, poison_end;
struct process fake_proc;
struct thread fake_thread[2];
uint64_t fake_last_deadline;
int fake_sleeps;
uint64_t fake_signal_after_ns;
unsigned fake_fd_limit = 1024;
uint64_t fake_online_cpus;
unsigned fake_cpu;
int fake_machine_exit_code = -1, fake_machine_reboots;
jmp_buf *fake_machine_jmp;

void fakes_init(void)
{
    memset(&fake_proc, 0, sizeof fake_proc);
    fake_proc.pid = 100;
    fake_proc.start_ns = 42;
    strcpy(fake_proc.name, "prog");
    fake_proc.files = (struct fd_table *)&fake_fd_limit; /* only ever passed to the fakes below */
    list_init(&fake_proc.threads);
    rlimit_init_defaults(fake_proc.rlim);
    for (int i = 0; i < 2; i++) {
        memset(&fake_thread[i], 0, sizeof fake_thread[i]);
        fake_thread[i].tid = 100 + i;
        fake_thread[i].proc = &fake_proc;
        strcpy(fake_thread[i].name, "prog");
        list_add_tail(&fake_thread[i].proc_link, &fake_proc.threads);
    }
    fake_thread[0].state = THREAD_RUNNING;
    fake_thread[0].cpus_allowed = fake_thread[1].cpus_allowed = ~0ull;
    fake_online_cpus = 1;
    fake_cpu = 0;
    fake_thread[0].runtime_ns = 1000;
    fake_thread[0].switched_in = fake_mono_ns - 500; /* running for 500 ns */
    fake_thread[1].runtime_ns = 7000;
    fake_proc.nthreads = 2;
}

static bool user_ok(uint64_t a, size_t n)
{
    if (a < FAKE_USER_MIN || a >= FAKE_USER_TOP || n > FAKE_USER_TOP - a)
        return false;
    return !(n && a < poison_end && a + n > poison_start);
}

bool user_range_ok(uint64_t uaddr, size_t n)
{
    return uaddr < FAKE_USER_TOP && n <= FAKE_USER_TOP - uaddr;
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
    if (!user_ok(usrc, n))
        return -EFAULT;
    memcpy(dst, (const void *)(uintptr_t)usrc, n);
    return 0;
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
    if (!user_ok(udst, n))
        return -EFAULT;
    memcpy((void *)(uintptr_t)udst, src, n);
    return 0;
}

int64_t strncpy_from_user(char *dst, uint64_t usrc, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (copy_from_user(dst + i, usrc + i, 1))
            return -EFAULT;
        if (!dst[i])
            return (int64_t)i;
    }
    return -ENAMETOOLONG;
}

struct process *current_process(void) { return &fake_proc; }
struct thread *sched_current(void) { return &fake_thread[0]; }
uint64_t percpu_online_mask(void) { return fake_online_cpus; }
unsigned sched_this_cpu(void) { return fake_cpu; }

int sched_set_affinity(struct thread *t, uint64_t mask)
{
    if (!(mask & fake_online_cpus))
        return -EINVAL;
    t->cpus_allowed = mask & fake_online_cpus;
    return 0;
}
uint64_t clock_monotonic_ns(void) { return fake_mono_ns; }
uint64_t clock_realtime_ns(void) { return fake_realtime_at_boot_ns + fake_mono_ns; }
bool signal_pending(struct thread *t) { (void)t; return false; }
void sched_yield(void) {}

int sched_sleep_until_interruptible(uint64_t deadline)
{
    fake_sleeps++;
    fake_last_deadline = deadline;
    if (fake_signal_after_ns) {
        fake_mono_ns += fake_signal_after_ns;
        fake_signal_after_ns = 0;
        return -EINTR;
    }
    if (deadline > fake_mono_ns)
        fake_mono_ns = deadline;
    return 0;
}

void pmm_get_stats(struct pmm_stats *out)
{
    memset(out, 0, sizeof *out);
    out->total_pages = 4096;
    out->free_pages = 1000;
}

void sched_get_stats(struct sched_stats *out)
{
    *out = (struct sched_stats){.context_switches = 1, .preemptions = 0, .threads = 5};
}

void *kmalloc(size_t size) { return malloc(size); }

/* printk's console level, and its locked ring calls over the real ring
 * (kernel/lib/log_ring.c): the tests run on one thread. */
int fake_console_level = LOG_INFO;
void printk_set_level(int level) { fake_console_level = level; }
int printk_get_level(void) { return fake_console_level; }
void log_ring_bounds(uint64_t *first, uint64_t *end) { log_ring_bounds_unlocked(first, end); }
size_t log_ring_read(char *dst, size_t len, uint64_t *from, bool newest)
{
    return log_ring_read_unlocked(dst, len, from, newest);
}
void kfree(void *p) { free(p); }

unsigned fd_table_get_limit(struct fd_table *t) { return *(unsigned *)t; }
int fd_table_set_limit(struct fd_table *t, unsigned limit)
{
    if (limit > FD_LIMIT_MAX)
        return -EINVAL;
    *(unsigned *)t = limit;
    return 0;
}

void machine_exit(enum machine_exit_code code)
{
    fake_machine_exit_code = (int)code;
    longjmp(*fake_machine_jmp, 1);
}

void machine_reboot(void)
{
    fake_machine_reboots++;
    longjmp(*fake_machine_jmp, 1);
}

void random_hw_collect(void *buf, size_t n, const char **sources)
{
    memset(buf, 0x5a, n);
    *sources = "fake";
}

int64_t call6(int64_t (*fn)(const struct syscall_args *), uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
              uint64_t a4, uint64_t a5)
{
    struct syscall_args a = {{a0, a1, a2, a3, a4, a5}, NULL};
    return fn(&a);
}
