/* AF_UNIX sockets as open files: the objects' life, the lock, and the file
 * operations (read/write, poll, ioctl, close).  The model and the locking
 * are described in net/unix.h. */
#include <fs/kernel_api.h>
#include <fs/mount.h>
#include <fs/poll_head.h>
#include <fs/uio.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <net/unix.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>
#include <proc/process.h>

spinlock_t unix_lock = SPINLOCK_INIT;

/* The sockets whose heads one critical section notifies: a message touches
 * three at most (receiver, sender, the receiver's own charge), a close two
 * and its embryos' peers. */
#define UNIX_WAKE_SOCKS 8

/* The wake-ups owed by the holder of unix_lock (net/unix.h), run by its
 * unlock.  Under unix_lock. */
struct unix_wakes {
    struct wake_q threads;                     /* sleepers claimed off the sockets' wq */
    unsigned nsocks;
    struct unix_sock *socks[UNIX_WAKE_SOCKS];  /* a reference each: heads to notify */
};
static struct unix_wakes pending;

uint64_t unix_lock_irqsave(void)
{
    return spin_lock_irqsave(&unix_lock);
}

/* Takes the holder's wake-ups into *w (unix_lock held); false if none. */
static bool take_wakes_locked(struct unix_wakes *w)
{
    if (!pending.threads.n && !pending.nsocks)
        return false;
    *w = pending;
    pending.threads.n = 0;
    pending.nsocks = 0;
    return true;
}

/* Runs taken wake-ups (no spinlock held): the sleepers, then the heads,
 * each kept alive by its reference until its notification is over. */
static void run_wakes(struct unix_wakes *w)
{
    wake_q_run(&w->threads);
    for (unsigned i = 0; i < w->nsocks; i++) {
        poll_head_notify(&w->socks[i]->poll_head, 0);
        unix_sock_put(w->socks[i]);
    }
}

void unix_unlock_irqrestore(uint64_t flags)
{
    struct unix_wakes w;
    bool any = take_wakes_locked(&w);
    spin_unlock_irqrestore(&unix_lock, flags);
    if (any)
        run_wakes(&w);
}

static struct super_block *sockfs; /* the anonymous inodes of sockets */

struct unix_sock *unix_sock_alloc(int type)
{
    struct unix_sock *s = kzalloc(sizeof *s);
    if (!s)
        return NULL;
    s->refs = 1;
    s->type = type;
    s->state = UNIX_UNCONNECTED;
    s->sndbuf = UNIX_SNDBUF_DEFAULT;
    s->rcvbuf = UNIX_SNDBUF_DEFAULT;
    s->peercred = (struct k_ucred){0, 0xfffe, 0xfffe}; /* no peer: overflow ids, as Linux */
    list_init(&s->name_link);
    list_init(&s->queue);
    list_init(&s->accept_q);
    list_init(&s->accept_link);
    list_init(&s->inflight_link);
    list_init(&s->gc_link);
    waitq_init(&s->wq);
    poll_head_init(&s->poll_head);
    mutex_init(&s->iolock);
    mutex_init(&s->bindlock);
    return s;
}

