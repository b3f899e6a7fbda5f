/* Sleeping: nanosleep and clock_nanosleep.
 *
 * Every sleep is a deadline on the monotonic clock.  An absolute REALTIME
 * or TAI time converts exactly, because nothing ever sets the wall clock
 * (it is the monotonic clock plus a constant, see clockid.c).  A handler
 * ends the sleep with EINTR (SA_RESTART does not restart sleeps, as on
 * Linux); a relative sleep then reports what was left.  A stop and
 * SIGCONT, or a signal without a handler, do not end it: a relative sleep
 * goes on to its first deadline through restart_syscall (the time stopped
 * counts), an absolute one simply runs again. */
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

#include "clockid.h"

#define TIMER_ABSTIME 1

static int64_t sleep_restart(const struct syscall_args *a);

/* Sleeps until deadline (monotonic ns).  When a signal interrupts it and
 * urem is not 0, writes the time left there; the call then continues from
 * the restart block if no handler runs. */
static int64_t sleep_until(const struct syscall_args *a, uint64_t deadline, uint64_t urem)
{
    if (sched_sleep_until_interruptible(deadline) != -EINTR)
        return 0;
    uint64_t now = clock_monotonic_ns();
    if (now >= deadline)
        return 0; /* the deadline passed as the signal came: Linux reports success too */
    if (urem) {
        struct k_timespec rem = ns_to_timespec(deadline - now);
        if (copy_to_user(urem, &rem, sizeof rem))
            return -EFAULT;
    }
    syscall_restart_block(a, sleep_restart, deadline, urem, 0);
    return -EINTR;
}

static int64_t sleep_restart(const struct syscall_args *a)
{
    const uint64_t *arg = sched_current()->restart.arg;
    return sleep_until(a, arg[0], arg[1]);
}

static uint64_t add_saturated(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Reads and checks the requested time: -EFAULT or -EINVAL, else 0. */
static int read_request(uint64_t ureq, uint64_t *ns)
{
    struct k_timespec req;
    if (copy_from_user(&req, ureq, sizeof req))
        return -EFAULT;
    if (!timespec_valid(&req))
        return -EINVAL;
    *ns = timespec_to_ns(&req);
    return 0;
}

int64_t sys_nanosleep(const struct syscall_args *a)
{
    uint64_t ns;
    int r = read_request(a->arg[0], &ns);
    if (r)
        return r;
    return sleep_until(a, add_saturated(clock_monotonic_ns(), ns), a->arg[1]);
}

int64_t sys_clock_nanosleep(const struct syscall_args *a)
{
    struct clock_ref c;
    int flags = (int)a->arg[1];
    uint64_t ns;
    int r = clock_resolve((int32_t)a->arg[0], &c);
    if (r)
        return r;
    /* Linux: a thread's CPU clock is EINVAL; clocks without a sleep
     * (RAW, COARSE) are EOPNOTSUPP, as is the process CPU clock here. */
    if (c.kind == CLOCK_KIND_THREAD_CPU)
        return -EINVAL;
    if (!c.sleepable)
        return -EOPNOTSUPP;
    r = read_request(a->arg[2], &ns);
    if (r)
        return r;
    if (!(flags & TIMER_ABSTIME))
        return sleep_until(a, add_saturated(clock_monotonic_ns(), ns), a->arg[3]);
    /* Absolute: the clock's time ns as a monotonic deadline.  The remaining
     * time is never written (Linux ignores rmtp for absolute sleeps). */
    uint64_t deadline = ns;
    if (c.kind == CLOCK_KIND_WALL) {
        uint64_t offset = clock_realtime_ns() - clock_monotonic_ns();
        deadline = ns > offset ? ns - offset : 0;
    }
    if (deadline <= clock_monotonic_ns())
        return 0;
    if (sched_sleep_until_interruptible(deadline) != -EINTR || clock_monotonic_ns() >= deadline)
        return 0;
    syscall_restart_nohand(a); /* runs again to the same time (Linux's ERESTARTNOHAND) */
    return -EINTR;
}
