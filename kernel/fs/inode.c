/* Inodes and superblocks: allocation, reference counts, times, stat.
 *
 * An inode lives while it has a name (nlink > 0) or a reference (an open
 * file, a cwd, a lookup in flight).  inode_life_lock makes the decision to
 * free it once: whoever brings the second of the two counts to zero frees. */
#include <fs/dir.h>
#include <fs/vfs.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/panic.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <mm/slab.h>

static spinlock_t inode_life_lock = SPINLOCK_INIT; /* every refs, sb counters, the free decision, serials */
static uint64_t inode_serials; /* the last inode serial given (struct inode.serial) */

struct super_block *super_create(const char *name, uint64_t magic, uint32_t dev_minor, uint64_t max_pages, uint64_t max_inodes)
{
    struct super_block *sb = kzalloc(sizeof *sb);
    if (!sb)
        return NULL;
    sb->name = name;
    sb->magic = magic;
    sb->dev_minor = dev_minor;
    sb->next_ino = 1;
    sb->max_pages = max_pages;
    sb->max_inodes = max_inodes;
    return sb;
}

static bool accounted(const struct super_block *sb)
{
    return sb->max_inodes != 0;
}

/* Would pages data pages and bytes of metadata fit?  inode_life_lock held. */
static bool space_fits(const struct super_block *sb, uint64_t pages, uint64_t bytes)
{
    uint64_t meta_pages = (bytes + 4095) / 4096;
    return pages <= sb->max_pages && meta_pages <= sb->max_pages - pages;
}

int super_charge_page(struct super_block *sb)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    int r = space_fits(sb, sb->used_pages + 1, accounted(sb) ? sb->used_bytes : 0) ? 0 : -ENOSPC;
    if (!r)
        sb->used_pages++;
    spin_unlock_irqrestore(&inode_life_lock, flags);
    return r;
}

void super_uncharge_pages(struct super_block *sb, uint64_t n)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    BUG_ON(sb->used_pages < n);
    sb->used_pages -= n;
    spin_unlock_irqrestore(&inode_life_lock, flags);
}

int super_charge_bytes(struct super_block *sb, uint64_t n)
{
    if (!accounted(sb))
        return 0;
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    int r = space_fits(sb, sb->used_pages, sb->used_bytes + n) ? 0 : -ENOSPC;
    if (!r)
        sb->used_bytes += n;
    spin_unlock_irqrestore(&inode_life_lock, flags);
    return r;
}

void super_uncharge_bytes(struct super_block *sb, uint64_t n)
{
    if (!accounted(sb))
        return;
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    BUG_ON(sb->used_bytes < n);
    sb->used_bytes -= n;
    spin_unlock_irqrestore(&inode_life_lock, flags);
}

int super_charge_inode(struct super_block *sb)
{
    if (!accounted(sb))
        return 0;
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    int r = sb->used_inodes < sb->max_inodes ? 0 : -ENOSPC;
    if (!r)
        sb->used_inodes++;
    spin_unlock_irqrestore(&inode_life_lock, flags);
    return r;
}

void super_uncharge_inode(struct super_block *sb)
{
    if (!accounted(sb))
        return;
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    BUG_ON(sb->used_inodes == 0);
    sb->used_inodes--;
    spin_unlock_irqrestore(&inode_life_lock, flags);
}

void super_usage(struct super_block *sb, uint64_t *pages, uint64_t *inodes)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    *pages = sb->used_pages + (accounted(sb) ? (sb->used_bytes + 4095) / 4096 : 0);
    *inodes = sb->used_inodes;
    spin_unlock_irqrestore(&inode_life_lock, flags);
}

uint64_t inode_now_ns(void)
{
    return clock_realtime_ns();
}

int inode_alloc(struct super_block *sb, uint32_t mode, struct inode **out)
{
    return inode_alloc_sized(sb, mode, sizeof(struct inode), out);
}

