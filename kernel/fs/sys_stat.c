/* The stat family, access, readlink, chmod/chown, utimensat. */
#include <fs/path_buf.h>
#include <fs/syscall_util.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <syscall/syscall.h>

/* The inode an *at call names, as its flags ask: -EINVAL for a flag outside
 * allowed; a final symlink is followed unless AT_SYMLINK_NOFOLLOW; an empty
 * path names dirfd itself with AT_EMPTY_PATH. */
static int lookup_at(int dirfd, uint64_t upath, unsigned flags, unsigned allowed, struct place *out)
{
    if (flags & ~allowed)
        return -EINVAL;
    return at_lookup(dirfd, upath, !(flags & K_AT_SYMLINK_NOFOLLOW), flags & K_AT_EMPTY_PATH, out);
}

/* i's attributes, read under vfs_ns_lock so they agree with each other. */
static void stat_of(struct inode *i, struct k_stat *st)
{
    mutex_lock(&vfs_ns_lock);
    inode_fill_stat(i, st);
    mutex_unlock(&vfs_ns_lock);
}

static int64_t stat_to_user(struct inode *i, uint64_t ust)
{
    struct k_stat st;
    stat_of(i, &st);
    return copy_to_user(ust, &st, sizeof st);
}

int64_t sys_fstat(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int64_t r = stat_to_user(f->inode, a->arg[1]);
    file_put(f);
    return r;
}

static int64_t stat_at(int dirfd, uint64_t upath, uint64_t ust, unsigned flags)
{
    struct place ip;
    int r = lookup_at(dirfd, upath, flags, K_AT_SYMLINK_NOFOLLOW | K_AT_EMPTY_PATH | K_AT_NO_AUTOMOUNT, &ip);
    if (r)
        return r;
    struct inode *i = ip.inode;
    int64_t n = stat_to_user(i, ust);
    place_put(&ip);
    return n;
}

int64_t sys_stat(const struct syscall_args *a) { return stat_at(K_AT_FDCWD, a->arg[0], a->arg[1], 0); }
int64_t sys_lstat(const struct syscall_args *a)
{
    return stat_at(K_AT_FDCWD, a->arg[0], a->arg[1], K_AT_SYMLINK_NOFOLLOW);
}
int64_t sys_newfstatat(const struct syscall_args *a)
{
    return stat_at((int)a->arg[0], a->arg[1], a->arg[2], (unsigned)a->arg[3]);
}

int64_t sys_statx(const struct syscall_args *a)
{
    unsigned flags = (unsigned)a->arg[2], mask = (unsigned)a->arg[3];
    if ((flags & K_AT_STATX_SYNC_TYPE) == K_AT_STATX_SYNC_TYPE)
        return -EINVAL;
    if (mask & K_STATX_RESERVED)
        return -EINVAL;
    struct place ip;
    int r = lookup_at((int)a->arg[0], a->arg[1], flags,
                      K_AT_SYMLINK_NOFOLLOW | K_AT_EMPTY_PATH | K_AT_NO_AUTOMOUNT | K_AT_STATX_SYNC_TYPE, &ip);
    if (r)
        return r;
    struct inode *i = ip.inode;
    struct k_stat st;
    stat_of(i, &st);
    place_put(&ip);
    struct k_statx sx;
    memset(&sx, 0, sizeof sx);
    sx.stx_mask = K_STATX_BASIC_STATS; /* everything basic is known, whatever was asked */
    sx.stx_blksize = (uint32_t)st.st_blksize;
    sx.stx_nlink = (uint32_t)st.st_nlink;
    sx.stx_uid = st.st_uid;
    sx.stx_gid = st.st_gid;
    sx.stx_mode = (uint16_t)st.st_mode;
    sx.stx_ino = st.st_ino;
    sx.stx_size = (uint64_t)st.st_size;
    sx.stx_blocks = (uint64_t)st.st_blocks;
    sx.stx_atime = (struct k_statx_timestamp){(int64_t)st.st_atime_sec, (uint32_t)st.st_atime_nsec, 0};
    sx.stx_mtime = (struct k_statx_timestamp){(int64_t)st.st_mtime_sec, (uint32_t)st.st_mtime_nsec, 0};
    sx.stx_ctime = (struct k_statx_timestamp){(int64_t)st.st_ctime_sec, (uint32_t)st.st_ctime_nsec, 0};
    sx.stx_rdev_major = (uint32_t)((st.st_rdev >> 8) & 0xfff);
    sx.stx_rdev_minor = (uint32_t)((st.st_rdev & 0xff) | ((st.st_rdev >> 12) & ~0xffull));
    sx.stx_dev_major = 0;
    sx.stx_dev_minor = (uint32_t)st.st_dev;
    return copy_to_user(a->arg[4], &sx, sizeof sx);
}

