/* What pipe.c shares with fifo.c: the pipe object and its ends. */
#ifndef FS_PIPE_INTERNAL_H
#define FS_PIPE_INTERNAL_H

#include <fs/pipe.h>
#include <fs/pipe_ring.h>
#include <fs/poll_head.h>
#include <fs/vfs.h>
#include <kernel/mutex.h>
#include <sched/sched.h>

struct pipe {
    spinlock_t lock;
    struct pipe_ring ring;
    unsigned readers, writers; /* open ends */
    /* ends uncounted whose closer is still notifying the pipe's head
     * (pipe_drop_end): the pipe is freed only once this is 0 too */
    unsigned closing;
    /* ends opened so far, for a FIFO's open waiting for its peer (fs/fifo.c) */
    uint64_t reader_opens, writer_opens;
    struct waitq readable, writable; /* also a FIFO's opens waiting for a writer / a reader */
    struct mutex read_turn; /* readers between peek and consume (fs/sys_rw.c) */
    uint64_t poll_events;   /* bumped at each change pollers are told of (file_ops.poll_events) */
    struct poll_head poll_head; /* both ends' pollers and epoll entries (fs/poll_head.h) */
};

extern const struct file_ops pipe_ops;

/* Whether open file f counts as a reader / a writer of its pipe (a FIFO
 * opened O_RDWR is both). */
static inline bool pipe_end_reads(const struct file *f)
{
    return (f->flags & K_O_ACCMODE) != K_O_WRONLY;
}
static inline bool pipe_end_writes(const struct file *f)
{
    return (f->flags & K_O_ACCMODE) != K_O_RDONLY;
}

/* An empty pipe with no ends; NULL when out of memory. */
struct pipe *pipe_alloc(void);
void pipe_free(struct pipe *p);
/* Uncounts f's end (f->priv) and wakes everyone waiting on the pipe;
 * true if it was the last, then the caller frees the pipe.  Exactly one of
 * two ends closing at once gets true, and only once the other's closer is
 * done with the pipe. */
bool pipe_drop_end(struct file *f);

/* fifo_ops (fs/fifo.c) */
int fifo_open(struct file *f);
int fifo_open_wait(struct file *f);
void fifo_release(struct file *f);

#endif
