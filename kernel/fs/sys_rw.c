/* read, write and their vector and positioned forms, lseek, truncation,
 * fsync, getdents64.
 *
 * User buffers are moved through a kernel bounce buffer, a chunk at a
 * time, so no file system lock is ever held across a user copy (see
 * fs/vfs.h).
 *
 * f->pos_lock guards the position of regular files and directories only
 * (Linux's FMODE_ATOMIC_POS): read, write, lseek and getdents hold it, so
 * calls sharing the open file see each other's moves whole.  Its holders
 * never sleep for an event, only for memory and the file's own locks.
 * Devices with a position (/dev/zero, disks) update it without the lock, as
 * Linux does, and pread/pwrite never take it.
 *
 * The readers of a stream that peeks (pipes, the console) take turns with
 * the stream's read_turn instead: a stream is peeked, copied out, and only
 * what reached the user is consumed, so a bad buffer (EFAULT) loses no data
 * and no other reader takes those bytes in between.  A turn's holder may
 * sleep for data, so the turn is waited for interruptibly; writers never
 * take it.
 *
 * Before, every read and write held pos_lock for the whole call: a reader
 * sleeping on the console held up every process writing to the same stdio,
 * and no signal could end their wait. */
#include <fs/devfs.h>
#include <fs/dir.h>
#include <fs/mount.h>
#include <fs/path_buf.h>
#include <fs/syscall_util.h>
#include <fs/uio.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <syscall/syscall.h>

#define BOUNCE_SIZE 4096u
#define BOUNCE_SMALL 256u

static uint8_t *bounce_get(size_t want, uint8_t *small, size_t *size)
{
    if (want <= BOUNCE_SMALL) {
        *size = BOUNCE_SMALL;
        return small;
    }
    *size = BOUNCE_SIZE;
    return kmalloc(BOUNCE_SIZE);
}

static void bounce_put(uint8_t *b, uint8_t *small)
{
    if (b != small)
        kfree(b);
}

/* A read or write of up to 2 GiB goes in bounce-sized pieces; a process
 * being killed stops after the piece in progress (as Linux's fatal signal
 * checks between pages) instead of finishing the whole call first. */
static bool killed(void)
{
    return signal_fatal_pending(sched_current());
}

/* Reads into u at *pos (NULL: the stream has no position).  The caller
 * holds pos_lock or the stream's read_turn where this file needs them. */
static int64_t do_read(struct file *f, struct uio *u, uint64_t *pos)
{
    if (!FILE_READABLE(f))
        return -EBADF;
    if (K_S_ISDIR(f->inode->mode))
        return -EISDIR;
    if (!f->ops->read)
        return -EINVAL;
    uint64_t no_pos = 0;
    if (u->resid == 0) /* a message file judges an empty message itself */
        return f->ops->message_io ? f->ops->read(f, NULL, 0, &no_pos, 0) : 0;
    uint8_t small[BOUNCE_SMALL];
    size_t bsize;
    uint8_t *b = bounce_get(u->resid, small, &bsize);
    if (!b)
        return -ENOMEM;
    unsigned io = f->flags & K_O_NONBLOCK ? IO_NONBLOCK : 0;
    bool peek = f->ops->consume != NULL;
    int64_t done = 0, err = 0;
    while (u->resid && !(done && killed())) {
        size_t chunk = MIN(u->resid, bsize);
        uint64_t p = pos ? *pos : 0;
        int64_t n = f->ops->read(f, b, chunk, &p, io | (peek ? IO_PEEK : 0));
        if (n <= 0) {
            err = n;
            break;
        }
        size_t copied = uio_move(u, b, (size_t)n, true);
        if (peek)
            f->ops->consume(f, copied);
        if (pos)
            *pos += copied;
        done += (int64_t)copied;
        if (copied < (size_t)n) {
            err = -EFAULT;
            break;
        }
        if ((size_t)n < chunk || f->ops->message_io)
            break;
        io |= IO_NONBLOCK | IO_CONT; /* got data: do not wait for more */
    }
    bounce_put(b, small);
    if (done)
        inode_touch(f->inode, true, false, false);
    return done ? done : err;
}