/* Root passes every check but execute, which needs an execute bit
 * somewhere (directories are always searchable). */
static int64_t access_at(int dirfd, uint64_t upath, unsigned mode, unsigned flags)
{
    if (mode & ~7u)
        return -EINVAL;
    struct place ip;
    int r = lookup_at(dirfd, upath, flags, K_AT_EACCESS | K_AT_SYMLINK_NOFOLLOW | K_AT_EMPTY_PATH, &ip);
    if (r)
        return r;
    struct inode *i = ip.inode;
    if ((mode & K_X_OK) && !K_S_ISDIR(i->mode) && !(i->mode & 0111))
        r = -EACCES;
    place_put(&ip);
    return r;
}

int64_t sys_access(const struct syscall_args *a) { return access_at(K_AT_FDCWD, a->arg[0], (unsigned)a->arg[1], 0); }
int64_t sys_faccessat(const struct syscall_args *a)
{
    return access_at((int)a->arg[0], a->arg[1], (unsigned)a->arg[2], 0);
}
int64_t sys_faccessat2(const struct syscall_args *a)
{
    return access_at((int)a->arg[0], a->arg[1], (unsigned)a->arg[2], (unsigned)a->arg[3]);
}

static int64_t readlink_at(int dirfd, uint64_t upath, uint64_t ubuf, int64_t size)
{
    if (size <= 0)
        return -EINVAL;
    struct place ip;
    int r = at_lookup(dirfd, upath, false, true, &ip);
    if (r)
        return r;
    struct inode *i = ip.inode;
    int64_t n;
    if (!K_S_ISLNK(i->mode)) {
        n = -EINVAL;
    } else if (i->iops) {
        /* Made on demand (procfs): the text is built now. */
        char *text = path_buf_alloc(false);
        n = text ? i->iops->readlink(i, text, PATH_MAX) : -ENOMEM;
        if (n > 0) {
            n = MIN(n, size);
            if (copy_to_user(ubuf, text, (size_t)n))
                n = -EFAULT;
        }
        path_buf_free(text);
    } else {
        n = (int64_t)MIN((uint64_t)size, i->size);
        if (copy_to_user(ubuf, i->lnk.target, (size_t)n)) /* the target never changes */
            n = -EFAULT;
    }
    place_put(&ip);
    return n;
}

int64_t sys_readlink(const struct syscall_args *a)
{
    return readlink_at(K_AT_FDCWD, a->arg[0], a->arg[1], (int)a->arg[2]);
}
int64_t sys_readlinkat(const struct syscall_args *a)
{
    return readlink_at((int)a->arg[0], a->arg[1], a->arg[2], (int)a->arg[3]);
}

static int64_t chmod_inode(struct inode *i, struct mount *m, unsigned mode)
{
    mutex_lock(&vfs_ns_lock);
    int r = mount_writable(m, i->sb);
    if (r) {
        mutex_unlock(&vfs_ns_lock);
        return r;
    }
    i->mode = (i->mode & K_S_IFMT) | (mode & K_S_PERM);
    inode_touch(i, false, false, true);
    mutex_unlock(&vfs_ns_lock);
    return 0;
}

static int64_t chmod_at(int dirfd, uint64_t upath, unsigned mode, unsigned flags)
{
    struct place ip;
    int r = lookup_at(dirfd, upath, flags, K_AT_SYMLINK_NOFOLLOW | K_AT_EMPTY_PATH, &ip);
    if (r)
        return r;
    struct inode *i = ip.inode;
    /* Linux cannot change a symlink's mode either. */
    r = K_S_ISLNK(i->mode) ? -EOPNOTSUPP : (int)chmod_inode(i, ip.mnt, mode);
    place_put(&ip);
    return r;
}

