/* ABI checks: threads on several CPUs.  sched_setaffinity/getaffinity and
 * getcpu with real masks; every CPU in the caller's mask runs a thread
 * pinned to it; a counter shared under a mutex and under a spinlock by
 * threads pinned to different CPUs; futex wake-ups from one CPU to another;
 * TLB shootdown (a thread on one CPU reading a page must fault once another
 * CPU unmaps it or takes its rights away); threads moved between CPUs while
 * they compute.  With one CPU every check still runs, all on CPU 0; the
 * in-VM boot with `-smp 4` (tests/integration/user/user-boot.sh) is where
 * they cross CPUs. */
#include "abi.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <sys/mman.h>

static int ncpus;
static int cpu_list[CPU_SETSIZE]; /* the CPUs of the starting mask, in order */

/* The i-th CPU of the starting mask, wrapping around. */
static int nth_cpu(int i)
{
    return cpu_list[i % ncpus];
}

static int pin_self(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    return sched_setaffinity(0, sizeof s, &s);
}

static int running_on(void)
{
    unsigned cpu = ~0u;
    if (syscall(SYS_getcpu, &cpu, NULL, NULL) != 0)
        return -1;
    return (int)cpu;
}

static void t_affinity_masks(void)
{
    cpu_set_t all, one, got;
    OK(sched_getaffinity(0, sizeof all, &all));
    CHECK(CPU_COUNT(&all) == ncpus, "mask changed: %d CPUs, %d at start", CPU_COUNT(&all), ncpus);
    int last = nth_cpu(ncpus - 1);
    OK(pin_self(last));
    CHECK(running_on() == last, "pinned to CPU %d, running on %d", last, running_on());
    OK(sched_getaffinity(0, sizeof got, &got));
    CPU_ZERO(&one);
    CPU_SET(last, &one);
    CHECK(CPU_EQUAL(&got, &one), "getaffinity after pinning to CPU %d has %d CPUs", last, CPU_COUNT(&got));
    /* A mask with no online CPU is refused and changes nothing. */
    cpu_set_t none;
    CPU_ZERO(&none);
    CPU_SET(CPU_SETSIZE - 1, &none);
    ERR(sched_setaffinity(0, sizeof none, &none), EINVAL);
    CPU_ZERO(&none);
    ERR(sched_setaffinity(0, sizeof none, &none), EINVAL);
    OK(sched_getaffinity(0, sizeof got, &got));
    CHECK(CPU_EQUAL(&got, &one), "a refused mask changed the affinity");
    ERR(sched_setaffinity(0, sizeof all, NULL), EFAULT);
    OK(sched_setaffinity(0, sizeof all, &all));
    unsigned node = ~0u;
    OK(syscall(SYS_getcpu, NULL, &node, NULL));
    CHECK(node == 0, "NUMA node %u", node);
    ERR(syscall(SYS_getcpu, (void *)1, NULL, NULL), EFAULT);
}

struct on_cpu {
    int cpu, seen;
};

static void *run_on(void *arg)
{
    struct on_cpu *o = arg;
    if (pin_self(o->cpu) != 0)
        return NULL;
    volatile unsigned spin = 0;
    while (spin < 100000)
        spin++;
    o->seen = running_on();
    return NULL;
}

