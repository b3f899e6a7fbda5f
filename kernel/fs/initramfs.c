/* Unpacking the initramfs (a cpio newc archive, parsed by fs/cpio.c) into
 * the root file system.
 *
 * Names are normalised ("./etc", "/etc" and "etc" are the same), missing
 * parents are created with mode 0755, modes and mtimes are kept, and an
 * entry replaces whatever non-directory had its name before (as Linux's
 * initramfs does).  Hard links: entries with nlink > 1 that share an inode
 * number become names of one inode; the data may come with any of them
 * (GNU cpio puts it on the last). */
#include <fs/cpio.h>
#include <fs/dir.h>
#include <fs/mount.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/slab.h>

struct hardlink {
    uint32_t ino, dev_major, dev_minor;
    struct inode *inode; /* a reference */
};

/* A directory's mtime, applied once the archive is unpacked (adding its
 * entries would change it otherwise). */
struct dirtime {
    struct inode *dir; /* a reference */
    uint64_t mtime_ns;
};

struct unpack {
    struct walk w;
    struct place root; /* mnt NULL: the root mount, or none yet (unit tests) */
    const uint8_t *archive;
    void (*consumed)(size_t n); /* may be NULL */
    char *path;                /* the normalised name, PATH_MAX bytes */
    struct hardlink *links;
    size_t nlinks, cap;
    struct dirtime *dirs;
    size_t ndirs, dircap;
};

/* Strips leading "/" and "./" (and "." alone): "" means the root itself. */
static const char *normalise(const char *name)
{
    for (;;) {
        if (name[0] == '/')
            name++;
        else if (name[0] == '.' && name[1] == '/')
            name += 2;
        else if (name[0] == '.' && name[1] == 0)
            name++;
        else
            return name;
    }
}

/* The inode at u->path (no symlink followed at the end). */
static int lookup_inode(struct unpack *u, struct inode **out)
{
    struct place p;
    int r = walk_path(&u->w, &u->root, u->path, 0, &p);
    if (!r)
        *out = p.inode;
    return r;
}

/* Creates every missing directory above u->path. */
static int make_parents(struct unpack *u)
{
    for (char *p = u->path; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        int r = u->path[0] ? vfs_mkdir_locked(&u->w, &u->root, u->path, 0755) : 0;
        *p = '/';
        if (r && r != -EEXIST)
            return r;
    }
    return 0;
}

/* Removes a non-directory already at u->path, so the new entry can take the name. */
static int clear_name(struct unpack *u, bool new_is_dir)
{
    struct inode *old;
    int r = lookup_inode(u, &old);
    if (r == -ENOENT)
        return 0;
    if (r)
        return r;
    if (K_S_ISDIR(old->mode))
        return new_is_dir ? 0 : -EEXIST;
    return vfs_unlink_locked(&u->w, &u->root, u->path, false);
}

static struct hardlink *find_link(struct unpack *u, const struct cpio_entry *e)
{
    for (size_t k = 0; k < u->nlinks; k++)
        if (u->links[k].ino == e->ino && u->links[k].dev_major == e->dev_major &&
            u->links[k].dev_minor == e->dev_minor)
            return &u->links[k];
    return NULL;
}

/* arr (n elements of elem bytes, room for *cap) with room for one more: arr
 * itself, or a copy twice as large with arr freed.  NULL when out of memory,
 * arr then untouched. */
static void *room_for_one_more(void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t bigger = *cap ? *cap * 2 : 16;
    void *copy = kmalloc(bigger * elem);
    if (!copy)
        return NULL;
    if (n)
        memcpy(copy, arr, n * elem);
    kfree(arr);
    *cap = bigger;
    return copy;
}

static int remember_link(struct unpack *u, const struct cpio_entry *e, struct inode *i)
{
    struct hardlink *links = room_for_one_more(u->links, u->nlinks, &u->cap, sizeof *links);
    if (!links)
        return -ENOMEM;
    u->links = links;
    u->links[u->nlinks++] = (struct hardlink){e->ino, e->dev_major, e->dev_minor, inode_get(i)};
    return 0;
}

static int remember_dirtime(struct unpack *u, struct inode *dir, uint64_t mtime_ns)
{
    struct dirtime *dirs = room_for_one_more(u->dirs, u->ndirs, &u->dircap, sizeof *dirs);
    if (!dirs)
        return -ENOMEM;
    u->dirs = dirs;
    u->dirs[u->ndirs++] = (struct dirtime){inode_get(dir), mtime_ns};
    return 0;
}

/* Pieces in which a file's data is copied: after each, the archive's
 * bytes behind it are handed back (u->consumed). */
#define FILL_CHUNK (64 * 1024)

/* Writes e's data into i (made empty first). */
static int fill_file(struct unpack *u, struct inode *i, const struct cpio_entry *e)
{
    int r = tmpfs_truncate(i, 0);
    uint64_t pos = 0;
    while (!r && pos < e->size) {
        size_t want = (size_t)MIN((uint64_t)FILL_CHUNK, e->size - pos);
        int64_t n = tmpfs_write(i, (const uint8_t *)e->data + pos, want, &pos, false);
        if (n < 0)
            r = (int)n;
        else if ((size_t)n != want)
            r = -ENOSPC;
        else if (u->consumed)
            u->consumed((size_t)((const uint8_t *)e->data + pos - u->archive));
    }
    return r;
}

