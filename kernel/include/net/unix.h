/* AF_UNIX sockets: the objects shared by kernel/net/unix_*.c.
 *
 * One spinlock, unix_lock, protects every field marked (L) of every socket,
 * the queues, the accept queues, the names table of abstract addresses,
 * inode->sock.bound of socket inodes, the in-flight accounting of passed
 * descriptors, and is the condition lock of every socket's wait queue.  One
 * lock because a connection, a datagram or a passed descriptor touches two
 * or more sockets at once (sender, receiver, listener, the sockets in
 * flight): one lock has no order to get wrong, and it is held only for
 * short list and counter updates, never across a copy.  Rank: a
 * subsystem's lock, taken with no other subsystem lock held (vfs_ns_lock,
 * a mutex, may be held around it); sched_lock and the allocators' locks are
 * taken under it.  Never held across a user copy, file_put, inode_put,
 * fd_install or poll_notify: those take other locks or may call back in
 * (the release of a socket takes unix_lock).
 *
 * Wake-ups: nobody is woken under unix_lock.  It is taken and released with
 * unix_lock_irqsave and unix_unlock_irqrestore; a change made under it
 * calls unix_wake_locked, which claims the socket's sleepers into a wake
 * queue (sched/wake_q.h) and notes the socket whose poll head (poll(2)
 * sleepers, epoll entries) must hear of it.  Those wake-ups belong to the
 * lock's holder: the unlock runs them once the lock is free, so a woken
 * reader on another CPU does not spin on unix_lock while its waker still
 * holds it.  A holder about to sleep (unix_wait_on_locked) runs them
 * first, then looks at its condition again.  More sockets than the pending
 * list holds in one critical section (a listener closing with many
 * connections never accepted) have their heads notified at once, under
 * unix_lock, which the heads' lock order allows (fs/poll_head.h).
 *
 * Lifetime: a socket is counted by refs (atomic): its open file, the peer
 * that points to it, every message it sent that still sits in a queue, and
 * the listener's accept queue while it is an embryo (connected, not yet
 * accepted).  Its state dies with its file (unix_release), its memory with
 * the last reference.
 *
 * Data: a received message (struct unix_msg) is charged, whole, to the
 * socket that sent it (wmem) until it is consumed: a sender waits while its
 * charge reaches its SO_SNDBUF (Linux's sk_wmem_alloc), which is the
 * back-pressure of stream sockets; datagram receivers also cap their queue
 * at UNIX_DGRAM_QLEN messages for senders that are not their peer.  The
 * readers of one socket take turns with iolock (a mutex), held only while
 * they copy to user memory (never while waiting for data), so what they
 * copy out of the queue's head stays there until they consume it. */
#ifndef NET_UNIX_H
#define NET_UNIX_H

#include <fs/poll_head.h>
#include <fs/vfs.h>
#include <kernel/list.h>
#include <kernel/mutex.h>
#include <kernel/spinlock.h>
#include <net/socket_uapi.h>
#include <sched/sched.h>

struct uio;

extern spinlock_t unix_lock;

#define UNIX_SNDBUF_DEFAULT 212992u /* net.core.wmem_default */
#define UNIX_SNDBUF_MAX 212992u     /* net.core.wmem_max: SO_SNDBUF doubles at most this */
#define UNIX_SNDBUF_MIN 4608u       /* SOCK_MIN_SNDBUF */
#define UNIX_RCVBUF_MIN 2304u       /* SOCK_MIN_RCVBUF */
#define UNIX_DGRAM_QLEN 10u         /* net.unix.max_dgram_qlen */

#define UNIX_SHUT_RCV 1u
#define UNIX_SHUT_SEND 2u

enum unix_state { UNIX_UNCONNECTED, UNIX_LISTENING, UNIX_CONNECTED };

/* A bound name: immutable once made, shared (refs, atomic) by a socket and
 * the sockets accepted from it. */
