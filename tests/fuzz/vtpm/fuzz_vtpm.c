/* libFuzzer target for the vtpm's parsers: data-channel framing, control
 * requests and the state format decoders.  Every input goes through all
 * three, the way the server consumes a stream: message after message until
 * one is incomplete or the framing is lost.  Invariants are checked with
 * abort() so a violation is a crash libFuzzer reports. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl_proto.h"
#include "frame.h"
#include "svsm_frame.h"
#include "state_format.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void fuzz_frames(const uint8_t *d, size_t n)
{
    size_t max = 4096;
    while (n) {
        uint32_t len = 0;
        enum frame_status st = frame_check(d, n, max, &len);
        if (st != FRAME_COMPLETE)
            return;
        CHECK(len >= TPM_HEADER_SIZE && len <= n && len <= max);
        (void)frame_command_code(d);
        d += len;
        n -= len;
    }
}

static void fuzz_svsm(const uint8_t *d, size_t n)
{
    size_t max = 4096;
    for (;;) {
        struct svsm_req req;
        enum svsm_status st = svsm_parse(d, n, max, &req);
        if (st != SVSM_QUERY && st != SVSM_COMMAND)
            return;
        CHECK(req.len >= 4 && req.len <= n);
        if (st == SVSM_COMMAND)
            CHECK(req.tpm_len >= TPM_HEADER_SIZE && req.tpm_len <= max &&
                  req.tpm + req.tpm_len == d + req.len);
        d += req.len;
        n -= req.len;
    }
}

static void fuzz_ctrl(const uint8_t *d, size_t n)
{
    while (n) {
        struct ctrl_req req;
        enum ctrl_status st = ctrl_parse(d, n, &req);
        if (st != CTRL_COMPLETE)
            return;
        CHECK(req.len >= 4 && req.len <= n && req.len <= n);
        if (req.cmd == CTRL_HASH_DATA) {
            CHECK(req.u.hash.len <= CTRL_HASH_CHUNK_MAX);
            CHECK(req.u.hash.data >= d && req.u.hash.data + req.u.hash.len <= d + n);
        }
        if (req.cmd == CTRL_SET_LOCALITY || req.cmd == CTRL_RESET_TPMESTABLISHED)
            CHECK(req.len >= 5 && req.len <= 8);
        d += req.len;
        n -= req.len;
    }
}

static void fuzz_state(const uint8_t *d, size_t n)
{
    uint8_t sector[STATE_SECTOR] = {0};
    memcpy(sector, d, n < STATE_SECTOR ? n : STATE_SECTOR);
    struct state_super sb;
    if (state_super_decode(sector, &sb) == STATE_OK) {
        CHECK(sb.slot_size > STATE_REGION);
        CHECK(state_super_extent(&sb) >= sb.slot_offset[0] + sb.slot_size);
        uint8_t again[STATE_SECTOR];
        state_super_encode(&sb, again);
        CHECK(!memcmp(again, sector, 72));
    }
    struct slot_header h;
    if (slot_header_decode(sector, 1u << 20, &h) == STATE_OK)
        CHECK(h.payload_len <= 1u << 20);

    struct blob_ref blobs[BLOB_COUNT];
    if (state_payload_decode(d, n, blobs)) {
        /* a valid payload re-encodes to itself, in canonical blob order */
        uint8_t *out = malloc(n ? n : 1);
        size_t len = 0;
        CHECK(out && state_payload_encode(blobs, out, n, &len));
        CHECK(len == n);
        struct blob_ref again[BLOB_COUNT];
        CHECK(state_payload_decode(out, len, again));
        for (int i = 0; i < BLOB_COUNT; i++) {
            CHECK(again[i].present == blobs[i].present && again[i].len == blobs[i].len);
            CHECK(!blobs[i].len || !memcmp(again[i].data, blobs[i].data, blobs[i].len));
        }
        free(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_frames(data, size);
    fuzz_ctrl(data, size);
    fuzz_svsm(data, size);
    fuzz_state(data, size);
    return 0;
}
