/* Kernel stacks with guard pages (see mm/kstack.h).  kstack_lock protects
 * the slot bitmap and the region's page-table entries. */
#include <arch/cpu.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <mm/kmap.h>
#include <mm/kstack.h>
#include <mm/paging.h>
#include <mm/pmm.h>
#include <sched/sched.h>

#define STACK_BYTES (PAGE_SIZE << KSTACK_ORDER)

static uint64_t used[KSTACK_SLOTS / 64];
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
    uint64_t phys = pmm_alloc_pages(KSTACK_ORDER);
    if (!phys)
        return NULL;
    uint64_t flags = spin_lock_irqsave(&kstack_lock);
    unsigned slot = KSTACK_SLOTS;
    for (unsigned i = 0; i < KSTACK_SLOTS / 64 && slot == KSTACK_SLOTS; i++)
        if (~used[i])
            slot = i * 64 + (unsigned)__builtin_ctzll(~used[i]);
    int r = -ENOMEM;
    if (slot < KSTACK_SLOTS) {
        r = paging_map(kmap_root(), slot_stack(slot), phys, STACK_BYTES, PTE_W | PTE_NX | PTE_G | PAGING_SMALL);
        if (!r)
            used[slot / 64] |= 1ull << (slot % 64);
    }
    spin_unlock_irqrestore(&kstack_lock, flags);
    if (r) {
        pmm_free_pages(phys, KSTACK_ORDER);
        return NULL;
    }
    return (void *)slot_stack(slot);
}

void kstack_free(void *stack)
{
    uint64_t va = (uint64_t)stack;
    unsigned slot = (unsigned)((va - KSTACK_REGION) / KSTACK_SLOT);
    uint64_t phys;
    uint64_t flags = spin_lock_irqsave(&kstack_lock);
    bool mapped = paging_lookup(kmap_root(), va, &phys, NULL, NULL) == 0;
    if (mapped) {
        paging_unmap(kmap_root(), va, STACK_BYTES);
        /* Global entries: flushed page by page whatever address space is loaded. */
        for (uint64_t off = 0; off < STACK_BYTES; off += PAGE_SIZE)
            invlpg(va + off);
        used[slot / 64] &= ~(1ull << (slot % 64));
    }
    spin_unlock_irqrestore(&kstack_lock, flags);
    if (mapped)
        pmm_free_pages(phys, KSTACK_ORDER);
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
