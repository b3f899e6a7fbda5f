/* Pipes: a ring (64 KiB until F_SETPIPE_SZ) shared by a read end and a write end.
 *
 * pipe->lock (irqsave spinlock) protects the ring, the reader/writer counts
 * and is the condition lock of both wait queues.  Writes of at most
 * PIPE_BUF bytes go in whole or wait (IO_ATOMIC); larger ones go in pieces.
 * A write with no reader left fails with EPIPE and raises SIGPIPE at the
 * writer.  A read with no writer left and nothing buffered is EOF.  A
 * named pipe (fs/fifo.c) is the same object reached through an inode; its
 * O_RDWR ends count as a reader and a writer both. */
#include <fs/kernel_api.h>
#include <fs/mount.h>
#include <fs/pipe.h>
#include <fs/pipe_ring.h>
#include <fs/syscall_util.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <mm/physmap.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>

#include "pipe_internal.h"

#define PIPE_CAPACITY (64u * 1024u)
#define PIPE_SIZE_MAX (1ull << 31) /* Linux's round_pipe_size refuses more */

static struct super_block *pipefs; /* the anonymous inodes of pipes */

static struct pipe *pipe_of(struct file *f)
{
    return f->priv;
}

static int64_t pipe_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)pos;
    struct pipe *p = pipe_of(f);
    struct wake_q q = WAKE_Q_INIT; /* writers, woken after p->lock is dropped */
    uint64_t flags = spin_lock_irqsave(&p->lock);
    int64_t r;
    for (;;) {
        if (p->ring.len) {
            if (io & IO_PEEK) {
                struct pipe_ring copy = p->ring;
                r = (int64_t)ring_read(&copy, buf, n);
            } else {
                r = (int64_t)ring_read(&p->ring, buf, n);
                p->poll_events++;
                waitq_claim(&p->writable, INT32_MAX, &q);
            }
            break;
        }
        if (!p->writers) {
            r = 0;
            break;
        }
        if (io & IO_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        r = waitq_wait_locked_interruptible(&p->readable, &p->lock, 0);
        if (r)
            break;
    }
    spin_unlock_irqrestore(&p->lock, flags);
    wake_q_run(&q);
    if (r > 0 && !(io & IO_PEEK))
        poll_head_notify(&p->poll_head, K_POLLOUT | K_POLLWRNORM); /* room for writers */
    return r;
}

static uint64_t pipe_poll_events(struct file *f)
{
    return __atomic_load_n(&pipe_of(f)->poll_events, __ATOMIC_RELAXED);
}

static struct poll_head *pipe_poll_head(struct file *f)
{
    return &pipe_of(f)->poll_head;
}

static struct mutex *pipe_read_turn(struct file *f)
{
    return &pipe_of(f)->read_turn;
}

static void pipe_consume(struct file *f, size_t n)
{
    struct pipe *p = pipe_of(f);
    struct wake_q q = WAKE_Q_INIT; /* writers, woken after p->lock is dropped */
    uint64_t flags = spin_lock_irqsave(&p->lock);
    ring_drop(&p->ring, n);
    p->poll_events++;
    waitq_claim(&p->writable, INT32_MAX, &q);
    spin_unlock_irqrestore(&p->lock, flags);
    wake_q_run(&q);
    poll_head_notify(&p->poll_head, K_POLLOUT | K_POLLWRNORM);
}

static int64_t pipe_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)pos;
    struct pipe *p = pipe_of(f);
    size_t need = io & IO_ATOMIC ? n : 1;
    struct wake_q q = WAKE_Q_INIT; /* readers, woken after p->lock is dropped */
    uint64_t flags = spin_lock_irqsave(&p->lock);
    int64_t r;
    for (;;) {
        if (!p->readers) {
            r = -EPIPE;
            break;
        }
        if (ring_space(&p->ring) >= need) {
            r = (int64_t)ring_write(&p->ring, buf, n);
            p->poll_events++;
            waitq_claim(&p->readable, INT32_MAX, &q);
            break;
        }
        if (io & IO_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        r = waitq_wait_locked_interruptible(&p->writable, &p->lock, 0);
        if (r)
            break;
    }
    spin_unlock_irqrestore(&p->lock, flags);
    wake_q_run(&q);
    if (r > 0)
        poll_head_notify(&p->poll_head, K_POLLIN | K_POLLRDNORM);
    if (r == -EPIPE)
        signal_send_current(SIGPIPE);
    return r;
}

