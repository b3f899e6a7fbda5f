/* Local APIC (see arch/lapic.h).  Register numbers are xAPIC MMIO offsets;
 * in x2APIC mode the same register is MSR 0x800 + offset / 16. */
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/trap.h>
#include <kernel/errno.h>
#include <kernel/clock.h>
#include <mm/kmap.h>

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)

#define REG_ID 0x20
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_SVR 0xf0
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

static bool x2apic;
static volatile uint32_t *mmio;
static uint64_t timer_hz;
static uint64_t ticks_per_ns; /* 32.32 fixed point */
static uint32_t boot_cpu_id;
static bool boot_cpu_known; /* set by the first lapic_init: the boot CPU's */

static uint32_t lapic_read(uint32_t reg)
{
    if (x2apic)
        return (uint32_t)rdmsr(0x800 + reg / 16);
    return mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(0x800 + reg / 16, v);
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
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
    } else {
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
        mmio = ioremap(base & ~0xfffull, 4096);
        if (!mmio)
            return -ENOMEM;
    }
    if (!boot_cpu_known) {
        uint32_t id = lapic_read(REG_ID);
        boot_cpu_id = x2apic ? id : id >> 24;
        boot_cpu_known = true;
    }
    lapic_write(REG_TPR, 0);
    lapic_write(REG_LVT_LINT0, LVT_MASKED);
    lapic_write(REG_LVT_LINT1, LVT_MASKED);
    lapic_write(REG_LVT_ERROR, LVT_MASKED);
    lapic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(REG_TIMER_DIVIDE, DIVIDE_BY_16);
    lapic_write(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
    lapic_eoi();
    return 0;
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
