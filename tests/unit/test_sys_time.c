/* The time system calls (kernel/time/) on the host, over the fakes of
 * syscall_fakes.h: clock ids (including encoded CPU clocks), values,
 * errors, and how sleeps compute deadlines and remaining time. */
#include "syscall_fakes.h"
#include "unit.h"

#include <kernel/clock.h>
#include <kernel/errno.h>
#include <string.h>

struct ts { int64_t sec, nsec; };
static int64_t ts_ns(struct ts t) { return t.sec * 1000000000ll + t.nsec; }

/* Linux's encoding: ~pid << 3 | per-thread (4) | SCHED (2). */
static int32_t thread_clock(int32_t tid) { return (int32_t)((unsigned)~tid << 3) | 4 | 2; }
static int32_t process_clock(int32_t pid) { return (int32_t)((unsigned)~pid << 3) | 2; }

static void test_clock_values(void)
{
    fakes_init();
    struct ts t;
    CHECK_EQ(CALL(sys_clock_gettime, 1, U(&t)), 0);
    CHECK_EQ(ts_ns(t), (int64_t)fake_mono_ns);
    for (int id = 4; id <= 7; id++) { /* RAW, REALTIME_COARSE, MONOTONIC_COARSE, BOOTTIME */
        CHECK_EQ(CALL(sys_clock_gettime, id, U(&t)), 0);
        CHECK_EQ(ts_ns(t), (int64_t)(id == 5 ? fake_realtime_at_boot_ns + fake_mono_ns : fake_mono_ns));
    }
    CHECK_EQ(CALL(sys_clock_gettime, 0, U(&t)), 0);
    CHECK_EQ(ts_ns(t), (int64_t)(fake_realtime_at_boot_ns + fake_mono_ns));
    CHECK(t.nsec >= 0 && t.nsec < 1000000000);
    CHECK_EQ(CALL(sys_clock_gettime, 11, U(&t)), 0); /* TAI = REALTIME */
    CHECK_EQ(ts_ns(t), (int64_t)(fake_realtime_at_boot_ns + fake_mono_ns));
}

static void test_cpu_clocks(void)
{
    fakes_init();
    struct ts t;
    /* The running thread: accounted time plus the current slice. */
    CHECK_EQ(CALL(sys_clock_gettime, 3, U(&t)), 0);
    CHECK_EQ(ts_ns(t), 1500);
    CHECK_EQ(CALL(sys_clock_gettime, 2, U(&t)), 0);
    CHECK_EQ(ts_ns(t), 8500);
    CHECK_EQ(CALL(sys_clock_gettime, thread_clock(101), U(&t)), 0);
    CHECK_EQ(ts_ns(t), 7000);
    CHECK_EQ(CALL(sys_clock_gettime, thread_clock(100), U(&t)), 0);
    CHECK_EQ(ts_ns(t), 1500);
    CHECK_EQ(CALL(sys_clock_gettime, process_clock(100), U(&t)), 0);
    CHECK_EQ(ts_ns(t), 8500);
    CHECK_EQ(CALL(sys_clock_gettime, thread_clock(555), U(&t)), -EINVAL);
    CHECK_EQ(CALL(sys_clock_gettime, process_clock(7), U(&t)), -EINVAL);
    CHECK_EQ(CALL(sys_clock_gettime, (int32_t)((unsigned)~0 << 3) | 3, U(&t)), -EINVAL); /* clock fd */
    CHECK_EQ(CALL(sys_clock_getres, thread_clock(555), U(&t)), -EINVAL);
}

static void test_clock_errors(void)
{
    fakes_init();
    struct ts t = {-5, -5};
    int bad_ids[] = {8, 9, 10, 12, 16, 12345};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        CHECK_EQ(CALL(sys_clock_gettime, bad_ids[i], U(&t)), -EINVAL);
        CHECK_EQ(CALL(sys_clock_getres, bad_ids[i], U(&t)), -EINVAL);
    }
    CHECK_EQ(t.sec, -5);
    uint64_t bad[] = {0, BAD_LOW, BAD_KERNEL};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(CALL(sys_clock_gettime, 1, bad[i]), -EFAULT);
        CHECK_EQ(CALL(sys_clock_getres, 1, bad[i] ? bad[i] : BAD_LOW), -EFAULT);
        CHECK_EQ(CALL(sys_gettimeofday, bad[i] ? bad[i] : BAD_LOW, 0), -EFAULT);
        CHECK_EQ(CALL(sys_time, bad[i] ? bad[i] : BAD_LOW), -EFAULT);
    }
    /* The upper 32 bits of a clock id are not part of it (clockid_t is an int). */
    CHECK_EQ(CALL(sys_clock_gettime, (1ull << 32) | 1, U(&t)), 0);
}

