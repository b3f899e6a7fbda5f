/* The list of processors the firmware names, and which of them to start
 * (see arch/smp.h).  Pure: the host unit tests run it with x2APIC ids no
 * QEMU here can boot (tests/unit/test_smp.c). */
#include <arch/apic_msg.h>
#include <arch/smp.h>

void cpu_list_add(struct cpu_list *l, uint32_t apic_id)
{
    for (unsigned i = 0; i < l->n; i++)
        if (l->apic_id[i] == apic_id)
            return;
    if (l->n < MAX_CPUS)
        l->apic_id[l->n++] = apic_id;
    else
        l->dropped++; /* a duplicate among these counts twice: only the message says it */
}

unsigned cpu_list_candidates(const struct cpu_list *l, uint32_t boot_id, bool x2apic, uint32_t ids[MAX_CPUS - 1],
                             unsigned *unreachable)
{
    unsigned n = 0;
    *unreachable = 0;
    for (unsigned i = 0; i < l->n && n < MAX_CPUS - 1; i++) {
        uint32_t id = l->apic_id[i];
        if (id == boot_id)
            continue;
        if (!x2apic && !apic_id_fits_8bit(id)) {
            (*unreachable)++;
            continue;
        }
        ids[n++] = id;
    }
    return n;
}
