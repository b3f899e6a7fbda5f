/* Reading clocks: clock_gettime, clock_getres, gettimeofday, time. */
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <syscall/syscall.h>

#include "clockid.h"

int64_t sys_clock_gettime(const struct syscall_args *a)
{
    struct clock_ref c;
    uint64_t ns;
    int r = clock_resolve((int32_t)a->arg[0], &c);
    if (!r)
        r = clock_ref_read(&c, &ns);
    if (r)
        return r;
    struct k_timespec ts = ns_to_timespec(ns);
    return copy_to_user(a->arg[1], &ts, sizeof ts);
}

/* Every clock is read to the nanosecond (TSC-based, and CPU time is
 * accounted at each switch plus the running slice). */
int64_t sys_clock_getres(const struct syscall_args *a)
{
    struct clock_ref c;
    int r = clock_resolve((int32_t)a->arg[0], &c);
    if (r)
        return r;
    if (!a->arg[1])
        return 0;
    struct k_timespec res = {0, 1};
    return copy_to_user(a->arg[1], &res, sizeof res);
}

int64_t sys_gettimeofday(const struct syscall_args *a)
{
    if (a->arg[0]) {
        uint64_t ns = clock_realtime_ns();
        struct { int64_t tv_sec, tv_usec; } tv = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000)};
        if (copy_to_user(a->arg[0], &tv, sizeof tv))
            return -EFAULT;
    }
    if (a->arg[1]) {
        /* struct timezone: UTC, no DST (Linux's sys_tz until settimeofday sets it). */
        struct { int32_t tz_minuteswest, tz_dsttime; } tz = {0, 0};
        if (copy_to_user(a->arg[1], &tz, sizeof tz))
            return -EFAULT;
    }
    return 0;
}

int64_t sys_time(const struct syscall_args *a)
{
    int64_t now = (int64_t)(clock_realtime_ns() / NSEC_PER_SEC);
    if (a->arg[0] && copy_to_user(a->arg[0], &now, sizeof now))
        return -EFAULT;
    return now;
}
