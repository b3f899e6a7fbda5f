/* Namespace operations (see fs/vfs_ops.h).  Every function runs with
 * vfs_ns_lock held.  Each makes all its allocations before it changes
 * anything, so -ENOMEM leaves the tree as it was. */
#include <fs/dir.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/slab.h>

/* Whether nd->last exists in a directory whose names its file system makes
 * (procfs): such a directory takes no new names and gives none up, and
 * Linux's answers are ENOENT for a missing name (its lookup fails first)
 * and exists_err for one that is there. */
static int fixed_name_error(struct nameidata *nd, int exists_err)
{
    struct inode *i;
    int r = nd->dir->iops->lookup(nd->dir, nd->last, nd->len, &i);
    if (r)
        return r;
    inode_put(i);
    return exists_err;
}

/* A new inode named nd->last in nd->dir.  nd->dir must still be linked. */
static int create_in(struct nameidata *nd, uint32_t mode, struct inode **out)
{
    if (nd->dir->nlink == 0)
        return -ENOENT; /* the directory was removed */
    int r = mount_writable(nd->mnt, nd->dir->sb);
    if (r)
        return r;
    struct inode *i;
    r = inode_alloc(nd->dir->sb, mode, &i);
    if (r)
        return r;
    if (K_S_ISDIR(mode))
        i->nlink = 1; /* "." */
    r = dir_add(nd->dir, nd->last, nd->len, i);
    if (r) {
        i->nlink = 0;
        inode_put(i);
        return r;
    }
    inode_put(i); /* the name keeps it */
    *out = i;
    return 0;
}

/* Walks to the parent of a name that must not exist yet, as mknod, symlink
 * and link need.  A trailing slash would name a directory, which none of
 * them makes. */
static int walk_to_new_name(struct walk *w, const struct place *start, const char *path, struct nameidata *nd)
{
    int r = walk_parent(w, start, path, nd);
    if (r)
        return r;
    if (nd->len == 0 || name_is_dot_or_dotdot(nd->last, nd->len))
        return -EEXIST;
    if (nd->dir->iops)
        return fixed_name_error(nd, -EEXIST);
    if (dir_find(nd->dir, nd->last, nd->len))
        return -EEXIST;
    if (nd->trailing)
        return -ENOENT;
    return 0;
}

int vfs_open_locked(struct walk *w, const struct place *start, const char *path, uint32_t flags, unsigned mode,
                    struct file **out)
{
    if ((flags & K_O_TMPFILE) == K_O_TMPFILE)
        return -EOPNOTSUPP;
    struct nameidata nd;
    int r = walk_parent(w, start, path, &nd);
    if (r)
        return r;
    bool excl = (flags & (K_O_CREAT | K_O_EXCL)) == (K_O_CREAT | K_O_EXCL);
    unsigned lf = (flags & K_O_NOFOLLOW) || excl ? 0 : LOOKUP_FOLLOW;
    struct place ip;
    r = walk_last(w, &nd, lf, &ip);
    if (r)
        return r;
    struct inode *i = ip.inode;
    if (!i) {
        if (!(flags & K_O_CREAT))
            return -ENOENT;
        if (nd.trailing)
            return -EISDIR;
        if (nd.dir->iops)
            return -ENOENT; /* no creation there: Linux's lookup fails first */
        r = create_in(&nd, K_S_IFREG | (mode & K_S_PERM), &i);
        if (r)
            return r;
        ip.mnt = nd.mnt;
    } else {
        if (excl)
            return -EEXIST;
        if ((flags & K_O_CREAT) && K_S_ISDIR(i->mode))
            return -EISDIR;
        if (K_S_ISLNK(i->mode) && !(flags & K_O_PATH))
            return -ELOOP; /* O_NOFOLLOW */
        /* A read-only mount refuses writes to its regular files (a file
         * system's own read-only state is inode_get_write_access's). */
        bool writes = (flags & K_O_ACCMODE) != K_O_RDONLY || (flags & K_O_TRUNC);
        if (writes && !(flags & K_O_PATH) && K_S_ISREG(i->mode) && (r = mount_writable(ip.mnt, i->sb)))
            return r;
    }
    r = file_open_inode(i, flags, out);
    if (!r && ip.mnt) {
        /* The mount it was reached through: its path, walks from it as a
         * dirfd, and a read-only remount of the mount is EBUSY while it
         * writes (fs/mount.c). */
        (*out)->mnt = mount_get(ip.mnt);
        if ((*out)->writer) {
            __atomic_add_fetch(&ip.mnt->writers, 1, __ATOMIC_RELAXED);
            (*out)->mnt_writer = true;
        }
    }
    /* Where the name is, for /proc (fs/file_path.c); a directory finds its
     * own path.  A /proc directory holds only its own inodes: an object
     * reached through a /proc link (a pipe by fd/N) has no name there. */
    if (!r && !K_S_ISDIR(i->mode) && (!nd.dir->iops || i->iops))
        (*out)->dir = inode_get(nd.dir);
    return r;
}