/* Writes from u at *pos (NULL: a stream); pos_lock held for a shared position. */
static int64_t do_write(struct file *f, struct uio *u, uint64_t *pos)
{
    if (!FILE_WRITABLE(f))
        return -EBADF;
    if (!f->ops->write)
        return -EINVAL;
    uint64_t no_pos = 0;
    if (u->resid == 0)
        return f->ops->message_io ? f->ops->write(f, NULL, 0, &no_pos, 0) : 0;
    uint8_t small[BOUNCE_SMALL];
    size_t bsize;
    uint8_t *b = bounce_get(u->resid, small, &bsize);
    if (!b)
        return -ENOMEM;
    unsigned io = (f->flags & K_O_NONBLOCK ? IO_NONBLOCK : 0) | (u->resid <= PIPE_BUF ? IO_ATOMIC : 0);
    int64_t done = 0, err = 0;
    bool fault = false, batch_open = false;
    while (u->resid && !fault && !err && !(done && killed())) {
        size_t want = MIN(u->resid, bsize);
        size_t chunk = uio_move(u, b, want, false);
        fault = chunk < want;
        if (fault && chunk == 0) {
            err = -EFAULT;
            break;
        }
        /* more pieces follow unless this chunk is the last one */
        unsigned more = f->ops->write_batches && u->resid && !fault ? IO_MORE : 0;
        size_t off = 0;
        while (off < chunk) {
            uint64_t p = pos ? *pos : 0;
            int64_t n = f->ops->write(f, b + off, chunk - off, &p, io | more);
            batch_open = n > 0 && more;
            if (n <= 0) {
                err = n ? n : -EIO;
                break;
            }
            if (pos)
                *pos = p;
            off += (size_t)n;
            if (f->ops->message_io)
                break;
        }
        done += (int64_t)off;
        if (f->ops->message_io)
            break;
    }
    if (batch_open) {
        /* the next chunk faulted before reaching the file: end the batch */
        uint64_t p = pos ? *pos : 0;
        f->ops->write(f, b, 0, &p, io);
    }
    bounce_put(b, small);
    return done ? done : err;
}

/* Linux's FMODE_ATOMIC_POS: the files whose position moves under pos_lock. */
static bool pos_is_atomic(const struct file *f)
{
    return K_S_ISREG(f->inode->mode) || K_S_ISDIR(f->inode->mode);
}

/* A read or write of a file with no position: a stream. */
static int64_t rw_stream(struct file *f, struct uio *u, bool write)
{
    if (write ? f->ops->write_uio != NULL : f->ops->read_uio != NULL) {
        unsigned io = f->flags & K_O_NONBLOCK ? IO_NONBLOCK : 0;
        return write ? f->ops->write_uio(f, u, io) : f->ops->read_uio(f, u, io);
    }
    if (write || !f->ops->consume || u->resid == 0)
        return write ? do_write(f, u, NULL) : do_read(f, u, NULL);
    struct mutex *turn = f->ops->read_turn(f); /* see the top of this file */
    /* The turn's holder may sleep for data: a non-blocking reader does not
     * wait behind it (Linux's n_tty_read trylocks too). */
    if (f->flags & K_O_NONBLOCK) {
        if (!mutex_trylock(turn))
            return -EAGAIN;
    } else {
        int r = mutex_lock_interruptible(turn);
        if (r)
            return r;
    }
    int64_t n = do_read(f, u, NULL);
    mutex_unlock(turn);
    return n;
}

/* A read or write at offset, or at the file's position (!positioned). */
static int64_t rw_seekable(struct file *f, struct uio *u, bool write, bool positioned, int64_t offset)
{
    bool lock = !positioned && pos_is_atomic(f);
    if (lock)
        mutex_lock(&f->pos_lock);
    uint64_t p = positioned ? (uint64_t)offset : __atomic_load_n(&f->pos, __ATOMIC_RELAXED);
    int64_t r = write ? do_write(f, u, &p) : do_read(f, u, &p);
    if (!positioned)
        __atomic_store_n(&f->pos, p, __ATOMIC_RELAXED);
    if (lock)
        mutex_unlock(&f->pos_lock);
    return r;
}

static int64_t rw_common(int fd, struct uio *u, bool write, bool positioned, int64_t offset)
{
    struct file *f = fget(fd);
    if (!f)
        return -EBADF;
    int64_t r;
    if (write ? !FILE_WRITABLE(f) : !FILE_READABLE(f))
        r = -EBADF;
    else if (positioned && !f->ops->seekable)
        r = -ESPIPE;
    else if (positioned && offset < 0)
        r = -EINVAL;
    else if (!f->ops->seekable)
        r = rw_stream(f, u, write);
    else
        r = rw_seekable(f, u, write, positioned, offset);
    file_put(f);
    return r;
}

static int64_t rw_single(const struct syscall_args *a, bool write, bool positioned)
{
    struct k_iovec v;
    struct uio u;
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF; /* checked first, as Linux does */
    file_put(f);
    int r = uio_single(&u, &v, a->arg[1], a->arg[2]);
    if (r)
        return r;
    return rw_common((int)a->arg[0], &u, write, positioned, (int64_t)a->arg[3]);
}

static int64_t rw_vector(const struct syscall_args *a, bool write, bool positioned)
{
    struct uio u;
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    file_put(f);
    int r = uio_vector(&u, a->arg[1], a->arg[2]);
    if (r)
        return r;
    int64_t n = rw_common((int)a->arg[0], &u, write, positioned, (int64_t)a->arg[3]);
    kfree(u.iov);
    return n;
}

