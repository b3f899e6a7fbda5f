/* Host tests of the buddy allocator (kernel/mm/pmm.c). */
#include "physmem.h"
#include "unit.h"

#include <mm/pmm.h>
#include <string.h>

#define MiB (1ull << 20)

static struct pmm_stats stats(void)
{
    struct pmm_stats s;
    pmm_get_stats(&s);
    return s;
}

/* 32 MiB of RAM, usable from 1 MiB (like a real machine), one hole. */
static void setup(void)
{
    physmem_setup(32 * MiB);
    struct phys_range r[] = {{1 * MiB, 12 * MiB}, {16 * MiB, 32 * MiB}};
    CHECK_EQ(pmm_init(r, 2), 0);
}

static void test_alloc_is_aligned_and_in_range(void)
{
    setup();
    for (unsigned order = 0; order <= PMM_MAX_ORDER; order++) {
        uint64_t p = pmm_alloc_pages(order);
        CHECK(p != 0);
        CHECK_EQ(p % (4096ull << order), 0);
        CHECK((p >= 1 * MiB && p + (4096ull << order) <= 12 * MiB) || (p >= 16 * MiB && p + (4096ull << order) <= 32 * MiB));
        pmm_free_pages(p, order);
    }
    CHECK_EQ(pmm_alloc_pages(PMM_MAX_ORDER + 1), 0);
}

static void test_exhaustion_returns_zero_and_recovers(void)
{
    setup();
    uint64_t total = stats().free_pages;
    CHECK(total > 6000);
    uint64_t *got = calloc(total, sizeof *got);
    uint64_t n = 0;
    for (uint64_t p; (p = pmm_alloc_pages(0));)
        got[n++] = p;
    CHECK_EQ(n, total);
    CHECK_EQ(stats().free_pages, 0);
    CHECK_EQ(pmm_alloc_pages(0), 0);
    CHECK_EQ(pmm_alloc_zeroed(2), 0);
    /* No page handed out twice. */
    for (uint64_t i = 1; i < n; i++)
        CHECK(got[i] != got[i - 1]);
    for (uint64_t i = 0; i < n; i++)
        pmm_free_pages(got[i], 0);
    CHECK_EQ(stats().free_pages, total);
    free(got);
}

static void test_coalescing_restores_large_blocks(void)
{
    setup();
    struct pmm_stats before = stats();
    uint64_t a[64];
    for (int i = 0; i < 64; i++)
        a[i] = pmm_alloc_pages(0);
    /* Free in a scrambled order: coalescing must not depend on order. */
    for (int i = 0; i < 64; i += 2)
        pmm_free_pages(a[i], 0);
    for (int i = 63; i >= 1; i -= 2)
        pmm_free_pages(a[i], 0);
    struct pmm_stats after = stats();
    CHECK_EQ(after.free_pages, before.free_pages);
    for (unsigned o = 0; o <= PMM_MAX_ORDER; o++)
        CHECK_EQ(after.free_blocks[o], before.free_blocks[o]);
}

static void test_fragmentation_blocks_large_allocations(void)
{
    physmem_setup(8 * MiB);
    struct phys_range r[] = {{1 * MiB, 5 * MiB}};
    CHECK_EQ(pmm_init(r, 1), 0);
    uint64_t total = stats().free_pages;
    uint64_t *got = calloc(total, sizeof *got);
    uint64_t n = 0;
    for (uint64_t p; (p = pmm_alloc_pages(0));)
        got[n++] = p;
    for (uint64_t i = 0; i < n; i++)
        if ((got[i] >> 12) & 1)
            pmm_free_pages(got[i], 0);
    CHECK(stats().free_pages > 0);
    CHECK_EQ(pmm_alloc_pages(1), 0); /* every free page's buddy is taken */
    for (uint64_t i = 0; i < n; i++)
        if (!((got[i] >> 12) & 1))
            pmm_free_pages(got[i], 0);
    CHECK_EQ(stats().free_pages, total);
    CHECK(pmm_alloc_pages(8) != 0);
    free(got);
}

