/* The general-purpose register part of struct trap_frame (arch/trap.h), as
 * pushed and popped by every kernel entry (isr.S, syscall_entry.S).  The
 * order is the reverse of the struct's field order.  Only for assembly. */
#ifndef ARCH_TRAP_FRAME_ASM_H
#define ARCH_TRAP_FRAME_ASM_H

        .macro push_gprs
        pushq %rax
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
        .endm

        .macro pop_gprs
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
        .endm

#endif
