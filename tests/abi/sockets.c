/* AF_UNIX sockets: socket/socketpair and their flags, stream, datagram and
 * seqpacket semantics, path and abstract names, listen/connect/accept and
 * the backlog, SCM_RIGHTS (with truncation, and descriptors left in flight
 * or in a cycle when their sockets close) and SCM_CREDENTIALS, readiness,
 * non-blocking calls and peeking, back-pressure on a large transfer
 * checked byte by byte, peer death and shutdown, socket options, and bad
 * input of every kind. */
#include "abi.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/select.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

static const char *dir;

static void close2(int p[2])
{
    close(p[0]);
    close(p[1]);
}

/* A path name in the test's directory. */
static socklen_t path_addr(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", dir, name);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

/* An abstract name unique to this process: "\0abi-sockets-<pid>-<tag>". */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *tag)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "abi-sockets-%d-%s", (int)getpid(), tag);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static bool on_nutshell(void)
{
    struct utsname u;
    return uname(&u) == 0 && strstr(u.release, "nutshell") != NULL;
}

static int sigpipes;
static void count_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

static void on_sigusr1(int sig)
{
    (void)sig;
}

/* A listening stream (or seqpacket) socket on a path; returns the fd. */
static int listener(int type, const char *name, struct sockaddr_un *a, socklen_t *len, int backlog)
{
    int l = socket(AF_UNIX, type, 0);
    if (l < 0)
        return -1;
    *len = path_addr(a, name);
    if (bind(l, (struct sockaddr *)a, *len) || listen(l, backlog)) {
        close(l);
        return -1;
    }
    return l;
}

static void t_socket_create(void)
{
    int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
    for (int k = 0; k < 3; k++) {
        int s = OK(socket(AF_UNIX, types[k], 0));
        int v = 0;
        socklen_t l = sizeof v;
        OK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
        EQ(v, types[k]);
        EQ(l, sizeof v);
        struct stat st;
        OK(fstat(s, &st));
        CHECK(S_ISSOCK(st.st_mode), "fstat mode %o", st.st_mode);
        EQ(fcntl(s, F_GETFD), 0);
        EQ(fcntl(s, F_GETFL) & O_NONBLOCK, 0);
        close(s);
    }
    int s = OK(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, PF_UNIX));
    EQ(fcntl(s, F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(s, F_GETFL) & O_NONBLOCK, "not O_NONBLOCK");
    EQ(fcntl(s, F_GETFL) & O_ACCMODE, O_RDWR);
    close(s);
    s = OK(socket(AF_UNIX, SOCK_RAW, 0)); /* AF_UNIX makes it a datagram socket */
    int v = 0;
    socklen_t l = sizeof v;
    OK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    EQ(v, SOCK_DGRAM);
    close(s);
    ERR(socket(AF_UNIX, SOCK_STREAM | 0x100, 0), EINVAL);   /* an unknown flag */
    ERR(socket(AF_UNIX, 11, 0), EINVAL);                    /* beyond SOCK_MAX */
    ERR(socket(AF_UNIX, 4, 0), ESOCKTNOSUPPORT);            /* SOCK_RDM */
    ERR(socket(AF_UNIX, SOCK_STREAM, 5), EPROTONOSUPPORT);
    ERR(socket(46, SOCK_STREAM, 0), EAFNOSUPPORT);          /* AF_MAX */
    ERR(socket(1000, SOCK_STREAM, 0), EAFNOSUPPORT);
    ERR(socket(-1, SOCK_STREAM, 0), EAFNOSUPPORT);
    if (on_nutshell()) {
        /* No network device: every other family is refused. */
        int fams[] = {AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, 40 /* AF_VSOCK */};
        for (int k = 0; k < 5; k++)
            ERR(socket(fams[k], SOCK_STREAM, 0), EAFNOSUPPORT);
    }
}

static void t_socketpair_stream(void)
{
    int sv[2];
    char buf[64];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    EQ(write(sv[0], "hello", 5), 5);
    EQ(send(sv[0], " world", 6, 0), 6);
    EQ(read(sv[1], buf, 3), 3);                 /* partial reads keep the rest */
    EQ(recv(sv[1], buf + 3, sizeof buf, 0), 8); /* sends glue together */
    CHECK(!memcmp(buf, "hello world", 11), "got '%.11s'", buf);
    EQ(write(sv[1], "back", 4), 4);
    EQ(read(sv[0], buf, sizeof buf), 4);
    struct sockaddr_un a;
    socklen_t l = sizeof a;
    OK(getpeername(sv[0], (struct sockaddr *)&a, &l));
    EQ(l, sizeof(sa_family_t));                 /* an unbound peer: the family alone */
    EQ(a.sun_family, AF_UNIX);
    l = sizeof a;
    OK(getsockname(sv[0], (struct sockaddr *)&a, &l));
    EQ(l, sizeof(sa_family_t));
    struct ucred c;
    l = sizeof c;
    OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &c, &l));
    EQ(l, sizeof c);
    EQ(c.pid, getpid());
    EQ(c.uid, getuid());
    EQ(c.gid, getgid());
    close(sv[1]);
    EQ(read(sv[0], buf, sizeof buf), 0);        /* peer gone: EOF */
    close(sv[0]);
    ERR(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, ABI_BAD_LOW), EFAULT);
    ERR(socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv), EINVAL);
    ERR(socketpair(1000, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
    OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv));
    EQ(fcntl(sv[1], F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(sv[1], F_GETFL) & O_NONBLOCK, "not O_NONBLOCK");
    close2(sv);
}

static void t_epipe_sigpipe(void)
{
    int sv[2];
    struct sigaction sa = {.sa_handler = count_sigpipe}, old;
    sigemptyset(&sa.sa_mask);
    OK(sigaction(SIGPIPE, &sa, &old));
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    close(sv[1]);
    sigpipes = 0;
    ERR(write(sv[0], "x", 1), EPIPE);
    EQ(sigpipes, 1);
    ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    EQ(sigpipes, 1);                              /* MSG_NOSIGNAL: no signal */
    close(sv[0]);
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    OK(shutdown(sv[0], SHUT_WR));
    ERR(send(sv[0], "x", 1, 0), EPIPE);           /* our own shutdown */
    EQ(sigpipes, 2);
    close2(sv);
    OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    close(sv[1]);
    sigpipes = 0;
    ERR(send(sv[0], "x", 1, 0), EPIPE);
    EQ(sigpipes, 0);                              /* records: EPIPE without the signal */
    close(sv[0]);
    OK(sigaction(SIGPIPE, &old, NULL));
}