int vfs_mkdir_locked(struct walk *w, const struct place *start, const char *path, unsigned mode)
{
    struct nameidata nd;
    int r = walk_parent(w, start, path, &nd);
    if (r)
        return r;
    if (nd.len == 0 || name_is_dot_or_dotdot(nd.last, nd.len))
        return -EEXIST;
    if (nd.dir->iops)
        return fixed_name_error(&nd, -EEXIST);
    if (dir_find(nd.dir, nd.last, nd.len))
        return -EEXIST;
    struct inode *i;
    return create_in(&nd, K_S_IFDIR | (mode & K_S_PERM), &i);
}

int vfs_mknod_locked(struct walk *w, const struct place *start, const char *path, unsigned mode, struct inode **out)
{
    struct nameidata nd;
    int r = walk_to_new_name(w, start, path, &nd);
    if (r)
        return r;
    struct inode *i;
    r = create_in(&nd, mode, &i);
    if (!r && out)
        *out = i;
    return r;
}

int vfs_symlink_locked(struct walk *w, const struct place *start, const char *target, const char *path)
{
    size_t tl = strnlen(target, PATH_MAX);
    if (tl == 0)
        return -ENOENT;
    if (tl == PATH_MAX)
        return -ENAMETOOLONG;
    struct nameidata nd;
    int r = walk_to_new_name(w, start, path, &nd);
    if (r)
        return r;
    if (nd.dir->nlink == 0)
        return -ENOENT;
    if ((r = mount_writable(nd.mnt, nd.dir->sb)))
        return r;
    struct inode *i;
    r = inode_alloc(nd.dir->sb, K_S_IFLNK | 0777, &i);
    if (r)
        return r;
    /* The target is metadata too (inode.c gives the bytes back with it). */
    r = super_charge_bytes(i->sb, tl + 1);
    char *copy = r ? NULL : kmalloc(tl + 1);
    if (!copy) {
        if (!r) {
            super_uncharge_bytes(i->sb, tl + 1);
            r = -ENOMEM;
        }
        inode_put(i);
        return r;
    }
    memcpy(copy, target, tl + 1);
    i->lnk.target = copy;
    i->size = tl;
    r = dir_add(nd.dir, nd.last, nd.len, i);
    inode_put(i); /* frees it (and the copy) if dir_add failed */
    return r;
}

int vfs_unlink_locked(struct walk *w, const struct place *start, const char *path, bool rmdir)
{
    struct nameidata nd;
    int r = walk_parent(w, start, path, &nd);
    if (r)
        return r;
    if (nd.len == 0)
        return rmdir ? -EBUSY : -EISDIR;
    if (nd.len == 1 && nd.last[0] == '.')
        return rmdir ? -EINVAL : -EISDIR;
    if (nd.len == 2 && nd.last[0] == '.' && nd.last[1] == '.')
        return rmdir ? -ENOTEMPTY : -EISDIR;
    if (nd.dir->iops)
        return fixed_name_error(&nd, -EPERM);
    struct dentry *d = dir_find(nd.dir, nd.last, nd.len);
    if (!d)
        return -ENOENT;
    struct inode *i = d->inode;
    if (rmdir) {
        if (!K_S_ISDIR(i->mode))
            return -ENOTDIR;
        if (i->mountpoints)
            return -EBUSY;
        if (!dir_is_empty(i))
            return -ENOTEMPTY;
    } else {
        if (K_S_ISDIR(i->mode))
            return -EISDIR;
        if (nd.trailing)
            return -ENOTDIR;
    }
    if ((r = mount_writable(nd.mnt, nd.dir->sb)))
        return r;
    dir_remove(nd.dir, d);
    inode_unlink(i);
    return 0;
}