struct unix_addr {
    uint32_t refs;
    uint32_t len; /* bytes of name that count: family + path + NUL, or family + abstract bytes */
    struct k_sockaddr_un name;
};

struct unix_msg {
    struct list_head link; /* (L) in the receiver's queue */
    struct unix_sock *from; /* a reference: charged for it, named by recvfrom */
    size_t len, off;        /* data bytes; off: consumed already (stream) */
    size_t charge;          /* bytes charged to from->wmem */
    struct k_ucred cred;    /* the sender's (SCM_CREDENTIALS or its own) */
    unsigned nfds;          /* SCM_RIGHTS: files[] holds a reference each */
    struct file **files;
    uint8_t data[];
};

struct unix_sock {
    uint32_t refs;              /* atomic */
    int type;                   /* K_SOCK_STREAM, K_SOCK_DGRAM, K_SOCK_SEQPACKET */
    enum unix_state state;      /* (L) */
    bool dead;                  /* (L) its file is closed */
    bool embryo;                /* (L) in a listener's accept queue */
    bool passcred;              /* (L) SO_PASSCRED */
    uint8_t shutdown;           /* (L) UNIX_SHUT_* */
    int err;                    /* (L) pending error for SO_ERROR / the next call: a positive errno */
    struct unix_sock *peer;     /* (L) a reference: connected stream/seqpacket peer, or dgram default */
    struct unix_addr *addr;     /* (L) a reference, or NULL (unbound) */
    struct inode *path_inode;   /* (L) a reference: the inode of a path name */
    struct list_head name_link; /* (L) in the abstract names table */
    struct k_ucred peercred;    /* (L) SO_PEERCRED */
    struct list_head queue;     /* (L) struct unix_msg, oldest first */
    unsigned queue_msgs;        /* (L) */
    size_t queue_bytes;         /* (L) unread data bytes */
    size_t wmem;                /* (L) bytes of its messages still queued somewhere */
    uint32_t sndbuf, rcvbuf;    /* (L) */
    uint64_t rcvtimeo_ns, sndtimeo_ns; /* (L) 0: none */
    bool reuseaddr, keepalive;  /* (L) kept for getsockopt only: nothing in AF_UNIX uses them */
    struct list_head accept_q;  /* (L) embryos, by accept_link */
    struct list_head accept_link;
    unsigned accept_len, backlog; /* (L) */
    struct waitq wq;            /* data, room, connections, state changes */
    struct poll_head poll_head; /* its pollers and epoll entries, notified after unix_wake_locked */
    uint64_t poll_events;       /* (L) bumped at each wake (file_ops.poll_events: EPOLLET); read atomically */
    struct mutex iolock;        /* readers' turn (see the top) */
    struct mutex bindlock;      /* serialises bind and autobind of this socket */
    struct file *file;          /* (L) its open file, NULL for an embryo; not a reference */
    unsigned inflight;          /* (L) how many queued messages carry its file */
    struct list_head inflight_link; /* (L) in the in-flight list while inflight > 0 */
    /* unix_gc's scratch, under unix_lock. */
    unsigned gc_refs;
    uint8_t gc_state;
    struct list_head gc_link;
};

/* unix_sock.c */
extern const struct file_ops unix_file_ops;
/* A new socket of type, unbound and unconnected, refs 1: NULL on ENOMEM. */
struct unix_sock *unix_sock_alloc(int type);
void unix_sock_get(struct unix_sock *s);
/* Drops a reference; the last one frees the socket (kfree only, so it may
 * run under unix_lock). */
void unix_sock_put(struct unix_sock *s);
/* A socket file with no socket yet (priv NULL: its release does nothing),
 * O_RDWR | (flags & O_NONBLOCK): 0 or -ENOMEM. */
int unix_file_alloc(uint32_t flags, struct file **out);
/* Opens a file for s (taking over the caller's reference) with O_RDWR and
 * flags (O_NONBLOCK): 0 or -ENOMEM, in which case the reference is the
 * caller's again. */
