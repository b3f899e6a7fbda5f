/* Robust and priority-inheritance futexes: set_robust_list/get_robust_list,
 * the kernel's walk of the list when a thread ends or execs (lock words
 * naming the thread become FUTEX_OWNER_DIED, waiters bit kept,
 * list_op_pending too, other words untouched), musl's robust mutexes giving EOWNERDEAD to the
 * next locker (waiting or not; ENOTRECOVERABLE without
 * pthread_mutex_consistent; across processes when MAP_SHARED memory is
 * shared), and the PI lock protocol (FUTEX_LOCK_PI/TRYLOCK_PI/UNLOCK_PI on a
 * raw word: owner tid, FUTEX_WAITERS, hand-off to the waiter, EDEADLK,
 * EPERM, ESRCH, ETIMEDOUT) with musl's PTHREAD_PRIO_INHERIT mutexes under
 * contention. */
#include "abi.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

/* From Linux's uapi linux/futex.h (musl's sysroot has no kernel headers). */
#define FUTEX_LOCK_PI_PRIVATE (6 | 128)
#define FUTEX_UNLOCK_PI_PRIVATE (7 | 128)
#define FUTEX_TRYLOCK_PI_PRIVATE (8 | 128)
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
struct robust_list {
    struct robust_list *next;
};
struct robust_list_head {
    struct robust_list list;
    long futex_offset;
    struct robust_list *list_op_pending;
};

