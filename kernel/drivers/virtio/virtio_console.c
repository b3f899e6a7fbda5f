/* virtio-console, multiport (virtio 1.x, 5.3): named ports as
 * /dev/port/<name> (drivers/virtio_console.h has the user-visible contract).
 *
 * Queues: port 0 uses 0/1, the control channel 2/3, port n >= 1 uses
 * 2n+2 (receive) and 2n+3 (transmit).  Control messages (8-byte header, a
 * name follows PORT_NAME) are handled by the thread "virtio-console", and at
 * probe until the device has answered all the driver sent, so the ports
 * QEMU announces exist before init starts (con_probe).
 *
 * Host connects and disconnects arrive on the control queue, the bytes of
 * the clients on the ports' receive queues; con_sync() (below) drains them
 * together so that a hang-up falls between the right bytes.
 *
 * Pollers are woken through the port's poll head (poll_head_notify).
 *
 * Locks: con->rx_sync orders the draining of the control receive queue and
 * of every port's receive queue (con_sync) and protects con->sync; it is
 * taken before crx->lock or a port's rx->lock, never while holding one.
 * port->rx->lock protects the receive side (filled buffers, byte counters,
 * the hang-up marks), host_connected, opens and removed, and is the
 * condition lock of port->readers.  port->tx->lock protects the free
 * transmit buffers and is the condition lock of port->writers.  Never both
 * at once.  crx->lock protects ctl_pending.  con->ctrl_lock (mutex)
 * serialises control-message handling. */
#include <drivers/virtio_console.h>
#include <drivers/virtqueue.h>
#include <fs/devfs.h>
#include <fs/kernel_api.h>
#include <fs/poll_head.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/list.h>
#include <kernel/mutex.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <sched/sched.h>

#include "virtio_drivers.h"

#define VIRTIO_CONSOLE_F_MULTIPORT 1

/* control events */
#define CTL_DEVICE_READY 0
#define CTL_DEVICE_ADD 1
#define CTL_DEVICE_REMOVE 2
#define CTL_PORT_READY 3
#define CTL_CONSOLE_PORT 4
#define CTL_RESIZE 5
#define CTL_PORT_OPEN 6
#define CTL_PORT_NAME 7

struct ctl_msg {
    uint32_t id;
    uint16_t event;
    uint16_t value;
};

/* QEMU drops a control message (a host connect or disconnect!) when it finds
 * no receive buffer, so as many are posted as the queue holds (QEMU's control
 * queue has 32 entries); a tool that connects per command makes bursts. */
#define CTL_RX_BUFS 32
#define CTL_TX_BUFS 8
#define CTL_BUF_SIZE 512 /* 8 to a page */
#define CTL_SEND_TIMEOUT_NS (30ull * NSEC_PER_SEC) /* a control message not taken in this long: the device is dead */

struct cbuf {
    uint8_t *data;
    uint32_t len, off;  /* bytes the device wrote; bytes already read */
    struct list_head link;
};

struct console;

/* Hang-ups a reader has not reached yet.  More are merged into the last
 * (two vanished clients' bytes then read as one connection). */
#define PORT_HANGUPS 8

struct port {
    struct console *con;
    uint32_t id;
    struct virtq *rx, *tx;
    char name[64];
    bool named;
    /* under rx->lock */
    bool host_connected, removed;
    bool guest_open;               /* PORT_OPEN 1 sent (it never goes back: see port_release) */
    unsigned opens;
    struct list_head filled;       /* received buffers, oldest first */
    uint64_t rx_total, rx_consumed; /* bytes received / read since the port was added */
    uint64_t hangup[PORT_HANGUPS];  /* unread hang-ups, oldest first: after this many bytes */
    unsigned nhangups;
    struct waitq readers;
    /* under tx->lock */
    struct list_head tx_free;
    struct waitq writers;
    struct poll_head poll_head;    /* its pollers and epoll entries (fs/poll_head.h) */
    struct cbuf rxb[VIRTIO_PORT_RX_BUFS], txb[VIRTIO_PORT_TX_BUFS];
};

/* A port's part of one con_sync(): its state when the sync began and the
 * host connects and disconnects the sync found for it, in order. */
struct port_sync {
    uint64_t before;            /* bytes received before this sync */
    bool connected;             /* host state after the events so far */
    bool changed;               /* an event changed it */
    unsigned closes_before_open; /* hang-ups followed by a later connect in this sync */
    unsigned closes_after_open;  /* hang-ups after the last connect in this sync */
};

struct console {
    struct virtio_dev *dev;
    spinlock_t rx_sync;
    struct port_sync sync[VIRTIO_CONSOLE_MAX_PORTS]; /* under rx_sync */
    struct virtq *crx, *ctx;
    uint32_t nports;              /* ports we have queues for */
    struct port *ports[VIRTIO_CONSOLE_MAX_PORTS];
    struct mutex ctrl_lock;
    struct waitq ctrl_wq;         /* the thread waits for control input (crx->lock) */
    struct cbuf crxb[CTL_RX_BUFS];
    struct list_head ctl_pending; /* received control messages for the thread (crx->lock) */
    struct list_head ctx_free;    /* under ctx->lock */
    struct waitq ctx_wq;          /* senders waiting for a free control buffer (ctx->lock) */
    struct cbuf ctxb[CTL_TX_BUFS];
};

static unsigned rxq_index(uint32_t id) { return id == 0 ? 0 : 2 * id + 2; }
static unsigned txq_index(uint32_t id) { return id == 0 ? 1 : 2 * id + 3; }

