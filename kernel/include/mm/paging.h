/* x86-64 four-level page tables.  A table hierarchy is named by the physical
 * address of its PML4.  Mappings use 2 MiB pages where virtual address,
 * physical address and length allow it (unless PAGING_SMALL is given), 4 KiB
 * pages elsewhere.  Changing part of a 2 MiB mapping splits it into 4 KiB
 * entries first.  A 4 KiB-mapped region may start on a 2 MiB boundary.
 * Every operation that needs a table page may fail with -ENOMEM and then
 * leaves the existing mappings as they were. */
#ifndef MM_PAGING_H
#define MM_PAGING_H

#include <kernel/types.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Flag for paging_map only (not a PTE bit): never use 2 MiB pages. */
#define PAGING_SMALL (1ull << 9)

/* Allocates an empty PML4.  Returns its physical address or 0. */
uint64_t paging_new_root(void);
/* Maps [va, va+len) to [pa, pa+len) with flags (PTE_W | PTE_U | PTE_NX | PTE_PCD ... ; PTE_P implied).
 * va, pa and len must be 4 KiB aligned.  Overwrites existing mappings. */
int paging_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t len, uint64_t flags);
/* Removes the mappings in [va, va+len); unmapped holes are fine. */
int paging_unmap(uint64_t root, uint64_t va, uint64_t len);
/* The same without asking the other CPUs to flush: for a caller that does
 * one shootdown for many ranges itself (mm/kstack.c), and that does not
 * reuse the range or its frames before.  This CPU's TLB is flushed only if
 * root is loaded (global entries: the caller invlpg's them). */
int paging_unmap_no_shootdown(uint64_t root, uint64_t va, uint64_t len);
/* Like paging_unmap, calling fn(frame) for each 4 KiB leaf removed (user
 * memory is mapped with 4 KiB pages only), once no CPU's TLB holds its
 * translation any more.  Callers serialise (mm->lock). */
int paging_unmap_each(uint64_t root, uint64_t va, uint64_t len, void (*fn)(uint64_t pa, void *arg), void *arg);
/* Calls fn(va, &pte) for every present leaf in [va, va+len) in address
 * order (splitting 2 MiB leaves the range cuts through), until fn returns
 * false.  fn may edit the entry; the caller flushes the TLB.  Callers
 * serialise (mm->lock).  Returns 0 or -ENOMEM from a split. */
int paging_visit(uint64_t root, uint64_t va, uint64_t len, bool (*fn)(uint64_t va, uint64_t *pte, void *arg), void *arg);
/* Sets the flags of every mapped page in [va, va+len), keeping their addresses. */
int paging_protect(uint64_t root, uint64_t va, uint64_t len, uint64_t flags);
/* Translates va.  Returns 0 and fills *pa (exact byte address) and *flags (of
 * the leaf entry), or -ENOENT. *page_size gets 4096 or 2 MiB. Any out pointer may be NULL. */
int paging_lookup(uint64_t root, uint64_t va, uint64_t *pa, uint64_t *flags, uint64_t *page_size);
/* Pages of the kernel half's tables (PML4 entries 256..511, shared by every
 * address space), the root counted: what the kernel's own mappings cost. */
uint64_t paging_kernel_table_pages(uint64_t root);
/* Frees every table page below the user half (PML4 entries 0..255) and the
 * root itself; does not free the mapped frames. */
void paging_free_user_tables(uint64_t root);

/* Drops a TLB entry from this CPU if root is the active hierarchy (a no-op
 * in host tests).  map, unmap, protect and visit also ask the other CPUs
 * (arch/tlb.h) after changing entries that were present. */
void paging_flush(uint64_t root, uint64_t va);

#endif
