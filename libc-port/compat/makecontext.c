/* makecontext, and the C halves of ucontext.S.
 *
 * makecontext(ucp, func, argc, ...) prepares ucp (filled by getcontext, with
 * uc_stack and uc_link set by the caller) so that resuming it calls
 * func(args...) on uc_stack.  As in glibc, the arguments are read as
 * greg_t-sized values (pass longs or pointers; int parameters work because
 * only their low half is read), the first six go in registers and the rest
 * on the new stack.  When func returns, the context uc_link is resumed, or
 * the program exits with status 0 if uc_link is NULL. */
#define _GNU_SOURCE     /* REG_* names and greg_t */
#include <nutshell/compat.h>

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <ucontext.h>

#include "ucontext_layout.h"

_Static_assert(offsetof(ucontext_t, uc_mcontext.gregs) == UC_GREGS, "gregs offset");
_Static_assert(offsetof(ucontext_t, uc_mcontext.fpregs) == UC_FPREGS, "fpregs offset");
_Static_assert(offsetof(ucontext_t, uc_sigmask) == UC_SIGMASK, "sigmask offset");
_Static_assert(offsetof(ucontext_t, __fpregs_mem) == UC_FPREGS_MEM, "fpregs_mem offset");
_Static_assert(offsetof(struct _fpstate, mxcsr) == UC_MXCSR - UC_FPREGS_MEM, "mxcsr offset");
_Static_assert(REG_R8 == 0 && REG_R9 == 1 && REG_R12 == 4 && REG_R13 == 5 && REG_R14 == 6 &&
               REG_R15 == 7 && REG_RDI == 8 && REG_RSI == 9 && REG_RBP == 10 && REG_RBX == 11 &&
               REG_RDX == 12 && REG_RCX == 14 && REG_RSP == 15 && REG_RIP == 16,
               "greg indices");

/* Defined in ucontext.S. */
void compat_context_trampoline(void);
/* Called from ucontext.S. */
int compat_context_save_mask(ucontext_t *ucp);
int compat_context_restore_mask(const ucontext_t *ucp);
int compat_context_swap_mask(ucontext_t *oucp, const ucontext_t *ucp);
_Noreturn void compat_context_finish(const ucontext_t *link);

int compat_context_save_mask(ucontext_t *ucp)
{
    return sigprocmask(SIG_BLOCK, NULL, &ucp->uc_sigmask);
}

int compat_context_restore_mask(const ucontext_t *ucp)
{
    return sigprocmask(SIG_SETMASK, &ucp->uc_sigmask, NULL);
}

int compat_context_swap_mask(ucontext_t *oucp, const ucontext_t *ucp)
{
    return sigprocmask(SIG_SETMASK, &ucp->uc_sigmask, &oucp->uc_sigmask);
}

_Noreturn void compat_context_finish(const ucontext_t *link)
{
    if (!link)
        exit(0);
    setcontext(link);
    compat_fatal("makecontext: resuming uc_link failed (setcontext returned)\n");
}

/* The argument registers, in System V order. */
static const int arg_regs[6] = {REG_RDI, REG_RSI, REG_RDX, REG_RCX, REG_R8, REG_R9};

void makecontext(ucontext_t *ucp, void (*func)(), int argc, ...)
{
    if (argc < 0)
        compat_fatal("makecontext: negative argument count\n");
    size_t nstack = argc > 6 ? (size_t)argc - 6 : 0;
    uintptr_t base = (uintptr_t)ucp->uc_stack.ss_sp;
    uintptr_t top = (base + ucp->uc_stack.ss_size) & ~(uintptr_t)15;
    /* The return-address slot and the stack arguments, with room to align. */
    if (!ucp->uc_stack.ss_sp || top < base || top - base < 8 * nstack + 32)
        compat_fatal("makecontext: uc_stack is missing or too small\n");

    /* At func's entry rsp must be 8 mod 16 (as after a call), with the
     * return address at rsp and the stack arguments just above it. */
    uintptr_t *sp = (uintptr_t *)(((top - 8 * nstack) & ~(uintptr_t)15) - 8);
    sp[0] = (uintptr_t)compat_context_trampoline;

    greg_t *g = ucp->uc_mcontext.gregs;
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        greg_t v = va_arg(ap, greg_t);
        if (i < 6)
            g[arg_regs[i]] = v;
        else
            sp[1 + (i - 6)] = (uintptr_t)v;
    }
    va_end(ap);

    g[REG_RIP] = (greg_t)(uintptr_t)func;
    g[REG_RSP] = (greg_t)(uintptr_t)sp;
    g[REG_RBX] = (greg_t)(uintptr_t)ucp->uc_link;
}
