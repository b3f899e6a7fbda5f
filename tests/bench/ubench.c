// ubench: user-space microbenchmarks for `make bench` (issue 4).
//
// The same static musl binary runs as /init (PID 1) under Debian's stock
// Linux and under nutshell, on the same QEMU.  It prints one line per result,
//     UBENCH <name> <unit> ticks=<TSC ticks per operation> value=<in unit>
// then `UBENCH-DONE`, and powers the machine off.  tests/bench/ubench.sh turns
// those lines into `bench` lines.  Run by hand on a Linux host (not as PID 1)
// it prints the same lines, skips boot_init and exits normally.
//
// Everything is timed with rdtsc.  `ticks` is what the bench scripts use:
// they convert it with the host's TSC rate (tsc-hz.c), which under QEMU TCG
// is the guest's TSC rate too, so both kernels are measured on one basis that
// neither kernel's clock code can skew.  `value` converts with the rate
// calibrated here against the guest kernel's CLOCK_MONOTONIC_RAW (or
// CLOCK_MONOTONIC), for reading by hand.
//
// Each result is the median of several batches, so one slow batch (a host
// hiccup under TCG) does not move it.  Units and what is timed:
//   getppid              ns   one getppid() round trip
//   pthread_create_join  us   pthread_create of an empty thread + pthread_join
//   futex_pingpong       us   one round trip between two threads through
//                             FUTEX_WAIT/FUTEX_WAKE (two wakeups, two switches)
//   unix_pingpong        us   one round trip of a byte between two threads
//                             over an AF_UNIX stream socketpair
//   unix_stream_mib      us   1 MiB through an AF_UNIX stream socketpair, a
//                             writer thread in 64 KiB writes, the reader in
//                             64 KiB reads (ubench.sh turns it into
//                             unix_stream, MB/s)
//   mmap_4k              us   mmap 4 KiB anonymous + touch it + munmap
//   mmap_1m              us   mmap 1 MiB anonymous + touch each 4 KiB page + munmap
//   pagefault            ns   per first-touch fault of a 4 KiB anonymous page
//                             (only the touching loop is timed; transparent
//                             huge pages are refused with MADV_NOHUGEPAGE so
//                             each touch is one 4 KiB fault)
//   spawn_wait           us   posix_spawn of a trivial static child + waitpid
//   churn_round          us   one round of process churn: posix_spawn of the
//                             child, which execs itself once more and exits,
//                             + waitpid (spawn + exec + exit; ubench.sh turns
//                             it into churn_rounds_s)
//   boot_init            ms   guest time from machine reset to the first
//                             instruction of this program (the TSC read by
//                             the entry stub), only when running as PID 1
// A line `UBENCH-INFO guest_tsc_hz=<n>` first gives the calibrated rate.
//
// The first argument, else the environment variable UBENCH_MODE (Linux
// passes `UBENCH_MODE=x` from its command line to init's environment; both
// kernels pass the words after `--` as init's arguments) picks another run:
//   boot    print `UBENCH-BOOT entry_tsc=<n> cpus=<CPUs in its affinity mask>`
//           at once and power off
//   stamps  print `UBENCH-TSC <n>` ten times, ~200 ms of TSC apart, and power
//           off; the host timestamps these lines to check that the guest TSC
//           advances with host time (tests/bench/validate-tsc.sh)
//   smp     the benchmarks of several CPUs instead of the above
//           (ubench-smp.c: smp_speedup, ipi_wake), with the same INFO and
//           DONE lines; `smp turns` waits for the host's go before each of
//           its turns (tests/bench/smp.sh)
#define _GNU_SOURCE
#include "ubench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// The TSC read by the very first instruction of the program (see the entry
// stub below).  Written once before any C code runs.
uint32_t ubench_entry_tsc[2];