int unix_sock_file(struct unix_sock *s, uint32_t flags, struct file **out);
/* The socket of an open file, or NULL when f is not a socket. */
struct unix_sock *unix_sock_of(struct file *f);
/* The caller's credentials, for SO_PEERCRED and SCM_CREDENTIALS. */
struct k_ucred unix_current_cred(void);
/* Takes unix_lock (interrupts off): the flags to give back to the unlock. */
uint64_t unix_lock_irqsave(void);
/* Releases unix_lock, then wakes what unix_wake_locked queued under it. */
void unix_unlock_irqrestore(uint64_t flags);
/* Counts a change of s for edge-triggered epoll and queues the wake-up of
 * every thread waiting on s and the notification of s's poll head, both
 * run by the unlock (unix_lock held).  poll(2) sleepers on files without a
 * head are woken by the caller with poll_notify once it has unlocked. */
void unix_wake_locked(struct unix_sock *s);
/* Waits on s->wq (unix_lock held, taken with flags saved by the caller):
 * 0, -EINTR (any signal), -EAGAIN at the deadline (0: none).  An -EINTR
 * under a deadline (a socket timeout) is never restarted, as on Linux.
 * With wake-ups still queued by this holder it runs them (dropping the
 * lock a moment) and returns 0 without sleeping: callers loop on their
 * condition. */
int unix_wait_locked(struct unix_sock *s, uint64_t deadline);
/* The same on another wait queue (a datagram peer's). */
int unix_wait_on_locked(struct waitq *wq, uint64_t deadline);
/* now + timeout, or 0 for none. */
uint64_t unix_deadline(uint64_t timeout_ns);

/* unix_name.c */
enum unix_name_kind {
    UNIX_NAME_INVALID,  /* not an AF_UNIX address (the calls that check say EINVAL) */
    UNIX_NAME_UNSPEC,   /* AF_UNSPEC: a datagram connect's disconnect */
    UNIX_NAME_NONE,     /* the family alone: bind's autobind */
    UNIX_NAME_PATH,
    UNIX_NAME_ABSTRACT,
};
/* A name as a call gave it. */
struct unix_name {
    enum unix_name_kind kind;
    uint32_t len;                  /* bytes of sa that count (struct unix_addr.len) */
    struct k_sockaddr_un sa;
    char path[K_UNIX_PATH_MAX + 1]; /* PATH: NUL-terminated */
};
/* Copies a user sockaddr of len bytes, as Linux's move_addr_to_kernel
 * (-EINVAL beyond 128 bytes, -EFAULT), and classifies it as
 * unix_validate_addr would (the kind). */
int unix_name_from_user(uint64_t uaddr, int64_t len, struct unix_name *out);
/* bind(2): 0, -EINVAL (bound already), -EADDRINUSE, path errors, -ENOMEM. */
int unix_bind(struct unix_sock *s, const struct unix_name *n);
/* Gives an unbound s an abstract name "\0xxxxx" (Linux's autobind): 0,
 * -ENOSPC, -ENOMEM.  Nothing for a bound socket. */
int unix_autobind(struct unix_sock *s);
/* The socket bound to n, with a reference: -ECONNREFUSED (no such socket
 * or not a socket), -EPROTOTYPE (a path of another type), path lookup errors. */
int unix_find(const struct unix_name *n, int type, struct unix_sock **out);
/* Fills *out with s's name (or the family alone): its length. */
uint32_t unix_getname_locked(struct unix_sock *s, struct k_sockaddr_un *out);
/* Drops s's name at close (unix_lock held); the path inode is handed back
 * for inode_put after unlocking. */
struct inode *unix_unbind_locked(struct unix_sock *s);
void unix_addr_put(struct unix_addr *a);

/* unix_conn.c */
int unix_listen(struct unix_sock *s, int backlog);
/* connect(2); AF_UNSPEC disconnects a datagram socket. */
int unix_connect(struct unix_sock *s, const struct unix_name *n, bool nonblock);
/* Takes a connection off listener s: its new file in *out, the client's
 * name in *peer_name (*peer_len bytes). */
