/* Calls that change or read the namespace: the working directory, mkdir,
 * mknod, unlink/rmdir, rename, symlink, link. */
#include <fs/syscall_util.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <syscall/syscall.h>

/* Runs one single-path namespace operation. */
enum ns_op { NS_MKDIR, NS_MKNOD, NS_UNLINK, NS_RMDIR, NS_SYMLINK };

static int64_t ns_single(enum ns_op op, int dirfd, uint64_t upath, unsigned mode, const char *target)
{
    struct user_walk uw;
    int r = user_walk_begin(&uw, dirfd, upath);
    if (r)
        return r;
    struct walk *w = &uw.w;
    mutex_lock(&vfs_ns_lock);
    switch (op) {
    case NS_MKDIR: r = vfs_mkdir_locked(w, &uw.start, uw.path, mode & ~current_umask()); break;
    case NS_MKNOD:
        r = vfs_mknod_locked(w, &uw.start, uw.path, (mode & K_S_IFMT) | (mode & K_S_PERM & ~current_umask()), NULL);
        break;
    case NS_UNLINK: r = vfs_unlink_locked(w, &uw.start, uw.path, false); break;
    case NS_RMDIR: r = vfs_unlink_locked(w, &uw.start, uw.path, true); break;
    case NS_SYMLINK: r = vfs_symlink_locked(w, &uw.start, target, uw.path); break;
    }
    mutex_unlock(&vfs_ns_lock);
    user_walk_end(&uw);
    return r;
}

int64_t sys_mkdir(const struct syscall_args *a) { return ns_single(NS_MKDIR, K_AT_FDCWD, a->arg[0], (unsigned)a->arg[1], NULL); }
int64_t sys_mkdirat(const struct syscall_args *a)
{
    return ns_single(NS_MKDIR, (int)a->arg[0], a->arg[1], (unsigned)a->arg[2], NULL);
}
/* mknod: regular files, FIFOs and (unbound) socket names; device nodes are
 * EPERM, as for a process without CAP_MKNOD: only the drivers' own nodes
 * in /dev exist (docs/syscalls.md). */
static int64_t mknod_at(int dirfd, uint64_t upath, unsigned mode)
{
    switch (mode & K_S_IFMT) {
    case 0:
        mode |= K_S_IFREG;
        break;
    case K_S_IFREG:
    case K_S_IFIFO:
    case K_S_IFSOCK:
        break;
    case K_S_IFCHR:
    case K_S_IFBLK:
    case K_S_IFDIR: /* mkdir's job; Linux's answer too */
        return -EPERM;
    default:
        return -EINVAL; /* symlinks, unknown types */
    }
    return ns_single(NS_MKNOD, dirfd, upath, mode, NULL);
}

int64_t sys_mknod(const struct syscall_args *a) { return mknod_at(K_AT_FDCWD, a->arg[0], (unsigned)a->arg[1]); }
int64_t sys_mknodat(const struct syscall_args *a)
{
    return mknod_at((int)a->arg[0], a->arg[1], (unsigned)a->arg[2]);
}
int64_t sys_unlink(const struct syscall_args *a) { return ns_single(NS_UNLINK, K_AT_FDCWD, a->arg[0], 0, NULL); }
int64_t sys_rmdir(const struct syscall_args *a) { return ns_single(NS_RMDIR, K_AT_FDCWD, a->arg[0], 0, NULL); }
int64_t sys_unlinkat(const struct syscall_args *a)
{
    unsigned flags = (unsigned)a->arg[2];
    if (flags & ~(unsigned)K_AT_REMOVEDIR)
        return -EINVAL;
    return ns_single(flags ? NS_RMDIR : NS_UNLINK, (int)a->arg[0], a->arg[1], 0, NULL);
}

static int64_t symlink_at(uint64_t utarget, int dirfd, uint64_t upath)
{
    char *target;
    int r = path_from_user(utarget, false, &target);
    if (r)
        return r;
    int64_t n = ns_single(NS_SYMLINK, dirfd, upath, 0, target);
    path_free(target);
    return n;
}

int64_t sys_symlink(const struct syscall_args *a) { return symlink_at(a->arg[0], K_AT_FDCWD, a->arg[1]); }
int64_t sys_symlinkat(const struct syscall_args *a) { return symlink_at(a->arg[0], (int)a->arg[1], a->arg[2]); }

