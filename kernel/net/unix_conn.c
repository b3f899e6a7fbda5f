/* AF_UNIX connections: listen, connect, accept, shutdown, socketpair, and
 * what a close does to the other end.  A stream or seqpacket connect makes
 * the server's end at once (an "embryo", Linux's newsk) and queues it on
 * the listener, so the client may send before the server accepts. */
#include <fs/kernel_api.h>
#include <kernel/errno.h>
#include <mm/slab.h>
#include <net/unix.h>

int unix_listen(struct unix_sock *s, int backlog)
{
    if (s->type == K_SOCK_DGRAM)
        return -EOPNOTSUPP;
    if ((unsigned)backlog > K_SOMAXCONN)
        backlog = K_SOMAXCONN; /* a negative backlog too, as Linux */
    int r = 0;
    uint64_t fl = unix_lock_irqsave();
    if (!s->addr || (s->state != UNIX_UNCONNECTED && s->state != UNIX_LISTENING)) {
        r = -EINVAL;
    } else {
        s->state = UNIX_LISTENING;
        s->backlog = (unsigned)backlog;
        s->peercred = unix_current_cred(); /* what connecting clients see */
        unix_wake_locked(s);               /* a larger backlog has room */
    }
    unix_unlock_irqrestore(fl);
    return r;
}

/* Connects two sockets both ways (unix_lock held): each holds the other. */
static void link_peers_locked(struct unix_sock *a, struct unix_sock *b)
{
    unix_sock_get(a);
    unix_sock_get(b);
    a->peer = b;
    b->peer = a;
    a->state = b->state = UNIX_CONNECTED;
}

void unix_pair(struct unix_sock *a, struct unix_sock *b)
{
    uint64_t fl = unix_lock_irqsave();
    link_peers_locked(a, b);
    a->peercred = b->peercred = unix_current_cred();
    unix_unlock_irqrestore(fl);
}

/* connect on a datagram socket: sets (or replaces) its default peer. */
static int connect_dgram(struct unix_sock *s, const struct unix_name *n)
{
    struct unix_sock *other;
    int r = unix_find(n, s->type, &other);
    if (r)
        return r;
    struct unix_sock *old;
    uint64_t fl = unix_lock_irqsave();
    old = s->peer;
    s->peer = other; /* the reference from unix_find */
    s->state = UNIX_CONNECTED;
    unix_wake_locked(s);
    unix_unlock_irqrestore(fl);
    if (old)
        unix_sock_put(old);
    return 0;
}

/* connect to AF_UNSPEC: a datagram socket forgets its peer. */
static int unix_disconnect(struct unix_sock *s)
{
    uint64_t fl = unix_lock_irqsave();
    struct unix_sock *old = s->peer;
    s->peer = NULL;
    s->state = UNIX_UNCONNECTED;
    unix_unlock_irqrestore(fl);
    if (old)
        unix_sock_put(old);
    return 0;
}

/* Waits for room in a listener's accept queue: 0 with unix_lock held and
 * the listener still listening, or an error. */
static int wait_for_backlog_locked(struct unix_sock *s, struct unix_sock *l, bool nonblock, uint64_t deadline)
{
    for (;;) {
        if (l->dead || l->state != UNIX_LISTENING)
            return -ECONNREFUSED;
        if (s->state == UNIX_CONNECTED)
            return -EISCONN;
        if (s->state != UNIX_UNCONNECTED)
            return -EINVAL;
        if (l->accept_len <= l->backlog)
            return 0; /* Linux queues one more than the backlog */
        if (nonblock)
            return -EAGAIN;
        int r = unix_wait_locked(l, deadline);
        if (r)
            return r;
    }
}

int unix_connect(struct unix_sock *s, const struct unix_name *n, bool nonblock)
{
    if (n->kind == UNIX_NAME_UNSPEC && s->type == K_SOCK_DGRAM)
        return unix_disconnect(s);
    if (n->kind != UNIX_NAME_PATH && n->kind != UNIX_NAME_ABSTRACT)
        return -EINVAL;
    bool passcred;
    uint64_t fl = unix_lock_irqsave();
    passcred = s->passcred;
    uint64_t deadline = unix_deadline(s->sndtimeo_ns);
    unix_unlock_irqrestore(fl);
    if (passcred) {
        int r = unix_autobind(s); /* the peer must see a name for the credentials */
        if (r)
            return r;
    }
    if (s->type == K_SOCK_DGRAM)
        return connect_dgram(s, n);
    struct unix_sock *embryo = unix_sock_alloc(s->type), *l;
    if (!embryo)
        return -ENOMEM;
    int r = unix_find(n, s->type, &l);
    if (r) {
        unix_sock_put(embryo);
        return r;
    }
    fl = unix_lock_irqsave();
    r = wait_for_backlog_locked(s, l, nonblock, deadline);
    if (!r) {
        link_peers_locked(s, embryo);
        embryo->embryo = true;
        embryo->peercred = unix_current_cred();
        s->peercred = l->peercred;
        embryo->sndbuf = l->sndbuf;
        embryo->passcred = l->passcred;
        embryo->addr = l->addr;
        __atomic_add_fetch(&l->addr->refs, 1, __ATOMIC_RELAXED);
        list_add_tail(&embryo->accept_link, &l->accept_q); /* the queue keeps our reference */
        l->accept_len++;
        embryo = NULL;
        unix_wake_locked(l);
        unix_wake_locked(s); /* connected: its pollers (another thread's epoll) look again */
    }
    unix_unlock_irqrestore(fl);
    if (!r)
        poll_notify();
    if (embryo)
        unix_sock_put(embryo);
    unix_sock_put(l);
    return r;
}

