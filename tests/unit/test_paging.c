/* Host tests of page-table manipulation (kernel/mm/paging.c) over simulated
 * physical memory: 4 KiB and 2 MiB mappings, splits, protection changes,
 * unmapping, and failure without side effects when tables cannot be allocated. */
#include "physmem.h"
#include "unit.h"

#include <mm/paging.h>
#include <kernel/errno.h>
#include <mm/pmm.h>

#define MiB (1ull << 20)
#define VA 0x0000400000000000ull /* a 2 MiB-aligned user address */

static uint64_t root;

static void setup(void)
{
    physmem_setup(16 * MiB);
    struct phys_range r[] = {{1 * MiB, 16 * MiB}};
    CHECK_EQ(pmm_init(r, 1), 0);
    root = paging_new_root();
    CHECK(root != 0);
}

static uint64_t free_pages(void)
{
    struct pmm_stats s;
    pmm_get_stats(&s);
    return s.free_pages;
}

/* Checks that va translates to pa with a page of the given size and the flag bits wanted. */
static void check_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t want)
{
    uint64_t got_pa = 0, flags = 0, got_size = 0;
    CHECK_EQ(paging_lookup(root, va, &got_pa, &flags, &got_size), 0);
    CHECK_EQ(got_pa, pa);
    CHECK_EQ(got_size, size);
    CHECK_EQ(flags & (PTE_W | PTE_U | PTE_NX), want);
}

static void test_small_and_huge_mappings(void)
{
    setup();
    CHECK_EQ(paging_map(root, VA, 0x200000, 3 * HUGE_PAGE_SIZE + 8 * PAGE_SIZE, PTE_W | PTE_U), 0);
    check_map(VA + 0x1234, 0x201234, HUGE_PAGE_SIZE, PTE_W | PTE_U);
    check_map(VA + 2 * HUGE_PAGE_SIZE + 0x1ff000, 0x200000 + 2 * HUGE_PAGE_SIZE + 0x1ff000, HUGE_PAGE_SIZE, PTE_W | PTE_U);
    check_map(VA + 3 * HUGE_PAGE_SIZE + 0x7000, 0x200000 + 3 * HUGE_PAGE_SIZE + 0x7000, PAGE_SIZE, PTE_W | PTE_U);
    CHECK_EQ(paging_lookup(root, VA + 3 * HUGE_PAGE_SIZE + 0x8000, NULL, NULL, NULL), -ENOENT);
    CHECK_EQ(paging_lookup(root, VA - PAGE_SIZE, NULL, NULL, NULL), -ENOENT);
}

static void test_small_region_may_start_on_huge_boundary(void)
{
    setup();
    CHECK_EQ(paging_map(root, VA, 0x400000, HUGE_PAGE_SIZE, PTE_W | PAGING_SMALL), 0);
    check_map(VA, 0x400000, PAGE_SIZE, PTE_W);
    check_map(VA + HUGE_PAGE_SIZE - PAGE_SIZE, 0x400000 + HUGE_PAGE_SIZE - PAGE_SIZE, PAGE_SIZE, PTE_W);
    /* Unaligned physical address: 4 KiB pages even without PAGING_SMALL. */
    CHECK_EQ(paging_map(root, VA + HUGE_PAGE_SIZE, 0x401000, HUGE_PAGE_SIZE, PTE_W), 0);
    check_map(VA + HUGE_PAGE_SIZE, 0x401000, PAGE_SIZE, PTE_W);
}

