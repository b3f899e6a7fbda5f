/* Inherited-descriptor transport: the parent that started the vtpm hands it
 * the channel as open descriptors (pipes, a socketpair, a terminal), e.g.
 * through posix_spawn.  Like a device,
 * the channel is one persistent stream (framing errors resynchronise instead
 * of closing), but it cannot be reopened: once it reaches end-of-file or its
 * peer is gone, nobody can ever reach that channel again, and the server
 * shuts the vtpm down (see server.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "transport.h"

/* Checks that fd is open with the access it needs, so a wrong number on the
 * command line fails at start with a clear message rather than at the first
 * read. */
static int check_fd(const struct endpoint *ep, int fd, bool want_read)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) {
        log_error("%s: descriptor %d: %s", ep->role, fd, strerror(errno));
        return -1;
    }
    int acc = fl & O_ACCMODE;
    if (acc != O_RDWR && acc != (want_read ? O_RDONLY : O_WRONLY)) {
        log_error("%s: descriptor %d is not open for %s", ep->role, fd,
                  want_read ? "reading" : "writing");
        return -1;
    }
    /* nothing the vtpm might start may keep the channel open behind its back */
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        log_error("%s: descriptor %d: F_SETFD: %s", ep->role, fd, strerror(errno));
        return -1;
    }
    return 0;
}

static int fd_open(struct endpoint *ep)
{
    if (check_fd(ep, ep->in_fd, true) < 0 || check_fd(ep, ep->out_fd, false) < 0)
        return -1;
    log_info("%s: on inherited descriptors %d -> %d", ep->role, ep->in_fd, ep->out_fd);
    return 0;
}

/* Hands the descriptors out once; the server never asks again for a
 * transport that cannot reopen. */
static int fd_accept(struct endpoint *ep, struct channel *ch)
{
    *ch = (struct channel){.in_fd = ep->in_fd, .out_fd = ep->out_fd, .persistent = true};
    if (ep->in_fd == ep->out_fd)
        snprintf(ch->peer, sizeof(ch->peer), "descriptor %d", ep->in_fd);
    else
        snprintf(ch->peer, sizeof(ch->peer), "descriptors %d -> %d", ep->in_fd, ep->out_fd);
    return 0;
}

static void fd_close(struct endpoint *ep)
{
    (void)ep; /* the channel owned the descriptors and closed them */
}

const struct transport_ops transport_fd = {
    .type = "fd",
    .listens = false,
    .reopens = false,
    .open = fd_open,
    .accept = fd_accept,
    .close = fd_close,
};