int unix_accept(struct unix_sock *s, uint32_t flags, bool nonblock, struct file **out,
                struct k_sockaddr_un *peer_name, uint32_t *peer_len)
{
    if (s->type == K_SOCK_DGRAM)
        return -EOPNOTSUPP;
    struct file *f;
    /* The file first, so that a connection taken off the queue has a home. */
    int r = unix_file_alloc(flags, &f);
    if (r)
        return r;
    uint64_t fl = unix_lock_irqsave();
    uint64_t deadline = unix_deadline(s->rcvtimeo_ns);
    for (;;) {
        if (s->state != UNIX_LISTENING) {
            r = -EINVAL;
            break;
        }
        if (s->accept_len)
            break;
        if (nonblock) {
            r = -EAGAIN;
            break;
        }
        r = unix_wait_locked(s, deadline);
        if (r)
            break;
    }
    struct unix_sock *e = NULL;
    if (!r) {
        e = list_first_entry(&s->accept_q, struct unix_sock, accept_link);
        list_del(&e->accept_link);
        s->accept_len--;
        e->embryo = false;
        e->file = f;
        f->priv = e; /* the queue's reference becomes the file's */
        *peer_len = e->peer ? unix_getname_locked(e->peer, peer_name) : 0;
        unix_wake_locked(s); /* room for a waiting connect */
    }
    unix_unlock_irqrestore(fl);
    if (r) {
        file_put(f); /* no socket: its release does nothing */
        return r;
    }
    poll_notify();
    *out = f;
    return 0;
}

int unix_shutdown(struct unix_sock *s, int how)
{
    if (how < K_SHUT_RD || how > K_SHUT_RDWR)
        return -EINVAL;
    uint8_t mode = (uint8_t)(how + 1); /* SHUT_RD -> RCV, SHUT_WR -> SEND, RDWR -> both */
    uint64_t fl = unix_lock_irqsave();
    s->shutdown |= mode;
    unix_wake_locked(s);
    struct unix_sock *p = s->peer;
    if (p && s->type != K_SOCK_DGRAM) {
        uint8_t peer_mode = 0;
        if (mode & UNIX_SHUT_RCV)
            peer_mode |= UNIX_SHUT_SEND;
        if (mode & UNIX_SHUT_SEND)
            peer_mode |= UNIX_SHUT_RCV;
        p->shutdown |= peer_mode;
        unix_wake_locked(p);
    }
    unix_unlock_irqrestore(fl);
    poll_notify();
    return 0;
}

/* Moves s's queued messages to *dead and uncharges their senders. */
static void purge_queue_locked(struct unix_sock *s, struct list_head *dead)
{
    while (!list_empty(&s->queue)) {
        struct unix_msg *m = list_first_entry(&s->queue, struct unix_msg, link);
        unix_msg_unlink_locked(s, m);
        list_add_tail(&m->link, dead);
    }
}

void unix_release_locked(struct unix_sock *s, struct list_head *dead, struct inode **path)
{
    bool unread = !list_empty(&s->queue);
    s->dead = true;
    s->shutdown = UNIX_SHUT_RCV | UNIX_SHUT_SEND;
    s->state = UNIX_UNCONNECTED;
    *path = unix_unbind_locked(s);
    unix_wake_locked(s);
    struct unix_sock *p = s->peer;
    s->peer = NULL;
    if (p && s->type != K_SOCK_DGRAM) {
        /* The other end hangs up; unread data or a never-accepted end is
         * a reset, as Linux reports it. */
        p->shutdown = UNIX_SHUT_RCV | UNIX_SHUT_SEND;
        if (unread || s->embryo)
            p->err = ECONNRESET;
        unix_wake_locked(p);
    } else if (p) {
        unix_wake_locked(p);
    }
    /* Connections never accepted die with their listener. */
    while (!list_empty(&s->accept_q)) {
        struct unix_sock *e = list_first_entry(&s->accept_q, struct unix_sock, accept_link);
        list_del(&e->accept_link);
        s->accept_len--;
        struct inode *none;
        unix_release_locked(e, dead, &none);
        unix_sock_put(e); /* the queue's (if the last, only kfree runs) */
    }
    purge_queue_locked(s, dead);
    if (p)
        unix_sock_put(p); /* if the last, only kfree runs: allowed under unix_lock */
}