static void test_protect_splits_huge_page(void)
{
    setup();
    CHECK_EQ(paging_map(root, VA, 0x600000, HUGE_PAGE_SIZE, PTE_W | PTE_U | PTE_NX), 0);
    check_map(VA + 0x5000, 0x605000, HUGE_PAGE_SIZE, PTE_W | PTE_U | PTE_NX);
    CHECK_EQ(paging_protect(root, VA + 0x5000, PAGE_SIZE, PTE_U), 0);
    check_map(VA + 0x5000, 0x605000, PAGE_SIZE, PTE_U);
    check_map(VA + 0x4000, 0x604000, PAGE_SIZE, PTE_W | PTE_U | PTE_NX);
    check_map(VA + 0x6000, 0x606000, PAGE_SIZE, PTE_W | PTE_U | PTE_NX);
    check_map(VA + 0x1ff000, 0x7ff000, PAGE_SIZE, PTE_W | PTE_U | PTE_NX);
    /* Protecting a whole huge page keeps it huge. */
    CHECK_EQ(paging_map(root, VA + HUGE_PAGE_SIZE, 0x800000, HUGE_PAGE_SIZE, PTE_W), 0);
    CHECK_EQ(paging_protect(root, VA + HUGE_PAGE_SIZE, HUGE_PAGE_SIZE, PTE_NX), 0);
    check_map(VA + HUGE_PAGE_SIZE + 0x3000, 0x803000, HUGE_PAGE_SIZE, PTE_NX);
}

static void test_partial_unmap_of_huge_page(void)
{
    setup();
    CHECK_EQ(paging_map(root, VA, 0x600000, HUGE_PAGE_SIZE, PTE_W), 0);
    CHECK_EQ(paging_unmap(root, VA + 0x10000, 0x20000), 0);
    CHECK_EQ(paging_lookup(root, VA + 0x10000, NULL, NULL, NULL), -ENOENT);
    CHECK_EQ(paging_lookup(root, VA + 0x2f000, NULL, NULL, NULL), -ENOENT);
    check_map(VA + 0xf000, 0x60f000, PAGE_SIZE, PTE_W);
    check_map(VA + 0x30000, 0x630000, PAGE_SIZE, PTE_W);
    /* Unmapping holes is fine, and unmapping everything leaves nothing. */
    CHECK_EQ(paging_unmap(root, VA - HUGE_PAGE_SIZE, 4 * HUGE_PAGE_SIZE), 0);
    CHECK_EQ(paging_lookup(root, VA + 0xf000, NULL, NULL, NULL), -ENOENT);
}

static void test_remap_huge_over_small_frees_table(void)
{
    setup();
    CHECK_EQ(paging_map(root, VA, 0x600000, HUGE_PAGE_SIZE, PTE_W | PAGING_SMALL), 0);
    uint64_t with_table = free_pages();
    CHECK_EQ(paging_map(root, VA, 0xa00000, HUGE_PAGE_SIZE, PTE_W), 0);
    check_map(VA + 0x1000, 0xa01000, HUGE_PAGE_SIZE, PTE_W);
    CHECK_EQ(free_pages(), with_table + 1);
}

static void test_enomem_leaves_mappings_unchanged(void)
{
    setup();
    CHECK_EQ(paging_map(root, VA, 0x600000, HUGE_PAGE_SIZE, PTE_W | PTE_U), 0);
    /* Use up all memory. */
    while (pmm_alloc_pages(0))
        ;
    CHECK_EQ(paging_protect(root, VA + 0x3000, PAGE_SIZE, PTE_U), -ENOMEM);
    check_map(VA + 0x3000, 0x603000, HUGE_PAGE_SIZE, PTE_W | PTE_U);
    CHECK_EQ(paging_unmap(root, VA + 0x3000, PAGE_SIZE), -ENOMEM);
    check_map(VA + 0x3000, 0x603000, HUGE_PAGE_SIZE, PTE_W | PTE_U);
    CHECK_EQ(paging_map(root, VA + 0x3000, 0x900000, PAGE_SIZE, PTE_W), -ENOMEM);
    check_map(VA + 0x3000, 0x603000, HUGE_PAGE_SIZE, PTE_W | PTE_U);
    CHECK_EQ(paging_map(root, 0x1000, 0x900000, PAGE_SIZE, PTE_W), -ENOMEM);
    CHECK_EQ(paging_lookup(root, 0x1000, NULL, NULL, NULL), -ENOENT);
}

