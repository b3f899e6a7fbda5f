/* Copies inside the kernel: sendfile, copy_file_range, splice, tee,
 * vmsplice.
 *
 * Every one is a loop of bounded pieces through a kernel buffer: the input
 * is read without being used up (a seekable file at a local position, a
 * pipe peeked under its read turn), the piece is written to the output as
 * write(2) would, and only the bytes the output took are consumed from the
 * input.  So a short or failed write loses nothing, and a pipe's other
 * readers never see a piece half taken.  There are no page references
 * shared between files (Linux moves pages into pipes; here bytes are
 * copied), which only costs speed. */
#include <fs/pipe.h>
#include <fs/syscall_util.h>
#include <fs/uio.h>
#include <fs/vfs.h>
#include <kernel/errno.h>
#include <kernel/mutex.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <syscall/syscall.h>

#define SPLICE_PIECE 4096u
#define SPLICE_F_NONBLOCK 2u
#define SPLICE_F_ALL 15u /* MOVE, NONBLOCK, MORE, GIFT: the others are only hints */

static bool is_pipe(const struct file *f)
{
    return K_S_ISFIFO(f->inode->mode);
}

/* Moves up to count bytes from in to out.  in_pos: in's offset (a seekable
 * input, advanced by what was moved), or NULL for a pipe, peeked and
 * consumed.  out_pos: out's offset, or NULL for out's own position or
 * stream.  keep: tee (the input is peeked only, one piece of up to
 * piece_max bytes).  Bytes moved, or -errno if none were. */
static int64_t transfer(struct file *in, uint64_t *in_pos, struct file *out, uint64_t *out_pos, size_t count,
                        unsigned in_io, bool keep, size_t piece_max)
{
    if (!in->ops->read || (!in_pos && !in->ops->consume))
        return -EINVAL;
    uint8_t *b = kmalloc(piece_max);
    if (!b)
        return -ENOMEM;
    struct mutex *turn = in_pos ? NULL : in->ops->read_turn(in);
    if (turn) {
        int r = (in_io & IO_NONBLOCK) ? (mutex_trylock(turn) ? 0 : -EAGAIN) : mutex_lock_interruptible(turn);
        if (r) {
            kfree(b);
            return r;
        }
    }
    int64_t done = 0, err = 0;
    while ((size_t)done < count && !(done && signal_fatal_pending(sched_current()))) {
        size_t want = MIN(count - (size_t)done, piece_max);
        uint64_t p = in_pos ? *in_pos : 0;
        /* After the first piece, take only what is there already. */
        unsigned io = in_io | (turn ? IO_PEEK : 0) | (done ? IO_NONBLOCK | IO_CONT : 0);
        int64_t n = in->ops->read(in, b, want, &p, io);
        if (n <= 0) {
            err = n;
            break;
        }
        int64_t w = file_write_kernel(out, b, (size_t)n, out_pos);
        if (w <= 0) {
            err = w;
            break;
        }
        if (turn && !keep)
            in->ops->consume(in, (size_t)w);
        if (in_pos)
            *in_pos += (uint64_t)w;
        done += w;
        if (w < n || (size_t)n < want || keep)
            break;
    }
    if (turn)
        mutex_unlock(turn);
    kfree(b);
    return done ? done : err;
}

/* Reads the loff_t at uoff into *pos: 0, -EFAULT, or negative_err for a
 * negative one (EINVAL, but EOVERFLOW from copy_file_range's range check). */
static int offset_from_user(uint64_t uoff, uint64_t *pos, int negative_err)
{
    int64_t off;
    if (copy_from_user(&off, uoff, sizeof off))
        return -EFAULT;
    if (off < 0)
        return negative_err;
    *pos = (uint64_t)off;
    return 0;
}

/* transfer() from a seekable in at *uoff (user memory, updated) or, with
 * uoff 0, at in's own position (moved under its pos_lock, like read). */
static int64_t transfer_from_seekable(struct file *in, uint64_t uoff, struct file *out, uint64_t *out_pos,
                                      size_t count)
{
    uint64_t pos;
    int64_t r;
    if (uoff) {
        if ((r = offset_from_user(uoff, &pos, -EINVAL)))
            return r;
        r = transfer(in, &pos, out, out_pos, count, 0, false, SPLICE_PIECE);
        int64_t off = (int64_t)pos;
        if (r > 0 && copy_to_user(uoff, &off, sizeof off))
            return -EFAULT;
        return r;
    }
    mutex_lock(&in->pos_lock);
    pos = __atomic_load_n(&in->pos, __ATOMIC_RELAXED);
    r = transfer(in, &pos, out, out_pos, count, 0, false, SPLICE_PIECE);
    __atomic_store_n(&in->pos, pos, __ATOMIC_RELAXED);
    mutex_unlock(&in->pos_lock);
    return r;
}

/* The two files of a call, or -EBADF: in open for reading, out for writing. */
static int get_pair(int in_fd, int out_fd, struct file **in, struct file **out)
{
    *in = fget(in_fd);
    *out = fget(out_fd);
    if (*in && *out && FILE_READABLE(*in) && FILE_WRITABLE(*out))
        return 0;
    if (*in)
        file_put(*in);
    if (*out)
        file_put(*out);
    return -EBADF;
}

int64_t sys_sendfile(const struct syscall_args *a)
{
    struct file *in, *out;
    int64_t r = get_pair((int)a->arg[1], (int)a->arg[0], &in, &out);
    if (r)
        return r;
    size_t count = (size_t)MIN(a->arg[3], MAX_RW_COUNT);
    if (!in->ops->seekable || K_S_ISDIR(in->inode->mode) || (out->flags & K_O_APPEND))
        r = -EINVAL;
    else if (count)
        r = transfer_from_seekable(in, a->arg[2], out, NULL, count);
    file_put(in);
    file_put(out);
    return r;
}