int64_t sys_read(const struct syscall_args *a) { return rw_single(a, false, false); }
int64_t sys_write(const struct syscall_args *a) { return rw_single(a, true, false); }
int64_t sys_pread64(const struct syscall_args *a) { return rw_single(a, false, true); }
int64_t sys_pwrite64(const struct syscall_args *a) { return rw_single(a, true, true); }
int64_t sys_readv(const struct syscall_args *a) { return rw_vector(a, false, false); }
int64_t sys_writev(const struct syscall_args *a) { return rw_vector(a, true, false); }

int64_t file_write_kernel(struct file *f, const void *buf, size_t n, uint64_t *pos)
{
    struct k_iovec v = {(uint64_t)(uintptr_t)buf, n};
    struct uio u = {&v, 1, 0, 0, n, true};
    if (!FILE_WRITABLE(f))
        return -EBADF;
    if (pos)
        return f->ops->seekable ? do_write(f, &u, pos) : -ESPIPE;
    return f->ops->seekable ? rw_seekable(f, &u, true, false, 0) : rw_stream(f, &u, true);
}

int64_t kernel_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
    if (!file_is_regular(f))
        return -EINVAL;
    return tmpfs_read(f->inode, buf, n, off);
}

int kernel_file_frame(struct file *f, uint64_t off, uint64_t *phys)
{
    if (!file_is_regular(f))
        return -ENOENT;
    return tmpfs_lend_page(f->inode, off, phys);
}

int kernel_file_shared_frame(struct file *f, uint64_t off, uint64_t *phys)
{
    if (!file_is_regular(f))
        return -ENODEV;
    return tmpfs_share_page(f->inode, off, phys);
}

int64_t sys_lseek(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int64_t off = (int64_t)a->arg[1], r;
    unsigned whence = (unsigned)a->arg[2];
    if (!f->ops->seekable) {
        file_put(f);
        return -ESPIPE;
    }
    bool lock = pos_is_atomic(f);
    if (lock)
        mutex_lock(&f->pos_lock);
    int64_t base;
    switch (whence) {
    case K_SEEK_SET: base = 0; break;
    case K_SEEK_CUR: base = (int64_t)__atomic_load_n(&f->pos, __ATOMIC_RELAXED); break;
    case K_SEEK_END: base = K_S_ISREG(f->inode->mode) || K_S_ISBLK(f->inode->mode) ? (int64_t)f->inode->size : 0; break;
    default: base = -1; break;
    }
    if (base < 0 || __builtin_add_overflow(base, off, &r) || r < 0) {
        r = -EINVAL;
    } else {
        __atomic_store_n(&f->pos, (uint64_t)r, __ATOMIC_RELAXED);
    }
    if (lock)
        mutex_unlock(&f->pos_lock);
    file_put(f);
    return r;
}

static int64_t truncate_file(struct file *f, int64_t len)
{
    if (len < 0)
        return -EINVAL;
    if (K_S_ISDIR(f->inode->mode))
        return -EISDIR;
    if (!f->ops->truncate || !FILE_WRITABLE(f))
        return -EINVAL;
    return f->ops->truncate(f, (uint64_t)len);
}

int64_t sys_ftruncate(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int64_t r = truncate_file(f, (int64_t)a->arg[1]);
    file_put(f);
    return r;
}

int64_t sys_truncate(const struct syscall_args *a)
{
    if ((int64_t)a->arg[1] < 0)
        return -EINVAL;
    struct place ip;
    int r = at_lookup(K_AT_FDCWD, a->arg[0], true, false, &ip);
    if (r)
        return r;
    struct inode *i = ip.inode;
    if (K_S_ISDIR(i->mode))
        r = -EISDIR;
    else if (!K_S_ISREG(i->mode))
        r = -EINVAL;
    else if (i->iops)
        r = 0; /* a generated file (procfs) has no length to set; Linux accepts it */
    else if (!(r = mount_writable(ip.mnt, i->sb)) && !(r = inode_get_write_access(i))) {
        r = tmpfs_truncate(i, a->arg[1]);
        inode_put_write_access(i);
    }
    place_put(&ip);
    return r;
}

/* As Linux: files of a file system (all in memory here) have nothing to
 * flush and succeed; a disk flushes its write cache; files with no flush
 * at all (pipes, character devices, the console) are EINVAL; an O_PATH
 * descriptor is EBADF. */
static int64_t sync_fd(int fd)
{
    struct file *f = fget(fd);
    if (!f)
        return -EBADF;
    uint32_t mode = f->inode->mode;
    int r;
    if (f->flags & K_O_PATH)
        r = -EBADF;
    else if (f->ops->fsync)
        r = f->ops->fsync(f);
    else
        r = K_S_ISREG(mode) || K_S_ISDIR(mode) ? 0 : -EINVAL;
    file_put(f);
    return r;
}