static void t_shutdown(void)
{
    int sv[2];
    char buf[8];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    EQ(write(sv[0], "ab", 2), 2);
    OK(shutdown(sv[0], SHUT_WR));
    struct pollfd p = {sv[1], POLLIN | POLLRDHUP, 0};
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLIN | POLLRDHUP);
    EQ(read(sv[1], buf, sizeof buf), 2);          /* queued bytes first */
    EQ(read(sv[1], buf, sizeof buf), 0);          /* then EOF */
    EQ(write(sv[1], "c", 1), 1);                  /* the other direction still works */
    EQ(read(sv[0], buf, sizeof buf), 1);
    OK(shutdown(sv[1], SHUT_WR));
    p = (struct pollfd){sv[0], POLLIN | POLLOUT | POLLRDHUP, 0};
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLIN | POLLOUT | POLLRDHUP | POLLHUP); /* both directions shut */
    ERR(shutdown(sv[0], 3), EINVAL);
    ERR(shutdown(sv[0], -1), EINVAL);
    close2(sv);
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    OK(shutdown(sv[1], SHUT_RD));
    EQ(read(sv[1], buf, sizeof buf), 0);          /* reading shut: EOF at once */
    ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE); /* the peer reads no more */
    close2(sv);
    int fd = OK(open("/dev/null", O_RDONLY));
    ERR(shutdown(fd, SHUT_RD), ENOTSOCK);
    close(fd);
    ERR(shutdown(fd, SHUT_RD), EBADF);
}

static void t_stream_path(void)
{
    struct sockaddr_un a, b;
    socklen_t alen, blen;
    int l = OK(listener(SOCK_STREAM, "stream", &a, &alen, 4));
    struct stat st;
    OK(stat(a.sun_path, &st));
    CHECK(S_ISSOCK(st.st_mode), "bound path mode %o", st.st_mode);
    int v = 0;
    socklen_t vl = sizeof v;
    OK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
    EQ(v, 1);
    int l2 = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(bind(l2, (struct sockaddr *)&a, alen), EADDRINUSE);   /* the name exists */
    close(l2);
    ERR(bind(l, (struct sockaddr *)&a, alen), EADDRINUSE);     /* the name is checked first */
    struct sockaddr_un other;
    socklen_t olen = path_addr(&other, "stream2");
    ERR(bind(l, (struct sockaddr *)&other, olen), EINVAL);     /* bound already */
    ERR(stat(other.sun_path, &st), ENOENT);                    /* and no name is left behind */
    int c = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(connect(c, (struct sockaddr *)&a, alen));
    ERR(connect(c, (struct sockaddr *)&a, alen), EISCONN);
    EQ(write(c, "early", 5), 5);                  /* before the accept */
    blen = sizeof b;
    int s = OK(accept4(l, (struct sockaddr *)&b, &blen, SOCK_CLOEXEC | SOCK_NONBLOCK));
    EQ(blen, sizeof(sa_family_t));                /* the client is unbound */
    EQ(fcntl(s, F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(s, F_GETFL) & O_NONBLOCK, "accepted socket not O_NONBLOCK");
    char buf[16];
    EQ(read(s, buf, sizeof buf), 5);
    CHECK(!memcmp(buf, "early", 5), "got '%.5s'", buf);
    blen = sizeof b;
    OK(getsockname(s, (struct sockaddr *)&b, &blen)); /* the listener's name */
    EQ(blen, alen);
    CHECK(!strcmp(b.sun_path, a.sun_path), "accepted name '%s'", b.sun_path);
    blen = sizeof b;
    OK(getpeername(c, (struct sockaddr *)&b, &blen));
    EQ(blen, alen);
    CHECK(!strcmp(b.sun_path, a.sun_path), "peer name '%s'", b.sun_path);
    blen = 4;                                     /* too short: cut, full length back */
    memset(&b, 0x55, sizeof b);
    OK(getpeername(c, (struct sockaddr *)&b, &blen));
    EQ(blen, alen);
    EQ(b.sun_path[2], 0x55);
    struct ucred cr;
    vl = sizeof cr;
    OK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &vl));
    EQ(cr.pid, getpid());                         /* the listener's at listen() */
    ERR(connect(l, (struct sockaddr *)&a, alen), EINVAL); /* a listener cannot connect */
    close(s);
    close(c);
    close(l);
    c = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED); /* the name stays, nobody listens */
    OK(unlink(a.sun_path));
    ERR(connect(c, (struct sockaddr *)&a, alen), ENOENT);
    alen = path_addr(&a, "plainfile");
    int fd = OK(open(a.sun_path, O_CREAT | O_WRONLY, 0600));
    close(fd);
    ERR(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED); /* not a socket */
    OK(unlink(a.sun_path));
    int d = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    alen = path_addr(&a, "dgram");
    OK(bind(d, (struct sockaddr *)&a, alen));
    ERR(connect(c, (struct sockaddr *)&a, alen), EPROTOTYPE); /* a socket of another type */
    close(d);
    close(c);
    OK(unlink(a.sun_path));
    /* A path bound by an unlistened stream socket refuses too. */
    s = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    alen = path_addr(&a, "unlistened");
    OK(bind(s, (struct sockaddr *)&a, alen));
    c = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED);
    close(c);
    close(s);
    OK(unlink(a.sun_path));
}

static void t_abstract_and_autobind(void)
{
    struct sockaddr_un a, b;
    socklen_t alen = abstract_addr(&a, "abs"), blen;
    int l = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(l, (struct sockaddr *)&a, alen));
    OK(listen(l, 1));
    blen = sizeof b;
    OK(getsockname(l, (struct sockaddr *)&b, &blen));
    EQ(blen, alen);                                   /* exactly the bytes given */
    CHECK(!memcmp(&a, &b, alen), "abstract name differs");
    int l2 = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(bind(l2, (struct sockaddr *)&a, alen), EADDRINUSE);
    /* Autobind: the family alone gives "\0" and five hex digits. */
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    OK(bind(l2, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    blen = sizeof b;
    OK(getsockname(l2, (struct sockaddr *)&b, &blen));
    EQ(blen, offsetof(struct sockaddr_un, sun_path) + 6);
    EQ(b.sun_path[0], 0);
    for (int k = 1; k < 6; k++)
        CHECK((b.sun_path[k] >= '0' && b.sun_path[k] <= '9') || (b.sun_path[k] >= 'a' && b.sun_path[k] <= 'f'),
              "autobind name byte %d is %#x", k, b.sun_path[k]);
    int c = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(c, (struct sockaddr *)&fam, sizeof(sa_family_t)));
    OK(connect(c, (struct sockaddr *)&a, alen));
    struct sockaddr_un cn;
    socklen_t cnlen = sizeof cn;
    OK(getsockname(c, (struct sockaddr *)&cn, &cnlen));
    blen = sizeof b;
    int s = OK(accept(l, (struct sockaddr *)&b, &blen));
    EQ(blen, cnlen);                                  /* accept names the client */
    CHECK(!memcmp(&b, &cn, cnlen), "accepted peer name differs");
    close(s);
    close(c);
    close(l);
    close(l2);
    c = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    ERR(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED); /* the name died with it */
    l = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(l, (struct sockaddr *)&a, alen));          /* and is free again */
    close(l);
    close(c);
}

