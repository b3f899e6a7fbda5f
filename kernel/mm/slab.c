/* Slab caches and kmalloc (see mm/slab.h).
 *
 * A slab is one buddy block (2^order pages) holding a struct slab header
 * followed by equal objects.  Every page of the block has its pmm owner word
 * set to the slab, so kfree() finds the cache from any object pointer.  A
 * large kmalloc (> KMALLOC_MAX) takes whole pages and marks its first page
 * with LARGE_TAG | order.  Each slab keeps a bitmap of allocated objects: a
 * free of an object that is not allocated (double free) or of a pointer that
 * is not an object start panics.
 *
 * The debug kernel puts each object in a larger slot with red zones and
 * poison (mm/slab_kdebug.h); OBJ_OFFSET and FREE_LINK hide the difference.
 *
 * Each cache's lock (irqsave) protects its slab lists, its slabs' free lists
 * and bitmaps, and its counters.  stats_lock protects kmalloc's global stats. */
#include <kernel/errno.h>
#include <kernel/kdebug.h>
#include <kernel/panic.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <mm/slab_kdebug.h>

#define SLAB_MAX_OBJECTS 512
#define MAX_CACHES 64
#define KMALLOC_MIN_SHIFT 3
#define KMALLOC_MAX_SHIFT 11
#define KMALLOC_MAX (1u << KMALLOC_MAX_SHIFT)
#define LARGE_TAG 1u /* owner words of slabs are pointers, so even */
/* A large allocation's owner word: LARGE_TAG, the order in bits 1-7, the
 * size asked for from bit 8 (the debug kernel checks the rest of the block). */
#define LARGE_OWNER(order, req) (((uintptr_t)(req) << 8) | ((uintptr_t)(order) << 1) | LARGE_TAG)
#define LARGE_ORDER(owner) ((unsigned)((owner) >> 1) & 0x7f)
#define LARGE_REQ(owner) ((size_t)((owner) >> 8))

struct slab {
    struct slab *next, *prev;
    struct kmem_cache *cache;
    void *free;       /* singly linked list through the free objects */
    unsigned in_use;
    uint64_t bitmap[SLAB_MAX_OBJECTS / 64];
    uint8_t *objects; /* first object */
};

struct kmem_cache {
    const char *name;
    size_t size;      /* object size (debug: slot size), a multiple of the alignment */
    unsigned order;   /* slab size is 2^order pages */
    unsigned per_slab;
    size_t header;    /* offset of the first object in a slab */
    spinlock_t lock;
    struct slab *partial, *full, *empty; /* at most one empty slab is kept */
    uint64_t objects_in_use, slabs;
    struct slab_kdebug_layout debug; /* empty in the release kernel */
};

#ifdef KDEBUG
#define OBJ_OFFSET(c) ((size_t)(c)->debug.rz_left)
#define OBJ_SIZE(c) ((size_t)(c)->debug.obj_size)
#define FREE_LINK(c, obj) slab_kdebug_free_link(&(c)->debug, (obj))
#else
#define OBJ_OFFSET(c) ((size_t)0)
#define OBJ_SIZE(c) ((c)->size)
#define FREE_LINK(c, obj) ((void **)(obj))
#endif

static struct kmem_cache caches[MAX_CACHES];
static unsigned n_caches;
static spinlock_t caches_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_ALLOCATOR); /* protects n_caches */
static struct kmem_cache *kmalloc_caches[KMALLOC_MAX_SHIFT + 1];

static spinlock_t stats_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_ALLOCATOR);
static struct kmalloc_stats stats;