static unsigned pipe_poll(struct file *f, bool arm)
{
    (void)arm; /* nothing to arm: writers wake pollers */
    struct pipe *p = pipe_of(f);
    unsigned m = 0;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    if (pipe_end_reads(f)) {
        if (p->ring.len)
            m |= K_POLLIN | K_POLLRDNORM;
        if (!p->writers)
            m |= K_POLLHUP;
    }
    if (pipe_end_writes(f)) {
        if (ring_space(&p->ring) >= PIPE_BUF)
            m |= K_POLLOUT | K_POLLWRNORM;
        if (!p->readers)
            m |= K_POLLERR;
    }
    spin_unlock_irqrestore(&p->lock, flags);
    return m;
}

static int pipe_ioctl(struct file *f, unsigned cmd, uint64_t uarg)
{
    if (cmd != K_FIONREAD)
        return -ENOTTY;
    struct pipe *p = pipe_of(f);
    uint64_t flags = spin_lock_irqsave(&p->lock);
    int n = (int)p->ring.len;
    spin_unlock_irqrestore(&p->lock, flags);
    return copy_to_user(uarg, &n, sizeof n);
}

/* Linux's capacity for a request: at least a page, rounded up to a power
 * of two; 0 for one that is too large. */
static uint64_t pipe_round_size(uint64_t want)
{
    if (want > PIPE_SIZE_MAX)
        return 0;
    uint64_t size = PAGE_SIZE;
    while (size < want)
        size <<= 1;
    return size;
}

/* Moves the ring into a buffer of size bytes. */
static int64_t pipe_resize(struct pipe *p, uint64_t size)
{
    uint8_t *buf = kmalloc(size);
    if (!buf)
        return -ENOMEM;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    if (p->ring.len > size) {
        spin_unlock_irqrestore(&p->lock, flags);
        kfree(buf);
        return -EBUSY; /* Linux never drops buffered bytes either */
    }
    uint8_t *old = p->ring.buf;
    size_t len = ring_read(&p->ring, buf, p->ring.len);
    p->ring = (struct pipe_ring){buf, size, 0, len};
    struct wake_q q = WAKE_Q_INIT;
    waitq_claim(&p->writable, INT32_MAX, &q); /* there may be room now */
    spin_unlock_irqrestore(&p->lock, flags);
    wake_q_run(&q);
    kfree(old);
    poll_head_notify(&p->poll_head, K_POLLOUT | K_POLLWRNORM);
    return (int64_t)size;
}

int64_t pipe_fcntl(struct file *f, unsigned cmd, uint64_t arg)
{
    if (f->ops != &pipe_ops && f->ops != &fifo_ops)
        return -EBADF;
    struct pipe *p = pipe_of(f);
    if (cmd == K_F_SETPIPE_SZ) {
        uint64_t size = pipe_round_size((uint32_t)arg);
        return size ? pipe_resize(p, size) : -EINVAL;
    }
    uint64_t flags = spin_lock_irqsave(&p->lock);
    int64_t cap = (int64_t)p->ring.cap;
    spin_unlock_irqrestore(&p->lock, flags);
    return cap;
}

bool pipe_drop_end(struct file *f)
{
    struct pipe *p = pipe_of(f);
    /* Both ends' sleepers, woken after p->lock is dropped; at once when the
     * caller holds a lock of its own (fifo_release: fifo_lock), as a wake
     * queue is run with no spinlock held. */
    struct wake_q q = WAKE_Q_INIT, *qp = wake_q_if_deferrable(&q);
    uint64_t flags = spin_lock_irqsave(&p->lock);
    if (pipe_end_reads(f))
        p->readers--;
    if (pipe_end_writes(f))
        p->writers--;
    p->poll_events++;
    waitq_wake_all_q(&p->readable, qp);
    waitq_wake_all_q(&p->writable, qp);
    /* Our end no longer holds the pipe up, yet we still notify its head
     * (with p->lock dropped, as notifiers do: fs/poll_head.h): the other
     * end's closer, seeing no reader and no writer left, would free the
     * pipe under our notify, which then spins on a freed head's lock with
     * interrupts off (the debug kernel's poison keeps it "locked": the
     * stress boot went silent so).  So we count ourselves as closing, and
     * the last end is whoever finds no end and no closer left. */
    p->closing++;
    spin_unlock_irqrestore(&p->lock, flags);
    if (qp)
        wake_q_run(qp);
    poll_head_notify(&p->poll_head, 0); /* hang-up or error at the other end */
    flags = spin_lock_irqsave(&p->lock);
    bool last = !--p->closing && !p->readers && !p->writers;
    spin_unlock_irqrestore(&p->lock, flags);
    return last;
}

