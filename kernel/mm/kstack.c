/* Kernel stacks with guard pages (see mm/kstack.h).
 *
 * Freeing a stack changes the kernel half, whose entries are global: every
 * other CPU may cache them, so an unmap costs a shootdown IPI to every CPU,
 * idle ones included (under TCG waking a halted vCPU is the dearest thing
 * it does; thread churn on 4 CPUs made thousands of them).  So:
 *  - a freed stack first goes to a cache, still mapped with its frames:
 *    another CPU's stale entry for it is the current translation, and the
 *    next kstack_alloc takes it back without touching the page tables;
 *  - past the cache, freed stacks are retired: still mapped and their slots
 *    still marked used, until RETIRE_BATCH of them are unmapped together
 *    with one shootdown.  Only after it are their frames freed and their
 *    slots free to be mapped again, so no CPU ever reaches a reused range
 *    or frame through a stale TLB entry.
 * kstack_lock protects the slot bitmap, the cache, the retired list and the
 * region's page-table entries. */
#include <arch/cpu.h>
#include <arch/tlb.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <mm/kmap.h>
#include <mm/kstack.h>
#include <mm/paging.h>
#include <mm/pmm.h>
#include <sched/sched.h>

#define STACK_BYTES (PAGE_SIZE << KSTACK_ORDER)
#ifdef HOST_TEST
#define invlpg(va) ((void)(va)) /* tests/unit/test_kstack.c: no TLB on the host */
#endif
#define CACHE_MAX 64    /* 1 MiB of stacks kept for reuse */
#define RETIRE_BATCH 32 /* stacks unmapped per shootdown */

static uint64_t used[KSTACK_SLOTS / 64]; /* mapped: in use, cached or retired */
static uint16_t cache[CACHE_MAX];
static unsigned ncached;
static struct retired {
    uint16_t slot;
    uint64_t phys;
} retired[RETIRE_BATCH];
static unsigned nretired;
static struct kstack_stats stats;
static spinlock_t kstack_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_ALLOCATOR);

int kstack_init(void)
{
    /* Mapping and unmapping one page builds the region's tables down to the
     * first page table; the top-level entry then exists before any user
     * address space copies the kernel half. */
    uint64_t frame = pmm_alloc_pages(0);
    if (!frame)
        return -ENOMEM;
    int r = paging_map(kmap_root(), KSTACK_REGION, frame, PAGE_SIZE, PTE_W | PTE_NX | PTE_G | PAGING_SMALL);
    if (!r)
        r = paging_unmap(kmap_root(), KSTACK_REGION, PAGE_SIZE);
    invlpg(KSTACK_REGION);
    pmm_free_pages(frame, 0);
    return r;
}

static uint64_t slot_stack(unsigned slot)
{
    return KSTACK_REGION + slot * KSTACK_SLOT + (KSTACK_SLOT - STACK_BYTES);
}

void *kstack_alloc(void)
{
    uint64_t flags = spin_lock_irqsave(&kstack_lock);
    if (ncached) {
        unsigned slot = cache[--ncached];
        stats.cache_hits++;
        spin_unlock_irqrestore(&kstack_lock, flags);
        return (void *)slot_stack(slot);
    }
    spin_unlock_irqrestore(&kstack_lock, flags);
    uint64_t phys = pmm_alloc_pages(KSTACK_ORDER);
    if (!phys)
        return NULL;
    flags = spin_lock_irqsave(&kstack_lock);
    unsigned slot = KSTACK_SLOTS;
    for (unsigned i = 0; i < KSTACK_SLOTS / 64 && slot == KSTACK_SLOTS; i++)
        if (~used[i])
            slot = i * 64 + (unsigned)__builtin_ctzll(~used[i]);
    int r = -ENOMEM;
    if (slot < KSTACK_SLOTS) {
        /* The slot's entries are not present (a retired slot stays used
         * until its shootdown), so mapping it needs no shootdown. */
        r = paging_map(kmap_root(), slot_stack(slot), phys, STACK_BYTES, PTE_W | PTE_NX | PTE_G | PAGING_SMALL);
        if (!r) {
            used[slot / 64] |= 1ull << (slot % 64);
            stats.mapped++;
        }
    }
    spin_unlock_irqrestore(&kstack_lock, flags);
    if (r) {
        pmm_free_pages(phys, KSTACK_ORDER);
        return NULL;
    }
    return (void *)slot_stack(slot);
}

/* Unmaps every retired stack, then one shootdown for all (kstack_lock
 * held); fills out[] with their frames, to be freed after the lock. */
static unsigned unmap_retired_locked(uint64_t out[RETIRE_BATCH])
{
    unsigned n = nretired;
    for (unsigned i = 0; i < n; i++) {
        uint64_t va = slot_stack(retired[i].slot);
        paging_unmap_no_shootdown(kmap_root(), va, STACK_BYTES);
        /* Global entries: flushed page by page whatever address space is loaded. */
        for (uint64_t off = 0; off < STACK_BYTES; off += PAGE_SIZE)
            invlpg(va + off);
    }
    /* The whole region: more pages than a per-page flush is worth, so each
     * CPU drops its global entries once. */
    tlb_flush_others(kmap_root(), KSTACK_REGION, KSTACK_REGION + (uint64_t)KSTACK_SLOTS * KSTACK_SLOT);
    for (unsigned i = 0; i < n; i++) {
        unsigned slot = retired[i].slot;
        used[slot / 64] &= ~(1ull << (slot % 64));
        out[i] = retired[i].phys;
    }
    nretired = 0;
    stats.batches++;
    stats.unmapped += n;
    return n;
}

void kstack_free(void *stack)
{
    uint64_t va = (uint64_t)stack;
    unsigned slot = (unsigned)((va - KSTACK_REGION) / KSTACK_SLOT);
    uint64_t phys, frames[RETIRE_BATCH];
    unsigned nfree = 0;
    uint64_t flags = spin_lock_irqsave(&kstack_lock);
    if (paging_lookup(kmap_root(), va, &phys, NULL, NULL) == 0) {
        if (ncached < CACHE_MAX) {
            cache[ncached++] = (uint16_t)slot;
        } else {
            retired[nretired++] = (struct retired){(uint16_t)slot, phys};
            if (nretired == RETIRE_BATCH)
                nfree = unmap_retired_locked(frames);
        }
    }
    spin_unlock_irqrestore(&kstack_lock, flags);
    for (unsigned i = 0; i < nfree; i++)
        pmm_free_pages(frames[i], KSTACK_ORDER);
}

void kstack_get_stats(struct kstack_stats *out)
{
    uint64_t flags = spin_lock_irqsave(&kstack_lock);
    *out = stats;
    out->cached = ncached;
    out->retired = nretired;
    spin_unlock_irqrestore(&kstack_lock, flags);
}

uint64_t kstack_bytes_in_use(void)
{
    uint64_t n = 0;
    uint64_t flags = spin_lock_irqsave(&kstack_lock);
    for (unsigned i = 0; i < KSTACK_SLOTS / 64; i++)
        for (uint64_t w = used[i]; w; w &= w - 1) /* no popcnt: the kernel targets baseline x86-64 */
            n++;
    spin_unlock_irqrestore(&kstack_lock, flags);
    return n * STACK_BYTES;
}

bool kstack_is_guard(uint64_t addr)
{
    return addr >= KSTACK_REGION && addr < KSTACK_REGION + (uint64_t)KSTACK_SLOTS * KSTACK_SLOT &&
           (addr - KSTACK_REGION) % KSTACK_SLOT < KSTACK_SLOT - STACK_BYTES;
}
