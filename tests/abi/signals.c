/* Signals: rt_sigaction, rt_sigprocmask, rt_sigreturn (with a handler
 * that edits the interrupted context), sigaltstack, delivery of kill and
 * tgkill to the right thread, delivery of SIGILL/SIGFPE from faults,
 * register and FPU state across handlers, EINTR and SA_RESTART, and the
 * error cases. */
#include "abi.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <ucontext.h>

/* What the last handler run saw. */
static atomic_int hits;
static siginfo_t last_info;
static atomic_long handler_tid;
static sigset_t handler_mask;

static void record(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    last_info = *si;
    atomic_store(&handler_tid, gettid());
    sigprocmask(SIG_SETMASK, NULL, &handler_mask);
    atomic_fetch_add(&hits, 1);
}

static int install(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const sigset_t *mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    if (mask)
        sa.sa_mask = *mask;
    return sigaction(sig, &sa, NULL);
}

static void restore_default(int sig)
{
    signal(sig, SIG_DFL);
}

static void t_kill_self(void)
{
    OK(install(SIGUSR1, record, 0, NULL));
    atomic_store(&hits, 0);
    OK(kill(getpid(), SIGUSR1));
    /* An unblocked signal sent to oneself is delivered before kill returns. */
    EQ(atomic_load(&hits), 1);
    EQ(last_info.si_signo, SIGUSR1);
    EQ(last_info.si_code, SI_USER);
    EQ(last_info.si_pid, getpid());
    EQ(last_info.si_uid, getuid());
    EQ(atomic_load(&handler_tid), gettid());
    OK(kill(getpid(), 0));                            /* signal 0: only a check */
    EQ(atomic_load(&hits), 1);
    restore_default(SIGUSR1);
}

/* --- thread-directed and process-directed delivery ------------------------ */

static atomic_long worker_tid;
static atomic_int worker_stop;

static void *wait_for_signal(void *arg)
{
    sigset_t *unblock = arg;
    if (unblock)
        pthread_sigmask(SIG_UNBLOCK, unblock, NULL);
    atomic_store(&worker_tid, gettid());
    uint64_t deadline = abi_now_ns() + 10000000000ull;
    while (!atomic_load(&worker_stop) && abi_now_ns() < deadline)
        sched_yield();
    return NULL;
}

static void t_tgkill_targets_thread(void)
{
    pthread_t t;
    OK(install(SIGUSR2, record, 0, NULL));
    atomic_store(&hits, 0);
    atomic_store(&worker_tid, 0);
    atomic_store(&worker_stop, 0);
    RET(pthread_create(&t, NULL, wait_for_signal, NULL), 0);
    while (!atomic_load(&worker_tid))
        sched_yield();
    long tid = atomic_load(&worker_tid);
    long r = syscall(SYS_tgkill, getpid(), tid, SIGUSR2);
    uint64_t deadline = abi_now_ns() + 10000000000ull;
    while (r == 0 && !atomic_load(&hits) && abi_now_ns() < deadline)
        sched_yield();
    atomic_store(&worker_stop, 1);
    pthread_join(t, NULL);
    EQ(r, 0);
    EQ(atomic_load(&hits), 1);
    EQ(atomic_load(&handler_tid), tid);
    EQ(last_info.si_code, SI_TKILL);
    EQ(last_info.si_pid, getpid());
    /* raise() is a tgkill to the calling thread. */
    OK(raise(SIGUSR2));
    EQ(atomic_load(&hits), 2);
    EQ(atomic_load(&handler_tid), gettid());
    restore_default(SIGUSR2);
}

