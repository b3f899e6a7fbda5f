/* The ACPI MCFG table: where ECAM configuration space lives.  Plain parsing
 * of a table already mapped and checksummed (acpi_find_table), kept apart so
 * host unit tests feed it byte blobs. */
#include <arch/acpi.h>
#include <kernel/errno.h>
#include <kernel/string.h>

#include "pci_internal.h"

#define MCFG_ENTRIES 44 /* header (36) and 8 reserved bytes */
#define MCFG_ENTRY_SIZE 16

int pci_mcfg_segment0(const void *mcfg, struct pci_ecam *out)
{
    const struct acpi_sdt_header *h = mcfg;
    if (h->length < MCFG_ENTRIES)
        return -EINVAL;
    size_t n = (h->length - MCFG_ENTRIES) / MCFG_ENTRY_SIZE;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = (const uint8_t *)mcfg + MCFG_ENTRIES + i * MCFG_ENTRY_SIZE;
        struct pci_ecam w;
        memcpy(&w.base, e, 8);
        memcpy(&w.segment, e + 8, 2);
        w.start_bus = e[10];
        w.end_bus = e[11];
        if (w.segment != 0)
            continue;
        /* a bus's space is 1 MiB: the window must start on such a boundary */
        if (w.end_bus < w.start_bus || (w.base & 0xfffff) || w.base == 0)
            return -EINVAL;
        *out = w;
        return 0;
    }
    return -ENOENT;
}
