/* getcontext/setcontext/swapcontext/makecontext from libnutshell-compat.a:
 * contexts resume where they were saved, with registers, signal mask and
 * floating-point control state; makecontext passes register and stack
 * arguments and follows uc_link. */
#define _GNU_SOURCE
#include "child.h"
#include "unit.h"

#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static char stack_a[64 * 1024] __attribute__((aligned(16)));

static void test_getcontext_setcontext_resume(void)
{
    ucontext_t uc;
    volatile int passes = 0;
    CHECK_EQ(getcontext(&uc), 0);
    passes++;
    if (passes < 3)
        setcontext(&uc);
    CHECK_EQ(passes, 3);
}

static void test_setcontext_restores_signal_mask(void)
{
    sigset_t block, cur;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &block, NULL), 0);

    ucontext_t uc;
    volatile int passes = 0;
    CHECK_EQ(getcontext(&uc), 0);
    if (passes++ == 0) {
        CHECK_EQ(sigprocmask(SIG_UNBLOCK, &block, NULL), 0);
        setcontext(&uc);
    }
    CHECK_EQ(sigprocmask(SIG_SETMASK, NULL, &cur), 0);
    CHECK(sigismember(&cur, SIGUSR2));
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &block, NULL), 0);
}

static void test_setcontext_restores_rounding_mode(void)
{
    volatile double one = 1.0;
    CHECK_EQ(fesetround(FE_UPWARD), 0);
    double up = one / 3.0;
    CHECK_EQ(fesetround(FE_DOWNWARD), 0);
    double down = one / 3.0;
    CHECK(up != down);

    ucontext_t uc;
    volatile int passes = 0;
    CHECK_EQ(getcontext(&uc), 0);
    if (passes++ == 0) {
        CHECK_EQ(fesetround(FE_UPWARD), 0);
        setcontext(&uc);
    }
    /* The SSE division rounds by MXCSR, which came back with the context. */
    CHECK(one / 3.0 == down);
    CHECK_EQ(fegetround(), FE_DOWNWARD);
    fesetround(FE_TONEAREST);
}

/* --- makecontext --- */

static ucontext_t main_uc, func_uc;
static long got[8];
static uintptr_t func_sp, func_aligned;

static void eight_args(long a, long b, long c, long d, long e, long f, long g, long h)
{
    long v[8] = {a, b, c, d, e, f, g, h};
    memcpy(got, v, sizeof v);
    func_sp = (uintptr_t)__builtin_frame_address(0);
    /* The compiler places this from rsp assuming the ABI's 16-byte alignment
     * at entry; a misaligned context stack shows up here. */
    _Alignas(16) volatile char probe[16];
    probe[0] = 0;
    func_aligned = (uintptr_t)probe;
}

static void test_makecontext_passes_arguments_and_links_back(void)
{
    memset(got, 0, sizeof got);
    CHECK_EQ(getcontext(&func_uc), 0);
    func_uc.uc_stack.ss_sp = stack_a;
    func_uc.uc_stack.ss_size = sizeof stack_a;
    func_uc.uc_link = &main_uc;
    makecontext(&func_uc, (void (*)())eight_args, 8, 11L, 22L, 33L, 44L, 55L, 66L, 77L, 88L);
    volatile int returned = 0;
    CHECK_EQ(getcontext(&main_uc), 0);
    if (!returned) {
        returned = 1;
        setcontext(&func_uc);
        unit_fail(__FILE__, __LINE__, "setcontext returned");
    }
    for (int i = 0; i < 8; i++)
        CHECK_EQ(got[i], 11 * (i + 1));
    /* The function ran on the stack it was given, correctly aligned. */
    CHECK(func_sp > (uintptr_t)stack_a && func_sp <= (uintptr_t)stack_a + sizeof stack_a);
    CHECK_EQ(func_aligned % 16, 0);
}

/* --- swapcontext: a generator that yields 1, 2, 3 --- */

static ucontext_t gen_uc, caller_uc;
static volatile int yielded;

static void generator(void)
{
    for (int i = 1; i <= 3; i++) {
        yielded = i;
        swapcontext(&gen_uc, &caller_uc);
    }
    yielded = -1;
}

static void test_swapcontext_ping_pong(void)
{
    CHECK_EQ(getcontext(&gen_uc), 0);
    gen_uc.uc_stack.ss_sp = stack_a;
    gen_uc.uc_stack.ss_size = sizeof stack_a;
    gen_uc.uc_link = &caller_uc;
    makecontext(&gen_uc, generator, 0);
    int seen[4] = {0};
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(swapcontext(&caller_uc, &gen_uc), 0);
        seen[i] = yielded;
    }
    CHECK_EQ(seen[0], 1);
    CHECK_EQ(seen[1], 2);
    CHECK_EQ(seen[2], 3);
    CHECK_EQ(seen[3], -1);
}

/* --- end of a context without uc_link: the program exits with status 0 --- */

static void print_and_return(void)
{
    fputs("ran", stderr);
}

static void run_unlinked_context(void)
{
    static ucontext_t uc;
    getcontext(&uc);
    uc.uc_stack.ss_sp = stack_a;
    uc.uc_stack.ss_size = sizeof stack_a;
    uc.uc_link = NULL;
    makecontext(&uc, print_and_return, 0);
    setcontext(&uc);
    _exit(7);           /* not reached when setcontext works */
}

static void test_unlinked_context_exits_zero(void)
{
    struct child_result r;
    if (!child_run(run_unlinked_context, &r))
        return;
    CHECK(WIFEXITED(r.status));
    CHECK_EQ(WEXITSTATUS(r.status), 0);
    CHECK(strcmp(r.err, "ran") == 0);
}

static void makecontext_without_stack(void)
{
    static ucontext_t uc;
    getcontext(&uc);
    uc.uc_stack.ss_sp = NULL;
    uc.uc_stack.ss_size = 0;
    makecontext(&uc, print_and_return, 0);
}

static void test_makecontext_without_stack_aborts(void)
{
    EXPECT_ABORT(makecontext_without_stack, "makecontext: uc_stack is missing or too small\n");
}

int main(void)
{
    return unit_main("compat_ucontext", (struct unit_test[]){
        UNIT(test_getcontext_setcontext_resume),
        UNIT(test_setcontext_restores_signal_mask),
        UNIT(test_setcontext_restores_rounding_mode),
        UNIT(test_makecontext_passes_arguments_and_links_back),
        UNIT(test_swapcontext_ping_pong),
        UNIT(test_unlinked_context_exits_zero),
        UNIT(test_makecontext_without_stack_aborts),
        {0},
    });
}