static void test_zeroed_allocation(void)
{
    setup();
    uint64_t p = pmm_alloc_pages(1);
    memset(phys_to_virt(p), 0xaa, 8192);
    pmm_free_pages(p, 1);
    uint64_t q = pmm_alloc_zeroed(1);
    unsigned char *b = phys_to_virt(q);
    for (int i = 0; i < 8192; i++)
        if (b[i]) {
            CHECK(!"pmm_alloc_zeroed returned dirty memory");
            break;
        }
}

static void test_double_free_panics(void)
{
    setup();
    uint64_t p = pmm_alloc_pages(0);
    pmm_free_pages(p, 0);
    EXPECT_PANIC(pmm_free_pages(p, 0));
    CHECK(strstr(unit_panic_msg, "double free") != NULL);
}

static void test_wrong_order_and_foreign_frees_panic(void)
{
    setup();
    uint64_t p = pmm_alloc_pages(2);
    EXPECT_PANIC(pmm_free_pages(p, 1));
    EXPECT_PANIC(pmm_free_pages(p + 4096, 0));  /* inside a block */
    EXPECT_PANIC(pmm_free_pages(64 * MiB, 0));  /* not managed */
    EXPECT_PANIC(pmm_free_pages(p + 1, 2));     /* not page aligned */
    pmm_free_pages(p, 2);
}

static void test_page_owner_word(void)
{
    setup();
    uint64_t p = pmm_alloc_pages(0);
    CHECK_EQ(pmm_page_owner(p), 0);
    pmm_set_page_owner(p, 0x1234);
    CHECK_EQ(pmm_page_owner(p), 0x1234);
    pmm_free_pages(p, 0);
    CHECK_EQ(pmm_page_owner(p), 0);
}

static void test_no_memory_at_all(void)
{
    physmem_setup(2 * MiB);
    struct phys_range r[] = {{1 * MiB, 1 * MiB}};
    CHECK(pmm_init(r, 1) < 0);
    CHECK(pmm_init(r, 0) < 0);
}

/* A boot module above all usable RAM (where QEMU puts the initrd) comes to
 * the allocator once released, page by page, only when the frame map spans
 * it; without the span the release is ignored. */
static void test_release_above_usable_ram(void)
{
    physmem_setup(32 * MiB);
    struct phys_range usable[] = {{1 * MiB, 8 * MiB}}, initrd[] = {{8 * MiB + 100, 12 * MiB}};
    CHECK_EQ(pmm_init(usable, 1), 0);
    uint64_t before = stats().total_pages;
    pmm_release_range(initrd[0].start, initrd[0].end);
    CHECK_EQ(stats().total_pages, before);

    CHECK_EQ(pmm_init_spanning(usable, 1, initrd, 1), 0);
    before = stats().total_pages;
    uint64_t free_before = stats().free_pages;
    pmm_release_range(initrd[0].start, 10 * MiB + 2048); /* whole pages only */
    pmm_release_range(10 * MiB, initrd[0].end);
    CHECK_EQ(stats().total_pages, before + (4 * MiB) / 4096 - 1); /* the partial first page stays out */
    CHECK_EQ(stats().free_pages, free_before + (4 * MiB) / 4096 - 1);
    uint64_t p = pmm_alloc_pages(PMM_MAX_ORDER); /* the released pages coalesce */
    CHECK(p != 0);
    pmm_free_pages(p, PMM_MAX_ORDER);
}

int main(void)
{
    return unit_main("pmm", (struct unit_test[]){
                                UNIT(test_alloc_is_aligned_and_in_range),
                                UNIT(test_exhaustion_returns_zero_and_recovers),
                                UNIT(test_coalescing_restores_large_blocks),
                                UNIT(test_fragmentation_blocks_large_allocations),
                                UNIT(test_zeroed_allocation),
                                UNIT(test_double_free_panics),
                                UNIT(test_wrong_order_and_foreign_frees_panic),
                                UNIT(test_page_owner_word),
                                UNIT(test_no_memory_at_all),
                                UNIT(test_release_above_usable_ram),
                                {0},
                            });
}
