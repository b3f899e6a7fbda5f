/* Minimal ACPI: the tables the firmware (QEMU) leaves in memory, found from
 * the RSDP the PVH start info names.  No AML interpreter. */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <kernel/types.h>

/* The header every ACPI system description table starts with. */
struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __packed;

/* Reads the RSDP at rsdp_paddr (0: the machine has no ACPI) and the XSDT or
 * RSDT it points to.  Tables with a bad checksum are ignored with a warning.
 * After the kernel page tables are live. */
void acpi_init(uint64_t rsdp_paddr);
/* The table with this signature ("APIC", "MCFG", "FACP"...), mapped and
 * checksummed, or NULL. */
const void *acpi_find_table(const char sig[4]);

#endif