// Program entry point (the link uses -e ubench_entry).  It reads the TSC
// before anything else, then continues into musl's _start with the stack
// exactly as the kernel left it.  rdtsc writes eax and edx; rdx at process
// entry may carry an atexit pointer by the ABI, so it is saved in r11, which
// holds nothing at entry.  Clobbers: rax, rdx (restored), r11, flags.
__asm__(".text\n"
        ".globl ubench_entry\n"
        ".type ubench_entry,@function\n"
        "ubench_entry:\n"
        "  mov %rdx, %r11\n"
        "  rdtsc\n"
        "  mov %eax, ubench_entry_tsc(%rip)\n"
        "  mov %edx, ubench_entry_tsc+4(%rip)\n"
        "  mov %r11, %rdx\n"
        "  jmp _start\n");

// The child for spawn_wait; UBENCH_CHILD overrides the path when run by hand.
#define CHILD_PATH "/bin/ubench-child"
#define BATCHES 5

// Linux futex ABI values (uapi/linux/futex.h, which musl-gcc does not see).
#define FUTEX_WAIT_PRIVATE (0 | 128)
#define FUTEX_WAKE_PRIVATE (1 | 128)

// Nanoseconds of the guest kernel's raw monotonic clock, or of its plain
// monotonic clock if the raw one is not offered; 0 if neither is.  Used only
// to calibrate the TSC for the `value=` fields.
static uint64_t now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) != 0 && clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// A benchmark that fails (a kernel that lacks a call, an error) is reported
// and skipped; the others still run.  run_bench() sets `bench_failed` and
// runs the benchmark in the main thread, where fail() jumps back to it.
const char *bench_name;
jmp_buf bench_failed;
static pthread_t main_thread;

_Noreturn void fail(const char *fmt, ...)
{
    va_list ap;
    printf("UBENCH-ERROR %s: ", bench_name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    // Another thread cannot unwind the main thread's benchmark.  As PID 1
    // it must not exit the process either (Linux panics), so it stops here;
    // the host's idle timeout ends the run.
    if (!pthread_equal(pthread_self(), main_thread))
        for (;;)
            pause();
    longjmp(bench_failed, 1);
}

_Noreturn void die(const char *what)
{
    fail("%s: %s", what, strerror(errno));
}

void start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    int err = pthread_create(t, NULL, fn, arg);
    if (err) {
        errno = err;
        die("pthread_create");
    }
}

int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// Runs fn(iters) BATCHES times; returns the median TSC ticks per iteration.
static double median_ticks_per_iter(void (*fn)(int), int iters)
{
    double v[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        uint64_t t0 = rdtsc();
        fn(iters);
        v[b] = (double)(rdtsc() - t0) / iters;
    }
    qsort(v, BATCHES, sizeof v[0], cmp_double);
    return v[BATCHES / 2];
}

// TSC ticks per second calibrated in the guest (see now_ns); 0 if unknown.
static double guest_hz;

// Prints one result; `scale` is units per second (1e9 for ns...).
void report(const char *name, const char *unit, double scale, double ticks)
{
    if (guest_hz > 0)
        printf("UBENCH %s %s ticks=%.1f value=%.3f\n", name, unit, ticks, ticks / guest_hz * scale);
    else
        printf("UBENCH %s %s ticks=%.1f value=NA\n", name, unit, ticks);
    fflush(stdout);
}

// Runs fn(iters) as benchmark `name` and reports the median ticks per
// iteration, or only the UBENCH-ERROR line that fail() printed.
static void run_bench(const char *name, const char *unit, double scale, void (*fn)(int), int iters)
{
    bench_name = name;
    if (setjmp(bench_failed) == 0)
        report(name, unit, scale, median_ticks_per_iter(fn, iters));
}


static void bench_getppid(int n)
{
    for (int i = 0; i < n; i++)
        getppid();
}

static void *empty_thread(void *arg)
{
    return arg;
}

