/* Connecting to the vtpm's ports (vtpm_link.h). */
#include "vtpm_link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bytes.h"
#include "ctrl_proto.h"
#include "frame.h"
#include "io.h"
#include "log.h"

void link_init(struct vtpm_link *l, const char *data_addr, const char *ctrl_addr, int timeout_ms)
{
    memset(l, 0, sizeof(*l));
    l->data_addr = data_addr;
    l->ctrl_addr = ctrl_addr;
    l->data.fd = l->ctrl.fd = -1;
    l->timeout_ms = timeout_ms;
}

/* Fills *ss from "HOST:PORT" or a path (anything with a '/'). */
static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    if (strchr(addr, '/')) {
        struct sockaddr_un *un = (struct sockaddr_un *)ss;
        if (strlen(addr) >= sizeof(un->sun_path))
            return -1;
        un->sun_family = AF_UNIX;
        strcpy(un->sun_path, addr);
        *len = sizeof(*un);
        return 0;
    }
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr || colon - addr >= 64)
        return -1;
    char host[64];
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = 0;
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || colon[1] == 0 || port == 0 || port > 65535)
        return -1;
    struct sockaddr_in *in = (struct sockaddr_in *)ss;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
        return -1;
    *len = sizeof(*in);
    return 0;
}

int link_check_addr(const char *addr)
{
    struct sockaddr_storage ss;
    socklen_t len;
    return parse_addr(addr, &ss, &len);
}

