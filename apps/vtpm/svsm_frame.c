/* SVSM vTPM protocol layout (svsm_frame.h). */
#include "svsm_frame.h"

#include <string.h>

#include "frame.h"

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* call, platform_command, locality, inbuf_size */
#define COMMAND_HEADER (4u + 4u + 1u + 4u)

enum svsm_status svsm_parse(const uint8_t *buf, size_t have, size_t max, struct svsm_req *req)
{
    memset(req, 0, sizeof(*req));
    if (have < 4)
        return SVSM_NEED_MORE;
    req->call = get_le32(buf);
    if (req->call == SVSM_VTPM_QUERY) {
        req->len = 4;
        return SVSM_QUERY;
    }
    if (req->call != SVSM_VTPM_COMMAND)
        return SVSM_BAD_CALL;
    if (have < COMMAND_HEADER)
        return SVSM_NEED_MORE;
    req->platform_command = get_le32(buf + 4);
    req->locality = buf[8];
    req->tpm_len = get_le32(buf + 9);
    if (req->tpm_len < TPM_HEADER_SIZE || req->tpm_len > max)
        return SVSM_BAD_SIZE;
    if (have - COMMAND_HEADER < req->tpm_len)
        return SVSM_NEED_MORE;
    req->tpm = buf + COMMAND_HEADER;
    req->len = COMMAND_HEADER + req->tpm_len;
    return SVSM_COMMAND;
}

size_t svsm_query_response(uint8_t out[SVSM_QUERY_RSP_SIZE])
{
    memset(out, 0, SVSM_QUERY_RSP_SIZE);
    /* bit n set: platform command n supported; features (second u64): none */
    put_le32(out, 1u << SVSM_TPM_SEND_COMMAND);
    return SVSM_QUERY_RSP_SIZE;
}

size_t svsm_response_header(uint8_t out[SVSM_RSP_HEADER_SIZE], uint32_t tpm_len)
{
    put_le32(out, tpm_len);
    return SVSM_RSP_HEADER_SIZE;
}
