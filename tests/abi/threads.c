/* Threads: clone as musl's pthread_create uses it, set_tid_address and
 * CLONE_CHILD_CLEARTID (join), TLS through FS, per-thread FPU/SSE/AVX
 * state, mutexes and condition variables under contention, detach/exit
 * ordering, malloc from many threads, preemption of a spinning thread, and
 * exit vs exit_group (in child processes of this same program). */
#include "abi.h"
#include "fpu_regs.h"

#include <fenv.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* --- create, join, return values ------------------------------------- */

static void *double_it(void *arg)
{
    return (void *)((long)arg * 2);
}

static void t_create_join(void)
{
    pthread_t t[8];
    for (long i = 0; i < 8; i++)
        RET(pthread_create(&t[i], NULL, double_it, (void *)i), 0);
    for (long i = 7; i >= 0; i--) {
        void *ret;
        RET(pthread_join(t[i], &ret), 0);
        EQ((long)ret, i * 2);
    }
}

static void t_create_many_sequential(void)
{
    /* Threads and their stacks must be recycled, not leaked. */
    for (long i = 0; i < 200; i++) {
        pthread_t t;
        void *ret;
        RET(pthread_create(&t, NULL, double_it, (void *)i), 0);
        RET(pthread_join(t, &ret), 0);
        EQ((long)ret, i * 2);
    }
}

static void *report_ids(void *arg)
{
    long *ids = arg;
    ids[0] = gettid();
    ids[1] = getpid();
    return NULL;
}

static void t_ids(void)
{
    enum { N = 8 };
    long ids[N][2];
    pthread_t t[N];
    EQ(gettid(), getpid());                           /* the main thread's tid is the pid */
    for (int i = 0; i < N; i++)
        RET(pthread_create(&t[i], NULL, report_ids, ids[i]), 0);
    for (int i = 0; i < N; i++)
        RET(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < N; i++) {
        EQ(ids[i][1], getpid());
        CHECK(ids[i][0] != getpid(), "thread %d has the pid as tid", i);
        for (int j = 0; j < i; j++)
            CHECK(ids[i][0] != ids[j][0], "threads %d and %d share tid %ld", i, j, ids[i][0]);
    }
}

