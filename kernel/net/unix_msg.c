/* AF_UNIX data: sending and receiving messages, which carry descriptors
 * (SCM_RIGHTS) and credentials (SCM_CREDENTIALS; the control messages
 * themselves are unix_scm.c's).  Stream sockets cut a
 * send into messages of at most UNIX_CHUNK bytes and glue them back
 * together on receive; datagram and seqpacket sockets keep each send whole.
 * The locking and the memory charge are in net/unix.h. */
#include <fs/uio.h>
#include <fs/kernel_api.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/slab.h>
#include <net/unix.h>
#include <proc/signal.h>

/* The most data one queued message holds: with its header, 16 KiB, an
 * order-2 block (larger blocks are scarce in a small VM). */
#define UNIX_CHUNK (16384u - sizeof(struct unix_msg))

static struct unix_msg *msg_alloc(size_t len)
{
    struct unix_msg *m = kmalloc(sizeof *m + len);
    if (!m)
        return NULL;
    memset(m, 0, sizeof *m);
    list_init(&m->link);
    m->len = len;
    m->charge = sizeof *m + len;
    return m;
}

static void msg_free(struct unix_msg *m)
{
    if (m->files)
        unix_files_put(m->files, m->nfds);
    if (m->from)
        unix_sock_put(m->from);
    kfree(m);
}

/* Messages whose files are being dropped.  Dropping a socket's file frees
 * its queue, whose files may be sockets with queues in turn: freed
 * recursively, a chain of sockets passed in sockets would run the kernel
 * stack out.  So the first caller frees them all in a loop and nested or
 * concurrent callers only add theirs (unix_lock). */
static struct list_head dying = LIST_HEAD_INIT(dying);
static bool draining;

void unix_msgs_free(struct list_head *msgs)
{
    uint64_t fl = unix_lock_irqsave();
    while (!list_empty(msgs)) {
        struct unix_msg *m = list_first_entry(msgs, struct unix_msg, link);
        list_del(&m->link);
        list_add_tail(&m->link, &dying);
    }
    if (draining) {
        unix_unlock_irqrestore(fl);
        return;
    }
    draining = true;
    while (!list_empty(&dying)) {
        struct unix_msg *m = list_first_entry(&dying, struct unix_msg, link);
        list_del(&m->link);
        unix_unlock_irqrestore(fl);
        msg_free(m);
        fl = unix_lock_irqsave();
    }
    draining = false;
    unix_unlock_irqrestore(fl);
}

/* Detaches m's files for delivery; they are no longer in flight. */
static void take_files_locked(struct unix_msg *m, struct file ***files, unsigned *nfds)
{
    unix_inflight_del_locked(m);
    *files = m->files;
    *nfds = m->nfds;
    m->charge -= m->nfds * sizeof(struct file *);
    m->from->wmem -= m->nfds * sizeof(struct file *);
    m->files = NULL;
    m->nfds = 0;
}

void unix_msg_unlink_locked(struct unix_sock *owner, struct unix_msg *m)
{
    list_del(&m->link);
    owner->queue_msgs--;
    owner->queue_bytes -= m->len - m->off;
    if (m->files)
        unix_inflight_del_locked(m);
    m->from->wmem -= m->charge;
    unix_wake_locked(m->from); /* room for its sender */
    unix_wake_locked(owner);   /* room for datagram senders */
}

static void enqueue_locked(struct unix_sock *from, struct unix_sock *to, struct unix_msg *m)
{
    unix_sock_get(from);
    m->from = from;
    from->wmem += m->charge;
    list_add_tail(&m->link, &to->queue);
    to->queue_msgs++;
    to->queue_bytes += m->len;
    if (m->files)
        unix_inflight_add_locked(m);
    unix_wake_locked(to);
}

size_t unix_inq_locked(struct unix_sock *s)
{
    if (s->type == K_SOCK_DGRAM)
        return list_empty(&s->queue) ? 0 : list_first_entry(&s->queue, struct unix_msg, link)->len;
    return s->queue_bytes;
}

/* Gives the first message of a send what the call attached. */
static void attach_control(struct unix_msg *m, struct unix_send *sm)
{
    m->cred = sm->has_cred ? sm->cred : unix_current_cred();
    if (sm->nfds) {
        m->files = sm->files;
        m->nfds = sm->nfds;
        m->charge += sm->nfds * sizeof(struct file *);
        sm->files = NULL;
        sm->nfds = 0;
    }
}

