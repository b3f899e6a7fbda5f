/* Advisory file locks, as Linux's fs/locks.c.
 *
 * Every lock is a byte range [start, end] of one inode, held for reading
 * (shared) or writing (exclusive) by an owner:
 *   - POSIX record locks (F_SETLK...): the descriptor table of the process
 *     (Linux's fl_owner = current->files), so a close of ANY descriptor of
 *     the file, or the table's end at exit, drops all of them;
 *   - OFD record locks (F_OFD_SETLK...) and flock(2) locks: the open file
 *     description, dropped when its last reference goes.
 * POSIX and OFD locks conflict with each other; flock locks only with flock
 * locks (they cover the whole file).  One owner's ranges of one class never
 * overlap: a new range splits, trims or merges its own old ones.
 *
 * Lock: file_lock_lock, a subsystem spinlock, protects every inode's
 * `file_locks` list, the waiter list and every struct file_lock.  Nothing is
 * taken under it but sched_lock (claiming waiters, and a run queue lock
 * under that); allocation is done before it is taken.  Waiters sleep
 * interruptibly on one wait queue, woken whenever a lock goes or shrinks:
 * with few waiters (a service VM's) a shared queue costs nothing worth a
 * per-inode one.  They are claimed under the lock and woken once it is
 * dropped (sched/wake_q.h; at once by a caller with interrupts off). */
#include <fs/fdtable.h>
#include <fs/file_lock.h>
#include <fs/uapi.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <proc/process.h>
#include <sched/sched.h>
#include <sched/wake_q.h>

#define OFFSET_MAX INT64_MAX
#define DEADLOCK_DEPTH 16 /* owners followed along a wait chain (Linux: MAX_DEADLK_ITERATIONS 10) */

enum lock_class { CLASS_POSIX, CLASS_OFD, CLASS_FLOCK };

struct file_lock {
    struct list_head node;  /* in inode->file_locks */
    enum lock_class cls;
    int type;               /* K_F_RDLCK or K_F_WRLCK (K_F_UNLCK only in a request) */
    const void *owner;      /* struct fd_table * (POSIX) or struct file * */
    int pid;                /* the process that set it (F_GETLK's l_pid) */
    int64_t start, end;     /* inclusive */
};

/* A thread sleeping in F_SETLKW (or a blocking flock): for deadlock detection. */
struct lock_waiter {
    struct list_head node;  /* in waiters */
    struct inode *inode;
    const struct file_lock *req;
};

static spinlock_t file_lock_lock = SPINLOCK_INIT;
static struct waitq file_lock_wq = WAITQ_INIT(file_lock_wq);
static struct list_head waiters = LIST_HEAD_INIT(waiters);

/* struct flock of x86-64 */
struct k_flock {
    int16_t l_type;
    int16_t l_whence;
    int64_t l_start;
    int64_t l_len;
    int32_t l_pid;
};

static bool same_family(const struct file_lock *a, const struct file_lock *b)
{
    return (a->cls == CLASS_FLOCK) == (b->cls == CLASS_FLOCK);
}

static bool mine(const struct file_lock *held, const struct file_lock *req)
{
    return held->owner == req->owner && same_family(held, req);
}

static bool conflicts(const struct file_lock *held, const struct file_lock *req)
{
    return !mine(held, req) && same_family(held, req) && held->start <= req->end && req->start <= held->end &&
           (held->type == K_F_WRLCK || req->type == K_F_WRLCK);
}

static struct file_lock *first_conflict(struct inode *i, const struct file_lock *req)
{
    list_for_each(pos, &i->file_locks) {
        struct file_lock *l = list_entry(pos, struct file_lock, node);
        if (conflicts(l, req))
            return l;
    }
    return NULL;
}

/* Would req's owner, by waiting for `blocker`, close a cycle of POSIX owners
 * each waiting for the next?  Only POSIX locks take part, as on Linux (OFD
 * and flock owners are open files, shared across processes). */
static bool would_deadlock(const struct file_lock *req, const struct file_lock *blocker)
{
    if (req->cls != CLASS_POSIX)
        return false;
    for (int depth = 0; depth < DEADLOCK_DEPTH && blocker->cls == CLASS_POSIX; depth++) {
        if (blocker->owner == req->owner)
            return true;
        const struct file_lock *next = NULL;
        list_for_each(pos, &waiters) {
            struct lock_waiter *w = list_entry(pos, struct lock_waiter, node);
            if (w->req->cls == CLASS_POSIX && w->req->owner == blocker->owner) {
                next = first_conflict(w->inode, w->req);
                break;
            }
        }
        if (!next)
            return false;
        blocker = next;
    }
    return false;
}

/* Puts req (type K_F_UNLCK: removes its range) into the owner's locks on i,
 * trimming, splitting and merging the owner's old ranges.  spare[0..1] are
 * preallocated records; used ones are set to NULL.  Returns true if any
 * range was given up (waiters may now proceed). */
