/* Unix stream socket transport.  Descriptors can travel with messages, which
 * is what the control channel's SET_DATAFD needs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "transport.h"
#include "unix_listen.h"

static int unix_open(struct endpoint *ep)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(ep->path) >= sizeof(sa.sun_path)) {
        log_error("%s: socket path too long: %s", ep->role, ep->path);
        return -1;
    }
    /* A socket left by a previous run is replaced; anything that is not a
     * socket is left alone.  The path appears only once the socket listens. */
    int fd = unix_listen_at(ep->path, SOCK_CLOEXEC, 16);
    if (fd < 0) {
        log_error("%s: listen on %s: %s", ep->role, ep->path, strerror(errno));
        return -1;
    }
    ep->listen_fd = fd;
    log_info("%s: listening on unix %s", ep->role, ep->path);
    return 0;
}

static int unix_accept(struct endpoint *ep, struct channel *ch)
{
    int fd = accept4(ep->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    *ch = (struct channel){.in_fd = fd, .out_fd = fd, .can_pass_fd = true};
    snprintf(ch->peer, sizeof(ch->peer), "unix %s", ep->path);
    return 0;
}

static void unix_close(struct endpoint *ep)
{
    if (ep->listen_fd >= 0) {
        close(ep->listen_fd);
        unlink(ep->path);
    }
    ep->listen_fd = -1;
}

const struct transport_ops transport_unix = {
    .type = "unixio",
    .listens = true,
    .open = unix_open,
    .accept = unix_accept,
    .close = unix_close,
};
