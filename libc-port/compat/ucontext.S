/* getcontext, setcontext and swapcontext for x86-64 (System V ABI).
 *
 * A context holds what a function call must preserve: the callee-saved
 * registers (rbx, rbp, r12-r15), the stack pointer and resume address, the
 * x87 control word / SSE MXCSR, and the signal mask.  The argument registers
 * (rdi, rsi, rdx, rcx, r8, r9) are saved and restored as well, so that a
 * context prepared by makecontext() passes its function's arguments.
 * Caller-saved registers need not survive: every entry here is a call.
 *
 * The signal mask goes through C helpers (makecontext.c) calling musl's
 * sigprocmask, so a failing system call sets errno the usual way and the
 * function returns -1 with the registers untouched. */
#include "ucontext_layout.h"

    .text

/* int getcontext(ucontext_t *ucp)  -- ucp in rdi.
 * Clobbers rax, rcx, rdx, rsi, rdi, r8-r11 (through the C helper) and flags;
 * returns 0, or -1 with errno set. */
    .globl getcontext
    .type getcontext, @function
getcontext:
    movq    %rbx, UC_RBX(%rdi)
    movq    %rbp, UC_RBP(%rdi)
    movq    %r12, UC_R12(%rdi)
    movq    %r13, UC_R13(%rdi)
    movq    %r14, UC_R14(%rdi)
    movq    %r15, UC_R15(%rdi)
    movq    %rdi, UC_RDI(%rdi)
    movq    %rsi, UC_RSI(%rdi)
    movq    %rdx, UC_RDX(%rdi)
    movq    %rcx, UC_RCX(%rdi)
    movq    %r8, UC_R8(%rdi)
    movq    %r9, UC_R9(%rdi)
    movq    (%rsp), %rcx            /* resume at our return address ... */
    movq    %rcx, UC_RIP(%rdi)
    leaq    8(%rsp), %rcx           /* ... with the stack as the caller has it after the return */
    movq    %rcx, UC_RSP(%rdi)
    leaq    UC_FPREGS_MEM(%rdi), %rcx
    movq    %rcx, UC_FPREGS(%rdi)
    fnstenv (%rcx)                  /* fnstenv masks x87 exceptions as a side effect: */
    fldenv  (%rcx)                  /* reload to undo that */
    stmxcsr UC_MXCSR(%rdi)
    subq    $8, %rsp                /* align the stack for the call */
    call    compat_context_save_mask
    addq    $8, %rsp
    ret                             /* eax: the helper's 0 or -1 */
    .size getcontext, . - getcontext

/* int setcontext(const ucontext_t *ucp)  -- ucp in rdi.
 * Does not return on success.  On failure (the signal mask could not be
 * set) returns -1 with errno set and nothing else changed. */
    .globl setcontext
    .type setcontext, @function
setcontext:
    pushq   %rdi                    /* keep ucp; also aligns the stack for the call */
    call    compat_context_restore_mask
    popq    %rdi
    testl   %eax, %eax
    jnz     1f
    jmp     compat_context_load
1:  ret
    .size setcontext, . - setcontext

/* int swapcontext(ucontext_t *oucp, const ucontext_t *ucp)  -- rdi, rsi.
 * Saves the current context in oucp (resuming it returns 0 from here) and
 * switches to ucp; the mask is swapped by one sigprocmask call. */
    .globl swapcontext
    .type swapcontext, @function
swapcontext:
    movq    %rbx, UC_RBX(%rdi)
    movq    %rbp, UC_RBP(%rdi)
    movq    %r12, UC_R12(%rdi)
    movq    %r13, UC_R13(%rdi)
    movq    %r14, UC_R14(%rdi)
    movq    %r15, UC_R15(%rdi)
    movq    %rdi, UC_RDI(%rdi)
    movq    %rsi, UC_RSI(%rdi)
    movq    %rdx, UC_RDX(%rdi)
    movq    %rcx, UC_RCX(%rdi)
    movq    %r8, UC_R8(%rdi)
    movq    %r9, UC_R9(%rdi)
    movq    (%rsp), %rcx
    movq    %rcx, UC_RIP(%rdi)
    leaq    8(%rsp), %rcx
    movq    %rcx, UC_RSP(%rdi)
    leaq    UC_FPREGS_MEM(%rdi), %rcx
    movq    %rcx, UC_FPREGS(%rdi)
    fnstenv (%rcx)
    fldenv  (%rcx)
    stmxcsr UC_MXCSR(%rdi)
    pushq   %rsi                    /* keep ucp; two pushes plus the */
    pushq   %rdi                    /* sub keep the call aligned */
    subq    $8, %rsp
    call    compat_context_swap_mask
    addq    $8, %rsp
    popq    %rdi
    popq    %rsi
    testl   %eax, %eax
    jnz     1f
    movq    %rsi, %rdi
    jmp     compat_context_load
1:  ret
    .size swapcontext, . - swapcontext

/* Loads the registers of the context at rdi and resumes it with eax = 0.
 * Clobbers every register the context does not define (rax, r10, r11, flags). */
    .type compat_context_load, @function
compat_context_load:
    movq    UC_FPREGS(%rdi), %rcx
    fldenv  (%rcx)
    ldmxcsr UC_MXCSR(%rdi)
    movq    UC_RSP(%rdi), %rsp
    movq    UC_RBX(%rdi), %rbx
    movq    UC_RBP(%rdi), %rbp
    movq    UC_R12(%rdi), %r12
    movq    UC_R13(%rdi), %r13
    movq    UC_R14(%rdi), %r14
    movq    UC_R15(%rdi), %r15
    movq    UC_RIP(%rdi), %rcx
    pushq   %rcx                    /* the resume address, consumed by the ret below */
    movq    UC_RSI(%rdi), %rsi
    movq    UC_RDX(%rdi), %rdx
    movq    UC_RCX(%rdi), %rcx
    movq    UC_R8(%rdi), %r8
    movq    UC_R9(%rdi), %r9
    movq    UC_RDI(%rdi), %rdi
    xorl    %eax, %eax
    ret
    .size compat_context_load, . - compat_context_load

/* Where a makecontext() function returns to.  makecontext put the context's
 * uc_link in rbx, which the function preserved (callee-saved); the stack is
 * 16-byte aligned here because the function's entry rsp was 8 mod 16.
 * compat_context_finish() never returns. */
    .globl compat_context_trampoline
    .type compat_context_trampoline, @function
compat_context_trampoline:
    movq    %rbx, %rdi
    call    compat_context_finish
    ud2
    .size compat_context_trampoline, . - compat_context_trampoline

    .section .note.GNU-stack, "", @progbits