/* Gives a receive buffer to the device.  Caller holds the queue's lock. */
static void give_rx(struct virtq *vq, struct cbuf *b, uint32_t size)
{
    struct virtq_buf vb = {virt_to_phys(b->data), size, true};
    b->len = b->off = 0;
    virtq_add(vq, &vb, 1, b); /* cannot fail: the queue has room for every buffer */
}

/* Queues n bytes of data (n fits a buffer) in the first buffer of free,
 * which is not empty, without telling the device.  Caller holds the queue's
 * lock. */
static void queue_buf(struct virtq *vq, struct list_head *free, const void *data, uint32_t n)
{
    struct cbuf *b = list_first_entry(free, struct cbuf, link);
    list_del(&b->link);
    memcpy(b->data, data, n);
    struct virtq_buf vb = {virt_to_phys(b->data), n, false};
    virtq_add(vq, &vb, 1, b); /* cannot fail, as in give_rx */
}

/* queue_buf, then tells the device. */
static void send_buf(struct virtq *vq, struct list_head *free, const void *data, uint32_t n)
{
    queue_buf(vq, free, data, n);
    virtq_kick(vq);
}

/* Puts the buffers the device has finished sending back on free; true if
 * there were any.  Caller holds the queue's lock. */
static bool reclaim_sent(struct virtq *vq, struct list_head *free)
{
    uint32_t len;
    struct cbuf *b;
    bool any = false;
    while ((b = virtq_get_used(vq, &len))) {
        list_add_tail(&b->link, free);
        any = true;
    }
    return any;
}

/* --- control channel --------------------------------------------------- */

static void ctx_done(struct virtq *vq)
{
    struct console *c = vq->priv;
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    reclaim_sent(vq, &c->ctx_free);
    waitq_wake_all(&c->ctx_wq);
    spin_unlock_irqrestore(&vq->lock, flags);
}

/* Waits until the device has taken a control message back (all: every
 * one sent so far), putting the buffers it took on ctx_free; false if that
 * did not happen within CTL_SEND_TIMEOUT_NS.  The wait is bounded: open(2)
 * of a port comes to ctl_send holding the namespace lock (vfs_ns_lock), so
 * a device that stops taking control messages must not hold up every path
 * lookup for good; it is declared broken instead (ctl_timed_out), as a disk
 * that does not answer is (docs/architecture.md, "Sleeps").  ctx->lock
 * held. */
static bool ctx_wait_locked(struct console *c, bool all)
{
    struct virtq *vq = c->ctx;
    uint64_t deadline = clock_monotonic_ns() + CTL_SEND_TIMEOUT_NS;
    for (;;) {
        reclaim_sent(vq, &c->ctx_free);
        /* every buffer is either on ctx_free or with the device */
        bool done = all ? vq->num_free == vq->size : !list_empty(&c->ctx_free);
        if (done || virtio_is_broken(c->dev))
            return true;
        if (waitq_wait_locked(&c->ctx_wq, &vq->lock, deadline) == -ETIMEDOUT)
            return false;
    }
}

/* After a ctx_wait_locked that timed out, without ctx->lock. */
static void ctl_timed_out(struct console *c)
{
    if (!virtio_check(c->dev))
        virtio_mark_broken(c->dev, "control message not taken within 30 s");
}

/* Sends a control message, waiting for a free buffer. */
static void ctl_send(struct console *c, uint32_t id, uint16_t event, uint16_t value)
{
    struct virtq *vq = c->ctx;
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    bool room = ctx_wait_locked(c, false);
    if (room && !virtio_is_broken(c->dev)) {
        struct ctl_msg m = {id, event, value};
        send_buf(vq, &c->ctx_free, &m, sizeof m);
    }
    spin_unlock_irqrestore(&vq->lock, flags);
    if (!room)
        ctl_timed_out(c);
}

/* Waits until the device has taken every control message sent.  A device
 * answers a message before it gives its buffer back (QEMU's virtio-serial
 * pushes the answers to the receive queue, then the buffer), so the answers
 * are in the control receive queue then: x86 shows the device's stores to
 * every CPU in the order they were made, and an interrupt on another CPU
 * that took the buffer back did so under ctx->lock, which orders it before
 * our look at the receive queue. */
static void ctl_wait_all_taken(struct console *c)
{
    uint64_t flags = spin_lock_irqsave(&c->ctx->lock);
    bool taken = ctx_wait_locked(c, true);
    spin_unlock_irqrestore(&c->ctx->lock, flags);
    if (!taken)
        ctl_timed_out(c);
}

static void con_sync(struct console *c);

/* Every interrupt of the device calls this (the ports' receive queues have
 * no handler of their own: con_sync drains them with the control queue). */
static void crx_done(struct virtq *vq)
{
    con_sync(vq->priv);
}

/* --- ports: interrupt side --------------------------------------------- */

/* Moves the buffers the device filled to p->filled; true if there were any.
 * p->rx->lock held. */
static bool rx_collect_locked(struct port *p)
{
    struct virtq *vq = p->rx;
    uint32_t len;
    struct cbuf *b;
    bool refill = false, got = false;
    while ((b = virtq_get_used(vq, &len))) {
        if (len == 0 || len > VIRTIO_PORT_BUF_SIZE) {
            give_rx(vq, b, VIRTIO_PORT_BUF_SIZE);
            refill = true;
            continue;
        }
        b->len = len;
        b->off = 0;
        list_add_tail(&b->link, &p->filled);
        p->rx_total += len;
        got = true;
    }
    if (refill)
        virtq_kick(vq);
    return got;
}