static void t_dgram(void)
{
    struct sockaddr_un a, b, from;
    socklen_t alen = path_addr(&a, "dg-a"), blen = path_addr(&b, "dg-b"), flen;
    int x = OK(socket(AF_UNIX, SOCK_DGRAM, 0)), y = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    OK(bind(x, (struct sockaddr *)&a, alen));
    OK(bind(y, (struct sockaddr *)&b, blen));
    EQ(sendto(x, "one", 3, 0, (struct sockaddr *)&b, blen), 3);
    EQ(sendto(x, "twotwo", 6, 0, (struct sockaddr *)&b, blen), 6);
    EQ(sendto(x, "", 0, 0, (struct sockaddr *)&b, blen), 0);   /* an empty datagram is one too */
    char buf[64];
    int n = 0;
    OK(ioctl(y, FIONREAD, &n));
    EQ(n, 3);                                       /* the next datagram's size */
    flen = sizeof from;
    EQ(recvfrom(y, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), 3);
    EQ(flen, alen);
    CHECK(!strcmp(from.sun_path, a.sun_path), "from '%s'", from.sun_path);
    EQ(recv(y, buf, 2, 0), 2);                      /* cut: the rest is gone */
    CHECK(!memcmp(buf, "tw", 2), "got '%.2s'", buf);
    EQ(recv(y, buf, sizeof buf, MSG_DONTWAIT), 0);  /* the empty one */
    ERR(recv(y, buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    /* MSG_TRUNC: the real length, and msg_flags says it was cut. */
    EQ(sendto(x, "truncated", 9, 0, (struct sockaddr *)&b, blen), 9);
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    EQ(recvmsg(y, &m, MSG_PEEK), 4);
    EQ(m.msg_flags & MSG_TRUNC, MSG_TRUNC);
    EQ(recv(y, buf, 4, MSG_TRUNC), 9);
    /* An unbound sender has no name: the address length is 0. */
    int u = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    EQ(sendto(u, "anon", 4, 0, (struct sockaddr *)&b, blen), 4);
    flen = sizeof from;
    EQ(recvfrom(y, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), 4);
    EQ(flen, 0);
    /* Connected: send without an address; others may not send to y then. */
    OK(connect(y, (struct sockaddr *)&a, alen));
    EQ(send(y, "to-a", 4, 0), 4);
    EQ(read(x, buf, sizeof buf), 4);                /* read(2) takes one datagram */
    ERR(sendto(u, "no", 2, 0, (struct sockaddr *)&b, blen), EPERM);
    struct sockaddr_un pn;
    socklen_t pnlen = sizeof pn;
    OK(getpeername(y, (struct sockaddr *)&pn, &pnlen));
    EQ(pnlen, alen);
    ERR(send(u, "x", 1, 0), ENOTCONN);
    ERR(listen(x, 1), EOPNOTSUPP);
    ERR(accept(x, NULL, NULL), EOPNOTSUPP);
    /* A datagram beyond the send buffer. */
    int sndbuf = 0;
    socklen_t sl = sizeof sndbuf;
    OK(getsockopt(x, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl));
    char *big = calloc(1, (size_t)sndbuf);
    CHECK(big, "calloc");
    ERR(sendto(x, big, (size_t)sndbuf, 0, (struct sockaddr *)&b, blen), EMSGSIZE);
    free(big);
    /* AF_UNSPEC forgets the peer. */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    OK(connect(y, &unspec, sizeof unspec));
    ERR(send(y, "x", 1, 0), ENOTCONN);
    ERR(getpeername(y, (struct sockaddr *)&pn, &pnlen), ENOTCONN);
    /* The connected peer dies: ECONNREFUSED once, then not connected. */
    OK(connect(u, (struct sockaddr *)&a, alen));
    close(x);
    ERR(send(u, "x", 1, 0), ECONNREFUSED);
    ERR(send(u, "x", 1, 0), ENOTCONN);
    ERR(sendto(y, "x", 1, 0, (struct sockaddr *)&a, alen), ECONNREFUSED);
    close(u);
    close(y);
    OK(unlink(a.sun_path));
    OK(unlink(b.sun_path));
}

static void t_dgram_queue_limit(void)
{
    int r = OK(socket(AF_UNIX, SOCK_DGRAM, 0)), s = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "dgq");
    OK(bind(r, (struct sockaddr *)&a, alen));
    int sent = 0;
    for (; sent < 1000; sent++) {
        if (sendto(s, "d", 1, MSG_DONTWAIT, (struct sockaddr *)&a, alen) < 0)
            break;
    }
    EQ(errno, EAGAIN);
    CHECK(sent >= 2 && sent < 1000, "sent %d datagrams before EAGAIN", sent);
    struct pollfd p = {s, POLLOUT, 0};
    OK(connect(s, (struct sockaddr *)&a, alen));
    EQ(poll(&p, 1, 0), 0);                          /* the receiver's queue is full */
    char c;
    EQ(recv(r, &c, 1, 0), 1);
    EQ(poll(&p, 1, 0), 1);                          /* room again */
    EQ(send(s, "e", 1, MSG_DONTWAIT), 1);
    for (int k = 0; k < sent; k++)
        EQ(recv(r, &c, 1, MSG_DONTWAIT), 1);
    ERR(recv(r, &c, 1, MSG_DONTWAIT), EAGAIN);
    close(r);
    close(s);
}

static void t_seqpacket(void)
{
    struct sockaddr_un a;
    socklen_t alen;
    int l = OK(listener(SOCK_SEQPACKET, "seq", &a, &alen, 2));
    int c = OK(socket(AF_UNIX, SOCK_SEQPACKET, 0));
    char buf[32];
    ERR(send(c, "x", 1, 0), ENOTCONN);
    ERR(recv(c, buf, 1, MSG_DONTWAIT), ENOTCONN);
    OK(connect(c, (struct sockaddr *)&a, alen));
    int s = OK(accept(l, NULL, NULL));
    EQ(send(c, "first", 5, 0), 5);
    EQ(send(c, "second", 6, 0), 6);
    EQ(recv(s, buf, sizeof buf, 0), 5);             /* records stay apart */
    EQ(recv(s, buf, 3, 0), 3);                      /* and are cut */
    EQ(send(c, "third", 5, 0), 5);
    struct iovec iov = {buf, 2};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    EQ(recvmsg(s, &m, 0), 2);
    EQ(m.msg_flags & MSG_TRUNC, MSG_TRUNC);
    close(c);
    EQ(recv(s, buf, sizeof buf, 0), 0);             /* peer gone: EOF */
    close(s);
    close(l);
    OK(unlink(a.sun_path));
}

/* Sends fds over s with data "F"; returns what sendmsg returned. */
static ssize_t send_fds(int s, const int *fds, int n)
{
    char ctl[CMSG_SPACE(8 * sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {"F", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = CMSG_SPACE(n * sizeof(int))};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(h), fds, n * sizeof(int));
    return sendmsg(s, &m, 0);
}

/* Whether the read end of a pipe sees EOF within 5 s (every writer closed). */
static bool pipe_eof(int rd)
{
    struct pollfd p = {rd, POLLIN, 0};
    char c;
    return poll(&p, 1, 5000) == 1 && read(rd, &c, 1) == 0;
}

static void t_scm_rights(void)
{
    int sv[2], p[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    OK(pipe(p));
    EQ(send_fds(sv[0], &p[1], 1), 1);
    char buf[8], ctl[CMSG_SPACE(4 * sizeof(int))];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    EQ(recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC), 1);
    EQ(m.msg_flags, MSG_CMSG_CLOEXEC);                /* Linux reports the flag back */
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    CHECK(h, "no control message");
    EQ(h->cmsg_level, SOL_SOCKET);
    EQ(h->cmsg_type, SCM_RIGHTS);
    EQ(h->cmsg_len, CMSG_LEN(sizeof(int)));
    EQ(m.msg_controllen, CMSG_SPACE(sizeof(int)));
    int got;
    memcpy(&got, CMSG_DATA(h), sizeof got);
    CHECK(got != p[1], "same descriptor number");
    EQ(fcntl(got, F_GETFD), FD_CLOEXEC);
    EQ(write(got, "z", 1), 1);                      /* the same pipe */
    EQ(read(p[0], buf, 1), 1);
    EQ(buf[0], 'z');
    close(got);
    /* Two passed, room for one: one arrives, MSG_CTRUNC, the other is closed. */
    int two[2] = {p[1], p[1]};
    EQ(send_fds(sv[0], two, 2), 1);
    char small[CMSG_LEN(sizeof(int))];               /* CMSG_SPACE would hold two */
    m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = small, .msg_controllen = sizeof small};
    EQ(recvmsg(sv[1], &m, 0), 1);
    EQ(m.msg_flags, MSG_CTRUNC);
    h = CMSG_FIRSTHDR(&m);
    CHECK(h && h->cmsg_len == CMSG_LEN(sizeof(int)), "truncated control message");
    memcpy(&got, CMSG_DATA(h), sizeof got);
    close(got);
    /* No control buffer: MSG_CTRUNC, nothing installed. */
    EQ(send_fds(sv[0], &p[1], 1), 1);
    m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1};
    EQ(recvmsg(sv[1], &m, 0), 1);
    EQ(m.msg_flags, MSG_CTRUNC);
    /* MSG_PEEK hands out copies, the real receive the descriptors again. */
    EQ(send_fds(sv[0], &p[1], 1), 1);
    m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    EQ(recvmsg(sv[1], &m, MSG_PEEK), 1);
    CHECK(CMSG_FIRSTHDR(&m), "peek without descriptors");
    memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof got);
    close(got);
    m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    EQ(recvmsg(sv[1], &m, 0), 1);
    CHECK(CMSG_FIRSTHDR(&m), "receive without descriptors");
    memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof got);
    close(got);
    /* Bad input. */
    int bad = 999;
    ERR(send_fds(sv[0], &bad, 1), EBADF);
    char ctlbad[CMSG_SPACE(sizeof(int))] = {0};
    m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctlbad, .msg_controllen = sizeof ctlbad};
    h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = sizeof ctlbad + 8;                /* longer than the buffer */
    ERR(sendmsg(sv[0], &m, 0), EINVAL);
    h->cmsg_len = CMSG_LEN(sizeof(int));
    h->cmsg_type = 77;                              /* unknown SOL_SOCKET type */
    ERR(sendmsg(sv[0], &m, 0), EINVAL);
    m.msg_control = ABI_BAD_LOW;
    ERR(syscall(SYS_sendmsg, sv[0], &m, 0), EFAULT); /* musl's sendmsg would copy it itself */
    /* Descriptors in flight when the receiver closes are closed. */
    EQ(send_fds(sv[0], &p[1], 1), 1);
    close(p[1]);
    close(sv[1]);
    CHECK(pipe_eof(p[0]), "the in-flight pipe end was not closed");
    close(sv[0]);
    close(p[0]);
}

