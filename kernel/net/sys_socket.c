/* The socket system calls: argument checks and copies in the order Linux
 * makes them (net/socket.c), then AF_UNIX (net/unix.h).  No other family
 * exists: there is no network device, so they are EAFNOSUPPORT, as a Linux
 * kernel built without them. */
#include <fs/syscall_util.h>
#include <fs/uio.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <net/unix.h>
#include <syscall/syscall.h>

#define OPTMEM_MAX 20480 /* net.core.optmem_max: the largest control buffer */

/* The socket behind fd with its file (file_put when done): 0, -EBADF or -ENOTSOCK. */
static int sock_fget(int fd, struct file **f, struct unix_sock **s)
{
    *f = fget(fd);
    if (!*f)
        return -EBADF;
    *s = unix_sock_of(*f);
    if (!*s) {
        file_put(*f);
        return -ENOTSOCK;
    }
    return 0;
}

/* Runs op on the socket behind a->arg[0]: its result, or -EBADF/-ENOTSOCK. */
static int64_t on_socket(const struct syscall_args *a,
                         int64_t (*op)(struct file *f, struct unix_sock *s, const struct syscall_args *a))
{
    struct file *f;
    struct unix_sock *s;
    int r = sock_fget((int)a->arg[0], &f, &s);
    if (r)
        return r;
    int64_t n = op(f, s, a);
    file_put(f);
    return n;
}

/* socket(2)'s checks of family, type and protocol: the unix type or -errno. */
static int check_socket_args(int64_t family, uint32_t type, int protocol, uint32_t *flags)
{
    *flags = type & ~(uint32_t)K_SOCK_TYPE_MASK;
    type &= K_SOCK_TYPE_MASK;
    if (*flags & ~(uint32_t)(K_SOCK_NONBLOCK | K_SOCK_CLOEXEC))
        return -EINVAL;
    if (family < 0 || family >= K_AF_MAX)
        return -EAFNOSUPPORT;
    if (type >= K_SOCK_MAX)
        return -EINVAL;
    if (family != K_AF_UNIX)
        return -EAFNOSUPPORT;
    if (protocol && protocol != K_AF_UNIX)
        return -EPROTONOSUPPORT;
    switch (type) {
    case K_SOCK_STREAM:
    case K_SOCK_SEQPACKET:
    case K_SOCK_DGRAM:
        return (int)type;
    case K_SOCK_RAW:
        return K_SOCK_DGRAM; /* as Linux */
    default:
        return -ESOCKTNOSUPPORT;
    }
}

/* A new socket file (the file holds the socket's reference). */
static int new_socket(int type, uint32_t flags, struct unix_sock **s, struct file **f)
{
    *s = unix_sock_alloc(type);
    if (!*s)
        return -ENOMEM;
    int r = unix_sock_file(*s, flags, f);
    if (r)
        unix_sock_put(*s);
    return r;
}

int64_t sys_socket(const struct syscall_args *a)
{
    uint32_t flags;
    int type = check_socket_args((int)a->arg[0], (uint32_t)a->arg[1], (int)a->arg[2], &flags);
    if (type < 0)
        return type;
    struct unix_sock *s;
    struct file *f;
    int r = new_socket(type, flags, &s, &f);
    if (r)
        return r;
    r = fd_install(current_files(), f, flags & K_SOCK_CLOEXEC);
    file_put(f);
    return r;
}

int64_t sys_socketpair(const struct syscall_args *a)
{
    uint32_t flags;
    int type = check_socket_args((int)a->arg[0], (uint32_t)a->arg[1], (int)a->arg[2], &flags);
    if (type < 0)
        return type;
    if (!user_range_ok(a->arg[3], 2 * sizeof(int)))
        return -EFAULT;
    struct unix_sock *s[2];
    struct file *f[2];
    int r = new_socket(type, flags, &s[0], &f[0]);
    if (r)
        return r;
    if ((r = new_socket(type, flags, &s[1], &f[1]))) {
        file_put(f[0]);
        return r;
    }
    unix_pair(s[0], s[1]);
    struct fd_table *t = current_files();
    int fds[2] = {-1, -1};
    fds[0] = fd_install(t, f[0], flags & K_SOCK_CLOEXEC);
    if (fds[0] >= 0)
        fds[1] = fd_install(t, f[1], flags & K_SOCK_CLOEXEC);
    r = fds[0] < 0 ? fds[0] : fds[1] < 0 ? fds[1] : 0;
    if (!r)
        r = copy_to_user(a->arg[3], fds, sizeof fds);
    if (r) {
        /* Undo: the program never saw the descriptors. */
        for (int k = 0; k < 2; k++) {
            struct file *g = fds[k] >= 0 ? fd_remove(t, fds[k]) : NULL;
            if (g)
                file_put(g);
        }
    }
    file_put(f[0]);
    file_put(f[1]);
    return r;
}