/* Takes back the transmit buffers the device has sent and, if there were
 * any, wakes the writers waiting for one.  Whoever takes them back must
 * wake: the interrupt a sleeping writer armed for finds them gone, and a
 * poller that took them (port_poll_mask, even for POLLIN alone) would
 * otherwise leave that writer asleep for good beside free buffers, its
 * reader waiting for an echo that never comes (the stress program `ports`
 * hung so).  The caller tells the pollers (poll_head_notify) once it has
 * dropped the lock.  tx->lock held. */
static bool tx_reclaim(struct port *p)
{
    if (!reclaim_sent(p->tx, &p->tx_free))
        return false;
    waitq_wake_all(&p->writers);
    return true;
}

static void port_tx_done(struct virtq *vq)
{
    struct port *p = vq->priv;
    if (!p)
        return; /* no port added on this queue yet */
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    bool freed = tx_reclaim(p);
    spin_unlock_irqrestore(&vq->lock, flags);
    if (freed)
        poll_head_notify(&p->poll_head, K_POLLOUT | K_POLLWRNORM);
}

static void port_wake_all(struct port *p)
{
    virtq_wake(p->rx, &p->readers);
    virtq_wake(p->tx, &p->writers);
    poll_head_notify(&p->poll_head, 0);
}

/* --- ports: file operations -------------------------------------------- */

static struct port *port_of(struct file *f)
{
    return f->inode->dev.priv;
}

/* Bytes a reader may take now (up to an unread hang-up).  Caller holds rx->lock. */
static uint64_t readable(struct port *p)
{
    return (p->nhangups ? p->hangup[0] : p->rx_total) - p->rx_consumed;
}

/* Drops n buffered bytes (returning emptied buffers to the device), copying
 * them to out unless it is NULL.  Caller holds rx->lock; n <= readable. */
static void take(struct port *p, uint8_t *out, size_t n)
{
    unsigned refill = 0;
    while (n) {
        struct cbuf *b = list_first_entry(&p->filled, struct cbuf, link);
        size_t k = MIN(n, (size_t)(b->len - b->off));
        if (out) {
            memcpy(out, b->data + b->off, k);
            out += k;
        }
        b->off += (uint32_t)k;
        p->rx_consumed += k;
        n -= k;
        if (b->off == b->len) {
            list_del(&b->link);
            give_rx(p->rx, b, VIRTIO_PORT_BUF_SIZE);
            refill++;
        }
    }
    /* The device is told of them (a notify only if it ran out: event index)
     * without an exit; a notify that check misses is made up for before the
     * reader sleeps (port_catch_up's virtq_arm), when a non-blocking reader
     * finds nothing (virtq_settle) or when the last reader leaves. */
    if (refill)
        virtq_announce(p->rx);
}

static int port_open(struct file *f)
{
    struct port *p = port_of(f);
    if (virtio_is_broken(p->con->dev))
        return -EIO;
    uint64_t flags = spin_lock_irqsave(&p->rx->lock);
    int r = p->removed ? -ENODEV : 0;
    bool first = false;
    if (!r) {
        p->opens++;
        first = !p->guest_open;
        p->guest_open = true;
    }
    spin_unlock_irqrestore(&p->rx->lock, flags);
    if (first) {
        ctl_send(p->con, p->id, CTL_PORT_OPEN, 1);
        /* A client that sent before has its bytes waiting in QEMU, whose
         * main loop stopped polling its socket and is not woken by
         * PORT_OPEN; a receive-queue notify is what makes QEMU look again
         * (virtio-serial's guest_writable). */
        flags = spin_lock_irqsave(&p->rx->lock);
        virtq_notify(p->rx);
        spin_unlock_irqrestore(&p->rx->lock, flags);
    }
    return r;
}

static void port_release(struct file *f)
{
    struct port *p = port_of(f);
    uint64_t flags = spin_lock_irqsave(&p->rx->lock);
    bool last = --p->opens == 0;
    if (last && p->nhangups) {
        /* what the vanished clients sent is of no use to the next opener;
         * bytes after the last hang-up (a new client's) stay */
        take(p, NULL, (size_t)(p->hangup[p->nhangups - 1] - p->rx_consumed));
        p->nhangups = 0;
    }
    virtq_settle(p->rx); /* see take() */
    spin_unlock_irqrestore(&p->rx->lock, flags);
    /* No PORT_OPEN 0: QEMU reads a client's bytes off the socket before it
     * looks whether the guest side is open, and drops them if it closed in
     * between, so a server that reopens its port between clients (the vtpm
     * does) would lose the next client's command.  Bytes that arrive while
     * no program has the port open wait in its buffers for the next opener;
     * once those are full the host is held back. */
}

/* Something a reader or poller must see: bytes, a hang-up, the port or the
 * device gone.  Takes rx->lock. */
static bool port_has_news(struct port *p)
{
    if (virtio_is_broken(p->con->dev))
        return true;
    uint64_t flags = spin_lock_irqsave(&p->rx->lock);
    bool news = readable(p) || p->nhangups || p->removed;
    spin_unlock_irqrestore(&p->rx->lock, flags);
    return news;
}

/* True if the device has used buffers on the port's receive queue or the
 * control queue that nobody took yet (a lockless hint). */
static bool rings_have_used(struct port *p)
{
    return virtq_has_used(p->rx) || virtq_has_used(p->con->crx);
}