/* A pending error, cleared as it is reported (Linux's sock_error). */
static int take_error_locked(struct unix_sock *s)
{
    int e = s->err;
    s->err = 0;
    return -e;
}

/* Waits until s may charge another message (unix_lock held): 0 or -errno. */
static int wait_for_wmem_locked(struct unix_sock *s, bool nonblock, uint64_t deadline)
{
    while (s->wmem >= s->sndbuf) {
        if (s->shutdown & UNIX_SHUT_SEND)
            return -EPIPE;
        if (nonblock)
            return -EAGAIN;
        int r = unix_wait_locked(s, deadline);
        if (r)
            return r;
    }
    return 0;
}

static int64_t stream_send(struct unix_sock *s, struct unix_send *sm)
{
    if (sm->to) {
        uint64_t fl = unix_lock_irqsave();
        bool connected = s->state == UNIX_CONNECTED;
        unix_unlock_irqrestore(fl);
        return connected ? -EISCONN : -EOPNOTSUPP;
    }
    bool nonblock = sm->nonblock || (sm->flags & K_MSG_DONTWAIT);
    int64_t sent = 0;
    int r = 0;
    uint64_t fl = unix_lock_irqsave();
    uint64_t deadline = unix_deadline(s->sndtimeo_ns);
    size_t max = MIN((size_t)UNIX_CHUNK, (size_t)(s->sndbuf / 2 - 64));
    if (!s->peer)
        r = -ENOTCONN;
    else if (s->shutdown & UNIX_SHUT_SEND)
        r = -EPIPE;
    unix_unlock_irqrestore(fl);
    while (!r && sm->u->resid) {
        size_t len = MIN(sm->u->resid, max);
        struct unix_msg *m = msg_alloc(len);
        if (!m) {
            r = -ENOMEM;
            break;
        }
        if (uio_move(sm->u, m->data, len, false) < len) {
            msg_free(m);
            r = -EFAULT;
            break;
        }
        attach_control(m, sm);
        fl = unix_lock_irqsave();
        struct unix_sock *p = s->peer;
        if (s->shutdown & UNIX_SHUT_SEND)
            r = -EPIPE;
        else if (s->err)
            r = take_error_locked(s);
        else
            r = wait_for_wmem_locked(s, nonblock, deadline);
        if (!r && (p->dead || (p->shutdown & UNIX_SHUT_RCV)))
            r = -EPIPE;
        if (!r)
            enqueue_locked(s, p, m);
        unix_unlock_irqrestore(fl);
        if (r) {
            msg_free(m);
            break;
        }
        poll_notify();
        sent += (int64_t)len;
    }
    if (r == -EPIPE && !sent && !(sm->flags & K_MSG_NOSIGNAL))
        signal_send_current(SIGPIPE);
    return sent ? sent : r;
}

/* The receiver of a datagram (unix_lock held): 0 and *out, or -errno. */
static int dgram_target_locked(struct unix_sock *s, struct unix_sock *named, struct unix_sock **out)
{
    struct unix_sock *other = named ? named : s->peer;
    if (!other)
        return -ENOTCONN;
    if (other->dead) {
        if (s->type == K_SOCK_SEQPACKET)
            return -EPIPE;
        if (s->peer == other) {
            /* The peer is gone: forget it, once (Linux's ECONNREFUSED). */
            s->peer = NULL;
            s->state = UNIX_UNCONNECTED;
            unix_sock_put(other);
        }
        return -ECONNREFUSED;
    }
    if (other->peer && other->peer != s)
        return -EPERM; /* connected to someone else */
    if (other->shutdown & UNIX_SHUT_RCV)
        return -EPIPE;
    *out = other;
    return 0;
}