struct pipe *pipe_alloc(void)
{
    struct pipe *p = kzalloc(sizeof *p);
    uint8_t *buf = kmalloc(PIPE_CAPACITY);
    if (!p || !buf) {
        kfree(p);
        kfree(buf);
        return NULL;
    }
    p->lock = (spinlock_t)SPINLOCK_INIT;
    p->ring = (struct pipe_ring){buf, PIPE_CAPACITY, 0, 0};
    waitq_init(&p->readable);
    waitq_init(&p->writable);
    mutex_init(&p->read_turn);
    poll_head_init(&p->poll_head);
    return p;
}

void pipe_free(struct pipe *p)
{
    kfree(p->ring.buf);
    kfree(p);
}

static void pipe_release(struct file *f)
{
    if (pipe_drop_end(f))
        pipe_free(pipe_of(f));
}

#define PIPE_FILE_OPS \
    .read = pipe_read, \
    .write = pipe_write, \
    .consume = pipe_consume, \
    .read_turn = pipe_read_turn, \
    .seekable = false, \
    .ioctl = pipe_ioctl, \
    .poll = pipe_poll, \
    .poll_events = pipe_poll_events, \
    .poll_head = pipe_poll_head

const struct file_ops pipe_ops = {
    PIPE_FILE_OPS,
    .release = pipe_release,
};

const struct file_ops fifo_ops = {
    PIPE_FILE_OPS,
    .open = fifo_open,
    .open_wait = fifo_open_wait,
    .release = fifo_release,
};

/* Makes the two ends; the caller installs them. */
static int pipe_create(uint32_t flags, struct file **rd, struct file **wr)
{
    if (!pipefs) {
        struct super_block *sb = super_create("pipefs", K_PIPEFS_MAGIC, DEV_MINOR_PIPEFS, 0, 0);
        if (!sb)
            return -ENOMEM;
        if (__atomic_exchange_n(&pipefs, sb, __ATOMIC_ACQ_REL))
            kfree(sb); /* another thread made it first; theirs is in use */
    }
    struct pipe *p = pipe_alloc();
    struct inode *i = NULL;
    if (!p || inode_alloc(pipefs, K_S_IFIFO | 0600, &i)) {
        if (p)
            pipe_free(p);
        if (i)
            inode_put(i);
        return -ENOMEM;
    }
    p->readers = p->writers = 1;
    *rd = file_alloc(i, &pipe_ops, K_O_RDONLY | (flags & K_O_NONBLOCK));
    if (!*rd) {
        inode_put(i);
        pipe_free(p);
        return -ENOMEM;
    }
    (*rd)->priv = p;
    *wr = file_alloc(i, &pipe_ops, K_O_WRONLY | (flags & K_O_NONBLOCK));
    inode_put(i); /* the files hold it */
    if (!*wr) {
        p->writers = 0;
        file_put(*rd); /* the last end: frees the pipe */
        return -ENOMEM;
    }
    (*wr)->priv = p;
    return 0;
}

static int64_t do_pipe2(uint64_t ufds, uint32_t flags)
{
    if (flags & ~(uint32_t)(K_O_CLOEXEC | K_O_NONBLOCK | K_O_DIRECT))
        return -EINVAL;
    struct fd_table *t = current_files();
    if (!t)
        return -EBADF;
    if (!user_range_ok(ufds, 2 * sizeof(int)))
        return -EFAULT;
    struct file *rd, *wr;
    int r = pipe_create(flags, &rd, &wr);
    if (r)
        return r;
    int fds[2] = {-1, -1};
    fds[0] = fd_install(t, rd, flags & K_O_CLOEXEC);
    if (fds[0] >= 0)
        fds[1] = fd_install(t, wr, flags & K_O_CLOEXEC);
    r = fds[0] < 0 ? fds[0] : fds[1] < 0 ? fds[1] : 0;
    if (!r)
        r = copy_to_user(ufds, fds, sizeof fds);
    if (r) {
        /* Undo: the descriptors were never seen by the program. */
        for (int k = 0; k < 2; k++) {
            struct file *f = fds[k] >= 0 ? fd_remove(t, fds[k]) : NULL;
            if (f)
                file_put(f);
        }
    }
    file_put(rd);
    file_put(wr);
    return r;
}

int64_t sys_pipe(const struct syscall_args *a)
{
    return do_pipe2(a->arg[0], 0);
}

int64_t sys_pipe2(const struct syscall_args *a)
{
    return do_pipe2(a->arg[0], (uint32_t)a->arg[1]);
}