static void t_kill_goes_to_unblocking_thread(void)
{
    /* The main thread blocks SIGUSR1, the worker does not: a
     * process-directed signal must be handled by the worker. */
    pthread_t t;
    sigset_t s, old;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    OK(install(SIGUSR1, record, 0, NULL));
    pthread_sigmask(SIG_BLOCK, &s, &old);
    atomic_store(&hits, 0);
    atomic_store(&worker_tid, 0);
    atomic_store(&worker_stop, 0);
    RET(pthread_create(&t, NULL, wait_for_signal, &s), 0);
    while (!atomic_load(&worker_tid))
        sched_yield();
    long r = kill(getpid(), SIGUSR1);
    uint64_t deadline = abi_now_ns() + 10000000000ull;
    while (r == 0 && !atomic_load(&hits) && abi_now_ns() < deadline)
        sched_yield();
    atomic_store(&worker_stop, 1);
    pthread_join(t, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    restore_default(SIGUSR1);
    EQ(r, 0);
    EQ(atomic_load(&hits), 1);
    EQ(atomic_load(&handler_tid), atomic_load(&worker_tid));
}

/* --- dispositions and masks ----------------------------------------------- */

static void t_sigaction_query(void)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    OK(install(SIGUSR1, record, SA_RESTART, &m));
    struct sigaction cur;
    OK(sigaction(SIGUSR1, NULL, &cur));
    CHECK(cur.sa_sigaction == record, "handler not returned");
    CHECK((cur.sa_flags & (SA_SIGINFO | SA_RESTART)) == (SA_SIGINFO | SA_RESTART), "flags %#x", cur.sa_flags);
    CHECK(sigismember(&cur.sa_mask, SIGUSR2) && !sigismember(&cur.sa_mask, SIGTERM), "sa_mask not kept");
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    OK(sigaction(SIGUSR1, &ign, &old));
    CHECK(old.sa_sigaction == record, "old action not returned");
    atomic_store(&hits, 0);
    OK(kill(getpid(), SIGUSR1));                      /* ignored: nothing happens */
    EQ(atomic_load(&hits), 0);
    restore_default(SIGUSR1);
    OK(sigaction(SIGUSR1, NULL, &cur));
    CHECK(cur.sa_handler == SIG_DFL, "not back to SIG_DFL");
    /* Signals whose default is to be ignored do nothing either. */
    OK(kill(getpid(), SIGCHLD));
    OK(kill(getpid(), SIGWINCH));
    OK(kill(getpid(), SIGURG));
}

static void t_blocked_then_delivered(void)
{
    sigset_t s, old, now;
    OK(install(SIGUSR1, record, 0, NULL));
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, &s, &old));
    atomic_store(&hits, 0);
    OK(kill(getpid(), SIGUSR1));
    OK(kill(getpid(), SIGUSR1));
    EQ(atomic_load(&hits), 0);
    OK(sigprocmask(SIG_SETMASK, NULL, &now));
    CHECK(sigismember(&now, SIGUSR1), "SIGUSR1 not in the mask");
    /* Unblocking delivers it before sigprocmask returns, once: standard
     * signals do not queue. */
    OK(sigprocmask(SIG_SETMASK, &old, NULL));
    EQ(atomic_load(&hits), 1);
    restore_default(SIGUSR1);
}

static void t_realtime_signal(void)
{
    int sig = SIGRTMIN + 2;
    OK(install(sig, record, 0, NULL));
    atomic_store(&hits, 0);
    OK(kill(getpid(), sig));
    EQ(atomic_load(&hits), 1);
    EQ(last_info.si_signo, sig);
    restore_default(sig);
}

static void t_mask_during_handler(void)
{
    sigset_t m, before, after;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    OK(sigprocmask(SIG_SETMASK, NULL, &before));
    OK(install(SIGUSR1, record, 0, &m));
    OK(kill(getpid(), SIGUSR1));
    CHECK(sigismember(&handler_mask, SIGUSR1), "the signal itself not blocked in its handler");
    CHECK(sigismember(&handler_mask, SIGUSR2), "sa_mask not blocked in the handler");
    CHECK(!sigismember(&handler_mask, SIGTERM), "SIGTERM blocked in the handler");
    OK(sigprocmask(SIG_SETMASK, NULL, &after));
    CHECK(!sigismember(&after, SIGUSR1) && !sigismember(&after, SIGUSR2), "mask not restored by sigreturn");
    OK(install(SIGUSR1, record, SA_NODEFER, NULL));
    OK(kill(getpid(), SIGUSR1));
    CHECK(!sigismember(&handler_mask, SIGUSR1), "SA_NODEFER: the signal was blocked");
    restore_default(SIGUSR1);
}

