/* PCI configuration space access: ECAM (memory-mapped, from the MCFG table:
 * q35, Cloud Hypervisor) or configuration mechanism #1 (ports 0xcf8/0xcfc:
 * pc, and any machine without an MCFG).
 *
 * ECAM bus windows are mapped the first time a bus is touched, which only
 * the enumeration in the boot thread does (pci_init); afterwards `ecam_bus`
 * is read-only.  cfg_port_lock protects the address/data port pair. */
#include <arch/cpu.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <mm/kmap.h>

#include "pci_internal.h"

#define CFG_ADDRESS 0xcf8
#define CFG_DATA 0xcfc
#define ECAM_BUS_SIZE (1ull << 20)

static bool use_ecam;
static struct pci_ecam ecam;
static volatile uint8_t *ecam_bus[256];
static spinlock_t cfg_port_lock = SPINLOCK_INIT;

void pci_config_init(const struct pci_ecam *window)
{
    if (window) {
        ecam = *window;
        use_ecam = true;
    }
}

bool pci_config_has_bus(unsigned bus)
{
    return !use_ecam || (bus >= ecam.start_bus && bus <= ecam.end_bus);
}

/* The function's 4 KiB of ECAM space, or NULL (outside the window, or the
 * bus window cannot be mapped: reads then see no device). */
static volatile uint8_t *ecam_space(const struct pci_dev *d)
{
    if (!pci_config_has_bus(d->bus))
        return NULL;
    if (!ecam_bus[d->bus]) {
        ecam_bus[d->bus] = ioremap(ecam.base + (uint64_t)d->bus * ECAM_BUS_SIZE, ECAM_BUS_SIZE);
        if (!ecam_bus[d->bus])
            printk(LOG_ERR, "pci: cannot map the ECAM window of bus %u", d->bus);
    }
    volatile uint8_t *b = ecam_bus[d->bus];
    return b ? b + ((uint32_t)d->dev << 15 | (uint32_t)d->fn << 12) : NULL;
}

static uint32_t port_address(const struct pci_dev *d, unsigned off)
{
    return 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->dev << 11 | (uint32_t)d->fn << 8 | (off & 0xfc);
}

/* Configuration mechanism #1 reaches the first 256 bytes only. */
static uint32_t read_any(const struct pci_dev *d, unsigned off, unsigned width)
{
    if (use_ecam) {
        volatile uint8_t *s = ecam_space(d);
        if (!s)
            return 0xffffffffu;
        switch (width) {
        case 1: return *(volatile uint8_t *)(s + off);
        case 2: return *(volatile uint16_t *)(s + off);
        default: return *(volatile uint32_t *)(s + off);
        }
    }
    if (off >= 256)
        return 0xffffffffu;
    uint64_t flags = spin_lock_irqsave(&cfg_port_lock);
    outl(CFG_ADDRESS, port_address(d, off));
    uint32_t v = inl(CFG_DATA);
    spin_unlock_irqrestore(&cfg_port_lock, flags);
    return (v >> (8 * (off & 3))) & (width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1);
}

static void write_any(const struct pci_dev *d, unsigned off, unsigned width, uint32_t v)
{
    if (use_ecam) {
        volatile uint8_t *s = ecam_space(d);
        if (!s)
            return;
        if (width == 2)
            *(volatile uint16_t *)(s + off) = (uint16_t)v;
        else
            *(volatile uint32_t *)(s + off) = v;
        return;
    }
    if (off >= 256)
        return;
    uint64_t flags = spin_lock_irqsave(&cfg_port_lock);
    outl(CFG_ADDRESS, port_address(d, off));
    if (width == 2)
        outw((uint16_t)(CFG_DATA + (off & 2)), (uint16_t)v);
    else
        outl(CFG_DATA, v);
    spin_unlock_irqrestore(&cfg_port_lock, flags);
}

uint8_t pci_cfg_read8(const struct pci_dev *d, unsigned off)
{
    return (uint8_t)read_any(d, off, 1);
}

uint16_t pci_cfg_read16(const struct pci_dev *d, unsigned off)
{
    return (uint16_t)read_any(d, off, 2);
}

uint32_t pci_cfg_read32(const struct pci_dev *d, unsigned off)
{
    return read_any(d, off, 4);
}

void pci_cfg_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
    write_any(d, off, 2, v);
}

void pci_cfg_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
    write_any(d, off, 4, v);
}
