/* Control-channel request parsing and command names: pure, no I/O, so the
 * fuzzer and the host bridge (apps/vtpm-bridge) use it as is. */
#include "ctrl_proto.h"

#include <string.h>

#include "bytes.h"

/* Body sizes of the fixed-size requests. */
static bool body_bounds(uint32_t cmd, size_t *min, size_t *max)
{
    switch (cmd) {
    case CTRL_GET_CAPABILITY:
    case CTRL_SHUTDOWN:
    case CTRL_GET_TPMESTABLISHED:
    case CTRL_HASH_START:
    case CTRL_HASH_END:
    case CTRL_CANCEL_TPM_CMD:
    case CTRL_STORE_VOLATILE:
    case CTRL_STOP:
    case CTRL_GET_CONFIG:
    case CTRL_SET_DATAFD:
        *min = *max = 0;
        return true;
    case CTRL_INIT:
    case CTRL_SET_BUFFERSIZE:
        *min = *max = 4;
        return true;
    case CTRL_SET_LOCALITY:
    case CTRL_RESET_TPMESTABLISHED:
        *min = 1;
        *max = 4;
        return true;
    case CTRL_GET_INFO:
        *min = *max = 16;
        return true;
    default:
        return false;
    }
}

enum ctrl_status ctrl_parse(const uint8_t *buf, size_t have, struct ctrl_req *req)
{
    memset(req, 0, sizeof(*req));
    if (have < 4)
        return CTRL_NEED_MORE;
    req->cmd = get_be32(buf);
    const uint8_t *body = buf + 4;
    size_t avail = have - 4;

    if (req->cmd == CTRL_HASH_DATA) {
        if (avail < 4)
            return CTRL_NEED_MORE;
        uint32_t n = get_be32(body);
        if (n > CTRL_HASH_CHUNK_MAX)
            return CTRL_TOO_BIG;
        if (avail - 4 < n)
            return CTRL_NEED_MORE;
        req->u.hash.data = body + 4;
        req->u.hash.len = n;
        req->len = 8 + n;
        return CTRL_COMPLETE;
    }

    size_t min, max;
    if (!body_bounds(req->cmd, &min, &max)) {
        req->len = have; /* unknown: its length is unknowable */
        return CTRL_COMPLETE;
    }
    if (avail < min)
        return CTRL_NEED_MORE;
    size_t body_len = avail < max ? avail : max;
    req->len = 4 + body_len;

    switch (req->cmd) {
    case CTRL_INIT:
        req->u.init_flags = get_be32(body);
        break;
    case CTRL_SET_BUFFERSIZE:
        req->u.buffersize = get_be32(body);
        break;
    case CTRL_SET_LOCALITY:
    case CTRL_RESET_TPMESTABLISHED:
        req->u.locality = body[0];
        /* padding, when sent, must be zero: anything else is not this layout */
        for (size_t i = 1; i < body_len; i++)
            if (body[i] != 0)
                req->malformed = true;
        break;
    case CTRL_GET_INFO:
        req->u.info.flags = get_be64(body);
        req->u.info.offset = get_be32(body + 8);
        break;
    default:
        break;
    }
    return CTRL_COMPLETE;
}

const char *ctrl_cmd_name(uint32_t cmd)
{
    static const char *names[] = {
        [CTRL_GET_CAPABILITY] = "GET_CAPABILITY", [CTRL_INIT] = "INIT",
        [CTRL_SHUTDOWN] = "SHUTDOWN", [CTRL_GET_TPMESTABLISHED] = "GET_TPMESTABLISHED",
        [CTRL_SET_LOCALITY] = "SET_LOCALITY", [CTRL_HASH_START] = "HASH_START",
        [CTRL_HASH_DATA] = "HASH_DATA", [CTRL_HASH_END] = "HASH_END",
        [CTRL_CANCEL_TPM_CMD] = "CANCEL_TPM_CMD", [CTRL_STORE_VOLATILE] = "STORE_VOLATILE",
        [CTRL_RESET_TPMESTABLISHED] = "RESET_TPMESTABLISHED",
        [CTRL_GET_STATEBLOB] = "GET_STATEBLOB", [CTRL_SET_STATEBLOB] = "SET_STATEBLOB",
        [CTRL_STOP] = "STOP", [CTRL_GET_CONFIG] = "GET_CONFIG", [CTRL_SET_DATAFD] = "SET_DATAFD",
        [CTRL_SET_BUFFERSIZE] = "SET_BUFFERSIZE", [CTRL_GET_INFO] = "GET_INFO",
    };
    if (cmd < sizeof(names) / sizeof(names[0]) && names[cmd])
        return names[cmd];
    return "unknown";
}