static void slab_list_add(struct slab **head, struct slab *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static void slab_list_del(struct slab **head, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align)
{
    if (align < 8)
        align = 8;
    if (size == 0 || (align & (align - 1)) || size > (PAGE_SIZE << 3) / 2)
        return NULL;
    size = ALIGN_UP(size, align);
    struct slab_kdebug_layout debug;
    size = slab_kdebug_layout(&debug, name, size, align);
    size_t header = ALIGN_UP(sizeof(struct slab), align);
    unsigned order = 0;
    /* Small slabs for small objects; bigger blocks so that at least 8 objects fit. */
    while (order < 3 && ((PAGE_SIZE << order) - header) / size < 8)
        order++;
    size_t per = ((PAGE_SIZE << order) - header) / size;
    if (per > SLAB_MAX_OBJECTS)
        per = SLAB_MAX_OBJECTS;
    if (per == 0)
        return NULL;

    uint64_t flags = spin_lock_irqsave(&caches_lock);
    if (n_caches == MAX_CACHES) {
        spin_unlock_irqrestore(&caches_lock, flags);
        return NULL;
    }
    struct kmem_cache *c = &caches[n_caches++];
    spin_unlock_irqrestore(&caches_lock, flags);
    *c = (struct kmem_cache){.name = name, .size = size, .order = order, .per_slab = (unsigned)per,
                             .header = header, .lock = SPINLOCK_INIT_RANKED(LOCK_RANK_ALLOCATOR),
                             .debug = debug};
    return c;
}

/* Takes a new block from the buddy allocator and threads its free list.  Called without the cache lock. */
static struct slab *slab_new(struct kmem_cache *c)
{
    uint64_t phys = pmm_alloc_pages(c->order);
    if (!phys)
        return NULL;
    struct slab *s = phys_to_virt(phys);
    memset(s, 0, sizeof *s);
    s->cache = c;
    s->objects = (uint8_t *)s + c->header + OBJ_OFFSET(c);
    for (unsigned i = c->per_slab; i-- > 0;) {
        void *obj = s->objects + (size_t)i * c->size;
        slab_kdebug_init_object(&c->debug, obj);
        *FREE_LINK(c, obj) = s->free;
        s->free = obj;
    }
    for (unsigned i = 0; i < (1u << c->order); i++)
        pmm_set_page_owner(phys + i * PAGE_SIZE, (uintptr_t)s);
    return s;
}

static void slab_release(struct slab *s)
{
    uint64_t phys = virt_to_phys(s);
    for (unsigned i = 0; i < (1u << s->cache->order); i++)
        pmm_set_page_owner(phys + i * PAGE_SIZE, 0);
    pmm_free_pages(phys, s->cache->order);
}

/* Takes an object of c; `req` bytes were asked for, by `site` (debug kernel). */
static void *cache_alloc(struct kmem_cache *c, size_t req, uintptr_t site)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    struct slab *s = c->partial;
    if (!s && c->empty) {
        s = c->empty;
        slab_list_del(&c->empty, s);
        slab_list_add(&c->partial, s);
    }
    if (!s) {
        spin_unlock_irqrestore(&c->lock, flags);
        s = slab_new(c);
        if (!s)
            return NULL;
        flags = spin_lock_irqsave(&c->lock);
        c->slabs++;
        slab_list_add(&c->partial, s);
    }
    void *obj = s->free;
    s->free = *FREE_LINK(c, obj);
    s->in_use++;
    unsigned idx = (unsigned)(((uint8_t *)obj - s->objects) / c->size);
    s->bitmap[idx / 64] |= 1ull << (idx % 64);
    if (s->in_use == c->per_slab) {
        slab_list_del(&c->partial, s);
        slab_list_add(&c->full, s);
    }
    c->objects_in_use++;
    spin_unlock_irqrestore(&c->lock, flags);
    slab_kdebug_on_alloc(&c->debug, obj, req, site);
    return obj;
}

void *kmem_cache_alloc(struct kmem_cache *c)
{
    return cache_alloc(c, OBJ_SIZE(c), KDEBUG_CALLER());
}

enum free_result { FREED, FREED_RELEASE_SLAB, NOT_AN_OBJECT, DOUBLE_FREE };

