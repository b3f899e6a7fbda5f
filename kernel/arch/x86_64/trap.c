/* trap_dispatch(): where every interrupt and exception arrives (isr.S).
 * Device and timer vectors go to the handler registered for them.  An
 * exception in kernel mode is a kernel bug: the full diagnostic is printed
 * and QEMU exits with EXIT_PANIC. */
#include <arch/cpu.h>
#include <arch/cpu_features.h>
#include <arch/trap.h>
#include <arch/lapic.h>
#include <kernel/backtrace.h>
#include <kernel/errno.h>
#include <kernel/kdebug.h>
#include <kernel/panic.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <mm/kstack.h>
#include <mm/physmap.h>
#include <mm/vm.h>
#include <proc/process.h>
#include <proc/signal.h>
#include <proc/uthread.h>
#include <sched/sched.h>

#define PF_WRITE 0x2
#define PF_USER 0x4
#define PF_INSTR 0x10

struct ex_entry {
    uint64_t fault, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

/* The fixup address for a faulting kernel instruction in a user-copy loop, or 0. */
static uint64_t ex_fixup(uint64_t rip)
{
    for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->fault == rip)
            return e->fixup;
    return 0;
}

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

int trap_alloc_vector(irq_handler_fn fn, void *arg)
{
    for (unsigned v = VEC_DYNAMIC_BASE; v < VEC_DYNAMIC_END; v++)
        if (trap_set_handler(v, fn, arg) == 0)
            return (int)v;
    return -EBUSY;
}

void trap_free_vector(unsigned vector)
{
    if (vector < VEC_DYNAMIC_BASE || vector >= VEC_DYNAMIC_END)
        return;
    uint64_t flags = spin_lock_irqsave(&handlers_lock);
    handlers[vector].fn = NULL;
    handlers[vector].arg = NULL;
    spin_unlock_irqrestore(&handlers_lock, flags);
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
    if (tf->vector == 8 && kstack_is_guard(read_cr2()))
        printk(LOG_EMERG, "kernel stack overflow: thread %s ran into the guard page at %016lx", t ? t->name : "boot",
               read_cr2());
    if (tf->vector == VEC_PAGE_FAULT)
        printk(LOG_EMERG, "page fault at address %016lx (%s, %s%s)", read_cr2(),
               tf->error_code & 1 ? "protection violation" : "page not present",
               tf->error_code & 2 ? "write" : "read", tf->error_code & 16 ? ", instruction fetch" : "");
    print_frame(tf);
    backtrace_print_trap(tf->rip, tf->rsp, tf->rbp);
    machine_exit(EXIT_PANIC);
}

/* si_code values. */
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTINV 7
#define TRAP_BRKPT 1
#define SI_KERNEL 0x80

/* An exception in user mode becomes a signal for the thread. */
static void user_exception(struct trap_frame *tf)
{
    unsigned v = (unsigned)tf->vector;
    if (v == VEC_PAGE_FAULT) {
        uint64_t addr = read_cr2();
        irq_enable(); /* serving the fault may sleep */
        struct process *p = current_process();
        int r = vm_handle_fault(p->mm, addr, tf->error_code & PF_WRITE, tf->error_code & PF_INSTR, true);
        if (r == 0 || r == -EINTR)
            return; /* mapped, or a signal to deliver first: the access is retried */
        if (r == -ENOMEM || r == -EIO) /* no frame, or past the end of the mapped file */
            signal_force_fault(SIGBUS, BUS_ADRERR, addr, tf);
        else
            signal_force_fault(SIGSEGV, r == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, addr, tf);
        return;
    }
    irq_enable();
    switch (v) {
    case 0: /* divide error */
        signal_force_fault(SIGFPE, FPE_INTDIV, tf->rip, tf);
        break;
    case 3: /* int3 */
    case 1:
        signal_force_fault(SIGTRAP, TRAP_BRKPT, tf->rip, tf);
        break;
    case 6: /* invalid opcode */
        signal_force_fault(SIGILL, ILL_ILLOPN, tf->rip, tf);
        break;
    case 16: /* x87 error */
    case 19: /* SIMD floating point */
        signal_force_fault(SIGFPE, FPE_FLTINV, tf->rip, tf);
        break;
    case 17: /* alignment check */
        signal_force_fault(SIGBUS, BUS_ADRERR, 0, tf);
        break;
    default: /* general protection, stack fault, privileged instruction... */
        signal_force_fault(SIGSEGV, SI_KERNEL, 0, tf);
        break;
    }
}

