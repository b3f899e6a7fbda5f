/* Open files: allocation, references, and open(2)'s checks once the path
 * has been resolved to an inode. */
#include <fs/epoll.h>
#include <fs/file_lock.h>
#include <fs/kernel_api.h>
#include <fs/mount.h>
#include <fs/namei.h>
#include <fs/pipe.h>
#include <fs/vfs.h>
#include <kernel/errno.h>
#include <mm/slab.h>

struct file *file_alloc(struct inode *inode, const struct file_ops *ops, uint32_t flags)
{
    struct file *f = kzalloc(sizeof *f);
    if (!f)
        return NULL;
    f->refs = 1;
    f->ops = ops;
    f->inode = inode_get(inode);
    f->flags = flags;
    mutex_init(&f->pos_lock);
    list_init(&f->epoll_links);
    return f;
}

struct file *file_get(struct file *f)
{
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
    return f;
}

void file_put(struct file *f)
{
    if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
        return;
    /* Nobody adds a watch without a reference, so the list only shrinks now. */
    if (!list_empty(&f->epoll_links))
        epoll_file_closed(f); /* a closed file leaves every epoll set */
    file_locks_file_released(f); /* its flock and OFD locks */
    if (f->ops && f->ops->release)
        f->ops->release(f);
    if (f->writer)
        inode_put_write_access(f->inode);
    if (f->dir)
        inode_put(f->dir);
    inode_put(f->inode);
    if (f->mnt_writer)
        __atomic_sub_fetch(&f->mnt->writers, 1, __ATOMIC_RELEASE);
    if (f->mnt)
        mount_put(f->mnt);
    kfree(f);
}

void file_content_version(struct file *f, uint64_t *serial, uint64_t *write_gen)
{
    inode_content_version(f->inode, serial, write_gen);
}

int file_deny_write(struct file *f)
{
    return inode_deny_write_access(f->inode);
}

void file_allow_write(struct file *f)
{
    inode_allow_write_access(f->inode);
}

uint64_t file_size(struct file *f)
{
    return f->inode->size;
}

bool file_is_regular(struct file *f)
{
    return K_S_ISREG(f->inode->mode) && !f->inode->iops; /* generated files have no pages */
}

const void *file_identity(struct file *f)
{
    return f->inode;
}

bool file_map_readable(struct file *f)
{
    return FILE_READABLE(f);
}

bool file_map_writable(struct file *f)
{
    return FILE_WRITABLE(f) && !(f->flags & K_O_APPEND);
}

bool file_is_device(struct file *f)
{
    return K_S_ISCHR(f->inode->mode) || K_S_ISBLK(f->inode->mode);
}

/* Directories open read-only; reads give EISDIR, getdents64 lists them. */
const struct file_ops dir_file_ops = {
    .seekable = true,
};

/* No operations at all: O_PATH descriptors and symlinks opened with O_PATH|O_NOFOLLOW. */
static const struct file_ops path_file_ops = {
    .seekable = false,
};

int file_open_inode(struct inode *inode, uint32_t flags, struct file **out)
{
    const struct file_ops *ops;
    unsigned acc = flags & K_O_ACCMODE;
    if (flags & K_O_PATH) {
        ops = &path_file_ops;
    } else {
        switch (inode->mode & K_S_IFMT) {
        case K_S_IFDIR:
            if (acc != K_O_RDONLY)
                return -EISDIR;
            ops = &dir_file_ops;
            break;
        case K_S_IFREG:
            ops = inode->iops ? inode->iops->fops : &tmpfs_file_ops;
            break;
        case K_S_IFCHR:
        case K_S_IFBLK: /* only devfs makes these with ops (fs/devfs.h) */
            ops = inode->dev.ops;
            if (!ops)
                return -ENXIO;
            break;
        case K_S_IFLNK:
            return -ELOOP; /* O_NOFOLLOW on a symlink */
        case K_S_IFIFO:
            /* a pipe(2) end reached through /proc has no name to meet at */
            if (inode->sb->magic == K_PIPEFS_MAGIC)
                return -ENXIO;
            ops = &fifo_ops;
            break;
        default:
            return -ENXIO; /* sockets: connect(2), not open */
        }
    }
    if ((flags & K_O_DIRECTORY) && !K_S_ISDIR(inode->mode))
        return -ENOTDIR;
    /* A regular file opened for writing counts as a writer: refused while
     * a program runs from it, checked before O_TRUNC changes anything. */
    bool writer = !(flags & K_O_PATH) && K_S_ISREG(inode->mode) && !inode->iops && acc != K_O_RDONLY;
    if (writer) {
        int r = inode_get_write_access(inode);
        if (r)
            return r;
    }
    if (writer && (flags & K_O_TRUNC)) {
        int r = tmpfs_truncate(inode, 0);
        if (r) {
            inode_put_write_access(inode);
            return r;
        }
    }
    /* O_NOCTTY stays for the open op (a terminal's), then goes like the others. */
    struct file *f = file_alloc(inode, ops, flags & ~(K_O_CREAT | K_O_EXCL | K_O_TRUNC | K_O_CLOEXEC));
    if (!f) {
        if (writer)
            inode_put_write_access(inode);
        return -ENOMEM;
    }
    f->writer = writer;
    if (ops->open) {
        int r = ops->open(f);
        if (r) {
            f->ops = NULL; /* never opened: no release */
            file_put(f);
            return r;
        }
    }
    f->flags &= ~(uint32_t)K_O_NOCTTY;
    *out = f;
    return 0;
}