static bool port_rings_news(void *p)
{
    return rings_have_used(p);
}

/* The device fills a port's receive buffers without interrupting (the
 * queue is lazy): a reader collects them itself, here, when it finds
 * nothing to read, and asks for an interrupt only when it is about to sleep.
 * A streaming host then costs no interrupt per buffer.  A blocking reader
 * (poll_ns > 0) first polls the rings for up to poll_ns (sched_poll_until):
 * the host's next buffer usually comes sooner than an interrupt and a
 * wake-up would.  With arm, returns with the interrupt
 * requested or news found.  Called without locks (con_sync takes rx_sync). */
static void port_catch_up(struct port *p, bool arm, uint64_t poll_ns)
{
    struct console *c = p->con;
    uint64_t deadline = poll_ns ? clock_monotonic_ns() + poll_ns : 0;
    for (;;) {
        /* (a control message alone interrupts: the control queue is armed) */
        if (rings_have_used(p))
            con_sync(c);
        if (port_has_news(p))
            return;
        if (deadline && sched_poll_until(port_rings_news, p, deadline))
            continue;
        deadline = 0;
        if (!arm)
            return;
        uint64_t flags = spin_lock_irqsave(&p->rx->lock);
        bool waiting = virtq_arm(p->rx);
        spin_unlock_irqrestore(&p->rx->lock, flags);
        if (!waiting)
            return; /* the next buffer interrupts, and con_sync wakes us */
    }
}

static int64_t port_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)pos;
    struct port *p = port_of(f);
    bool caught_up = false;
    uint64_t flags = spin_lock_irqsave(&p->rx->lock);
    int64_t r;
    for (;;) {
        if (virtio_is_broken(p->con->dev)) {
            r = -EIO;
            break;
        }
        uint64_t avail = readable(p);
        if (avail) {
            size_t k = (size_t)MIN((uint64_t)n, avail);
            take(p, buf, k);
            r = (int64_t)k;
            break;
        }
        if (p->nhangups) {
            p->nhangups--;
            memmove(p->hangup, p->hangup + 1, p->nhangups * sizeof p->hangup[0]);
            r = 0;
            break;
        }
        if (p->removed) {
            r = -ENODEV;
            break;
        }
        if (!caught_up) {
            /* once per wait: after the arm, con_sync from the interrupt
             * collects the bytes and wakes us */
            spin_unlock_irqrestore(&p->rx->lock, flags);
            bool block = !(io & IO_NONBLOCK);
            port_catch_up(p, block, block ? SCHED_DEVICE_POLL_NS : 0);
            caught_up = true;
            flags = spin_lock_irqsave(&p->rx->lock);
            continue;
        }
        if (io & IO_NONBLOCK) {
            /* no arm follows: a refill's notify take() may have missed must
             * not stay missed while a non-blocking reader spins on EAGAIN
             * (not for a later piece of a read(2) that returned bytes:
             * the caller's next read settles or arms) */
            if (!(io & IO_CONT))
                virtq_settle(p->rx);
            r = -EAGAIN;
            break;
        }
        r = waitq_wait_locked_interruptible(&p->readers, &p->rx->lock, 0);
        if (r)
            break;
        caught_up = false; /* woken by con_sync: the queue is not armed now */
    }
    spin_unlock_irqrestore(&p->rx->lock, flags);
    return r;
}

/* 0 if the host can take bytes now, else why not.  Takes rx->lock. */
static int port_write_state(struct port *p)
{
    if (virtio_is_broken(p->con->dev))
        return -EIO;
    uint64_t flags = spin_lock_irqsave(&p->rx->lock);
    int r = p->removed ? -ENODEV : !p->host_connected || p->nhangups ? -EPIPE : 0;
    spin_unlock_irqrestore(&p->rx->lock, flags);
    return r;
}

/* Makes a transmit buffer free if the device is done with one: true if
 * p->tx_free is not empty.  The transmit queue is lazy too: buffers the
 * device sent are taken back here (tx_reclaim: *reclaimed says so, and the
 * caller then tells the pollers), and an interrupt is asked for (arm) only
 * when none is free, for a writer or poller about to sleep.  Whatever is
 * queued is told to the device first, or it would never send it.  Caller
 * holds tx->lock. */
static bool tx_make_room(struct port *p, bool arm, bool *reclaimed)
{
    struct virtq *vq = p->tx;
    if (!list_empty(&p->tx_free))
        return true;
    virtq_notify_new(vq);
    for (;;) {
        if (tx_reclaim(p)) {
            *reclaimed = true;
            return true;
        }
        if (!arm || !virtq_arm(vq))
            return false;
    }
}

static int64_t port_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)pos;
    struct port *p = port_of(f);
    struct virtq *vq = p->tx;
    int64_t r = port_write_state(p);
    bool reclaimed = false;
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    while (!r && n) {
        if (tx_make_room(p, !(io & IO_NONBLOCK), &reclaimed)) {
            size_t k = MIN(n, (size_t)VIRTIO_PORT_BUF_SIZE);
            queue_buf(vq, &p->tx_free, buf, (uint32_t)k);
            r = (int64_t)k;
            break;
        }
        if (io & IO_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        r = waitq_wait_locked_interruptible(&p->writers, &vq->lock, 0);
        if (r)
            break;
        /* the host may have gone while we waited */
        spin_unlock_irqrestore(&vq->lock, flags);
        r = port_write_state(p);
        flags = spin_lock_irqsave(&vq->lock);
    }
    /* IO_MORE: the caller's next piece follows at once (sys_rw.c); anything
     * else, an error or an empty write included, ends the batch */
    if (r <= 0 || !(io & IO_MORE))
        virtq_notify_new(vq); /* QEMU sends a port's buffers within the notify */
    spin_unlock_irqrestore(&vq->lock, flags);
    if (reclaimed)
        poll_head_notify(&p->poll_head, K_POLLOUT | K_POLLWRNORM); /* see tx_reclaim */
    return r;
}

