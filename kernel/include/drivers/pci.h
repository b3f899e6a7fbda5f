/* PCI: configuration space (ECAM from the ACPI MCFG table, else the 0xcf8
 * ports), enumeration of every bus behind the host bridge, BARs,
 * capabilities, MSI-X and INTx.
 *
 * The bus knows nothing of its drivers: a driver registers with
 * pci_register_driver and is offered every device not yet taken. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <arch/trap.h>
#include <kernel/types.h>

/* Configuration space registers (PCI 3.0, 6.1) */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19 /* bridges (header type 1) */
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_CAP_LIST 0x10

#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VENDOR 0x09

#define PCI_MAX_BARS 6

struct pci_bar {
    uint64_t addr; /* bus address as the firmware assigned it (0: none) */
    uint64_t size; /* 0: the BAR is not implemented */
    bool io;       /* an I/O-port BAR */
    bool is64;     /* a 64-bit memory BAR (it takes the next slot too) */
};

struct pci_driver;

struct pci_dev {
    uint16_t segment;
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint16_t subsystem; /* subsystem device ID (header type 0) */
    uint32_t class_code; /* class, subclass, programming interface */
    uint8_t header_type; /* without the multi-function bit */
    uint8_t irq_line, irq_pin; /* as the firmware left them */
    struct pci_bar bars[PCI_MAX_BARS];
    char name[16]; /* "0000:00:03.0" */
    const struct pci_driver *driver; /* set once a driver's probe succeeded */
    struct pci_dev *next;
};

struct pci_driver {
    const char *name;
    bool (*match)(const struct pci_dev *d);
    int (*probe)(struct pci_dev *d); /* 0 if the driver took the device */
};

/* Finds the configuration mechanism, walks every bus and records each
 * function with its BARs (logged at LOG_INFO).  Once, after acpi_init. */
void pci_init(void);
/* Offers drv every device no driver has taken yet, in bus order. */
void pci_register_driver(const struct pci_driver *drv);

/* Configuration space access; off must be aligned to the width. */
uint8_t pci_cfg_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_cfg_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_cfg_read32(const struct pci_dev *d, unsigned off);
void pci_cfg_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_cfg_write32(const struct pci_dev *d, unsigned off, uint32_t v);

/* The offset of the first capability with id cap_id after the one at `after`
 * (0: from the start of the list), or 0.  A list that loops, points into the
 * header or runs past 48 entries ends the walk. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t cap_id, unsigned after);
/* Reads (sizes) the BARs into d->bars; memory and I/O decoding are off while
 * a BAR is sized. */
void pci_read_bars(struct pci_dev *d);
/* Maps [off, off+len) of memory BAR bar uncached; NULL if the BAR is an I/O
 * BAR, unassigned, or too small. */
volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar, uint64_t off, uint64_t len);
/* Turns on memory decoding and bus mastering (DMA). */
void pci_enable_device(const struct pci_dev *d);

/* MSI-X with n table entries: entry k interrupts on a vector of its own,
 * allocated from the IDT, running fns[k](tf, arg) on the boot CPU.
 * -ENODEV without an MSI-X capability, -ENOSPC if its table has fewer than
 * n entries, -EBUSY when the IDT has no free vectors, -ENOMEM.  INTx is
 * disabled while MSI-X is on. */
int pci_msix_enable(struct pci_dev *d, unsigned n, const irq_handler_fn *fns, void *arg);
/* Turns MSI-X off again (the function then signals INTx).  Its vectors stay
 * allocated: a message already on its way may still arrive. */
void pci_msix_disable(struct pci_dev *d);
/* INTx through the IOAPIC, on the pin the firmware wrote into the
 * interrupt-line register (see pci_intx.c for why that is right on QEMU's
 * pc and q35).  The line may be shared: fn must tell whether its device
 * raised it (and it is level-triggered: fn must quiet the device).
 * -ENODEV if the device has no INTx pin or the firmware routed none,
 * -ENOSPC if the line has too many sharers. */
int pci_intx_enable(struct pci_dev *d, irq_handler_fn fn, void *arg);
/* Silences the function for good: MSI-X masked, INTx disabled (a device
 * that is out of service and might keep interrupting). */
void pci_irq_silence(struct pci_dev *d);

#endif
