/* Four-level x86-64 page tables (see mm/paging.h).
 *
 * Every operation runs in two phases.  The prepare phase walks the range and
 * makes sure every table the change needs exists, splitting 2 MiB entries that
 * a 4 KiB change cuts through; neither step changes any translation, so when
 * a table allocation fails the operation returns -ENOMEM with the mappings as
 * they were.  The apply phase then edits leaf entries and cannot fail.
 *
 * Callers serialise changes to one hierarchy (the address-space lock, or boot
 * code running alone); paging itself holds no lock. */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/paging.h>
#include <mm/pmm.h>
#ifndef HOST_TEST
#include <arch/cpu.h>
#include <arch/tlb.h>
#endif

#define ENTRIES 512
#define LEAF_FLAGS (PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_G | PTE_NX)

typedef uint64_t pte_t;

static pte_t *table_at(uint64_t phys) { return phys_to_virt(phys & PTE_ADDR_MASK); }

/* After entries that were present changed: the other CPUs drop what they
 * cached of [start, end) (arch/tlb.h); paging_flush did this CPU's part. */
#ifdef HOST_TEST
uint64_t paging_host_shootdowns; /* what the host tests count instead */
#endif
static void flush_others(uint64_t root, uint64_t start, uint64_t end)
{
#ifdef HOST_TEST
    (void)root, (void)start, (void)end;
    paging_host_shootdowns++;
#else
    tlb_flush_others(root, start, end);
#endif
}
static unsigned index_at(uint64_t va, unsigned level) { return (va >> (12 + 9 * (level - 1))) & 511; }
static uint64_t level_size(unsigned level) { return 1ull << (12 + 9 * (level - 1)); }

uint64_t paging_new_root(void)
{
    return pmm_alloc_zeroed(0);
}

/* Entry flags of a table that points to another table.  Access rights are
 * decided at the leaf, so intermediate entries are permissive; the user bit
 * is set only in the user half. */
static pte_t table_entry(uint64_t phys, uint64_t va)
{
    return phys | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
}

/* Replaces a 2 MiB leaf by a table of 512 4 KiB leaves with the same
 * translation and flags.  Returns -ENOMEM, leaving the entry untouched. */
static int split_huge(pte_t *pde)
{
    uint64_t pt = pmm_alloc_pages(0);
    if (!pt)
        return -ENOMEM;
    pte_t *t = table_at(pt);
    uint64_t base = *pde & PTE_ADDR_MASK & ~(HUGE_PAGE_SIZE - 1);
    uint64_t flags = *pde & (LEAF_FLAGS | PTE_P | PTE_A | PTE_D);
    for (unsigned i = 0; i < ENTRIES; i++)
        t[i] = (base + i * PAGE_SIZE) | flags;
    /* The new table is complete before the entry points to it. */
    *pde = pt | PTE_P | PTE_W | (*pde & PTE_U);
    return 0;
}

/* Returns the table entry for va at `level` (1 = 4 KiB leaf, 2 = 2 MiB),
 * creating missing tables when create is set.  Returns NULL if a table is
 * missing (create unset), on allocation failure (*err = -ENOMEM), or when a
 * huge leaf sits above `level` and split is unset. */
static pte_t *walk(uint64_t root, uint64_t va, unsigned level, bool create, bool split, int *err)
{
    pte_t *t = table_at(root);
    for (unsigned l = 4; l > level; l--) {
        pte_t *e = &t[index_at(va, l)];
        if (!(*e & PTE_P)) {
            if (!create)
                return NULL;
            uint64_t nt = pmm_alloc_zeroed(0);
            if (!nt) {
                *err = -ENOMEM;
                return NULL;
            }
            *e = table_entry(nt, va);
        } else if (l == 2 && (*e & PTE_PS)) {
            if (!split)
                return NULL;
            int r = split_huge(e);
            if (r) {
                *err = r;
                return NULL;
            }
        }
        t = table_at(*e);
    }
    return &t[index_at(va, level)];
}

/* A 2 MiB leaf can be used for [va, va+len) at va when both addresses are
 * 2 MiB aligned and the range covers the whole huge page. */
static bool can_use_huge(uint64_t va, uint64_t pa, uint64_t end, uint64_t flags)
{
    return !(flags & PAGING_SMALL) && IS_ALIGNED(va, HUGE_PAGE_SIZE) && IS_ALIGNED(pa, HUGE_PAGE_SIZE) &&
           end - va >= HUGE_PAGE_SIZE;
}

static void free_table_tree(uint64_t phys, unsigned level)
{
    pte_t *t = table_at(phys);
    if (level > 1)
        for (unsigned i = 0; i < ENTRIES; i++)
            if ((t[i] & PTE_P) && !(level == 2 && (t[i] & PTE_PS)))
                free_table_tree(t[i] & PTE_ADDR_MASK, level - 1);
    pmm_free_pages(phys & PTE_ADDR_MASK, 0);
}

