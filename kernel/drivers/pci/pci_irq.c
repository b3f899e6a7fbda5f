/* Device interrupts of PCI functions: MSI-X, and INTx through the IOAPIC.
 *
 * MSI-X messages go to the boot CPU's local APIC (fixed delivery, edge):
 * the address 0xfee00000 carries the destination APIC id in bits 19:12, the
 * data the vector (Intel SDM vol. 3, 11.11).  Without interrupt remapping
 * such a message reaches APIC ids 0..254 only (255 is every CPU): with a
 * boot CPU above that MSI-X is refused and INTx, through the IOAPIC, too
 * (arch/apic_msg.h).
 *
 * INTx: the routing of a pin to a global system interrupt is in the DSDT's
 * _PRT, which is AML.  Without an interpreter we take the interrupt-line
 * register the firmware wrote: SeaBIOS routes the PIRQ links to ISA IRQs
 * 5, 9, 10 and 11 and writes that IRQ there, and on QEMU's pc (PIIX) and q35
 * (ICH9) a routed PIRQ drives the IOAPIC input of the same number too (ICH9
 * also drives inputs 16-23, which are then left masked).  QEMU's DSDT
 * declares those lines level-triggered, active high.  The lines are shared:
 * every sharer's handler runs on every interrupt.  intx_lock protects
 * sharers[] updates; the handler reads a pin's count with acquire, after
 * the entry it covers was written. */
#include <arch/apic_msg.h>
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>

#include "pci_internal.h"

#define MSIX_CONTROL 2
#define MSIX_TABLE 4
#define MSIX_CONTROL_ENABLE 0x8000
#define MSIX_CONTROL_MASK_ALL 0x4000
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDR_LO 0
#define MSIX_ENTRY_ADDR_HI 4
#define MSIX_ENTRY_DATA 8
#define MSIX_ENTRY_CONTROL 12
#define MSIX_ENTRY_MASKED 1
#define MSIX_MAX_VECTORS 8

int pci_msix_enable(struct pci_dev *d, unsigned n, const irq_handler_fn *fns, void *arg)
{
    unsigned cap = pci_find_cap(d, PCI_CAP_ID_MSIX, 0);
    if (!cap)
        return -ENODEV;
    uint16_t control = pci_cfg_read16(d, cap + MSIX_CONTROL);
    unsigned table_size = (control & 0x7ffu) + 1;
    if (n == 0 || n > table_size || n > MSIX_MAX_VECTORS)
        return -ENOSPC;
    uint32_t address;
    if (msi_address(lapic_boot_cpu_id(), &address))
        return -ENODEV; /* an id above 254: needs interrupt remapping */
    uint32_t where = pci_cfg_read32(d, cap + MSIX_TABLE);
    volatile uint8_t *table = pci_map_bar(d, where & 7, where & ~7u, (uint64_t)table_size * MSIX_ENTRY_SIZE);
    if (!table)
        return -ENOMEM;
    int vectors[MSIX_MAX_VECTORS];
    for (unsigned k = 0; k < n; k++) {
        vectors[k] = trap_alloc_vector(fns[k], arg);
        if (vectors[k] < 0) {
            while (k--)
                trap_free_vector((unsigned)vectors[k]);
            return -EBUSY;
        }
    }
    /* Entries are written with the whole function masked, then unmasked. */
    pci_cfg_write16(d, cap + MSIX_CONTROL, control | MSIX_CONTROL_ENABLE | MSIX_CONTROL_MASK_ALL);
    for (unsigned k = 0; k < n; k++) {
        volatile uint8_t *e = table + k * MSIX_ENTRY_SIZE;
        *(volatile uint32_t *)(e + MSIX_ENTRY_ADDR_LO) = address;
        *(volatile uint32_t *)(e + MSIX_ENTRY_ADDR_HI) = 0;
        *(volatile uint32_t *)(e + MSIX_ENTRY_DATA) = (uint32_t)vectors[k]; /* fixed, edge */
        *(volatile uint32_t *)(e + MSIX_ENTRY_CONTROL) = 0;
    }
    pci_cfg_write16(d, PCI_COMMAND, pci_cfg_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_DISABLE);
    pci_cfg_write16(d, cap + MSIX_CONTROL, (control | MSIX_CONTROL_ENABLE) & (uint16_t)~MSIX_CONTROL_MASK_ALL);
    return 0;
}

void pci_msix_disable(struct pci_dev *d)
{
    unsigned cap = pci_find_cap(d, PCI_CAP_ID_MSIX, 0);
    if (cap)
        pci_cfg_write16(d, cap + MSIX_CONTROL, pci_cfg_read16(d, cap + MSIX_CONTROL) & (uint16_t)~MSIX_CONTROL_ENABLE);
}

#define INTX_PINS 24
#define INTX_MAX_SHARERS 8

static struct {
    unsigned count; /* entries [0, count) are set (release/acquire) */
    struct {
        irq_handler_fn fn;
        void *arg;
    } sharer[INTX_MAX_SHARERS];
} sharers[INTX_PINS];
static spinlock_t intx_lock = SPINLOCK_INIT;

static void intx_interrupt(struct trap_frame *tf, void *arg)
{
    unsigned pin = (unsigned)(uintptr_t)arg;
    unsigned count = __atomic_load_n(&sharers[pin].count, __ATOMIC_ACQUIRE);
    for (unsigned k = 0; k < count; k++)
        sharers[pin].sharer[k].fn(tf, sharers[pin].sharer[k].arg);
}

int pci_intx_enable(struct pci_dev *d, irq_handler_fn fn, void *arg)
{
    unsigned pin = d->irq_line;
    if (d->irq_pin == 0 || pin == 0 || pin >= INTX_PINS)
        return -ENODEV;
    uint64_t flags = spin_lock_irqsave(&intx_lock);
    unsigned k = sharers[pin].count;
    int r = 0;
    if (k == INTX_MAX_SHARERS) {
        r = -ENOSPC;
    } else {
        if (k == 0)
            r = trap_set_handler(VEC_IRQ_BASE + pin, intx_interrupt, (void *)(uintptr_t)pin);
        if (r == 0) {
            sharers[pin].sharer[k].fn = fn;
            sharers[pin].sharer[k].arg = arg;
            __atomic_store_n(&sharers[pin].count, k + 1, __ATOMIC_RELEASE);
        }
    }
    spin_unlock_irqrestore(&intx_lock, flags);
    if (r)
        return r;
    pci_cfg_write16(d, PCI_COMMAND, pci_cfg_read16(d, PCI_COMMAND) & (uint16_t)~PCI_COMMAND_INTX_DISABLE);
    return ioapic_route(pin, true, false);
}

void pci_irq_silence(struct pci_dev *d)
{
    pci_cfg_write16(d, PCI_COMMAND, pci_cfg_read16(d, PCI_COMMAND) | PCI_COMMAND_INTX_DISABLE);
    unsigned cap = pci_find_cap(d, PCI_CAP_ID_MSIX, 0);
    if (cap)
        pci_cfg_write16(d, cap + MSIX_CONTROL, pci_cfg_read16(d, cap + MSIX_CONTROL) | MSIX_CONTROL_MASK_ALL);
}
