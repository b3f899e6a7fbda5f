/* Data-channel framing.  Only the size field is checked here: the tag and
 * the command itself are libtpms's to judge, and it answers bad ones with a
 * proper TPM error. */
#include "frame.h"

#include "bytes.h"

enum frame_status frame_check(const uint8_t *buf, size_t have, size_t max, uint32_t *frame_len)
{
    if (have < TPM_HEADER_SIZE)
        return FRAME_NEED_MORE;
    uint32_t size = get_be32(buf + 2);
    if (size < TPM_HEADER_SIZE || size > max)
        return FRAME_BAD_SIZE;
    if (have < size)
        return FRAME_NEED_MORE;
    *frame_len = size;
    return FRAME_COMPLETE;
}

uint32_t frame_command_code(const uint8_t *frame)
{
    return get_be32(frame + 6);
}

size_t frame_error_response(uint8_t out[TPM_HEADER_SIZE], uint32_t rc)
{
    put_be16(out, TPM_ST_NO_SESSIONS);
    put_be32(out + 2, TPM_HEADER_SIZE);
    put_be32(out + 6, rc);
    return TPM_HEADER_SIZE;
}

uint32_t frame_response_code(const uint8_t *rsp, size_t len)
{
    if (len < TPM_HEADER_SIZE)
        return TPM_RC_FAILURE;
    return get_be32(rsp + 6);
}
