/* Local APIC (see arch/lapic.h).  Register numbers are xAPIC MMIO offsets;
 * in x2APIC mode the same register is MSR x2apic_msr(offset) (arch/apic_msg.h,
 * whose encodings the host tests check: TCG has no x2APIC to run these). */
#include <arch/apic_msg.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/trap.h>
#include <kernel/errno.h>
#include <kernel/clock.h>
#include <kernel/printk.h>
#include <mm/kmap.h>

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)

#define REG_ID 0x20
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ICR_LOW 0x300
#define REG_ICR_HIGH 0x310 /* xAPIC only; x2APIC writes the ICR as one 64-bit MSR */
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0

#define SVR_ENABLE 0x100
#define LVT_MASKED (1u << 16)
#define DIVIDE_BY_16 0x3
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_DELIVERY_PENDING (1u << 12) /* xAPIC only */
#define MSR_X2APIC_ICR 0x830 /* x2apic_msr(REG_ICR_LOW): one 64-bit register */

static bool x2apic;
static volatile uint32_t *mmio;
static uint64_t timer_hz;
static uint64_t ticks_per_ns; /* 32.32 fixed point */
static uint32_t boot_cpu_id;
static bool boot_cpu_known; /* set by the first lapic_init: the boot CPU's */

static uint32_t lapic_read(uint32_t reg)
{
    if (x2apic)
        return (uint32_t)rdmsr(x2apic_msr(reg));
    return mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(x2apic_msr(reg), v);
    else
        mmio[reg / 4] = v;
}

bool lapic_is_x2apic(void)
{
    return x2apic;
}

uint32_t lapic_boot_cpu_id(void)
{
    return boot_cpu_id;
}

int lapic_init(void)
{
    /* The 8259s stay in the machine (microvm has them): mask every line so
     * that only the APICs deliver interrupts. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (c & (1u << 21)) {
        x2apic = true;
    } else {
        mmio = ioremap(base & ~0xfffull, 4096);
        if (!mmio)
            return -ENOMEM;
    }
    lapic_init_cpu();
    if (!boot_cpu_known) { /* the boot CPU runs lapic_init first */
        boot_cpu_id = lapic_id();
        boot_cpu_known = true;
    }
    return 0;
}

void lapic_init_cpu(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | (x2apic ? APIC_BASE_X2APIC : 0));
    lapic_write(REG_TPR, 0);
    lapic_write(REG_LVT_LINT0, LVT_MASKED);
    lapic_write(REG_LVT_LINT1, LVT_MASKED);
    lapic_write(REG_LVT_ERROR, LVT_MASKED);
    lapic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(REG_TIMER_DIVIDE, DIVIDE_BY_16);
    lapic_write(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
    lapic_eoi();
}

uint32_t lapic_id(void)
{
    return apic_id_from_id_reg(lapic_read(REG_ID), x2apic);
}

/* Writes the interrupt command register: the destination's APIC id and the
 * command (encodings in arch/apic_msg.h).  xAPIC needs two writes that no
 * interrupt on this CPU may come between (its handler could send an IPI of
 * its own), and waits for the previous command to be taken.  An id xAPIC
 * cannot name is dropped with a warning: truncated to 8 bits it would reach
 * another CPU, or all of them (255).  No caller passes one: smp_boot.c
 * starts only CPUs this mode reaches (cpu_list_candidates). */
static void send_icr(uint32_t apic_id, uint32_t command)
{
    if (x2apic) {
        /* The x2APIC ICR write is not serializing: without the fence the
         * IPI could overtake the stores it announces (need_resched, a TLB
         * request).  Clobbers: memory. */
        __asm__ volatile("mfence; lfence" ::: "memory");
        wrmsr(MSR_X2APIC_ICR, x2apic_icr(apic_id, command));
        return;
    }
    uint32_t high;
    if (xapic_icr_high(apic_id, &high)) {
        printk(LOG_WARN, "lapic: APIC id %u needs x2APIC mode; interrupt 0x%x not sent", apic_id, command);
        return;
    }
    uint64_t flags = irq_save();
    while (mmio[REG_ICR_LOW / 4] & ICR_DELIVERY_PENDING)
        cpu_relax();
    mmio[REG_ICR_HIGH / 4] = high;
    mmio[REG_ICR_LOW / 4] = command;
    irq_restore(flags);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    send_icr(apic_id, vector); /* fixed delivery, physical destination */
}

void lapic_send_init(uint32_t apic_id)
{
    send_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint64_t trampoline)
{
    send_icr(apic_id, ICR_STARTUP | (uint32_t)(trampoline >> 12));
}

void lapic_eoi(void)
{
    lapic_write(REG_EOI, 0);
}

void lapic_timer_calibration_start(void)
{
    lapic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(REG_TIMER_INIT, 0xffffffffu);
}

uint32_t lapic_timer_calibration_elapsed(void)
{
    uint32_t left = lapic_read(REG_TIMER_CURRENT);
    lapic_write(REG_TIMER_INIT, 0);
    return 0xffffffffu - left;
}

void lapic_timer_set_hz(uint64_t hz)
{
    /* Real LAPIC timers tick below 2^32 Hz; clamping keeps the shift exact. */
    timer_hz = MIN(hz, 0xffffffffull);
    ticks_per_ns = (timer_hz << 32) / NSEC_PER_SEC;
}

uint64_t lapic_timer_hz(void)
{
    return timer_hz;
}

void lapic_timer_oneshot_ns(uint64_t ns)
{
    uint64_t ticks = (uint64_t)(((unsigned __int128)ns * ticks_per_ns) >> 32);
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffu)
        ticks = 0xffffffffu; /* the scheduler re-arms when it fires early */
    lapic_write(REG_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
    lapic_write(REG_TIMER_INIT, (uint32_t)ticks);
}

void lapic_timer_stop(void)
{
    lapic_write(REG_TIMER_INIT, 0);
}
