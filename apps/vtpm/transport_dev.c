/* Device transport: a path opened with plain open/read/write, so it works
 * with a character device (the virtio console ports inside nutshell) or a
 * pair of FIFOs on the host.  There is no connection: the channel lives as
 * long as the process, and framing errors resynchronise instead of closing. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "transport.h"

static int dev_open(struct endpoint *ep)
{
    (void)ep;
    return 0; /* paths are opened by dev_accept, and reopened after failures */
}

/* O_RDWR even for one direction: opening a FIFO read-only or write-only
 * blocks until the other end appears, and a read-write FIFO never reports
 * end-of-file when a client goes away. */
static int dev_accept(struct endpoint *ep, struct channel *ch)
{
    const char *in = ep->path[0] ? ep->path : ep->in_path;
    const char *out = ep->path[0] ? ep->path : ep->out_path;
    int in_fd = open(in, O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (in_fd < 0) {
        log_error("%s: open %s: %s", ep->role, in, strerror(errno));
        return -1;
    }
    int out_fd = in_fd;
    if (strcmp(in, out)) {
        out_fd = open(out, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (out_fd < 0) {
            log_error("%s: open %s: %s", ep->role, out, strerror(errno));
            close(in_fd);
            return -1;
        }
    }
    *ch = (struct channel){.in_fd = in_fd, .out_fd = out_fd, .persistent = true};
    snprintf(ch->peer, sizeof(ch->peer), "dev %s%s%s", in, out_fd != in_fd ? " -> " : "",
             out_fd != in_fd ? out : "");
    return 0;
}

static void dev_close(struct endpoint *ep)
{
    (void)ep;
}

const struct transport_ops transport_dev = {
    .type = "dev",
    .listens = false,
    .reopens = true,
    .open = dev_open,
    .accept = dev_accept,
    .close = dev_close,
};
