/* More than one CPU: finding the processors and starting them.
 *
 * The processors are listed by the ACPI MADT (microvm with ACPI, q35, pc)
 * or, without ACPI, by an Intel MP table; QEMU's microvm with acpi=off has
 * neither, and there they are counted through fw_cfg and their APIC ids
 * probed (arch/x86_64/cpu_probe.c).  The boot CPU starts the others (application
 * processors, APs) one at a time with INIT-SIPI-SIPI into a real-mode
 * trampoline (arch/x86_64/trampoline.S) that enters long mode on the
 * kernel's page tables; each then loads its own GDT, TSS and IDT, enables
 * its LAPIC, and becomes its idle thread. */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include <arch/percpu.h>
#include <kernel/types.h>

/* The processors the firmware lists as present, by APIC id (any 32-bit
 * value: x2APIC ids may exceed 255; nothing is indexed by APIC id), in its
 * order; or the ids to probe, of which `expected` exist.  CPU indexes are
 * given in this order too (cpu_list_candidates).  `dropped` counts the
 * distinct ids that did not fit (more than MAX_CPUS listed). */
struct cpu_list {
    unsigned n;
    unsigned expected;
    unsigned dropped;
    uint32_t apic_id[MAX_CPUS];
};

/* Adds id to the list (ignoring duplicates; an id past MAX_CPUS counts in
 * `dropped`).  (arch/x86_64/cpu_list.c, as are the two below.) */
void cpu_list_add(struct cpu_list *l, uint32_t apic_id);
/* The application processors to start, in the order they get CPU indexes
 * 1, 2, ... (the boot CPU is index 0 whatever its APIC id): the listed ids
 * other than boot_id, without those this LAPIC mode cannot address (above
 * 254 unless x2apic; counted in *unreachable), at most MAX_CPUS - 1.
 * Returns how many were written to ids[]. */
unsigned cpu_list_candidates(const struct cpu_list *l, uint32_t boot_id, bool x2apic, uint32_t ids[MAX_CPUS - 1],
                             unsigned *unreachable);
/* Fill *out from the ACPI MADT (processor local APIC and x2APIC entries
 * marked enabled) or from an MP table.  0, or -ENOENT when there is none. */
int madt_find_cpus(struct cpu_list *out);
/* The MADT walk itself, over a whole table (header included, its length
 * field trusted only up to table_len): for the host unit tests. */
int madt_parse_cpus(const void *madt, size_t table_len, struct cpu_list *out);
int mptable_find_cpus(struct cpu_list *out);
/* QEMU's fw_cfg CPU count, 0 without fw_cfg (arch/x86_64/cpu_probe.c). */
unsigned fw_cfg_cpu_count(void);
/* Without either (microvm, acpi=off): the APIC ids to try, from QEMU's
 * fw_cfg CPU count or else nr_cpus_given (0: not given); *how says which.
 * -ENOENT if there is no second CPU to look for (arch/x86_64/cpu_probe.c). */
int probe_cpus(struct cpu_list *out, unsigned nr_cpus_given, const char **how);

/* Chooses where the trampoline goes: SMP_TRAMPOLINE_PAGES free pages of
 * conventional memory (below 640 KiB) from the memory map, avoiding the
 * reserved ranges given.  Returns the physical address, or 0 if none. */
#define SMP_TRAMPOLINE_PAGES 4
struct boot_info;
struct phys_range;
uint64_t smp_pick_trampoline(const struct boot_info *bi, const struct phys_range *reserved, size_t n_reserved);

/* Starts up to max_cpus - 1 application processors (max_cpus: nr_cpus=,
 * 0 when not given) with the trampoline
 * pages at `trampoline` (reserved from the frame allocator by the caller,
 * given back by the caller after this returns).  Logs one line naming the
 * CPUs up.  Returns the number of CPUs online. */
unsigned smp_start_cpus(unsigned max_cpus, uint64_t trampoline);

#endif