static void test_getres(void)
{
    fakes_init();
    for (int id = 0; id <= 7; id++) {
        struct ts r = {-1, -1};
        CHECK_EQ(CALL(sys_clock_getres, id, U(&r)), 0);
        CHECK(r.sec == 0 && r.nsec == 1);
        CHECK_EQ(CALL(sys_clock_getres, id, 0), 0);
    }
}

static void test_gettimeofday_and_time(void)
{
    fakes_init();
    struct { int64_t sec, usec; } tv;
    struct { int32_t west, dst; } tz = {99, 99};
    CHECK_EQ(CALL(sys_gettimeofday, U(&tv), U(&tz)), 0);
    uint64_t now = fake_realtime_at_boot_ns + fake_mono_ns;
    CHECK_EQ(tv.sec, (int64_t)(now / NSEC_PER_SEC));
    CHECK_EQ(tv.usec, (int64_t)(now % NSEC_PER_SEC / 1000));
    CHECK(tz.west == 0 && tz.dst == 0);
    CHECK_EQ(CALL(sys_gettimeofday, 0, 0), 0);
    CHECK_EQ(CALL(sys_gettimeofday, U(&tv), BAD_LOW), -EFAULT);
    int64_t t = 0;
    CHECK_EQ(CALL(sys_time, 0), (int64_t)(now / NSEC_PER_SEC));
    CHECK_EQ(CALL(sys_time, U(&t)), (int64_t)(now / NSEC_PER_SEC));
    CHECK_EQ(t, (int64_t)(now / NSEC_PER_SEC));
}

static void test_nanosleep(void)
{
    fakes_init();
    uint64_t start = fake_mono_ns;
    struct ts req = {1, 500}, rem = {-1, -1};
    CHECK_EQ(CALL(sys_nanosleep, U(&req), U(&rem)), 0);
    CHECK_EQ(fake_last_deadline, start + NSEC_PER_SEC + 500);
    CHECK_EQ(rem.sec, -1); /* untouched when not interrupted */
    struct ts bad[] = {{0, 1000000000}, {-1, 0}, {0, -1}};
    for (int i = 0; i < 3; i++)
        CHECK_EQ(CALL(sys_nanosleep, U(&bad[i]), 0), -EINVAL);
    CHECK_EQ(CALL(sys_nanosleep, BAD_LOW, 0), -EFAULT);
    CHECK_EQ(CALL(sys_nanosleep, BAD_KERNEL, 0), -EFAULT);
    /* A huge request saturates instead of wrapping into the past. */
    struct ts huge = {INT64_MAX, 999999999};
    CHECK_EQ(CALL(sys_nanosleep, U(&huge), 0), 0);
    CHECK_EQ(fake_last_deadline, UINT64_MAX);
}

static void test_nanosleep_interrupted(void)
{
    fakes_init();
    struct ts req = {2, 0}, rem = {-1, -1};
    fake_signal_after_ns = 300000000;
    CHECK_EQ(CALL(sys_nanosleep, U(&req), U(&rem)), -EINTR);
    CHECK_EQ(ts_ns(rem), 1700000000);
    fake_signal_after_ns = 1;
    CHECK_EQ(CALL(sys_nanosleep, U(&req), 0), -EINTR); /* no rem: fine */
    fake_signal_after_ns = 1;
    CHECK_EQ(CALL(sys_nanosleep, U(&req), BAD_LOW), -EFAULT);
    /* A signal that comes when the time is already up is not an interruption. */
    struct ts tiny = {0, 10};
    fake_signal_after_ns = 20;
    CHECK_EQ(CALL(sys_nanosleep, U(&tiny), U(&rem)), 0);
}

/* Interrupted with a frame (a real call): a relative sleep leaves its
 * deadline in the restart block, and restart_syscall sleeps on to it (not
 * the whole time again); an absolute one runs again as it was
 * (ERESTARTNOHAND).  restart_syscall with nothing to restart is EINTR. */
static void test_sleep_restart(void)
{
    fakes_init();
    struct trap_frame tf = {.error_code = 35};
    struct ts req = {2, 0};
    uint64_t deadline = fake_mono_ns + 2 * NSEC_PER_SEC;
    fake_signal_after_ns = 300000000;
    struct syscall_args a = {{U(&req), 0}, &tf};
    CHECK_EQ(sys_nanosleep(&a), -EINTR);
    CHECK_EQ(tf.error_code, SYSCALL_RESTART_BLOCK);
    struct syscall_args again = {{0}, &tf};
    CHECK_EQ(sys_restart_syscall(&again), 0);
    CHECK_EQ(fake_last_deadline, deadline);
    CHECK_EQ(sys_restart_syscall(&again), -EINTR);
    tf.error_code = 230;
    struct ts later = {(int64_t)(fake_mono_ns / NSEC_PER_SEC) + 10, 0};
    fake_signal_after_ns = 1000;
    struct syscall_args abs = {{1, 1, U(&later), 0}, &tf};
    CHECK_EQ(sys_clock_nanosleep(&abs), -EINTR);
    CHECK_EQ(tf.error_code, 230 | SYSCALL_RESTART_NOHAND);
}