/* --- mutex and condition variable under contention ----------------------- */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;                 /* protected by counter_lock */

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 300; i++) {
        pthread_mutex_lock(&counter_lock);
        long v = counter;
        if (i % 16 == 0)
            sched_yield();           /* hold the lock across a switch now and then */
        counter = v + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void t_mutex_64_threads(void)
{
    pthread_t t[64];
    counter = 0;
    for (int i = 0; i < 64; i++)
        RET(pthread_create(&t[i], NULL, hammer, NULL), 0);
    for (int i = 0; i < 64; i++)
        RET(pthread_join(t[i], NULL), 0);
    EQ(counter, 64 * 300);
}

/* A bounded queue: 32 producers and 32 consumers, 40 items each. */
static struct {
    pthread_mutex_t lock;            /* protects everything below */
    pthread_cond_t not_full, not_empty;
    long items[4];
    int head, count;
    long sum_taken;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0, 0 };

static void *producer(void *arg)
{
    long base = (long)arg * 1000;
    for (long i = 0; i < 40; i++) {
        pthread_mutex_lock(&q.lock);
        while (q.count == 4)
            pthread_cond_wait(&q.not_full, &q.lock);
        q.items[(q.head + q.count) % 4] = base + i;
        q.count++;
        pthread_cond_signal(&q.not_empty);
        pthread_mutex_unlock(&q.lock);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 40; i++) {
        pthread_mutex_lock(&q.lock);
        while (q.count == 0)
            pthread_cond_wait(&q.not_empty, &q.lock);
        q.sum_taken += q.items[q.head];
        q.head = (q.head + 1) % 4;
        q.count--;
        pthread_cond_signal(&q.not_full);
        pthread_mutex_unlock(&q.lock);
    }
    return NULL;
}

static void t_condvar_64_threads(void)
{
    pthread_t t[64];
    long want = 0;
    for (long p = 0; p < 32; p++)
        for (long i = 0; i < 40; i++)
            want += p * 1000 + i;
    for (long i = 0; i < 32; i++) {
        RET(pthread_create(&t[2 * i], NULL, consumer, NULL), 0);
        RET(pthread_create(&t[2 * i + 1], NULL, producer, (void *)i), 0);
    }
    for (int i = 0; i < 64; i++)
        RET(pthread_join(t[i], NULL), 0);
    EQ(q.count, 0);
    EQ(q.sum_taken, want);
}

/* --- thread-local storage ---------------------------------------------- */

static __thread int tls_init = 1234;
static __thread char tls_str[16] = "tls-image";
static __thread long tls_zero;

struct tls_report { long id; void *addr; int bad; char why[80]; };

static void *tls_worker(void *arg)
{
    struct tls_report *r = arg;
    r->addr = &tls_zero;
    if (tls_init != 1234 || strcmp(tls_str, "tls-image") || tls_zero != 0) {
        snprintf(r->why, sizeof r->why, "initial TLS %d '%s' %ld", tls_init, tls_str, tls_zero);
        r->bad = 1;
        return NULL;
    }
    for (int i = 0; i < 300; i++) {
        tls_zero = r->id * 1000 + i;
        tls_init = (int)r->id;
        if (i % 3 == 0)
            sched_yield();
        else
            for (volatile int k = 0; k < 2000; k++)
                ;                    /* give the timer a chance to preempt here */
        if (tls_zero != r->id * 1000 + i || tls_init != r->id) {
            snprintf(r->why, sizeof r->why, "round %d: TLS %ld/%d, want %ld/%ld", i, tls_zero, tls_init,
                     r->id * 1000 + i, r->id);
            r->bad = 1;
            return NULL;
        }
    }
    return NULL;
}

static void t_tls(void)
{
    enum { N = 16 };
    struct tls_report r[N];
    pthread_t t[N];
    memset(r, 0, sizeof r);
    tls_zero = -1;
    for (int i = 0; i < N; i++) {
        r[i].id = i + 1;
        RET(pthread_create(&t[i], NULL, tls_worker, &r[i]), 0);
    }
    for (int i = 0; i < N; i++)
        RET(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < N; i++) {
        CHECK(!r[i].bad, "thread %d: %s", i, r[i].why);
        CHECK(r[i].addr != (void *)&tls_zero, "thread %d shares the main thread's TLS", i);
        for (int j = 0; j < i; j++)
            CHECK(r[i].addr != r[j].addr, "threads %d and %d share TLS", i, j);
    }
    EQ(tls_zero, -1);
    EQ(tls_init, 1234);
}

/* --- join, detach, exit ordering ---------------------------------------- */

static pthread_t chain[8];
static atomic_int chain_seq;
static int chain_order[8];

static void *chain_link(void *arg)
{
    long i = (long)arg;
    if (i < 7)
        pthread_join(chain[i + 1], NULL);
    else
        abi_sleep_ms(5);
    chain_order[atomic_fetch_add(&chain_seq, 1)] = (int)i;
    return NULL;
}

static void exit_deep(int depth);
/* Called through a volatile pointer so the nesting is real. */
static void (*volatile exit_deeper)(int) = exit_deep;

static void exit_deep(int depth)
{
    if (depth == 0)
        pthread_exit((void *)0x1234);
    exit_deeper(depth - 1);
}

static void *exits_from_nested_call(void *arg)
{
    (void)arg;
    exit_deep(5);
    return NULL;
}

static atomic_int detached_done;

static void *detached_worker(void *arg)
{
    (void)arg;
    sched_yield();
    atomic_fetch_add(&detached_done, 1);
    return NULL;
}

static atomic_int early_done;

static void *exits_early(void *arg)
{
    (void)arg;
    atomic_store(&early_done, 1);
    return (void *)77;
}

static void t_join_detach_exit(void)
{
    void *ret;
    /* Thread i joins thread i+1, so they finish from 7 down to 0. */
    atomic_store(&chain_seq, 0);
    for (long i = 7; i >= 0; i--)
        RET(pthread_create(&chain[i], NULL, chain_link, (void *)i), 0);
    RET(pthread_join(chain[0], NULL), 0);
    EQ(atomic_load(&chain_seq), 8);
    for (int k = 0; k < 8; k++)
        CHECK(chain_order[k] == 7 - k, "finish order position %d is thread %d", k, chain_order[k]);

    pthread_t t;
    RET(pthread_create(&t, NULL, exits_from_nested_call, NULL), 0);
    RET(pthread_join(t, &ret), 0);
    EQ(ret, 0x1234);

    /* Joining a thread long after it exited. */
    atomic_store(&early_done, 0);
    RET(pthread_create(&t, NULL, exits_early, NULL), 0);
    while (!atomic_load(&early_done))
        sched_yield();
    abi_sleep_ms(20);
    RET(pthread_join(t, &ret), 0);
    EQ(ret, 77);

    /* Detached threads, both ways; they clean up after themselves. */
    pthread_attr_t attr;
    atomic_store(&detached_done, 0);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 8; i++) {
        RET(pthread_create(&t, &attr, detached_worker, NULL), 0);
        RET(pthread_create(&t, NULL, detached_worker, NULL), 0);
        RET(pthread_detach(t), 0);
    }
    pthread_attr_destroy(&attr);
    uint64_t deadline = abi_now_ns() + 10000000000ull;
    while (atomic_load(&detached_done) < 16 && abi_now_ns() < deadline)
        abi_sleep_ms(1);
    EQ(atomic_load(&detached_done), 16);
}