static int64_t dgram_send(struct unix_sock *s, struct unix_send *sm)
{
    bool nonblock = sm->nonblock || (sm->flags & K_MSG_DONTWAIT);
    size_t len = sm->u->resid;
    uint64_t fl = unix_lock_irqsave();
    uint32_t sndbuf = s->sndbuf;
    bool seq = s->type == K_SOCK_SEQPACKET;
    int r = seq && s->state != UNIX_CONNECTED ? -ENOTCONN : 0;
    bool need_name = !seq && s->passcred && !s->addr;
    uint64_t deadline = unix_deadline(s->sndtimeo_ns);
    unix_unlock_irqrestore(fl);
    if (r)
        return r;
    if (len > sndbuf - 32)
        return -EMSGSIZE;
    if (need_name && (r = unix_autobind(s)))
        return r;
    struct unix_sock *named = NULL;
    if (sm->to && !seq) {
        r = unix_find(sm->to, s->type, &named);
        if (r)
            return r;
    }
    struct unix_msg *m = msg_alloc(len);
    if (!m) {
        r = -ENOMEM;
        goto out;
    }
    if (uio_move(sm->u, m->data, len, false) < len) {
        r = -EFAULT;
        goto out;
    }
    attach_control(m, sm);
    fl = unix_lock_irqsave();
    for (;;) {
        struct unix_sock *other;
        if (s->shutdown & UNIX_SHUT_SEND) {
            r = -EPIPE;
            break;
        }
        if ((r = wait_for_wmem_locked(s, nonblock, deadline)))
            break;
        if ((r = dgram_target_locked(s, named, &other)))
            break;
        if (other->peer == s || other->queue_msgs <= UNIX_DGRAM_QLEN) {
            enqueue_locked(s, other, m);
            m = NULL;
            break;
        }
        if (nonblock) {
            r = -EAGAIN;
            break;
        }
        if ((r = unix_wait_on_locked(&other->wq, deadline)))
            break;
    }
    unix_unlock_irqrestore(fl);
    if (!r)
        poll_notify();
out:
    if (m)
        msg_free(m);
    if (named)
        unix_sock_put(named);
    return r ? r : (int64_t)len;
}

int64_t unix_sendmsg(struct unix_sock *s, struct unix_send *sm)
{
    int64_t r;
    if (sm->flags & K_MSG_OOB)
        r = -EOPNOTSUPP;
    else if (s->type == K_SOCK_STREAM)
        r = stream_send(s, sm);
    else
        r = dgram_send(s, sm);
    if (sm->files)
        unix_files_put(sm->files, sm->nfds); /* not sent */
    sm->files = NULL;
    return r;
}

/* Takes the readers' turn.  Its holders only copy, so a non-blocking
 * reader waits for it too, as Linux's iolock. */
static int turn_lock(struct unix_sock *s)
{
    return mutex_lock_interruptible(&s->iolock);
}

/* Waits for a message (unix_lock held, the turn not held): 1 when one is
 * queued, 0 at end of file, or -errno. */
static int wait_for_data_locked(struct unix_sock *s, bool nonblock, uint64_t deadline)
{
    for (;;) {
        if (!list_empty(&s->queue))
            return 1;
        if (s->err)
            return take_error_locked(s);
        if (s->shutdown & UNIX_SHUT_RCV)
            return 0;
        if (nonblock)
            return -EAGAIN;
        int r = unix_wait_locked(s, deadline);
        if (r)
            return r;
    }
}

static void sender_name_locked(struct unix_recv *rm, struct unix_msg *m)
{
    rm->from_len = m->from->addr ? unix_getname_locked(m->from, &rm->from) : 0;
}

static int64_t dgram_recv(struct unix_sock *s, struct unix_recv *rm)
{
    bool nonblock = rm->nonblock || (rm->flags & K_MSG_DONTWAIT), peek = rm->flags & K_MSG_PEEK;
    struct unix_recv_extra x = {0};
    struct unix_msg *m;
    bool passcred;
    uint64_t fl = unix_lock_irqsave();
    uint64_t deadline = unix_deadline(s->rcvtimeo_ns);
    if (s->type == K_SOCK_SEQPACKET && s->state != UNIX_CONNECTED) {
        unix_unlock_irqrestore(fl);
        return -ENOTCONN;
    }
    for (;;) {
        int r = wait_for_data_locked(s, nonblock, deadline);
        unix_unlock_irqrestore(fl);
        if (r <= 0)
            return r;
        if ((r = turn_lock(s)))
            return r;
        fl = unix_lock_irqsave();
        if (!list_empty(&s->queue))
            break;
        mutex_unlock(&s->iolock); /* another reader took it: wait again */
    }
    m = list_first_entry(&s->queue, struct unix_msg, link);
    passcred = s->passcred;
    sender_name_locked(rm, m);
    x.has_cred = true;
    x.cred = m->cred;
    if (!peek) {
        if (m->files)
            take_files_locked(m, &x.files, &x.nfds);
        unix_msg_unlink_locked(s, m);
    }
    unix_unlock_irqrestore(fl);
    if (peek && m->nfds) {
        x.files = unix_files_dup(m->files, m->nfds);
        x.nfds = x.files ? m->nfds : 0;
    }
    size_t n = MIN(rm->u->resid, m->len);
    int64_t r = uio_move(rm->u, m->data, n, true) < n ? -EFAULT : (int64_t)n;
    size_t whole = m->len;
    mutex_unlock(&s->iolock);
    if (!peek) {
        msg_free(m);
        poll_notify();
    }
    if (whole > n)
        rm->out_flags |= K_MSG_TRUNC;
    if (r >= 0 && (rm->flags & K_MSG_TRUNC))
        r = (int64_t)whole; /* the real length, as Linux */
    unix_deliver_control(rm, passcred, &x);
    return r;
}