static void test_clock_nanosleep(void)
{
    fakes_init();
    struct ts rel = {0, 1000}, rem = {-1, -1};
    uint64_t start = fake_mono_ns;
    CHECK_EQ(CALL(sys_clock_nanosleep, 1, 0, U(&rel), U(&rem)), 0);
    CHECK_EQ(fake_last_deadline, start + 1000);
    CHECK_EQ(CALL(sys_clock_nanosleep, 7, 0, U(&rel), 0), 0);
    /* Absolute on MONOTONIC: the deadline is the time itself. */
    struct ts abs = {100, 0};
    CHECK_EQ(CALL(sys_clock_nanosleep, 1, 1, U(&abs), 0), 0);
    CHECK_EQ(fake_last_deadline, 100 * NSEC_PER_SEC);
    /* Absolute on REALTIME converts to the monotonic clock. */
    uint64_t wall = fake_realtime_at_boot_ns + fake_mono_ns + 5 * NSEC_PER_SEC;
    struct ts wabs = {(int64_t)(wall / NSEC_PER_SEC), (int64_t)(wall % NSEC_PER_SEC)};
    uint64_t want = fake_mono_ns + 5 * NSEC_PER_SEC;
    CHECK_EQ(CALL(sys_clock_nanosleep, 0, 1, U(&wabs), 0), 0);
    CHECK_EQ(fake_last_deadline, want);
    /* In the past: returns at once, without sleeping. */
    int sleeps = fake_sleeps;
    struct ts past = {1, 0};
    CHECK_EQ(CALL(sys_clock_nanosleep, 1, 1, U(&past), 0), 0);
    CHECK_EQ(CALL(sys_clock_nanosleep, 0, 1, U(&past), 0), 0);
    CHECK_EQ(fake_sleeps, sleeps);
    /* Absolute and interrupted: EINTR, rem untouched. */
    struct ts later = {(int64_t)(fake_mono_ns / NSEC_PER_SEC) + 10, 0};
    fake_signal_after_ns = 1000;
    CHECK_EQ(CALL(sys_clock_nanosleep, 1, 1, U(&later), U(&rem)), -EINTR);
    CHECK_EQ(rem.sec, -1);
    /* Relative and interrupted: rem. */
    struct ts two = {2, 0};
    fake_signal_after_ns = NSEC_PER_SEC;
    CHECK_EQ(CALL(sys_clock_nanosleep, 1, 0, U(&two), U(&rem)), -EINTR);
    CHECK_EQ(ts_ns(rem), 1000000000);
}

static void test_clock_nanosleep_errors(void)
{
    fakes_init();
    struct ts rel = {0, 1000}, bad = {0, 2000000000};
    CHECK_EQ(CALL(sys_clock_nanosleep, 12345, 0, U(&rel), 0), -EINVAL);
    CHECK_EQ(CALL(sys_clock_nanosleep, 3, 0, U(&rel), 0), -EINVAL);           /* thread CPU clock */
    CHECK_EQ(CALL(sys_clock_nanosleep, 2, 0, U(&rel), 0), -EOPNOTSUPP);       /* process CPU clock */
    CHECK_EQ(CALL(sys_clock_nanosleep, 4, 0, U(&rel), 0), -EOPNOTSUPP);       /* MONOTONIC_RAW */
    CHECK_EQ(CALL(sys_clock_nanosleep, 6, 0, U(&rel), 0), -EOPNOTSUPP);       /* MONOTONIC_COARSE */
    CHECK_EQ(CALL(sys_clock_nanosleep, 4, 0, BAD_LOW, 0), -EOPNOTSUPP);       /* the clock is checked first */
    CHECK_EQ(CALL(sys_clock_nanosleep, 1, 0, U(&bad), 0), -EINVAL);
    CHECK_EQ(CALL(sys_clock_nanosleep, 1, 0, BAD_LOW, 0), -EFAULT);
    CHECK_EQ(fake_sleeps, 0);
}

int main(void)
{
    return unit_main("sys_time", (struct unit_test[]){
                                     UNIT(test_clock_values),
                                     UNIT(test_cpu_clocks),
                                     UNIT(test_clock_errors),
                                     UNIT(test_getres),
                                     UNIT(test_gettimeofday_and_time),
                                     UNIT(test_nanosleep),
                                     UNIT(test_nanosleep_interrupted),
                                     UNIT(test_sleep_restart),
                                     UNIT(test_clock_nanosleep),
                                     UNIT(test_clock_nanosleep_errors),
                                     {0},
                                 });
}
