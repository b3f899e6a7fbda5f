/* Clock ids as the time system calls understand them (Linux's numbering,
 * including the encoded CPU-time clocks of clock_getcpuclockid and
 * pthread_getcpuclockid).  Internal to kernel/time/. */
#ifndef TIME_CLOCKID_H
#define TIME_CLOCKID_H

#include <kernel/types.h>

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_TAI 11

enum clock_kind {
    CLOCK_KIND_WALL,       /* REALTIME, REALTIME_COARSE, TAI */
    CLOCK_KIND_MONO,       /* MONOTONIC, MONOTONIC_RAW, MONOTONIC_COARSE, BOOTTIME */
    CLOCK_KIND_THREAD_CPU, /* a thread's CPU time */
    CLOCK_KIND_PROCESS_CPU,
};

struct process;

/* What a clock id names.  CPU clocks name the calling process, or a
 * thread of it by tid (0: the calling thread). */
struct clock_ref {
    enum clock_kind kind;
    bool sleepable;          /* clock_nanosleep supports it (REALTIME, MONOTONIC, BOOTTIME, TAI) */
    struct process *process; /* CPU clocks */
    int32_t tid;             /* THREAD_CPU */
};

/* Resolves id.  0, or -EINVAL for ids Linux does not have, for ids it has
 * and nutshell does not (the alarm clocks, CPU clocks of other processes),
 * and for CPU clocks of threads or processes that do not exist. */
int clock_resolve(int32_t id, struct clock_ref *out);
/* The current value of a resolved clock, in ns: 0, or -EINVAL when the
 * thread a CPU clock names has exited. */
int clock_ref_read(const struct clock_ref *c, uint64_t *ns);

/* struct timespec as x86-64 Linux lays it out. */
struct k_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

/* 0 if t is a valid duration or time (tv_sec >= 0, 0 <= tv_nsec < 10^9). */
bool timespec_valid(const struct k_timespec *t);
/* t in ns, saturated at UINT64_MAX.  t must be valid. */
uint64_t timespec_to_ns(const struct k_timespec *t);
struct k_timespec ns_to_timespec(uint64_t ns);

#endif