static bool apply(struct inode *i, const struct file_lock *req, struct file_lock **spare)
{
    int64_t start = req->start, end = req->end;
    bool released = false;
    for (struct list_head *pos = i->file_locks.next, *next; pos != &i->file_locks; pos = next) {
        next = pos->next;
        struct file_lock *l = list_entry(pos, struct file_lock, node);
        if (!mine(l, req))
            continue;
        /* Same type, overlapping or adjacent: one range (no end + 1 past OFFSET_MAX). */
        bool touches = l->start <= (end == OFFSET_MAX ? end : end + 1) && (l->end == OFFSET_MAX ? l->end : l->end + 1) >= start;
        if (l->type == req->type && touches) {
            start = MIN(start, l->start);
            end = MAX(end, l->end);
            list_del(&l->node);
            kfree(l);
            continue;
        }
        if (l->end < start || l->start > end)
            continue;
        released = true; /* a different type or an unlock over part of it */
        if (l->start < start && l->end > end) {
            struct file_lock *tail = spare[1];
            spare[1] = NULL;
            *tail = *l;
            tail->start = end + 1;
            l->end = start - 1;
            list_add_tail(&tail->node, &i->file_locks);
        } else if (l->start < start) {
            l->end = start - 1;
        } else if (l->end > end) {
            l->start = end + 1;
        } else {
            list_del(&l->node);
            kfree(l);
        }
    }
    if (req->type != K_F_UNLCK) {
        struct file_lock *n = spare[0];
        spare[0] = NULL;
        *n = *req;
        n->start = start;
        n->end = end;
        list_add_tail(&n->node, &i->file_locks);
    }
    return released;
}

/* Sets (or removes) req on i; waits for conflicts to go when `wait`. */
static int lock_set(struct inode *i, const struct file_lock *req, bool wait)
{
    struct file_lock *spare[2] = {kmalloc(sizeof(struct file_lock)), kmalloc(sizeof(struct file_lock))};
    int r = 0;
    if (!spare[0] || !spare[1]) {
        r = -ENOMEM;
        goto out;
    }
    struct wake_q q = WAKE_Q_INIT, *qp = wake_q_if_deferrable(&q);
    uint64_t flags = spin_lock_irqsave(&file_lock_lock);
    if (req->type != K_F_UNLCK) {
        struct lock_waiter w = {.inode = i, .req = req};
        for (struct file_lock *b; (b = first_conflict(i, req));) {
            if (!wait) {
                r = -EAGAIN;
                break;
            }
            if (would_deadlock(req, b)) {
                r = -EDEADLK;
                break;
            }
            list_add_tail(&w.node, &waiters);
            r = waitq_wait_locked_interruptible(&file_lock_wq, &file_lock_lock, 0);
            list_del(&w.node);
            if (r)
                break;
        }
    }
    if (!r && apply(i, req, spare))
        waitq_wake_all_q(&file_lock_wq, qp);
    spin_unlock_irqrestore(&file_lock_lock, flags);
    if (qp)
        wake_q_run(qp);
out:
    kfree(spare[0]);
    kfree(spare[1]);
    return r;
}

/* Drops every lock of `owner` in the given families on i. */
static void drop_owner(struct inode *i, const void *owner, bool posix, bool by_file)
{
    struct wake_q q = WAKE_Q_INIT, *qp = wake_q_if_deferrable(&q);
    uint64_t flags = spin_lock_irqsave(&file_lock_lock);
    bool released = false;
    for (struct list_head *pos = i->file_locks.next, *next; pos != &i->file_locks; pos = next) {
        next = pos->next;
        struct file_lock *l = list_entry(pos, struct file_lock, node);
        if (l->owner == owner && (l->cls == CLASS_POSIX ? posix : by_file)) {
            list_del(&l->node);
            kfree(l);
            released = true;
        }
    }
    if (released)
        waitq_wake_all_q(&file_lock_wq, qp);
    spin_unlock_irqrestore(&file_lock_lock, flags);
    if (qp)
        wake_q_run(qp);
}

void file_locks_fd_closed(struct file *f, struct fd_table *t)
{
    /* An unlocked peek: a lock set concurrently by another thread of t on
     * this file races with the close anyway, as on Linux. */
    if (!list_empty(&f->inode->file_locks))
        drop_owner(f->inode, t, true, false);
}

void file_locks_file_released(struct file *f)
{
    if (!list_empty(&f->inode->file_locks))
        drop_owner(f->inode, f, false, true);
}