int paging_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t len, uint64_t flags)
{
    if (!IS_ALIGNED(va | pa | len, PAGE_SIZE) || va + len < va)
        return -EINVAL;
    uint64_t end = va + len;
    int err = 0;
    /* Prepare: every table exists, every huge page cut by a 4 KiB piece is split. */
    for (uint64_t v = va, p = pa; v < end;) {
        if (can_use_huge(v, p, end, flags)) {
            if (!walk(root, v, 2, true, false, &err) && err)
                return err;
            v += HUGE_PAGE_SIZE, p += HUGE_PAGE_SIZE;
        } else {
            if (!walk(root, v, 1, true, true, &err))
                return err ? err : -ENOMEM;
            v += PAGE_SIZE, p += PAGE_SIZE;
        }
    }
    /* Apply. */
    uint64_t leaf = (flags & LEAF_FLAGS) | PTE_P;
    bool replaced = false; /* a present entry changed: other CPUs may cache it */
    for (uint64_t v = va, p = pa; v < end;) {
        if (can_use_huge(v, p, end, flags)) {
            pte_t *e = walk(root, v, 2, false, false, &err);
            bool had_table = (*e & PTE_P) && !(*e & PTE_PS);
            pte_t old = *e;
            replaced |= old & PTE_P;
            *e = p | leaf | PTE_PS;
            if (had_table) { /* 512 small translations replaced by one huge leaf */
                for (uint64_t off = 0; off < HUGE_PAGE_SIZE; off += PAGE_SIZE)
                    paging_flush(root, v + off);
                flush_others(root, v, v + HUGE_PAGE_SIZE);
                free_table_tree(old, 1);
            } else {
                paging_flush(root, v);
            }
            v += HUGE_PAGE_SIZE, p += HUGE_PAGE_SIZE;
        } else {
            pte_t *e = walk(root, v, 1, false, false, &err);
            replaced |= *e & PTE_P;
            *e = p | leaf;
            paging_flush(root, v);
            v += PAGE_SIZE, p += PAGE_SIZE;
        }
    }
    if (replaced)
        flush_others(root, va, end);
    return 0;
}

/* Visits every present leaf in [va, end), splitting huge leaves that the range
 * only partly covers.  fn gets the leaf entry.  With dry_run set, only splits
 * (the prepare phase). */
static int for_each_leaf(uint64_t root, uint64_t va, uint64_t end, bool dry_run, void (*fn)(pte_t *, uint64_t, void *),
                         void *ctx, bool *visited)
{
    uint64_t v = va;
    while (v < end) {
        pte_t *t = table_at(root);
        unsigned l = 4;
        pte_t *e = NULL;
        for (;;) {
            e = &t[index_at(v, l)];
            if (!(*e & PTE_P) || l == 1 || (l == 2 && (*e & PTE_PS)))
                break;
            t = table_at(*e);
            l--;
        }
        uint64_t size = level_size(l);
        uint64_t next = ALIGN_DOWN(v, size) + size;
        if (next == 0) /* wrapped past the top of the address space */
            next = UINT64_MAX;
        if (!(*e & PTE_P)) {
            v = next;
            continue;
        }
        if (l == 2 && (!IS_ALIGNED(v, HUGE_PAGE_SIZE) || end - v < HUGE_PAGE_SIZE)) {
            int r = split_huge(e);
            if (r)
                return r;
            continue; /* walk again, now down to the 4 KiB leaf */
        }
        if (!dry_run) {
            fn(e, v, ctx);
            paging_flush(root, v);
            *visited = true;
        }
        v = next;
    }
    return 0;
}

static void clear_leaf(pte_t *e, uint64_t va, void *unused)
{
    (void)va, (void)unused;
    *e = 0;
}

static void set_leaf_flags(pte_t *e, uint64_t va, void *flags)
{
    (void)va;
    *e = (*e & (PTE_ADDR_MASK | PTE_PS | PTE_A | PTE_D)) | (*(uint64_t *)flags & LEAF_FLAGS) | PTE_P;
}

/* Frames unmapped by paging_unmap_each are handed to its callback (which
 * frees them) only once no CPU can reach them through a stale TLB entry:
 * in batches, after a shootdown of the range they came from. */
#define UNMAP_BATCH 64 /* 512 bytes of stack */

struct unmap_each_ctx {
    uint64_t root;
    void (*fn)(uint64_t pa, void *arg);
    void *arg;
    uint64_t first_va, last_va; /* range of the batch */
    unsigned n;
    uint64_t frames[UNMAP_BATCH];
};

static void release_batch(struct unmap_each_ctx *c, bool flushed)
{
    if (!c->n)
        return;
    if (!flushed)
        flush_others(c->root, c->first_va, c->last_va + PAGE_SIZE);
    for (unsigned i = 0; i < c->n; i++)
        c->fn(c->frames[i], c->arg);
    c->n = 0;
}