/* Linux collects cycles of sockets in flight from a work queue that a
 * send of descriptors schedules (6.10 and later): keep sending some while
 * waiting for the pipe's EOF, for up to 5 s. */
static bool collected(int rd)
{
    for (int k = 0; k < 50; k++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
            return false;
        send_fds(sv[0], &sv[0], 1);
        close2(sv);
        struct pollfd p = {rd, POLLIN, 0};
        char c;
        if (poll(&p, 1, 100) == 1)
            return read(rd, &c, 1) == 0;
    }
    return false;
}

static void t_scm_rights_cycle(void)
{
    /* Each socket of a pair carries the other (and itself) in flight, with a
     * pipe end beside them; once both are closed nothing can receive them,
     * and the collector must close everything. */
    int sv[2], p[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    OK(pipe(p));
    int a[3] = {sv[0], sv[1], p[1]};
    EQ(send_fds(sv[0], a, 3), 1);                   /* into sv[1]'s queue */
    EQ(send_fds(sv[1], a, 2), 1);                   /* into sv[0]'s queue */
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
    CHECK(collected(p[0]), "a cycle of sockets in flight was never collected");
    close(p[0]);
    /* A datagram socket passing itself to itself. */
    int d[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d));
    OK(pipe(p));
    int b[2] = {d[1], p[1]};
    EQ(send_fds(d[0], b, 2), 1);                    /* d[1] carries itself */
    close(p[1]);
    close(d[1]);
    close(d[0]);
    CHECK(collected(p[0]), "a socket carrying itself was never collected");
    close(p[0]);
}

/* A chain: each pair carries the previous pair's two sockets, the first a
 * pipe end.  Closing the last pair frees every queue down the chain (in a
 * loop: 400 nested releases would run a kernel stack out) and so closes
 * the pipe.  400 pairs keep the descriptors in flight (800) below
 * RLIMIT_NOFILE, which Linux applies to them for unprivileged users. */
static void t_scm_rights_chain(void)
{
    int p[2], prev[2];
    OK(pipe(p));
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, prev));
    EQ(send_fds(prev[0], &p[1], 1), 1);
    close(p[1]);
    for (int k = 0; k < 400; k++) {
        int next[2];
        OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, next));
        EQ(send_fds(next[0], prev, 2), 1);
        close2(prev);
        prev[0] = next[0];
        prev[1] = next[1];
    }
    close2(prev);
    CHECK(pipe_eof(p[0]), "the pipe end at the bottom of the chain was not closed");
    close(p[0]);
}