/* struct flock to a byte range, as Linux's flock_to_posix_lock. */
static int range_of(struct file *f, const struct k_flock *fl, struct file_lock *l)
{
    int64_t base;
    switch (fl->l_whence) {
    case K_SEEK_SET:
        base = 0;
        break;
    case K_SEEK_CUR:
        base = (int64_t)__atomic_load_n(&f->pos, __ATOMIC_RELAXED);
        break;
    case K_SEEK_END:
        base = (int64_t)f->inode->size;
        break;
    default:
        return -EINVAL;
    }
    if (fl->l_start > OFFSET_MAX - base)
        return -EOVERFLOW;
    int64_t start = base + fl->l_start;
    if (start < 0)
        return -EINVAL;
    int64_t end;
    if (fl->l_len > 0) {
        if (fl->l_len - 1 > OFFSET_MAX - start)
            return -EOVERFLOW;
        end = start + fl->l_len - 1;
    } else if (fl->l_len < 0) {
        end = start - 1;
        start += fl->l_len;
        if (start < 0)
            return -EINVAL;
    } else {
        end = OFFSET_MAX;
    }
    l->start = start;
    l->end = end;
    return 0;
}

static int64_t get_lock(struct file *f, struct k_flock *fl, struct file_lock *req, uint64_t arg)
{
    if (req->type == K_F_UNLCK)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&file_lock_lock);
    struct file_lock *b = first_conflict(f->inode, req);
    if (b) {
        fl->l_type = (int16_t)b->type;
        fl->l_whence = K_SEEK_SET;
        fl->l_start = b->start;
        fl->l_len = b->end == OFFSET_MAX ? 0 : b->end - b->start + 1;
        fl->l_pid = b->cls == CLASS_POSIX ? b->pid : -1; /* an OFD lock has no process */
    } else {
        fl->l_type = K_F_UNLCK;
    }
    spin_unlock_irqrestore(&file_lock_lock, flags);
    return copy_to_user(arg, fl, sizeof *fl);
}

int64_t file_lock_fcntl(struct file *f, struct fd_table *t, unsigned cmd, uint64_t arg)
{
    if (f->flags & K_O_PATH)
        return -EBADF;
    struct k_flock fl;
    if (copy_from_user(&fl, arg, sizeof fl))
        return -EFAULT;
    bool ofd = cmd == K_F_OFD_GETLK || cmd == K_F_OFD_SETLK || cmd == K_F_OFD_SETLKW;
    struct file_lock req = {
        .cls = ofd ? CLASS_OFD : CLASS_POSIX,
        .type = fl.l_type,
        .owner = ofd ? (const void *)f : (const void *)t,
        .pid = current_process()->pid,
    };
    if (fl.l_type != K_F_RDLCK && fl.l_type != K_F_WRLCK && fl.l_type != K_F_UNLCK)
        return -EINVAL;
    if (ofd && fl.l_pid != 0)
        return -EINVAL; /* Linux reserves l_pid of OFD requests */
    int r = range_of(f, &fl, &req);
    if (r)
        return r;
    if (cmd == K_F_GETLK || cmd == K_F_OFD_GETLK)
        return get_lock(f, &fl, &req, arg);
    if ((fl.l_type == K_F_RDLCK && !FILE_READABLE(f)) || (fl.l_type == K_F_WRLCK && !FILE_WRITABLE(f)))
        return -EBADF;
    return lock_set(f->inode, &req, cmd == K_F_SETLKW || cmd == K_F_OFD_SETLKW);
}

static bool holds_other_type(struct inode *i, const struct file_lock *req)
{
    bool other = false;
    uint64_t flags = spin_lock_irqsave(&file_lock_lock);
    list_for_each(pos, &i->file_locks) {
        struct file_lock *l = list_entry(pos, struct file_lock, node);
        if (mine(l, req) && l->type != req->type)
            other = true;
    }
    spin_unlock_irqrestore(&file_lock_lock, flags);
    return other;
}

int64_t file_lock_flock(struct file *f, int op)
{
    if (f->flags & K_O_PATH)
        return -EBADF;
    struct file_lock req = {
        .cls = CLASS_FLOCK,
        .owner = f,
        .pid = current_process()->pid,
        .start = 0,
        .end = OFFSET_MAX,
    };
    switch (op & ~K_LOCK_NB) {
    case K_LOCK_SH:
        req.type = K_F_RDLCK;
        break;
    case K_LOCK_EX:
        req.type = K_F_WRLCK;
        break;
    case K_LOCK_UN:
        req.type = K_F_UNLCK;
        break;
    default:
        return -EINVAL;
    }
    /* A conversion is not atomic, as on Linux: the old lock goes first, so
     * two holders of LOCK_SH both converting to LOCK_EX cannot deadlock.
     * Asking again for the type held changes nothing. */
    if (req.type != K_F_UNLCK && holds_other_type(f->inode, &req)) {
        struct file_lock un = req;
        un.type = K_F_UNLCK;
        int r = lock_set(f->inode, &un, false);
        if (r)
            return r;
    }
    return lock_set(f->inode, &req, !(op & K_LOCK_NB));
}
