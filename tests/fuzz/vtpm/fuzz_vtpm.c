/* libFuzzer target for the vtpm's parsers: data-channel framing, control
 * requests, the state format decoders, sealed payloads and the rollback
 * counter's answers.  Every input goes through all of them, the way the
 * server consumes a stream: message after message until one is incomplete or
 * the framing is lost.  Invariants are checked with abort() so a violation is
 * a crash libFuzzer reports. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "counter_msg.h"
#include "ctrl_proto.h"
#include "frame.h"
#include "json_scan.h"
#include "state_cipher.h"
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
        CHECK(!memcmp(again, sector, 88));
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

/* A sealed payload the fuzzer made up never opens; a record payload sealed
 * here opens to itself, and not under another sequence number. */
static void fuzz_sealed(const uint8_t *d, size_t n)
{
    static const uint8_t key[STATE_KEY_LEN] = {1, 2, 3};
    if (!state_cipher_has_key())
        CHECK(state_cipher_set_key(key) == 0);
    struct seal_binding b = {.version = STATE_VERSION, .seq = 7};
    uint8_t *out = malloc(n + 64);
    size_t len = 0;
    CHECK(out);
    enum unseal_status u = state_unseal(STATE_CIPHER_AES256GCM, &b, d, n, out, n + 64, &len);
    CHECK(u == UNSEAL_REJECTED || u == UNSEAL_MALFORMED);
    struct blob_ref blobs[BLOB_COUNT];
    if (state_payload_decode(d, n, blobs)) {
        uint8_t *sealed = malloc(n + 64);
        size_t slen = 0;
        CHECK(sealed && state_seal(STATE_CIPHER_AES256GCM, &b, d, n, sealed, n + 64, &slen));
        CHECK(slen == n + STATE_GCM_NONCE + STATE_GCM_TAG);
        CHECK(state_unseal(STATE_CIPHER_AES256GCM, &b, sealed, slen, out, n + 64, &len) == UNSEAL_OK);
        CHECK(len == n && (!n || !memcmp(out, d, n)));
        b.seq = 8;
        CHECK(state_unseal(STATE_CIPHER_AES256GCM, &b, sealed, slen, out, n + 64, &len) ==
              UNSEAL_REJECTED);
        free(sealed);
    }
    free(out);
}

/* Counter answers come through the host: any line must be classified, and
 * none the fuzzer makes up may authenticate. */
static void fuzz_counter(const uint8_t *d, size_t n)
{
    static const uint8_t k[COUNTER_KEY_LEN] = {9}, nonce[COUNTER_NONCE_LEN] = {4};
    struct counter_value cur;
    char why[160];
    enum counter_answer a = counter_answer_parse((const char *)d, n, k, "vtpm", nonce, &cur, why,
                                                 sizeof(why));
    CHECK(a != ANSWER_OK && a != ANSWER_REFUSED);
    struct json_span v;
    char text[64];
    uint64_t u;
    if (json_member((struct json_span){(const char *)d, n}, "body", &v)) {
        CHECK(v.p >= (const char *)d && v.p + v.len <= (const char *)d + n);
        (void)json_string(v, text, sizeof(text));
        (void)json_u64(v, &u);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_frames(data, size);
    fuzz_ctrl(data, size);
    fuzz_svsm(data, size);
    fuzz_state(data, size);
    fuzz_sealed(data, size);
    fuzz_counter(data, size);
    return 0;
}
