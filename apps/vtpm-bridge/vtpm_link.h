/* The bridge's connection to one vtpm instance in the service VM: its data
 * and control ports, which QEMU (running the service VM) serves as chardev
 * sockets.  The link is opened on demand and kept: a command that times out
 * leaves its answer owed on the link, and that answer is read and discarded
 * before the next command on the same port is sent, so every answer reaches
 * the command it belongs to (docs/vtpm.md, "Late answers").  The link is
 * dropped only when it breaks, when framing is lost, or when an owed answer
 * never comes; a service VM that restarts is reached again by the next
 * command. */
#ifndef BRIDGE_VTPM_LINK_H
#define BRIDGE_VTPM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The largest TPM command or response frame the bridge carries (the vtpm's
 * buffer is 4096 bytes; this leaves room for a larger SET_BUFFERSIZE). */
#define BRIDGE_FRAME_MAX 8192u

/* One port of the link. */
struct link_port {
    int fd;              /* -1 while the link is down */
    /* An answer the vtpm still owes: its command timed out.  Ports answer in
     * order, so it comes before the answer to anything sent later. */
    bool owed;
    int64_t owed_until;  /* then it is given up on and the link dropped */
    size_t owed_expect;  /* its success size (control), see link_call */
    uint32_t owed_what;  /* its command code, for the log */
    size_t rx_len;       /* bytes of the answer being read, in rx */
    uint8_t rx[BRIDGE_FRAME_MAX];
};

struct vtpm_link {
    const char *data_addr; /* "HOST:PORT" (IPv4) or a Unix socket path */
    const char *ctrl_addr;
    struct link_port data;
    struct link_port ctrl;
    int timeout_ms;        /* bound of one command's round trip */
    /* The locality QEMU last set successfully; sent again on a new link, so a
     * vtpm that restarted meanwhile sees the locality QEMU believes is set. */
    uint8_t locality;
};

/* Initialises a link that is down. */
void link_init(struct vtpm_link *l, const char *data_addr, const char *ctrl_addr, int timeout_ms);

/* Closes both ports, logging why.  The vtpm sees a hang-up on each, which
 * discards whatever response it still owes once it has seen it
 * (docs/devices.md, "Where a hang-up falls"). */
void link_down(struct vtpm_link *l, const char *why);

/* Sends one command (len bytes of req, whose command code is `what`) on
 * port p (&l->data or &l->ctrl) and reads its answer into out (out_max
 * bytes), connecting first if the link is down.  The answer's size: on the
 * data port the TPM frame's size field (10 to BRIDGE_FRAME_MAX); on the
 * control port 4 bytes when the result is non-zero, else `expect`.
 *
 * Returns the answer's length, or -1 (logged) when there is none before the
 * deadline: the vtpm is unreachable, the link broke, an earlier command's
 * owed answer is still outstanding (this command is then not sent), or this
 * command timed out (its answer is then owed). */
ssize_t link_call(struct vtpm_link *l, struct link_port *p, const uint8_t *req, size_t len,
                  uint32_t what, size_t expect, uint8_t *out, size_t out_max, int64_t deadline_ms);

/* Parses an address; 0, or -1 if it is neither a path nor IPv4 HOST:PORT. */
int link_check_addr(const char *addr);

#endif