int64_t sys_chmod(const struct syscall_args *a) { return chmod_at(K_AT_FDCWD, a->arg[0], (unsigned)a->arg[1], 0); }
int64_t sys_fchmodat(const struct syscall_args *a)
{
    /* The raw fchmodat has no flags argument. */
    return chmod_at((int)a->arg[0], a->arg[1], (unsigned)a->arg[2], 0);
}
/* fchmodat with flags (Linux 6.6): a symlink's own mode cannot change, so
 * AT_SYMLINK_NOFOLLOW on one is EOPNOTSUPP (chmod_at). */
int64_t sys_fchmodat2(const struct syscall_args *a)
{
    return chmod_at((int)a->arg[0], a->arg[1], (unsigned)a->arg[2], (unsigned)a->arg[3]);
}
int64_t sys_fchmod(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int64_t r = chmod_inode(f->inode, f->mnt, (unsigned)a->arg[1]);
    file_put(f);
    return r;
}

/* Sets the owner (-1 leaves an id alone).  Every caller is root, which may
 * give a file to anyone; the ids are kept and reported by stat, though no
 * permission check looks at them.  As Linux's chown_common, any chown of a
 * non-directory drops set-user-ID, and set-group-ID when group execute is
 * set (a plain set-group-ID bit marks mandatory locking and stays). */
static int64_t chown_inode(struct inode *i, struct mount *m, uint32_t uid, uint32_t gid)
{
    mutex_lock(&vfs_ns_lock);
    int r = mount_writable(m, i->sb);
    if (r) {
        mutex_unlock(&vfs_ns_lock);
        return r;
    }
    if (uid != 0xffffffffu)
        i->uid = uid;
    if (gid != 0xffffffffu)
        i->gid = gid;
    if (!K_S_ISDIR(i->mode)) {
        i->mode &= ~(uint32_t)K_S_ISUID;
        if (i->mode & K_S_IXGRP)
            i->mode &= ~(uint32_t)K_S_ISGID;
    }
    inode_touch(i, false, false, true);
    mutex_unlock(&vfs_ns_lock);
    return 0;
}

static int64_t chown_at(int dirfd, uint64_t upath, uint32_t uid, uint32_t gid, unsigned flags)
{
    struct place ip;
    int r = lookup_at(dirfd, upath, flags, K_AT_SYMLINK_NOFOLLOW | K_AT_EMPTY_PATH, &ip);
    if (r)
        return r;
    struct inode *i = ip.inode;
    int64_t n = chown_inode(i, ip.mnt, uid, gid);
    place_put(&ip);
    return n;
}

int64_t sys_chown(const struct syscall_args *a)
{
    return chown_at(K_AT_FDCWD, a->arg[0], (uint32_t)a->arg[1], (uint32_t)a->arg[2], 0);
}
int64_t sys_lchown(const struct syscall_args *a)
{
    return chown_at(K_AT_FDCWD, a->arg[0], (uint32_t)a->arg[1], (uint32_t)a->arg[2], K_AT_SYMLINK_NOFOLLOW);
}
int64_t sys_fchownat(const struct syscall_args *a)
{
    return chown_at((int)a->arg[0], a->arg[1], (uint32_t)a->arg[2], (uint32_t)a->arg[3], (unsigned)a->arg[4]);
}
int64_t sys_fchown(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int64_t r = chown_inode(f->inode, f->mnt, (uint32_t)a->arg[1], (uint32_t)a->arg[2]);
    file_put(f);
    return r;
}

/* One utimensat time: *out set unless UTIME_OMIT; false for a bad value. */
static bool utime_value(const struct k_timespec *ts, uint64_t now, bool *set, uint64_t *out)
{
    *set = true;
    if (ts->tv_nsec == K_UTIME_NOW) {
        *out = now;
        return true;
    }
    if (ts->tv_nsec == K_UTIME_OMIT) {
        *set = false;
        return true;
    }
    if (ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)NSEC_PER_SEC || ts->tv_sec < 0 ||
        (uint64_t)ts->tv_sec > UINT64_MAX / NSEC_PER_SEC - 1)
        return false;
    *out = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
    return true;
}

/* New times for a file: each set or left alone (UTIME_OMIT). */
struct file_times {
    bool set_a, set_m;
    uint64_t at, mt, now; /* ns since the epoch; now is the ctime */
};

/* Sets the times of the file dirfd/upath names.  A NULL path names dirfd
 * itself (what futimens uses), without flags; with AT_FDCWD it is a bad
 * path (EFAULT), as Linux's do_utimes. */