int inode_alloc_sized(struct super_block *sb, uint32_t mode, size_t size, struct inode **out)
{
    int r = super_charge_inode(sb);
    if (r)
        return r;
    r = super_charge_bytes(sb, sizeof(struct inode));
    if (r) {
        super_uncharge_inode(sb);
        return r;
    }
    struct inode *i = kzalloc(size);
    if (!i) {
        super_uncharge_bytes(sb, sizeof(struct inode));
        super_uncharge_inode(sb);
        return -ENOMEM;
    }
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    i->ino = sb->next_ino++;
    i->serial = ++inode_serials;
    sb->inode_refs++; /* the reference returned */
    spin_unlock_irqrestore(&inode_life_lock, flags);
    i->mode = mode;
    i->sb = sb;
    i->refs = 1;
    i->atime_ns = i->mtime_ns = i->ctime_ns = inode_now_ns();
    mutex_init(&i->data_lock);
    list_init(&i->file_locks);
    if (K_S_ISDIR(mode))
        i->dir.next_seq = DIR_FIRST_SEQ;
    *out = i;
    return 0;
}

struct inode *inode_get(struct inode *i)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    BUG_ON(i->freed || i->refs == 0xffffffffu);
    i->refs++;
    i->sb->inode_refs++;
    spin_unlock_irqrestore(&inode_life_lock, flags);
    return i;
}

static void inode_free(struct inode *i)
{
    struct super_block *sb = i->sb;
    if (i->iops) {
        i->iops->evict(i); /* its data is the file system's own, not tmpfs's */
    } else if (K_S_ISREG(i->mode)) {
        tmpfs_free_data(i);
    } else if (K_S_ISLNK(i->mode) && i->lnk.target) {
        super_uncharge_bytes(sb, i->size + 1);
        kfree(i->lnk.target);
    } else if (K_S_ISDIR(i->mode)) {
        BUG_ON(!dir_is_empty(i)); /* rmdir only removes empty directories */
        dir_release_table(i);
    }
    kfree(i);
    super_uncharge_bytes(sb, sizeof(struct inode));
    super_uncharge_inode(sb);
}

/* Marks i freed if nothing holds it any more; the caller then frees it.
 * An inode its file system makes per lookup (iops) is held by references
 * alone: its nlink is only what stat shows, no name keeps it. */
static bool inode_dead_locked(struct inode *i)
{
    if (i->refs || (i->nlink && !i->iops) || i->freed)
        return false;
    i->freed = true;
    return true;
}

void inode_put(struct inode *i)
{
    struct super_block *sb = i->sb;
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    BUG_ON(i->refs == 0 || i->freed);
    i->refs--;
    sb->inode_refs--;
    bool dead = inode_dead_locked(i);
    /* The last outside reference to a lazily unmounted file system: no one
     * can reach it any more (a new reference needs one, or the tree). */
    bool reap = sb->detached && sb->inode_refs == 1;
    if (reap)
        sb->detached = false;
    spin_unlock_irqrestore(&inode_life_lock, flags);
    if (dead)
        inode_free(i);
    if (reap)
        sb->destroy(sb);
}

bool super_detach(struct super_block *sb)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    bool unused = sb->inode_refs == 1;
    if (!unused)
        sb->detached = true;
    spin_unlock_irqrestore(&inode_life_lock, flags);
    return unused;
}

void inode_unlink(struct inode *i)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    BUG_ON(i->nlink == 0);
    i->nlink--;
    /* A directory's "." link goes with its last name. */
    if (K_S_ISDIR(i->mode) && i->nlink == 1)
        i->nlink = 0;
    bool dead = inode_dead_locked(i);
    spin_unlock_irqrestore(&inode_life_lock, flags);
    i->ctime_ns = inode_now_ns();
    if (dead)
        inode_free(i);
}

void inode_nlink_add(struct inode *i, int delta)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    BUG_ON(delta < 0 && i->nlink < (uint32_t)-delta);
    i->nlink += (uint32_t)delta;
    spin_unlock_irqrestore(&inode_life_lock, flags);
}

