/* The buddy allocator for physical frames.
 *
 * Every page between the lowest and the highest usable address has a
 * struct page in one array (pages[]).  A free block of 2^k pages is
 * represented by its first page: state PAGE_FREE, order k, linked into
 * free_lists[k].  An allocated block's first page has state PAGE_ALLOCATED and
 * its order, which is how pmm_free_pages() catches double and mismatched
 * frees.  All other pages (inside a block, holes, reserved memory) are
 * PAGE_NONE.
 *
 * The debug kernel poisons every freed block and checks the poison when the
 * block is handed out again: a write to a freed frame is reported with the
 * frame's address and the callers that last allocated and freed it.
 *
 * pmm_lock (irqsave) protects free_lists, every struct page and the counters. */
#include <kernel/errno.h>
#include <kernel/kdebug.h>
#include <kernel/panic.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <mm/pmm.h>

enum page_state { PAGE_NONE = 0, PAGE_FREE, PAGE_ALLOCATED };

struct page {
    struct page *next, *prev; /* free-list links, valid while PAGE_FREE */
    uintptr_t owner;          /* for the slab allocator */
    uint32_t refs;            /* single frames: users (address spaces, a file holding the page); atomic */
    uint8_t state;
    uint8_t order;
#ifdef KDEBUG
    bool poisoned;            /* filled with PAGE_POISON when freed: checked when allocated */
    uintptr_t alloc_site, free_site; /* callers of the last allocation and free of its block */
#endif
};

static spinlock_t pmm_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_ALLOCATOR);
static struct page *pages;   /* pages[i] describes frame base_pfn + i */
static uint64_t base_pfn, n_pages;
static struct page *free_lists[PMM_MAX_ORDER + 1];
static uint64_t total_pages, free_pages;
static uint64_t meta_pages; /* the pages[] array itself */
static uint64_t free_blocks[PMM_MAX_ORDER + 1];

static struct page *pfn_to_page(uint64_t pfn) { return &pages[pfn - base_pfn]; }
static uint64_t page_to_pfn(const struct page *p) { return base_pfn + (uint64_t)(p - pages); }

static void list_push(unsigned order, struct page *p)
{
    p->state = PAGE_FREE;
    p->order = (uint8_t)order;
    p->prev = NULL;
    p->next = free_lists[order];
    if (p->next)
        p->next->prev = p;
    free_lists[order] = p;
    free_blocks[order]++;
}

static void list_remove(struct page *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        free_lists[p->order] = p->next;
    if (p->next)
        p->next->prev = p->prev;
    free_blocks[p->order]--;
    p->state = PAGE_NONE;
    p->next = p->prev = NULL;
}

/* Largest order whose naturally aligned block starts at pfn and ends by end. */
static unsigned max_order_at(uint64_t pfn, uint64_t end)
{
    unsigned order = 0;
    while (order < PMM_MAX_ORDER && IS_ALIGNED(pfn, 2ull << order) && pfn + (2ull << order) <= end)
        order++;
    return order;
}

static void add_free_range(uint64_t start_pfn, uint64_t end_pfn)
{
    uint64_t pfn = start_pfn;
    while (pfn < end_pfn) {
        unsigned order = max_order_at(pfn, end_pfn);
        list_push(order, pfn_to_page(pfn));
        pfn += 1ull << order;
        total_pages += 1ull << order;
        free_pages += 1ull << order;
    }
}

/* Widens [*lo, *hi) (frame numbers) to cover the non-empty ranges given. */
static void span_ranges(const struct phys_range *r, size_t n, uint64_t *lo, uint64_t *hi)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i].end <= r[i].start)
            continue;
        *lo = MIN(*lo, r[i].start >> PAGE_SHIFT);
        *hi = MAX(*hi, r[i].end >> PAGE_SHIFT);
    }
}

int pmm_init(const struct phys_range *usable, size_t n)
{
    return pmm_init_spanning(usable, n, NULL, 0);
}