void unix_sock_get(struct unix_sock *s)
{
    __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

/* The last reference: the socket's file is closed (or it never had one)
 * and nothing points to it, so only its name record is left to drop. */
void unix_sock_put(struct unix_sock *s)
{
    if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
        return;
    if (s->addr)
        unix_addr_put(s->addr);
    kfree(s);
}

struct k_ucred unix_current_cred(void)
{
    struct process *p = current_process();
    /* Everyone is root (misc/sys_identity.c). */
    return (struct k_ucred){p ? p->pid : 0, 0, 0};
}

void unix_wake_locked(struct unix_sock *s)
{
    /* Every change of s (data, room, a connection, a state) comes here: an
     * EPOLLET waiter sees new data even when s was readable already. */
    __atomic_store_n(&s->poll_events, s->poll_events + 1, __ATOMIC_RELAXED);
    /* Sleepers claimed now cannot miss this change: they recheck under
     * unix_lock after the unlock's wake-up (or a signal) ends their sleep. */
    waitq_claim(&s->wq, INT32_MAX, &pending.threads);
    for (unsigned i = 0; i < pending.nsocks; i++)
        if (pending.socks[i] == s)
            return; /* its head hears of it once, after the last change */
    if (pending.nsocks < UNIX_WAKE_SOCKS) {
        unix_sock_get(s);
        pending.socks[pending.nsocks++] = s;
        return;
    }
    /* Full: at once.  The head's lock and what its hooks take come after
     * unix_lock (fs/poll_head.h), and nothing takes unix_lock under them. */
    poll_head_notify(&s->poll_head, 0);
}

/* An accepted connection's file has no socket until accept attaches one
 * (and none if accept gives the connection back): it is never polled then. */
static struct poll_head *unix_poll_head(struct file *f)
{
    struct unix_sock *s = f->priv;
    return s ? &s->poll_head : &poll_head_global;
}

static uint64_t unix_poll_events(struct file *f)
{
    struct unix_sock *s = f->priv;
    return s ? __atomic_load_n(&s->poll_events, __ATOMIC_RELAXED) : 0;
}

int unix_wait_on_locked(struct waitq *wq, uint64_t deadline)
{
    struct unix_wakes w;
    if (take_wakes_locked(&w)) {
        /* Our own wake-ups first: a thread we woke may be the one to end
         * this wait.  Only unix_lock is held (a sleeping wait allows no
         * other), so interrupts were on before it was taken. */
        spin_unlock(&unix_lock);
        irq_enable();
        run_wakes(&w);
        irq_disable();
        spin_lock(&unix_lock);
        return 0;
    }
    int r = waitq_wait_locked_interruptible(wq, &unix_lock, deadline);
    if (r == -EINTR && deadline)
        syscall_forbid_restart(); /* under SO_RCVTIMEO/SO_SNDTIMEO: EINTR, never restarted (Linux's sock_intr_errno) */
    return r == -ETIMEDOUT ? -EAGAIN : r;
}

int unix_wait_locked(struct unix_sock *s, uint64_t deadline)
{
    return unix_wait_on_locked(&s->wq, deadline);
}

uint64_t unix_deadline(uint64_t timeout_ns)
{
    return timeout_ns ? clock_monotonic_ns() + timeout_ns : 0;
}

struct unix_sock *unix_sock_of(struct file *f)
{
    return f->ops == &unix_file_ops ? f->priv : NULL;
}

static int64_t unix_read_uio(struct file *f, struct uio *u, unsigned io)
{
    struct unix_recv m = {.u = u, .nonblock = io & IO_NONBLOCK};
    return unix_recvmsg(f->priv, &m);
}

static int64_t unix_write_uio(struct file *f, struct uio *u, unsigned io)
{
    struct unix_send m = {.u = u, .nonblock = io & IO_NONBLOCK};
    return unix_sendmsg(f->priv, &m);
}

/* Linux's unix_writable: a quarter of the send buffer in use at most. */
static bool unix_writable_locked(struct unix_sock *s)
{
    return s->state != UNIX_LISTENING && (s->wmem << 2) <= s->sndbuf;
}

/* Linux's unix_poll and unix_dgram_poll: an unconnected stream socket is
 * hung up (and writable), a listener is never writable, a datagram sender
 * is not writable while its peer's queue is full. */
static unsigned unix_poll(struct file *f, bool arm)
{
    (void)arm; /* nothing to arm: every change wakes pollers */
    struct unix_sock *s = f->priv;
    unsigned m = 0;
    uint64_t fl = unix_lock_irqsave();
    bool connection = s->type != K_SOCK_DGRAM;
    if (s->err)
        m |= K_POLLERR;
    if (s->shutdown == (UNIX_SHUT_RCV | UNIX_SHUT_SEND))
        m |= K_POLLHUP;
    if (s->shutdown & UNIX_SHUT_RCV)
        m |= K_POLLRDHUP | K_POLLIN | K_POLLRDNORM;
    if (s->queue_msgs || s->accept_len)
        m |= K_POLLIN | K_POLLRDNORM;
    if (connection && s->state == UNIX_UNCONNECTED)
        m |= K_POLLHUP;
    bool writable = unix_writable_locked(s);
    if (!connection && s->peer && s->peer->peer != s && !s->peer->dead &&
        s->peer->queue_msgs > UNIX_DGRAM_QLEN)
        writable = false; /* its receiver's queue is full */
    if (writable)
        m |= K_POLLOUT | K_POLLWRNORM | K_POLLWRBAND;
    unix_unlock_irqrestore(fl);
    return m;
}

static int unix_ioctl(struct file *f, unsigned cmd, uint64_t uarg)
{
    struct unix_sock *s = f->priv;
    int n = 0, r = 0;
    uint64_t fl = unix_lock_irqsave();
    if (cmd == K_SIOCINQ) {
        if (s->state == UNIX_LISTENING)
            r = -EINVAL;
        else
            n = (int)MIN(unix_inq_locked(s), (size_t)0x7fffffff);
    } else if (cmd == K_SIOCOUTQ) {
        n = (int)MIN(s->wmem, (size_t)0x7fffffff);
    } else {
        r = -ENOTTY;
    }
    unix_unlock_irqrestore(fl);
    return r ? r : copy_to_user(uarg, &n, sizeof n);
}

static void unix_file_release(struct file *f)
{
    struct unix_sock *s = f->priv;
    if (!s)
        return; /* accept made the file but gave the connection back */
    struct list_head dead = LIST_HEAD_INIT(dead);
    struct inode *path = NULL;
    uint64_t fl = unix_lock_irqsave();
    s->file = NULL;
    unix_release_locked(s, &dead, &path);
    unix_unlock_irqrestore(fl);
    poll_notify();
    if (path)
        inode_put(path);
    unix_msgs_free(&dead);
    unix_sock_put(s); /* the file's */
    unix_gc();
}

const struct file_ops unix_file_ops = {
    .read_uio = unix_read_uio,
    .write_uio = unix_write_uio,
    .seekable = false,
    .ioctl = unix_ioctl,
    .poll = unix_poll,
    .poll_events = unix_poll_events,
    .poll_head = unix_poll_head,
    .release = unix_file_release,
};

static int sockfs_get(void)
{
    if (__atomic_load_n(&sockfs, __ATOMIC_ACQUIRE))
        return 0;
    struct super_block *sb = super_create("sockfs", K_SOCKFS_MAGIC, DEV_MINOR_SOCKFS, 0, 0);
    if (!sb)
        return -ENOMEM;
    struct super_block *none = NULL;
    if (!__atomic_compare_exchange_n(&sockfs, &none, sb, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        kfree(sb); /* another thread made it first; theirs is in use */
    return 0;
}

int unix_file_alloc(uint32_t flags, struct file **out)
{
    struct inode *i = NULL;
    if (sockfs_get() || inode_alloc(sockfs, K_S_IFSOCK | 0777, &i))
        return -ENOMEM;
    struct file *f = file_alloc(i, &unix_file_ops, K_O_RDWR | (flags & K_O_NONBLOCK));
    inode_put(i); /* the file holds it */
    if (!f)
        return -ENOMEM;
    *out = f;
    return 0;
}

int unix_sock_file(struct unix_sock *s, uint32_t flags, struct file **out)
{
    struct file *f;
    int r = unix_file_alloc(flags, &f);
    if (r)
        return r;
    f->priv = s;
    uint64_t fl = unix_lock_irqsave();
    s->file = f;
    unix_unlock_irqrestore(fl);
    *out = f;
    return 0;
}
