/* The processors in the ACPI MADT ("APIC" table; see arch/smp.h). */
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

void cpu_list_add(struct cpu_list *l, uint32_t apic_id)
{
    for (unsigned i = 0; i < l->n; i++)
        if (l->apic_id[i] == apic_id)
            return;
    if (l->n < MAX_CPUS)
        l->apic_id[l->n++] = apic_id;
}

int madt_find_cpus(struct cpu_list *out)
{
    const struct madt *m = acpi_find_table("APIC");
    if (!m)
        return -ENOENT;
    out->n = 0;
    const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->h.length;
    /* Entry: type, length, then the type's fields; a length below 2 would loop forever. */
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        uint32_t flags, id;
        if (p[0] == MADT_LOCAL_APIC && p[1] >= 8) {
            memcpy(&flags, p + 4, 4);
            if (flags & MADT_ENABLED)
                cpu_list_add(out, p[3]);
        } else if (p[0] == MADT_LOCAL_X2APIC && p[1] >= 16) {
            memcpy(&id, p + 4, 4);
            memcpy(&flags, p + 8, 4);
            if (flags & MADT_ENABLED)
                cpu_list_add(out, id);
        }
        p += p[1];
    }
    out->expected = out->n;
    return out->n ? 0 : -ENOENT;
}