int pmm_init_spanning(const struct phys_range *usable, size_t n, const struct phys_range *later, size_t n_later)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    span_ranges(usable, n, &lo, &hi);
    if (hi <= lo)
        return -ENOMEM;
    span_ranges(later, n_later, &lo, &hi);
    base_pfn = lo;
    n_pages = hi - lo;
    uint64_t meta_bytes = ALIGN_UP(n_pages * sizeof(struct page), PAGE_SIZE);

    /* The metadata goes at the start of the lowest range that can hold it
     * (low memory is reachable through the boot page tables). */
    size_t meta_range = n;
    for (size_t i = 0; i < n; i++)
        if (usable[i].end > usable[i].start && usable[i].end - usable[i].start > meta_bytes &&
            (meta_range == n || usable[i].start < usable[meta_range].start))
            meta_range = i;
    if (meta_range == n)
        return -ENOMEM;
    uint64_t meta_phys = usable[meta_range].start;
    pages = phys_to_virt(meta_phys);
    memset(pages, 0, meta_bytes);
    meta_pages = meta_bytes >> PAGE_SHIFT;

    for (unsigned o = 0; o <= PMM_MAX_ORDER; o++) {
        free_lists[o] = NULL;
        free_blocks[o] = 0;
    }
    total_pages = free_pages = 0;
    /* Ranges go in from the highest down: LIFO free lists then hand out low
     * memory first, which early boot (before the full direct map) relies on. */
    for (size_t k = n; k-- > 0;) {
        uint64_t s = usable[k].start, e = usable[k].end;
        if (e <= s)
            continue;
        if (k == meta_range)
            s += meta_bytes;
        add_free_range(s >> PAGE_SHIFT, e >> PAGE_SHIFT);
    }
    return 0;
}

void pmm_release_range(uint64_t start, uint64_t end)
{
    uint64_t s = MAX(ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT, base_pfn);
    uint64_t e = MIN(ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT, base_pfn + n_pages);
    if (s >= e)
        return;
    uint64_t flags = spin_lock_irqsave(&pmm_lock);
    add_free_range(s, e);
    spin_unlock_irqrestore(&pmm_lock, flags);
}

#ifdef KDEBUG
#define PAGE_POISON 0xaaaaaaaaaaaaaaaaull
/* Early boot reaches frames through boot.S's tables, which map only the
 * first 4 GiB; kmap_init maps the rest (pmm_kdebug_direct_map_complete). */
#define BOOT_MAPPED_LIMIT (4ull << 30)
static bool direct_map_complete;

void pmm_kdebug_direct_map_complete(void)
{
    direct_map_complete = true;
}

/* Poisons a block being freed, unless it cannot be reached yet; pmm_lock. */
static void poison_block(struct page *p, uint64_t phys, unsigned order, uintptr_t site)
{
    bool reachable = direct_map_complete || phys + (PAGE_SIZE << order) <= BOOT_MAPPED_LIMIT;
    for (uint64_t i = 0; i < (1ull << order); i++) {
        p[i].poisoned = reachable;
        p[i].free_site = site;
        if (reachable) {
            uint64_t *w = phys_to_virt(phys + i * PAGE_SIZE);
            for (size_t k = 0; k < PAGE_SIZE / 8; k++)
                w[k] = PAGE_POISON;
        }
    }
}

/* Checks the poison of a block just taken (no lock: it is ours). */
static void check_block(struct page *p, uint64_t phys, unsigned order, uintptr_t site)
{
    for (uint64_t i = 0; i < (1ull << order); i++) {
        if (p[i].poisoned) {
            const uint64_t *w = phys_to_virt(phys + i * PAGE_SIZE);
            size_t k = 0;
            while (k < PAGE_SIZE / 8 && w[k] == PAGE_POISON)
                k++;
            if (k < PAGE_SIZE / 8 &&
                kdebug_report_begin("use after free of frame %lx: the 8 bytes at offset %zu written after it was freed "
                                    "(found %016lx), found when allocating it again",
                                    (unsigned long)(phys + i * PAGE_SIZE), k * 8, (unsigned long)w[k])) {
                kdebug_report_site("last allocated by", p[i].alloc_site);
                kdebug_report_site("freed by", p[i].free_site);
                kdebug_report_end();
            }
        }
        p[i].poisoned = false;
        p[i].alloc_site = site;
    }
}
#else
static inline void poison_block(__unused struct page *p, __unused uint64_t phys, __unused unsigned order,
                                __unused uintptr_t site) {}
static inline void check_block(__unused struct page *p, __unused uint64_t phys, __unused unsigned order,
                               __unused uintptr_t site) {}
#endif

