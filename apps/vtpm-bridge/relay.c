/* Control and data relaying (relay.h).
 *
 * The swtpm control protocol has no length field: each side must know every
 * command's request and answer sizes.  QEMU (7.2) sends each request's
 * structure whole and reads the answer structure whole (a union of request
 * and response, so SET_LOCALITY's request is 4 bytes); the vtpm answers a
 * failure with the 4-byte result alone and a success with the full answer.
 * The table below holds both sides. */
#include "relay.h"

#include <string.h>

#include "bytes.h"
#include "frame.h"
#include "io.h"
#include "log.h"

struct relayed {
    uint32_t cmd;
    size_t body;   /* request body the vtpm gets */
    size_t answer; /* answer size on success, for both QEMU and the vtpm */
};

static const struct relayed relayed_cmds[] = {
    {CTRL_INIT, 4, 4},
    {CTRL_STOP, 0, 4},
    {CTRL_GET_TPMESTABLISHED, 0, 8},
    {CTRL_SET_LOCALITY, 1, 4},
    {CTRL_RESET_TPMESTABLISHED, 1, 4},
    {CTRL_SET_BUFFERSIZE, 4, 16},
};

static const struct relayed *find_relayed(uint32_t cmd)
{
    for (size_t i = 0; i < sizeof(relayed_cmds) / sizeof(relayed_cmds[0]); i++)
        if (relayed_cmds[i].cmd == cmd)
            return &relayed_cmds[i];
    return NULL;
}

/* A failure answer padded to the size QEMU reads. */
static size_t fail_answer(uint8_t *out, size_t size, uint32_t res)
{
    memset(out, 0, size);
    put_be32(out, res);
    return size;
}

static size_t relay_to_vtpm(struct vtpm_link *l, const struct relayed *r, const struct ctrl_req *req,
                            uint32_t vtpm_cmd, uint8_t *out)
{
    uint8_t msg[8];
    put_be32(msg, vtpm_cmd);
    if (r->body == 4)
        put_be32(msg + 4, req->cmd == CTRL_INIT ? req->u.init_flags : req->u.buffersize);
    else if (r->body == 1)
        msg[4] = req->u.locality;
    ssize_t n = link_call(l, &l->ctrl, msg, 4 + r->body, vtpm_cmd, r->answer, out,
                          BRIDGE_CTRL_ANSWER_MAX, io_now_ms() + l->timeout_ms);
    if (n < 0)
        return fail_answer(out, r->answer, PTM_FAIL);
    uint32_t res = get_be32(out);
    if (res != PTM_SUCCESS) {
        log_error("the vtpm answered %s with %u", ctrl_cmd_name(vtpm_cmd), res);
        return fail_answer(out, r->answer, res);
    }
    if (req->cmd == CTRL_SET_LOCALITY)
        l->locality = req->u.locality;
    return r->answer;
}

size_t relay_ctrl(struct vtpm_link *l, const struct ctrl_req *req, uint8_t *out)
{
    /* The parser calls non-zero padding after a locality malformed.  QEMU
     * zeroes SET_LOCALITY's structure but sends RESET_TPMESTABLISHED's
     * padding uninitialised, and the vtpm gets the locality byte alone, so
     * the bridge ignores padding of both. */
    if (req->malformed && req->cmd != CTRL_SET_LOCALITY && req->cmd != CTRL_RESET_TPMESTABLISHED) {
        log_error("malformed %s request", ctrl_cmd_name(req->cmd));
        return fail_answer(out, 4, PTM_BAD_PARAMETER);
    }
    switch (req->cmd) {
    case CTRL_GET_CAPABILITY:
        put_be64(out, BRIDGE_CAPS);
        return 8;
    case CTRL_SHUTDOWN:
        /* QEMU is leaving (it sends SHUTDOWN when it exits).  The vtpm
         * instance outlives this QEMU and serves the guest's next start, so
         * it is only stopped, its state kept, never told to exit. */
        return relay_to_vtpm(l, find_relayed(CTRL_STOP), req, CTRL_STOP, out);
    default:
        break;
    }
    const struct relayed *r = find_relayed(req->cmd);
    if (!r) {
        log_error("control command 0x%08x (%s) is not served by the bridge", req->cmd,
                  ctrl_cmd_name(req->cmd));
        return fail_answer(out, 4, PTM_BAD_ORDINAL);
    }
    return relay_to_vtpm(l, r, req, req->cmd, out);
}

size_t relay_frame(struct vtpm_link *l, const uint8_t *cmd, size_t len, uint8_t *rsp,
                   int timeout_ms)
{
    ssize_t n = link_call(l, &l->data, cmd, len, frame_command_code(cmd), 0, rsp, BRIDGE_FRAME_MAX,
                          io_now_ms() + timeout_ms);
    if (n < 0)
        return frame_error_response(rsp, TPM_RC_FAILURE);
    return (size_t)n;
}