static int64_t do_bind(struct file *f, struct unix_sock *s, const struct syscall_args *a)
{
    (void)f;
    struct unix_name n;
    int r = unix_name_from_user(a->arg[1], (int)a->arg[2], &n);
    return r ? r : unix_bind(s, &n);
}

int64_t sys_bind(const struct syscall_args *a) { return on_socket(a, do_bind); }

static int64_t do_listen(struct file *f, struct unix_sock *s, const struct syscall_args *a)
{
    (void)f;
    return unix_listen(s, (int)a->arg[1]);
}

int64_t sys_listen(const struct syscall_args *a) { return on_socket(a, do_listen); }

static int64_t do_connect(struct file *f, struct unix_sock *s, const struct syscall_args *a)
{
    struct unix_name n;
    int r = unix_name_from_user(a->arg[1], (int)a->arg[2], &n);
    return r ? r : unix_connect(s, &n, f->flags & K_O_NONBLOCK);
}

int64_t sys_connect(const struct syscall_args *a) { return on_socket(a, do_connect); }

/* Linux's move_addr_to_user: the name cut to the caller's length, the
 * full length written back.  0, -EINVAL (a negative length), -EFAULT. */
static int addr_to_user(const struct k_sockaddr_un *sa, uint32_t klen, uint64_t uaddr, uint64_t ulen)
{
    int len;
    if (copy_from_user(&len, ulen, sizeof len))
        return -EFAULT;
    if (len > (int)klen)
        len = (int)klen;
    if (len < 0)
        return -EINVAL;
    if (len && copy_to_user(uaddr, sa, (size_t)len))
        return -EFAULT;
    return copy_to_user(ulen, &klen, sizeof(int));
}

static int64_t do_accept(int fd, uint64_t uaddr, uint64_t ulen, uint32_t flags)
{
    if (flags & ~(uint32_t)(K_SOCK_NONBLOCK | K_SOCK_CLOEXEC))
        return -EINVAL;
    struct file *lf, *f;
    struct unix_sock *l;
    int r = sock_fget(fd, &lf, &l);
    if (r)
        return r;
    struct k_sockaddr_un peer;
    uint32_t peer_len;
    r = unix_accept(l, flags, lf->flags & K_O_NONBLOCK, &f, &peer, &peer_len);
    file_put(lf);
    if (r)
        return r;
    if (uaddr && (r = addr_to_user(&peer, peer_len, uaddr, ulen))) {
        file_put(f); /* the connection is dropped, as Linux */
        return r;
    }
    r = fd_install(current_files(), f, flags & K_SOCK_CLOEXEC);
    file_put(f);
    return r;
}

int64_t sys_accept(const struct syscall_args *a)
{
    return do_accept((int)a->arg[0], a->arg[1], a->arg[2], 0);
}

int64_t sys_accept4(const struct syscall_args *a)
{
    return do_accept((int)a->arg[0], a->arg[1], a->arg[2], (uint32_t)a->arg[3]);
}

static int64_t getname(struct unix_sock *s, const struct syscall_args *a, bool peer)
{
    struct k_sockaddr_un sa;
    uint32_t len = 0;
    int r = 0;
    uint64_t fl = unix_lock_irqsave();
    if (!peer)
        len = unix_getname_locked(s, &sa);
    else if (s->peer)
        len = unix_getname_locked(s->peer, &sa);
    else
        r = -ENOTCONN;
    unix_unlock_irqrestore(fl);
    return r ? r : addr_to_user(&sa, len, a->arg[1], a->arg[2]);
}

static int64_t do_getsockname(struct file *f, struct unix_sock *s, const struct syscall_args *a)
{
    (void)f;
    return getname(s, a, false);
}

static int64_t do_getpeername(struct file *f, struct unix_sock *s, const struct syscall_args *a)
{
    (void)f;
    return getname(s, a, true);
}

int64_t sys_getsockname(const struct syscall_args *a) { return on_socket(a, do_getsockname); }
int64_t sys_getpeername(const struct syscall_args *a) { return on_socket(a, do_getpeername); }

static int64_t do_shutdown(struct file *f, struct unix_sock *s, const struct syscall_args *a)
{
    (void)f;
    return unix_shutdown(s, (int)a->arg[1]);
}

int64_t sys_shutdown(const struct syscall_args *a) { return on_socket(a, do_shutdown); }

static int64_t do_setsockopt(struct file *f, struct unix_sock *s, const struct syscall_args *a)
{
    (void)f;
    if ((int)a->arg[4] < 0)
        return -EINVAL;
    return unix_setsockopt(s, (int)a->arg[1], (int)a->arg[2], a->arg[3], (uint32_t)a->arg[4]);
}

int64_t sys_setsockopt(const struct syscall_args *a) { return on_socket(a, do_setsockopt); }

static int64_t do_getsockopt(struct file *f, struct unix_sock *s, const struct syscall_args *a)
{
    (void)f;
    return unix_getsockopt(s, (int)a->arg[1], (int)a->arg[2], a->arg[3], a->arg[4]);
}