/* --- malloc from many threads ------------------------------------------- */

struct malloc_report { int id; char why[96]; };

static void *malloc_worker(void *arg)
{
    struct malloc_report *r = arg;
    enum { SLOTS = 64 };
    unsigned char *slot[SLOTS] = { 0 };
    size_t size[SLOTS] = { 0 };
    uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(r->id + 1);
    for (int op = 0; op < 2000 && !r->why[0]; op++) {
        int s = (int)(abi_rand(&seed) % SLOTS);
        unsigned char tag = (unsigned char)(r->id * 31 + s);
        if (slot[s]) {
            for (size_t i = 0; i < size[s]; i++)
                if (slot[s][i] != tag) {
                    snprintf(r->why, sizeof r->why, "block of %zu bytes corrupted at %zu", size[s], i);
                    break;
                }
            free(slot[s]);
            slot[s] = NULL;
            continue;
        }
        uint64_t kind = abi_rand(&seed) % 200;
        size[s] = kind == 0 ? 64 * 1024 + abi_rand(&seed) % (192 * 1024)   /* mmap-sized */
                : kind < 20 ? 512 + abi_rand(&seed) % 16384
                : 1 + abi_rand(&seed) % 512;
        slot[s] = malloc(size[s]);
        if (!slot[s]) {
            snprintf(r->why, sizeof r->why, "malloc(%zu) failed", size[s]);
            break;
        }
        memset(slot[s], tag, size[s]);
    }
    for (int s = 0; s < SLOTS; s++)
        free(slot[s]);
    return NULL;
}

static void t_malloc_stress(void)
{
    enum { N = 8 };
    struct malloc_report r[N];
    pthread_t t[N];
    memset(r, 0, sizeof r);
    for (int i = 0; i < N; i++) {
        r[i].id = i;
        RET(pthread_create(&t[i], NULL, malloc_worker, &r[i]), 0);
    }
    for (int i = 0; i < N; i++)
        RET(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < N; i++)
        CHECK(!r[i].why[0], "thread %d: %s", i, r[i].why);
}

/* --- a spinning thread must not stall the others ------------------------- */

static atomic_int spin_stop;
static atomic_long work_done;

/* TSC cycles the spinner gives up after: several seconds on any machine
 * (a correct run needs tens of milliseconds), so a kernel without
 * preemption fails the check instead of hanging. */
#define SPIN_GIVE_UP (20ull * 1000 * 1000 * 1000)

static void *spinner(void *arg)
{
    (void)arg;
    uint64_t start = __builtin_ia32_rdtsc();
    /* No system calls in here: only a timer interrupt can take the CPU. */
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
        if (__builtin_ia32_rdtsc() - start > SPIN_GIVE_UP)
            return (void *)1;
    return NULL;
}

static void *sleepy_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        abi_sleep_ms(1);
        atomic_fetch_add(&work_done, 1);
        sched_yield();
    }
    return NULL;
}

static void t_spinner_does_not_stall(void)
{
    pthread_t s, w[4];
    void *gave_up;
    atomic_store(&spin_stop, 0);
    atomic_store(&work_done, 0);
    RET(pthread_create(&s, NULL, spinner, NULL), 0);
    for (int i = 0; i < 4; i++)
        RET(pthread_create(&w[i], NULL, sleepy_worker, NULL), 0);
    for (int i = 0; i < 4; i++)
        RET(pthread_join(w[i], NULL), 0);
    atomic_store(&spin_stop, 1);
    RET(pthread_join(s, &gave_up), 0);
    CHECK(gave_up == NULL, "the other threads made no progress while one spun");
    EQ(atomic_load(&work_done), 80);
}

/* --- FPU / SSE / AVX state is per thread -------------------------------- */

struct fpu_job { int id; int avx; int bad; char why[96]; };