static int64_t stream_recv(struct unix_sock *s, struct unix_recv *rm)
{
    bool nonblock = rm->nonblock || (rm->flags & K_MSG_DONTWAIT), peek = rm->flags & K_MSG_PEEK;
    size_t target = rm->flags & K_MSG_WAITALL ? rm->u->resid : MIN(rm->u->resid, (size_t)1);
    struct list_head done = LIST_HEAD_INIT(done);
    struct unix_recv_extra x = {0};
    int64_t copied = 0;
    int r = 0;
    bool passcred = false, consumed = false;
    uint64_t fl = unix_lock_irqsave();
    uint64_t deadline = unix_deadline(s->rcvtimeo_ns);
    bool connected = s->state == UNIX_CONNECTED;
    unix_unlock_irqrestore(fl);
    if (!connected)
        return -EINVAL; /* Linux: a stream socket that is not connected */
    if ((r = turn_lock(s)))
        return r;
    fl = unix_lock_irqsave();
    passcred = s->passcred;
    while (rm->u->resid) {
        /* The first message not yet read by this call. */
        struct unix_msg *m = NULL;
        size_t skip = peek ? (size_t)copied : 0;
        list_for_each(pos, &s->queue) {
            struct unix_msg *c = list_entry(pos, struct unix_msg, link);
            if (skip < c->len - c->off) {
                m = c;
                break;
            }
            skip -= c->len - c->off;
        }
        if (!m) {
            if ((size_t)copied >= target || peek)
                break;
            /* Wait without the turn, so other readers are not held up. */
            unix_unlock_irqrestore(fl);
            mutex_unlock(&s->iolock);
            fl = unix_lock_irqsave();
            r = wait_for_data_locked(s, nonblock, deadline);
            unix_unlock_irqrestore(fl);
            if (r <= 0)
                goto out_unturned;
            if ((r = turn_lock(s)))
                goto out_unturned;
            fl = unix_lock_irqsave();
            r = 0;
            continue;
        }
        /* Never glue the bytes of senders with different credentials. */
        if (passcred && x.has_cred && memcmp(&x.cred, &m->cred, sizeof x.cred))
            break;
        x.has_cred = true;
        x.cred = m->cred;
        if (!copied)
            sender_name_locked(rm, m);
        size_t n = MIN(m->len - m->off - skip, rm->u->resid);
        const uint8_t *src = m->data + m->off + skip;
        unix_unlock_irqrestore(fl);
        size_t moved = uio_move(rm->u, (void *)src, n, true);
        fl = unix_lock_irqsave();
        copied += (int64_t)moved;
        bool has_files = m->nfds != 0;
        if (peek) {
            if (has_files && !x.files) {
                unix_unlock_irqrestore(fl);
                x.files = unix_files_dup(m->files, m->nfds);
                x.nfds = x.files ? m->nfds : 0;
                fl = unix_lock_irqsave();
            }
        } else if (moved) {
            consumed = true;
            m->off += moved;
            s->queue_bytes -= moved;
            if (has_files && !x.files)
                take_files_locked(m, &x.files, &x.nfds);
            if (m->off == m->len) {
                unix_msg_unlink_locked(s, m);
                list_add_tail(&m->link, &done);
            }
        }
        if (moved < n) {
            r = -EFAULT;
            break;
        }
        if (has_files)
            break; /* a message with descriptors ends the read, as Linux */
    }
    unix_unlock_irqrestore(fl);
    mutex_unlock(&s->iolock);
out_unturned:
    unix_msgs_free(&done);
    if (consumed)
        poll_notify();
    unix_deliver_control(rm, passcred, &x);
    return copied ? copied : r;
}

int64_t unix_recvmsg(struct unix_sock *s, struct unix_recv *rm)
{
    if (rm->flags & K_MSG_OOB)
        return -EOPNOTSUPP;
    return s->type == K_SOCK_STREAM ? stream_recv(s, rm) : dgram_recv(s, rm);
}