int64_t sys_copy_file_range(const struct syscall_args *a)
{
    if (a->arg[5] != 0)
        return -EINVAL; /* no flags are defined */
    struct file *in, *out;
    int64_t r = get_pair((int)a->arg[0], (int)a->arg[2], &in, &out);
    if (r)
        return r;
    size_t count = (size_t)MIN(a->arg[4], MAX_RW_COUNT);
    uint64_t out_pos = 0, in_pos = 0;
    if (K_S_ISDIR(in->inode->mode) || K_S_ISDIR(out->inode->mode))
        r = -EISDIR;
    else if (!K_S_ISREG(in->inode->mode) || !K_S_ISREG(out->inode->mode))
        r = -EINVAL;
    else if (out->flags & K_O_APPEND)
        r = -EBADF;
    else if (a->arg[3] && (r = offset_from_user(a->arg[3], &out_pos, -EOVERFLOW)))
        ;
    else if (a->arg[1])
        r = offset_from_user(a->arg[1], &in_pos, -EOVERFLOW);
    if (r == 0 && in->inode == out->inode) {
        /* One file: the ranges may not overlap (Linux's EINVAL). */
        uint64_t from = a->arg[1] ? in_pos : __atomic_load_n(&in->pos, __ATOMIC_RELAXED);
        uint64_t to = a->arg[3] ? out_pos : __atomic_load_n(&out->pos, __ATOMIC_RELAXED);
        if (from < to + count && to < from + count)
            r = -EINVAL;
    }
    if (r == 0 && count) {
        if (a->arg[3]) {
            r = transfer_from_seekable(in, a->arg[1], out, &out_pos, count);
            int64_t off = (int64_t)out_pos;
            if (r > 0 && copy_to_user(a->arg[3], &off, sizeof off))
                r = -EFAULT;
        } else {
            r = transfer_from_seekable(in, a->arg[1], out, NULL, count);
        }
    }
    file_put(in);
    file_put(out);
    return r;
}

int64_t sys_splice(const struct syscall_args *a)
{
    uint64_t uoff_in = a->arg[1], uoff_out = a->arg[3];
    unsigned flags = (unsigned)a->arg[5];
    if (flags & ~SPLICE_F_ALL)
        return -EINVAL;
    struct file *in, *out;
    int64_t r = get_pair((int)a->arg[0], (int)a->arg[2], &in, &out);
    if (r)
        return r;
    size_t count = (size_t)MIN(a->arg[4], MAX_RW_COUNT);
    unsigned io = (flags & SPLICE_F_NONBLOCK) || (in->flags & K_O_NONBLOCK) ? IO_NONBLOCK : 0;
    uint64_t out_pos = 0;
    if (!is_pipe(in) && !is_pipe(out))
        r = -EINVAL; /* one end must be a pipe */
    else if ((is_pipe(in) && uoff_in) || (is_pipe(out) && uoff_out))
        r = -ESPIPE;
    else if (in->inode == out->inode)
        r = -EINVAL;
    else if (!is_pipe(out) && (out->flags & K_O_APPEND))
        r = -EINVAL;
    else if (uoff_out && (r = offset_from_user(uoff_out, &out_pos, -EINVAL)))
        ;
    else if (!is_pipe(in) && !in->ops->seekable)
        r = -EINVAL;
    if (r == 0 && count) {
        uint64_t *outp = uoff_out ? &out_pos : NULL;
        if (is_pipe(in))
            r = transfer(in, NULL, out, outp, count, io, false, SPLICE_PIECE);
        else
            r = transfer_from_seekable(in, uoff_in, out, outp, count);
        int64_t off = (int64_t)out_pos;
        if (r > 0 && uoff_out && copy_to_user(uoff_out, &off, sizeof off))
            r = -EFAULT;
    }
    file_put(in);
    file_put(out);
    return r;
}

int64_t sys_tee(const struct syscall_args *a)
{
    unsigned flags = (unsigned)a->arg[3];
    if (flags & ~SPLICE_F_ALL)
        return -EINVAL;
    struct file *in, *out;
    int64_t r = get_pair((int)a->arg[0], (int)a->arg[1], &in, &out);
    if (r)
        return r;
    size_t count = (size_t)MIN(a->arg[2], MAX_RW_COUNT);
    unsigned io = (flags & SPLICE_F_NONBLOCK) || (in->flags & K_O_NONBLOCK) ? IO_NONBLOCK : 0;
    if (!is_pipe(in) || !is_pipe(out) || in->inode == out->inode)
        r = -EINVAL;
    else if (count) /* one peek: at most what the input pipe holds */
        r = transfer(in, NULL, out, NULL, count, io, true, (size_t)MIN((int64_t)count, pipe_fcntl(in, K_F_GETPIPE_SZ, 0)));
    file_put(in);
    file_put(out);
    return r;
}

/* vmsplice: user memory into a pipe's write end (writev), or out of its
 * read end (readv, which Linux also does by copying). */
int64_t sys_vmsplice(const struct syscall_args *a)
{
    if ((unsigned)a->arg[3] & ~SPLICE_F_ALL)
        return -EINVAL;
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    bool pipe = is_pipe(f), writes = FILE_WRITABLE(f), reads = FILE_READABLE(f);
    file_put(f);
    if (!pipe || writes == reads)
        return -EBADF;
    struct syscall_args v = {{a->arg[0], a->arg[1], a->arg[2], 0, 0, 0}, a->frame};
    return writes ? sys_writev(&v) : sys_readv(&v);
}