int super_writable(const struct super_block *sb)
{
    return sb->readonly ? -EROFS : 0;
}

int super_set_readonly(struct super_block *sb, bool readonly)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    int r = readonly && sb->writers ? -EBUSY : 0;
    if (!r)
        sb->readonly = readonly;
    spin_unlock_irqrestore(&inode_life_lock, flags);
    return r;
}

int inode_get_write_access(struct inode *i)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    int r = i->sb->readonly ? -EROFS : i->write_count < 0 ? -ETXTBSY : 0;
    if (!r) {
        if (i->write_count++ == 0)
            i->sb->writers++;
        i->write_gen++; /* a writer may change the bytes from now on */
    }
    spin_unlock_irqrestore(&inode_life_lock, flags);
    return r;
}

void inode_put_write_access(struct inode *i)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    BUG_ON(i->write_count <= 0);
    if (--i->write_count == 0)
        i->sb->writers--;
    spin_unlock_irqrestore(&inode_life_lock, flags);
}

int inode_deny_write_access(struct inode *i)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    int r = i->write_count > 0 ? -ETXTBSY : 0;
    if (!r)
        i->write_count--;
    spin_unlock_irqrestore(&inode_life_lock, flags);
    return r;
}

void inode_content_version(struct inode *i, uint64_t *serial, uint64_t *write_gen)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    *serial = i->serial;
    *write_gen = i->write_gen;
    spin_unlock_irqrestore(&inode_life_lock, flags);
}

void inode_allow_write_access(struct inode *i)
{
    uint64_t flags = spin_lock_irqsave(&inode_life_lock);
    BUG_ON(i->write_count >= 0);
    i->write_count++;
    spin_unlock_irqrestore(&inode_life_lock, flags);
}

void inode_touch(struct inode *i, bool atime, bool mtime, bool ctime)
{
    uint64_t now = inode_now_ns();
    if (atime)
        i->atime_ns = now;
    if (mtime)
        i->mtime_ns = now;
    if (ctime)
        i->ctime_ns = now;
}

uint8_t inode_dtype(const struct inode *i)
{
    switch (i->mode & K_S_IFMT) {
    case K_S_IFDIR: return K_DT_DIR;
    case K_S_IFREG: return K_DT_REG;
    case K_S_IFLNK: return K_DT_LNK;
    case K_S_IFCHR: return K_DT_CHR;
    case K_S_IFIFO: return K_DT_FIFO;
    default: return 0;
    }
}

void inode_fill_stat(struct inode *i, struct k_stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_dev = dev_encode(0, i->sb->dev_minor);
    st->st_ino = i->ino;
    st->st_nlink = i->nlink;
    st->st_mode = i->mode;
    st->st_uid = i->uid;
    st->st_gid = i->gid;
    st->st_rdev = dev_encode(i->rdev_major, i->rdev_minor);
    st->st_size = K_S_ISREG(i->mode) || K_S_ISLNK(i->mode) || K_S_ISBLK(i->mode) ? (int64_t)i->size : 0;
    if (K_S_ISDIR(i->mode))
        st->st_size = 4096; /* one block, as most Linux file systems report */
    st->st_blksize = 4096;
    if (K_S_ISREG(i->mode))
        st->st_blocks = (int64_t)(__atomic_load_n(&i->reg.resident, __ATOMIC_RELAXED) * 8);
    st->st_atime_sec = i->atime_ns / NSEC_PER_SEC;
    st->st_atime_nsec = i->atime_ns % NSEC_PER_SEC;
    st->st_mtime_sec = i->mtime_ns / NSEC_PER_SEC;
    st->st_mtime_nsec = i->mtime_ns % NSEC_PER_SEC;
    st->st_ctime_sec = i->ctime_ns / NSEC_PER_SEC;
    st->st_ctime_nsec = i->ctime_ns % NSEC_PER_SEC;
}
