// ubench's benchmarks of several CPUs (issue 14), run by `ubench smp` (the
// kernel command line's `-- smp`) on a machine with at least two CPUs:
//
// The work is cut into SMP_TURNS turns, each one round of smp_speedup and
// IPI_PER_TURN wakes of ipi_wake.  With `turns` (`ubench smp turns`), each
// turn begins with a line
//   UBENCH-MARK begin smp_turn <n>
// after which ubench waits for a line on its console: tests/bench/smp.sh
// runs nutshell and Linux at once and answers them in turn, so each
// kernel's round k runs next to the other's (first in one turn, second in
// the next), under the same load from the rest of the host.
//
//   smp_speedup  x   a CPU-bound workload (xorshift steps in registers)
//                    done by one thread, over the same work shared by two
//                    threads: the time of one thread doing two units over
//                    that of two threads sharing two units, thread start
//                    and join included.  The threads take the work in
//                    small chunks from a shared counter (a parallel loop's
//                    dynamic schedule, see work()), so the two-thread run
//                    ends within a chunk of the even split whatever the
//                    host does to one of its cores.  Neither thread is
//                    pinned: where the kernel puts them is part of what is
//                    measured.  Under TCG QEMU runs each vCPU on its own
//                    host thread, so two host cores give a real speedup.
//                    Printed as
//                      UBENCH smp_speedup x value=<median speedup>
//                        one_thread_ticks=<median> two_threads_ticks=<median>
//                    (one line; the ticks of a round's two runs of each side
//                    together), the speedup being the median of the rounds'
//                    own ratios, each taken from back-to-back runs in the
//                    order one, two, two, one, so a change in the host's load
//                    between rounds, or steadily through one, moves it less;
//                    before it, `UBENCH-INFO smp_speedup_rounds <ratio>...`,
//                    one per turn in order, and `UBENCH-INFO smp_lags
//                    start_ticks=<median> join_ticks=<median>`, what the
//                    kernel adds to the two-thread runs (time_threads).
//   ipi_wake     us  a thread pinned to one CPU wakes (FUTEX_WAKE) a thread
//                    pinned to another, asleep in FUTEX_WAIT long enough for
//                    its CPU to have gone idle; from the waker's TSC just
//                    before the wake to the sleeper's first TSC after it.
//                    Under TCG every vCPU reads the same TSC (the host's,
//                    counted from VM start), so the two readings compare.
//                    The median of all wakes; `UBENCH-INFO ipi_wake_turns
//                    <ticks>...` gives each turn's own median.
#define _GNU_SOURCE
#include "ubench.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define SMP_TURNS 16
// xorshift steps in one unit of work: about a quarter of a second on one
// TCG vCPU of a quiet 2 GHz host, long against thread start (tens of
// microseconds).  A round runs each side twice (see speedup_round).
#define WORK_STEPS 25000000u
#define IPI_PER_TURN 8
#define IPI_ROUNDS (SMP_TURNS * IPI_PER_TURN)
// How long the sleeper is left asleep before each wake: far longer than
// any idle polling (nutshell's idle thread polls 50 us before it halts).
#define IPI_SETTLE_NS 5000000

// The two CPUs used: the first two of the starting affinity mask.
static int cpu_a, cpu_b;
// Whether turns wait for the host's go (`ubench smp turns`).
static bool turns;

// Begins turn n: with turns, says so and waits for a line on the console.
static void begin_turn(int n)
{
    if (!turns)
        return;
    printf("UBENCH-MARK begin smp_turn %d\n", n);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) == 1 && c != '\n')
        ;
}

static void pin_to(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (sched_setaffinity(0, sizeof s, &s) != 0)
        die("sched_setaffinity");
}

// The work of a run, cut into chunks that its threads take in turn from
// a shared counter (a parallel loop's dynamic schedule).  With an even
// split fixed in advance, the run took as long as its slower thread, and
// under TCG the two host cores' speeds differ by 5 to 10% when both are
// busy, in a way that changes from moment to moment: which kernel's turn
// drew the slower core was chance, and it moved a turn's ratio by several
// percent.  Shared, the faster thread takes more chunks, and the run ends
// within a chunk (0.4% of a unit) of the two threads' combined pace; what
// is left to compare is what each kernel adds.
#define CHUNKS_PER_UNIT 256u
#define CHUNK_STEPS (WORK_STEPS / CHUNKS_PER_UNIT)
static _Atomic unsigned next_chunk, chunks_total;