static void t_resethand(void)
{
    OK(install(SIGUSR1, record, SA_RESETHAND, NULL));
    atomic_store(&hits, 0);
    OK(kill(getpid(), SIGUSR1));
    EQ(atomic_load(&hits), 1);
    struct sigaction cur;
    OK(sigaction(SIGUSR1, NULL, &cur));
    CHECK(cur.sa_handler == SIG_DFL, "SA_RESETHAND left the handler installed");
}

static void t_cannot_block_kill_stop(void)
{
    sigset_t all, old, now;
    sigfillset(&all);
    OK(sigprocmask(SIG_SETMASK, &all, &old));
    OK(sigprocmask(SIG_SETMASK, NULL, &now));
    OK(sigprocmask(SIG_SETMASK, &old, NULL));
    CHECK(!sigismember(&now, SIGKILL) && !sigismember(&now, SIGSTOP), "SIGKILL or SIGSTOP got blocked");
    CHECK(sigismember(&now, SIGTERM) && sigismember(&now, SIGUSR1), "blocking everything did not block SIGTERM");
}

/* --- faults, rt_sigreturn and the interrupted context --------------------- */

#define MAGIC_RAX 0x5151515151515151ul

static void skip_ud2(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)sig;
    last_info = *si;
    /* Resume after the 2-byte ud2 with a new rax: rt_sigreturn must load
     * the edited context, and every register the handler did not edit
     * must come back as it was. */
    uc->uc_mcontext.gregs[REG_RIP] += 2;
    uc->uc_mcontext.gregs[REG_RAX] = (greg_t)MAGIC_RAX;
    atomic_fetch_add(&hits, 1);
}