static int unpack_regular(struct unpack *u, const struct cpio_entry *e, struct inode **out)
{
    struct hardlink *hl = e->nlink > 1 ? find_link(u, e) : NULL;
    struct inode *i;
    int r;
    if (hl) {
        struct nameidata nd;
        r = walk_parent(&u->w, &u->root, u->path, &nd);
        if (r)
            return r;
        i = hl->inode;
        r = dir_add(nd.dir, nd.last, nd.len, i);
    } else {
        r = vfs_mknod_locked(&u->w, &u->root, u->path, K_S_IFREG | (e->mode & K_S_PERM), &i);
        if (!r && e->nlink > 1)
            r = remember_link(u, e, i);
    }
    if (r)
        return r;
    r = e->size ? fill_file(u, i, e) : 0;
    if (r) {
        /* A program cut short would fail later with a misleading error
         * (ENOEXEC): drop the name and the data instead. */
        tmpfs_truncate(i, 0);
        vfs_unlink_locked(&u->w, &u->root, u->path, false);
        return r;
    }
    *out = i;
    return 0;
}

static int unpack_entry(struct unpack *u, const struct cpio_entry *e)
{
    const char *name = normalise(e->name);
    if (!name[0])
        return 0; /* the root itself */
    size_t len = strlen(name);
    memcpy(u->path, name, len + 1);
    while (len > 1 && u->path[len - 1] == '/')
        u->path[--len] = 0;
    uint32_t type = e->mode & K_S_IFMT;
    int r = make_parents(u);
    struct inode *i = NULL;
    if (!r && (type == K_S_IFCHR || type == K_S_IFBLK) && lookup_inode(u, &i) == 0)
        return 0; /* an archive's /dev/console (cpio images made for Linux have one): devfs's node stays */
    if (!r)
        r = clear_name(u, type == K_S_IFDIR);
    if (r)
        return r;
    i = NULL;
    switch (type) {
    case K_S_IFDIR:
        r = vfs_mkdir_locked(&u->w, &u->root, u->path, e->mode & K_S_PERM);
        if (r == -EEXIST)
            r = 0;
        if (!r)
            r = lookup_inode(u, &i);
        if (!r)
            i->mode = K_S_IFDIR | (e->mode & K_S_PERM);
        break;
    case K_S_IFREG:
        r = unpack_regular(u, e, &i);
        break;
    case K_S_IFLNK: {
        char *target = kmalloc(e->size + 1);
        if (!target)
            return -ENOMEM;
        memcpy(target, e->data, e->size);
        target[e->size] = 0;
        r = vfs_symlink_locked(&u->w, &u->root, target, u->path);
        kfree(target);
        if (!r)
            r = lookup_inode(u, &i);
        break;
    }
    default:
        /* Device nodes, fifos, sockets: kept as names; opening one without
         * a driver gives ENXIO. */
        r = vfs_mknod_locked(&u->w, &u->root, u->path, e->mode, &i);
        if (!r) {
            i->rdev_major = e->rdev_major;
            i->rdev_minor = e->rdev_minor;
        }
        break;
    }
    uint64_t mtime = (uint64_t)e->mtime * 1000000000ull;
    if (!r && i)
        i->mtime_ns = i->ctime_ns = i->atime_ns = mtime;
    if (!r && type == K_S_IFDIR)
        r = remember_dirtime(u, i, mtime);
    return r;
}

int initramfs_unpack(struct inode *root, const void *buf, size_t len, void (*consumed)(size_t n))
{
    struct unpack u = {.root = {NULL, root}, .archive = buf, .consumed = consumed};
    int r = walk_begin(&u.w, &u.root);
    if (r)
        return r;
    u.path = kmalloc(PATH_MAX);
    if (!u.path) {
        walk_end(&u.w);
        return -ENOMEM;
    }
    size_t off = 0, count = 0;
    mutex_lock(&vfs_ns_lock);
    for (;;) {
        struct cpio_entry e;
        size_t at = off;
        int n = cpio_next(buf, len, &off, &e);
        if (n == 0)
            break;
        if (n < 0) {
            printk(LOG_ERR, "initramfs: malformed cpio entry at offset %zu; kept the %zu entries before it",
                   at, count);
            r = n;
            break;
        }
        r = unpack_entry(&u, &e);
        if (r) {
            /* The normalised name: the archive's copy may be given back already. */
            printk(LOG_ERR, "initramfs: cannot unpack '%s' (error %d); kept the %zu entries before it",
                   u.path, r, count);
            break;
        }
        count++;
        if (consumed)
            consumed(off);
    }
    for (size_t k = 0; k < u.ndirs; k++) {
        struct inode *d = u.dirs[k].dir;
        d->mtime_ns = d->ctime_ns = d->atime_ns = u.dirs[k].mtime_ns;
    }
    mutex_unlock(&vfs_ns_lock);
    for (size_t k = 0; k < u.ndirs; k++)
        inode_put(u.dirs[k].dir);
    kfree(u.dirs);
    for (size_t k = 0; k < u.nlinks; k++)
        inode_put(u.links[k].inode);
    kfree(u.links);
    kfree(u.path);
    walk_end(&u.w);
    return r;
}
