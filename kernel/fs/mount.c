/* Mounting file systems on directories, and bind mounts (see fs/mount.h). */
#include <fs/dir.h>
#include <fs/mount.h>
#include <fs/mount_path.h>
#include <fs/namei.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/slab.h>

static struct inode *root_inode; /* set once at boot */
static struct mount *root_mount; /* the same; attached for good */

/* Every attached mount in the order made (parents before the mounts on
 * them), for /proc/mounts and the crossing of mount points; under
 * vfs_ns_lock.  A fixed table: each mount costs its file system's memory
 * anyway, and a bound keeps a loop of mount(2) from eating the kernel. */
static struct mount *mounts[MOUNTS_MAX];
static unsigned nmounts;
static unsigned last_mount_id; /* the ID of the newest mount */

/* Anonymous device minors for mount(2)'s file systems, above the kernel's
 * own (enum in fs/mount.h); a bit per minor, under minor_lock (a lazily
 * unmounted file system gives its minor back from inode_put, wherever the
 * last reference goes, so not under vfs_ns_lock). */
#define USER_MINOR_FIRST (DEV_MINOR_DEVSHM + 1)
static uint64_t user_minors[(MOUNTS_MAX + 63) / 64];
static spinlock_t minor_lock = SPINLOCK_INIT;

struct mount *mount_get(struct mount *m)
{
    __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
    return m;
}

void mount_put(struct mount *m)
{
    if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL))
        return;
    /* Only a detached mount loses its last reference (the table holds one). */
    BUG_ON(m->attached);
    if (m->holds_root)
        inode_put(m->root);
    kfree(m);
}

void place_get(const struct place *p)
{
    inode_get(p->inode);
    if (p->mnt)
        mount_get(p->mnt);
}

void place_put(const struct place *p)
{
    struct mount *m = p->mnt;
    inode_put(p->inode);
    if (m)
        mount_put(m);
}

void place_resolve(struct place *p)
{
    if (p->mnt)
        return;
    p->mnt = root_mount;
    for (unsigned k = 0; k < nmounts; k++) {
        if (mounts[k]->sb == p->inode->sb) {
            p->mnt = mounts[k];
            return;
        }
    }
}

/* The newest mount shown at place (parent, i), or NULL. */
static struct mount *mount_on(struct mount *parent, struct inode *i)
{
    if (!i->mountpoints)
        return NULL;
    for (unsigned k = nmounts; k-- > 0;)
        if (mounts[k]->parent == parent && mounts[k]->mountpoint == i)
            return mounts[k];
    return NULL;
}

void place_follow_mounts(struct place *p)
{
    place_resolve(p);
    struct mount *m;
    while ((m = mount_on(p->mnt, p->inode))) {
        p->mnt = m;
        p->inode = m->root;
    }
}

int mount_writable(const struct mount *m, const struct super_block *sb)
{
    if (m && (m->flags & MOUNT_RDONLY))
        return -EROFS;
    return super_writable(sb);
}

int64_t mount_root_path(const struct mount *m, char *buf, size_t size)
{
    /* A place in the mount's own file system seen from its top: no mount
     * is crossed, so this is the directory's path inside the file system. */
    struct mount whole = {.sb = m->sb, .root = m->sb->root};
    struct place top = {&whole, m->sb->root}, dir = {&whole, m->root};
    return vfs_path_of(&top, &dir, buf, size);
}

struct inode *vfs_root(void)
{
    return root_inode;
}

struct place vfs_root_place(void)
{
    return (struct place){root_mount, root_inode};
}

/* Copies s into buf[size], cut to fit. */
static void copy_text(char *buf, const char *s, size_t size)
{
    size_t n = strnlen(s, size - 1);
    memcpy(buf, s, n);
    buf[n] = '\0';
}

/* A new mount of sb showing root (referenced here unless it is sb's own).
 * Not attached yet.  NULL: out of memory or past MOUNTS_MAX. */
static struct mount *mount_new(struct super_block *sb, struct inode *root, const char *source, const char *options,
                               unsigned flags, bool user)
{
    if (nmounts == MOUNTS_MAX)
        return NULL;
    struct mount *m = kzalloc(sizeof *m);
    if (!m)
        return NULL;
    m->refs = 1; /* the table's, once attached */
    m->sb = sb;
    m->root = root;
    if (root != sb->root) {
        inode_get(root);
        m->holds_root = true;
    }
    m->user = user;
    m->flags = flags;
    copy_text(m->source, source, sizeof m->source);
    copy_text(m->options, options, sizeof m->options);
    return m;
}

