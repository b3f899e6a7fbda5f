/* The vtpm's SVSM-layout framing (apps/vtpm/svsm_frame.c): little-endian
 * fields, told apart from swtpm's big-endian TPM_SEND_COMMAND prefix. */
#include <string.h>

#include "../../apps/vtpm/svsm_frame.h"
#include "unit.h"

/* TPM2_GetRandom(8): a 12-byte TPM command frame. */
static const uint8_t get_random[12] = {0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7b, 0, 8};

/* An SVSM_VTPM_COMMAND message: call 1, platform command 8, locality 2,
 * inbuf_size 12, all little-endian, then the frame.  `big` writes the same
 * numbers big-endian (swtpm's byte order). */
static size_t command(uint8_t *out, int big)
{
    const uint8_t le[13] = {1, 0, 0, 0, 8, 0, 0, 0, 2, 12, 0, 0, 0};
    const uint8_t be[13] = {0, 0, 0, 1, 0, 0, 0, 8, 2, 0, 0, 0, 12};
    memcpy(out, big ? be : le, 13);
    memcpy(out + 13, get_random, sizeof(get_random));
    return 13 + sizeof(get_random);
}

static void test_little_endian_command(void)
{
    uint8_t buf[64];
    size_t n = command(buf, 0);
    struct svsm_req req;
    CHECK_EQ(svsm_parse(buf, n, 4096, &req), SVSM_COMMAND);
    CHECK_EQ(req.call, SVSM_VTPM_COMMAND);
    CHECK_EQ(req.platform_command, SVSM_TPM_SEND_COMMAND);
    CHECK_EQ(req.locality, 2);
    CHECK_EQ(req.tpm_len, 12);
    CHECK_EQ(req.len, n);
    CHECK(req.tpm == buf + 13);
    CHECK(!memcmp(req.tpm, get_random, 12));
}

static void test_big_endian_is_refused(void)
{
    uint8_t buf[64];
    struct svsm_req req;
    /* all fields big-endian: call 0x01000000 is no SVSM call */
    size_t n = command(buf, 1);
    CHECK_EQ(svsm_parse(buf, n, 4096, &req), SVSM_BAD_CALL);
    CHECK_EQ(req.call, 0x01000000u);
    /* a little-endian call with swtpm's big-endian fields after it: size
     * 12 read little-endian is 0x0c000000, far beyond any TPM buffer */
    n = command(buf, 1);
    buf[0] = 1;
    buf[3] = 0;
    CHECK_EQ(svsm_parse(buf, n, 4096, &req), SVSM_BAD_SIZE);
    CHECK_EQ(req.platform_command, 0x08000000u);
    CHECK_EQ(req.tpm_len, 0x0c000000u);
}

static void test_partial_messages(void)
{
    uint8_t buf[64];
    size_t n = command(buf, 0);
    struct svsm_req req;
    for (size_t have = 0; have < n; have++)
        CHECK_EQ(svsm_parse(buf, have, 4096, &req), SVSM_NEED_MORE);
    /* two messages buffered: the first is exactly its own bytes */
    memcpy(buf + n, buf, n);
    CHECK_EQ(svsm_parse(buf, 2 * n, 4096, &req), SVSM_COMMAND);
    CHECK_EQ(req.len, n);
}

static void test_sizes(void)
{
    uint8_t buf[64];
    struct svsm_req req;
    command(buf, 0);
    buf[9] = 9; /* shorter than a TPM header */
    CHECK_EQ(svsm_parse(buf, 13, 4096, &req), SVSM_BAD_SIZE);
    buf[9] = 12;
    CHECK_EQ(svsm_parse(buf, 25, 11, &req), SVSM_BAD_SIZE); /* above the TPM's buffer */
}

static void test_query(void)
{
    const uint8_t q[4] = {0, 0, 0, 0};
    struct svsm_req req;
    CHECK_EQ(svsm_parse(q, 4, 4096, &req), SVSM_QUERY);
    CHECK_EQ(req.len, 4);
    uint8_t out[SVSM_QUERY_RSP_SIZE];
    CHECK_EQ(svsm_query_response(out), 16);
    /* bit 8 (TPM_SEND_COMMAND) of a little-endian u64, then no features */
    const uint8_t want[16] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(!memcmp(out, want, 16));
}

static void test_response_header_little_endian(void)
{
    uint8_t out[SVSM_RSP_HEADER_SIZE];
    CHECK_EQ(svsm_response_header(out, 0x1234), 4);
    const uint8_t want[4] = {0x34, 0x12, 0, 0};
    CHECK(!memcmp(out, want, 4));
}

int main(void)
{
    return unit_main("svsm_frame", (struct unit_test[]){
                                       UNIT(test_little_endian_command),
                                       UNIT(test_big_endian_is_refused),
                                       UNIT(test_partial_messages),
                                       UNIT(test_sizes),
                                       UNIT(test_query),
                                       UNIT(test_response_header_little_endian),
                                       {0},
                                   });
}