static void t_sigreturn_context(void)
{
    uint64_t in[10], out[12];
    uint64_t seed = 77;
    for (int i = 0; i < 10; i++)
        in[i] = abi_rand(&seed);
    OK(install(SIGILL, skip_ud2, 0, NULL));
    atomic_store(&hits, 0);
    /* Loads rbx, rcx, rdx, rsi, rdi, r8-r12 from in[], executes ud2, and
     * stores them to out[], then rax and the address of the ud2.
     * Clobbers those registers, rax, flags and memory. */
    __asm__ volatile(
        "mov 0(%[in]), %%rbx\n\t"
        "mov 8(%[in]), %%rcx\n\t"
        "mov 16(%[in]), %%rdx\n\t"
        "mov 24(%[in]), %%rsi\n\t"
        "mov 32(%[in]), %%rdi\n\t"
        "mov 40(%[in]), %%r8\n\t"
        "mov 48(%[in]), %%r9\n\t"
        "mov 56(%[in]), %%r10\n\t"
        "mov 64(%[in]), %%r11\n\t"
        "mov 72(%[in]), %%r12\n\t"
        "xor %%eax, %%eax\n\t"
        "1: ud2\n\t"
        "mov %%rbx, 0(%[out])\n\t"
        "mov %%rcx, 8(%[out])\n\t"
        "mov %%rdx, 16(%[out])\n\t"
        "mov %%rsi, 24(%[out])\n\t"
        "mov %%rdi, 32(%[out])\n\t"
        "mov %%r8, 40(%[out])\n\t"
        "mov %%r9, 48(%[out])\n\t"
        "mov %%r10, 56(%[out])\n\t"
        "mov %%r11, 64(%[out])\n\t"
        "mov %%r12, 72(%[out])\n\t"
        "mov %%rax, 80(%[out])\n\t"
        "lea 1b(%%rip), %%rax\n\t"
        "mov %%rax, 88(%[out])\n\t"
        :
        : [in] "r"(in), [out] "r"(out)
        : "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "cc", "memory");
    restore_default(SIGILL);
    EQ(atomic_load(&hits), 1);
    EQ(last_info.si_signo, SIGILL);
    EQ(last_info.si_code, ILL_ILLOPN);
    EQ(last_info.si_addr, out[11]);
    EQ(out[10], MAGIC_RAX);
    static const char *names[10] = { "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12" };
    for (int i = 0; i < 10; i++)
        CHECK(out[i] == in[i], "%s is %#llx after the handler, want %#llx", names[i],
              (unsigned long long)out[i], (unsigned long long)in[i]);
}

/* Divides by zero; r[0] gets the address of the div.  Clobbers rax, rcx,
 * rdx and flags. */
static void divide_by_zero(void *arg)
{
    uint64_t *r = arg;
    __asm__ volatile(
        "lea 1f(%%rip), %%rcx\n\t"
        "mov %%rcx, (%[r])\n\t"
        "mov $1, %%eax\n\t"
        "xor %%edx, %%edx\n\t"
        "xor %%ecx, %%ecx\n\t"
        "1: div %%rcx\n\t"
        :
        : [r] "r"(r)
        : "rax", "rcx", "rdx", "cc", "memory");
}

static void t_sigfpe(void)
{
    uint64_t at = 0;
    siginfo_t si;
    EQ(abi_catch(divide_by_zero, &at, &si), SIGFPE);
    EQ(si.si_code, FPE_INTDIV);
    EQ(si.si_addr, at);
}

/* Executes ud2 in a function, for the default-stack SIGILL check. */
static void exec_ud2(void *arg)
{
    (void)arg;
    __asm__ volatile("ud2");                           /* raises SIGILL; clobbers nothing */
}

static void t_sigill(void)
{
    siginfo_t si;
    EQ(abi_catch(exec_ud2, NULL, &si), SIGILL);
    EQ(si.si_code, ILL_ILLOPN);
}

/* --- FPU state across a handler ---------------------------------------------- */

static void clobber_xmm(int sig)
{
    (void)sig;
    /* Scribbles over every xmm register; the interrupted code must not
     * notice.  Clobbers xmm0-15. */
    __asm__ volatile(
        "pcmpeqd %%xmm0, %%xmm0\n\t"
        "movdqa %%xmm0, %%xmm1\n\t" "movdqa %%xmm0, %%xmm2\n\t" "movdqa %%xmm0, %%xmm3\n\t"
        "movdqa %%xmm0, %%xmm4\n\t" "movdqa %%xmm0, %%xmm5\n\t" "movdqa %%xmm0, %%xmm6\n\t"
        "movdqa %%xmm0, %%xmm7\n\t" "movdqa %%xmm0, %%xmm8\n\t" "movdqa %%xmm0, %%xmm9\n\t"
        "movdqa %%xmm0, %%xmm10\n\t" "movdqa %%xmm0, %%xmm11\n\t" "movdqa %%xmm0, %%xmm12\n\t"
        "movdqa %%xmm0, %%xmm13\n\t" "movdqa %%xmm0, %%xmm14\n\t" "movdqa %%xmm0, %%xmm15\n\t"
        ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
            "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
    atomic_fetch_add(&hits, 1);
}

static void t_fpu_preserved_across_handler(void)
{
    uint64_t in[32], out[32];
    uint64_t seed = 4242;
    for (int i = 0; i < 32; i++)
        in[i] = abi_rand(&seed);
    signal(SIGUSR1, clobber_xmm);
    atomic_store(&hits, 0);
    long pid = getpid();
#define LD(i) "movdqu " #i "*16(%[in]), %%xmm" #i "\n\t"
#define ST(i) "movdqu %%xmm" #i ", " #i "*16(%[out])\n\t"
    /* Loads xmm0-15, sends itself SIGUSR1 with a raw kill (delivered on the
     * way out of the syscall), stores xmm0-15.  Clobbers xmm0-15, rax,
     * rdi, rsi, rcx, r11, memory. */
    __asm__ volatile(
        LD(0) LD(1) LD(2) LD(3) LD(4) LD(5) LD(6) LD(7)
        LD(8) LD(9) LD(10) LD(11) LD(12) LD(13) LD(14) LD(15)
        "mov %[nr], %%eax\n\t"
        "mov %[pid], %%rdi\n\t"
        "mov %[sig], %%esi\n\t"
        "syscall\n\t"
        ST(0) ST(1) ST(2) ST(3) ST(4) ST(5) ST(6) ST(7)
        ST(8) ST(9) ST(10) ST(11) ST(12) ST(13) ST(14) ST(15)
        :
        : [in] "r"(in), [out] "r"(out), [nr] "i"(SYS_kill), [pid] "r"(pid), [sig] "i"(SIGUSR1)
        : "rax", "rdi", "rsi", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
          "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#undef LD
#undef ST
    restore_default(SIGUSR1);
    EQ(atomic_load(&hits), 1);
    for (int i = 0; i < 32; i++)
        CHECK(in[i] == out[i], "xmm word %d changed across the handler", i);
}

/* --- sigaltstack ---------------------------------------------------------------- */

static void *alt_local;
static int alt_flags_inside;
static int alt_eperm;

static void on_altstack(int sig)
{
    (void)sig;
    char local;
    stack_t cur, again;
    alt_local = &local;
    sigaltstack(NULL, &cur);
    alt_flags_inside = cur.ss_flags;
    /* Changing the stack one runs on is refused. */
    again = cur;
    again.ss_flags = 0;
    alt_eperm = sigaltstack(&again, NULL) == -1 && errno == EPERM;
    atomic_fetch_add(&hits, 1);
}

static void t_sigaltstack(void)
{
    size_t size = 64 * 1024;
    char *mem = malloc(size);
    CHECK(mem, "malloc");
    stack_t ss = { .ss_sp = mem, .ss_size = size, .ss_flags = 0 }, old, cur;
    OK(sigaltstack(&ss, &old));
    struct sigaction sa = { .sa_handler = on_altstack, .sa_flags = SA_ONSTACK };
    OK(sigaction(SIGUSR1, &sa, NULL));
    alt_local = NULL;
    OK(kill(getpid(), SIGUSR1));
    char *l = alt_local;
    CHECK(l >= mem && l < mem + size, "handler ran at %p, outside the alternate stack", (void *)l);
    CHECK(alt_flags_inside & SS_ONSTACK, "SS_ONSTACK not reported inside the handler");
    CHECK(alt_eperm, "changing the active alternate stack was not refused with EPERM");
    OK(sigaltstack(NULL, &cur));
    EQ(cur.ss_flags, 0);
    EQ(cur.ss_sp, mem);
    EQ(cur.ss_size, size);
    /* Without SA_ONSTACK the handler stays on the normal stack. */
    sa.sa_flags = 0;
    OK(sigaction(SIGUSR1, &sa, NULL));
    OK(kill(getpid(), SIGUSR1));
    l = alt_local;
    CHECK(!(l >= mem && l < mem + size), "handler without SA_ONSTACK ran on the alternate stack");
    /* Disabled: even SA_ONSTACK uses the normal stack. */
    stack_t off = { .ss_flags = SS_DISABLE };
    OK(sigaltstack(&off, NULL));
    OK(sigaltstack(NULL, &cur));
    EQ(cur.ss_flags, SS_DISABLE);
    sa.sa_flags = SA_ONSTACK;
    OK(sigaction(SIGUSR1, &sa, NULL));
    OK(kill(getpid(), SIGUSR1));
    l = alt_local;
    CHECK(!(l >= mem && l < mem + size), "disabled alternate stack still used");
    restore_default(SIGUSR1);
    stack_t tiny = { .ss_sp = mem, .ss_size = 512, .ss_flags = 0 };
    ERR(sigaltstack(&tiny, NULL), ENOMEM);
    stack_t badflags = { .ss_sp = mem, .ss_size = size, .ss_flags = 0x1234 };
    ERR(sigaltstack(&badflags, NULL), EINVAL);
    ERR(syscall(SYS_sigaltstack, NULL, ABI_BAD_LOW), EFAULT);
    ERR(syscall(SYS_sigaltstack, ABI_BAD_KERNEL, NULL), EFAULT);
    OK(sigaltstack(&old, NULL));
    free(mem);
}

/* Recurses until the stack runs into its guard page (on purpose: called
 * through a volatile pointer so the compiler neither warns nor turns it
 * into a loop). */
static int recurse(int depth);
static int (*volatile recurse_again)(int) = recurse;

static int recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    return recurse_again(depth + 1) + pad[0];
}

static void overflow(void *arg)
{
    (void)arg;
    recurse(0);
}

struct overflow_result { int sig; void *addr; char *alt; size_t alt_size; int err; };

static void *overflow_thread(void *arg)
{
    struct overflow_result *r = arg;
    r->alt_size = 64 * 1024;
    r->alt = malloc(r->alt_size);
    stack_t ss = { .ss_sp = r->alt, .ss_size = r->alt_size, .ss_flags = 0 };
    if (!r->alt || sigaltstack(&ss, NULL) != 0) {
        r->err = errno;
        return NULL;
    }
    siginfo_t si;
    r->sig = abi_catch(overflow, NULL, &si);
    r->addr = si.si_addr;
    return NULL;
}

static void t_stack_overflow_on_altstack(void)
{
    /* A thread with a small stack overflows into musl's guard page; the
     * SIGSEGV can only be handled on the alternate stack. */
    pthread_attr_t attr;
    pthread_t t;
    struct overflow_result r = { 0 };
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    RET(pthread_create(&t, &attr, overflow_thread, &r), 0);
    RET(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
    free(r.alt);
    CHECK(r.err == 0, "sigaltstack in the thread: %s", abi_errname(r.err));
    EQ(r.sig, SIGSEGV);
}

/* --- EINTR and SA_RESTART -------------------------------------------------------- */

static void count_hit(int sig)
{
    (void)sig;
    atomic_fetch_add(&hits, 1);
}

struct reader { int fd; long result; int err; char byte; atomic_int done; };

static void *blocking_reader(void *arg)
{
    struct reader *r = arg;
    errno = 0;
    r->result = read(r->fd, &r->byte, 1);
    r->err = errno;
    atomic_store(&r->done, 1);
    return NULL;
}

static void t_eintr_and_restart(void)
{
    int p[2];
    pthread_t t;
    OK(pipe(p));
    /* Without SA_RESTART a signal ends the blocked read with EINTR. */
    struct sigaction sa = { .sa_handler = count_hit, .sa_flags = 0 };
    OK(sigaction(SIGUSR1, &sa, NULL));
    struct reader r = { .fd = p[0] };
    atomic_store(&hits, 0);
    RET(pthread_create(&t, NULL, blocking_reader, &r), 0);
    uint64_t deadline = abi_now_ns() + 10000000000ull;
    while (!atomic_load(&r.done) && abi_now_ns() < deadline) {
        pthread_kill(t, SIGUSR1);
        abi_sleep_ms(2);
    }
    if (!atomic_load(&r.done))
        (void)!write(p[1], "x", 1);                  /* unblock it before failing */
    pthread_join(t, NULL);
    EQ(r.result, -1);
    EQ(r.err, EINTR);
    /* With SA_RESTART the read goes on and gets the byte written later. */
    sa.sa_flags = SA_RESTART;
    OK(sigaction(SIGUSR1, &sa, NULL));
    struct reader r2 = { .fd = p[0] };
    atomic_store(&hits, 0);
    RET(pthread_create(&t, NULL, blocking_reader, &r2), 0);
    /* One signal at a time: a second one sent before the first is handled
     * would merge with it (standard signals do not queue). */
    deadline = abi_now_ns() + 10000000000ull;
    for (int i = 0; i < 5; i++) {
        pthread_kill(t, SIGUSR1);
        while (atomic_load(&hits) <= i && abi_now_ns() < deadline)
            abi_sleep_ms(1);
    }
    int handled = atomic_load(&hits);
    int early = atomic_load(&r2.done);
    EQ(write(p[1], "y", 1), 1);
    pthread_join(t, NULL);
    restore_default(SIGUSR1);
    close(p[0]);
    close(p[1]);
    EQ(handled, 5);
    EQ(early, 0);
    EQ(r2.result, 1);
    EQ(r2.byte, 'y');
}

/* A zombie still exists until it is reaped: kill() finds it (0), and the
 * signal has no effect.  Only a reaped pid is ESRCH. */
static void t_kill_zombie(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(6);
    CHECK(pid > 0, "fork: %s", abi_errname(errno));
    siginfo_t si;
    OK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT)); /* a zombie now, not reaped */
    OK(kill(pid, 0));
    OK(kill(pid, SIGTERM));
    int st = 0;
    EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 6, "status %#x", st);
    ERR(kill(pid, 0), ESRCH);
}