static void t_scm_credentials(void)
{
    int sv[2], on = 1;
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    int v = 0;
    socklen_t vl = sizeof v;
    OK(getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &vl));
    EQ(v, 1);
    /* Without SCM_CREDENTIALS the receiver still learns the sender. */
    EQ(send(sv[0], "a", 1, 0), 1);
    char buf[4], ctl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    EQ(recvmsg(sv[1], &m, 0), 1);
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    CHECK(h && h->cmsg_type == SCM_CREDENTIALS && h->cmsg_len == CMSG_LEN(sizeof(struct ucred)),
          "no credentials");
    struct ucred c;
    memcpy(&c, CMSG_DATA(h), sizeof c);
    EQ(c.pid, getpid());
    EQ(c.uid, getuid());
    EQ(c.gid, getgid());
    /* Stated explicitly. */
    char sctl[CMSG_SPACE(sizeof(struct ucred))] = {0};
    struct iovec siov = {"b", 1};
    struct msghdr sm = {.msg_iov = &siov, .msg_iovlen = 1, .msg_control = sctl, .msg_controllen = sizeof sctl};
    h = CMSG_FIRSTHDR(&sm);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_CREDENTIALS;
    h->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    c = (struct ucred){getpid(), getuid(), getgid()};
    memcpy(CMSG_DATA(h), &c, sizeof c);
    EQ(sendmsg(sv[0], &sm, 0), 1);
    m.msg_controllen = sizeof ctl;
    EQ(recvmsg(sv[1], &m, 0), 1);
    h = CMSG_FIRSTHDR(&m);
    CHECK(h && h->cmsg_type == SCM_CREDENTIALS, "no credentials");
    memcpy(&c, CMSG_DATA(h), sizeof c);
    EQ(c.pid, getpid());
    h = CMSG_FIRSTHDR(&sm);
    h->cmsg_len = CMSG_LEN(sizeof(struct ucred) - 1);
    ERR(sendmsg(sv[0], &sm, 0), EINVAL);            /* the wrong size */
    /* No room for the credentials: MSG_CTRUNC. */
    EQ(send(sv[0], "c", 1, 0), 1);
    m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1};
    EQ(recvmsg(sv[1], &m, 0), 1);
    EQ(m.msg_flags, MSG_CTRUNC);
    close2(sv);
}

/* A stream never glues bytes of senders with different credentials for a
 * receiver that asked for them; a datagram sender with SO_PASSCRED gets a
 * name so the receiver can see who it is. */
static void t_credentials_per_sender(void)
{
    int sv[2], on = 1;
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    OK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    EQ(send(sv[0], "parent", 6, 0), 6);
    pid_t kid = fork();
    if (kid == 0)
        _exit(send(sv[0], "child", 5, 0) == 5 ? 0 : 1);
    CHECK(kid > 0, "fork: %s", abi_errname(errno));
    EQ(abi_wait(kid), 0);
    char buf[32], ctl[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    EQ(recvmsg(sv[1], &m, 0), 6);                   /* stops where the sender changes */
    struct ucred c;
    CHECK(CMSG_FIRSTHDR(&m), "no credentials");
    memcpy(&c, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof c);
    EQ(c.pid, getpid());
    m.msg_controllen = sizeof ctl;
    EQ(recvmsg(sv[1], &m, 0), 5);
    CHECK(CMSG_FIRSTHDR(&m), "no credentials");
    memcpy(&c, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof c);
    EQ(c.pid, kid);
    close2(sv);
    /* Without SO_PASSCRED the bytes glue. */
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    EQ(send(sv[0], "parent", 6, 0), 6);
    kid = fork();
    if (kid == 0)
        _exit(send(sv[0], "child", 5, 0) == 5 ? 0 : 1);
    CHECK(kid > 0, "fork: %s", abi_errname(errno));
    EQ(abi_wait(kid), 0);
    EQ(recv(sv[1], buf, sizeof buf, 0), 11);
    close2(sv);
    /* recvmsg's msg_name, and autobind of a SO_PASSCRED datagram sender. */
    struct sockaddr_un a, from;
    socklen_t alen = abstract_addr(&a, "passcred");
    int r = OK(socket(AF_UNIX, SOCK_DGRAM, 0)), w = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    OK(bind(r, (struct sockaddr *)&a, alen));
    OK(setsockopt(w, SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
    EQ(sendto(w, "x", 1, 0, (struct sockaddr *)&a, alen), 1);
    m = (struct msghdr){.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
    EQ(recvmsg(r, &m, 0), 1);
    EQ(m.msg_namelen, offsetof(struct sockaddr_un, sun_path) + 6); /* "\0" and five hex digits */
    EQ(from.sun_path[0], 0);
    close(r);
    close(w);
}

static void t_nonblock_and_peek(void)
{
    int sv[2];
    char buf[16];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    ERR(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    OK(fcntl(sv[0], F_SETFL, O_NONBLOCK));
    ERR(read(sv[0], buf, sizeof buf), EAGAIN);
    EQ(send(sv[1], "peekaboo", 8, 0), 8);
    int n = 0;
    OK(ioctl(sv[0], FIONREAD, &n));
    EQ(n, 8);
    EQ(recv(sv[0], buf, 4, MSG_PEEK), 4);
    CHECK(!memcmp(buf, "peek", 4), "peeked '%.4s'", buf);
    EQ(recv(sv[0], buf, sizeof buf, MSG_PEEK), 8);  /* peeking consumes nothing */
    EQ(recv(sv[0], buf, sizeof buf, 0), 8);
    CHECK(!memcmp(buf, "peekaboo", 8), "read '%.8s'", buf);
    ERR(recv(sv[0], buf, sizeof buf, 0), EAGAIN);
    /* Fill the send buffer without blocking. */
    OK(fcntl(sv[1], F_SETFL, O_NONBLOCK));
    static char chunk[4096];
    long total = 0;
    for (int k = 0; k < 100000; k++) {
        ssize_t w = write(sv[1], chunk, sizeof chunk);
        if (w < 0)
            break;
        total += w;
    }
    EQ(errno, EAGAIN);
    CHECK(total > 0, "nothing written");
    struct pollfd p = {sv[1], POLLOUT, 0};
    EQ(poll(&p, 1, 0), 0);                          /* full: not writable */
    long got = 0;
    for (;;) {
        ssize_t r = read(sv[0], chunk, sizeof chunk);
        if (r <= 0)
            break;
        got += r;
    }
    EQ(got, total);                                 /* nothing lost */
    EQ(poll(&p, 1, 0), 1);
    close2(sv);
}

#define BIG (4 << 20)

struct xfer {
    int fd;
    uint64_t seed;
    int err;
};

/* Writes BIG pseudo-random bytes in pieces of varying size. */
static void *writer(void *arg)
{
    struct xfer *x = arg;
    uint64_t s = x->seed, sz = 7;
    static unsigned char out[70000];
    size_t done = 0;
    while (done < BIG) {
        size_t len = (size_t)(abi_rand(&sz) % sizeof out) + 1;
        if (len > BIG - done)
            len = BIG - done;
        for (size_t k = 0; k < len; k++)
            out[k] = (unsigned char)abi_rand(&s);
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(x->fd, out + off, len - off);
            if (w <= 0) {
                x->err = errno;
                return NULL;
            }
            off += (size_t)w;
        }
        done += len;
    }
    return NULL;
}

static void t_backpressure_large_transfer(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int small = 8192;
    OK(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small));
    struct xfer x = {sv[1], 0x1234567, 0};
    pthread_t t;
    RET(pthread_create(&t, NULL, writer, &x), 0);
    uint64_t s = x.seed, rs = 99;
    static unsigned char in[50000];
    size_t got = 0;
    while (got < BIG) {
        size_t want = (size_t)(abi_rand(&rs) % sizeof in) + 1;
        if (want > BIG - got)
            want = BIG - got;
        ssize_t r = recv(sv[0], in, want, (rs & 1) ? MSG_WAITALL : 0);
        if (r <= 0)
            FAILF("recv after %zu bytes: %zd (%s)", got, r, abi_errname(errno));
        if (rs & 1)
            EQ(r, want);                              /* MSG_WAITALL: all of it */
        for (ssize_t k = 0; k < r; k++) {
            unsigned char e = (unsigned char)abi_rand(&s);
            if (in[k] != e)
                FAILF("byte %zu is %#x, want %#x", got + (size_t)k, in[k], e);
        }
        got += (size_t)r;
    }
    RET(pthread_join(t, NULL), 0);
    EQ(x.err, 0);
    close(sv[1]);
    EQ(read(sv[0], in, 1), 0);
    close(sv[0]);
}

static void t_poll_readiness(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct pollfd p = {sv[0], POLLIN | POLLOUT, 0};
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLOUT);
    EQ(write(sv[1], "x", 1), 1);
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLIN | POLLOUT);
    close(sv[1]);
    p.events = POLLIN | POLLOUT | POLLRDHUP;
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
    close(sv[0]);
    /* An unconnected stream socket is hung up; a listener is readable with
     * a connection waiting, never writable. */
    int s = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    p = (struct pollfd){s, POLLIN | POLLOUT, 0};
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLOUT | POLLHUP);
    close(s);
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "poll");
    int l = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(l, (struct sockaddr *)&a, alen));
    OK(listen(l, 4));
    p = (struct pollfd){l, POLLIN | POLLOUT, 0};
    EQ(poll(&p, 1, 0), 0);
    int c = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(connect(c, (struct sockaddr *)&a, alen));
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLIN);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(l, &rs);
    struct timeval tv = {0, 0};
    EQ(select(l + 1, &rs, NULL, NULL, &tv), 1);
    close(c);
    close(l);
    /* A datagram socket is writable and readable once a datagram is in. */
    int d[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d));
    p = (struct pollfd){d[0], POLLIN | POLLOUT, 0};
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLOUT);
    EQ(send(d[1], "x", 1, 0), 1);
    EQ(poll(&p, 1, 0), 1);
    EQ(p.revents, POLLIN | POLLOUT);
    close2(d);
}

