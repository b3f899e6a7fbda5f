/* One QEMU's connection to the bridge: the control socket it connected to
 * the bridge's listening path, and the data socket it handed over with
 * SET_DATAFD.  Bounded buffers: a control request is at most CTRL_REQ_MAX
 * bytes, a TPM frame at most BRIDGE_FRAME_MAX. */
#ifndef BRIDGE_QEMU_CONN_H
#define BRIDGE_QEMU_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl_proto.h"
#include "relay.h"
#include "vtpm_link.h"

struct qemu_conn {
    int ctrl_fd;       /* -1: no QEMU connected */
    int data_fd;       /* -1: no SET_DATAFD yet */
    int passed_fd;     /* a descriptor received with the request being read, or -1 */
    bool probe_next;   /* the next frame is QEMU's start-up probe */
    size_t ctrl_len;
    size_t data_len;
    uint8_t ctrl_buf[CTRL_REQ_MAX];
    uint8_t data_buf[BRIDGE_FRAME_MAX];
    uint8_t rsp_buf[BRIDGE_FRAME_MAX]; /* the response being sent back */
};

/* QEMU waits this long for the answer to its probe (a TPM2_ReadClock on the
 * data socket right after SET_DATAFD) before it decides there is no TPM 2;
 * the bridge answers a probe the vtpm has not answered by then itself, with
 * a TPM 2 error response, a little before. */
#define BRIDGE_PROBE_MS 800

/* Takes a newly accepted control connection. */
void conn_open(struct qemu_conn *c, int ctrl_fd);

/* Closes everything of this QEMU. */
void conn_close(struct qemu_conn *c, const char *why);

/* The control socket is readable: reads, answers every complete request.
 * Returns -1 when the connection ended (closed by conn_close). */
int conn_on_ctrl(struct qemu_conn *c, struct vtpm_link *l);

/* The data socket is readable: reads, relays every complete frame.  The data
 * socket alone may end (QEMU keeps its control connection). */
void conn_on_data(struct qemu_conn *c, struct vtpm_link *l);

#endif