static void t_every_cpu_runs_a_thread(void)
{
    pthread_t th[CPU_SETSIZE];
    struct on_cpu o[CPU_SETSIZE];
    for (int i = 0; i < ncpus; i++) {
        o[i] = (struct on_cpu){cpu_list[i], -1};
        CHECK(pthread_create(&th[i], NULL, run_on, &o[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < ncpus; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < ncpus; i++)
        CHECK(o[i].seen == o[i].cpu, "a thread pinned to CPU %d ran on %d", o[i].cpu, o[i].seen);
    abi_note("smp: %d CPUs ran a pinned thread each", ncpus);
}

/* Threads pinned round-robin over the CPUs add to one counter. */
#define COUNTER_THREADS 4
#define ROUNDS 20000

static pthread_mutex_t counter_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_spinlock_t counter_spin;
static volatile long counter;

struct adder {
    int cpu;
    int use_spinlock;
};

static void *add_rounds(void *arg)
{
    struct adder *a = arg;
    pin_self(a->cpu);
    for (int i = 0; i < ROUNDS; i++) {
        if (a->use_spinlock) {
            pthread_spin_lock(&counter_spin);
            counter = counter + 1; /* a read and a write: lost updates show */
            pthread_spin_unlock(&counter_spin);
        } else {
            pthread_mutex_lock(&counter_mutex);
            counter = counter + 1;
            pthread_mutex_unlock(&counter_mutex);
        }
    }
    return NULL;
}

static void count_with(int use_spinlock)
{
    pthread_t th[COUNTER_THREADS];
    struct adder a[COUNTER_THREADS];
    counter = 0;
    for (int i = 0; i < COUNTER_THREADS; i++) {
        a[i] = (struct adder){nth_cpu(i), use_spinlock};
        CHECK(pthread_create(&th[i], NULL, add_rounds, &a[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < COUNTER_THREADS; i++)
        pthread_join(th[i], NULL);
    CHECK(counter == (long)COUNTER_THREADS * ROUNDS, "counter %ld, want %ld", counter, (long)COUNTER_THREADS * ROUNDS);
}

static void t_counter_under_mutex(void)
{
    count_with(0);
}

static void t_counter_under_spinlock(void)
{
    pthread_spin_init(&counter_spin, PTHREAD_PROCESS_PRIVATE);
    count_with(1);
}

/* Two threads on two CPUs hand a turn back and forth through a futex: each
 * waits (FUTEX_WAIT) until the word holds its number, then writes the
 * other's and wakes it.  A lost wake-up hangs (the runner's timeout). */
#define PING_PONGS 500
/* The futex ABI (Linux include/uapi/linux/futex.h). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
static volatile int turn;

static long futex(volatile int *addr, int op, int val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static void *play(void *arg)
{
    int me = (int)(long)arg;
    pin_self(nth_cpu(me));
    for (int i = 0; i < PING_PONGS; i++) {
        while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != me)
            futex(&turn, FUTEX_WAIT_PRIVATE, !me);
        __atomic_store_n(&turn, !me, __ATOMIC_RELEASE);
        futex(&turn, FUTEX_WAKE_PRIVATE, 1);
    }
    return NULL;
}

static void t_futex_wake_across_cpus(void)
{
    pthread_t th[2];
    turn = 0;
    for (long i = 0; i < 2; i++)
        CHECK(pthread_create(&th[i], NULL, play, (void *)i) == 0, "pthread_create");
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK(turn == 0, "turn %d after %d rounds", turn, PING_PONGS);
}

/* A thread on another CPU reads (or writes) a page in a loop until it
 * faults; the main thread changes the mapping once the reader has used it,
 * so the reader's TLB holds the translation.  Without a shootdown the
 * reader would go on through its stale entry forever. */
static volatile char *victim;
static volatile long uses;
static volatile int reader_faulted;
static void *fault_addr;
static __thread sigjmp_buf reader_jmp;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    fault_addr = si->si_addr;
    siglongjmp(reader_jmp, 1);
}

static void *use_page(void *arg)
{
    int write = (int)(long)arg;
    pin_self(nth_cpu(1));
    if (sigsetjmp(reader_jmp, 1)) {
        reader_faulted = 1;
        return NULL;
    }
    for (;;) {
        if (write)
            victim[64] = 1;
        else
            (void)victim[64];
        __atomic_add_fetch(&uses, 1, __ATOMIC_RELEASE);
    }
}

/* change: 0 munmap, 1 mprotect(PROT_NONE) under a reader, 2 mprotect(PROT_READ) under a writer. */
static void shoot_down(int change)
{
    struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO}, old;
    OK(sigaction(SIGSEGV, &sa, &old));
    OK(pin_self(nth_cpu(0)));
    victim = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(victim != MAP_FAILED, "mmap");
    victim[64] = 7;
    uses = 0;
    reader_faulted = 0;
    fault_addr = NULL;
    pthread_t th;
    CHECK(pthread_create(&th, NULL, use_page, (void *)(long)(change == 2)) == 0, "pthread_create");
    while (__atomic_load_n(&uses, __ATOMIC_ACQUIRE) < 1000)
        sched_yield(); /* with one CPU the reader needs the CPU to get there */
    if (change == 0)
        OK(munmap((void *)victim, 4096));
    else
        OK(mprotect((void *)victim, 4096, change == 1 ? PROT_NONE : PROT_READ));
    pthread_join(th, NULL);
    sigaction(SIGSEGV, &old, NULL);
    pin_self(nth_cpu(0));
    CHECK(reader_faulted, "the thread on the other CPU did not fault");
    CHECK(fault_addr == (void *)(victim + 64), "fault at %p, want %p", fault_addr, (void *)(victim + 64));
    if (change)
        munmap((void *)victim, 4096);
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int i = 0; i < ncpus; i++)
        CPU_SET(cpu_list[i], &all);
    OK(sched_setaffinity(0, sizeof all, &all));
}

static void t_tlb_shootdown_munmap(void) { shoot_down(0); }
static void t_tlb_shootdown_mprotect_none(void) { shoot_down(1); }
static void t_tlb_shootdown_mprotect_readonly(void) { shoot_down(2); }

/* A thread computes with the FPU while the main thread moves it from CPU
 * to CPU; each move must take effect (the worker reports where it runs),
 * and its result must equal the same computation run without moves. */
static volatile int worker_cpu = -1, stop_worker;
static volatile long worker_steps;
static double worker_result;

static double step(double x)
{
    return x * 1.0000001 + 0.5 / (x + 1.0);
}

static void *compute(void *arg)
{
    (void)arg;
    double x = 1.0;
    long n = 0;
    while (!__atomic_load_n(&stop_worker, __ATOMIC_ACQUIRE)) {
        x = step(x);
        n++;
        if ((n & 255) == 0)
            __atomic_store_n(&worker_cpu, running_on(), __ATOMIC_RELEASE);
    }
    worker_steps = n;
    worker_result = x;
    return NULL;
}

static void t_threads_migrate_while_running(void)
{
    stop_worker = 0;
    worker_cpu = -1;
    pthread_t th;
    CHECK(pthread_create(&th, NULL, compute, NULL) == 0, "pthread_create");
    int moves = 0;
    for (int round = 0; round < 4 * ncpus; round++) {
        int cpu = nth_cpu(round);
        cpu_set_t s;
        CPU_ZERO(&s);
        CPU_SET(cpu, &s);
        if (pthread_setaffinity_np(th, sizeof s, &s) != 0)
            break;
        while (__atomic_load_n(&worker_cpu, __ATOMIC_ACQUIRE) != cpu)
            sched_yield();
        __atomic_store_n(&worker_cpu, -1, __ATOMIC_RELEASE);
        moves++;
    }
    __atomic_store_n(&stop_worker, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    CHECK(moves == 4 * ncpus, "pthread_setaffinity_np failed after %d moves", moves);
    double x = 1.0;
    for (long i = 0; i < worker_steps; i++)
        x = step(x);
    CHECK(x == worker_result, "moved thread computed %.17g, the same steps here %.17g", worker_result, x);
}

int main(void)
{
    abi_begin(ABI_AREA);
    ncpus = abi_allowed_cpus(cpu_list);
    if (ncpus < 0)
        return 1;
    RUN(affinity_masks);
    RUN(every_cpu_runs_a_thread);
    RUN(counter_under_mutex);
    RUN(counter_under_spinlock);
    RUN(futex_wake_across_cpus);
    RUN(tlb_shootdown_munmap);
    RUN(tlb_shootdown_mprotect_none);
    RUN(tlb_shootdown_mprotect_readonly);
    RUN(threads_migrate_while_running);
    return abi_end();
}