/* Frees obj into its slab s; c->lock held.  FREED_RELEASE_SLAB asks the
 * caller to give s back to the buddy allocator once the lock is dropped. */
static enum free_result slab_free_locked(struct kmem_cache *c, struct slab *s, void *obj, uintptr_t site)
{
    if ((uint8_t *)obj < s->objects)
        return NOT_AN_OBJECT;
    size_t off = (size_t)((uint8_t *)obj - s->objects);
    unsigned idx = (unsigned)(off / c->size);
    if (off % c->size || idx >= c->per_slab)
        return NOT_AN_OBJECT;
    if (!(s->bitmap[idx / 64] & (1ull << (idx % 64))))
        return DOUBLE_FREE;
    s->bitmap[idx / 64] &= ~(1ull << (idx % 64));
    slab_kdebug_on_free(&c->debug, obj, site);
    *FREE_LINK(c, obj) = s->free;
    s->free = obj;
    if (s->in_use-- == c->per_slab) {
        slab_list_del(&c->full, s);
        slab_list_add(&c->partial, s);
    }
    c->objects_in_use--;
    if (s->in_use > 0)
        return FREED;
    slab_list_del(&c->partial, s);
    if (!c->empty) {
        slab_list_add(&c->empty, s);
        return FREED;
    }
    c->slabs--;
    return FREED_RELEASE_SLAB;
}

static void cache_free(struct kmem_cache *c, struct slab *s, void *obj, uintptr_t site)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    enum free_result r = slab_free_locked(c, s, obj, site);
    spin_unlock_irqrestore(&c->lock, flags);
    if (r == NOT_AN_OBJECT)
        panic("slab %s: free of %p, which is not an object start", c->name, obj);
    if (r == DOUBLE_FREE)
        panic("slab %s: double free of %p", c->name, obj);
    if (r == FREED_RELEASE_SLAB)
        slab_release(s);
}

static struct slab *slab_of(const void *p)
{
    uintptr_t owner = pmm_page_owner(ALIGN_DOWN(virt_to_phys(p), PAGE_SIZE));
    return (owner & LARGE_TAG) ? NULL : (struct slab *)owner;
}

#ifdef KDEBUG
/* Only direct-map addresses can be in a slab; others (kernel image, stacks)
 * must not be turned into frame numbers. */
#define DIRECT_MAP_END 0xffffc90000000000ull

bool slab_kdebug_origin(const void *p, uintptr_t *alloc_site, size_t *offset)
{
    if ((uintptr_t)p < DIRECT_MAP_BASE || (uintptr_t)p >= DIRECT_MAP_END)
        return false;
    struct slab *s = slab_of(p);
    if (!s)
        return false;
    struct kmem_cache *c = s->cache;
    const uint8_t *first_slot = s->objects - OBJ_OFFSET(c);
    if ((const uint8_t *)p < first_slot)
        return false;
    size_t idx = (size_t)((const uint8_t *)p - first_slot) / c->size;
    uint8_t *obj = s->objects + idx * c->size;
    if (idx >= c->per_slab || (const uint8_t *)p < obj || (const uint8_t *)p >= obj + OBJ_SIZE(c))
        return false;
    *alloc_site = slab_kdebug_alloc_site(&c->debug, obj);
    *offset = (size_t)((const uint8_t *)p - obj);
    return true;
}
#endif

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
    if (!obj)
        return;
    struct slab *s = slab_of(obj);
    if (!s || s->cache != c)
        panic("slab %s: free of %p, which it did not allocate", c->name, obj);
    cache_free(c, s, obj, KDEBUG_CALLER());
}

static void count(int64_t bytes, int64_t pages, bool ok, bool alloc)
{
    uint64_t flags = spin_lock_irqsave(&stats_lock);
    stats.bytes_in_use += bytes;
    stats.pages_in_use += pages;
    if (!ok)
        stats.failures++;
    else if (alloc)
        stats.allocs++;
    else
        stats.frees++;
    spin_unlock_irqrestore(&stats_lock, flags);
}

