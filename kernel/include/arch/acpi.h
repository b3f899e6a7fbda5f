/* Minimal ACPI: the static tables only (RSDP, XSDT/RSDT, FADT, MCFG...),
 * no AML interpreter.  The firmware's tables are found once at boot and
 * stay mapped; every table handed out has a valid checksum. */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <kernel/types.h>

/* The header every system description table starts with (ACPI 6.5, 5.2.6). */
struct acpi_sdt_header {
    char signature[4];
    uint32_t length; /* of the whole table, header included */
    uint8_t revision;
    uint8_t checksum; /* the table's bytes sum to 0 (mod 256) */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __packed;

/* Finds the tables from the RSDP at rsdp_paddr (the PVH start info's
 * rsdp_paddr), or, when that is 0, from an RSDP found in the BIOS area
 * (0xe0000-0xfffff).  No RSDP means no ACPI (microvm with acpi=off): every
 * lookup then returns NULL.  The XSDT is used when the RSDP names one, the
 * RSDT otherwise.  Tables with a bad checksum or length are skipped with a
 * log line.  Also reads the FADT for acpi_poweroff.  Called once, after the
 * kernel page tables exist (tables are mapped with ioremap). */
void acpi_init(uint64_t rsdp_paddr);

/* The mapped table whose signature is sig ("MCFG", "FACP", "APIC"...; the
 * first one if there are several), or NULL. */
const void *acpi_find_table(const char sig[4]);

/* Enters S5 (soft off) through the FADT's PM1a control block with the SLP_TYPa
 * value of the DSDT's \_S5 package.  Returns only if that is not possible
 * (no ACPI, no PM1a control block, no \_S5) or the write had no effect. */
void acpi_poweroff(void);

/* For the host unit tests and acpi.c: the first SLP_TYPa value of a
 * `Name (_S5_, Package () {...})` in the AML bytes aml[0..len), or -1 when
 * there is no such package in a form this scan reads (a name, a package of at
 * least one element, the element a constant: Zero, One, Ones, or a byte,
 * word or dword constant). */
int acpi_aml_find_s5(const uint8_t *aml, size_t len);

#endif
