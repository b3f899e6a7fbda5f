/* The processors in the ACPI MADT ("APIC" table; see arch/smp.h).
 *
 * Processor entries (ACPI 6.5, 5.2.12.2 and 5.2.12.12): type 0 (local APIC:
 * 8-bit id) and type 9 (local x2APIC: 32-bit id).  Firmware uses type 9 for
 * ids above 254 and may list a CPU under both types: duplicates count once.
 * Only entries marked enabled are CPUs present now ("online capable" ones
 * are for hot-plug, which nutshell does not do).  An id of 0xff (type 0) or
 * 0xffffffff (type 9) names no CPU and is skipped. */
#include <arch/acpi.h>
#include <arch/smp.h>
#include <kernel/errno.h>
#include <kernel/string.h>

#define MADT_LOCAL_APIC 0
#define MADT_LOCAL_X2APIC 9
#define MADT_ENABLED 1u

struct madt {
    struct acpi_sdt_header h;
    uint32_t lapic_paddr;
    uint32_t flags;
} __packed;

int madt_parse_cpus(const void *table, size_t table_len, struct cpu_list *out)
{
    const struct madt *m = table;
    out->n = 0;
    out->dropped = 0;
    out->expected = 0;
    if (table_len < sizeof *m)
        return -ENOENT;
    size_t len = m->h.length < table_len ? m->h.length : table_len;
    const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + len;
    /* Entry: type, length, then the type's fields; a length below 2 would loop forever. */
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        uint32_t flags, id;
        if (p[0] == MADT_LOCAL_APIC && p[1] >= 8) {
            memcpy(&flags, p + 4, 4);
            if ((flags & MADT_ENABLED) && p[3] != 0xff)
                cpu_list_add(out, p[3]);
        } else if (p[0] == MADT_LOCAL_X2APIC && p[1] >= 16) {
            memcpy(&id, p + 4, 4);
            memcpy(&flags, p + 8, 4);
            if ((flags & MADT_ENABLED) && id != 0xffffffffu)
                cpu_list_add(out, id);
        }
        p += p[1];
    }
    out->expected = out->n;
    return out->n ? 0 : -ENOENT;
}

int madt_find_cpus(struct cpu_list *out)
{
    const struct acpi_sdt_header *m = acpi_find_table("APIC");
    if (!m)
        return -ENOENT;
    return madt_parse_cpus(m, m->length, out); /* acpi.c checked the length against what it mapped */
}