struct closer {
    int fd;
    int delay_ms;
};

static void *close_later(void *arg)
{
    struct closer *c = arg;
    abi_sleep_ms(c->delay_ms);
    close(c->fd);
    return NULL;
}

static void *send_later(void *arg)
{
    struct closer *c = arg;
    abi_sleep_ms(c->delay_ms);
    if (write(c->fd, "ab", 2) != 2)
        return (void *)1;
    abi_sleep_ms(c->delay_ms);
    return write(c->fd, "cd", 2) == 2 ? NULL : (void *)1;
}

static void t_peer_death_wakes(void)
{
    int sv[2];
    char buf[8];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct closer c = {sv[1], 50};
    pthread_t t;
    RET(pthread_create(&t, NULL, close_later, &c), 0);
    EQ(read(sv[0], buf, sizeof buf), 0);            /* a blocked reader sees the close */
    RET(pthread_join(t, NULL), 0);
    close(sv[0]);
    /* A blocked poller too. */
    OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    c.fd = sv[1];
    RET(pthread_create(&t, NULL, close_later, &c), 0);
    struct pollfd p = {sv[0], POLLIN, 0};
    EQ(poll(&p, 1, 10000), 1);
    CHECK(p.revents & POLLHUP, "revents %#x", p.revents);
    RET(pthread_join(t, NULL), 0);
    close(sv[0]);
    /* MSG_WAITALL waits for all of it, across sends. */
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    c = (struct closer){sv[1], 20};
    RET(pthread_create(&t, NULL, send_later, &c), 0);
    EQ(recv(sv[0], buf, 4, MSG_WAITALL), 4);
    CHECK(!memcmp(buf, "abcd", 4), "got '%.4s'", buf);
    void *res;
    RET(pthread_join(t, &res), 0);
    EQ(res, NULL);
    close2(sv);
    /* Unread data at the peer's close: ECONNRESET, then EOF. */
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    EQ(write(sv[0], "lost", 4), 4);
    close(sv[1]);
    ERR(read(sv[0], buf, sizeof buf), ECONNRESET);
    EQ(read(sv[0], buf, sizeof buf), 0);
    close(sv[0]);
}

static void t_blocking_waits_interrupted(void)
{
    struct sigaction sa = {.sa_handler = on_sigusr1}, old; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    OK(sigaction(SIGUSR1, &sa, &old));
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "intr");
    int l = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(l, (struct sockaddr *)&a, alen));
    OK(listen(l, 1));
    pid_t me = getpid(), my_tid = (pid_t)syscall(SYS_gettid);
    pid_t kid = fork();
    if (kid == 0) {
        /* Once the parent sleeps in accept: sent before, the signal would
         * only run its handler, and accept would then wait for good. */
        abi_wait_sleeping(me, my_tid);
        kill(me, SIGUSR1);
        _exit(0);
    }
    CHECK(kid > 0, "fork: %s", abi_errname(errno));
    ERR(accept(l, NULL, NULL), EINTR);
    EQ(abi_wait(kid), 0);
    /* A child blocked in recv dies of SIGKILL. */
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    kid = fork();
    if (kid == 0) {
        char b;
        (void)!read(sv[0], &b, 1);
        _exit(1);
    }
    CHECK(kid > 0, "fork: %s", abi_errname(errno));
    abi_sleep_ms(50);
    OK(kill(kid, SIGKILL));
    int st = abi_wait(kid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
    close2(sv);
    close(l);
    OK(sigaction(SIGUSR1, &old, NULL));
}