static unsigned size_shift(size_t size)
{
    unsigned s = KMALLOC_MIN_SHIFT;
    while ((1ull << s) < size)
        s++;
    return s;
}

/* Names of kmalloc's caches, by size shift: reports name the size class. */
static const char *const kmalloc_names[KMALLOC_MAX_SHIFT + 1] = {
    [3] = "kmalloc-8",    [4] = "kmalloc-16",   [5] = "kmalloc-32",  [6] = "kmalloc-64",
    [7] = "kmalloc-128",  [8] = "kmalloc-256",  [9] = "kmalloc-512", [10] = "kmalloc-1024",
    [11] = "kmalloc-2048",
};

static void *kmalloc_at(size_t size, uintptr_t site)
{
    if (size == 0)
        size = 1;
    if (size > (PAGE_SIZE << PMM_MAX_ORDER)) {
        count(0, 0, false, true);
        return NULL;
    }
    if (size > KMALLOC_MAX) {
        unsigned order = 0;
        while ((PAGE_SIZE << order) < size)
            order++;
        uint64_t phys = pmm_alloc_pages(order);
        if (!phys) {
            count(0, 0, false, true);
            return NULL;
        }
        pmm_set_page_owner(phys, LARGE_OWNER(order, size));
        count((int64_t)(PAGE_SIZE << order), 1 << order, true, true);
        slab_kdebug_large_alloc(phys_to_virt(phys), size, PAGE_SIZE << order);
        return phys_to_virt(phys);
    }
    unsigned shift = size_shift(size);
    struct kmem_cache *c = kmalloc_caches[shift];
    if (!c) {
        /* Created on first use; a race creates two caches, one of which stays unused: harmless. */
        c = kmem_cache_create(kmalloc_names[shift], 1ull << shift, 8);
        if (!c) {
            count(0, 0, false, true);
            return NULL;
        }
        kmalloc_caches[shift] = c;
    }
    void *p = cache_alloc(c, size, site);
    count(p ? (int64_t)OBJ_SIZE(c) : 0, 0, p != NULL, true);
    return p;
}

void *kmalloc(size_t size)
{
    return kmalloc_at(size, KDEBUG_CALLER());
}

void *kzalloc(size_t size)
{
    void *p = kmalloc_at(size, KDEBUG_CALLER());
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    uint64_t phys = virt_to_phys(p);
    uintptr_t owner = pmm_page_owner(ALIGN_DOWN(phys, PAGE_SIZE));
    if (owner & LARGE_TAG) {
        unsigned order = LARGE_ORDER(owner);
        if (!IS_ALIGNED(phys, PAGE_SIZE))
            panic("kfree: %p is inside a large allocation, not its start", p);
        slab_kdebug_large_free(p, LARGE_REQ(owner), PAGE_SIZE << order, KDEBUG_CALLER());
        count(-(int64_t)(PAGE_SIZE << order), -(1 << order), true, false);
        pmm_free_pages(phys, order); /* clears the owner word; a second kfree then panics */
        return;
    }
    struct slab *s = (struct slab *)owner;
    if (!s)
        panic("kfree: %p was not returned by kmalloc (or was freed already)", p);
    int64_t size = (int64_t)OBJ_SIZE(s->cache);
    cache_free(s->cache, s, p, KDEBUG_CALLER());
    count(-size, 0, true, false);
}

void kmalloc_get_stats(struct kmalloc_stats *out)
{
    uint64_t flags = spin_lock_irqsave(&stats_lock);
    *out = stats;
    spin_unlock_irqrestore(&stats_lock, flags);
    uint64_t slab_pages = 0;
    for (unsigned i = 0; i < n_caches; i++)
        slab_pages += caches[i].slabs << caches[i].order;
    out->pages_in_use += slab_pages;
}