/* Runs a two-path operation (rename, link). */
static int64_t ns_double(bool link, int ofd, uint64_t uold, int nfd, uint64_t unew, unsigned flags, bool empty_old)
{
    char *op = NULL, *np = NULL;
    struct place os, orr, ns, nr;
    bool have_o = false, have_n = false;
    struct walk wo = {0}, wn = {0};
    int r = path_from_user(uold, false, &op);
    if (!r)
        r = path_from_user(unew, false, &np);
    if (!r && ((!op[0] && !empty_old) || !np[0]))
        r = -ENOENT;
    if (!r)
        have_o = !(r = at_start(ofd, op, &os, &orr));
    if (!r)
        have_n = !(r = at_start(nfd, np, &ns, &nr));
    if (!r) {
        walk_begin_in(&wo, &orr, op);
        walk_begin_in(&wn, &nr, np);
        mutex_lock(&vfs_ns_lock);
        if (link && !op[0]) /* AT_EMPTY_PATH: fd's own file */
            r = vfs_link_inode_locked(os.inode, os.mnt, &wn, &ns, np);
        else if (link && op[0])
            r = vfs_link_locked(&wo, &os, op, flags & K_AT_SYMLINK_FOLLOW, &wn, &ns, np);
        else if (!link)
            r = vfs_rename_locked(&wo, &os, op, &wn, &ns, np, flags);
        mutex_unlock(&vfs_ns_lock);
    }
    walk_end(&wo);
    walk_end(&wn);
    if (have_o)
        at_done(&os, &orr);
    if (have_n)
        at_done(&ns, &nr);
    path_free(op);
    path_free(np);
    return r;
}

int64_t sys_rename(const struct syscall_args *a)
{
    return ns_double(false, K_AT_FDCWD, a->arg[0], K_AT_FDCWD, a->arg[1], 0, false);
}
int64_t sys_renameat(const struct syscall_args *a)
{
    return ns_double(false, (int)a->arg[0], a->arg[1], (int)a->arg[2], a->arg[3], 0, false);
}
int64_t sys_renameat2(const struct syscall_args *a)
{
    return ns_double(false, (int)a->arg[0], a->arg[1], (int)a->arg[2], a->arg[3], (unsigned)a->arg[4], false);
}
int64_t sys_link(const struct syscall_args *a)
{
    return ns_double(true, K_AT_FDCWD, a->arg[0], K_AT_FDCWD, a->arg[1], 0, false);
}
int64_t sys_linkat(const struct syscall_args *a)
{
    unsigned flags = (unsigned)a->arg[4];
    if (flags & ~(unsigned)(K_AT_SYMLINK_FOLLOW | K_AT_EMPTY_PATH))
        return -EINVAL;
    return ns_double(true, (int)a->arg[0], a->arg[1], (int)a->arg[2], a->arg[3], flags, flags & K_AT_EMPTY_PATH);
}

int64_t sys_getcwd(const struct syscall_args *a)
{
    uint64_t ubuf = a->arg[0];
    size_t size = (size_t)a->arg[1];
    struct place root, cwd;
    fs_context_paths(current_fs(), &root, &cwd);
    char *buf = kmalloc(PATH_MAX);
    int64_t r = buf ? 0 : -ENOMEM;
    if (!r) {
        /* A directory the root does not lead to (outside a chroot, in a
         * lazily unmounted tree) gets Linux's "(unreachable)" before its
         * path, so no one takes it for a path from the root. */
        static const char unreachable[] = "(unreachable)";
        size_t pre = sizeof unreachable - 1;
        mutex_lock(&vfs_ns_lock);
        bool reached = vfs_reaches(&root, &cwd);
        r = vfs_path_of(&root, &cwd, buf + (reached ? 0 : pre), PATH_MAX - (reached ? 0 : pre));
        mutex_unlock(&vfs_ns_lock);
        if (r > 0 && !reached) {
            memcpy(buf, unreachable, pre);
            r += (int64_t)pre;
        }
    }
    if (r > 0 && (size_t)r > size)
        r = -ERANGE;
    if (r > 0 && copy_to_user(ubuf, buf, (size_t)r))
        r = -EFAULT;
    kfree(buf);
    place_put(&root);
    place_put(&cwd);
    return r;
}

static int64_t set_cwd(const struct place *p)
{
    if (!K_S_ISDIR(p->inode->mode))
        return -ENOTDIR;
    fs_context_set_cwd(current_fs(), p);
    return 0;
}

int64_t sys_chdir(const struct syscall_args *a)
{
    struct place p;
    int r = at_lookup(K_AT_FDCWD, a->arg[0], true, false, &p);
    if (r)
        return r;
    int64_t n = set_cwd(&p);
    place_put(&p);
    return n;
}

/* chroot: later absolute paths start at the directory, and ".." stops
 * there; the working directory stays where it is (as on Linux, it may lie
 * outside the new root). */
int64_t sys_chroot(const struct syscall_args *a)
{
    struct place p;
    int r = at_lookup(K_AT_FDCWD, a->arg[0], true, false, &p);
    if (r)
        return r;
    if (K_S_ISDIR(p.inode->mode))
        fs_context_set_root(current_fs(), &p);
    else
        r = -ENOTDIR;
    place_put(&p);
    return r;
}

int64_t sys_fchdir(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    struct place p = {f->mnt, f->inode};
    int64_t r = set_cwd(&p);
    file_put(f);
    return r;
}