/* Shows m at place (parent, dir) and puts it in the table.  vfs_ns_lock
 * held; the caller checked there is room. */
static void mount_attach(struct mount *m, struct mount *parent, struct inode *dir)
{
    BUG_ON(nmounts == MOUNTS_MAX);
    m->id = ++last_mount_id;
    m->parent = parent;
    m->mountpoint = dir;
    if (dir) {
        inode_get(dir); /* the mount point lives as long as the mount is there */
        dir->mountpoints++;
    }
    m->attached = true;
    m->sb->mounts++;
    mounts[nmounts++] = m;
}

int vfs_mount_root(uint64_t max_pages, uint64_t max_inodes)
{
    struct super_block *sb = tmpfs_create("rootfs", DEV_MINOR_ROOT, max_pages, max_inodes, 0755);
    if (!sb)
        return -ENOMEM;
    mutex_lock(&vfs_ns_lock);
    /* A new tree: the table starts afresh (once at boot; the host unit
     * tests make a tree per test, and the old one's mounts are theirs). */
    nmounts = 0;
    struct mount *m = mount_new(sb, sb->root, "rootfs", "", 0, false);
    if (m) {
        mount_attach(m, NULL, NULL);
        root_inode = sb->root;
        root_mount = m;
    }
    mutex_unlock(&vfs_ns_lock);
    return m ? 0 : -ENOMEM;
}

int vfs_mount(const char *path, struct super_block *sb)
{
    struct walk w;
    struct place root = vfs_root_place();
    int r = walk_begin(&w, &root);
    if (r)
        return r;
    mutex_lock(&vfs_ns_lock);
    struct place dir;
    r = vfs_mkdir_locked(&w, &root, path, 0755);
    if (r == -EEXIST)
        r = 0;
    if (!r)
        r = walk_path(&w, &root, path, LOOKUP_FOLLOW, &dir);
    if (!r && !K_S_ISDIR(dir.inode->mode))
        r = -ENOTDIR;
    /* The kernel's own mounts each get a directory of their own. */
    if (!r && (dir.inode->mountpoints || dir.inode == dir.mnt->root || sb->mounts))
        r = -EBUSY;
    struct mount *m = NULL;
    if (!r && !(m = mount_new(sb, sb->root, sb->name, "", 0, false)))
        r = -ENOMEM;
    if (!r)
        mount_attach(m, dir.mnt, dir.inode);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    return r;
}

/* Escapes s into buf[size] (cut at a character if it does not fit). */
static void escape_into(const char *s, char *buf, size_t size)
{
    if (mount_path_escape(s, buf, size) < 0)
        buf[0] = '\0';
}

