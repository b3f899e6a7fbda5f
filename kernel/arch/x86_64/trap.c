/* trap_dispatch(): where every interrupt and exception arrives (isr.S).
 * Device and timer vectors go to the handler registered for them.  An
 * exception in kernel mode is a kernel bug: the full diagnostic is printed
 * and QEMU exits with EXIT_PANIC. */
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/lapic.h>
#include <kernel/backtrace.h>
#include <kernel/errno.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <sched/sched.h>

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS", "segment not present",
    "stack fault", "general protection", "page fault", "reserved", "x87 FPU error", "alignment check",
    "machine check", "SIMD FP exception", "virtualization", "control protection",
};

static struct {
    irq_handler_fn fn;
    void *arg;
} handlers[256];
static spinlock_t handlers_lock = SPINLOCK_INIT; /* protects handlers[] updates */

int trap_set_handler(unsigned vector, irq_handler_fn fn, void *arg)
{
    if (vector < 32 || vector > 255)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&handlers_lock);
    int r = 0;
    if (handlers[vector].fn) {
        r = -EBUSY;
    } else {
        handlers[vector].arg = arg;
        handlers[vector].fn = fn;
    }
    spin_unlock_irqrestore(&handlers_lock, flags);
    return r;
}

static void print_frame(const struct trap_frame *tf)
{
    printk(LOG_EMERG, "RIP %04lx:%016lx RFLAGS %016lx RSP %04lx:%016lx", tf->cs, tf->rip, tf->rflags, tf->ss,
           tf->rsp);
    printk(LOG_EMERG, "RAX %016lx RBX %016lx RCX %016lx RDX %016lx", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    printk(LOG_EMERG, "RSI %016lx RDI %016lx RBP %016lx R8  %016lx", tf->rsi, tf->rdi, tf->rbp, tf->r8);
    printk(LOG_EMERG, "R9  %016lx R10 %016lx R11 %016lx R12 %016lx", tf->r9, tf->r10, tf->r11, tf->r12);
    printk(LOG_EMERG, "R13 %016lx R14 %016lx R15 %016lx", tf->r13, tf->r14, tf->r15);
    printk(LOG_EMERG, "CR2 %016lx CR3 %016lx CR4 %016lx", read_cr2(), read_cr3(), read_cr4());
}

/* A kernel-mode exception: print everything and stop the machine. */
static __noreturn void kernel_exception(struct trap_frame *tf)
{
    irq_disable();
    const char *name = tf->vector < 32 && exception_names[tf->vector] ? exception_names[tf->vector] : "unknown";
    struct thread *t = sched_current();
    printk(LOG_EMERG, "KERNEL EXCEPTION: vector %lu (%s), error code 0x%lx, thread %s", tf->vector, name,
           tf->error_code, t ? t->name : "boot");
    if (tf->vector == VEC_PAGE_FAULT)
        printk(LOG_EMERG, "page fault at address %016lx (%s, %s%s)", read_cr2(),
               tf->error_code & 1 ? "protection violation" : "page not present",
               tf->error_code & 2 ? "write" : "read", tf->error_code & 16 ? ", instruction fetch" : "");
    print_frame(tf);
    backtrace_print_trap(tf->rip, tf->rsp, tf->rbp);
    machine_exit(EXIT_PANIC);
}

void trap_dispatch(struct trap_frame *tf)
{
    unsigned v = (unsigned)tf->vector;
    if (v < 32) {
        /* User-mode faults become signals with the user-space issue; until
         * then every exception is a kernel one. */
        kernel_exception(tf);
    }
    if (v == VEC_SPURIOUS)
        return;
    if (handlers[v].fn)
        handlers[v].fn(tf, handlers[v].arg);
    else
        printk(LOG_WARN, "trap: unexpected interrupt vector %u", v);
    if (v >= VEC_IRQ_BASE)
        lapic_eoi();
    /* The interrupted thread gives up the CPU here if the handler woke a
     * thread or its time slice ran out (interrupts are still off). */
    sched_preempt_point();
}
