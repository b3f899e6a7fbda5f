/* Path lookup (see fs/namei.h). */
#include <fs/dir.h>
#include <fs/mount.h>
#include <fs/namei.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/slab.h>

struct mutex vfs_ns_lock = MUTEX_INIT(vfs_ns_lock);

int walk_begin(struct walk *w, const struct place *root)
{
    w->root = *root;
    w->links = 0;
    w->buf = kmalloc(PATH_MAX);
    w->own_buf = true;
    w->held = NULL;
    return w->buf ? 0 : -ENOMEM;
}

void walk_begin_in(struct walk *w, const struct place *root, char *buf)
{
    w->root = *root;
    w->links = 0;
    w->buf = buf;
    w->own_buf = false;
    w->held = NULL;
}

void walk_end(struct walk *w)
{
    if (w->own_buf)
        kfree(w->buf);
    w->buf = NULL;
    while (w->held) {
        struct inode *i = w->held;
        w->held = i->held_next;
        i->held_next = NULL;
        inode_put(i);
    }
}

void walk_hold(struct walk *w, struct inode *i)
{
    i->held_next = w->held;
    w->held = i;
}

/* The target text of symlink i: its stored one, or the file system's
 * (written into tmp[size]).  0 or -errno. */
static int link_text(struct inode *i, char *tmp, size_t size, const char **out)
{
    if (!i->iops) {
        *out = i->lnk.target;
        return 0;
    }
    int n = i->iops->readlink(i, tmp, size);
    if (n < 0)
        return n;
    *out = tmp;
    return 0;
}

/* The object a link names instead of a path (struct inode_ops.follow):
 * true and *out set (its mount resolved), or false. */
static bool magic_target(struct inode *link, struct inode **dir, struct place *out)
{
    *dir = NULL;
    out->mnt = NULL;
    out->inode = link->iops && link->iops->follow ? link->iops->follow(link, dir, &out->mnt) : NULL;
    if (!out->inode)
        return false;
    place_resolve(out);
    return true;
}

/* Short link texts that walks read from a file system ("1234" for
 * /proc/self); longer ones are ENAMETOOLONG here. */
#define LINK_TEXT_MAX 64

bool name_is_dot_or_dotdot(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* ".." of place p (updated): stays at the walk's root, climbs out of a
 * mount's root to its mount point (the parent of the directory a bind
 * mount shows is the one of where it is shown, not its own); -ENOENT for
 * a removed directory.  A detached mount's root is its own parent. */
static int parent_of(struct walk *w, struct place *p)
{
    struct place root = w->root;
    place_resolve(&root);
    for (;;) {
        if (p->inode == root.inode && p->mnt == root.mnt)
            return 0;
        if (p->inode == p->mnt->root) {
            if (!p->mnt->parent)
                return 0;
            p->inode = p->mnt->mountpoint;
            p->mnt = p->mnt->parent;
            continue;
        }
        if (!p->inode->dir.parent)
            return -ENOENT;
        p->inode = p->inode->dir.parent;
        /* Climbing a chain of stacked mounts lands on the lowest mount's
         * point; what ".." shows is the top of that place. */
        place_follow_mounts(p);
        return 0;
    }
}

int walk_step(struct walk *w, const struct place *dir, const char *name, size_t len, struct place *out)
{
    if (!K_S_ISDIR(dir->inode->mode))
        return -ENOTDIR;
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    struct place p = *dir;
    place_resolve(&p);
    if (len == 1 && name[0] == '.') {
        *out = p;
        return 0;
    }
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        int r = parent_of(w, &p);
        if (!r)
            *out = p;
        return r;
    }
    if (p.inode->iops) {
        struct inode *i;
        int r = p.inode->iops->lookup(p.inode, name, len, &i);
        if (r)
            return r;
        walk_hold(w, i);
        p.inode = i;
    } else {
        struct dentry *d = dir_find(p.inode, name, len);
        if (!d)
            return -ENOENT;
        p.inode = d->inode;
    }
    place_follow_mounts(&p);
    *out = p;
    return 0;
}

/* Replaces the text before rest in w->buf by target: w->buf becomes
 * target "/" rest.  -ENAMETOOLONG if that does not fit. */
static int splice_link(struct walk *w, const char *target, const char *rest)
{
    size_t tl = strlen(target), rl = strlen(rest);
    if (tl + 1 + rl + 1 > PATH_MAX)
        return -ENAMETOOLONG;
    memmove(w->buf + tl + 1, rest, rl + 1);
    memcpy(w->buf, target, tl);
    w->buf[tl] = '/';
    return 0;
}