static void test_bad_arguments(void)
{
    setup();
    CHECK_EQ(paging_map(root, VA + 1, 0, PAGE_SIZE, PTE_W), -EINVAL);
    CHECK_EQ(paging_map(root, VA, 0x10, PAGE_SIZE, PTE_W), -EINVAL);
    CHECK_EQ(paging_map(root, VA, 0, 100, PTE_W), -EINVAL);
    CHECK_EQ(paging_map(root, ~0xfffull, 0, 2 * PAGE_SIZE, PTE_W), -EINVAL); /* wraps */
    CHECK_EQ(paging_unmap(root, VA + 8, PAGE_SIZE), -EINVAL);
    CHECK_EQ(paging_protect(root, VA, 3, 0), -EINVAL);
}

static void test_free_user_tables_returns_everything(void)
{
    physmem_setup(16 * MiB);
    struct phys_range r[] = {{1 * MiB, 16 * MiB}};
    CHECK_EQ(pmm_init(r, 1), 0);
    uint64_t before = free_pages();
    root = paging_new_root();
    CHECK_EQ(paging_map(root, 0x1000, 0x100000, 64 * PAGE_SIZE, PTE_W | PTE_U), 0);
    CHECK_EQ(paging_map(root, VA, 0x200000, 4 * HUGE_PAGE_SIZE, PTE_W | PTE_U), 0);
    CHECK_EQ(paging_map(root, 0x00007ffffffff000ull, 0x300000, PAGE_SIZE, PTE_W | PTE_U), 0);
    CHECK(free_pages() < before);
    paging_free_user_tables(root);
    CHECK_EQ(free_pages(), before);
}

static void test_intermediate_user_bit_only_in_user_half(void)
{
    setup();
    CHECK_EQ(paging_map(root, 0xffff888000200000ull, 0x200000, PAGE_SIZE, PTE_W), 0);
    uint64_t *pml4 = phys_to_virt(root);
    CHECK_EQ(pml4[273] & PTE_U, 0);
    CHECK_EQ(paging_map(root, VA, 0x200000, PAGE_SIZE, PTE_W | PTE_U), 0);
    CHECK(pml4[128] & PTE_U);
}

extern uint64_t paging_host_shootdowns;

/* An unmap of present entries asks the other CPUs to flush; the batched
 * variant clears the same entries and leaves the shootdown to its caller. */
static void test_unmap_no_shootdown_clears_without_flush(void)
{
    setup();
    CHECK_EQ(paging_map(root, VA, 0x200000, 4 * PAGE_SIZE, PTE_W | PAGING_SMALL), 0);
    uint64_t before = paging_host_shootdowns;
    CHECK_EQ(paging_unmap(root, VA, PAGE_SIZE), 0);
    CHECK_EQ(paging_host_shootdowns, before + 1);
    CHECK_EQ(paging_unmap_no_shootdown(root, VA + PAGE_SIZE, 2 * PAGE_SIZE), 0);
    CHECK_EQ(paging_host_shootdowns, before + 1);
    uint64_t pa;
    CHECK_EQ(paging_lookup(root, VA + PAGE_SIZE, &pa, NULL, NULL), -ENOENT);
    CHECK_EQ(paging_lookup(root, VA + 2 * PAGE_SIZE, &pa, NULL, NULL), -ENOENT);
    check_map(VA + 3 * PAGE_SIZE, 0x203000, PAGE_SIZE, PTE_W);
    CHECK_EQ(paging_unmap_no_shootdown(root, VA + 8, PAGE_SIZE), -EINVAL);
}

int main(void)
{
    return unit_main("paging", (struct unit_test[]){
                                   UNIT(test_small_and_huge_mappings),
                                   UNIT(test_small_region_may_start_on_huge_boundary),
                                   UNIT(test_protect_splits_huge_page),
                                   UNIT(test_partial_unmap_of_huge_page),
                                   UNIT(test_remap_huge_over_small_frees_table),
                                   UNIT(test_enomem_leaves_mappings_unchanged),
                                   UNIT(test_bad_arguments),
                                   UNIT(test_free_user_tables_returns_everything),
                                   UNIT(test_intermediate_user_bit_only_in_user_half),
                                   UNIT(test_unmap_no_shootdown_clears_without_flush),
                                   {0},
                               });
}