void vfs_mounts_each(void (*fn)(void *ctx, const struct mount_info *m), void *ctx)
{
    /* Paths are made on each read, from the tree as it is now; escaped as
     * Linux's seq_path (fs/mount_path.h).  Without memory for them the
     * mounts are listed with empty paths, not dropped. */
    char *raw = kmalloc(PATH_MAX), *path = kmalloc(MOUNT_ESCAPED_MAX), *root = kmalloc(MOUNT_ESCAPED_MAX);
    struct place top = vfs_root_place();
    for (unsigned k = 0; k < nmounts; k++) {
        struct mount *m = mounts[k];
        char flags[24];
        /* Linux's order: ro/rw, then the mount's own flags.  Read-only is
         * the mount's or its file system's. */
        bool ro = (m->flags & MOUNT_RDONLY) || m->sb->readonly;
        ksnprintf(flags, sizeof flags, "%s%s%s", ro ? "ro" : "rw", m->flags & MOUNT_NOSUID ? ",nosuid" : "",
                  m->flags & MOUNT_NODEV ? ",nodev" : "");
        bool first = true;
        for (unsigned j = 0; j < k; j++)
            first = first && mounts[j]->sb != m->sb;
        struct mount_info mi = {m->id, m->parent ? m->parent->id : m->id, m->source, "", "", flags, m->options,
                                m->sb, first};
        if (raw && path && root) {
            struct place at = {m->parent, m->mountpoint};
            if (!m->parent)
                at = top;
            if (vfs_path_of(&top, &at, raw, PATH_MAX) > 0)
                escape_into(raw, path, MOUNT_ESCAPED_MAX);
            else
                path[0] = '\0';
            if (mount_root_path(m, raw, PATH_MAX) > 0)
                escape_into(raw, root, MOUNT_ESCAPED_MAX);
            else
                root[0] = '\0';
            mi.path = path;
            mi.root = root;
        }
        fn(ctx, &mi);
    }
    kfree(raw);
    kfree(path);
    kfree(root);
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

/* -ENOTDIR or -ENOENT unless dir is a directory that still has a name. */
static int check_dir(const struct place *dir)
{
    if (!K_S_ISDIR(dir->inode->mode))
        return -ENOTDIR;
    if (dir->inode->nlink == 0)
        return -ENOENT; /* a removed directory (Linux: ENOENT) */
    return 0;
}

int mount_user_locked(const struct place *dir, struct super_block *sb, const char *source, unsigned flags,
                      const char *options)
{
    /* dir is the top of whatever is mounted there (walks follow mounts):
     * a new mount stacks on it and hides it, as on Linux. */
    int r = check_dir(dir);
    if (r)
        return r;
    struct place at = *dir;
    place_resolve(&at);
    struct mount *m = mount_new(sb, sb->root, source, options, flags, true);
    if (!m)
        return -ENOMEM;
    mount_attach(m, at.mnt, at.inode);
    return 0;
}

/* Whether directory i lies at or below directory anc in one file system. */
static bool dir_below(struct inode *i, struct inode *anc)
{
    for (; i; i = i->dir.parent) {
        if (i == anc)
            return true;
        if (i == i->sb->root)
            return false;
    }
    return false;
}

/* The mounts a recursive bind of (m, src) copies: those on m at or below
 * src, then, for each, every mount on it, and so on.  Visits them parents
 * first with visit(ctx, mount, its copied parent's index in the order of
 * visits, or -1 for the bind itself); returns how many.  Only the first
 * n table entries are looked at (the copies come after them). */
static unsigned submounts_each(struct mount *m, struct inode *src, unsigned n, int parent_idx, unsigned *count,
                               void (*visit)(void *ctx, struct mount *c, int parent_idx), void *ctx)
{
    for (unsigned k = 0; k < n; k++) {
        struct mount *c = mounts[k];
        if (c->parent != m || (src && !dir_below(c->mountpoint, src)))
            continue;
        int idx = (int)(*count)++;
        if (visit)
            visit(ctx, c, parent_idx);
        submounts_each(c, NULL, n, idx, count, visit, ctx);
    }
    return *count;
}

/* What a recursive bind keeps while it copies: the copies in visit order. */
struct bind_copy {
    struct mount **made;
    unsigned nmade;
    struct mount *top; /* the bind mount itself (the parent of index -1) */
};

static void copy_one(void *ctx, struct mount *c, int parent_idx)
{
    struct bind_copy *b = ctx;
    struct mount *parent = parent_idx < 0 ? b->top : b->made[parent_idx];
    /* Room was counted before anything was made. */
    struct mount *copy = parent ? mount_new(c->sb, c->root, c->source, c->options, c->flags, true) : NULL;
    b->made[b->nmade++] = copy;
    if (copy)
        mount_attach(copy, parent, c->mountpoint);
}

int mount_bind_locked(const struct place *src, const struct place *dir, bool rec)
{
    int r = check_dir(dir);
    if (!r && !K_S_ISDIR(src->inode->mode))
        r = -ENOTDIR; /* binds of a file are not built (docs/filesystems.md) */
    if (!r && src->inode->nlink == 0)
        r = -ENOENT;
    if (r)
        return r;
    struct place sp = *src, at = *dir;
    place_resolve(&sp);
    place_resolve(&at);
    src = &sp;
    dir = &at;
    struct mount *sm = src->mnt;
    if (!sm->attached)
        return -EINVAL; /* in a lazily unmounted tree (Linux: EINVAL) */
    unsigned n = nmounts, count = 0;
    if (rec)
        submounts_each(sm, src->inode, n, -1, &count, NULL, NULL);
    if (nmounts + 1 + count > MOUNTS_MAX)
        return -ENOMEM;
    struct mount **made = NULL;
    if (count && !(made = kmalloc(count * sizeof *made)))
        return -ENOMEM;
    /* The copies keep their sources' flags, as Linux's clone_mnt. */
    struct mount *m = mount_new(sm->sb, src->inode, sm->source, sm->options, sm->flags, true);
    if (!m) {
        kfree(made);
        return -ENOMEM;
    }
    mount_attach(m, dir->mnt, dir->inode);
    if (count) {
        struct bind_copy b = {made, 0, m};
        unsigned again = 0;
        submounts_each(sm, src->inode, n, -1, &again, copy_one, &b);
        /* A copy without memory: the bind stands with what was made
         * (mount_new fails only on a kmalloc here), and the caller hears. */
        for (unsigned k = 0; k < b.nmade; k++)
            if (!made[k])
                r = -ENOMEM;
        kfree(made);
    }
    return r;
}

/* The mount whose root place top is, or NULL. */
static struct mount *mount_at_root(const struct place *top)
{
    struct place p = *top;
    place_resolve(&p);
    struct mount *m = p.mnt;
    if (!m || !m->attached || top->inode != m->root || !m->parent)
        return NULL;
    return m;
}

int mount_remount_locked(const struct place *top, unsigned flags, bool bind_only)
{
    struct mount *m = mount_at_root(top);
    if (!m || !m->user)
        return -EINVAL; /* not a mount's root, or one of the kernel's (docs/filesystems.md) */
    if (bind_only) {
        /* The mount's own flags: its writers keep it writable (Linux's
         * mnt_make_readonly is EBUSY then too). */
        if ((flags & MOUNT_RDONLY) && !(m->flags & MOUNT_RDONLY) && __atomic_load_n(&m->writers, __ATOMIC_ACQUIRE))
            return -EBUSY;
        m->flags = flags;
        return 0;
    }
    if (!m->sb->destroy)
        return -EINVAL; /* a bind of a kernel file system: its flags are the kernel's */
    int r = super_set_readonly(m->sb, flags & MOUNT_RDONLY);
    if (!r)
        m->flags = flags & ~MOUNT_RDONLY;
    return r;
}

/* True if a mount is shown on a place of m. */
static bool has_mounts_on(struct mount *m)
{
    for (unsigned k = 0; k < nmounts; k++)
        if (mounts[k]->parent == m)
            return true;
    return false;
}

/* Takes m out of the tree and the table, dropping the table's reference;
 * appends its file system to gone[] if that was its last mount.
 * vfs_ns_lock held. */
static void mount_unlink_locked(struct mount *m, struct super_block **gone, unsigned *ngone)
{
    unsigned k = 0;
    while (mounts[k] != m)
        k++;
    memmove(&mounts[k], &mounts[k + 1], (nmounts - k - 1) * sizeof mounts[0]);
    nmounts--;
    struct inode *dir = m->mountpoint;
    dir->mountpoints--;
    m->parent = NULL;
    m->mountpoint = NULL;
    m->attached = false;
    if (--m->sb->mounts == 0)
        gone[(*ngone)++] = m->sb;
    inode_put(dir);
    mount_put(m);
}

int mount_detach_locked(const struct place *top, struct super_block **gone, unsigned *ngone)
{
    struct mount *m = mount_at_root(top);
    if (!m)
        return -EINVAL; /* not a mount point */
    if (!m->user)
        return -EBUSY; /* the kernel's own mounts stay (docs/filesystems.md) */
    /* Busy: any place through it but the table's reference (open files,
     * cwd and root directories, mappings), a mount on it, or, for the last
     * mount of its file system, any reference to its inodes but the file
     * system's own on its root and this mount's on its (a file reached
     * without the mount).  New references come only from lookups, which
     * need vfs_ns_lock, held here. */
    if (__atomic_load_n(&m->refs, __ATOMIC_ACQUIRE) > 1 || has_mounts_on(m))
        return -EBUSY;
    if (m->sb->mounts == 1 && m->sb->inode_refs > 1u + m->holds_root)
        return -EBUSY;
    mount_unlink_locked(m, gone, ngone);
    return 0;
}

/* A mount shown on a place of m, or NULL. */
static struct mount *mount_below(struct mount *m)
{
    for (unsigned k = 0; k < nmounts; k++)
        if (mounts[k]->parent == m)
            return mounts[k];
    return NULL;
}

int mount_detach_lazy_locked(const struct place *top, struct super_block **gone, unsigned *ngone)
{
    struct mount *m = mount_at_root(top);
    if (!m)
        return -EINVAL;
    if (!m->user)
        return -EBUSY;
    /* The mounts below it go first (deepest first, iteratively: a chain of
     * mounts each on one before): they are mount(2)'s too, since the kernel
     * mounts nothing after boot. */
    for (;;) {
        struct mount *below = m, *next;
        while ((next = mount_below(below)))
            below = next;
        if (below == m)
            break;
        mount_unlink_locked(below, gone, ngone);
    }
    mount_unlink_locked(m, gone, ngone);
    return 0;
}
