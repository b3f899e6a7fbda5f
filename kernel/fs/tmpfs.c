/* tmpfs: file systems held in memory.  Directories and symlinks live in
 * the inode (fs/dir.c, fs/namei_ops.c); this file holds regular file data:
 * an array of page pointers, NULL for holes, grown geometrically.  A page
 * is one frame from the frame allocator, reference-counted: the file holds
 * one reference, and each private mapping that maps the page directly
 * (mm/vm.c, through tmpfs_lend_page) holds another, so a program's text is
 * in memory once however many processes run it.  A shared mapping
 * (MAP_SHARED, System V shared memory) maps the file's own page writable
 * (tmpfs_share_page, which fills a hole first): its writes are the file's
 * bytes, seen by read(2) and by every other shared mapping at once.
 * Whoever drops the last reference frees the frame: a page truncated away
 * stays with the mappings that still have it.  Every change either completes or leaves the file as
 * it was (a write that runs out of memory part-way returns the bytes it did
 * write, as Linux does). */
#include <fs/vfs.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/pmm.h>
#include <mm/slab.h>

#define TMPFS_PAGE 4096u
/* Largest file: what a 64-bit offset allows without overflowing page maths. */
#define TMPFS_MAX_SIZE (1ull << 43)

struct super_block *tmpfs_create(const char *name, uint32_t dev_minor, uint64_t max_pages, uint64_t max_inodes,
                                 uint32_t root_mode)
{
    struct super_block *sb = super_create(name, K_TMPFS_MAGIC, dev_minor, max_pages, max_inodes);
    if (!sb)
        return NULL;
    struct inode *root;
    if (inode_alloc(sb, K_S_IFDIR | root_mode, &root)) {
        kfree(sb);
        return NULL;
    }
    root->nlink = 2; /* "." and its own name as a root: never freed */
    sb->root = root;
    return sb;
}

/* Makes pages[] hold at least n slots.  Caller holds data_lock. */
static int reg_reserve(struct inode *i, size_t n)
{
    if (n <= i->reg.npages)
        return 0;
    size_t cap = i->reg.npages ? i->reg.npages : 8;
    while (cap < n)
        cap *= 2;
    uint8_t **p = kzalloc(cap * sizeof *p);
    if (!p)
        return -ENOMEM;
    if (i->reg.npages)
        memcpy(p, i->reg.pages, i->reg.npages * sizeof *p);
    kfree(i->reg.pages);
    i->reg.pages = p;
    i->reg.npages = cap;
    return 0;
}

/* The page holding offset idx*4K, allocated (zeroed) if it is a hole.
 * Caller holds data_lock and has reserved the slot. */
static int reg_page(struct inode *i, size_t idx, uint8_t **out)
{
    if (!i->reg.pages[idx]) {
        int r = super_charge_page(i->sb);
        if (r)
            return r;
        uint64_t frame = pmm_alloc_zeroed(0);
        if (!frame) {
            super_uncharge_pages(i->sb, 1);
            return -ENOMEM;
        }
        i->reg.pages[idx] = phys_to_virt(frame);
        __atomic_add_fetch(&i->reg.resident, 1, __ATOMIC_RELAXED);
    }
    *out = i->reg.pages[idx];
    return 0;
}

int64_t tmpfs_read(struct inode *i, void *buf, size_t n, uint64_t pos)
{
    mutex_lock(&i->data_lock);
    size_t done = 0;
    if (pos < i->size) {
        n = (size_t)MIN((uint64_t)n, i->size - pos);
        while (done < n) {
            uint64_t off = pos + done;
            size_t idx = (size_t)(off / TMPFS_PAGE), in = (size_t)(off % TMPFS_PAGE);
            size_t chunk = MIN(n - done, TMPFS_PAGE - in);
            uint8_t *pg = idx < i->reg.npages ? i->reg.pages[idx] : NULL;
            if (pg)
                memcpy((uint8_t *)buf + done, pg + in, chunk);
            else
                memset((uint8_t *)buf + done, 0, chunk);
            done += chunk;
        }
    }
    mutex_unlock(&i->data_lock);
    return (int64_t)done;
}