static void t_backlog(void)
{
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "backlog");
    int l = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(l, (struct sockaddr *)&a, alen));
    OK(listen(l, 1));
    int c[3];
    for (int k = 0; k < 3; k++)
        c[k] = OK(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
    OK(connect(c[0], (struct sockaddr *)&a, alen));
    OK(connect(c[1], (struct sockaddr *)&a, alen)); /* one more than the backlog waits */
    ERR(connect(c[2], (struct sockaddr *)&a, alen), EAGAIN);
    int s = OK(accept(l, NULL, NULL));
    OK(connect(c[2], (struct sockaddr *)&a, alen)); /* room again */
    close(s);
    /* The listener's close resets the connections never accepted. */
    close(l);
    char b;
    ERR(recv(c[1], &b, 1, 0), ECONNRESET);
    EQ(recv(c[1], &b, 1, 0), 0);
    for (int k = 0; k < 3; k++)
        close(c[k]);
}

static void t_sockopts(void)
{
    int s = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    int v = -1;
    socklen_t l = sizeof v;
    OK(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &l));
    EQ(v, AF_UNIX);
    OK(getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &l));
    EQ(v, 0);
    OK(getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l));
    EQ(v, 0);
    OK(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &l));
    EQ(v, 0);
    int want = 65536;
    OK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &want, sizeof want));
    OK(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l));
    EQ(v, 2 * want);                                /* doubled, as Linux */
    OK(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &want, sizeof want));
    OK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l));
    EQ(v, 2 * want);
    want = 1;
    OK(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &want, sizeof want));
    OK(getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l));
    CHECK(v >= 2048 && v <= 8192, "SO_SNDBUF minimum %d", v);
    struct timeval tv = {0, 100000};
    OK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct timeval back;
    socklen_t bl = sizeof back;
    OK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &back, &bl));
    EQ(back.tv_sec, 0);
    EQ(back.tv_usec, 100000);
    tv.tv_usec = 1000000;
    ERR(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), EDOM);
    struct ucred c;
    l = sizeof c;
    OK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &c, &l));
    EQ(c.pid, 0);                                   /* no peer */
    l = 2;                                          /* cut to the length asked */
    v = 0;
    OK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    EQ(l, 2);
    EQ(v, SOCK_STREAM);
    l = sizeof v;
    ERR(getsockopt(s, SOL_SOCKET, 9999, &v, &l), ENOPROTOOPT);
    ERR(setsockopt(s, SOL_SOCKET, 9999, &v, sizeof v), ENOPROTOOPT);
    ERR(setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof v), ENOPROTOOPT);
    ERR(getsockopt(s, 6 /* IPPROTO_TCP */, 1, &v, &l), EOPNOTSUPP);
    ERR(setsockopt(s, 6, 1, &v, sizeof v), EOPNOTSUPP);
    ERR(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, 2), EINVAL);
    ERR(setsockopt(s, SOL_SOCKET, SO_PASSCRED, ABI_BAD_LOW, sizeof v), EFAULT);
    ERR(syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, &v, ABI_BAD_LOW), EFAULT);
    l = (socklen_t)-1;
    ERR(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l), EINVAL);
    close(s);
}

static void t_timeout(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct timeval tv = {0, 20000};
    OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    char b;
    uint64_t t0 = abi_now_ns();
    ERR(read(sv[0], &b, 1), EAGAIN);
    CHECK(abi_now_ns() - t0 >= 19000000, "timed out early");
    close2(sv);
    /* A handler with SA_RESTART ends a wait under a timeout with EINTR:
     * Linux never restarts those (signal(7)).  Restarted, the read would
     * end with EAGAIN after its 10 s. */
    struct sigaction sa = {.sa_handler = on_sigusr1, .sa_flags = SA_RESTART}, old;
    sigemptyset(&sa.sa_mask);
    OK(sigaction(SIGUSR1, &sa, &old));
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct timeval ten = {10, 0};
    OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &ten, sizeof ten));
    pid_t me = getpid();
    pid_t kid = OK(fork());
    if (kid == 0) {
        abi_sleep_ms(100);
        kill(me, SIGUSR1);
        _exit(0);
    }
    ERR(read(sv[0], &b, 1), EINTR);
    EQ(abi_wait(kid), 0);
    OK(sigaction(SIGUSR1, &old, NULL));
    close2(sv);
}

static void t_bad_input(void)
{
    int s = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    int fd = OK(open("/dev/null", O_RDWR));
    struct sockaddr_un a;
    socklen_t alen = path_addr(&a, "bad");
    char buf[4];
    socklen_t l = sizeof a;
    /* Not a socket, or no descriptor at all. */
    ERR(bind(fd, (struct sockaddr *)&a, alen), ENOTSOCK);
    ERR(listen(fd, 1), ENOTSOCK);
    ERR(connect(fd, (struct sockaddr *)&a, alen), ENOTSOCK);
    ERR(accept(fd, NULL, NULL), ENOTSOCK);
    ERR(getsockname(fd, (struct sockaddr *)&a, &l), ENOTSOCK);
    ERR(send(fd, "x", 1, 0), ENOTSOCK);
    ERR(recv(fd, buf, 1, 0), ENOTSOCK);
    ERR(getsockopt(fd, SOL_SOCKET, SO_TYPE, buf, &l), ENOTSOCK);
    ERR(bind(999, (struct sockaddr *)&a, alen), EBADF);
    ERR(listen(999, 1), EBADF);
    ERR(accept(999, NULL, NULL), EBADF);
    ERR(send(999, "x", 1, 0), EBADF);
    ERR(recv(999, buf, 1, 0), EBADF);
    ERR(getpeername(999, (struct sockaddr *)&a, &l), EBADF);
    /* Address lengths and families. */
    ERR(bind(s, (struct sockaddr *)&a, 1), EINVAL);
    ERR(bind(s, (struct sockaddr *)&a, sizeof a + 1), EINVAL);
    ERR(bind(s, (struct sockaddr *)&a, 129), EINVAL);
    ERR(bind(s, (struct sockaddr *)&a, (socklen_t)-1), EINVAL);
    struct sockaddr_un inet = a;
    inet.sun_family = AF_INET;
    ERR(bind(s, (struct sockaddr *)&inet, alen), EINVAL);
    ERR(connect(s, (struct sockaddr *)&inet, alen), EINVAL);
    ERR(connect(s, (struct sockaddr *)&a, sizeof(sa_family_t)), EINVAL);
    ERR(bind(s, ABI_BAD_LOW, alen), EFAULT);
    ERR(bind(s, ABI_BAD_KERNEL, alen), EFAULT);
    ERR(connect(s, ABI_BAD_NONCANON, alen), EFAULT);
    struct sockaddr_un missing;
    socklen_t mlen = path_addr(&missing, "no/such/dir");
    ERR(bind(s, (struct sockaddr *)&missing, mlen), ENOENT);
    /* Calls that need a connection, or must not have one. */
    ERR(send(s, "x", 1, MSG_NOSIGNAL), ENOTCONN);
    ERR(recv(s, buf, 1, MSG_DONTWAIT), EINVAL);      /* Linux: an unconnected stream */
    ERR(getpeername(s, (struct sockaddr *)&a, &l), ENOTCONN);
    ERR(listen(s, 1), EINVAL);                       /* unbound */
    ERR(accept(s, NULL, NULL), EINVAL);              /* not listening */
    ERR(sendto(s, "x", 1, 0, (struct sockaddr *)&a, alen), EOPNOTSUPP);
    ERR(accept4(s, NULL, NULL, 0x1), EINVAL);
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    ERR(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&a, alen), EISCONN);
    ERR(send(sv[0], ABI_BAD_LOW, 1, 0), EFAULT);
    ERR(syscall(SYS_recvfrom, sv[1], ABI_BAD_KERNEL, 1, 0, NULL, NULL), EFAULT);
    ERR(syscall(SYS_getsockname, sv[0], &a, ABI_BAD_LOW), EFAULT);
    int neg = -1;
    ERR(syscall(SYS_getsockname, sv[0], &a, &neg), EINVAL);
    ERR(syscall(SYS_sendmsg, sv[0], ABI_BAD_LOW, 0), EFAULT);
    ERR(syscall(SYS_recvmsg, sv[0], ABI_BAD_KERNEL, 0), EFAULT);
    struct iovec iov = {buf, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1025};
    ERR(sendmsg(sv[0], &m, 0), EMSGSIZE);
    char huge[64];
    m = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = huge, .msg_controllen = 1 << 20};
    ERR(syscall(SYS_sendmsg, sv[0], &m, 0), ENOBUFS);
    /* A data fault at receive: EFAULT, the bytes stay queued. */
    EQ(send(sv[0], "kept", 4, 0), 4);
    ERR(syscall(SYS_recvfrom, sv[1], ABI_BAD_LOW, 4, 0, NULL, NULL), EFAULT);
    EQ(recv(sv[1], buf, 4, 0), 4);
    CHECK(!memcmp(buf, "kept", 4), "got '%.4s'", buf);
    close2(sv);
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    ERR(send(sv[0], "x", 1, MSG_OOB), EOPNOTSUPP);    /* no out-of-band datagrams */
    ERR(recv(sv[1], buf, 1, MSG_OOB | MSG_DONTWAIT), EOPNOTSUPP);
    close2(sv);
    close(s);
    close(fd);
}

