/* The bridge's connection to one vtpm instance in the service VM: its data
 * and control ports, which QEMU (running the service VM) serves as chardev
 * sockets.  The link is opened on demand and dropped on any failure, so a
 * service VM that restarts is reached again by the next command. */
#ifndef BRIDGE_VTPM_LINK_H
#define BRIDGE_VTPM_LINK_H

#include <stdbool.h>
#include <stdint.h>

struct vtpm_link {
    const char *data_addr; /* "HOST:PORT" (IPv4) or a Unix socket path */
    const char *ctrl_addr;
    int data_fd;           /* -1 while the link is down */
    int ctrl_fd;
    int timeout_ms;        /* bound of one command's round trip */
    /* The locality QEMU last set successfully; sent again on a new link, so a
     * vtpm that restarted meanwhile sees the locality QEMU believes is set. */
    uint8_t locality;
};

/* Initialises a link that is down. */
void link_init(struct vtpm_link *l, const char *data_addr, const char *ctrl_addr, int timeout_ms);

/* Connects both ports if the link is down; 0 when up, -1 (logged) if not. */
int link_up(struct vtpm_link *l, int64_t deadline_ms);

/* Closes both ports, logging why.  The vtpm sees a hang-up on each, which
 * discards whatever response it still owes (docs/devices.md). */
void link_down(struct vtpm_link *l, const char *why);

/* Parses an address; 0, or -1 if it is neither a path nor IPv4 HOST:PORT. */
int link_check_addr(const char *addr);

#endif
