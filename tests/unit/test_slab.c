/* Host tests of slab caches and kmalloc (kernel/mm/slab.c) over the buddy allocator. */
#include "physmem.h"
#include "unit.h"

#include <mm/pmm.h>
#include <mm/slab.h>
#include <string.h>

#define MiB (1ull << 20)

static void setup(uint64_t mib)
{
    physmem_setup(mib * MiB);
    struct phys_range r[] = {{1 * MiB, mib * MiB}};
    CHECK_EQ(pmm_init(r, 1), 0);
}

static uint64_t free_pages(void)
{
    struct pmm_stats s;
    pmm_get_stats(&s);
    return s.free_pages;
}

static void test_cache_objects_distinct_and_aligned(void)
{
    setup(8);
    struct kmem_cache *c = kmem_cache_create("test48", 48, 16);
    CHECK(c != NULL);
    void *objs[300];
    for (int i = 0; i < 300; i++) {
        objs[i] = kmem_cache_alloc(c);
        CHECK(objs[i] != NULL);
        CHECK_EQ((uintptr_t)objs[i] % 16, 0);
        memset(objs[i], i & 0xff, 48);
    }
    for (int i = 0; i < 300; i++)
        for (int j = 0; j < 48; j++)
            if (((unsigned char *)objs[i])[j] != (i & 0xff)) {
                CHECK(!"objects overlap");
                return;
            }
    for (int i = 0; i < 300; i++)
        kmem_cache_free(c, objs[i]);
}

static void test_kmalloc_sizes(void)
{
    setup(8);
    size_t sizes[] = {0, 1, 7, 8, 9, 100, 2047, 2048, 2049, 4096, 100000, 4u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        unsigned char *p = kmalloc(sizes[i]);
        CHECK(p != NULL);
        if (p && sizes[i])
            memset(p, 0x5a, sizes[i]); /* the whole requested size is writable */
        kfree(p);
    }
    CHECK(kmalloc((4u << 20) + 1) == NULL); /* beyond the largest buddy block */
    CHECK(kzalloc(64) != NULL);
}

static void test_exhaustion_then_full_recovery(void)
{
    setup(4);
    uint64_t before = free_pages();
    void *head = NULL;
    size_t n = 0;
    for (void *p; (p = kmalloc(100));) {
        *(void **)p = head;
        head = p;
        n++;
    }
    CHECK(n > 10000);
    CHECK(kmalloc(3000) == NULL);
    struct kmalloc_stats ks;
    kmalloc_get_stats(&ks);
    CHECK(ks.failures >= 2);
    while (head) {
        void *next = *(void **)head;
        kfree(head);
        head = next;
    }
    kmalloc_get_stats(&ks);
    CHECK(before - free_pages() <= 4); /* at most the kept empty slabs */
}

static void test_double_free_detected(void)
{
    setup(8);
    void *p = kmalloc(32);
    kfree(p);
    EXPECT_PANIC(kfree(p));
    CHECK(strstr(unit_panic_msg, "double free") != NULL);
    void *big = kmalloc(10000);
    kfree(big);
    EXPECT_PANIC(kfree(big));
}

static void test_bad_pointers_detected(void)
{
    setup(8);
    char *p = kmalloc(64);
    EXPECT_PANIC(kfree(p + 8)); /* not an object start */
    char *big = kmalloc(10000);
    EXPECT_PANIC(kfree(big + 4096)); /* inside a large allocation */
    struct kmem_cache *a = kmem_cache_create("a", 64, 8), *b = kmem_cache_create("b", 64, 8);
    void *o = kmem_cache_alloc(a);
    EXPECT_PANIC(kmem_cache_free(b, o)); /* wrong cache */
    kmem_cache_free(a, o);
    kfree(NULL); /* allowed */
}

static void test_bad_cache_parameters(void)
{
    setup(8);
    CHECK(kmem_cache_create("zero", 0, 8) == NULL);
    CHECK(kmem_cache_create("align", 64, 24) == NULL);
    CHECK(kmem_cache_create("huge", 1 << 20, 8) == NULL);
}

static void test_stats_track_use(void)
{
    setup(8);
    struct kmalloc_stats a, b;
    kmalloc_get_stats(&a);
    void *p = kmalloc(100), *q = kmalloc(20000);
    kmalloc_get_stats(&b);
    CHECK_EQ(b.bytes_in_use - a.bytes_in_use, 128 + 32768);
    CHECK_EQ(b.allocs - a.allocs, 2);
    kfree(p);
    kfree(q);
    kmalloc_get_stats(&b);
    CHECK_EQ(b.bytes_in_use, a.bytes_in_use);
    CHECK_EQ(b.frees - a.frees, 2);
}

int main(void)
{
    return unit_main("slab", (struct unit_test[]){
                                 UNIT(test_cache_objects_distinct_and_aligned),
                                 UNIT(test_kmalloc_sizes),
                                 UNIT(test_exhaustion_then_full_recovery),
                                 UNIT(test_double_free_detected),
                                 UNIT(test_bad_pointers_detected),
                                 UNIT(test_bad_cache_parameters),
                                 UNIT(test_stats_track_use),
                                 {0},
                             });
}
