/* Named pipes (FIFOs): a pipe (fs/pipe.c) reached through an inode that
 * mknod made.
 *
 * The pipe exists while some end is open: the first open makes it and
 * hangs it on the inode, the last close takes it off and frees it (with
 * whatever was left unread, as Linux).  An open for reading waits until a
 * writer opens and one for writing until a reader does, unless it is
 * O_NONBLOCK: then a reader goes on at once and a writer with no reader
 * gets ENXIO.  O_RDWR is both ends and never waits.
 *
 * The open itself (file_ops.open) runs under vfs_ns_lock, so it only
 * counts the end; the wait is file_ops.open_wait, after open(2) has let go
 * of the namespace.  It waits for a peer already there or a peer open
 * counted after this end was: fifo_open notes the peer's open count then
 * (in the file's pos, which a FIFO does not use otherwise), so a writer that
 * opens, writes and closes between the two steps still ends a reader's
 * wait, as on Linux, where the count is taken inside the open.
 *
 * fifo_lock protects every FIFO inode's fifo.pipe: a pipe is hung on or
 * taken off its inode, and its ends counted, under it (then pipe->lock). */
#include <fs/kernel_api.h>
#include <fs/pipe.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <sched/wake_q.h>

#include "pipe_internal.h"

static spinlock_t fifo_lock = SPINLOCK_INIT;

/* Counts f's end on p and claims the opens waiting for it into q (the
 * caller wakes them once it holds no lock: their first act is to take
 * p->lock): 0, or -ENXIO for a non-blocking writer with no reader.
 * fifo_lock held. */
static int count_end_locked(struct pipe *p, struct file *f, struct wake_q *q)
{
    uint64_t flags = spin_lock_irqsave(&p->lock);
    int r = 0;
    if (!pipe_end_reads(f) && (f->flags & K_O_NONBLOCK) && !p->readers) {
        r = -ENXIO;
    } else {
        /* the peer opens open_wait waits for are those counted from now */
        f->pos = pipe_end_reads(f) ? p->writer_opens : p->reader_opens;
        if (pipe_end_reads(f)) {
            p->readers++;
            p->reader_opens++;
            waitq_wake_all_q(&p->writable, q);
        }
        if (pipe_end_writes(f)) {
            p->writers++;
            p->writer_opens++;
            waitq_wake_all_q(&p->readable, q);
        }
        p->poll_events++;
    }
    spin_unlock_irqrestore(&p->lock, flags);
    return r;
}

int fifo_open(struct file *f)
{
    struct inode *i = f->inode;
    struct pipe *fresh = NULL;
    uint64_t flags = spin_lock_irqsave(&fifo_lock);
    if (!i->fifo.pipe) {
        /* allocated with no lock held, as every pipe is */
        spin_unlock_irqrestore(&fifo_lock, flags);
        fresh = pipe_alloc();
        if (!fresh)
            return -ENOMEM;
        flags = spin_lock_irqsave(&fifo_lock);
        if (!i->fifo.pipe) {
            i->fifo.pipe = fresh;
            fresh = NULL;
        }
    }
    struct pipe *p = i->fifo.pipe;
    /* open(2) holds vfs_ns_lock, a mutex: the wakes can wait for fifo_lock
     * to be dropped (at once if some caller had interrupts off) */
    struct wake_q q = WAKE_Q_INIT, *qp = wake_q_if_deferrable(&q);
    int r = count_end_locked(p, f, qp);
    bool unused = r && !p->readers && !p->writers;
    if (unused)
        i->fifo.pipe = NULL;
    spin_unlock_irqrestore(&fifo_lock, flags);
    if (qp)
        wake_q_run(qp);
    if (fresh)
        pipe_free(fresh); /* another open hung its own first */
    if (unused)
        pipe_free(p);
    if (r)
        return r;
    f->priv = p;
    poll_head_notify(&p->poll_head, 0); /* a reader's POLLHUP may have ended */
    return 0;
}

int fifo_open_wait(struct file *f)
{
    bool reads = pipe_end_reads(f), writes = pipe_end_writes(f);
    if ((f->flags & K_O_NONBLOCK) || (reads && writes))
        return 0;
    struct pipe *p = f->priv;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    int r = 0;
    if (reads) {
        while (!r && !p->writers && p->writer_opens == f->pos)
            r = waitq_wait_locked_interruptible(&p->readable, &p->lock, 0);
    } else {
        while (!r && !p->readers && p->reader_opens == f->pos)
            r = waitq_wait_locked_interruptible(&p->writable, &p->lock, 0);
    }
    spin_unlock_irqrestore(&p->lock, flags);
    return r;
}

void fifo_release(struct file *f)
{
    struct pipe *p = f->priv;
    uint64_t flags = spin_lock_irqsave(&fifo_lock);
    bool last = pipe_drop_end(f);
    if (last)
        f->inode->fifo.pipe = NULL;
    spin_unlock_irqrestore(&fifo_lock, flags);
    if (last)
        pipe_free(p);
}
