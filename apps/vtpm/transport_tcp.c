/* TCP transport: a listening socket, one channel per accepted client. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "transport.h"

static int tcp_open(struct endpoint *ep)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(ep->port)};
    if (inet_pton(AF_INET, ep->addr, &sa.sin_addr) != 1) {
        log_error("%s: bad IPv4 address '%s'", ep->role, ep->addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_error("%s: socket: %s", ep->role, strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
        log_error("%s: listen on %s:%u: %s", ep->role, ep->addr, ep->port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t salen = sizeof(sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &salen) == 0)
        ep->port = ntohs(sa.sin_port); /* port=0 asked for any free port */
    ep->listen_fd = fd;
    log_info("%s: listening on tcp %s:%u", ep->role, ep->addr, ep->port);
    return 0;
}

static int tcp_accept(struct endpoint *ep, struct channel *ch)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    int fd = accept4(ep->listen_fd, (struct sockaddr *)&sa, &salen, SOCK_CLOEXEC);
    if (fd < 0)
        return -1;
    int one = 1;
    /* responses are single writes: do not let Nagle delay them */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /* a client that stops reading must not stall every other client */
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
    *ch = (struct channel){.in_fd = fd, .out_fd = fd};
    snprintf(ch->peer, sizeof(ch->peer), "tcp %s:%u", ip, ntohs(sa.sin_port));
    return 0;
}

static void tcp_close(struct endpoint *ep)
{
    if (ep->listen_fd >= 0)
        close(ep->listen_fd);
    ep->listen_fd = -1;
}

const struct transport_ops transport_tcp = {
    .type = "tcp",
    .listens = true,
    .open = tcp_open,
    .accept = tcp_accept,
    .close = tcp_close,
};