static int64_t set_times(int dirfd, uint64_t upath, unsigned flags, const struct file_times *t)
{
    struct place ip;
    int r;
    if (!upath && dirfd != K_AT_FDCWD) {
        if (flags)
            return -EINVAL;
        struct file *f = fget(dirfd);
        if (!f)
            return -EBADF;
        ip = (struct place){f->mnt, f->inode};
        place_get(&ip);
        file_put(f);
    } else {
        r = lookup_at(dirfd, upath, flags, K_AT_SYMLINK_NOFOLLOW | K_AT_EMPTY_PATH, &ip);
        if (r)
            return r;
    }
    struct inode *i = ip.inode;
    mutex_lock(&vfs_ns_lock);
    r = mount_writable(ip.mnt, i->sb);
    if (r) {
        mutex_unlock(&vfs_ns_lock);
        place_put(&ip);
        return r;
    }
    if (t->set_a)
        i->atime_ns = t->at;
    if (t->set_m)
        i->mtime_ns = t->mt;
    if (t->set_a || t->set_m)
        i->ctime_ns = t->now;
    mutex_unlock(&vfs_ns_lock);
    place_put(&ip);
    return 0;
}

int64_t sys_utimensat(const struct syscall_args *a)
{
    int dirfd = (int)a->arg[0];
    uint64_t upath = a->arg[1], utimes = a->arg[2];
    unsigned flags = (unsigned)a->arg[3];
    /* Checked before the times are read (bad flags are EINVAL, not EFAULT),
     * and again, harmlessly, by lookup_at. */
    if (flags & ~(unsigned)(K_AT_SYMLINK_NOFOLLOW | K_AT_EMPTY_PATH))
        return -EINVAL;
    uint64_t now = clock_realtime_ns(), at = now, mt = now;
    bool set_a = true, set_m = true;
    if (utimes) {
        struct k_timespec ts[2];
        if (copy_from_user(ts, utimes, sizeof ts))
            return -EFAULT;
        if (!utime_value(&ts[0], now, &set_a, &at) || !utime_value(&ts[1], now, &set_m, &mt))
            return -EINVAL;
    }
    struct file_times t = {set_a, set_m, at, mt, now};
    return set_times(dirfd, upath, flags, &t);
}

/* futimesat and utimes: microsecond times (struct timeval), no UTIME_*
 * values (tv_usec must be 0..999999), symlinks followed. */
static int64_t timeval_times(int dirfd, uint64_t upath, uint64_t utv)
{
    uint64_t now = clock_realtime_ns();
    struct file_times t = {true, true, now, now, now};
    if (utv) {
        struct k_timeval tv[2];
        if (copy_from_user(tv, utv, sizeof tv))
            return -EFAULT;
        for (int k = 0; k < 2; k++) {
            if (tv[k].tv_usec < 0 || tv[k].tv_usec >= 1000000 || tv[k].tv_sec < 0 ||
                (uint64_t)tv[k].tv_sec > UINT64_MAX / NSEC_PER_SEC - 1)
                return -EINVAL;
            uint64_t ns = (uint64_t)tv[k].tv_sec * NSEC_PER_SEC + (uint64_t)tv[k].tv_usec * 1000;
            *(k ? &t.mt : &t.at) = ns;
        }
    }
    return set_times(dirfd, upath, 0, &t);
}

int64_t sys_futimesat(const struct syscall_args *a) { return timeval_times((int)a->arg[0], a->arg[1], a->arg[2]); }
int64_t sys_utimes(const struct syscall_args *a) { return timeval_times(K_AT_FDCWD, a->arg[0], a->arg[1]); }

/* utime: whole seconds (struct utimbuf: actime, modtime). */
int64_t sys_utime(const struct syscall_args *a)
{
    uint64_t now = clock_realtime_ns();
    struct file_times t = {true, true, now, now, now};
    if (a->arg[1]) {
        int64_t secs[2];
        if (copy_from_user(secs, a->arg[1], sizeof secs))
            return -EFAULT;
        for (int k = 0; k < 2; k++) {
            if (secs[k] < 0 || (uint64_t)secs[k] > UINT64_MAX / NSEC_PER_SEC - 1)
                return -EINVAL;
            *(k ? &t.mt : &t.at) = (uint64_t)secs[k] * NSEC_PER_SEC;
        }
    }
    return set_times(K_AT_FDCWD, a->arg[0], 0, &t);
}

