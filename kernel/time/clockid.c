/* Clock ids and the clocks behind them.
 *
 * There is one time base, the TSC (kernel/clock.h).  MONOTONIC, its RAW and
 * COARSE variants and BOOTTIME are all clock_monotonic_ns(): nothing slews
 * the clock (no NTP) and the VM never suspends.  REALTIME, REALTIME_COARSE
 * and TAI are the boot-time RTC reading plus that (nothing sets the clock,
 * and Linux's TAI offset is 0 until NTP sets it).
 *
 * CPU clocks: a thread's CPU time is its runtime_ns (added up by the
 * scheduler at every switch) plus, for the running thread, the time since
 * it was switched in.  A process's is the sum over its threads, ended ones included. */
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <proc/process.h>
#include <sched/sched.h>

#include "clockid.h"

/* Linux's encoding of CPU clock ids (include/linux/posix-timers.h): the
 * pid/tid is ~(id >> 3), bit 2 says per-thread, bits 0-1 pick PROF, VIRT or
 * SCHED (3 is a clock file descriptor, which nutshell does not have). */
#define CPUCLOCK_PID(id) ((int32_t) ~((id) >> 3))
#define CPUCLOCK_PERTHREAD(id) (((id) & 4) != 0)
#define CPUCLOCK_WHICH(id) ((id) & 3)
#define CPUCLOCK_FD 3

/* Runs under p->lock: true if p has a thread with this tid, and its CPU time. */
static bool find_thread_cpu_locked(struct process *p, int32_t tid, uint64_t *ns);

static int resolve_cpu_clock(int32_t id, struct clock_ref *out)
{
    struct process *self = current_process();
    int32_t pid = CPUCLOCK_PID(id);
    if (CPUCLOCK_WHICH(id) == CPUCLOCK_FD || !self)
        return -EINVAL;
    if (CPUCLOCK_PERTHREAD(id)) {
        out->kind = CLOCK_KIND_THREAD_CPU;
        out->process = self;
        out->tid = pid == (int32_t)sched_current()->tid ? 0 : pid;
        uint64_t ns;
        return clock_ref_read(out, &ns);
    }
    /* A process clock names the process by its pid; Linux also accepts the
     * caller's own tid for clock_gettime. */
    if (pid != 0 && pid != self->pid && pid != (int32_t)sched_current()->tid)
        return -EINVAL;
    out->kind = CLOCK_KIND_PROCESS_CPU;
    out->process = self;
    return 0;
}

int clock_resolve(int32_t id, struct clock_ref *out)
{
    *out = (struct clock_ref){0};
    switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_TAI:
        out->sleepable = true;
        /* fall through */
    case CLOCK_REALTIME_COARSE:
        out->kind = CLOCK_KIND_WALL;
        return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
        out->sleepable = true;
        /* fall through */
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
        out->kind = CLOCK_KIND_MONO;
        return 0;
    case CLOCK_PROCESS_CPUTIME_ID:
        return resolve_cpu_clock(-6, out); /* ~0 << 3 | SCHED: pid 0, process */
    case CLOCK_THREAD_CPUTIME_ID:
        return resolve_cpu_clock(-2, out); /* ~0 << 3 | PERTHREAD | SCHED: tid 0 */
    default:
        return id < 0 ? resolve_cpu_clock(id, out) : -EINVAL;
    }
}

/* runtime_ns changes only at context switches (under the CPU's run queue lock), where the
 * switched-out thread's slice is added; an aligned 64-bit load sees either
 * value whole.  The running thread's current slice is added here. */
uint64_t thread_cpu_ns(struct thread *t)
{
    /* Read without sched_lock: a thread running on another CPU may be
     * switched out meanwhile, and the sum be off by that moment. */
    uint64_t ns = __atomic_load_n(&t->runtime_ns, __ATOMIC_RELAXED);
    if (__atomic_load_n(&t->state, __ATOMIC_RELAXED) == THREAD_RUNNING)
        ns += clock_monotonic_ns() - __atomic_load_n(&t->switched_in, __ATOMIC_RELAXED);
    return ns;
}

static bool find_thread_cpu_locked(struct process *p, int32_t tid, uint64_t *ns)
{
    list_for_each(pos, &p->threads) {
        struct thread *t = list_entry(pos, struct thread, proc_link);
        if ((int32_t)t->tid == tid) {
            *ns = thread_cpu_ns(t);
            return true;
        }
    }
    return false;
}

/* The live threads plus those that have ended. */
static uint64_t process_cpu_ns(struct process *p)
{
    uint64_t sum = p->exited_threads_ns;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    list_for_each(pos, &p->threads)
        sum += thread_cpu_ns(list_entry(pos, struct thread, proc_link));
    spin_unlock_irqrestore(&p->lock, flags);
    return sum;
}

int clock_ref_read(const struct clock_ref *c, uint64_t *ns)
{
    switch (c->kind) {
    case CLOCK_KIND_WALL:
        *ns = clock_realtime_ns();
        return 0;
    case CLOCK_KIND_MONO:
        *ns = clock_monotonic_ns();
        return 0;
    case CLOCK_KIND_PROCESS_CPU:
        *ns = process_cpu_ns(c->process);
        return 0;
    case CLOCK_KIND_THREAD_CPU:
        if (c->tid == 0) {
            *ns = thread_cpu_ns(sched_current());
            return 0;
        } else {
            /* Another thread is looked up each time, under the lock that
             * keeps it on the list: it may have exited since. */
            uint64_t flags = spin_lock_irqsave(&c->process->lock);
            bool found = find_thread_cpu_locked(c->process, c->tid, ns);
            spin_unlock_irqrestore(&c->process->lock, flags);
            return found ? 0 : -EINVAL;
        }
    }
    return -EINVAL;
}

bool timespec_valid(const struct k_timespec *t)
{
    return t->tv_sec >= 0 && t->tv_nsec >= 0 && t->tv_nsec < (int64_t)NSEC_PER_SEC;
}

uint64_t timespec_to_ns(const struct k_timespec *t)
{
    if ((uint64_t)t->tv_sec >= UINT64_MAX / NSEC_PER_SEC)
        return UINT64_MAX;
    return (uint64_t)t->tv_sec * NSEC_PER_SEC + (uint64_t)t->tv_nsec;
}

struct k_timespec ns_to_timespec(uint64_t ns)
{
    return (struct k_timespec){(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
}
