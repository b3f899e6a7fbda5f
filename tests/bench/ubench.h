// What ubench.c shares with the benchmarks kept in their own files
// (ubench-smp.c): the TSC, result lines, failure handling, futex calls.
#ifndef UBENCH_H
#define UBENCH_H

#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    // Reads the time-stamp counter; writes only eax and edx.
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

// The benchmark running now (for UBENCH-ERROR lines), and where fail()
// jumps back to when it is called from the main thread.
extern const char *bench_name;
extern jmp_buf bench_failed;

// Prints `UBENCH-ERROR <bench_name>: <why>` and abandons the benchmark.
_Noreturn void fail(const char *fmt, ...);
// fail() with the text of errno.
_Noreturn void die(const char *what);

// Prints `UBENCH <name> <unit> ticks=<ticks> value=<in unit>`; `scale` is
// units per second (1e6 for us).
void report(const char *name, const char *unit, double scale, double ticks);

// qsort comparator for doubles, ascending.
int cmp_double(const void *a, const void *b);

// pthread_create, failing the benchmark on error.
void start_thread(pthread_t *t, void *(*fn)(void *), void *arg);

// FUTEX_WAIT (private) until *w is no longer val; FUTEX_WAKE (private) of one.
void futex_wait(_Atomic int *w, int val);
void futex_wake(_Atomic int *w);

// The benchmarks of several CPUs (ubench-smp.c): smp_speedup and ipi_wake.
// with_turns: wait for the host's go before each turn (ubench-smp.c).
void run_smp(bool with_turns);

#endif
