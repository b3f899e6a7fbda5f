/* Per-CPU data, reached through the GS base in kernel mode.  The syscall
 * entry (syscall_entry.S) reads it by fixed offsets: keep them in sync. */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <arch/trap.h>
#include <kernel/types.h>

struct percpu {
    uint64_t user_rsp_scratch; /* offset 0: user rsp while the entry switches stacks */
    uint64_t kernel_rsp;       /* offset 8: top of the current thread's kernel stack */
};

#define PERCPU_USER_RSP 0
#define PERCPU_KERNEL_RSP 8

/* Installs the per-CPU area in GS (and KERNEL_GS_BASE for swapgs), enables
 * the syscall instruction (EFER.SCE, STAR, LSTAR, FMASK). */
void syscall_arch_init(void);
/* Sets the stack that both syscalls and interrupts from user mode start on. */
void percpu_set_kernel_stack(uint64_t top);

/* Leaves the kernel for user mode with the register state in tf, which must
 * sit at the top of the current kernel stack (trap_return pops it). */
__noreturn void return_to_user(struct trap_frame *tf);

#endif