/* The poll mask from what is collected.  Takes the locks. */
static unsigned port_poll_mask(struct port *p, bool arm)
{
    if (virtio_is_broken(p->con->dev))
        return K_POLLERR;
    unsigned m = 0;
    uint64_t flags = spin_lock_irqsave(&p->rx->lock);
    if (readable(p) || p->nhangups)
        m |= K_POLLIN | K_POLLRDNORM;
    if (p->nhangups)
        m |= K_POLLHUP;
    bool can_send = p->host_connected && !p->nhangups && !p->removed, reclaimed = false;
    spin_unlock_irqrestore(&p->rx->lock, flags);
    flags = spin_lock_irqsave(&p->tx->lock);
    if (can_send && tx_make_room(p, arm, &reclaimed))
        m |= K_POLLOUT | K_POLLWRNORM;
    spin_unlock_irqrestore(&p->tx->lock, flags);
    if (reclaimed)
        poll_head_notify(&p->poll_head, K_POLLOUT | K_POLLWRNORM); /* see tx_reclaim */
    return m;
}

static unsigned port_poll(struct file *f, bool arm)
{
    struct port *p = port_of(f);
    unsigned m = port_poll_mask(p, arm);
    if (m & (K_POLLIN | K_POLLERR))
        return m;
    /* collect what the device has (see port_catch_up), and if the poller
     * may sleep next, arm the interrupt; the polling before a sleep is
     * poll(2)'s, over all its files (port_poll_news) */
    port_catch_up(p, arm, 0);
    return port_poll_mask(p, arm);
}

/* News that can change the poll answer: received bytes or control
 * messages, or sent buffers to take back while no transmit buffer is free
 * (POLLOUT).  Sent buffers while one is free change nothing: the scan does
 * not take them back (tx_make_room finds a free one first), so counting them
 * made the hint stay true for good once a writer stopped, and poll(2) spun
 * on it without sleeping, timing out or seeing a signal (a SIGKILLed ports
 * worker whose writer thread had died spun so, unkillable, for minutes).
 * A lockless hint: list_empty is read without tx->lock. */
static bool port_poll_news(struct file *f)
{
    struct port *p = port_of(f);
    bool none_free = __atomic_load_n(&p->tx_free.next, __ATOMIC_RELAXED) == &p->tx_free;
    return rings_have_used(p) || (none_free && virtq_has_used(p->tx));
}

static struct poll_head *port_poll_head(struct file *f)
{
    return &port_of(f)->poll_head;
}

static const struct file_ops port_ops = {
    .read = port_read,
    .write = port_write,
    .poll = port_poll,
    .poll_head = port_poll_head,
    .poll_news = port_poll_news,
    .write_batches = true,
    .open = port_open,
    .release = port_release,
};

/* --- control messages --------------------------------------------------- */

/* A port's receive buffers (2^order pages): all VIRTIO_PORT_RX_BUFS when
 * they are at most 1/128 of memory (from 32 MiB), fewer on smaller machines,
 * down to VIRTIO_PORT_RX_MIN_ORDER: an 8 MiB service VM cannot give 256 KiB
 * to each port, and its clients send one command at a time. */
static unsigned rx_order_for_memory(void)
{
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    unsigned order = VIRTIO_PORT_RX_ORDER;
    while (order > VIRTIO_PORT_RX_MIN_ORDER && (1ull << order) * 128 > ps.total_pages)
        order--;
    return order;
}

static struct port *port_add(struct console *c, uint32_t id)
{
    _Static_assert(VIRTIO_PORT_RX_BUFS * VIRTIO_PORT_BUF_SIZE == PAGE_SIZE << VIRTIO_PORT_RX_ORDER, "rx order");
    _Static_assert(VIRTIO_PORT_TX_BUFS * VIRTIO_PORT_BUF_SIZE == PAGE_SIZE << VIRTIO_PORT_TX_ORDER, "tx order");
    _Static_assert(VIRTIO_PORT_RX_BUFS <= VIRTQ_MAX_SIZE && VIRTIO_PORT_TX_BUFS <= VIRTQ_MAX_SIZE, "queue room");
    _Static_assert(VIRTIO_PORT_BUF_SIZE == PAGE_SIZE, "one buffer per page");
    unsigned rx_order = rx_order_for_memory();
    struct port *p = kzalloc(sizeof *p);
    uint64_t rx_pages = virtio_alloc_pages(rx_order);
    uint64_t tx_pages = virtio_alloc_pages(VIRTIO_PORT_TX_ORDER);
    if (!p || !rx_pages || !tx_pages) {
        kfree(p);
        if (rx_pages)
            virtio_free_pages(rx_pages, rx_order);
        if (tx_pages)
            virtio_free_pages(tx_pages, VIRTIO_PORT_TX_ORDER);
        return NULL;
    }
    uint8_t *rx_mem = phys_to_virt(rx_pages), *tx_mem = phys_to_virt(tx_pages);
    p->con = c;
    p->id = id;
    p->rx = c->dev->queues[rxq_index(id)];
    p->tx = c->dev->queues[txq_index(id)];
    list_init(&p->filled);
    list_init(&p->tx_free);
    waitq_init(&p->readers);
    poll_head_init(&p->poll_head);
    waitq_init(&p->writers);
    uint64_t flags = spin_lock_irqsave(&p->tx->lock);
    p->tx->priv = p;
    for (int k = 0; k < VIRTIO_PORT_TX_BUFS; k++) {
        p->txb[k].data = tx_mem + k * VIRTIO_PORT_BUF_SIZE;
        list_add_tail(&p->txb[k].link, &p->tx_free);
    }
    spin_unlock_irqrestore(&p->tx->lock, flags);
    flags = spin_lock_irqsave(&p->rx->lock);
    p->rx->priv = p;
    /* as many as the queue holds (QEMU's are 128 entries) */
    for (int k = 0; k < (1 << rx_order) && p->rx->num_free; k++) {
        p->rxb[k].data = rx_mem + k * VIRTIO_PORT_BUF_SIZE;
        give_rx(p->rx, &p->rxb[k], VIRTIO_PORT_BUF_SIZE);
    }
    virtq_kick(p->rx);
    spin_unlock_irqrestore(&p->rx->lock, flags);
    return p;
}