/* A non-blocking connection to addr, established before the deadline. */
static int connect_to(const char *addr, int64_t deadline_ms)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (parse_addr(addr, &ss, &len) < 0) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
        if (errno != EINPROGRESS)
            goto fail;
        int64_t left = deadline_ms - io_now_ms();
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        if (left <= 0 || poll(&p, 1, (int)left) != 1) {
            errno = ETIMEDOUT;
            goto fail;
        }
        int err = 0;
        socklen_t el = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err) {
            errno = err;
            goto fail;
        }
    }
    if (ss.ss_family == AF_INET) {
        int one = 1; /* commands are small and each waits for its answer */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return fd;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

static void port_close(struct link_port *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    p->owed = false;
    p->rx_len = 0;
}

void link_down(struct vtpm_link *l, const char *why)
{
    if (l->data.fd < 0 && l->ctrl.fd < 0)
        return;
    log_error("vtpm link down: %s", why);
    port_close(&l->data);
    port_close(&l->ctrl);
}

/* The size of the answer arriving in p->rx, as far as its first bytes tell:
 * a TPM frame on the data port, a result (and `expect` bytes in all when it
 * is 0) on the control port.  0 when a frame's size field is impossible:
 * framing is lost. */
static size_t answer_size(const struct vtpm_link *l, const struct link_port *p, size_t expect)
{
    if (p == &l->data) {
        if (p->rx_len < TPM_HEADER_SIZE)
            return TPM_HEADER_SIZE;
        uint32_t size = get_be32(p->rx + 2);
        return size < TPM_HEADER_SIZE || size > BRIDGE_FRAME_MAX ? 0 : size;
    }
    if (p->rx_len < 4)
        return 4;
    return get_be32(p->rx) == PTM_SUCCESS ? expect : 4;
}

enum answer_status { ANSWER_OK, ANSWER_IO, ANSWER_FRAMING };

/* Reads the answer arriving on p until it is whole (its length is then
 * *len, its bytes in p->rx) or the deadline passes (the bytes so far stay in
 * p->rx for the next call).  Never reads past the answer's end, so the next
 * answer's bytes stay in the socket. */
static enum answer_status read_answer(const struct vtpm_link *l, struct link_port *p, size_t expect,
                                      int64_t deadline_ms, size_t *len, enum io_status *st)
{
    for (;;) {
        size_t need = answer_size(l, p, expect);
        if (need == 0 || need > sizeof(p->rx))
            return ANSWER_FRAMING;
        if (p->rx_len == need) {
            *len = need;
            p->rx_len = 0;
            return ANSWER_OK;
        }
        *st = io_read_more(p->fd, p->rx, need, &p->rx_len, deadline_ms);
        if (*st != IO_OK)
            return ANSWER_IO;
    }
}

static const char *port_name(const struct vtpm_link *l, const struct link_port *p)
{
    return p == &l->data ? "data" : "control";
}

/* Drops the link after a failed read on p, saying why. */
static void read_failed(struct vtpm_link *l, const struct link_port *p, uint32_t what,
                        enum answer_status as, enum io_status st)
{
    char why[128];
    snprintf(why, sizeof(why), "%s port, answer to 0x%08x: %s", port_name(l, p), what,
             as == ANSWER_FRAMING ? "an impossible size (framing lost)" : io_status_text(st));
    link_down(l, why);
}

/* Waits (until the deadline) for the answer p still owes and discards it.
 * 0 when p owes nothing any more: the answer came, or it did not come by
 * p->owed_until, when it is given up on and the link dropped (the caller
 * connects again).  -1 when it is still due at the deadline, or the link
 * broke. */
static int settle_owed(struct vtpm_link *l, struct link_port *p, int64_t deadline_ms)
{
    int64_t until = deadline_ms < p->owed_until ? deadline_ms : p->owed_until;
    size_t len;
    enum io_status st = IO_OK;
    enum answer_status as = read_answer(l, p, p->owed_expect, until, &len, &st);
    if (as == ANSWER_OK) {
        log_info("%s port: discarded the late answer to 0x%08x (%zu bytes)", port_name(l, p),
                 p->owed_what, len);
        p->owed = false;
        return 0;
    }
    if (as == ANSWER_IO && st == IO_TIMEOUT && io_now_ms() >= p->owed_until) {
        /* A vtpm that restarted meanwhile never sends it; one that is stuck
         * sees the hang-up and cannot send it to anyone once it has. */
        char why[128];
        snprintf(why, sizeof(why), "the answer to 0x%08x on the %s port never came", p->owed_what,
                 port_name(l, p));
        link_down(l, why);
        return 0;
    }
    if (as == ANSWER_IO && st == IO_TIMEOUT)
        return -1;
    read_failed(l, p, p->owed_what, as, st);
    return -1;
}

/* Sends SET_LOCALITY(l->locality) on a fresh link; 0 if the vtpm took it. */
static int restore_locality(struct vtpm_link *l, int64_t deadline_ms)
{
    uint8_t req[5] = {0, 0, 0, CTRL_SET_LOCALITY, l->locality};
    size_t len;
    enum io_status st = IO_OK;
    if (io_write_all(l->ctrl.fd, req, sizeof(req), deadline_ms) != IO_OK ||
        read_answer(l, &l->ctrl, 4, deadline_ms, &len, &st) != ANSWER_OK)
        return -1;
    return get_be32(l->ctrl.rx) == PTM_SUCCESS ? 0 : -1;
}

/* Connects both ports if the link is down; 0 when up, -1 (logged) if not. */
static int link_up(struct vtpm_link *l, int64_t deadline_ms)
{
    if (l->data.fd >= 0 && l->ctrl.fd >= 0)
        return 0;
    link_down(l, "half open");
    l->data.fd = connect_to(l->data_addr, deadline_ms);
    if (l->data.fd < 0) {
        log_error("cannot reach the vtpm's data port %s: %s", l->data_addr, strerror(errno));
        return -1;
    }
    l->ctrl.fd = connect_to(l->ctrl_addr, deadline_ms);
    if (l->ctrl.fd < 0) {
        log_error("cannot reach the vtpm's control port %s: %s", l->ctrl_addr, strerror(errno));
        port_close(&l->data);
        return -1;
    }
    if (l->locality != 0 && restore_locality(l, deadline_ms) < 0) {
        link_down(l, "the vtpm refused the locality set before the link broke");
        return -1;
    }
    log_info("vtpm link up (data %s, control %s)", l->data_addr, l->ctrl_addr);
    return 0;
}

ssize_t link_call(struct vtpm_link *l, struct link_port *p, const uint8_t *req, size_t len,
                  uint32_t what, size_t expect, uint8_t *out, size_t out_max, int64_t deadline_ms)
{
    if (link_up(l, deadline_ms) < 0)
        return -1;
    if (p->owed) {
        if (settle_owed(l, p, deadline_ms) < 0) {
            if (p->owed)
                log_error("%s port: 0x%08x not sent: the vtpm still owes the answer to 0x%08x",
                          port_name(l, p), what, p->owed_what);
            return -1;
        }
        if (link_up(l, deadline_ms) < 0)
            return -1;
    }
    enum io_status st = io_write_all(p->fd, req, len, deadline_ms);
    if (st != IO_OK) {
        char why[128];
        snprintf(why, sizeof(why), "%s port, sending 0x%08x: %s", port_name(l, p), what,
                 io_status_text(st));
        link_down(l, why);
        return -1;
    }
    size_t n;
    enum answer_status as = read_answer(l, p, expect, deadline_ms, &n, &st);
    if (as == ANSWER_OK && n <= out_max) {
        memcpy(out, p->rx, n);
        return (ssize_t)n;
    }
    if (as == ANSWER_IO && st == IO_TIMEOUT) {
        /* Keep the link: the answer is read and discarded before the next
         * command on this port, and until then nothing else is sent on it. */
        p->owed = true;
        p->owed_until = deadline_ms + l->timeout_ms;
        p->owed_expect = expect;
        p->owed_what = what;
        log_error("%s port: no answer to 0x%08x in time; it will be discarded when it comes",
                  port_name(l, p), what);
        return -1;
    }
    if (as == ANSWER_OK)
        as = ANSWER_FRAMING; /* longer than the caller can take */
    read_failed(l, p, what, as, st);
    return -1;
}
