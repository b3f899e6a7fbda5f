/* Physical frame allocator: a buddy allocator over the usable RAM ranges.
 * Blocks are 2^order pages, order 0 (4 KiB) to PMM_MAX_ORDER (4 MiB).
 * Freed blocks coalesce with their buddy.  Exhaustion returns 0, never panics.
 * All functions are safe to call from threads and interrupt handlers (one
 * irqsave spinlock protects the free lists and the counters). */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <mm/physmap.h>

#define PMM_MAX_ORDER 10

/* Builds the allocator over the given usable ranges (already stripped of the
 * kernel image, boot modules and anything else reserved).  Takes the memory
 * for its own per-page metadata from those ranges.  Returns 0 or -ENOMEM. */
int pmm_init(const struct phys_range *usable, size_t n);
/* Same, with the frame map also covering ranges that are reserved now but
 * given to the allocator later with pmm_release_range (the initrd, which
 * the loader may put above all usable RAM). */
int pmm_init_spanning(const struct phys_range *usable, size_t n, const struct phys_range *later, size_t n_later);

/* Gives memory that was reserved at boot (the initrd, once unpacked) to the
 * allocator.  Only the whole pages inside the span pmm_init covered are taken. */
void pmm_release_range(uint64_t start, uint64_t end);

/* Returns the physical address of 2^order contiguous, naturally aligned pages,
 * or 0 when no block is free.  The memory is not zeroed. */
uint64_t pmm_alloc_pages(unsigned order);
/* Same, zero-filled. */
uint64_t pmm_alloc_zeroed(unsigned order);
/* Frees a block returned by pmm_alloc_pages with the same order.  Freeing a
 * block that is already free, or with the wrong order, is a kernel bug and panics. */
void pmm_free_pages(uint64_t phys, unsigned order);

/* Per-page word for the slab allocator: records which cache (or which large
 * allocation order) owns a page.  0 for pages that have none. */
uintptr_t pmm_page_owner(uint64_t phys);
void pmm_set_page_owner(uint64_t phys, uintptr_t owner);

/* Reference counts of single user frames, which fork shares copy-on-write
 * between address spaces.  A frame starts with one when allocated.
 * pmm_frame_put returns how many are left: at 0 the caller frees the frame. */
void pmm_frame_get(uint64_t phys);
unsigned pmm_frame_put(uint64_t phys);
unsigned pmm_frame_refs(uint64_t phys);
/* Drops one reference to a single frame and frees it if that was the last
 * (user frames, and file pages that mappings share with their file). */
void pmm_frame_release(uint64_t phys);

/* The debug kernel poisons freed frames; before kmap_init has mapped all
 * memory it can only reach the first 4 GiB.  kmap_init calls this once the
 * whole direct map is in place. */
#ifdef KDEBUG
void pmm_kdebug_direct_map_complete(void);
#else
static inline void pmm_kdebug_direct_map_complete(void) {}
#endif

struct pmm_stats {
    uint64_t total_pages; /* pages managed (excluding the allocator's metadata) */
    uint64_t free_pages;
    uint64_t meta_pages;  /* the allocator's own per-frame records (struct page array) */
    uint64_t free_blocks[PMM_MAX_ORDER + 1];
};
void pmm_get_stats(struct pmm_stats *out);

#endif