static void bench_pthread(int n)
{
    for (int i = 0; i < n; i++) {
        pthread_t t;
        start_thread(&t, empty_thread, NULL);
        pthread_join(t, NULL);
    }
}

// Futex ping-pong: `turn` says whose move it is (0: main, 1: partner).  Each
// side waits while it is not its turn, then hands the turn over and wakes the
// other.  One round trip = main -> partner -> main.
static _Atomic int turn;
static int pingpong_rounds;

void futex_wait(_Atomic int *w, int val)
{
    while (atomic_load(w) == val)
        if (syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0) != 0 && errno != EAGAIN &&
            errno != EINTR)
            die("futex wait");
}

void futex_wake(_Atomic int *w)
{
    if (syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) < 0)
        die("futex wake");
}

static void *pingpong_partner(void *arg)
{
    for (int i = 0; i < pingpong_rounds; i++) {
        futex_wait(&turn, 0);
        atomic_store(&turn, 0);
        futex_wake(&turn);
    }
    return arg;
}

static void bench_futex(int n)
{
    pthread_t t;
    atomic_store(&turn, 0);
    pingpong_rounds = n;
    start_thread(&t, pingpong_partner, NULL);
    for (int i = 0; i < n; i++) {
        atomic_store(&turn, 1);
        futex_wake(&turn);
        futex_wait(&turn, 1);
    }
    pthread_join(t, NULL);
}

// AF_UNIX: a socketpair whose second end a partner thread serves.
static int unix_sv[2];
static int unix_rounds;

static void unix_pair(void)
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, unix_sv) < 0)
        die("socketpair");
}

static void unix_run(void (*body)(int), void *(*partner)(void *), int n)
{
    pthread_t t;
    unix_pair();
    unix_rounds = n;
    start_thread(&t, partner, NULL);
    body(n);
    pthread_join(t, NULL);
    close(unix_sv[0]);
    close(unix_sv[1]);
}

static void *unix_echo(void *arg)
{
    char c;
    for (int i = 0; i < unix_rounds; i++)
        if (read(unix_sv[1], &c, 1) != 1 || write(unix_sv[1], &c, 1) != 1)
            break;
    return arg;
}

static void unix_pingpong_body(int n)
{
    char c = 'x';
    for (int i = 0; i < n; i++)
        if (write(unix_sv[0], &c, 1) != 1 || read(unix_sv[0], &c, 1) != 1)
            die("unix ping-pong");
}

static void bench_unix_pingpong(int n)
{
    unix_run(unix_pingpong_body, unix_echo, n);
}

#define UNIX_CHUNK (64 * 1024)
#define MIB (1024 * 1024)

static void *unix_writer(void *arg)
{
    static char out[UNIX_CHUNK];
    for (long left = (long)unix_rounds * MIB; left > 0;) {
        ssize_t w = write(unix_sv[1], out, UNIX_CHUNK);
        if (w <= 0)
            break;
        left -= w;
    }
    return arg;
}

static void unix_stream_body(int n)
{
    static char in[UNIX_CHUNK];
    for (long left = (long)n * MIB; left > 0;) {
        ssize_t r = read(unix_sv[0], in, UNIX_CHUNK);
        if (r <= 0)
            die("unix stream read");
        left -= r;
    }
}

static void bench_unix_stream(int n)
{
    unix_run(unix_stream_body, unix_writer, n);
}

// epoll ping-pong: each side waits in epoll_wait on its own eventfd, then
// reads it and writes the other side's.  One round trip = main -> partner
// -> main, two epoll wake-ups.
struct epoll_side {
    int ep, efd;
};
static struct epoll_side epoll_sides[2];

static void epoll_side_open(struct epoll_side *s)
{
    s->efd = eventfd(0, EFD_NONBLOCK);
    s->ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    if (s->efd < 0 || s->ep < 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->efd, &ev))
        die("eventfd/epoll_create1/epoll_ctl");
}

