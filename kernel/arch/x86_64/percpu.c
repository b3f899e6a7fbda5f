/* The per-CPU areas and the syscall MSRs (see arch/percpu.h). */
#include <arch/boot_layout.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/trap.h>

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_SCE 1ull
/* Cleared on syscall entry: interrupts, direction, trap, alignment check (so SMAP stays closed), nested task. */
#define FMASK_BITS ((1u << 9) | (1u << 10) | (1u << 8) | (1u << 18) | (1u << 14))

_Static_assert(offsetof(struct percpu, user_rsp_scratch) == PERCPU_USER_RSP, "syscall_entry.S offset");
_Static_assert(offsetof(struct percpu, kernel_rsp) == PERCPU_KERNEL_RSP, "syscall_entry.S offset");
_Static_assert(offsetof(struct percpu, self) == PERCPU_SELF, "this_cpu() offset");
_Static_assert(offsetof(struct percpu, preempt_count) == PERCPU_PREEMPT_COUNT, "preempt count offset");

void syscall_entry(void);

static struct percpu cpu0 = {.self = &cpu0, .cpu_timer_deadline = UINT64_MAX};
/* Written once per CPU, by the BSP before the CPU starts (areas) and by the
 * CPU itself when it is up (mask); read locklessly. */
static struct percpu *cpus[MAX_CPUS] = {&cpu0};
static uint64_t online_mask = 1;

void percpu_init_boot(void)
{
    wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
}

void percpu_install(struct percpu *cpu)
{
    cpu->self = cpu;
    wrmsr(MSR_GS_BASE, (uint64_t)cpu);
}

void percpu_set_online(struct percpu *cpu)
{
    __atomic_store_n(&cpus[cpu->index], cpu, __ATOMIC_RELEASE);
    __atomic_or_fetch(&online_mask, 1ull << cpu->index, __ATOMIC_SEQ_CST);
}

struct percpu *percpu_of(unsigned i)
{
    if (i >= MAX_CPUS || !(percpu_online_mask() & (1ull << i)))
        return NULL;
    return __atomic_load_n(&cpus[i], __ATOMIC_ACQUIRE);
}

uint64_t percpu_online_mask(void)
{
    return __atomic_load_n(&online_mask, __ATOMIC_ACQUIRE);
}

unsigned percpu_online_count(void)
{
    unsigned n = 0;
    for (uint64_t m = percpu_online_mask(); m; m &= m - 1) /* no popcnt: the kernel targets any x86-64 */
        n++;
    return n;
}

void syscall_arch_init(void)
{
    wrmsr(MSR_KERNEL_GS_BASE, 0); /* the user's GS base, swapped in on the way out */
    /* STAR: syscall loads CS = 0x08, SS = 0x10; sysret loads CS = 0x10+16|3 = 0x23, SS = 0x10+8|3 = 0x1b. */
    wrmsr(MSR_STAR, ((uint64_t)(GDT_KERNEL_DS | 3) << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, FMASK_BITS);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

void percpu_set_kernel_stack(uint64_t top)
{
    this_cpu()->kernel_rsp = top;
    tss_set_kernel_stack(top);
}