static pid_t tid_now(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static long futex_op(volatile uint32_t *word, int op, const struct timespec *ts)
{
    return syscall(SYS_futex, word, op, 0, ts, NULL, 0);
}

/* Loads a word another thread changes. */
static uint32_t load(volatile uint32_t *w)
{
    return __atomic_load_n(w, __ATOMIC_SEQ_CST);
}

/* --- the robust list, by hand ------------------------------------------ */

/* A lock as the kernel sees it through the list: the entry and, at
 * futex_offset from it, the word. */
struct raw_lock {
    struct robust_list entry;
    uint32_t word;
};

static struct raw_lock raw[4];
static struct robust_list_head raw_head;

/* Sets up the list: raw[0] held (the caller's tid), raw[1] held with
 * FUTEX_WAITERS, raw[2] held by another tid, and raw[3] held as
 * list_op_pending. */
static int hold_raw_locks(pid_t me)
{
    raw[0].word = (uint32_t)me;
    raw[1].word = (uint32_t)me | FUTEX_WAITERS;
    raw[2].word = 12345;
    raw[3].word = (uint32_t)me;
    raw_head.futex_offset = (long)offsetof(struct raw_lock, word) - (long)offsetof(struct raw_lock, entry);
    raw_head.list.next = &raw[0].entry;
    raw[0].entry.next = &raw[1].entry;
    raw[1].entry.next = &raw[2].entry;
    raw[2].entry.next = &raw_head.list;
    raw_head.list_op_pending = &raw[3].entry;
    return (int)syscall(SYS_set_robust_list, &raw_head, sizeof raw_head);
}

/* A child sharing the caller's memory (not a musl thread: musl's
 * pthread_exit releases robust mutexes itself, and its join needs its own
 * exit path).  It ends holding the raw locks, or execs holding them. */
static int die_holding_raw_locks(void *arg)
{
    if (hold_raw_locks(getpid()) != 0)
        syscall(SYS_exit, 3);
    const char *exec_path = arg;
    if (exec_path) {
        char *const argv[] = {(char *)exec_path, "--exit", NULL};
        execve(exec_path, argv, environ);
        syscall(SYS_exit, 4);
    }
    syscall(SYS_exit, 0);
    return 0;
}

/* Runs die_holding_raw_locks(arg) in a CLONE_VM|CLONE_VFORK child; its status. */
static int run_raw_child(void *arg)
{
    static char stack[16384] __attribute__((aligned(16)));
    pid_t child = clone(die_holding_raw_locks, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
    if (child < 0)
        return -1;
    return abi_wait(child);
}

/* The raw child ends (exec_path NULL) or execs exec_path holding the
 * raw locks: the kernel releases exactly its own. */
static void check_raw_locks_released(const char *exec_path)
{
    int st = run_raw_child((void *)exec_path);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
    EQ(raw[0].word, FUTEX_OWNER_DIED);
    EQ(raw[1].word, FUTEX_OWNER_DIED | FUTEX_WAITERS);
    EQ(raw[2].word, 12345);
    EQ(raw[3].word, FUTEX_OWNER_DIED);
}

static void t_list_walked_at_exit(void)
{
    check_raw_locks_released(NULL);
}

static void t_list_walked_at_exec(void)
{
    static char self[4096];
    check_raw_locks_released(abi_prog_path(self, sizeof self, "robust"));
}

static volatile pid_t other_tid;

/* Sets its own list to arg, says its tid, and lives a while. */
static void *set_list_and_wait(void *arg)
{
    struct robust_list_head *h = arg;
    h->list.next = &h->list;
    if (syscall(SYS_set_robust_list, h, sizeof *h) == 0)
        other_tid = tid_now();
    abi_sleep_ms(200);
    return NULL;
}

static void t_list_syscalls(void)
{
    static struct robust_list_head mine = {.list = {&mine.list}};
    struct robust_list_head *got = NULL;
    size_t len = 0;
    void *saved;
    size_t saved_len;
    OK(syscall(SYS_get_robust_list, 0, &saved, &saved_len));
    EQ(saved_len, sizeof mine);
    OK(syscall(SYS_set_robust_list, &mine, sizeof mine));
    OK(syscall(SYS_get_robust_list, 0, &got, &len));
    EQ(got, &mine);
    EQ(len, sizeof mine);
    OK(syscall(SYS_get_robust_list, tid_now(), &got, &len));
    EQ(got, &mine);
    ERR(syscall(SYS_set_robust_list, &mine, sizeof mine - 1), EINVAL);
    ERR(syscall(SYS_get_robust_list, 0x3fffffff, &got, &len), ESRCH);
    ERR(syscall(SYS_get_robust_list, 0, ABI_BAD_KERNEL, &len), EFAULT);
    ERR(syscall(SYS_get_robust_list, 0, &got, ABI_BAD_KERNEL), EFAULT);
    OK(syscall(SYS_set_robust_list, saved, saved_len));
    /* Another thread's list, by its tid. */
    static struct robust_list_head theirs;
    other_tid = 0;
    pthread_t th;
    RET(pthread_create(&th, NULL, set_list_and_wait, &theirs), 0);
    while (!other_tid)
        abi_sleep_ms(1);
    got = NULL;
    long r = syscall(SYS_get_robust_list, other_tid, &got, &len);
    pthread_join(th, NULL);
    EQ(r, 0);
    EQ(got, &theirs);
}

/* --- musl's robust mutexes -------------------------------------------- */

struct shared_lock {
    pthread_mutex_t m;
    volatile int locked;
};

static void *lock_and_end(void *arg)
{
    struct shared_lock *l = arg;
    if (pthread_mutex_lock(&l->m) != 0)
        return (void *)1;
    __atomic_store_n(&l->locked, 1, __ATOMIC_SEQ_CST);
    abi_sleep_ms(50); /* the other side may now be waiting in the kernel */
    return NULL;      /* ends holding it */
}

static int init_robust(pthread_mutex_t *m, int protocol, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_setprotocol(&a, protocol);
    pthread_mutexattr_setpshared(&a, pshared);
    int r = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return r;
}

static void robust_thread_case(int protocol, bool wait_first)
{
    static struct shared_lock l;
    memset(&l, 0, sizeof l);
    RET(init_robust(&l.m, protocol, PTHREAD_PROCESS_PRIVATE), 0);
    pthread_t th;
    RET(pthread_create(&th, NULL, lock_and_end, &l), 0);
    if (!wait_first)
        RET(pthread_join(th, NULL), 0);
    else
        while (!__atomic_load_n(&l.locked, __ATOMIC_SEQ_CST))
            abi_sleep_ms(1);
    RET(pthread_mutex_lock(&l.m), EOWNERDEAD); /* waiting for it or not */
    if (wait_first)
        RET(pthread_join(th, NULL), 0);
    RET(pthread_mutex_consistent(&l.m), 0);
    RET(pthread_mutex_unlock(&l.m), 0);
    RET(pthread_mutex_lock(&l.m), 0);
    RET(pthread_mutex_unlock(&l.m), 0);
    /* Without pthread_mutex_consistent the mutex becomes unusable. */
    RET(pthread_create(&th, NULL, lock_and_end, &l), 0);
    RET(pthread_join(th, NULL), 0);
    RET(pthread_mutex_lock(&l.m), EOWNERDEAD);
    RET(pthread_mutex_unlock(&l.m), 0);
    RET(pthread_mutex_lock(&l.m), ENOTRECOVERABLE);
}

static void t_robust_mutex_owner_thread_ends(void)
{
    robust_thread_case(PTHREAD_PRIO_NONE, false);
}

static void t_robust_mutex_waiter_gets_eownerdead(void)
{
    robust_thread_case(PTHREAD_PRIO_NONE, true);
}

static void t_robust_pi_mutex_owner_thread_ends(void)
{
    robust_thread_case(PTHREAD_PRIO_INHERIT, false);
}

static void t_robust_pi_mutex_waiter_gets_eownerdead(void)
{
    robust_thread_case(PTHREAD_PRIO_INHERIT, true);
}

/* A process-shared robust mutex in MAP_SHARED memory, its owner a child
 * that exits holding it.  SKIP where a forked child does not share such
 * memory. */
static void t_robust_mutex_owner_process_ends(void)
{
    struct shared_lock *l = mmap(NULL, sizeof *l, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(l != MAP_FAILED, "mmap: %s", abi_errname(errno));
    memset(l, 0, sizeof *l);
    pid_t probe = fork();
    CHECK(probe >= 0, "fork: %s", abi_errname(errno));
    if (probe == 0) {
        l->locked = 7;
        _exit(0);
    }
    abi_wait(probe);
    if (l->locked != 7) {
        munmap(l, sizeof *l);
        abi_skip("MAP_SHARED anonymous memory is not shared with a forked child here");
        return;
    }
    l->locked = 0;
    RET(init_robust(&l->m, PTHREAD_PRIO_NONE, PTHREAD_PROCESS_SHARED), 0);
    pid_t child = fork();
    CHECK(child >= 0, "fork: %s", abi_errname(errno));
    if (child == 0) {
        lock_and_end(l);
        _exit(0);
    }
    while (!__atomic_load_n(&l->locked, __ATOMIC_SEQ_CST))
        abi_sleep_ms(1);
    RET(pthread_mutex_lock(&l->m), EOWNERDEAD);
    RET(pthread_mutex_consistent(&l->m), 0);
    RET(pthread_mutex_unlock(&l->m), 0);
    int st = abi_wait(child);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
    munmap(l, sizeof *l);
}

/* --- the PI protocol on a raw word ------------------------------------ */

static volatile uint32_t pi_word;
static volatile long pi_waiter_result = -2;
static volatile pid_t pi_waiter_tid;

static void *pi_waiter(void *arg)
{
    (void)arg;
    pi_waiter_tid = tid_now();
    long r = futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, NULL);
    /* It owns the word now: its tid is there before it runs. */
    bool owner = (load(&pi_word) & FUTEX_TID_MASK) == (uint32_t)tid_now();
    long u = futex_op(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, NULL);
    pi_waiter_result = r == 0 && owner && u == 0 ? 0 : r != 0 ? r : owner ? 100 + errno : 99;
    return NULL;
}

static void *pi_try_from_other(void *arg)
{
    (void)arg;
    errno = 0;
    long r = futex_op(&pi_word, FUTEX_TRYLOCK_PI_PRIVATE, NULL);
    long e = errno;
    errno = 0;
    long u = futex_op(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, NULL);
    return (void *)(uintptr_t)(r == -1 && e == EAGAIN && u == -1 && errno == EPERM ? 0 : 1);
}

static void t_pi_protocol(void)
{
    pid_t me = tid_now();
    pi_word = 0;
    OK(futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, NULL));
    EQ(pi_word, (uint32_t)me);
    ERR(futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, NULL), EDEADLK);
    ERR(futex_op(&pi_word, FUTEX_TRYLOCK_PI_PRIVATE, NULL), EDEADLK);
    pthread_t th;
    void *res;
    RET(pthread_create(&th, NULL, pi_try_from_other, NULL), 0);
    RET(pthread_join(th, &res), 0);
    EQ(res, NULL);
    /* Unlock with nobody waiting frees the word. */
    OK(futex_op(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
    EQ(pi_word, 0);
    ERR(futex_op(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, NULL), EPERM);
    /* A waiter sets FUTEX_WAITERS; unlock hands the lock straight to it. */
    OK(futex_op(&pi_word, FUTEX_TRYLOCK_PI_PRIVATE, NULL));
    EQ(pi_word, (uint32_t)me);
    pi_waiter_result = -2;
    RET(pthread_create(&th, NULL, pi_waiter, NULL), 0);
    uint64_t t0 = abi_now_ns();
    while (!(load(&pi_word) & FUTEX_WAITERS) && abi_now_ns() - t0 < 20ull * 1000000000)
        abi_sleep_ms(1);
    EQ(load(&pi_word), (uint32_t)me | FUTEX_WAITERS);
    OK(futex_op(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
    RET(pthread_join(th, NULL), 0);
    EQ(pi_waiter_result, 0);
    EQ(pi_word, 0);
}

static volatile sig_atomic_t pi_handled;

static void on_pi_signal(int sig)
{
    (void)sig;
    pi_handled = 1;
}

/* A handler without SA_RESTART does not end FUTEX_LOCK_PI (Linux's
 * ERESTARTNOINTR): the call goes on after it and gets the lock. */
static void t_pi_lock_goes_on_after_handler(void)
{
    struct sigaction sa = {.sa_handler = on_pi_signal}, old;
    sigemptyset(&sa.sa_mask);
    OK(sigaction(SIGUSR1, &sa, &old));
    pi_word = 0;
    pi_handled = 0;
    OK(futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, NULL));
    pi_waiter_result = -2;
    pthread_t th;
    RET(pthread_create(&th, NULL, pi_waiter, NULL), 0);
    uint64_t t0 = abi_now_ns();
    while (!(load(&pi_word) & FUTEX_WAITERS) && abi_now_ns() - t0 < 20ull * 1000000000)
        abi_sleep_ms(1);
    RET(pthread_kill(th, SIGUSR1), 0);
    t0 = abi_now_ns();
    while (!pi_handled && abi_now_ns() - t0 < 20ull * 1000000000)
        abi_sleep_ms(1);
    CHECK(pi_handled, "the waiter's handler did not run");
    OK(futex_op(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
    RET(pthread_join(th, NULL), 0);
    EQ(pi_waiter_result, 0); /* locked (not EINTR), owned, unlocked */
    OK(sigaction(SIGUSR1, &old, NULL));
}

static void t_pi_errors(void)
{
    /* A word naming no thread. */
    pi_word = 0x3ffffff0;
    ERR(futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, NULL), ESRCH);
    pi_word = 0;
    ERR(syscall(SYS_futex, ABI_BAD_KERNEL, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), EFAULT);
    ERR(syscall(SYS_futex, (char *)&pi_word + 1, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), EINVAL);
    struct timespec bad = {0, 1000000000};
    ERR(futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, &bad), EINVAL);
    EQ(pi_word, 0);
}

static volatile int pi_held;

/* Takes the raw PI word and ends holding it (no robust list names it). */
static void *pi_lock_and_end(void *arg)
{
    (void)arg;
    if (futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, NULL) == 0)
        __atomic_store_n(&pi_held, 1, __ATOMIC_SEQ_CST);
    abi_sleep_ms(200); /* the main thread is waiting in the kernel by now */
    return NULL;
}

/* The owner of a PI lock ends holding it: the waiter gets the lock. */
static void t_pi_owner_thread_ends(void)
{
    pi_word = 0;
    pi_held = 0;
    pthread_t th;
    RET(pthread_create(&th, NULL, pi_lock_and_end, NULL), 0);
    while (!__atomic_load_n(&pi_held, __ATOMIC_SEQ_CST))
        abi_sleep_ms(1);
    OK(futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, NULL));
    EQ(load(&pi_word) & FUTEX_TID_MASK, (uint32_t)tid_now());
    RET(pthread_join(th, NULL), 0);
    OK(futex_op(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
    EQ(pi_word, 0);
}

static volatile long timed_result;
static void *pi_timed_lock(void *arg)
{
    struct timespec *at = arg;
    errno = 0;
    long r = futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, at);
    timed_result = r == -1 ? errno : 1000;
    return NULL;
}

static void t_pi_timeout(void)
{
    pi_word = 0;
    OK(futex_op(&pi_word, FUTEX_LOCK_PI_PRIVATE, NULL));
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 50 * 1000 * 1000;
    if (at.tv_nsec >= 1000000000) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000;
    }
    pthread_t th;
    RET(pthread_create(&th, NULL, pi_timed_lock, &at), 0);
    RET(pthread_join(th, NULL), 0);
    EQ(timed_result, ETIMEDOUT);
    /* The waiter left; the owner still unlocks (through the kernel: the
     * waiters bit may still be set). */
    EQ(load(&pi_word) & FUTEX_TID_MASK, (uint32_t)tid_now());
    OK(futex_op(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, NULL));
    EQ(pi_word, 0);
}

/* --- musl's PTHREAD_PRIO_INHERIT mutexes under contention --------------- */

#define PI_THREADS 8
#define PI_ROUNDS 2000
static pthread_mutex_t pi_mutex;
static long pi_counter;

static void *pi_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < PI_ROUNDS; i++) {
        if (pthread_mutex_lock(&pi_mutex) != 0)
            return (void *)1;
        long v = pi_counter;
        if ((i & 63) == 0)
            sched_yield(); /* hold it across a switch now and then */
        pi_counter = v + 1;
        if (pthread_mutex_unlock(&pi_mutex) != 0)
            return (void *)1;
    }
    return NULL;
}

