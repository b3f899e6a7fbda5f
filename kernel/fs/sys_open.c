/* open, close, the dup family, fcntl, ioctl, umask. */
#include <fs/fdtable.h>
#include <fs/file_lock.h>
#include <fs/pipe.h>
#include <fs/syscall_util.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <syscall/syscall.h>

static int64_t do_openat(int dirfd, uint64_t upath, uint32_t flags, unsigned mode)
{
    struct fd_table *t = current_files();
    if (!t)
        return -EBADF;
    if ((flags & K_O_ACCMODE) == 3 && !(flags & K_O_PATH))
        return -EINVAL;
    char *path;
    int r = path_from_user(upath, true, &path);
    if (r)
        return r;
    struct place start, root;
    if (!path[0]) {
        r = -ENOENT;
    } else {
        r = at_start(dirfd, path, &start, &root);
    }
    if (r) {
        path_free(path);
        return r;
    }
    struct walk w;
    struct file *f = NULL;
    walk_begin_in(&w, &root, path);
    mutex_lock(&vfs_ns_lock);
    r = vfs_open_locked(&w, &start, path, flags, mode & ~current_umask(), &f);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    at_done(&start, &root);
    path_free(path);
    if (r)
        return r;
    if (f->ops->open_wait && (r = f->ops->open_wait(f))) {
        file_put(f);
        return r;
    }
    r = fd_install(t, f, flags & K_O_CLOEXEC);
    file_put(f);
    return r;
}

int64_t sys_open(const struct syscall_args *a)
{
    return do_openat(K_AT_FDCWD, a->arg[0], (uint32_t)a->arg[1], (unsigned)a->arg[2]);
}

int64_t sys_openat(const struct syscall_args *a)
{
    return do_openat((int)a->arg[0], a->arg[1], (uint32_t)a->arg[2], (unsigned)a->arg[3]);
}

int kernel_open(const char *path, int flags, unsigned mode, struct file **out)
{
    struct fs_context *c = current_fs();
    struct place root, cwd;
    fs_context_paths(c, &root, &cwd);
    struct walk w;
    int r = walk_begin(&w, &root);
    if (!r) {
        mutex_lock(&vfs_ns_lock);
        r = vfs_open_locked(&w, path[0] == '/' ? &root : &cwd, path, (uint32_t)flags, mode & ~c->umask, out);
        mutex_unlock(&vfs_ns_lock);
        walk_end(&w);
    }
    place_put(&root);
    place_put(&cwd);
    return r;
}

int kernel_open_exec(const char *path, struct file **out)
{
    struct file *f;
    int r = kernel_open(path, K_O_RDONLY, 0, &f);
    if (r)
        return r;
    /* Root may execute a regular file if any execute bit is set (as on Linux). */
    if (!K_S_ISREG(f->inode->mode) || !(f->inode->mode & 0111)) {
        file_put(f);
        return -EACCES;
    }
    *out = f;
    return 0;
}

int64_t sys_close(const struct syscall_args *a)
{
    struct fd_table *t = current_files();
    struct file *f = t ? fd_remove(t, (int)a->arg[0]) : NULL;
    if (!f)
        return -EBADF;
    fd_close_file(t, f);
    return 0;
}

int64_t sys_dup(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int r = fd_install(current_files(), f, false);
    file_put(f);
    return r;
}

static int64_t do_dup3(int oldfd, int newfd, uint32_t flags, bool is_dup2)
{
    if (flags & ~(uint32_t)K_O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd && !is_dup2)
        return -EINVAL;
    struct file *f = fget(oldfd);
    if (!f)
        return -EBADF;
    int64_t r;
    if (oldfd == newfd)
        r = newfd; /* dup2 onto itself: only checks that oldfd is open */
    else
        r = fd_install_at(current_files(), newfd, f, flags & K_O_CLOEXEC);
    file_put(f);
    return r;
}

