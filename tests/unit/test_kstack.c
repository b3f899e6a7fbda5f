/* Host tests of kernel stacks (kernel/mm/kstack.c) over simulated physical
 * memory: freed stacks are reused from the cache without a shootdown, the
 * rest are unmapped in batches with one shootdown each, and no slot or frame
 * is reused while another CPU may still cache its old translation. */
#include "physmem.h"
#include "unit.h"

#include <arch/tlb.h>
#include <kernel/errno.h>
#include <mm/kmap.h>
#include <mm/kstack.h>
#include <mm/paging.h>
#include <mm/pmm.h>
#include <sched/sched.h>

#define MiB (1ull << 20)
#define STACK_BYTES (PAGE_SIZE << KSTACK_ORDER)

static uint64_t root;
static unsigned shootdowns;
static uint64_t free_at_last_shootdown;

uint64_t kmap_root(void) { return root; }

static uint64_t free_pages(void)
{
    struct pmm_stats s;
    pmm_get_stats(&s);
    return s.free_pages;
}

/* The other CPUs' flush: records when it came and what was free then. */
void tlb_flush_others(uint64_t r, uint64_t start, uint64_t end)
{
    CHECK_EQ(r, root);
    CHECK(start <= KSTACK_REGION && end >= KSTACK_REGION + STACK_BYTES);
    shootdowns++;
    free_at_last_shootdown = free_pages();
}

static bool mapped(void *stack)
{
    uint64_t pa;
    return paging_lookup(root, (uint64_t)stack, &pa, NULL, NULL) == 0;
}

/* Everything lives in one process: the module's state carries over, so one
 * test walks the whole life cycle in order. */
static void test_cache_then_batches_with_one_shootdown_each(void)
{
    physmem_setup(64 * MiB);
    struct phys_range r[] = {{1 * MiB, 64 * MiB}};
    CHECK_EQ(pmm_init(r, 1), 0);
    root = paging_new_root();
    CHECK(root != 0);
    CHECK_EQ(kstack_init(), 0);
    shootdowns = 0; /* kstack_init's own unmap of a page no CPU used */

    enum { N = 64 + 32 + 8 }; /* fill the cache, one batch, 8 left retired */
    static void *s[N];
    for (int i = 0; i < N; i++) {
        s[i] = kstack_alloc();
        CHECK(s[i] != NULL && mapped(s[i]));
    }
    CHECK(kstack_is_guard((uint64_t)s[0] - 1));
    CHECK_EQ(kstack_bytes_in_use(), (uint64_t)N * STACK_BYTES);
    uint64_t before = free_pages();

    /* The first 64 go to the cache: no shootdown, still mapped. */
    for (int i = 0; i < 64; i++)
        kstack_free(s[i]);
    CHECK_EQ(shootdowns, 0u);
    CHECK(mapped(s[0]) && mapped(s[63]));
    CHECK_EQ(free_pages(), before);

    /* The next 31 are retired: still mapped, frames still held. */
    for (int i = 64; i < 64 + 31; i++)
        kstack_free(s[i]);
    CHECK_EQ(shootdowns, 0u);
    CHECK(mapped(s[64]));
    CHECK_EQ(free_pages(), before);

    /* The 32nd makes a batch: unmapped, one shootdown, and only then freed. */
    kstack_free(s[64 + 31]);
    CHECK_EQ(shootdowns, 1u);
    CHECK_EQ(free_at_last_shootdown, before);
    CHECK_EQ(free_pages(), before + 32u * (STACK_BYTES / PAGE_SIZE));
    for (int i = 64; i < 64 + 32; i++)
        CHECK(!mapped(s[i]));

    /* 8 more retired, waiting for the next batch. */
    for (int i = 96; i < N; i++)
        kstack_free(s[i]);
    CHECK_EQ(shootdowns, 1u);

    /* Allocation reuses the cache (last freed first), then maps new slots,
     * never one of the retired stacks still waiting for a shootdown. */
    static void *again[N];
    for (int i = 0; i < N; i++) {
        again[i] = kstack_alloc();
        CHECK(again[i] != NULL && mapped(again[i]));
        for (int j = 96; j < N; j++)
            CHECK(again[i] != s[j]);
    }
    CHECK_EQ(again[0], s[63]);
    CHECK_EQ(shootdowns, 1u);

    struct kstack_stats st;
    kstack_get_stats(&st);
    CHECK_EQ(st.cache_hits, 64u);
    CHECK_EQ(st.batches, 1u);
    CHECK_EQ(st.unmapped, 32u);
    CHECK_EQ(st.retired, 8u);
    CHECK_EQ(st.cached, 0u);
}

int main(void)
{
    return unit_main("kstack", (struct unit_test[]){
                                   UNIT(test_cache_then_batches_with_one_shootdown_each),
                                   {0},
                               });
}
