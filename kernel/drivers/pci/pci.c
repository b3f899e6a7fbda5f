/* PCI enumeration and the driver registry.
 *
 * pci_init walks bus 0 and every bus behind a bridge the firmware numbered
 * (SeaBIOS on pc and q35, Cloud Hypervisor's own); it assigns no bus numbers
 * and no BARs itself.  The device list is built in the boot thread before
 * any driver registers and never changes after, so walking it needs no lock;
 * drivers register from the boot thread too (virtio_init). */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/kmap.h>
#include <mm/slab.h>

#include "pci_internal.h"

#define PCI_CLASS_BRIDGE_PCI 0x0604

static struct pci_dev *devices, **devices_tail = &devices;
static bool bus_seen[256];

/* The port mechanism answers: the address register keeps what was written. */
static bool config_ports_present(void)
{
    uint64_t flags = irq_save();
    uint32_t old = inl(0xcf8);
    outl(0xcf8, 0x80000000u);
    bool present = inl(0xcf8) == 0x80000000u;
    outl(0xcf8, old);
    irq_restore(flags);
    return present;
}

static void describe_bars(const struct pci_dev *d, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < PCI_MAX_BARS && used < size; i++) {
        const struct pci_bar *b = &d->bars[i];
        if (!b->size)
            continue;
        used += (size_t)ksnprintf(buf + used, size - used, " bar%u %s 0x%lx+0x%lx", i,
                                  b->io ? "io" : b->is64 ? "mem64" : "mem32", b->addr, b->size);
    }
}

static void scan_bus(unsigned bus);

static void add_function(unsigned bus, unsigned dev, unsigned fn)
{
    struct pci_dev *d = kzalloc(sizeof *d);
    if (!d) {
        printk(LOG_ERR, "pci: out of memory; %02x:%02x.%u is ignored", bus, dev, fn);
        return;
    }
    d->bus = (uint8_t)bus;
    d->dev = (uint8_t)dev;
    d->fn = (uint8_t)fn;
    ksnprintf(d->name, sizeof d->name, "0000:%02x:%02x.%u", bus, dev, fn);
    d->vendor = pci_cfg_read16(d, PCI_VENDOR_ID);
    d->device = pci_cfg_read16(d, PCI_DEVICE_ID);
    d->class_code = pci_cfg_read32(d, PCI_CLASS_REVISION) >> 8;
    d->header_type = pci_cfg_read8(d, PCI_HEADER_TYPE) & 0x7f;
    if (d->header_type == 0)
        d->subsystem = pci_cfg_read16(d, PCI_SUBSYSTEM_ID);
    d->irq_line = pci_cfg_read8(d, PCI_INTERRUPT_LINE);
    d->irq_pin = pci_cfg_read8(d, PCI_INTERRUPT_PIN);
    pci_read_bars(d);
    *devices_tail = d;
    devices_tail = &d->next;

    char bars[160];
    describe_bars(d, bars, sizeof bars);
    printk(LOG_INFO, "pci %s %04x:%04x class %06x%s%s", d->name, d->vendor, d->device, d->class_code,
           d->irq_pin ? (d->irq_line < 0xff ? " intx" : " intx unrouted") : "", bars);

    if (d->header_type == 1 && (d->class_code >> 8) == PCI_CLASS_BRIDGE_PCI) {
        unsigned secondary = pci_cfg_read8(d, PCI_SECONDARY_BUS);
        if (secondary > bus) /* the firmware numbered it; a loop or 0 is not followed */
            scan_bus(secondary);
    }
}

static void scan_bus(unsigned bus)
{
    if (bus_seen[bus] || !pci_config_has_bus(bus))
        return;
    bus_seen[bus] = true;
    for (unsigned dev = 0; dev < 32; dev++) {
        struct pci_dev f0 = {.bus = (uint8_t)bus, .dev = (uint8_t)dev};
        if (pci_cfg_read16(&f0, PCI_VENDOR_ID) == 0xffff)
            continue;
        unsigned fns = (pci_cfg_read8(&f0, PCI_HEADER_TYPE) & 0x80) ? 8 : 1;
        for (unsigned fn = 0; fn < fns; fn++) {
            struct pci_dev f = {.bus = (uint8_t)bus, .dev = (uint8_t)dev, .fn = (uint8_t)fn};
            if (pci_cfg_read16(&f, PCI_VENDOR_ID) != 0xffff)
                add_function(bus, dev, fn);
        }
    }
}

void pci_init(void)
{
    struct pci_ecam window = {0};
    const void *mcfg = acpi_find_table("MCFG");
    int r = mcfg ? pci_mcfg_segment0(mcfg, &window) : -ENOENT;
    if (r == 0) {
        pci_config_init(&window);
        printk(LOG_INFO, "pci: ECAM at 0x%lx for buses %u-%u (MCFG)", window.base, window.start_bus, window.end_bus);
    } else if (config_ports_present()) {
        if (mcfg)
            printk(LOG_ERR, "pci: the MCFG table is unusable (%d); using the 0xcf8 ports", r);
        pci_config_init(NULL);
        printk(LOG_INFO, "pci: configuration through ports 0xcf8/0xcfc");
    } else {
        printk(LOG_INFO, "pci: no PCI bus");
        return;
    }
    scan_bus(window.start_bus); /* 0 with the ports */
}

void pci_register_driver(const struct pci_driver *drv)
{
    for (struct pci_dev *d = devices; d; d = d->next) {
        if (d->driver || !drv->match(d))
            continue;
        int err = drv->probe(d);
        if (err == 0)
            d->driver = drv;
        else
            printk(LOG_ERR, "pci %s: %s could not take it (%d)", d->name, drv->name, err);
    }
}

volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar, uint64_t off, uint64_t len)
{
    if (bar >= PCI_MAX_BARS)
        return NULL;
    const struct pci_bar *b = &d->bars[bar];
    if (b->io || !b->addr || !b->size || off > b->size || len > b->size - off)
        return NULL;
    return ioremap(b->addr + off, len);
}

void pci_enable_device(const struct pci_dev *d)
{
    uint16_t cmd = pci_cfg_read16(d, PCI_COMMAND);
    pci_cfg_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}