int unix_accept(struct unix_sock *s, uint32_t flags, bool nonblock, struct file **out,
                struct k_sockaddr_un *peer_name, uint32_t *peer_len);
int unix_shutdown(struct unix_sock *s, int how);
/* Pairs two new sockets (socketpair). */
void unix_pair(struct unix_sock *a, struct unix_sock *b);
/* The close of s's file: peers, embryos, name and queue.  Returns the
 * messages to free (after unlocking) on *dead. */
void unix_release_locked(struct unix_sock *s, struct list_head *dead, struct inode **path);

/* unix_msg.c */
struct unix_send {
    struct uio *u;
    unsigned flags;                 /* MSG_* */
    bool nonblock;
    const struct unix_name *to;     /* sendto/sendmsg address, or NULL */
    struct file **files;            /* SCM_RIGHTS (references), nfds of them */
    unsigned nfds;
    bool has_cred;
    struct k_ucred cred;            /* SCM_CREDENTIALS */
};
struct unix_recv {
    struct uio *u;
    unsigned flags;                 /* MSG_* asked for */
    bool nonblock;
    unsigned out_flags;             /* msg_flags returned */
    struct k_sockaddr_un from;      /* the sender's name */
    uint32_t from_len;              /* 0: none */
    uint64_t control;               /* user control buffer, or 0 */
    uint64_t controllen;            /* in: its size; out: bytes used */
};
int64_t unix_sendmsg(struct unix_sock *s, struct unix_send *m);
int64_t unix_recvmsg(struct unix_sock *s, struct unix_recv *m);
/* Frees messages taken off their queues (no lock held). */
void unix_msgs_free(struct list_head *msgs);
/* Takes m off its queue and uncharges its sender (unix_lock held). */
void unix_msg_unlink_locked(struct unix_sock *owner, struct unix_msg *m);
/* Bytes readable now (SIOCINQ). */
size_t unix_inq_locked(struct unix_sock *s);

/* unix_scm.c */
/* What a receive hands over besides the data. */
struct unix_recv_extra {
    bool has_cred;
    struct k_ucred cred;
    struct file **files; /* references, nfds of them (kmalloc'd array) */
    unsigned nfds;
};
/* Reads SCM_RIGHTS and SCM_CREDENTIALS from a sender's control buffer (a
 * kernel copy), as Linux's __scm_send: the files are referenced in sm
 * (unix_sendmsg drops what it does not send).  0, -EINVAL, -EBADF, -EPERM,
 * -ENOMEM. */
int unix_scm_parse(const uint8_t *ctl, uint64_t len, struct unix_send *sm);
/* Writes the credentials (when the receiver passes them) and installs the
 * descriptors of x into the caller's table, reporting them in rm's control
 * buffer; rm->controllen becomes the bytes used. */
void unix_deliver_control(struct unix_recv *rm, bool passcred, struct unix_recv_extra *x);
/* Copies of a peeked message's files (Linux's scm_fp_dup): NULL on ENOMEM. */
struct file **unix_files_dup(struct file **files, unsigned n);
/* Drops n files and their array. */
void unix_files_put(struct file **files, unsigned n);

/* unix_gc.c */
/* Counts the sockets among m's files as in flight / no longer (unix_lock held). */
void unix_inflight_add_locked(struct unix_msg *m);
void unix_inflight_del_locked(struct unix_msg *m);
/* Frees the queues of sockets that only in-flight messages keep alive
 * (a socket passed over itself, or two over each other). */
void unix_gc(void);

/* sockopt.c */
int unix_setsockopt(struct unix_sock *s, int level, int name, uint64_t uval, uint32_t len);
int unix_getsockopt(struct unix_sock *s, int level, int name, uint64_t uval, uint64_t ulen);

#endif
