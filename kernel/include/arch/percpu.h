/* Per-CPU data, reached through the GS base in kernel mode.  The syscall
 * entry (syscall_entry.S) reads it by fixed offsets: keep them in sync.
 *
 * Each CPU owns one struct percpu (CPU 0's is static, the others are
 * allocated when they are started) and only that CPU writes its fields,
 * except where a field says otherwise.  Code reads its own CPU's area with
 * one %gs-relative instruction (this_cpu(), the preempt count), so an
 * interrupt, or a migration to another CPU, cannot fall between finding the
 * area and using it. */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <kernel/types.h>

#define MAX_CPUS 64 /* a CPU mask is one uint64_t */

struct thread;
struct trap_frame;

struct percpu {
    uint64_t user_rsp_scratch; /* offset 0: user rsp while the entry switches stacks */
    uint64_t kernel_rsp;       /* offset 8: top of the current thread's kernel stack */
    struct percpu *self;       /* offset 16: this area's own address (this_cpu) */
    int32_t preempt_count;     /* offset 24: spinlocks held on this CPU (kernel/spinlock.h) */
    uint32_t index;            /* 0 .. MAX_CPUS-1; CPU 0 boots the machine */
    uint32_t apic_id;          /* its local APIC's id (x2APIC ids may exceed 255) */
    /* The scheduler's state of this CPU (sched/sched.c): cpu_current under
     * this CPU's run queue lock (sched/runq.h; other CPUs read it as a hint),
     * cpu_idle set once, need_resched set by other CPUs too (atomic store)
     * before they send the reschedule IPI, the timer deadline this CPU only
     * with interrupts off (other CPUs read it, atomic). */
    struct thread *cpu_current;
    struct thread *cpu_idle;
    bool cpu_need_resched;
    uint64_t cpu_timer_deadline; /* what its LAPIC timer is programmed for, UINT64_MAX: nothing */
    uint64_t cpu_switches;     /* context switches on this CPU (its idle loop watches them) */
    /* CPUs (a mask) that this one sends the reschedule IPI to as soon as it
     * holds no scheduler lock (sched/runq.h); this CPU only, interrupts off. */
    uint64_t cpu_kicks_pending;
    bool cpu_in_sched_lock;    /* this CPU holds sched_lock (this CPU only) */
    /* Its idle thread polls cpu_need_resched (no reschedule IPI needed):
     * written by this CPU only, read by wakers (sched/idle_poll.h). */
    bool cpu_polling;
    /* The page-table root loaded in CR3 (mm/vm.c's mm_activate sets it
     * before loading CR3; TLB shootdowns read it from other CPUs). */
    uint64_t active_root;
    void *arch;                /* GDT, TSS and IST stacks (arch/x86_64/gdt.c) */
};

#define PERCPU_USER_RSP 0
#define PERCPU_KERNEL_RSP 8
#define PERCPU_SELF 16
#define PERCPU_PREEMPT_COUNT 24

/* This CPU's area.  Volatile: a thread that slept may wake on another CPU,
 * so the compiler must not reuse an earlier result.  With interrupts on the
 * area may stop being this CPU's right after the load (a preemption moves
 * the thread): only fields that say so may be used that way.  Reads GS:16;
 * clobbers nothing. */
static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("movq %%gs:16, %0" : "=r"(p));
    return p;
}

/* This CPU's running thread: the calling thread itself, whatever CPU it is
 * on.  One %gs-relative load: this_cpu()->cpu_current takes two, and a
 * thread preempted between them (interrupts on) and resumed on another CPU
 * would read the thread now running on the CPU it left (a new thread once
 * called kmain's thread's NULL entry function that way, -smp 4).  Clobbers
 * nothing. */
static inline struct thread *percpu_current(void)
{
    struct thread *t;
    __asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(offsetof(struct percpu, cpu_current)));
    return t;
}

/* The preempt count, changed by one instruction each so that an interrupt
 * cannot separate the read of the GS base from the write.  Clobbers: memory
 * (a compiler barrier: nothing moves across a preemption change), cc. */
static inline void percpu_preempt_inc(void) { __asm__ volatile("incl %%gs:24" ::: "memory", "cc"); }
static inline void percpu_preempt_dec(void) { __asm__ volatile("decl %%gs:24" ::: "memory", "cc"); }
static inline int percpu_preempt_count(void)
{
    int n;
    __asm__ volatile("movl %%gs:24, %0" : "=r"(n));
    return n;
}

/* CPU 0's area in GS: the first thing kmain does, since spinlocks count in it. */
void percpu_init_boot(void);
/* Installs an application processor's area in GS (smp_boot.c, on that CPU). */
void percpu_install(struct percpu *cpu);
/* The area of CPU i, or NULL if it is not online. */
struct percpu *percpu_of(unsigned i);
/* Marks cpu online (after it took its first interrupt-free steps). */
void percpu_set_online(struct percpu *cpu);
/* Bit i set: CPU i is online.  Only grows, while the APs start. */
uint64_t percpu_online_mask(void);
unsigned percpu_online_count(void);

/* Enables the syscall instruction on this CPU (EFER.SCE, STAR, LSTAR,
 * FMASK); KERNEL_GS_BASE is the user's, 0 at first. */
void syscall_arch_init(void);
/* Sets the stack that both syscalls and interrupts from user mode start on. */
void percpu_set_kernel_stack(uint64_t top);

/* Leaves the kernel for user mode with the register state in tf, which must
 * sit at the top of the current kernel stack (trap_return pops it). */
__noreturn void return_to_user(struct trap_frame *tf);

#endif
