/* The name of an open file, as /proc shows it (fs/vfs.h: file_path).
 *
 * Inodes here do not know their names (there is no dentry cache), so a file
 * opened by a path keeps a reference to the directory that held the name
 * (f->dir) and the name is found again in it when asked for: a rename inside
 * that directory is followed, a file whose name is gone reads as Linux's
 * "(deleted)".  Nothing is stored per open file beyond that pointer. */
#include <fs/dir.h>
#include <fs/namei.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>

/* Appends s to buf[size] at *at; false if it does not fit. */
static bool put_text(char *buf, size_t size, size_t *at, const char *s, size_t n)
{
    if (*at + n + 1 > size)
        return false;
    memcpy(buf + *at, s, n);
    *at += n;
    buf[*at] = '\0';
    return true;
}

/* The entry of dir that names i, or NULL.  vfs_ns_lock held. */
static struct dentry *name_in(struct inode *dir, struct inode *i)
{
    for (struct dentry *d = dir_next(dir, DIR_FIRST_SEQ); d; d = dir_next(dir, dentry_seq(d) + 1))
        if (d->inode == i)
            return d;
    return NULL;
}

/* vfs_ns_lock held. */
static int path_locked(struct file *f, const struct place *root, char *buf, size_t size)
{
    struct inode *i = f->inode;
    struct inode *dir = K_S_ISDIR(i->mode) ? i : f->dir;
    struct place where = {f->mnt, dir};
    int64_t n = vfs_path_of(root, &where, buf, size);
    if (n == -ENOENT) {
        /* The directory itself was removed: Linux names the file "... (deleted)". */
        size_t at = 0;
        return put_text(buf, size, &at, "/ (deleted)", 11) ? (int)at : -ENAMETOOLONG;
    }
    if (n < 0)
        return n == -ERANGE ? -ENAMETOOLONG : (int)n;
    size_t at = (size_t)n - 1;
    if (dir == i)
        return (int)at;
    if (at == 1)
        at = 0; /* in "/": no second slash */
    bool ok = put_text(buf, size, &at, "/", 1);
    if (i->iops) {
        char name[NAME_MAX + 1]; /* made by its file system (procfs) */
        size_t len = i->iops->name(i, name, sizeof name);
        ok = ok && put_text(buf, size, &at, name, len);
    } else {
        struct dentry *d = name_in(dir, i);
        if (d)
            ok = ok && put_text(buf, size, &at, d->name, d->len);
        else
            ok = ok && put_text(buf, size, &at, " (deleted)", 10);
    }
    return ok ? (int)at : -ENAMETOOLONG;
}

int file_path(struct file *f, const struct place *root, char *buf, size_t size, bool locked)
{
    if (!K_S_ISDIR(f->inode->mode) && !f->dir) {
        if (f->ops && f->ops->link_name)
            return f->ops->link_name(f, buf, size);
        int n;
        if (f->inode->sb->magic == K_PIPEFS_MAGIC)
            n = ksnprintf(buf, size, "pipe:[%lu]", f->inode->ino);
        else if (f->inode->sb->magic == K_SOCKFS_MAGIC)
            n = ksnprintf(buf, size, "socket:[%lu]", f->inode->ino); /* Linux's name */
        else
            n = ksnprintf(buf, size, "anon_inode:[%s]", f->inode->sb->name);
        return n < (int)size ? n : -ENAMETOOLONG;
    }
    if (!locked)
        mutex_lock(&vfs_ns_lock);
    int r = path_locked(f, root, buf, size);
    if (!locked)
        mutex_unlock(&vfs_ns_lock);
    return r;
}
