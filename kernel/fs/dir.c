/* In-memory directories: a hash table of names and a tree by sequence
 * number (see fs/dir.h).  Caller holds vfs_ns_lock for every function here,
 * which also guards the hash key. */
#include <fs/dir.h>
#include <kernel/errno.h>
#include <kernel/random.h>
#include <kernel/string.h>
#include <mm/slab.h>

#define DIR_MIN_BUCKETS 8u

/* Keys the name hash, so nobody can pick names that share a bucket
 * without knowing it (chains stay short whatever names users choose). */
static uint64_t name_key;
static bool name_key_set;

static uint32_t name_hash(const char *name, size_t len)
{
    if (!name_key_set) {
        random_read(&name_key, sizeof name_key);
        name_key_set = true;
    }
    /* FNV-1a from a keyed start, then a multiply-xorshift finish so the
     * low bits (the bucket) depend on every byte. */
    uint64_t h = name_key ^ 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static struct dentry **bucket_of(struct inode *dir, uint32_t hash)
{
    return &dir->dir.buckets[hash & (dir->dir.nbuckets - 1)];
}

struct dentry *dir_find(struct inode *dir, const char *name, size_t len)
{
    if (!dir->dir.nbuckets)
        return NULL;
    uint32_t hash = name_hash(name, len);
    for (struct dentry *d = *bucket_of(dir, hash); d; d = d->hash_next)
        if (d->hash == hash && d->len == len && !memcmp(d->name, name, len))
            return d;
    return NULL;
}

/* Moves every entry to a table of n buckets (charged to the file system).
 * 0, or -ENOMEM/-ENOSPC with the old table kept. */
static int rehash(struct inode *dir, uint32_t n)
{
    int r = super_charge_bytes(dir->sb, n * sizeof(struct dentry *));
    if (r)
        return r;
    struct dentry **table = kzalloc(n * sizeof *table);
    if (!table) {
        super_uncharge_bytes(dir->sb, n * sizeof(struct dentry *));
        return -ENOMEM;
    }
    for (uint32_t b = 0; b < dir->dir.nbuckets; b++) {
        struct dentry *d = dir->dir.buckets[b];
        while (d) {
            struct dentry *next = d->hash_next;
            d->hash_next = table[d->hash & (n - 1)];
            table[d->hash & (n - 1)] = d;
            d = next;
        }
    }
    kfree(dir->dir.buckets);
    super_uncharge_bytes(dir->sb, dir->dir.nbuckets * sizeof(struct dentry *));
    dir->dir.buckets = table;
    dir->dir.nbuckets = n;
    return 0;
}

void dir_release_table(struct inode *dir)
{
    if (dir->size || !dir->dir.buckets)
        return;
    kfree(dir->dir.buckets);
    super_uncharge_bytes(dir->sb, dir->dir.nbuckets * sizeof(struct dentry *));
    dir->dir.buckets = NULL;
    dir->dir.nbuckets = 0;
}

/* A new entry name -> child for dir, its bytes charged; not linked yet.
 * 0, -ENOMEM or -ENOSPC.  On failure an empty directory is left without a
 * table, as before the call (an empty directory owns none). */
static int entry_new(struct inode *dir, const char *name, size_t len, struct inode *child, struct dentry **out)
{
    if (!dir->dir.nbuckets) {
        int r = rehash(dir, DIR_MIN_BUCKETS);
        if (r)
            return r;
    }
    int r = super_charge_bytes(dir->sb, dentry_size(len));
    if (r) {
        dir_release_table(dir);
        return r;
    }
    struct dentry *d = kmalloc(dentry_size(len));
    if (!d) {
        super_uncharge_bytes(dir->sb, dentry_size(len));
        dir_release_table(dir);
        return -ENOMEM;
    }
    d->inode = child;
    d->len = (uint16_t)len;
    memcpy(d->name, name, len);
    d->name[len] = 0;
    d->hash = name_hash(name, len);
    *out = d;
    return 0;
}

static void entry_free(struct inode *dir, struct dentry *d)
{
    super_uncharge_bytes(dir->sb, dentry_size(d->len));
    kfree(d);
    dir_release_table(dir); /* an entry never linked may have made it */
}

/* Puts d in dir's table and order (at the end).  A subdirectory's ".."
 * counts as a link of dir. */
static void entry_link(struct inode *dir, struct dentry *d)
{
    struct dentry **bucket = bucket_of(dir, d->hash);
    d->hash_next = *bucket;
    *bucket = d;
    d->order.start = dir->dir.next_seq++;
    d->order.end = d->order.start + 1;
    range_tree_insert(&dir->dir.order, &d->order);
    if (K_S_ISDIR(d->inode->mode)) {
        d->inode->dir.parent = dir;
        d->inode->dir.entry = d;
        inode_nlink_add(dir, 1);
    }
    dir->size++;
    inode_touch(dir, false, true, true);
    /* Keep chains short; a table that cannot grow just keeps working. */
    if (dir->size > 2ull * dir->dir.nbuckets && dir->dir.nbuckets < (1u << 30))
        rehash(dir, dir->dir.nbuckets * 2);
}

/* Takes d out of dir; needs no memory. */
static void entry_unlink(struct inode *dir, struct dentry *d)
{
    struct dentry **link = bucket_of(dir, d->hash);
    while (*link != d)
        link = &(*link)->hash_next;
    *link = d->hash_next;
    range_tree_remove(&dir->dir.order, &d->order);
    if (K_S_ISDIR(d->inode->mode)) {
        /* Unless a rename already gave it a new name: it is gone. */
        if (d->inode->dir.entry == d) {
            d->inode->dir.parent = NULL;
            d->inode->dir.entry = NULL;
        }
        inode_nlink_add(dir, -1);
    }
    dir->size--;
    inode_touch(dir, false, true, true);
    dir_release_table(dir); /* an emptied directory gives its table back */
}

/* A second name of a non-directory costs an inode, as in Linux's tmpfs
 * (names cost memory however many inodes there are). */
static bool extra_link(const struct inode *child)
{
    return !K_S_ISDIR(child->mode) && child->nlink > 0;
}

int dir_add(struct inode *dir, const char *name, size_t len, struct inode *child)
{
    if (extra_link(child)) {
        int r = super_charge_inode(dir->sb);
        if (r)
            return r;
    }
    struct dentry *d;
    int r = entry_new(dir, name, len, child, &d);
    if (r) {
        if (extra_link(child))
            super_uncharge_inode(dir->sb);
        return r;
    }
    entry_link(dir, d);
    inode_nlink_add(child, 1);
    return 0;
}

void dir_remove(struct inode *dir, struct dentry *d)
{
    entry_unlink(dir, d);
    if (!K_S_ISDIR(d->inode->mode) && d->inode->nlink > 1)
        super_uncharge_inode(dir->sb);
    entry_free(dir, d);
}

int dir_move(struct inode *odir, struct dentry *d, struct inode *ndir, const char *name, size_t len)
{
    struct dentry *nd;
    int r = entry_new(ndir, name, len, d->inode, &nd);
    if (r)
        return r;
    entry_link(ndir, nd); /* first: odir may be ndir, whose table must not empty meanwhile */
    entry_unlink(odir, d);
    entry_free(odir, d);
    return 0;
}

void dir_set_inode(struct dentry *d, struct inode *child)
{
    d->inode = child;
    if (K_S_ISDIR(child->mode))
        child->dir.entry = d;
}

struct dentry *dir_next(struct inode *dir, uint64_t pos)
{
    /* An entry's range is [seq, seq + 1): it ends above pos iff seq >= pos. */
    struct range_node *n = range_tree_first_after(&dir->dir.order, pos);
    return n ? container_of(n, struct dentry, order) : NULL;
}

bool dir_is_empty(struct inode *dir)
{
    return dir->dir.order.root == NULL;
}
