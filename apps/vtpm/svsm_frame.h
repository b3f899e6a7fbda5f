/* The SVSM vTPM protocol's message layout on a byte stream (the data
 * channel's `framing=svsm`, docs/vtpm.md).  In the AMD SVSM specification a
 * guest makes the call SVSM_VTPM_QUERY (answered in registers: the bitmap of
 * supported platform commands and the feature bits) or SVSM_VTPM_COMMAND
 * with a buffer holding, little-endian and packed,
 *
 *   request  { u32 platform_command; u8 locality; u32 inbuf_size; u8 inbuf[]; }
 *   response { u32 outbuf_size; u8 outbuf[]; }
 *
 * where platform command 8 is TPM_SEND_COMMAND.  On the stream each message
 * starts with the call number (u32 LE) so the two calls can be told apart;
 * QUERY's answer is the two registers as u64 LE.  swtpm's optional
 * TPM_SEND_COMMAND prefix has the same fields big-endian: such a message is
 * refused here, never misread.  Pure, no I/O: the unit test and fuzzer
 * drive it. */
#ifndef VTPM_SVSM_FRAME_H
#define VTPM_SVSM_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define SVSM_VTPM_QUERY       0u
#define SVSM_VTPM_COMMAND     1u
#define SVSM_TPM_SEND_COMMAND 8u
#define SVSM_QUERY_RSP_SIZE   16u /* u64 platform commands, u64 features */
#define SVSM_RSP_HEADER_SIZE  4u  /* u32 outbuf_size */

enum svsm_status {
    SVSM_NEED_MORE,   /* not a whole message yet */
    SVSM_QUERY,       /* a QUERY call (4 bytes) */
    SVSM_COMMAND,     /* a COMMAND call: req describes it */
    SVSM_BAD_CALL,    /* not a call number: framing is lost */
    SVSM_BAD_SIZE,    /* inbuf_size outside 10..max: framing is lost */
};

struct svsm_req {
    size_t len;                /* bytes of the buffer this message occupies */
    uint32_t call;
    uint32_t platform_command; /* COMMAND: anything but 8 is answered with an error */
    uint8_t locality;
    const uint8_t *tpm;        /* COMMAND: the TPM command frame (inbuf) */
    uint32_t tpm_len;
};

/* Parses the first message of the `have` bytes buffered; `max` is the TPM's
 * buffer size (the largest inbuf accepted). */
enum svsm_status svsm_parse(const uint8_t *buf, size_t have, size_t max, struct svsm_req *req);

/* QUERY's answer: TPM_SEND_COMMAND supported, no features.  Returns 16. */
size_t svsm_query_response(uint8_t out[SVSM_QUERY_RSP_SIZE]);

/* The response header for a TPM response of tpm_len bytes.  Returns 4. */
size_t svsm_response_header(uint8_t out[SVSM_RSP_HEADER_SIZE], uint32_t tpm_len);

#endif
