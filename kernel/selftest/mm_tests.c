/* Self-tests of the allocators under memory pressure (run with -m 16): the
 * machine is driven to exhaustion, every allocator must report it cleanly,
 * and everything must come back when freed. */
#include <kernel/selftest.h>
#include <kernel/string.h>
#include <mm/kstack.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <sched/sched.h>

/* Takes every free page of the given order, chaining them through their
 * first word.  Returns the chain. */
static uint64_t take_all(unsigned order, uint64_t *count)
{
    uint64_t head = 0;
    *count = 0;
    for (uint64_t p; (p = pmm_alloc_pages(order));) {
        *(uint64_t *)phys_to_virt(p) = head;
        head = p;
        (*count)++;
    }
    return head;
}

static void give_back(uint64_t head, unsigned order)
{
    while (head) {
        uint64_t next = *(uint64_t *)phys_to_virt(head);
        pmm_free_pages(head, order);
        head = next;
    }
}

static const char *pmm_exhaustion_and_coalescing(void)
{
    struct pmm_stats before, empty, after;
    pmm_get_stats(&before);
    uint64_t n;
    uint64_t chain = take_all(0, &n);
    pmm_get_stats(&empty);
    bool ok_empty = empty.free_pages == 0 && pmm_alloc_pages(0) == 0 && pmm_alloc_zeroed(3) == 0;
    give_back(chain, 0);
    pmm_get_stats(&after);
    if (n == 0 || n != before.free_pages)
        return "did not get every free page";
    if (!ok_empty)
        return "allocator did not report exhaustion";
    if (after.free_pages != before.free_pages)
        return "free count not restored";
    for (unsigned o = 0; o <= PMM_MAX_ORDER; o++)
        if (after.free_blocks[o] != before.free_blocks[o])
            return "blocks did not coalesce back to the same shape";
    return NULL;
}
KTEST(pmm_exhaustion_and_coalescing);

static const char *pmm_big_blocks_under_fragmentation(void)
{
    /* Take everything as single pages, free every other one: no order-1
     * block may exist; free the rest: order-PMM_MAX_ORDER blocks reappear. */
    struct pmm_stats before, mid;
    pmm_get_stats(&before);
    uint64_t n, chain = take_all(0, &n), keep = 0, drop = 0;
    for (uint64_t i = 0; chain; i++) {
        uint64_t next = *(uint64_t *)phys_to_virt(chain);
        uint64_t *list = (chain >> PAGE_SHIFT) & 1 ? &keep : &drop;
        *(uint64_t *)phys_to_virt(chain) = *list;
        *list = chain;
        chain = next;
    }
    give_back(drop, 0);
    pmm_get_stats(&mid);
    bool fragmented = pmm_alloc_pages(1) == 0;
    give_back(keep, 0);
    struct pmm_stats after;
    pmm_get_stats(&after);
    if (!fragmented)
        return "an order-1 block existed with every other page taken";
    if (after.free_pages != before.free_pages || after.free_blocks[PMM_MAX_ORDER] != before.free_blocks[PMM_MAX_ORDER])
        return "large blocks did not come back";
    return mid.free_pages ? NULL : "nothing was freed";
}
KTEST(pmm_big_blocks_under_fragmentation);

static void nothing(void *unused)
{
    (void)unused;
}

static const char *kmalloc_until_enomem(void)
{
    struct pmm_stats before, after;
    pmm_get_stats(&before);
    /* A chain of 200-byte objects until kmalloc says no. */
    void *head = NULL;
    uint64_t n = 0;
    for (void *p; (p = kmalloc(200));) {
        *(void **)p = head;
        head = p;
        n++;
    }
    bool big_fails = kmalloc(1 << 20) == NULL && kmalloc(~(size_t)0) == NULL;
    /* Freed kernel stacks stay cached, mapped (mm/kstack.c): a thread made
     * now would get one of them without a free frame.  Take them too, so
     * that a new thread has no stack to get; give them back after. */
    void *stacks = NULL;
    for (void *s; (s = kstack_alloc());) {
        *(void **)s = stacks;
        stacks = s;
    }
    /* A thread that does nothing, should it be made after all (a failure,
     * reported below, not a jump to address 0). */
    struct thread *t = kthread_create("no-memory", nothing, NULL);
    while (stacks) {
        void *next = *(void **)stacks;
        kstack_free(stacks);
        stacks = next;
    }
    while (head) {
        void *next = *(void **)head;
        kfree(head);
        head = next;
    }
    pmm_get_stats(&after);
    if (n < 1000)
        return "too few objects before exhaustion";
    if (!big_fails)
        return "large allocation succeeded with no memory";
    if (t) {
        kthread_join(t);
        return "kthread_create succeeded with no memory";
    }
    /* One empty slab per cache may be kept. */
    if (before.free_pages - after.free_pages > 8)
        return "memory leaked after freeing everything";
    return NULL;
}
KTEST(kmalloc_until_enomem);

static const char *kmalloc_sizes_and_contents(void)
{
    static const size_t sizes[] = {1, 8, 9, 64, 100, 512, 2048, 2049, 4096, 10000, 65536};
    void *p[ARRAY_SIZE(sizes)];
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = kmalloc(sizes[i]);
        if (!p[i])
            return "allocation failed";
        memset(p[i], (int)i + 1, sizes[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        for (size_t j = 0; j < sizes[i]; j++)
            if (((uint8_t *)p[i])[j] != (uint8_t)(i + 1))
                return "allocations overlap";
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        kfree(p[i]);
    return NULL;
}
KTEST(kmalloc_sizes_and_contents);