int vfs_link_inode_locked(struct inode *src, struct mount *smnt, struct walk *wn, const struct place *nstart,
                          const char *npath)
{
    if (K_S_ISDIR(src->mode))
        return -EPERM;
    struct nameidata nd;
    int r = walk_to_new_name(wn, nstart, npath, &nd);
    if (r)
        return r;
    /* Linux: a link between two mounts is EXDEV, even of one file system. */
    if (nd.dir->sb != src->sb || (smnt && nd.mnt != smnt))
        return -EXDEV;
    if (nd.dir->nlink == 0 || src->nlink == 0)
        return -ENOENT;
    if ((r = mount_writable(nd.mnt, nd.dir->sb)))
        return r;
    return dir_add(nd.dir, nd.last, nd.len, src);
}

int vfs_link_locked(struct walk *wo, const struct place *ostart, const char *opath, bool follow,
                    struct walk *wn, const struct place *nstart, const char *npath)
{
    struct place src;
    int r = walk_path(wo, ostart, opath, follow ? LOOKUP_FOLLOW : 0, &src);
    if (r)
        return r;
    return vfs_link_inode_locked(src.inode, src.mnt, wn, nstart, npath);
}

/* True if dir is anc or below it (following parent links in one file system). */
static bool is_below(struct inode *dir, struct inode *anc)
{
    for (struct inode *i = dir; i; i = i->dir.parent) {
        if (i == anc)
            return true;
        if (i == i->sb->root)
            return false;
    }
    return false;
}

static int rename_exchange(struct nameidata *o, struct dentry *dold, struct nameidata *n, struct dentry *dnew)
{
    struct inode *a = dold->inode, *b = dnew->inode;
    if (K_S_ISDIR(a->mode) && is_below(n->dir, a))
        return -EINVAL;
    if (K_S_ISDIR(b->mode) && is_below(o->dir, b))
        return -EINVAL;
    dir_set_inode(dold, b);
    dir_set_inode(dnew, a);
    if (K_S_ISDIR(a->mode)) {
        a->dir.parent = n->dir;
        inode_nlink_add(o->dir, -1);
        inode_nlink_add(n->dir, 1);
    }
    if (K_S_ISDIR(b->mode)) {
        b->dir.parent = o->dir;
        inode_nlink_add(n->dir, -1);
        inode_nlink_add(o->dir, 1);
    }
    inode_touch(o->dir, false, true, true);
    inode_touch(n->dir, false, true, true);
    inode_touch(a, false, false, true);
    inode_touch(b, false, false, true);
    return 0;
}

