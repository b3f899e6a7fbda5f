/* The kernel's own address space: the direct map of all RAM and the kernel
 * image with per-section permissions, plus device MMIO windows. */
#ifndef MM_KMAP_H
#define MM_KMAP_H

#include <kernel/boot_info.h>

/* Builds the kernel page tables (direct map of every RAM range of the memory
 * map with 2 MiB pages where possible, kernel text RX, rodata R, data RW, all
 * global and NX where not code) and switches to them.  Returns -ENOMEM. */
int kmap_init(const struct boot_info *bi);
/* Maps [phys, phys+len) uncached at phys_to_virt(phys) and returns that address, or NULL. */
void *ioremap(uint64_t phys, uint64_t len);
/* [phys, phys+len) readable, for firmware tables (ACPI, MP): through the
 * direct map where it covers the range (RAM and ACPI data), else mapped
 * uncached like a device (areas the memory map calls reserved).  NULL when
 * out of memory for page tables. */
const void *kmap_firmware(uint64_t phys, uint64_t len);
/* Sets and clears bits of the kernel's entry for the 4 KiB page at va (a
 * 2 MiB mapping around it is split first) and drops its TLB entry: for bits
 * paging_protect does not reach, such as SEV's C-bit inside the address
 * field.  0, or -ENOMEM from the split (nothing changed). */
int kmap_change_page_bits(void *va, uint64_t set, uint64_t clear);
/* Physical address of the kernel PML4 (copied into user address spaces). */
uint64_t kmap_root(void);

#endif