/* A 64-client echo server on epoll, as services are written: a forked
 * server with a non-blocking listening socket and connections in one
 * level-triggered epoll set (8 events per wait, so readiness is taken in
 * turns), 64 clients connected at once, each sending its own messages
 * before any is read back, all echoed unmixed; then every client closes
 * and the server, having seen 64 ends of file, exits with the count of
 * bytes it echoed. */
enum { ECHO_CLIENTS = 64, ECHO_ROUNDS = 4, ECHO_MSG = 100 };

static void echo_message(char *m, int client, int round)
{
    for (int k = 0; k < ECHO_MSG; k++)
        m[k] = (char)('A' + (client * 7 + round * 13 + k) % 26);
}

/* The server's body: exits 0 after 64 connections echoed and closed. */
static void echo_server(int l)
{
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
    if (ep < 0 || fcntl(l, F_SETFL, O_NONBLOCK) || epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev))
        _exit(2);
    int accepted = 0, closed = 0;
    long echoed = 0;
    while (closed < ECHO_CLIENTS) {
        struct epoll_event got[8];
        int n = epoll_wait(ep, got, 8, 20000);
        if (n <= 0)
            _exit(3); /* nothing for 20 s: a lost wake-up */
        for (int k = 0; k < n; k++) {
            int fd = got[k].data.fd;
            if (fd == l) {
                int c = accept4(l, NULL, NULL, SOCK_NONBLOCK);
                if (c < 0) {
                    if (errno == EAGAIN)
                        continue;
                    _exit(4);
                }
                struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce))
                    _exit(5);
                accepted++;
                continue;
            }
            char buf[ECHO_MSG * ECHO_ROUNDS];
            ssize_t r = read(fd, buf, sizeof buf);
            if (r < 0 && errno == EAGAIN)
                continue;
            if (r <= 0) {
                if (epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) || close(fd))
                    _exit(6);
                closed++;
                continue;
            }
            if (write(fd, buf, (size_t)r) != r)
                _exit(7); /* far below the socket's buffer: never short */
            echoed += r;
        }
    }
    _exit(accepted == ECHO_CLIENTS && echoed == (long)ECHO_CLIENTS * ECHO_ROUNDS * ECHO_MSG ? 0 : 8);
}

static void t_epoll_echo_64_clients(void)
{
    struct sockaddr_un a;
    socklen_t alen = abstract_addr(&a, "echo");
    int l = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(l, (struct sockaddr *)&a, alen));
    OK(listen(l, ECHO_CLIENTS));
    pid_t server = OK(fork());
    if (server == 0)
        echo_server(l);
    OK(close(l));
    int c[ECHO_CLIENTS];
    for (int i = 0; i < ECHO_CLIENTS; i++) {
        c[i] = OK(socket(AF_UNIX, SOCK_STREAM, 0));
        OK(connect(c[i], (struct sockaddr *)&a, alen));
    }
    char m[ECHO_MSG], back[ECHO_MSG];
    for (int round = 0; round < ECHO_ROUNDS; round++) {
        for (int i = 0; i < ECHO_CLIENTS; i++) {
            echo_message(m, i, round);
            EQ(write(c[i], m, sizeof m), sizeof m);
        }
        for (int i = 0; i < ECHO_CLIENTS; i++) {
            size_t have = 0;
            while (have < sizeof back) {
                ssize_t r = read(c[i], back + have, sizeof back - have);
                CHECK(r > 0, "client %d round %d: read %zd (%s)", i, round, r, abi_errname(errno));
                have += (size_t)r;
            }
            echo_message(m, i, round);
            CHECK(!memcmp(m, back, sizeof m), "client %d round %d got another's bytes", i, round);
        }
    }
    for (int i = 0; i < ECHO_CLIENTS; i++)
        OK(close(c[i]));
    int st = abi_wait(server);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the server ended with status %#x", st);
}

int main(void)
{
    abi_begin(ABI_AREA);
    signal(SIGPIPE, SIG_IGN);
    dir = abi_tmpdir();
    RUN(socket_create);
    RUN(socketpair_stream);
    RUN(epipe_sigpipe);
    RUN(shutdown);
    RUN(stream_path);
    RUN(abstract_and_autobind);
    RUN(dgram);
    RUN(dgram_queue_limit);
    RUN(seqpacket);
    RUN(scm_rights);
    RUN(scm_rights_cycle);
    RUN(scm_rights_chain);
    RUN(scm_credentials);
    RUN(credentials_per_sender);
    RUN(nonblock_and_peek);
    RUN(backpressure_large_transfer);
    RUN(poll_readiness);
    RUN(epoll_echo_64_clients);
    RUN(peer_death_wakes);
    RUN(blocking_waits_interrupted);
    RUN(backlog);
    RUN(sockopts);
    RUN(timeout);
    RUN(bad_input);
    abi_rm_tree(dir);
    return abi_end();
}