int64_t tmpfs_write(struct inode *i, const void *buf, size_t n, uint64_t *ppos, bool append)
{
    mutex_lock(&i->data_lock);
    /* O_APPEND: the end is read under the same lock as the write, so two
     * appenders never overwrite each other. */
    uint64_t pos = append ? i->size : *ppos;
    if (n == 0 || pos >= TMPFS_MAX_SIZE || n > TMPFS_MAX_SIZE - pos) {
        mutex_unlock(&i->data_lock);
        return n == 0 ? 0 : -EFBIG;
    }
    int r = reg_reserve(i, (size_t)((pos + n + TMPFS_PAGE - 1) / TMPFS_PAGE));
    size_t done = 0;
    while (!r && done < n) {
        uint64_t off = pos + done;
        size_t idx = (size_t)(off / TMPFS_PAGE), in = (size_t)(off % TMPFS_PAGE);
        size_t chunk = MIN(n - done, TMPFS_PAGE - in);
        uint8_t *pg;
        r = reg_page(i, idx, &pg);
        if (r)
            break;
        memcpy(pg + in, (const uint8_t *)buf + done, chunk);
        done += chunk;
    }
    if (done) {
        if (pos + done > i->size)
            i->size = pos + done;
        inode_touch(i, false, true, true);
        *ppos = pos + done;
    }
    mutex_unlock(&i->data_lock);
    return done ? (int64_t)done : r;
}

int tmpfs_truncate(struct inode *i, uint64_t len)
{
    if (len > TMPFS_MAX_SIZE)
        return -EFBIG;
    mutex_lock(&i->data_lock);
    if (len < i->size) {
        /* Drop whole pages past the end; zero the tail of the last one so a
         * later extension reads zeros there. */
        size_t keep = (size_t)((len + TMPFS_PAGE - 1) / TMPFS_PAGE);
        uint64_t freed = 0;
        for (size_t p = keep; p < i->reg.npages; p++) {
            if (i->reg.pages[p]) {
                pmm_frame_release(virt_to_phys(i->reg.pages[p]));
                i->reg.pages[p] = NULL;
                freed++;
            }
        }
        super_uncharge_pages(i->sb, freed);
        __atomic_sub_fetch(&i->reg.resident, freed, __ATOMIC_RELAXED);
        size_t in = (size_t)(len % TMPFS_PAGE);
        if (in && keep - 1 < i->reg.npages && i->reg.pages[keep - 1])
            memset(i->reg.pages[keep - 1] + in, 0, TMPFS_PAGE - in);
    }
    /* Growing only moves the size: the new range is a hole. */
    i->size = len;
    inode_touch(i, false, true, true);
    mutex_unlock(&i->data_lock);
    return 0;
}

/* Frees the whole pages of [start, end) and zeroes the parts of the
 * pages at either edge (data_lock held). */
static void punch_hole_locked(struct inode *i, uint64_t start, uint64_t end)
{
    uint64_t freed = 0;
    for (uint64_t off = start; off < end;) {
        size_t idx = (size_t)(off / TMPFS_PAGE), in = (size_t)(off % TMPFS_PAGE);
        size_t chunk = (size_t)MIN(end - off, (uint64_t)(TMPFS_PAGE - in));
        uint8_t *pg = idx < i->reg.npages ? i->reg.pages[idx] : NULL;
        if (pg && chunk == TMPFS_PAGE) {
            pmm_frame_release(virt_to_phys(pg));
            i->reg.pages[idx] = NULL;
            freed++;
        } else if (pg) {
            memset(pg + in, 0, chunk);
        }
        off += chunk;
    }
    super_uncharge_pages(i->sb, freed);
    __atomic_sub_fetch(&i->reg.resident, freed, __ATOMIC_RELAXED);
}

/* Fills the holes of pages [first, last] with zeroed pages, all or none:
 * the new frames are gathered first, chained through their first word,
 * so a failure part-way frees them and leaves the file as it was
 * (data_lock held, slots reserved). */
static int fill_holes_locked(struct inode *i, size_t first, size_t last)
{
    uint8_t *chain = NULL;
    uint64_t got = 0;
    int r = 0;
    for (size_t idx = first; idx <= last && !r; idx++) {
        if (i->reg.pages[idx])
            continue;
        uint64_t frame = 0;
        r = super_charge_page(i->sb);
        if (!r && !(frame = pmm_alloc_zeroed(0))) {
            super_uncharge_pages(i->sb, 1);
            r = -ENOMEM;
        }
        if (r)
            break;
        uint8_t *pg = phys_to_virt(frame);
        *(uint8_t **)pg = chain;
        chain = pg;
        got++;
    }
    if (r) {
        while (chain) {
            uint8_t *next = *(uint8_t **)chain;
            pmm_frame_release(virt_to_phys(chain));
            chain = next;
        }
        super_uncharge_pages(i->sb, got);
        return r;
    }
    for (size_t idx = last + 1; idx-- > first && chain;) {
        if (i->reg.pages[idx])
            continue;
        uint8_t *next = *(uint8_t **)chain;
        *(uint8_t **)chain = NULL;
        i->reg.pages[idx] = chain;
        chain = next;
    }
    __atomic_add_fetch(&i->reg.resident, got, __ATOMIC_RELAXED);
    return 0;
}