/* Takes a block of 2^order pages for `site` (the debug kernel records it). */
static uint64_t alloc_pages_at(unsigned order, uintptr_t site)
{
    if (order > PMM_MAX_ORDER)
        return 0;
    uint64_t flags = spin_lock_irqsave(&pmm_lock);
    unsigned o = order;
    while (o <= PMM_MAX_ORDER && !free_lists[o])
        o++;
    if (o > PMM_MAX_ORDER) {
        spin_unlock_irqrestore(&pmm_lock, flags);
        return 0;
    }
    struct page *p = free_lists[o];
    list_remove(p);
    /* Split: the upper halves go back to the free lists. */
    while (o > order) {
        o--;
        list_push(o, p + (1ull << o));
    }
    p->state = PAGE_ALLOCATED;
    p->order = (uint8_t)order;
    p->owner = 0;
    p->refs = 1;
    free_pages -= 1ull << order;
    uint64_t phys = page_to_pfn(p) << PAGE_SHIFT;
    spin_unlock_irqrestore(&pmm_lock, flags);
    check_block(p, phys, order, site);
    return phys;
}

uint64_t pmm_alloc_pages(unsigned order)
{
    return alloc_pages_at(order, KDEBUG_CALLER());
}

uint64_t pmm_alloc_zeroed(unsigned order)
{
    uint64_t phys = alloc_pages_at(order, KDEBUG_CALLER());
    if (phys)
        memset(phys_to_virt(phys), 0, PAGE_SIZE << order);
    return phys;
}

static struct page *page_of(uint64_t phys)
{
    uint64_t pfn = phys >> PAGE_SHIFT;
    if (pfn < base_pfn || pfn >= base_pfn + n_pages)
        return NULL;
    return pfn_to_page(pfn);
}

void pmm_free_pages(uint64_t phys, unsigned order)
{
    uint64_t flags = spin_lock_irqsave(&pmm_lock);
    struct page *p = page_of(phys);
    if (!IS_ALIGNED(phys, PAGE_SIZE) || !p || p->state != PAGE_ALLOCATED || p->order != order) {
        spin_unlock_irqrestore(&pmm_lock, flags);
        panic("pmm: bad free of 0x%lx order %u (%s)", (unsigned long)phys, order,
              !p ? "not managed" : p->state == PAGE_FREE ? "double free" : "not an allocated block of that order");
    }
    p->owner = 0;
    poison_block(p, phys, order, KDEBUG_CALLER());
    free_pages += 1ull << order;
    uint64_t pfn = page_to_pfn(p);
    while (order < PMM_MAX_ORDER) {
        uint64_t buddy_pfn = pfn ^ (1ull << order);
        if (buddy_pfn < base_pfn || buddy_pfn >= base_pfn + n_pages)
            break;
        struct page *b = pfn_to_page(buddy_pfn);
        if (b->state != PAGE_FREE || b->order != order)
            break;
        list_remove(b);
        pfn = MIN(pfn, buddy_pfn);
        order++;
    }
    p->state = PAGE_NONE;
    list_push(order, pfn_to_page(pfn));
    spin_unlock_irqrestore(&pmm_lock, flags);
}

/* The owner word lives in the block's first page for slabs, and in each
 * page for multi-page slabs; the slab allocator sets every page it uses. */
uintptr_t pmm_page_owner(uint64_t phys)
{
    struct page *p = page_of(phys);
    return p ? p->owner : 0;
}

void pmm_set_page_owner(uint64_t phys, uintptr_t owner)
{
    struct page *p = page_of(phys);
    if (p)
        p->owner = owner;
}

void pmm_frame_get(uint64_t phys)
{
    struct page *p = page_of(phys);
    if (p)
        __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}

unsigned pmm_frame_put(uint64_t phys)
{
    struct page *p = page_of(phys);
    return p ? __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) : 0;
}

void pmm_frame_release(uint64_t phys)
{
    if (pmm_frame_put(phys) == 0)
        pmm_free_pages(phys, 0);
}

unsigned pmm_frame_refs(uint64_t phys)
{
    struct page *p = page_of(phys);
    return p ? __atomic_load_n(&p->refs, __ATOMIC_ACQUIRE) : 0;
}

void pmm_get_stats(struct pmm_stats *out)
{
    uint64_t flags = spin_lock_irqsave(&pmm_lock);
    out->total_pages = total_pages;
    out->free_pages = free_pages;
    out->meta_pages = meta_pages;
    for (unsigned o = 0; o <= PMM_MAX_ORDER; o++)
        out->free_blocks[o] = free_blocks[o];
    spin_unlock_irqrestore(&pmm_lock, flags);
}