static void clear_leaf_reporting(pte_t *e, uint64_t va, void *ctx)
{
    struct unmap_each_ctx *c = ctx;
    if (c->n == UNMAP_BATCH)
        release_batch(c, false); /* every leaf in it had its paging_flush */
    if (!c->n)
        c->first_va = va;
    c->last_va = va;
    c->frames[c->n++] = *e & PTE_ADDR_MASK;
    *e = 0;
}

/* Prepare, apply, then the other CPUs' flush if any leaf was touched. */
static int range_op(uint64_t root, uint64_t va, uint64_t len, void (*fn)(pte_t *, uint64_t, void *), void *ctx)
{
    if (!IS_ALIGNED(va | len, PAGE_SIZE) || va + len < va)
        return -EINVAL;
    bool visited = false;
    int r = for_each_leaf(root, va, va + len, true, fn, ctx, &visited);
    if (r)
        return r;
    r = for_each_leaf(root, va, va + len, false, fn, ctx, &visited);
    if (visited)
        flush_others(root, va, va + len);
    return r;
}

int paging_unmap(uint64_t root, uint64_t va, uint64_t len)
{
    return range_op(root, va, len, clear_leaf, NULL);
}

int paging_unmap_no_shootdown(uint64_t root, uint64_t va, uint64_t len)
{
    if (!IS_ALIGNED(va | len, PAGE_SIZE) || va + len < va)
        return -EINVAL;
    bool visited = false;
    int r = for_each_leaf(root, va, va + len, true, clear_leaf, NULL, &visited);
    if (r)
        return r;
    return for_each_leaf(root, va, va + len, false, clear_leaf, NULL, &visited);
}

int paging_unmap_each(uint64_t root, uint64_t va, uint64_t len, void (*fn)(uint64_t pa, void *arg), void *arg)
{
    struct unmap_each_ctx c = {.root = root, .fn = fn, .arg = arg};
    int r = range_op(root, va, len, clear_leaf_reporting, &c);
    release_batch(&c, true); /* range_op's own flush covered the rest */
    return r;
}

struct visit_ctx {
    bool (*fn)(uint64_t va, uint64_t *pte, void *arg);
    void *arg;
    bool stopped;
};

static void visit_leaf(pte_t *e, uint64_t va, void *ctx)
{
    struct visit_ctx *c = ctx;
    if (!c->stopped && !c->fn(va, e, c->arg))
        c->stopped = true;
}

int paging_visit(uint64_t root, uint64_t va, uint64_t len, bool (*fn)(uint64_t va, uint64_t *pte, void *arg), void *arg)
{
    struct visit_ctx c = {fn, arg, false};
    return range_op(root, va, len, visit_leaf, &c);
}

int paging_protect(uint64_t root, uint64_t va, uint64_t len, uint64_t flags)
{
    return range_op(root, va, len, set_leaf_flags, &flags);
}

int paging_lookup(uint64_t root, uint64_t va, uint64_t *pa, uint64_t *flags, uint64_t *page_size)
{
    pte_t *t = table_at(root);
    for (unsigned l = 4; l >= 1; l--) {
        pte_t e = t[index_at(va, l)];
        if (!(e & PTE_P))
            return -ENOENT;
        if (l == 1 || (l == 2 && (e & PTE_PS))) {
            uint64_t size = level_size(l);
            if (pa)
                *pa = (e & PTE_ADDR_MASK & ~(size - 1)) + (va & (size - 1));
            if (flags)
                *flags = e & ~PTE_ADDR_MASK;
            if (page_size)
                *page_size = size;
            return 0;
        }
        t = table_at(e);
    }
    return -ENOENT;
}

/* Table pages below the entries of table t (at `level`, 4 = PML4). */
static uint64_t tables_below(const pte_t *t, unsigned level)
{
    uint64_t n = 0;
    for (unsigned i = 0; level > 1 && i < ENTRIES; i++)
        if ((t[i] & PTE_P) && !(t[i] & PTE_PS))
            n += 1 + tables_below(table_at(t[i]), level - 1);
    return n;
}

uint64_t paging_kernel_table_pages(uint64_t root)
{
    const pte_t *pml4 = table_at(root);
    uint64_t n = 1;
    for (unsigned i = ENTRIES / 2; i < ENTRIES; i++)
        if (pml4[i] & PTE_P)
            n += 1 + tables_below(table_at(pml4[i]), 3);
    return n;
}

void paging_free_user_tables(uint64_t root)
{
    pte_t *t = table_at(root);
    for (unsigned i = 0; i < ENTRIES / 2; i++)
        if (t[i] & PTE_P)
            free_table_tree(t[i] & PTE_ADDR_MASK, 3);
    pmm_free_pages(root, 0);
}

void paging_flush(uint64_t root, uint64_t va)
{
#ifdef HOST_TEST
    (void)root, (void)va;
#else
    if ((read_cr3() & PTE_ADDR_MASK) == root)
        invlpg(va);
#endif
}