// Each thread's TSC when it began and when it found no chunk left.
struct stamps {
    uint64_t began, ended;
};

// Takes chunks until none are left; returns the result so the loop stays.
static void *work(void *slot)
{
    struct stamps *when = slot;
    when->began = rdtsc();
    uint64_t x = 88172645463325252u;
    while (atomic_fetch_add_explicit(&next_chunk, 1, memory_order_relaxed) <
           atomic_load_explicit(&chunks_total, memory_order_relaxed)) {
        for (uint64_t i = 0; i < CHUNK_STEPS; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
    }
    when->ended = rdtsc();
    return (void *)(uintptr_t)x;
}

// The two-thread runs' start and join lags (see time_threads), in order.
static double start_lag[2 * SMP_TURNS], join_lag[2 * SMP_TURNS];
static int lags;

// TSC ticks for `threads` threads sharing `units` units, start to join.
// With two threads it also notes the run's start lag (from the start to
// the later thread's first instruction of work) and join lag (from the
// later thread's last to the end): what the kernel adds to the work.
static double time_threads(int threads, unsigned units)
{
    pthread_t t[2];
    struct stamps when[2];
    atomic_store(&next_chunk, 0);
    atomic_store(&chunks_total, units * CHUNKS_PER_UNIT);
    uint64_t t0 = rdtsc();
    for (int i = 0; i < threads; i++)
        start_thread(&t[i], work, &when[i]);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    uint64_t t1 = rdtsc();
    if (threads == 2 && lags < 2 * SMP_TURNS) {
        uint64_t began = when[0].began > when[1].began ? when[0].began : when[1].began;
        uint64_t ended = when[0].ended > when[1].ended ? when[0].ended : when[1].ended;
        start_lag[lags] = (double)(began - t0);
        join_lag[lags++] = (double)(t1 - ended);
    }
    return (double)(t1 - t0);
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return v[n / 2];
}

static double one[SMP_TURNS], two[SMP_TURNS], speedup[SMP_TURNS];

// smp_speedup's round r: one thread doing two units, two doing one, two
// again and one again (ABBA): a host load that grows or shrinks steadily
// through the round weighs the same on both sides.
static void speedup_round(int r)
{
    one[r] = time_threads(1, 2);
    two[r] = time_threads(2, 2);
    two[r] += time_threads(2, 2);
    one[r] += time_threads(1, 2);
    speedup[r] = one[r] / two[r];
}

static void report_smp_speedup(void)
{
    printf("UBENCH-INFO smp_speedup_rounds");
    for (int r = 0; r < SMP_TURNS; r++)
        printf(" %.3f", speedup[r]);
    printf("\n");
    printf("UBENCH-INFO smp_lags start_ticks=%.0f join_ticks=%.0f\n", median_of(start_lag, lags),
           median_of(join_lag, lags));
    printf("UBENCH smp_speedup x value=%.3f one_thread_ticks=%.0f two_threads_ticks=%.0f\n",
           median_of(speedup, SMP_TURNS), median_of(one, SMP_TURNS), median_of(two, SMP_TURNS));
    fflush(stdout);
}

// ipi_seq is the futex word: round i's wake sets it to i + 1.  The sleeper
// says it is about to sleep for round i by setting ipi_waiting to i + 1 and
// that it woke by setting ipi_acked to i + 1, with its TSC in ipi_woke[i].
static _Atomic int ipi_seq, ipi_waiting, ipi_acked;
static uint64_t ipi_woke[IPI_ROUNDS];
static int ipi_woke_on[IPI_ROUNDS];

static void *ipi_sleeper(void *arg)
{
    pin_to(cpu_b);
    for (int i = 0; i < IPI_ROUNDS; i++) {
        atomic_store(&ipi_waiting, i + 1);
        futex_wait(&ipi_seq, i);
        ipi_woke[i] = rdtsc();
        ipi_woke_on[i] = sched_getcpu();
        atomic_store(&ipi_acked, i + 1);
    }
    return arg;
}

static double ipi_ticks[IPI_ROUNDS]; // each wake's time, in round order
static cpu_set_t all_cpus;           // the starting affinity mask

// ipi_wake's part of turn n: IPI_PER_TURN wakes, the waker (this thread)
// pinned to cpu_a meanwhile; the sleeper, started by the first turn, stays
// asleep between turns.
static void ipi_turn(int n)
{
    const struct timespec settle = {0, IPI_SETTLE_NS};
    static pthread_t t;
    pin_to(cpu_a);
    if (n == 0)
        start_thread(&t, ipi_sleeper, NULL);
    for (int i = n * IPI_PER_TURN; i < (n + 1) * IPI_PER_TURN; i++) {
        while (atomic_load(&ipi_waiting) != i + 1)
            ;
        while (nanosleep(&settle, NULL) != 0 && errno == EINTR)
            ;
        uint64_t t0 = rdtsc();
        atomic_store(&ipi_seq, i + 1);
        futex_wake(&ipi_seq);
        while (atomic_load(&ipi_acked) != i + 1)
            ;
        if (ipi_woke_on[i] != cpu_b)
            fail("the sleeper pinned to CPU %d woke on CPU %d", cpu_b, ipi_woke_on[i]);
        ipi_ticks[i] = (double)(ipi_woke[i] - t0);
    }
    if (n == SMP_TURNS - 1)
        pthread_join(t, NULL);
    // Unpinned again: smp_speedup's threads inherit this thread's mask.
    if (sched_setaffinity(0, sizeof all_cpus, &all_cpus) != 0)
        die("sched_setaffinity");
}

static void report_ipi_wake(void)
{
    double v[IPI_ROUNDS];
    printf("UBENCH-INFO ipi_wake_turns");
    for (int n = 0; n < SMP_TURNS; n++) {
        for (int i = 0; i < IPI_PER_TURN; i++)
            v[i] = ipi_ticks[n * IPI_PER_TURN + i];
        printf(" %.0f", median_of(v, IPI_PER_TURN));
    }
    printf("\n");
    for (int i = 0; i < IPI_ROUNDS; i++)
        v[i] = ipi_ticks[i];
    double median = median_of(v, IPI_ROUNDS); // sorts v
    // The spread, for reading by hand: a slow path taken now and then shows
    // here long before it moves the median.
    printf("UBENCH-INFO ipi_wake_ticks min=%.0f p90=%.0f max=%.0f\n", v[0], v[IPI_ROUNDS * 9 / 10], v[IPI_ROUNDS - 1]);
    report("ipi_wake", "us", 1e6, median);
}

// Which benchmarks have not failed yet (static: kept across longjmp).
static bool speedup_ok, ipi_ok;

void run_smp(bool with_turns)
{
    bench_name = "smp";
    if (setjmp(bench_failed) != 0)
        return;
    if (sched_getaffinity(0, sizeof all_cpus, &all_cpus) != 0)
        die("sched_getaffinity");
    printf("UBENCH-INFO cpus=%d\n", CPU_COUNT(&all_cpus));
    cpu_a = cpu_b = -1;
    for (int c = 0; c < CPU_SETSIZE && cpu_b < 0; c++)
        if (CPU_ISSET(c, &all_cpus))
            *(cpu_a < 0 ? &cpu_a : &cpu_b) = c;
    if (cpu_b < 0)
        fail("%d CPU(s); these benchmarks need two", CPU_COUNT(&all_cpus));

    turns = with_turns;
    speedup_ok = ipi_ok = true;
    // A benchmark that fails stops; the turns go on, so that the other
    // kernel's are still answered.
    for (int n = 0; n < SMP_TURNS; n++) {
        begin_turn(n + 1);
        bench_name = "smp_speedup";
        if (speedup_ok) {
            if (setjmp(bench_failed) == 0)
                speedup_round(n);
            else
                speedup_ok = false;
        }
        bench_name = "ipi_wake";
        if (ipi_ok) {
            if (setjmp(bench_failed) == 0) {
                ipi_turn(n);
            } else {
                ipi_ok = false;
                sched_setaffinity(0, sizeof all_cpus, &all_cpus); // left pinned by the failed turn
            }
        }
    }
    bench_name = "smp";
    if (speedup_ok)
        report_smp_speedup();
    if (ipi_ok)
        report_ipi_wake();
}
