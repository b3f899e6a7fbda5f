/* What the bridge does with each request QEMU sends: control commands are
 * answered here or relayed to the vtpm's control port, TPM command frames are
 * relayed to its data port.  Every path ends in an answer of exactly the size
 * QEMU reads, so QEMU (whose control reads have no timeout) never hangs. */
#ifndef BRIDGE_RELAY_H
#define BRIDGE_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl_proto.h"
#include "vtpm_link.h"

/* What the bridge reports to GET_CAPABILITY: exactly the commands QEMU needs
 * for a TPM 2 (mask 0x348f).  No GET/SET_STATEBLOB: QEMU then blocks
 * migration of the guest. */
#define BRIDGE_CAPS                                                                        \
    (PTM_CAP_INIT | PTM_CAP_SHUTDOWN | PTM_CAP_GET_TPMESTABLISHED | PTM_CAP_SET_LOCALITY | \
     PTM_CAP_RESET_TPMESTABLISHED | PTM_CAP_STOP | PTM_CAP_SET_DATAFD | PTM_CAP_SET_BUFFERSIZE)

/* The largest control answer (SET_BUFFERSIZE's). */
#define BRIDGE_CTRL_ANSWER_MAX 16u

/* Answers one parsed control request other than SET_DATAFD (which needs the
 * descriptor and is the caller's), relaying it to the vtpm where it must.
 * Writes the answer into out (BRIDGE_CTRL_ANSWER_MAX bytes) and returns its
 * length. */
size_t relay_ctrl(struct vtpm_link *l, const struct ctrl_req *req, uint8_t *out);

/* Relays one complete TPM command frame; writes the response frame into rsp
 * (BRIDGE_FRAME_MAX bytes) and returns its length.  The vtpm's own response
 * when it answers within timeout_ms, else a 10-byte TPM_RC_FAILURE response
 * (a late answer is discarded: vtpm_link.h). */
size_t relay_frame(struct vtpm_link *l, const uint8_t *cmd, size_t len, uint8_t *rsp,
                   int timeout_ms);

#endif
