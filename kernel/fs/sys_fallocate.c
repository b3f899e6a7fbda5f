/* fallocate(2): space for a tmpfs file (see tmpfs_fallocate). */
#include <fs/syscall_util.h>
#include <fs/vfs.h>
#include <kernel/errno.h>
#include <syscall/syscall.h>

#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02

int64_t sys_fallocate(const struct syscall_args *a)
{
    int mode = (int)a->arg[1];
    int64_t off = (int64_t)a->arg[2], len = (int64_t)a->arg[3];
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int64_t r = 0;
    /* Linux's order: arguments, then the descriptor's mode, then the file's kind. */
    if (off < 0 || len <= 0)
        r = -EINVAL;
    else if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE && mode != (FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
        r = -EOPNOTSUPP; /* PUNCH_HOLE needs KEEP_SIZE; tmpfs has no COLLAPSE/ZERO/INSERT_RANGE */
    else if (!FILE_WRITABLE(f))
        r = -EBADF;
    else if (K_S_ISFIFO(f->inode->mode))
        r = -ESPIPE;
    else if (K_S_ISDIR(f->inode->mode))
        r = -EISDIR;
    else if (!K_S_ISREG(f->inode->mode))
        r = -ENODEV;
    else if (!file_is_regular(f))
        r = -EOPNOTSUPP; /* a generated file (/proc) */
    else
        r = tmpfs_fallocate(f->inode, (mode & FALLOC_FL_KEEP_SIZE ? TMPFS_FALLOC_KEEP_SIZE : 0) |
                                          (mode & FALLOC_FL_PUNCH_HOLE ? TMPFS_FALLOC_PUNCH_HOLE : 0),
                            (uint64_t)off, (uint64_t)len);
    file_put(f);
    return r;
}
