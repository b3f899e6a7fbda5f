/* Executing control-channel requests against the TPM. */
#ifndef VTPM_CTRL_H
#define VTPM_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctrl_proto.h"

/* What a request asks of the server beyond its response. */
struct ctrl_effect {
    bool shutdown;    /* SHUTDOWN: exit after sending the response */
    bool adopt_datafd; /* SET_DATAFD accepted: the server takes the passed fd */
};

/* `fds_supported`: the control transport can carry descriptors;
 * `fd_received`: this request arrived with one.  Writes the response into
 * out (CTRL_RSP_MAX bytes) and returns its length. */
size_t ctrl_execute(const struct ctrl_req *req, bool fds_supported, bool fd_received,
                    uint8_t *out, struct ctrl_effect *eff);

/* The capability mask GET_CAPABILITY reports; `datafd` if the control
 * transport can carry descriptors. */
uint64_t ctrl_capabilities(bool datafd);

#endif
