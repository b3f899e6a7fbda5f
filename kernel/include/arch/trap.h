/* Interrupt and exception entry.  isr.S pushes a struct trap_frame on the
 * current kernel stack and calls trap_dispatch(). */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <kernel/types.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    /* pushed by the CPU */
    uint64_t rip, cs, rflags, rsp, ss;
};

#define VEC_PAGE_FAULT 14
#define VEC_IRQ_BASE 32      /* IOAPIC pins 0..23 -> vectors 32..55 */
#define VEC_DYNAMIC_BASE 0x40 /* 0x40..0xdf: handed out by trap_alloc_vector (MSI-X) */
#define VEC_DYNAMIC_END 0xe0
#define VEC_TIMER 0xf0       /* LAPIC timer */
#define VEC_RESCHEDULE 0xf1  /* IPI: look at the run queue (sched/sched.c) */
#define VEC_TLB_SHOOTDOWN 0xf2 /* IPI: drop TLB entries (arch/x86_64/tlb.c) */
#define VEC_SPURIOUS 0xff

typedef void (*irq_handler_fn)(struct trap_frame *tf, void *arg);

/* Builds and loads the boot CPU's GDT and TSS. */
void gdt_init(void);
/* An application processor's own GDT and TSS (with its own IST stacks):
 * allocated by the boot CPU into cpu->arch (-ENOMEM), loaded by the CPU. */
struct percpu;
int gdt_alloc_cpu(struct percpu *cpu);
void gdt_free_cpu(struct percpu *cpu);
void gdt_load_cpu(struct percpu *cpu);
/* Builds the IDT (once) and loads it. */
void idt_init(void);
/* Loads the IDT built by idt_init on this CPU. */
void idt_load(void);
/* Installs a handler for a vector (device IRQ or LAPIC source).  Returns -EBUSY if taken. */
int trap_set_handler(unsigned vector, irq_handler_fn fn, void *arg);
/* Installs a handler on a free vector of [VEC_DYNAMIC_BASE, VEC_DYNAMIC_END)
 * and returns the vector, or -EBUSY when all are taken. */
int trap_alloc_vector(irq_handler_fn fn, void *arg);
/* Gives back a vector of trap_alloc_vector whose source can no longer fire. */
void trap_free_vector(unsigned vector);
void trap_dispatch(struct trap_frame *tf);
/* Sets the stack this CPU switches to on an interrupt from user mode (its TSS.rsp0). */
void tss_set_kernel_stack(uint64_t rsp0);

#endif
