/* The data channel: raw TPM command frames, as the swtpm socket protocol
 * carries them.  A frame is a 10-byte header (tag u16, size u32, code u32,
 * big-endian) whose size field counts the whole frame. */
#ifndef VTPM_FRAME_H
#define VTPM_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define TPM_HEADER_SIZE 10

/* TPM 2.0 response codes the vtpm produces itself (Part 2, TPM_RC). */
#define TPM_RC_SUCCESS      0x000u
#define TPM_RC_FAILURE      0x101u
#define TPM_RC_COMMAND_SIZE 0x142u
#define TPM_RC_COMMAND_CODE 0x143u
#define TPM_RC_LOCALITY     0x907u
#define TPM_ST_NO_SESSIONS  0x8001u

enum frame_status {
    FRAME_NEED_MORE, /* header or body not all there yet */
    FRAME_COMPLETE,  /* *frame_len bytes form one command */
    FRAME_BAD_SIZE,  /* size field below the header size or above max */
};

/* Looks at the `have` bytes buffered so far.  `max` is the TPM's buffer size:
 * a frame that claims more can never be accepted. */
enum frame_status frame_check(const uint8_t *buf, size_t have, size_t max, uint32_t *frame_len);

/* The command code of a complete frame (at least TPM_HEADER_SIZE bytes). */
uint32_t frame_command_code(const uint8_t *frame);

/* Writes a 10-byte TPM 2.0 error response carrying `rc`; returns 10. */
size_t frame_error_response(uint8_t out[TPM_HEADER_SIZE], uint32_t rc);

/* The response code of a response frame, or TPM_RC_FAILURE if it is shorter
 * than a header. */
uint32_t frame_response_code(const uint8_t *rsp, size_t len);

#endif
