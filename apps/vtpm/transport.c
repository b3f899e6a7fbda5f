/* Endpoint spec parsing and channel I/O shared by every transport. */
#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* Copies option value `v` (length n) into dst; false if it does not fit. */
static bool set_str(char *dst, size_t cap, const char *v, size_t n)
{
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, v, n);
    dst[n] = 0;
    return true;
}

static bool parse_port(const char *v, size_t n, uint16_t *port)
{
    if (n == 0 || n > 5)
        return false;
    unsigned long p = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        p = p * 10 + (unsigned long)(v[i] - '0');
    }
    if (p > 65535)
        return false;
    *port = (uint16_t)p;
    return true;
}

/* A descriptor number: decimal digits, at most 9 of them (so it fits an int). */
static bool parse_fd(const char *s, int *fd)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9)
        return false;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *fd = v;
    return true;
}

/* type=fd: fd=N, or in=N and out=M (stored as text while parsing, since the
 * type may come last). */
static const char *finish_fd_spec(struct endpoint *ep, const char *fd_str, bool have_port)
{
    if (fd_str[0] && (ep->in_path[0] || ep->out_path[0]))
        return "either fd=N or in=N,out=M, not both";
    if (ep->path[0] || ep->addr[0] || have_port)
        return "fd=N or in=N,out=M (path=, port= and bindaddr= do not apply)";
    if (fd_str[0]) {
        if (!parse_fd(fd_str, &ep->in_fd))
            return "a descriptor number in fd=";
        ep->out_fd = ep->in_fd;
        return NULL;
    }
    if (!ep->in_path[0] || !ep->out_path[0])
        return "fd=N or in=N,out=M";
    if (!parse_fd(ep->in_path, &ep->in_fd) || !parse_fd(ep->out_path, &ep->out_fd))
        return "descriptor numbers in in= and out=";
    return NULL;
}

int endpoint_parse(const char *spec, const char *role, struct endpoint *ep)
{
    memset(ep, 0, sizeof(*ep));
    ep->role = role;
    ep->listen_fd = ep->in_fd = ep->out_fd = -1;
    bool have_port = false;
    char fd_str[16] = "";
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq) {
            log_error("%s spec '%s': '%.*s' is not key=value", role, spec, (int)len, p);
            return -1;
        }
        size_t klen = (size_t)(eq - p);
        const char *v = eq + 1;
        size_t vlen = len - klen - 1;
        bool ok;
        if (klen == 4 && !memcmp(p, "type", 4)) {
            ok = true;
            if (vlen == 3 && !memcmp(v, "tcp", 3))
                ep->ops = &transport_tcp;
            else if (vlen == 6 && !memcmp(v, "unixio", 6))
                ep->ops = &transport_unix;
            else if (vlen == 3 && !memcmp(v, "dev", 3))
                ep->ops = &transport_dev;
            else if (vlen == 2 && !memcmp(v, "fd", 2))
                ep->ops = &transport_fd;
            else
                ok = false;
        } else if (klen == 4 && !memcmp(p, "port", 4)) {
            ok = have_port = parse_port(v, vlen, &ep->port);
        } else if (klen == 8 && !memcmp(p, "bindaddr", 8)) {
            ok = set_str(ep->addr, sizeof(ep->addr), v, vlen);
        } else if (klen == 4 && !memcmp(p, "path", 4)) {
            ok = set_str(ep->path, sizeof(ep->path), v, vlen);
        } else if (klen == 2 && !memcmp(p, "fd", 2)) {
            ok = set_str(fd_str, sizeof(fd_str), v, vlen);
        } else if (klen == 2 && !memcmp(p, "in", 2)) {
            ok = set_str(ep->in_path, sizeof(ep->in_path), v, vlen);
        } else if (klen == 3 && !memcmp(p, "out", 3)) {
            ok = set_str(ep->out_path, sizeof(ep->out_path), v, vlen);
        } else if (klen == 7 && !memcmp(p, "framing", 7)) {
            /* only the data channel carries TPM commands */
            ok = !strcmp(role, "data") && ((vlen == 4 && !memcmp(v, "svsm", 4)) ||
                                           (vlen == 3 && !memcmp(v, "raw", 3)));
            ep->svsm = ok && vlen == 4;
        } else {
            log_error("%s spec '%s': unknown option '%.*s'", role, spec, (int)klen, p);
            return -1;
        }
        if (!ok) {
            log_error("%s spec '%s': bad value in '%.*s'", role, spec, (int)len, p);
            return -1;
        }
        p = end ? end + 1 : p + len;
    }
    const char *need = NULL;
    if (!ep->ops)
        need = "type=tcp|unixio|dev|fd";
    else if (ep->ops == &transport_tcp && !have_port)
        need = "port=";
    else if (ep->ops == &transport_unix && !ep->path[0])
        need = "path=";
    else if (ep->ops == &transport_dev && !ep->path[0] && !(ep->in_path[0] && ep->out_path[0]))
        need = "path= or in=,out=";
    else if (ep->ops == &transport_fd)
        need = finish_fd_spec(ep, fd_str, have_port);
    else if (fd_str[0])
        need = "type=fd for fd=";
    if (need) {
        log_error("%s spec '%s' needs %s", role, spec, need);
        return -1;
    }
    if (ep->ops == &transport_tcp && !ep->addr[0])
        strcpy(ep->addr, "127.0.0.1");
    return 0;
}

bool endpoints_share_fd(const struct endpoint *a, const struct endpoint *b)
{
    if (a->ops != &transport_fd || b->ops != &transport_fd)
        return false;
    return a->in_fd == b->in_fd || a->in_fd == b->out_fd || a->out_fd == b->in_fd ||
           a->out_fd == b->out_fd;
}

void channel_close(struct channel *ch)
{
    if (ch->out_fd >= 0 && ch->out_fd != ch->in_fd)
        close(ch->out_fd);
    if (ch->in_fd >= 0)
        close(ch->in_fd);
    ch->in_fd = ch->out_fd = -1;
}

static ssize_t recv_with_fd(int sock, uint8_t *buf, size_t len, int *fd)
{
    union {
        char space[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.space,
        .msg_controllen = sizeof(control.space),
    };
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len < CMSG_LEN(sizeof(int)))
            continue;
        int got;
        memcpy(&got, CMSG_DATA(c), sizeof(got));
        if (*fd >= 0)
            close(*fd); /* only the latest descriptor is kept */
        *fd = got;
    }
    return n;
}

ssize_t channel_read(struct channel *ch, uint8_t *buf, size_t len, int *fd)
{
    if (ch->can_pass_fd)
        return recv_with_fd(ch->in_fd, buf, len, fd);
    ssize_t n;
    do
        n = read(ch->in_fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n;
}

int channel_write(struct channel *ch, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(ch->out_fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}
