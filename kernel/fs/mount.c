/* Mounting file systems on directories (see fs/mount.h). */
#include <fs/dir.h>
#include <fs/mount.h>
#include <fs/namei.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/slab.h>

static struct inode *root_inode; /* set once at boot */

/* Every mount in the order made, for /proc/mounts and umount2; under
 * vfs_ns_lock.  A fixed table: each mount costs its file system's memory
 * anyway, and a bound keeps a loop of mount(2) from eating the kernel. */
static struct mount_record {
    unsigned id; /* /proc/<pid>/mountinfo's mount ID: unique over the boot */
    char path[MOUNT_PATH_MAX];
    char source[MOUNT_SOURCE_MAX];
    char options[MOUNT_OPTIONS_MAX]; /* the file system's own ("size=1024k"), or "" */
    unsigned flags; /* MOUNT_NOSUID, MOUNT_NODEV (read-only is the super block's) */
    struct super_block *sb;
    bool user; /* made by mount(2), so umount2 may take it away */
} mounts[MOUNTS_MAX];
static unsigned nmounts;
static unsigned last_mount_id; /* the ID of the newest mount */

/* Anonymous device minors for mount(2)'s file systems, above the kernel's
 * own (enum in fs/mount.h); a bit per minor, under minor_lock (a lazily
 * unmounted file system gives its minor back from inode_put, wherever the
 * last reference goes, so not under vfs_ns_lock). */
#define USER_MINOR_FIRST (DEV_MINOR_DEVSHM + 1)
static uint64_t user_minors[(MOUNTS_MAX + 63) / 64];
static spinlock_t minor_lock = SPINLOCK_INIT;

/* vfs_ns_lock held. */
static int mount_record(const char *path, const char *source, const char *options, unsigned flags,
                        struct super_block *sb, bool user)
{
    size_t len = strlen(path), slen = strlen(source), olen = strlen(options);
    if (nmounts == MOUNTS_MAX || len >= MOUNT_PATH_MAX || slen >= MOUNT_SOURCE_MAX || olen >= MOUNT_OPTIONS_MAX)
        return -ENOMEM;
    memcpy(mounts[nmounts].path, path, len + 1);
    memcpy(mounts[nmounts].source, source, slen + 1);
    memcpy(mounts[nmounts].options, options, olen + 1);
    mounts[nmounts].id = ++last_mount_id;
    mounts[nmounts].flags = flags;
    mounts[nmounts].sb = sb;
    mounts[nmounts++].user = user;
    return 0;
}

/* The mount a mounted root covers a directory of: the one whose file
 * system holds that directory (each file system is mounted once, so this
 * is unique; a stacked mount's parent is the mount it hides).  "/" is its
 * own parent, as Linux shows the root of a mount tree.  vfs_ns_lock held. */
static const struct mount_record *parent_of(const struct mount_record *r)
{
    struct inode *dir = r->sb->root->covered;
    for (unsigned k = 0; dir && k < nmounts; k++)
        if (mounts[k].sb == dir->sb)
            return &mounts[k];
    return r;
}

void vfs_mounts_each(void (*fn)(void *ctx, const struct mount_info *m), void *ctx)
{
    for (unsigned k = 0; k < nmounts; k++) {
        /* Linux's order: ro/rw, then the mount's own flags. */
        struct mount_record *r = &mounts[k];
        char flags[24];
        ksnprintf(flags, sizeof flags, "%s%s%s", r->sb->readonly ? "ro" : "rw", r->flags & MOUNT_NOSUID ? ",nosuid" : "",
                  r->flags & MOUNT_NODEV ? ",nodev" : "");
        struct mount_info m = {r->id, parent_of(r)->id, r->source, r->path, flags, r->options, r->sb};
        fn(ctx, &m);
    }
}

struct inode *vfs_root(void)
{
    return root_inode;
}

int vfs_mount_root(uint64_t max_pages, uint64_t max_inodes)
{
    struct super_block *sb = tmpfs_create("rootfs", DEV_MINOR_ROOT, max_pages, max_inodes, 0755);
    if (!sb)
        return -ENOMEM;
    root_inode = sb->root;
    mutex_lock(&vfs_ns_lock);
    int r = mount_record("/", "rootfs", "", 0, sb, false);
    mutex_unlock(&vfs_ns_lock);
    return r;
}

/* Links sb's root over dir.  vfs_ns_lock held. */
static void mount_link(struct inode *dir, struct super_block *sb)
{
    dir->mounted = sb->root;
    sb->root->covered = dir;
    inode_get(dir); /* the mount point lives as long as its mount */
}

int vfs_mount(const char *path, struct super_block *sb)
{
    struct walk w;
    int r = walk_begin(&w, root_inode);
    if (r)
        return r;
    mutex_lock(&vfs_ns_lock);
    struct inode *dir;
    r = vfs_mkdir_locked(&w, root_inode, path, 0755);
    if (r == -EEXIST)
        r = 0;
    if (!r)
        r = walk_path(&w, root_inode, path, LOOKUP_FOLLOW, &dir);
    if (!r && !K_S_ISDIR(dir->mode))
        r = -ENOTDIR;
    /* The kernel's own mounts each get a directory of their own. */
    if (!r && (dir->mounted || dir->covered || sb->root->covered))
        r = -EBUSY;
    if (!r)
        r = mount_record(path, sb->name, "", 0, sb, false);
    if (!r)
        mount_link(dir, sb);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    return r;
}

