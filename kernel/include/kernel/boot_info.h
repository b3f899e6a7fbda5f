/* What the kernel learns from the PVH boot (struct hvm_start_info), copied
 * into kernel memory so the hypervisor's structures are no longer needed. */
#ifndef KERNEL_BOOT_INFO_H
#define KERNEL_BOOT_INFO_H

#include <mm/physmap.h>

#define BOOT_MAX_MEMMAP 64
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_MAX 1024

/* E820 types as in the PVH memory map. */
enum { MEMMAP_RAM = 1, MEMMAP_RESERVED = 2, MEMMAP_ACPI = 3, MEMMAP_NVS = 4, MEMMAP_UNUSABLE = 5 };

struct boot_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
};

struct boot_module {
    uint64_t paddr;
    uint64_t size;
};

struct boot_info {
    char cmdline[BOOT_CMDLINE_MAX];
    uint64_t rsdp_paddr;
    size_t n_memmap;
    struct boot_memmap_entry memmap[BOOT_MAX_MEMMAP];
    size_t n_modules;
    struct boot_module modules[BOOT_MAX_MODULES];
};

/* Parses the hvm_start_info at physical address start_info (read through
 * phys_to_virt).  Checks the magic (0x336ec578) and version (>= 1: the memory
 * map is required), bounds every count, and truncates an over-long command
 * line.  Every structure it follows must lie below phys_limit (what the boot
 * page tables map).  Returns 0, or -EINVAL with *why set to a one-line reason. */
int pvh_parse(uint64_t start_info, uint64_t phys_limit, struct boot_info *out, const char **why);

/* The RAM entry of the memory map that holds physical address addr, or NULL. */
const struct boot_memmap_entry *boot_ram_entry_at(const struct boot_info *bi, uint64_t addr);

/* Fills usable[] with the RAM entries of the memory map, page-aligned inward,
 * minus the reserved ranges given (kernel image, modules, start info...) and
 * minus page 0.  Returns the number of ranges written (at most max). */
size_t boot_usable_ranges(const struct boot_info *bi, const struct phys_range *reserved, size_t n_reserved,
                          struct phys_range *usable, size_t max);

#endif
