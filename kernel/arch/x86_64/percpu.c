/* The per-CPU area and the syscall MSRs (see arch/percpu.h).  One CPU for now. */
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

void syscall_entry(void);

static struct percpu cpu0;

void syscall_arch_init(void)
{
    wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
    wrmsr(MSR_KERNEL_GS_BASE, 0); /* the user's GS base, swapped in on the way out */
    /* STAR: syscall loads CS = 0x08, SS = 0x10; sysret loads CS = 0x10+16|3 = 0x23, SS = 0x10+8|3 = 0x1b. */
    wrmsr(MSR_STAR, ((uint64_t)(GDT_KERNEL_DS | 3) << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, FMASK_BITS);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

void percpu_set_kernel_stack(uint64_t top)
{
    cpu0.kernel_rsp = top;
    tss_set_kernel_stack(top);
}