/* --- errors ----------------------------------------------------------------- */

/* The kernel's struct sigaction, for raw rt_sigaction calls. */
struct ksigaction { void (*handler)(int); unsigned long flags; void (*restorer)(void); uint64_t mask; };

static void t_errors(void)
{
    struct sigaction sa = { .sa_handler = count_hit };
    ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
    ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
    struct ksigaction k = { 0 }, kold;
    k.handler = SIG_DFL;
    ERR(syscall(SYS_rt_sigaction, 0, &k, NULL, 8), EINVAL);
    ERR(syscall(SYS_rt_sigaction, 65, &k, NULL, 8), EINVAL);
    ERR(syscall(SYS_rt_sigaction, 65, NULL, &kold, 8), EINVAL);
    ERR(syscall(SYS_rt_sigaction, SIGUSR1, &k, NULL, 4), EINVAL);        /* wrong sigsetsize */
    OK(syscall(SYS_rt_sigaction, SIGKILL, NULL, &kold, 8));              /* querying is fine */
    ERR(syscall(SYS_rt_sigaction, SIGUSR1, ABI_BAD_LOW, NULL, 8), EFAULT);
    ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, ABI_BAD_KERNEL, 8), EFAULT);
    uint64_t set = 0;
    ERR(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8), EINVAL);
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL);
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, ABI_BAD_LOW, NULL, 8), EFAULT);
    ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, ABI_BAD_KERNEL, 8), EFAULT);
    ERR(kill(getpid(), 999), EINVAL);
    ERR(kill(0x3fffffff, 0), ESRCH);
    ERR(syscall(SYS_tgkill, getpid(), 0x3fffffff, SIGUSR1), ESRCH);
    ERR(syscall(SYS_tgkill, getpid(), (long)-1, SIGUSR1), EINVAL);
    ERR(syscall(SYS_tgkill, getpid(), gettid(), 999), EINVAL);
    OK(syscall(SYS_tgkill, getpid(), gettid(), 0));
}