/* A page fault in kernel mode.  A user-copy loop touching a page not yet
 * present gets it faulted in; an invalid user address makes the copy stop
 * at its fixup (-EFAULT).  Faults cannot be served while the interrupted
 * code holds a spinlock or has interrupts off (they sleep): those go
 * straight to the fixup. */
static bool kernel_user_fault(struct trap_frame *tf)
{
    uint64_t addr = read_cr2();
    uint64_t fixup = ex_fixup(tf->rip);
    if (!fixup || addr >= USER_TOP)
        return false;
    struct process *p = current_process();
    if (p && (tf->rflags & RFLAGS_IF) && preempt_count() == 0) {
        irq_enable();
        int r = vm_handle_fault(p->mm, addr, tf->error_code & PF_WRITE, false, false);
        irq_disable();
        if (r == 0)
            return true;
    }
    tf->rip = fixup;
    return true;
}

/* isr.S closes SMAP (clac) before any handler runs, whatever EFLAGS.AC the
 * interrupted code had: a user sets it with popf, and a handler running
 * with it would reach user memory unchecked.  One pushf per trap checks
 * that the entry keeps doing so (tests/abi/hostile.c sets AC and faults). */
static void check_smap_closed(const struct trap_frame *tf)
{
    if (uaccess_smap && (read_rflags() & RFLAGS_AC))
        panic("trap: vector %lu entered with EFLAGS.AC set: SMAP open in the handler", tf->vector);
}

void trap_dispatch(struct trap_frame *tf)
{
    check_smap_closed(tf);
    unsigned v = (unsigned)tf->vector;
    bool from_user = (tf->cs & 3) == 3;
    if (v < 32) {
        if (from_user)
            user_exception(tf);
        else if (!(v == VEC_PAGE_FAULT && kernel_user_fault(tf)))
            kernel_exception(tf);
        if (from_user)
            goto to_user;
        return;
    }
    if (v == VEC_SPURIOUS)
        return;
    kdebug_irq_enter();
    if (handlers[v].fn)
        handlers[v].fn(tf, handlers[v].arg);
    kdebug_irq_exit();
    if (!handlers[v].fn)
        printk(LOG_WARN, "trap: unexpected interrupt vector %u", v);
    if (v >= VEC_IRQ_BASE)
        lapic_eoi();
    /* The interrupted thread gives up the CPU here if the handler woke a
     * thread or its time slice ran out (interrupts are still off). */
    sched_preempt_point();
    if (!from_user)
        return;
to_user:
    /* An exception from user mode (a page fault) comes here without the
     * interrupt path's preemption point.  A timer tick that came while its
     * handler held a lock set need_resched and, finding it set, armed no
     * further slice timer: back in user mode the thread would keep the CPU
     * until its next system call or interrupt, while threads waited in the
     * queue (on an application processor, which gets no device interrupts,
     * for tens of seconds: a memory-touching loop faults on and on).  So the
     * switch happens here, before the signals are looked at. */
    irq_disable();
    sched_preempt_point();
    /* Back to user mode: deliver pending signals first (may rewrite tf). */
    if (signal_pending(sched_current())) {
        irq_enable();
        while (signal_pending(sched_current()) && signal_deliver(tf))
            ;
    }
    irq_disable();
    kdebug_check_user_return(tf, "vector", v, NULL);
}
