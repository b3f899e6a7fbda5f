/* Shared by the files of the PCI bus (not for drivers). */
#ifndef DRIVERS_PCI_INTERNAL_H
#define DRIVERS_PCI_INTERNAL_H

#include <drivers/pci.h>

/* One ECAM window (PCI Firmware 3.2, 4.1.2): the configuration space of
 * buses start_bus..end_bus of a segment, 1 MiB per bus. */
struct pci_ecam {
    uint64_t base; /* physical address of bus 0's space (even if start_bus > 0) */
    uint16_t segment;
    uint8_t start_bus, end_bus;
};

/* The ECAM window of segment 0 from the MCFG table at mcfg (checksum already
 * verified), into *out.  -ENOENT if the table lists none for segment 0,
 * -EINVAL if it is malformed (a length not covering its entries, a window
 * with end_bus < start_bus or an unaligned base). */
int pci_mcfg_segment0(const void *mcfg, struct pci_ecam *out);

/* Picks the configuration mechanism: ECAM when ecam is non-NULL (then bus
 * spaces are mapped as they are first used), else the 0xcf8/0xcfc ports. */
void pci_config_init(const struct pci_ecam *ecam);
/* True if the mechanism reaches bus (ECAM: inside the window). */
bool pci_config_has_bus(unsigned bus);

#endif
