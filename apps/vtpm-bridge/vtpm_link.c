/* Connecting to the vtpm's ports (vtpm_link.h). */
#include "vtpm_link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctrl_proto.h"
#include "io.h"
#include "log.h"

void link_init(struct vtpm_link *l, const char *data_addr, const char *ctrl_addr, int timeout_ms)
{
    memset(l, 0, sizeof(*l));
    l->data_addr = data_addr;
    l->ctrl_addr = ctrl_addr;
    l->data_fd = l->ctrl_fd = -1;
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

void link_down(struct vtpm_link *l, const char *why)
{
    if (l->data_fd < 0 && l->ctrl_fd < 0)
        return;
    log_error("vtpm link down: %s", why);
    if (l->data_fd >= 0)
        close(l->data_fd);
    if (l->ctrl_fd >= 0)
        close(l->ctrl_fd);
    l->data_fd = l->ctrl_fd = -1;
}

/* Sends SET_LOCALITY(l->locality) on a fresh link; 0 if the vtpm took it. */
static int restore_locality(struct vtpm_link *l, int64_t deadline_ms)
{
    uint8_t req[5] = {0, 0, 0, CTRL_SET_LOCALITY, l->locality}, rsp[4];
    if (io_write_all(l->ctrl_fd, req, sizeof(req), deadline_ms) != IO_OK ||
        io_read_full(l->ctrl_fd, rsp, sizeof(rsp), deadline_ms) != IO_OK)
        return -1;
    return rsp[0] | rsp[1] | rsp[2] | rsp[3] ? -1 : 0;
}

int link_up(struct vtpm_link *l, int64_t deadline_ms)
{
    if (l->data_fd >= 0 && l->ctrl_fd >= 0)
        return 0;
    link_down(l, "half open");
    l->data_fd = connect_to(l->data_addr, deadline_ms);
    if (l->data_fd < 0) {
        log_error("cannot reach the vtpm's data port %s: %s", l->data_addr, strerror(errno));
        return -1;
    }
    l->ctrl_fd = connect_to(l->ctrl_addr, deadline_ms);
    if (l->ctrl_fd < 0) {
        log_error("cannot reach the vtpm's control port %s: %s", l->ctrl_addr, strerror(errno));
        close(l->data_fd);
        l->data_fd = -1;
        return -1;
    }
    if (l->locality != 0 && restore_locality(l, deadline_ms) < 0) {
        link_down(l, "the vtpm refused the locality set before the link broke");
        return -1;
    }
    log_info("vtpm link up (data %s, control %s)", l->data_addr, l->ctrl_addr);
    return 0;
}
