/*
 * struct thread *context_switch(struct thread *prev, struct thread *next)
 *
 * Saves the callee-saved registers (the only ones the C ABI requires to
 * survive a call) on prev's stack, stores the stack pointer in
 * prev->saved_rsp (offset 0), loads next->saved_rsp and restores next's
 * registers.  Returns prev (in rax) in the context of next, so that next can
 * finish the switch.  Clobbers: every caller-saved register, as any call.
 *
 * A new thread's stack is prepared by kthread_create to "return" into
 * thread_entry with prev in rax.
 */
        .text
        .globl context_switch
context_switch:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, (%rdi)
        movq (%rsi), %rsp
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        movq %rdi, %rax
        ret

        .globl thread_entry
thread_entry:
        movq %rax, %rdi
        andq $-16, %rsp                 /* the C ABI wants a 16-byte aligned stack at the call */
        call thread_start               /* never returns */
        ud2