static volatile sig_atomic_t suspend_hits;
static void count_suspend(int sig) { (void)sig; suspend_hits++; }

static void t_sigsuspend_not_restarted(void)
{
    /* sigsuspend ends with EINTR once a handler ran, SA_RESTART or not
     * (Linux's ERESTARTNOHAND): restarting it would sleep forever. */
    struct sigaction sa = {.sa_handler = count_suspend, .sa_flags = SA_RESTART}, old;
    sigemptyset(&sa.sa_mask);
    OK(sigaction(SIGUSR2, &sa, &old));
    sigset_t block, prev, none;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigemptyset(&none);
    OK(sigprocmask(SIG_BLOCK, &block, &prev));
    suspend_hits = 0;
    OK(kill(getpid(), SIGUSR2)); /* pending until sigsuspend unblocks it */
    ERR(sigsuspend(&none), EINTR);
    EQ(suspend_hits, 1);
    OK(sigprocmask(SIG_SETMASK, &prev, NULL));
    OK(sigaction(SIGUSR2, &old, NULL));
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(kill_self);
    RUN(sigsuspend_not_restarted);
    RUN(tgkill_targets_thread);
    RUN(kill_goes_to_unblocking_thread);
    RUN(sigaction_query);
    RUN(blocked_then_delivered);
    RUN(realtime_signal);
    RUN(mask_during_handler);
    RUN(resethand);
    RUN(cannot_block_kill_stop);
    RUN(sigreturn_context);
    RUN(sigfpe);
    RUN(sigill);
    RUN(fpu_preserved_across_handler);
    RUN(sigaltstack);
    RUN(stack_overflow_on_altstack);
    RUN(eintr_and_restart);
    RUN(kill_zombie);
    RUN(errors);
    return abi_end();
}