int vfs_rename_locked(struct walk *wo, const struct place *ostart, const char *opath,
                      struct walk *wn, const struct place *nstart, const char *npath, unsigned flags)
{
    if (flags & ~(unsigned)(K_RENAME_NOREPLACE | K_RENAME_EXCHANGE))
        return -EINVAL;
    if ((flags & K_RENAME_NOREPLACE) && (flags & K_RENAME_EXCHANGE))
        return -EINVAL;
    struct nameidata o, n;
    int r = walk_parent(wo, ostart, opath, &o);
    if (r)
        return r;
    r = walk_parent(wn, nstart, npath, &n);
    if (r)
        return r;
    if (o.len == 0 || name_is_dot_or_dotdot(o.last, o.len) || n.len == 0 || name_is_dot_or_dotdot(n.last, n.len))
        return -EBUSY;
    /* Linux: across two mounts is EXDEV, even of one file system. */
    if (o.dir->sb != n.dir->sb || o.mnt != n.mnt)
        return -EXDEV;
    if ((r = mount_writable(o.mnt, o.dir->sb)))
        return r;
    if (o.dir->iops) {
        r = fixed_name_error(&o, -EPERM);
        return r == -EPERM ? fixed_name_error(&n, -EPERM) : r;
    }
    struct dentry *dold = dir_find(o.dir, o.last, o.len);
    if (!dold)
        return -ENOENT;
    struct inode *src = dold->inode;
    if (n.dir->nlink == 0)
        return -ENOENT;
    struct dentry *dnew = dir_find(n.dir, n.last, n.len);
    struct inode *dst = dnew ? dnew->inode : NULL;
    if (!K_S_ISDIR(src->mode) && (o.trailing || n.trailing))
        return -ENOTDIR;
    if (o.dir->sb != n.dir->sb)
        return -EXDEV;
    if (src->mountpoints || (dst && dst->mountpoints))
        return -EBUSY;
    if (flags & K_RENAME_EXCHANGE) {
        if (!dst)
            return -ENOENT;
        return rename_exchange(&o, dold, &n, dnew);
    }
    if (dst && (flags & K_RENAME_NOREPLACE))
        return -EEXIST;
    if (dst == src)
        return 0; /* two names of one inode: POSIX says do nothing */
    if (K_S_ISDIR(src->mode) && is_below(n.dir, src))
        return -EINVAL;
    if (dst) {
        if (K_S_ISDIR(src->mode) && !K_S_ISDIR(dst->mode))
            return -ENOTDIR;
        if (!K_S_ISDIR(src->mode) && K_S_ISDIR(dst->mode))
            return -EISDIR;
        if (K_S_ISDIR(dst->mode) && !dir_is_empty(dst))
            return -ENOTEMPTY;
    }
    /* The only allocation first: the new name (dnew stays until then). */
    r = dir_move(o.dir, dold, n.dir, n.last, n.len);
    if (r)
        return r;
    if (dst) {
        dir_remove(n.dir, dnew);
        inode_unlink(dst);
    }
    inode_touch(src, false, false, true);
    return 0;
}

/* One step of climbing from p towards the top: out of a mount's root to
 * its mount point, else to the parent directory.  False at the top of a
 * tree (the root mount's root, or a detached mount's) or for a removed
 * directory (p->inode then NULL). */
static bool climb(struct place *p)
{
    if (p->inode == p->mnt->root) {
        if (!p->mnt->parent)
            return false;
        p->inode = p->mnt->mountpoint;
        p->mnt = p->mnt->parent;
        return true;
    }
    p->inode = p->inode->dir.parent;
    return p->inode != NULL;
}

bool vfs_reaches(const struct place *root, const struct place *dir)
{
    struct place r = *root, p = *dir;
    place_resolve(&r);
    place_resolve(&p);
    while (p.inode != r.inode || p.mnt != r.mnt)
        if (!climb(&p))
            return false; /* the top of the tree or of a detached one, or removed */
    return true;
}

int64_t vfs_path_of(const struct place *root, const struct place *dir, char *buf, size_t size)
{
    /* Built right to left at the end of buf, then moved to the front. */
    if (size == 0)
        return -ERANGE;
    size_t at = size - 1;
    buf[at] = 0;
    struct place r = *root, p = *dir;
    place_resolve(&r);
    place_resolve(&p);
    while (p.inode != r.inode || p.mnt != r.mnt) {
        struct inode *i = p.inode;
        if (i == p.mnt->root) {
            if (!climb(&p))
                break; /* outside root: show it from its own top */
            continue;
        }
        struct inode *parent = i->dir.parent;
        struct dentry *d = i->dir.entry;
        char made[NAME_MAX + 1]; /* the name of a directory its file system makes (procfs) */
        const char *name = d ? d->name : made;
        size_t len = d ? d->len : 0;
        if (!d && i->iops && parent)
            len = i->iops->name(i, made, sizeof made);
        if (!parent || !len)
            return -ENOENT;
        if (at < len + 1)
            return -ERANGE;
        at -= len;
        memcpy(buf + at, name, len);
        buf[--at] = '/';
        p.inode = parent;
    }
    if (at == size - 1) {
        if (at < 1)
            return -ERANGE;
        buf[--at] = '/';
    }
    size_t len = size - at; /* with the NUL */
    memmove(buf, buf + at, len);
    return (int64_t)len;
}
