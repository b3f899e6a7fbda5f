/* The I/O APIC at its standard address (microvm, pc and q35 all put it
 * there).  ioapic_lock protects the index/data register pair. */
#include <arch/apic_msg.h>
#include <arch/ioapic.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <mm/kmap.h>

#define IOAPIC_PHYS 0xfec00000ull
#define REG_SELECT 0x00
#define REG_WINDOW 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(pin) (0x10 + 2 * (pin))

#define RED_MASKED (1u << 16)
#define RED_LEVEL (1u << 15)
#define RED_ACTIVE_LOW (1u << 13)

static volatile uint32_t *regs;
static unsigned n_pins;
static spinlock_t ioapic_lock = SPINLOCK_INIT;

static uint32_t ioapic_read(uint32_t reg)
{
    regs[REG_SELECT / 4] = reg;
    return regs[REG_WINDOW / 4];
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    regs[REG_SELECT / 4] = reg;
    regs[REG_WINDOW / 4] = v;
}

int ioapic_init(void)
{
    regs = ioremap(IOAPIC_PHYS, 4096);
    if (!regs)
        return -ENOMEM;
    uint32_t ver = ioapic_read(IOAPIC_VER);
    if (ver == 0xffffffffu)
        return -ENODEV;
    n_pins = ((ver >> 16) & 0xff) + 1;
    for (unsigned pin = 0; pin < n_pins; pin++) {
        ioapic_write(IOAPIC_REDTBL(pin), RED_MASKED | (VEC_IRQ_BASE + pin));
        ioapic_write(IOAPIC_REDTBL(pin) + 1, 0);
    }
    return (int)n_pins;
}

int ioapic_route(unsigned pin, bool level, bool active_low)
{
    if (pin >= n_pins)
        return -EINVAL;
    uint32_t low = (VEC_IRQ_BASE + pin) | (level ? RED_LEVEL : 0) | (active_low ? RED_ACTIVE_LOW : 0);
    /* Every device interrupt goes to CPU 0, the boot CPU (physical
     * destination: its APIC id in bits 56-63).  An id above 254 does not
     * fit there: cut to 8 bits it would name another CPU, or all. */
    uint32_t high;
    if (ioapic_dest_high(percpu_of(0)->apic_id, &high))
        return -ERANGE;
    uint64_t flags = spin_lock_irqsave(&ioapic_lock);
    ioapic_write(IOAPIC_REDTBL(pin) + 1, high);
    ioapic_write(IOAPIC_REDTBL(pin), low);
    spin_unlock_irqrestore(&ioapic_lock, flags);
    return 0;
}

int ioapic_mask(unsigned pin)
{
    if (pin >= n_pins)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&ioapic_lock);
    ioapic_write(IOAPIC_REDTBL(pin), ioapic_read(IOAPIC_REDTBL(pin)) | RED_MASKED);
    spin_unlock_irqrestore(&ioapic_lock, flags);
    return 0;
}
