/* glibc's __longjmp_chk, which fortified code calls for longjmp/_longjmp.
 *
 * It is longjmp plus one check: the target stack pointer must not be below
 * the current one, since a frame below us has already been popped and
 * jumping there resumes a dead frame.  A signal handler running on an
 * alternate signal stack may legitimately jump to a lower address on the
 * normal stack, so, as in glibc, the check then only refuses targets inside
 * the alternate stack itself.
 *
 * The jmp_buf was filled by musl: glibc-compiled code calls _setjmp (which
 * musl provides; it saves no signal mask), so musl's longjmp is the matching
 * half.  glibc code using sigsetjmp would call __sigsetjmp, which this layer
 * does not provide, so such an archive fails the symbol check instead of
 * silently losing its signal mask. */
#include <nutshell/compat.h>

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

/* Index of the saved stack pointer in musl's x86-64 __jmp_buf
 * (rbx, rbp, r12, r13, r14, r15, rsp, rip). */
#define JB_RSP 6

static int target_is_dead_frame(uintptr_t target, uintptr_t sp)
{
    if (target >= sp)
        return 0;
    stack_t ss;
    if (sigaltstack(NULL, &ss) != 0)
        return 0;       /* cannot tell; glibc lets the jump through too */
    if (!(ss.ss_flags & SS_ONSTACK))
        return 1;
    /* On the alternate stack: fine unless the target is inside it. */
    uintptr_t top = (uintptr_t)ss.ss_sp + ss.ss_size;
    return top - target < ss.ss_size;
}

_Noreturn void __longjmp_chk(jmp_buf env, int val)
{
    uintptr_t sp;
    /* Reads the current stack pointer; no memory or flags clobbered. */
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    if (target_is_dead_frame(env->__jb[JB_RSP], sp))
        __fortify_fail("longjmp causes uninitialized stack frame");
    longjmp(env, val);
}