static void *fpu_worker(void *arg)
{
    static const int modes[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    struct fpu_job *j = arg;
    uint64_t in[64], out[64];
    uint64_t seed = 0xabcdef12345ull + (uint64_t)j->id;
    int words = j->avx ? 64 : 32;
    for (int i = 0; i < words; i++)
        in[i] = abi_rand(&seed);
    memset(out, 0, sizeof out);
    int mode = modes[j->id % 4];
    fesetround(mode);
    if (j->avx)
        ymm_hold(in, out, 100);
    else
        xmm_hold(in, out, 100);
    for (int i = 0; i < words; i++)
        if (in[i] != out[i]) {
            snprintf(j->why, sizeof j->why, "%s register word %d changed", j->avx ? "ymm" : "xmm", i);
            j->bad = 1;
            return NULL;
        }
    unsigned short cw;
    unsigned mxcsr;
    __asm__ volatile("fnstcw %0" : "=m"(cw));       /* x87 control word; no clobbers */
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));   /* SSE control/status; no clobbers */
    if (fegetround() != mode || (cw & 0xc00) != (unsigned)mode || ((mxcsr >> 3) & 0xc00) != (unsigned)mode) {
        snprintf(j->why, sizeof j->why, "rounding mode %#x: x87 cw %#x, mxcsr %#x", mode, cw, mxcsr);
        j->bad = 1;
    }
    return NULL;
}

static int run_fpu_jobs(int avx, char *why, size_t n)
{
    enum { N = 6 };
    struct fpu_job j[N];
    pthread_t t[N];
    memset(j, 0, sizeof j);
    for (int i = 0; i < N; i++) {
        j[i].id = i;
        j[i].avx = avx;
        if (pthread_create(&t[i], NULL, fpu_worker, &j[i]) != 0) {
            snprintf(why, n, "pthread_create failed");
            return -1;
        }
    }
    for (int i = 0; i < N; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++)
        if (j[i].bad) {
            snprintf(why, n, "thread %d: %s", i, j[i].why);
            return -1;
        }
    return 0;
}

static void t_sse_state_per_thread(void)
{
    char why[160];
    CHECK(run_fpu_jobs(0, why, sizeof why) == 0, "%s", why);
}

static void t_avx_state_per_thread(void)
{
    char why[160];
    if (!have_avx()) {
        abi_skip("no AVX enabled by the kernel");
        return;
    }
    CHECK(run_fpu_jobs(1, why, sizeof why) == 0, "%s", why);
}

/* --- exit vs exit_group, in child processes -------------------------------- */

static void *exit_whole_process(void *arg)
{
    abi_sleep_ms(10);
    exit((int)(long)arg);
}

static void *block_forever(void *arg)
{
    char c;
    read((int)(long)arg, &c, 1);     /* nobody ever writes */
    return NULL;
}

/* Modes run as `threads --child <mode>`; the exit status is what the parent
 * checks. */
static int child_main(const char *mode)
{
    pthread_t t;
    if (!strcmp(mode, "exit-from-thread")) {
        /* exit() in a second thread ends the process, blocked main and all. */
        pthread_create(&t, NULL, exit_whole_process, (void *)7);
        pthread_join(t, NULL);
        return 99;
    }
    if (!strcmp(mode, "main-exits-first")) {
        /* The main thread leaves; the process lives on in the other one. */
        pthread_create(&t, NULL, exit_whole_process, (void *)5);
        pthread_exit(NULL);
    }
    if (!strcmp(mode, "exit-with-blocked-thread")) {
        int p[2];
        if (pipe(p) != 0)
            return 98;
        for (int i = 0; i < 4; i++)
            pthread_create(&t, NULL, block_forever, (void *)(long)p[0]);
        abi_sleep_ms(10);
        exit(3);
    }
    return 97;
}

static void t_exit_group_semantics(void)
{
    static const struct { const char *mode; int status; } cases[] = {
        { "exit-from-thread", 7 },
        { "main-exits-first", 5 },
        { "exit-with-blocked-thread", 3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[] = { "--child", cases[i].mode, NULL };
        pid_t pid = abi_spawn(ABI_AREA, args);
        CHECK(pid > 0, "spawn: %s", abi_errname(-pid));
        int st = abi_wait(pid);
        CHECK(st >= 0, "wait: %s", abi_errname(-st));
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == cases[i].status,
              "%s: status %#x, want exit %d", cases[i].mode, st, cases[i].status);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--child"))
        return child_main(argv[2]);
    abi_begin(ABI_AREA);
    RUN(create_join);
    RUN(create_many_sequential);
    RUN(ids);
    RUN(mutex_64_threads);
    RUN(condvar_64_threads);
    RUN(tls);
    RUN(join_detach_exit);
    RUN(malloc_stress);
    RUN(spinner_does_not_stall);
    RUN(sse_state_per_thread);
    RUN(avx_state_per_thread);
    RUN(exit_group_semantics);
    return abi_end();
}