int tmpfs_fallocate(struct inode *i, int mode, uint64_t off, uint64_t len)
{
    if (off >= TMPFS_MAX_SIZE || len > TMPFS_MAX_SIZE - off)
        return -EFBIG;
    uint64_t end = off + len;
    mutex_lock(&i->data_lock);
    int r = 0;
    if (mode & TMPFS_FALLOC_PUNCH_HOLE) {
        punch_hole_locked(i, off, MIN(end, (uint64_t)i->reg.npages * TMPFS_PAGE));
    } else {
        size_t first = (size_t)(off / TMPFS_PAGE), last = (size_t)((end - 1) / TMPFS_PAGE);
        r = reg_reserve(i, last + 1);
        if (!r)
            r = fill_holes_locked(i, first, last);
        if (!r && !(mode & TMPFS_FALLOC_KEEP_SIZE) && end > i->size)
            i->size = end;
    }
    if (!r)
        inode_touch(i, false, true, true);
    mutex_unlock(&i->data_lock);
    return r;
}

int tmpfs_lend_page(struct inode *i, uint64_t off, uint64_t *phys)
{
    if (off & (TMPFS_PAGE - 1))
        return -EINVAL;
    mutex_lock(&i->data_lock);
    uint64_t idx = off / TMPFS_PAGE;
    uint8_t *pg = off < i->size && idx < i->reg.npages ? i->reg.pages[idx] : NULL;
    if (pg) {
        /* Taken under data_lock, which truncation holds to drop the file's
         * own reference: the frame cannot go away in between. */
        *phys = virt_to_phys(pg);
        pmm_frame_get(*phys);
    }
    mutex_unlock(&i->data_lock);
    return pg ? 0 : -ENOENT;
}

int tmpfs_share_page(struct inode *i, uint64_t off, uint64_t *phys)
{
    if (off & (TMPFS_PAGE - 1))
        return -EINVAL;
    mutex_lock(&i->data_lock);
    uint8_t *pg = NULL;
    int r = off < i->size ? reg_reserve(i, (size_t)(off / TMPFS_PAGE) + 1) : -EIO;
    if (!r)
        r = reg_page(i, (size_t)(off / TMPFS_PAGE), &pg);
    if (!r) {
        /* As in tmpfs_lend_page: data_lock keeps truncation from dropping
         * the file's reference before ours is taken. */
        *phys = virt_to_phys(pg);
        pmm_frame_get(*phys);
    }
    mutex_unlock(&i->data_lock);
    return r;
}

void tmpfs_free_data(struct inode *i)
{
    uint64_t freed = 0;
    for (size_t p = 0; p < i->reg.npages; p++) {
        if (i->reg.pages[p]) {
            pmm_frame_release(virt_to_phys(i->reg.pages[p]));
            freed++;
        }
    }
    super_uncharge_pages(i->sb, freed);
    kfree(i->reg.pages);
    i->reg.pages = NULL;
    i->reg.npages = 0;
    i->reg.resident = 0;
}

static int64_t tmpfs_file_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned ioflags)
{
    (void)ioflags;
    int64_t r = tmpfs_read(f->inode, buf, n, *pos);
    if (r > 0)
        *pos += (uint64_t)r;
    return r;
}

static int64_t tmpfs_file_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned ioflags)
{
    (void)ioflags;
    return tmpfs_write(f->inode, buf, n, pos, f->flags & K_O_APPEND);
}

static int tmpfs_file_truncate(struct file *f, uint64_t len)
{
    return tmpfs_truncate(f->inode, len);
}

const struct file_ops tmpfs_file_ops = {
    .read = tmpfs_file_read,
    .write = tmpfs_file_write,
    .seekable = true,
    .truncate = tmpfs_file_truncate,
};
