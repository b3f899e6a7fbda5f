/* Kernel stacks with guard pages.  Each stack (16 KiB) is mapped in its own
 * 32 KiB slot of a dedicated kernel region, the lower 16 KiB of the slot left
 * unmapped: a stack overflow faults at once (a double fault, reported as a
 * kernel stack overflow) instead of writing over whatever lies below. */
#ifndef MM_KSTACK_H
#define MM_KSTACK_H

#include <kernel/types.h>

#define KSTACK_REGION 0xffffc90000000000ull
#define KSTACK_SLOT (32ull << 10)
#define KSTACK_SLOTS 16384u

/* Sets up the region (its page tables are shared by every address space:
 * must run before the first user address space exists).  -ENOMEM. */
int kstack_init(void);
/* A mapped 16 KiB stack: returns its lowest address, or NULL on ENOMEM. */
void *kstack_alloc(void);
void kstack_free(void *stack);
/* Freed stacks stay mapped for reuse, or until a batch of them is unmapped
 * with one TLB shootdown (mm/kstack.c). */
struct kstack_stats {
    uint64_t mapped, cache_hits; /* allocations that mapped a new stack / reused a cached one */
    uint64_t batches, unmapped;  /* batched unmaps (one shootdown each), stacks they unmapped */
    uint64_t cached, retired;    /* now: kept for reuse / waiting for the next batch */
};
void kstack_get_stats(struct kstack_stats *out);
/* Bytes of the stacks mapped now, cached and retired ones included (for the memory report). */
uint64_t kstack_bytes_in_use(void);
/* True if addr lies in the guard part of a stack slot. */
bool kstack_is_guard(uint64_t addr);

#endif
