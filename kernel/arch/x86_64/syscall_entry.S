/*
 * The syscall instruction's entry point.  The CPU arrives here in ring 0
 * with rcx = user rip, r11 = user rflags, interrupts off and SMAP closed
 * (FMASK clears IF and AC, arch/x86_64/percpu.c: no clac is needed here),
 * and the user's rsp and GS still loaded.  We switch to the thread's kernel
 * stack, build a struct trap_frame exactly like isr.S does (so signal
 * delivery, clone and exec treat every kernel entry the same way) and call
 * syscall_handler(frame).
 *
 * Return: syscall_handler returns with interrupts off; 0 means the fast
 * sysretq path is safe (rip canonical, rcx/r11 need not survive), anything
 * else takes the iretq path of isr.S, which restores every register
 * (after rt_sigreturn or execve, or for a non-canonical rip).
 */
#include <arch/trap_frame_asm.h>
#include <arch/boot_layout.h>

#define PERCPU_USER_RSP 0
#define PERCPU_KERNEL_RSP 8
#define SYSCALL_VECTOR 0x100

        .text
        .globl syscall_entry
syscall_entry:
        swapgs
        movq %rsp, %gs:PERCPU_USER_RSP
        movq %gs:PERCPU_KERNEL_RSP, %rsp
        pushq $GDT_USER_DS                      /* ss */
        pushq %gs:PERCPU_USER_RSP               /* rsp */
        pushq %r11                              /* rflags */
        pushq $GDT_USER_CS                      /* cs */
        pushq %rcx                              /* rip */
        pushq $0                                /* error code */
        pushq $SYSCALL_VECTOR                   /* vector: marks a syscall frame */
        push_gprs
        xorl %ebp, %ebp                         /* ends kernel backtraces here */
        movq %rsp, %rdi
        call syscall_handler
        testq %rax, %rax
        jnz trap_return                         /* full restore through iretq */
        pop_gprs
        addq $16, %rsp                          /* vector, error code */
        movq 0(%rsp), %rcx                      /* user rip for sysret */
        movq 16(%rsp), %r11                     /* user rflags for sysret */
        movq 24(%rsp), %rsp                     /* user rsp: the kernel stack is done with */
        swapgs
        sysretq

/* void return_to_user(struct trap_frame *tf): tf is at the top of the kernel stack. */
        .globl return_to_user
return_to_user:
        movq %rdi, %rsp
        jmp trap_return