int mount_minor_alloc(uint32_t *minor)
{
    uint64_t flags = spin_lock_irqsave(&minor_lock);
    for (unsigned k = 0; k < MOUNTS_MAX; k++) {
        if (!(user_minors[k / 64] & (1ull << (k % 64)))) {
            user_minors[k / 64] |= 1ull << (k % 64);
            *minor = USER_MINOR_FIRST + k;
            spin_unlock_irqrestore(&minor_lock, flags);
            return 0;
        }
    }
    spin_unlock_irqrestore(&minor_lock, flags);
    return -ENOMEM;
}

void mount_minor_free(uint32_t minor)
{
    unsigned k = minor - USER_MINOR_FIRST;
    uint64_t flags = spin_lock_irqsave(&minor_lock);
    user_minors[k / 64] &= ~(1ull << (k % 64));
    spin_unlock_irqrestore(&minor_lock, flags);
}

int mount_user_locked(struct inode *dir, struct super_block *sb, const char *source, unsigned flags, const char *options)
{
    /* dir is the top of whatever is mounted there (walks follow mounts):
     * a new mount stacks on it and hides it, as on Linux. */
    if (!K_S_ISDIR(dir->mode))
        return -ENOTDIR;
    if (dir->nlink == 0)
        return -ENOENT; /* a removed directory (Linux: ENOENT) */
    char *path = kmalloc(MOUNT_PATH_MAX);
    if (!path)
        return -ENOMEM;
    int64_t len = vfs_path_of(root_inode, dir, path, MOUNT_PATH_MAX);
    int r = len < 0 ? (int)len : mount_record(path, source, options, flags, sb, true);
    kfree(path);
    if (r)
        return r;
    mount_link(dir, sb);
    return 0;
}

/* True if a mount's point lies in sb (another file system sits below it). */
static bool has_mounts_on(struct super_block *sb)
{
    for (unsigned k = 0; k < nmounts; k++)
        if (mounts[k].sb->root->covered && mounts[k].sb->root->covered->sb == sb)
            return true;
    return false;
}

/* The record of the mount whose root is top, or NULL if top is none. */
static struct mount_record *record_of(struct inode *top)
{
    if (top != top->sb->root || !top->covered)
        return NULL;
    for (unsigned k = 0; k < nmounts; k++)
        if (mounts[k].sb == top->sb)
            return &mounts[k];
    BUG_ON(true); /* every mounted root is in the table */
    return NULL;
}

int mount_remount_locked(struct inode *top, unsigned flags)
{
    struct mount_record *m = record_of(top);
    if (!m || !m->user)
        return -EINVAL; /* not a mount point, or one of the kernel's (docs/filesystems.md) */
    int r = super_set_readonly(top->sb, flags & MOUNT_RDONLY);
    if (!r)
        m->flags = flags & ~MOUNT_RDONLY;
    return r;
}

/* Takes record m out of the tree: its root no longer covers its
 * directory.  vfs_ns_lock held. */
static void mount_unlink_locked(struct mount_record *m)
{
    struct inode *top = m->sb->root, *dir = top->covered;
    unsigned k = (unsigned)(m - mounts);
    dir->mounted = NULL;
    top->covered = NULL;
    memmove(&mounts[k], &mounts[k + 1], (nmounts - k - 1) * sizeof mounts[0]);
    nmounts--;
    inode_put(dir);
}

int mount_detach_locked(struct inode *top)
{
    struct mount_record *m = record_of(top);
    if (!m)
        return -EINVAL; /* not a mount point */
    if (!m->user)
        return -EBUSY; /* the kernel's own mounts stay (docs/filesystems.md) */
    /* Busy: any reference to its inodes but the one the file system holds
     * on its root (open files, cwd and root directories, mappings), or a
     * file system mounted on one of its directories.  New references come
     * only from lookups, which need vfs_ns_lock, held here. */
    if (top->sb->inode_refs > 1 || has_mounts_on(top->sb))
        return -EBUSY;
    mount_unlink_locked(m);
    return 0;
}

/* The record of a mount on a directory of sb, or NULL. */
static struct mount_record *mount_below(struct super_block *sb)
{
    for (unsigned k = 0; k < nmounts; k++)
        if (mounts[k].sb->root->covered && mounts[k].sb->root->covered->sb == sb)
            return &mounts[k];
    return NULL;
}

int mount_detach_lazy_locked(struct inode *top, struct super_block **gone, unsigned *ngone)
{
    struct mount_record *m = record_of(top);
    if (!m)
        return -EINVAL;
    if (!m->user)
        return -EBUSY;
    /* The mounts below it go first (deepest first, iteratively: a chain of
     * mounts each on a directory of the one before): they are mount(2)'s
     * too, since the kernel mounts nothing after boot. */
    for (;;) {
        struct mount_record *below = m, *next;
        while ((next = mount_below(below->sb)))
            below = next;
        if (below == m)
            break;
        gone[(*ngone)++] = below->sb;
        mount_unlink_locked(below);
        m = record_of(top); /* the table moved */
    }
    gone[(*ngone)++] = m->sb;
    mount_unlink_locked(m);
    return 0;
}