static void epoll_side_close(struct epoll_side *s)
{
    close(s->efd);
    close(s->ep);
}

// Waits for the own eventfd, consumes it and signals the other side.
static void epoll_side_turn(struct epoll_side *self, struct epoll_side *other, int first)
{
    uint64_t one = 1, got;
    struct epoll_event ev;
    if (first && write(other->efd, &one, 8) != 8)
        die("eventfd write");
    int n;
    while ((n = epoll_wait(self->ep, &ev, 1, -1)) < 0 && errno == EINTR)
        ;
    if (n != 1 || read(self->efd, &got, 8) != 8)
        die("epoll_wait/eventfd read");
    if (!first && write(other->efd, &one, 8) != 8)
        die("eventfd write");
}

static void *epoll_partner(void *arg)
{
    for (int i = 0; i < pingpong_rounds; i++)
        epoll_side_turn(&epoll_sides[1], &epoll_sides[0], 0);
    return arg;
}

static void bench_epoll(int n)
{
    epoll_side_open(&epoll_sides[0]);
    epoll_side_open(&epoll_sides[1]);
    pingpong_rounds = n;
    pthread_t t;
    start_thread(&t, epoll_partner, NULL);
    for (int i = 0; i < n; i++)
        epoll_side_turn(&epoll_sides[0], &epoll_sides[1], 1);
    pthread_join(t, NULL);
    epoll_side_close(&epoll_sides[0]);
    epoll_side_close(&epoll_sides[1]);
}

static void map_touch_unmap(size_t len)
{
    volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    for (size_t off = 0; off < len; off += 4096)
        p[off] = 1;
    if (munmap((void *)p, len) != 0)
        die("munmap");
}

static void bench_mmap_4k(int n)
{
    for (int i = 0; i < n; i++)
        map_touch_unmap(4096);
}

static void bench_mmap_1m(int n)
{
    for (int i = 0; i < n; i++)
        map_touch_unmap(1 << 20);
}

// Page faults: time only the first touches of a fresh mapping.  Returns the
// median TSC ticks per fault over BATCHES mappings of `pages` pages each.
static double pagefault_ticks(int pages)
{
    double v[BATCHES];
    size_t len = (size_t)pages * 4096;
    for (int b = 0; b < BATCHES; b++) {
        volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            die("mmap");
        // Linux would otherwise back this with 2 MiB pages (THP "always" in
        // Debian's kernel) and fault 512 pages at once.  A kernel without
        // madvise or without huge pages faults 4 KiB pages anyway, so an
        // error here changes nothing that is measured.
        madvise((void *)p, len, MADV_NOHUGEPAGE);
        uint64_t t0 = rdtsc();
        for (size_t off = 0; off < len; off += 4096)
            p[off] = 1;
        v[b] = (double)(rdtsc() - t0) / pages;
        if (munmap((void *)p, len) != 0)
            die("munmap");
    }
    qsort(v, BATCHES, sizeof v[0], cmp_double);
    return v[BATCHES / 2];
}

static void run_pagefault(int pages)
{
    bench_name = "pagefault";
    if (setjmp(bench_failed) == 0)
        report("pagefault", "ns", 1e9, pagefault_ticks(pages));
}