int walk_parent(struct walk *w, const struct place *start, const char *path, struct nameidata *nd)
{
    if (path != w->buf) {
        size_t n = strnlen(path, PATH_MAX);
        if (n == PATH_MAX)
            return -ENAMETOOLONG;
        memcpy(w->buf, path, n + 1);
    }
    if (!w->buf[0])
        return -ENOENT;
    struct place cur = *start;
    place_resolve(&cur);
    char *p = w->buf;
    for (;;) {
        if (*p == '/') {
            cur = w->root;
            place_resolve(&cur);
            while (*p == '/')
                p++;
        }
        char *name = p;
        size_t len = 0;
        while (name[len] && name[len] != '/')
            len++;
        char *rest = name + len;
        while (*rest == '/')
            rest++;
        if (len > NAME_MAX)
            return -ENAMETOOLONG;
        if (!K_S_ISDIR(cur.inode->mode))
            return -ENOTDIR;
        if (*rest == '\0') {
            /* The last component (or none, for "/"). */
            nd->dir = cur.inode;
            nd->mnt = cur.mnt;
            nd->trailing = name[len] == '/';
            name[len] = '\0';
            nd->last = name;
            nd->len = len;
            return 0;
        }
        struct place next;
        int r = walk_step(w, &cur, name, len, &next);
        if (r)
            return r;
        if (K_S_ISLNK(next.inode->mode)) {
            if (++w->links > SYMLINK_MAX_FOLLOW)
                return -ELOOP;
            struct inode *unused;
            struct place object;
            if (magic_target(next.inode, &unused, &object)) {
                cur = object; /* a link to an object: go on from it */
                p = rest;
                continue;
            }
            char text[LINK_TEXT_MAX];
            const char *target;
            r = link_text(next.inode, text, sizeof text, &target);
            if (r)
                return r;
            r = splice_link(w, target, rest);
            if (r)
                return r;
            p = w->buf; /* a relative target continues from cur, an absolute one from the root */
            continue;
        }
        cur = next;
        p = rest;
    }
}

int walk_last(struct walk *w, struct nameidata *nd, unsigned flags, struct place *out)
{
    for (;;) {
        struct place dir = {nd->mnt, nd->dir}, ip;
        if (nd->len == 0) {
            *out = dir;
            return 0;
        }
        int r = walk_step(w, &dir, nd->last, nd->len, &ip);
        if (r == -ENOENT && !name_is_dot_or_dotdot(nd->last, nd->len)) {
            out->mnt = NULL;
            out->inode = NULL;
            return 0;
        }
        struct inode *i = ip.inode;
        if (r)
            return r;
        /* A trailing slash follows a symlink even without LOOKUP_FOLLOW. */
        if (!K_S_ISLNK(i->mode) || !(flags & LOOKUP_FOLLOW || nd->trailing)) {
            if (nd->trailing && !K_S_ISDIR(i->mode) && !K_S_ISLNK(i->mode))
                return -ENOTDIR;
            *out = ip;
            return 0;
        }
        if (++w->links > SYMLINK_MAX_FOLLOW)
            return -ELOOP;
        struct inode *tdir;
        struct place t;
        if (magic_target(i, &tdir, &t)) {
            if (nd->trailing && !K_S_ISDIR(t.inode->mode))
                return -ENOTDIR;
            if (tdir) {
                nd->dir = tdir; /* where its name is, for file_path */
                nd->mnt = t.mnt;
            }
            *out = t;
            return 0;
        }
        char text[LINK_TEXT_MAX];
        const char *target;
        r = link_text(i, text, sizeof text, &target);
        if (r)
            return r;
        size_t tl = strlen(target);
        if (tl + 2 > PATH_MAX)
            return -ENAMETOOLONG;
        memcpy(w->buf, target, tl + 1);
        if (nd->trailing) {
            w->buf[tl] = '/';
            w->buf[tl + 1] = '\0';
        }
        r = walk_parent(w, &dir, w->buf, nd);
        if (r)
            return r;
    }
}

int walk_path(struct walk *w, const struct place *start, const char *path, unsigned flags, struct place *out)
{
    struct nameidata nd;
    int r = walk_parent(w, start, path, &nd);
    if (r)
        return r;
    r = walk_last(w, &nd, flags, out);
    if (r)
        return r;
    return out->inode ? 0 : -ENOENT;
}