int64_t sys_fsync(const struct syscall_args *a) { return sync_fd((int)a->arg[0]); }
int64_t sys_fdatasync(const struct syscall_args *a) { return sync_fd((int)a->arg[0]); }

int64_t sys_sync(const struct syscall_args *a)
{
    (void)a;
    devfs_flush_all(); /* Linux's sync reports nothing, even a failed flush */
    return 0;
}

/* The file system holding fd's file is in memory: nothing to write back.
 * (Linux's syncfs on a disk's node syncs devfs too, not the disk.) */
int64_t sys_syncfs(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int r = f->flags & K_O_PATH ? -EBADF : 0;
    file_put(f);
    return r;
}

/* Appends one record to b (at *used of cap); false when it does not fit. */
static bool dirent_put(uint8_t *b, size_t cap, size_t *used, uint64_t ino, uint64_t next, uint8_t type,
                       const char *name, size_t len)
{
    size_t reclen = ALIGN_UP(offsetof(struct k_dirent64, d_name) + len + 1, 8);
    if (*used + reclen > cap)
        return false;
    struct k_dirent64 *d = (struct k_dirent64 *)(b + *used);
    memset(d, 0, reclen);
    d->d_ino = ino;
    d->d_off = (int64_t)next;
    d->d_reclen = (uint16_t)reclen;
    d->d_type = type;
    memcpy(d->d_name, name, len);
    *used += reclen;
    return true;
}

/* A listing in progress, for a file system's readdir (inode_ops). */
struct dirent_buf {
    uint8_t *b;
    size_t cap, used;
};

static bool dirent_emit(void *ctx, uint64_t ino, uint64_t next, uint8_t type, const char *name, size_t len)
{
    struct dirent_buf *db = ctx;
    return dirent_put(db->b, db->cap, &db->used, ino, next, type, name, len);
}

int64_t sys_getdents64(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    uint64_t ubuf = a->arg[1];
    size_t count = (size_t)MIN((uint64_t)(uint32_t)a->arg[2], (uint64_t)BOUNCE_SIZE * 16);
    int64_t r = 0;
    uint8_t *b = NULL;
    if (!K_S_ISDIR(f->inode->mode) || (f->flags & K_O_PATH)) {
        r = f->flags & K_O_PATH ? -EBADF : -ENOTDIR;
        goto out;
    }
    if (!user_range_ok(ubuf, count)) {
        r = -EFAULT;
        goto out;
    }
    b = kmalloc(count ? count : 1);
    if (!b && count) {
        /* Out of memory: list a path buffer's worth per call, so whoever
         * filled a directory can still find its names to remove them. */
        b = (uint8_t *)path_buf_alloc(true);
        count = MIN(count, (size_t)PATH_MAX);
    }
    if (!b) {
        r = -ENOMEM;
        goto out;
    }
    mutex_lock(&f->pos_lock);
    mutex_lock(&vfs_ns_lock);
    struct inode *dir = f->inode;
    size_t used = 0;
    uint64_t pos = f->pos;
    bool full = false;
    if (pos == 0) {
        full = !dirent_put(b, count, &used, dir->ino, 1, K_DT_DIR, ".", 1);
        if (!full)
            pos = 1;
    }
    if (!full && pos == 1) {
        /* ".." as the directory was reached (out of a bind mount to where
         * it is shown). */
        struct walk w = {.root = current_fs()->root};
        struct place here = {f->mnt, dir}, parent;
        if (walk_step(&w, &here, "..", 2, &parent))
            parent = here;
        full = !dirent_put(b, count, &used, parent.inode->ino, DIR_FIRST_SEQ, K_DT_DIR, "..", 2);
        if (!full)
            pos = DIR_FIRST_SEQ;
    }
    if (!full && dir->iops) {
        struct dirent_buf db = {b, count, used};
        full = !dir->iops->readdir(dir, &pos, dirent_emit, &db);
        used = db.used;
    }
    while (!full && !dir->iops) {
        struct dentry *d = dir_next(dir, pos);
        if (!d)
            break;
        full = !dirent_put(b, count, &used, d->inode->ino, dentry_seq(d) + 1, inode_dtype(d->inode), d->name, d->len);
        if (!full)
            pos = dentry_seq(d) + 1;
    }
    mutex_unlock(&vfs_ns_lock);
    if (full && used == 0) {
        r = -EINVAL; /* the buffer cannot hold even one entry */
    } else if (used && copy_to_user(ubuf, b, used)) {
        r = -EFAULT;
    } else {
        f->pos = pos;
        r = (int64_t)used;
    }
    mutex_unlock(&f->pos_lock);
out:
    path_buf_free((char *)b);
    file_put(f);
    return r;
}