int64_t sys_getsockopt(const struct syscall_args *a) { return on_socket(a, do_getsockopt); }

/* Reads a sendmsg/recvmsg header and its vector (kfree(u->iov) when done). */
static int msghdr_from_user(uint64_t umsg, struct k_msghdr *h, struct uio *u)
{
    if (copy_from_user(h, umsg, sizeof *h))
        return -EFAULT;
    if (h->namelen < 0)
        return -EINVAL;
    if (h->iovlen > IOV_MAX)
        return -EMSGSIZE;
    return uio_vector(u, h->iov, h->iovlen);
}

static int64_t do_send(int fd, struct uio *u, unsigned flags, uint64_t uname, int64_t namelen,
                       uint64_t uctl, uint64_t ctllen)
{
    struct file *f;
    struct unix_sock *s;
    int r = sock_fget(fd, &f, &s);
    if (r)
        return r;
    struct unix_name to;
    struct unix_send sm = {.u = u, .flags = flags, .nonblock = f->flags & K_O_NONBLOCK};
    uint8_t *ctl = NULL;
    if (uname && namelen) {
        if ((r = unix_name_from_user(uname, namelen, &to)))
            goto out;
        sm.to = &to;
    }
    if (ctllen) {
        if (ctllen > OPTMEM_MAX) {
            r = -ENOBUFS;
            goto out;
        }
        if (!(ctl = kmalloc(ctllen))) {
            r = -ENOMEM;
            goto out;
        }
        if (copy_from_user(ctl, uctl, ctllen)) {
            r = -EFAULT;
            goto out;
        }
        if ((r = unix_scm_parse(ctl, ctllen, &sm)))
            goto out;
    }
    kfree(ctl);
    ctl = NULL;
    int64_t n = unix_sendmsg(s, &sm);
    file_put(f);
    return n;
out:
    if (sm.files)
        unix_files_put(sm.files, sm.nfds);
    kfree(ctl);
    file_put(f);
    return r;
}

int64_t sys_sendto(const struct syscall_args *a)
{
    struct k_iovec v;
    struct uio u;
    int r = uio_single(&u, &v, a->arg[1], a->arg[2]);
    if (r)
        return r;
    return do_send((int)a->arg[0], &u, (unsigned)a->arg[3], a->arg[4], (int)a->arg[5], 0, 0);
}

int64_t sys_sendmsg(const struct syscall_args *a)
{
    struct k_msghdr h;
    struct uio u;
    int r = msghdr_from_user(a->arg[1], &h, &u);
    if (r)
        return r;
    /* Linux cuts a longer name to a sockaddr_storage. */
    int64_t namelen = h.name ? MIN(h.namelen, 128) : 0;
    int64_t n = do_send((int)a->arg[0], &u, (unsigned)a->arg[2], h.name, namelen,
                        h.control, h.controllen);
    kfree(u.iov);
    return n;
}

static int64_t do_recv(int fd, struct unix_recv *rm)
{
    struct file *f;
    struct unix_sock *s;
    int r = sock_fget(fd, &f, &s);
    if (r)
        return r;
    rm->nonblock = f->flags & K_O_NONBLOCK;
    int64_t n = unix_recvmsg(s, rm);
    file_put(f);
    return n;
}

int64_t sys_recvfrom(const struct syscall_args *a)
{
    struct k_iovec v;
    struct uio u;
    int r = uio_single(&u, &v, a->arg[1], a->arg[2]);
    if (r)
        return r;
    struct unix_recv rm = {.u = &u, .flags = (unsigned)a->arg[3]};
    int64_t n = do_recv((int)a->arg[0], &rm);
    if (n >= 0 && a->arg[4] && (r = addr_to_user(&rm.from, rm.from_len, a->arg[4], a->arg[5])))
        return r;
    return n;
}

int64_t sys_recvmsg(const struct syscall_args *a)
{
    struct k_msghdr h;
    struct uio u;
    uint64_t umsg = a->arg[1];
    int r = msghdr_from_user(umsg, &h, &u);
    if (r)
        return r;
    unsigned flags = (unsigned)a->arg[2];
    struct unix_recv rm = {.u = &u, .flags = flags, .control = h.control, .controllen = h.controllen};
    int64_t n = do_recv((int)a->arg[0], &rm);
    kfree(u.iov);
    if (n < 0)
        return n;
    uint32_t out_flags = rm.out_flags | (flags & K_MSG_CMSG_CLOEXEC);
    if (h.name && (r = addr_to_user(&rm.from, rm.from_len, h.name, umsg + offsetof(struct k_msghdr, namelen))))
        return r;
    if (copy_to_user(umsg + offsetof(struct k_msghdr, controllen), &rm.controllen, sizeof rm.controllen) ||
        copy_to_user(umsg + offsetof(struct k_msghdr, flags), &out_flags, sizeof out_flags))
        return -EFAULT;
    return n;
}
