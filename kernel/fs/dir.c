/* In-memory directories: a list of named entries (see fs/dir.h).
 * Caller holds vfs_ns_lock for every function here. */
#include <fs/dir.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/slab.h>

struct dentry *dir_find(struct inode *dir, const char *name, size_t len)
{
    list_for_each(pos, &dir->dir.entries) {
        struct dentry *d = list_entry(pos, struct dentry, link);
        if (d->len == len && !memcmp(d->name, name, len))
            return d;
    }
    return NULL;
}

struct dentry *dir_find_inode(struct inode *dir, struct inode *child)
{
    list_for_each(pos, &dir->dir.entries) {
        struct dentry *d = list_entry(pos, struct dentry, link);
        if (d->inode == child)
            return d;
    }
    return NULL;
}

int dir_add(struct inode *dir, const char *name, size_t len, struct inode *child)
{
    struct dentry *d = kmalloc(sizeof *d + len + 1);
    if (!d)
        return -ENOMEM;
    d->inode = child;
    d->len = (uint16_t)len;
    memcpy(d->name, name, len);
    d->name[len] = 0;
    d->seq = dir->dir.next_seq++;
    list_add_tail(&d->link, &dir->dir.entries);
    inode_nlink_add(child, 1);
    if (K_S_ISDIR(child->mode)) {
        child->dir.parent = dir;
        inode_nlink_add(dir, 1); /* the child's ".." */
    }
    dir->size++;
    inode_touch(dir, false, true, true);
    return 0;
}

void dir_remove(struct inode *dir, struct dentry *d)
{
    list_del(&d->link);
    if (K_S_ISDIR(d->inode->mode)) {
        if (d->inode->dir.parent == dir)
            d->inode->dir.parent = NULL;
        inode_nlink_add(dir, -1);
    }
    dir->size--;
    inode_touch(dir, false, true, true);
    kfree(d);
}

struct dentry *dir_next(struct inode *dir, uint64_t pos)
{
    list_for_each(p, &dir->dir.entries) {
        struct dentry *d = list_entry(p, struct dentry, link);
        if (d->seq >= pos)
            return d;
    }
    return NULL;
}

bool dir_is_empty(struct inode *dir)
{
    return list_empty(&dir->dir.entries);
}