/* A port name becomes a file name: printable, no '/', not "." or "..". */
static bool name_ok(const char *s, size_t len)
{
    if (len == 0 || len >= 64 || (s[0] == '.' && (len == 1 || (len == 2 && s[1] == '.'))))
        return false;
    for (size_t k = 0; k < len; k++)
        if (s[k] <= ' ' || s[k] > '~' || s[k] == '/')
            return false;
    return true;
}

static void port_named(struct console *c, struct port *p, const char *s, size_t len)
{
    while (len && s[len - 1] == 0)
        len--;
    if (p->named)
        return;
    if (!name_ok(s, len)) {
        printk(LOG_ERR, "%s: port %u has an unusable name; it gets no device node", c->dev->name, p->id);
        return;
    }
    memcpy(p->name, s, len);
    p->name[len] = 0;
    int r = devfs_register("port", p->name, K_S_IFCHR | 0600, VIRTIO_CONSOLE_MAJOR, p->id, &port_ops, p, 0);
    if (r) {
        printk(LOG_ERR, "%s: port %u: cannot create /dev/port/%s (%d)", c->dev->name, p->id, p->name, r);
        return;
    }
    p->named = true;
    printk(LOG_INFO, "%s: port %u is /dev/port/%s", c->dev->name, p->id, p->name);
}

static void ctl_handle(struct console *c, const uint8_t *buf, uint32_t len)
{
    struct ctl_msg m;
    if (len < sizeof m)
        return;
    memcpy(&m, buf, sizeof m);
    struct port *p = m.id < c->nports ? c->ports[m.id] : NULL;
    switch (m.event) {
    case CTL_DEVICE_ADD:
        if (m.id >= c->nports) {
            printk(LOG_ERR, "%s: port %u is beyond the %u ports nutshell drives; refused", c->dev->name, m.id,
                   c->nports);
            ctl_send(c, m.id, CTL_PORT_READY, 0);
            return;
        }
        if (p)
            return;
        p = port_add(c, m.id);
        if (p) {
            uint64_t flags = spin_lock_irqsave(&c->rx_sync); /* con_sync walks ports[] */
            c->ports[m.id] = p;
            spin_unlock_irqrestore(&c->rx_sync, flags);
        }
        ctl_send(c, m.id, CTL_PORT_READY, p ? 1 : 0);
        if (!p)
            printk(LOG_ERR, "%s: port %u: out of memory; refused", c->dev->name, m.id);
        return;
    case CTL_PORT_NAME:
        if (p)
            port_named(c, p, (const char *)buf + sizeof m, len - sizeof m);
        return;
    case CTL_DEVICE_REMOVE:
        if (p) {
            uint64_t flags = spin_lock_irqsave(&p->rx->lock);
            p->removed = true;
            p->host_connected = false;
            spin_unlock_irqrestore(&p->rx->lock, flags);
            printk(LOG_WARN, "%s: port %u (%s) removed by the host; its users get ENODEV", c->dev->name, m.id,
                   p->name);
            port_wake_all(p);
        }
        return;
    case CTL_CONSOLE_PORT:
        printk(LOG_INFO, "%s: port %u is a console port (served like any port if named)", c->dev->name, m.id);
        return;
    default:
        return; /* RESIZE and anything newer: nothing to do */
    }
}

/* --- host connects and disconnects against the ports' bytes ------------ */

/* QEMU puts a client's bytes on the port's receive queue and its connect and
 * disconnect (PORT_OPEN) on the control queue, and two rings carry no order
 * between them: a hang-up must still fall between the bytes of the client
 * that left and those of the next one, or the next client's command counts
 * as the old connection's and its response is refused (EPIPE) and lost.
 *
 * So the two are drained only together, in rounds: every port's receive
 * queue, then the control queue, until a control pass finds nothing new.
 * Any event a sync leaves behind came after the last port pass and so after
 * every byte it took, and any byte it leaves behind came after the last port
 * pass and so after every event it took (x86 loads are ordered and QEMU
 * publishes each used index after its entries): syncs are ordered against
 * each other.  Within one sync, bytes and events are ordered only by what
 * QEMU guarantees: no byte reaches a port between a disconnect and the next
 * connect.  Hence, per port:
 *   - hang-ups after the sync's last connect fall after all its bytes
 *     (exact: those bytes came before that connect or were the last client's);
 *   - hang-ups before a connect of the same sync fall before all its bytes,
 *     i.e. the bytes go to the newest client.  Exact for request/response
 *     clients, which leave no bytes behind; a client that vanishes
 *     mid-command within the same sync as the next one's arrival has its
 *     last bytes read before the next client's (docs/devices.md).
 * A sync runs in the interrupt handler, so it is short; one whose control
 * passes keep finding events is cut after SYNC_ROUNDS (a host connecting
 * and disconnecting without pause), which only widens the last rounds. */