static void t_pi_mutex_contention(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    RET(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT), 0);
    RET(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK), 0);
    RET(pthread_mutex_init(&pi_mutex, &a), 0);
    pthread_mutexattr_destroy(&a);
    RET(pthread_mutex_lock(&pi_mutex), 0);
    RET(pthread_mutex_lock(&pi_mutex), EDEADLK);
    RET(pthread_mutex_unlock(&pi_mutex), 0);
    RET(pthread_mutex_unlock(&pi_mutex), EPERM);
    pi_counter = 0;
    pthread_t th[PI_THREADS];
    for (int i = 0; i < PI_THREADS; i++)
        RET(pthread_create(&th[i], NULL, pi_worker, NULL), 0);
    for (int i = 0; i < PI_THREADS; i++) {
        void *r;
        RET(pthread_join(th[i], &r), 0);
        EQ(r, NULL);
    }
    EQ(pi_counter, (long)PI_THREADS * PI_ROUNDS);
    RET(pthread_mutex_trylock(&pi_mutex), 0);
    RET(pthread_mutex_unlock(&pi_mutex), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--exit") == 0)
        return 0;
    abi_begin(ABI_AREA);
    RUN(list_walked_at_exit);
    RUN(list_walked_at_exec);
    RUN(list_syscalls);
    RUN(robust_mutex_owner_thread_ends);
    RUN(robust_mutex_waiter_gets_eownerdead);
    RUN(robust_pi_mutex_owner_thread_ends);
    RUN(robust_pi_mutex_waiter_gets_eownerdead);
    RUN(robust_mutex_owner_process_ends);
    RUN(pi_protocol);
    RUN(pi_lock_goes_on_after_handler);
    RUN(pi_errors);
    RUN(pi_timeout);
    RUN(pi_owner_thread_ends);
    RUN(pi_mutex_contention);
    return abi_end();
}