// Spawns the child n times with argv (argv[0] set here) and reaps each;
// every child must exit with status 0.
static void spawn_children(int n, char *arg)
{
    extern char **environ;
    char *path = getenv("UBENCH_CHILD") ? getenv("UBENCH_CHILD") : CHILD_PATH;
    char *argv[] = {path, arg, NULL};
    for (int i = 0; i < n; i++) {
        pid_t pid;
        int err = posix_spawn(&pid, path, NULL, NULL, argv, environ);
        if (err) {
            errno = err;
            die("posix_spawn");
        }
        int status;
        if (waitpid(pid, &status, 0) != pid)
            die("waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail("child status %#x", status);
    }
}

static void bench_spawn(int n)
{
    spawn_children(n, NULL);
}

// Rounds of spawn + exec + exit: the argument makes the child exec itself
// (without it) before it exits.
static void bench_churn(int n)
{
    spawn_children(n, "exec");
}

// TSC ticks per second, measured against the guest's clock over ~100 ms of
// busy waiting.
static double calibrate_tsc_hz(void)
{
    uint64_t c0 = rdtsc(), t0 = now_ns(), t1;
    if (t0 == 0)
        return 0;
    while ((t1 = now_ns()) - t0 < 100000000u)
        ;
    uint64_t c1 = rdtsc();
    return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

// PID 1 must never return (Linux panics when init exits).
static _Noreturn void power_off(void)
{
    sync();
    reboot(RB_POWER_OFF);
    printf("UBENCH-ERROR reboot(RB_POWER_OFF): %s\n", strerror(errno));
    fflush(stdout);
    for (;;)
        pause();
}

static void print_tsc_stamps(void)
{
    for (int i = 0; i < 10; i++) {
        printf("UBENCH-TSC %llu\n", (unsigned long long)rdtsc());
        fflush(stdout);
        // ~200 ms at 2 GHz; the exact length does not matter.
        for (uint64_t t0 = rdtsc(); rdtsc() - t0 < 400000000u;)
            ;
    }
}

static void run_all(uint64_t entry_tsc, int is_init)
{
    if (is_init)
        report("boot_init", "ms", 1e3, (double)entry_tsc);
    run_bench("getppid", "ns", 1e9, bench_getppid, 20000);
    run_bench("pthread_create_join", "us", 1e6, bench_pthread, 200);
    run_bench("futex_pingpong", "us", 1e6, bench_futex, 2000);
    run_bench("unix_pingpong", "us", 1e6, bench_unix_pingpong, 2000);
    run_bench("unix_stream_mib", "us", 1e6, bench_unix_stream, 8);
    run_bench("epoll_pingpong", "us", 1e6, bench_epoll, 2000);
    run_bench("mmap_4k", "us", 1e6, bench_mmap_4k, 1000);
    run_bench("mmap_1m", "us", 1e6, bench_mmap_1m, 40);
    run_pagefault(2048);
    run_bench("spawn_wait", "us", 1e6, bench_spawn, 40);
    run_bench("churn_round", "us", 1e6, bench_churn, 40);
}

int main(int argc, char **argv)
{
    uint64_t entry_tsc = ((uint64_t)ubench_entry_tsc[1] << 32) | ubench_entry_tsc[0];
    int is_init = getpid() == 1;
    const char *mode = argc > 1 ? argv[1] : getenv("UBENCH_MODE") ? getenv("UBENCH_MODE") : "all";
    int status = 0;

    main_thread = pthread_self();
    bench_name = "ubench";
    if (strcmp(mode, "boot") == 0) {
        cpu_set_t cpus;
        int ncpus = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 0;
        printf("UBENCH-BOOT entry_tsc=%llu cpus=%d\n", (unsigned long long)entry_tsc, ncpus);
        fflush(stdout);
    } else if (strcmp(mode, "stamps") == 0) {
        print_tsc_stamps();
    } else if (strcmp(mode, "all") == 0 || strcmp(mode, "smp") == 0) {
        guest_hz = calibrate_tsc_hz();
        printf("UBENCH-INFO guest_tsc_hz=%.0f\n", guest_hz);
        if (strcmp(mode, "all") == 0)
            run_all(entry_tsc, is_init);
        else
            run_smp(argc > 2 && strcmp(argv[2], "turns") == 0);
        printf("UBENCH-DONE\n");
        fflush(stdout);
    } else {
        printf("UBENCH-ERROR unknown mode '%s' (boot, stamps, all or smp)\n", mode);
        fflush(stdout);
        status = 1;
    }
    if (!is_init)
        return status;
    power_off();
}