int64_t sys_dup2(const struct syscall_args *a)
{
    return do_dup3((int)a->arg[0], (int)a->arg[1], 0, true);
}

int64_t sys_dup3(const struct syscall_args *a)
{
    return do_dup3((int)a->arg[0], (int)a->arg[1], (uint32_t)a->arg[2], false);
}

int64_t sys_fcntl(const struct syscall_args *a)
{
    int fd = (int)a->arg[0];
    unsigned cmd = (unsigned)a->arg[1];
    uint64_t arg = a->arg[2];
    struct fd_table *t = current_files();
    struct file *f = fget(fd);
    if (!f)
        return -EBADF;
    int64_t r;
    switch (cmd) {
    case K_F_DUPFD:
    case K_F_DUPFD_CLOEXEC:
        r = fd_install_from(t, f, (int)arg, cmd == K_F_DUPFD_CLOEXEC);
        break;
    case K_F_GETFD:
        r = fd_get_cloexec(t, fd);
        break;
    case K_F_SETFD:
        r = fd_set_cloexec(t, fd, arg & K_FD_CLOEXEC);
        break;
    case K_F_GETFL:
        r = f->flags;
        break;
    case K_F_SETFL: {
        /* Only the status flags change; the access mode and creation flags stay. */
        uint32_t old = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
        uint32_t nf = (old & ~(uint32_t)K_O_SETFL_MASK) | ((uint32_t)arg & K_O_SETFL_MASK);
        __atomic_store_n(&f->flags, nf, __ATOMIC_RELAXED);
        r = 0;
        break;
    }
    case K_F_GETPIPE_SZ:
    case K_F_SETPIPE_SZ:
        r = pipe_fcntl(f, cmd, arg);
        break;
    case K_F_GETLK:
    case K_F_SETLK:
    case K_F_SETLKW:
    case K_F_OFD_GETLK:
    case K_F_OFD_SETLK:
    case K_F_OFD_SETLKW:
        r = file_lock_fcntl(f, t, cmd, arg);
        break;
    default:
        r = -EINVAL;
        break;
    }
    file_put(f);
    return r;
}

int64_t sys_flock(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int64_t r = file_lock_flock(f, (int)a->arg[1]);
    file_put(f);
    return r;
}

int64_t sys_ioctl(const struct syscall_args *a)
{
    int fd = (int)a->arg[0];
    unsigned cmd = (unsigned)a->arg[1];
    uint64_t arg = a->arg[2];
    struct file *f = fget(fd);
    if (!f)
        return -EBADF;
    int64_t r;
    switch (cmd) {
    case K_FIONBIO: {
        int on;
        r = copy_from_user(&on, arg, sizeof on);
        if (!r) {
            if (on)
                __atomic_or_fetch(&f->flags, K_O_NONBLOCK, __ATOMIC_RELAXED);
            else
                __atomic_and_fetch(&f->flags, ~(uint32_t)K_O_NONBLOCK, __ATOMIC_RELAXED);
        }
        break;
    }
    case K_FIOCLEX:
    case K_FIONCLEX:
        r = fd_set_cloexec(current_files(), fd, cmd == K_FIOCLEX);
        break;
    case K_FIONREAD:
        if (K_S_ISREG(f->inode->mode)) {
            /* Bytes from the offset to the end, as Linux reports for files. */
            int n = f->inode->size > f->pos ? (int)MIN(f->inode->size - f->pos, (uint64_t)0x7fffffff) : 0;
            r = copy_to_user(arg, &n, sizeof n);
            break;
        }
        __attribute__((fallthrough));
    default:
        r = f->ops->ioctl && !(f->flags & K_O_PATH) ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
        break;
    }
    file_put(f);
    return r;
}

int64_t sys_umask(const struct syscall_args *a)
{
    struct fs_context *c = current_fs();
    return __atomic_exchange_n(&c->umask, (unsigned)a->arg[0] & 0777, __ATOMIC_RELAXED);
}
