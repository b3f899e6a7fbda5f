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

static int unix_open(struct endpoint *ep)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(ep->path) >= sizeof(sa.sun_path)) {
        log_error("%s: socket path too long: %s", ep->role, ep->path);
        return -1;
    }
    strcpy(sa.sun_path, ep->path);
    /* A socket left by a previous run would make bind fail; anything that is
     * not a socket is left alone. */
    struct stat st;
    if (lstat(ep->path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(ep->path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_error("%s: socket: %s", ep->role, strerror(errno));
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
        log_error("%s: listen on %s: %s", ep->role, ep->path, strerror(errno));
        close(fd);
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
