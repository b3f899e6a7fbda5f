/*
 * Interrupt and exception entry stubs.  Every vector gets a stub that pushes
 * an error code (0 when the CPU pushes none) and the vector number, then
 * joins isr_common, which completes a struct trap_frame (arch/trap.h) and
 * calls trap_dispatch(frame).  A trap from user mode swaps GS so that
 * kernel code always sees the kernel's GS base.
 */
        .text

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

        .macro isr_stub v
        .p2align 4
isr_stub_\v:
        .if HAS_ERROR_CODE(\v)
        .else
        pushq $0
        .endif
        pushq $\v
        jmp isr_common
        .endm

        .altmacro
        .macro isr_stubs from, to
        isr_stub \from
        .if \to - \from
        isr_stubs %(\from + 1), \to
        .endif
        .endm

        isr_stubs 0, 63
        isr_stubs 64, 127
        isr_stubs 128, 191
        isr_stubs 192, 255

isr_common:
        testb $3, 24(%rsp)              /* saved CS: from user mode? */
        jz 1f
        swapgs
1:      pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %rbp
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        cld
        movq %rsp, %rdi
        call trap_dispatch
        .globl trap_return
trap_return:
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rbp
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
        addq $16, %rsp                  /* vector, error code */
        testb $3, 8(%rsp)               /* returning to user mode? */
        jz 2f
        swapgs
2:      iretq

        .macro isr_addr v
        .quad isr_stub_\v
        .endm
        .macro isr_addrs from, to
        isr_addr \from
        .if \to - \from
        isr_addrs %(\from + 1), \to
        .endif
        .endm

        .section .rodata
        .p2align 3
        .globl isr_stub_table
isr_stub_table:
        isr_addrs 0, 63
        isr_addrs 64, 127
        isr_addrs 128, 191
        isr_addrs 192, 255