#define SYNC_ROUNDS 16

/* Records a PORT_OPEN in the sync state of its port.  rx_sync held. */
static void sync_note_open(struct console *c, const struct ctl_msg *m)
{
    if (m->id >= c->nports || !c->ports[m->id])
        return; /* PORT_OPEN only follows our PORT_READY, sent once the port exists */
    struct port_sync *s = &c->sync[m->id];
    bool open = m->value != 0;
    if (open == s->connected)
        return; /* QEMU repeats the state when a port becomes ready */
    s->connected = open;
    s->changed = true;
    if (open) {
        s->closes_before_open += s->closes_after_open;
        s->closes_after_open = 0;
    } else {
        s->closes_after_open++;
    }
}

/* Takes the control messages the device returned: PORT_OPEN goes to the
 * sync state, the others wait in ctl_pending for the thread.  True if there
 * were any.  rx_sync held. */
static bool sync_control_pass(struct console *c)
{
    struct virtq *vq = c->crx;
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    uint32_t len;
    struct cbuf *b;
    bool any = false, refill = false, pending = false;
    while ((b = virtq_get_used(vq, &len))) {
        struct ctl_msg m;
        any = true;
        b->len = len < CTL_BUF_SIZE ? len : CTL_BUF_SIZE;
        if (b->len >= sizeof m) {
            memcpy(&m, b->data, sizeof m);
            if (m.event == CTL_PORT_OPEN) {
                sync_note_open(c, &m);
                give_rx(vq, b, CTL_BUF_SIZE);
                refill = true;
                continue;
            }
        }
        list_add_tail(&b->link, &c->ctl_pending);
        pending = true;
    }
    if (refill)
        virtq_kick(vq);
    if (pending)
        waitq_wake_all(&c->ctrl_wq);
    spin_unlock_irqrestore(&vq->lock, flags);
    return any;
}

/* Adds a hang-up after byte `at`.  p->rx->lock held. */
static void add_hangup(struct port *p, uint64_t at)
{
    if (p->nhangups == PORT_HANGUPS)
        p->nhangups--; /* merged into the previous one, see PORT_HANGUPS */
    p->hangup[p->nhangups++] = at;
}

/* Drains the control queue and the ports' receive queues together and
 * places the hang-ups (see above).  Interrupt handler and control thread. */
static void con_sync(struct console *c)
{
    uint64_t flags = spin_lock_irqsave(&c->rx_sync);
    for (uint32_t id = 0; id < c->nports; id++) {
        struct port *p = c->ports[id];
        if (!p)
            continue;
        uint64_t f = spin_lock_irqsave(&p->rx->lock);
        c->sync[id] = (struct port_sync){.before = p->rx_total, .connected = p->host_connected};
        spin_unlock_irqrestore(&p->rx->lock, f);
    }
    bool got[VIRTIO_CONSOLE_MAX_PORTS] = {false};
    sync_control_pass(c);
    for (int round = 0; round < SYNC_ROUNDS; round++) {
        for (uint32_t id = 0; id < c->nports; id++) {
            struct port *p = c->ports[id];
            if (!p)
                continue;
            uint64_t f = spin_lock_irqsave(&p->rx->lock);
            got[id] |= rx_collect_locked(p);
            spin_unlock_irqrestore(&p->rx->lock, f);
        }
        if (!sync_control_pass(c))
            break;
    }
    for (uint32_t id = 0; id < c->nports; id++) {
        struct port *p = c->ports[id];
        struct port_sync *s = &c->sync[id];
        if (!p || (!got[id] && !s->changed))
            continue;
        uint64_t f = spin_lock_irqsave(&p->rx->lock);
        for (unsigned k = 0; k < s->closes_before_open; k++)
            add_hangup(p, s->before);
        for (unsigned k = 0; k < s->closes_after_open; k++)
            add_hangup(p, p->rx_total);
        if (s->changed && !p->removed)
            p->host_connected = s->connected;
        waitq_wake_all(&p->readers);
        spin_unlock_irqrestore(&p->rx->lock, f);
        if (s->changed) {
            /* writers waiting for a transmit buffer recheck the host */
            virtq_wake(p->tx, &p->writers);
            printk(LOG_DEBUG, "%s: port %u: host %s (%u hang-ups)", c->dev->name, id,
                   s->connected ? "connected" : "gone", s->closes_before_open + s->closes_after_open);
        }
        poll_head_notify(&p->poll_head, 0);
    }
    spin_unlock_irqrestore(&c->rx_sync, flags);
}

/* Handles the pending control messages.  Returns how many. */
static int ctl_process(struct console *c)
{
    int n = 0;
    mutex_lock(&c->ctrl_lock);
    for (;;) {
        con_sync(c);
        struct virtq *vq = c->crx;
        uint64_t flags = spin_lock_irqsave(&vq->lock);
        struct cbuf *b = NULL;
        if (!list_empty(&c->ctl_pending)) {
            b = list_first_entry(&c->ctl_pending, struct cbuf, link);
            list_del(&b->link);
        }
        spin_unlock_irqrestore(&vq->lock, flags);
        if (!b)
            break;
        ctl_handle(c, b->data, b->len);
        flags = spin_lock_irqsave(&vq->lock);
        give_rx(vq, b, CTL_BUF_SIZE);
        virtq_kick(vq);
        spin_unlock_irqrestore(&vq->lock, flags);
        n++;
    }
    mutex_unlock(&c->ctrl_lock);
    return n;
}

static void ctl_thread(void *arg)
{
    struct console *c = arg;
    while (!virtio_is_broken(c->dev)) {
        ctl_process(c);
        struct virtq *vq = c->crx;
        uint64_t flags = spin_lock_irqsave(&vq->lock);
        while (list_empty(&c->ctl_pending) && vq->last_used == vq->used->idx && !virtio_is_broken(c->dev))
            waitq_wait_locked(&c->ctrl_wq, &vq->lock, 0);
        spin_unlock_irqrestore(&vq->lock, flags);
    }
    thread_exit(0);
}

static void con_broken(struct virtio_dev *d)
{
    struct console *c = d->priv;
    if (!c)
        return;
    virtq_wake(c->crx, &c->ctrl_wq);
    virtq_wake(c->ctx, &c->ctx_wq);
    for (uint32_t k = 0; k < c->nports; k++)
        if (c->ports[k])
            port_wake_all(c->ports[k]);
}

static int con_probe(struct virtio_dev *d)
{
    int r = virtio_negotiate(d);
    if (r)
        return r;
    if (!virtio_has(d, VIRTIO_CONSOLE_F_MULTIPORT)) {
        printk(LOG_ERR, "%s: no VIRTIO_CONSOLE_F_MULTIPORT: nutshell serves named ports only", d->name);
        return -ENODEV;
    }
    struct console *c = kzalloc(sizeof *c);
    /* Receive control buffers (4 pages), then transmit ones (1 page): 8 pages. */
    uint64_t ctl_pages = virtio_alloc_pages(3);
    if (!c || !ctl_pages)
        return -ENOMEM;
    c->dev = d;
    mutex_init(&c->ctrl_lock);
    c->rx_sync = (spinlock_t)SPINLOCK_INIT;
    waitq_init(&c->ctrl_wq);
    waitq_init(&c->ctx_wq);
    list_init(&c->ctx_free);
    list_init(&c->ctl_pending);
    uint32_t max = virtio_config_read32(d, 4);
    c->nports = max < VIRTIO_CONSOLE_MAX_PORTS ? max : VIRTIO_CONSOLE_MAX_PORTS;
    d->priv = c;
    /* Every queue is sized to the buffers it will hold: most ports are never used. */
    if ((r = virtq_setup_sized(d, 2, CTL_RX_BUFS, crx_done, c, &c->crx)) ||
        (r = virtq_setup_sized(d, 3, CTL_TX_BUFS, ctx_done, c, &c->ctx)))
        return r;
    unsigned rx_bufs = 1u << rx_order_for_memory();
    for (uint32_t id = 0; id < c->nports; id++) {
        struct virtq *q;
        if ((r = virtq_setup_sized(d, rxq_index(id), rx_bufs, NULL, NULL, &q)))
            return r;
        virtq_set_lazy(q); /* readers collect (port_catch_up) */
        if ((r = virtq_setup_sized(d, txq_index(id), VIRTIO_PORT_TX_BUFS, port_tx_done, NULL, &q)))
            return r;
        virtq_set_lazy(q); /* writers take sent buffers back (tx_make_room) */
    }
    _Static_assert((CTL_RX_BUFS + CTL_TX_BUFS) * CTL_BUF_SIZE <= PAGE_SIZE << 3, "control buffers fit 8 pages");
    uint8_t *mem = phys_to_virt(ctl_pages);
    for (int k = 0; k < CTL_RX_BUFS && c->crx->num_free; k++) {
        c->crxb[k].data = mem + k * CTL_BUF_SIZE;
        give_rx(c->crx, &c->crxb[k], CTL_BUF_SIZE);
    }
    for (int k = 0; k < CTL_TX_BUFS; k++) {
        c->ctxb[k].data = mem + (CTL_RX_BUFS + k) * CTL_BUF_SIZE;
        list_add_tail(&c->ctxb[k].link, &c->ctx_free);
    }
    virtio_driver_ok(d);
    ctl_send(c, 0xffffffffu, CTL_DEVICE_READY, 1);
    /* The device answers DEVICE_READY with a PORT_ADD per port, and our
     * PORT_READY for a port with its name, but not necessarily within the
     * notify: QEMU's virtio-pci hands notifies to its main loop (ioeventfd,
     * emulated under TCG too) and the notify returns at once.  So each round
     * waits until the device has taken all we sent, then handles its
     * answers, until a round finds none: every port is named before init
     * starts (the vtpm and aproxy open theirs at once). */
    do
        ctl_wait_all_taken(c);
    while (ctl_process(c) > 0);
    struct thread *t = kthread_create("virtio-console", ctl_thread, c);
    if (!t)
        return -ENOMEM;
    kthread_detach(t);
    return 0;
}

const struct virtio_driver virtio_console_driver = {
    .name = "console",
    .device_id = VIRTIO_ID_CONSOLE,
    .features = 1u << VIRTIO_CONSOLE_F_MULTIPORT,
    .probe = con_probe,
    .broken = con_broken,
};
