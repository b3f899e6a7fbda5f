/* Encoding and checking of the state superblock, slot headers and payload
 * records.  Pure functions over buffers: the store does the I/O, the fuzzer
 * and the tests drive these directly. */
#include "state_format.h"

#include <string.h>

#include <openssl/evp.h>

#include "bytes.h"

static const char super_magic[8] = {'N', 'S', 'V', 'T', 'P', 'M', 'S', 'B'};
static const char slot_magic[8] = {'N', 'S', 'V', 'T', 'P', 'M', 'S', 'L'};

/* Field offsets inside the superblock sector. */
enum {
    SB_MAGIC = 0, SB_VERSION = 8, SB_REGION = 12, SB_SLOT_SIZE = 16,
    SB_SLOT0 = 24, SB_SLOT1 = 32, SB_INSTANCE = 40, SB_SHA = 56, SB_END = 88,
};
/* Field offsets inside a slot header sector. */
enum {
    SH_MAGIC = 0, SH_VERSION = 8, SH_CIPHER = 12, SH_SEQ = 16, SH_LEN = 24,
    SH_RESERVED = 28, SH_PAYLOAD_SHA = 32, SH_SHA = 64, SH_END = 96,
};

const char *state_check_str(enum state_check c)
{
    switch (c) {
    case STATE_OK: return "valid";
    case STATE_BLANK: return "blank (all zero)";
    case STATE_BAD_MAGIC: return "wrong magic";
    case STATE_BAD_CHECKSUM: return "checksum mismatch";
    case STATE_BAD_VERSION: return "unsupported format version";
    case STATE_BAD_LAYOUT: return "impossible layout";
    }
    return "?";
}

void state_sha256(const uint8_t *data, size_t len, uint8_t out[STATE_SHA256_LEN])
{
    unsigned int n = STATE_SHA256_LEN;
    /* EVP_Digest with SHA-256 cannot fail short of memory corruption;
     * a zeroed digest would then simply not match. */
    if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL))
        memset(out, 0, STATE_SHA256_LEN);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

void state_super_default(struct state_super *sb, uint64_t slot_size)
{
    memset(sb, 0, sizeof(*sb));
    sb->version = STATE_VERSION;
    sb->slot_size = slot_size;
    sb->slot_offset[0] = STATE_REGION;
    sb->slot_offset[1] = STATE_REGION + slot_size;
}

uint64_t state_super_extent(const struct state_super *sb)
{
    uint64_t a = sb->slot_offset[0] + sb->slot_size;
    uint64_t b = sb->slot_offset[1] + sb->slot_size;
    return a > b ? a : b;
}

uint32_t state_payload_capacity(const struct state_super *sb)
{
    return (uint32_t)(sb->slot_size - STATE_REGION);
}

void state_super_encode(const struct state_super *sb, uint8_t out[STATE_SECTOR])
{
    memset(out, 0, STATE_SECTOR);
    memcpy(out + SB_MAGIC, super_magic, 8);
    put_be32(out + SB_VERSION, sb->version);
    put_be32(out + SB_REGION, STATE_REGION);
    put_be64(out + SB_SLOT_SIZE, sb->slot_size);
    put_be64(out + SB_SLOT0, sb->slot_offset[0]);
    put_be64(out + SB_SLOT1, sb->slot_offset[1]);
    memcpy(out + SB_INSTANCE, sb->instance, STATE_INSTANCE_LEN);
    state_sha256(out, SB_SHA, out + SB_SHA);
}

/* Slots must be region-aligned, must not overlap each other or the
 * superblock, and must hold a header region plus a payload that a u32
 * length can describe. */
static bool layout_sane(const struct state_super *sb)
{
    if (sb->slot_size <= STATE_REGION || sb->slot_size > (1ull << 31))
        return false;
    if (sb->slot_size % STATE_REGION)
        return false;
    for (int i = 0; i < 2; i++) {
        if (sb->slot_offset[i] < STATE_REGION || sb->slot_offset[i] % STATE_REGION)
            return false;
        if (sb->slot_offset[i] > (1ull << 40))
            return false;
    }
    uint64_t lo = sb->slot_offset[0] < sb->slot_offset[1] ? sb->slot_offset[0] : sb->slot_offset[1];
    uint64_t hi = sb->slot_offset[0] < sb->slot_offset[1] ? sb->slot_offset[1] : sb->slot_offset[0];
    return hi - lo >= sb->slot_size;
}

enum state_check state_super_decode(const uint8_t in[STATE_SECTOR], struct state_super *sb)
{
    if (all_zero(in, STATE_SECTOR))
        return STATE_BLANK;
    if (memcmp(in + SB_MAGIC, super_magic, 8))
        return STATE_BAD_MAGIC;
    uint8_t sha[STATE_SHA256_LEN];
    state_sha256(in, SB_SHA, sha);
    if (memcmp(sha, in + SB_SHA, STATE_SHA256_LEN))
        return STATE_BAD_CHECKSUM;
    sb->version = get_be32(in + SB_VERSION);
    if (sb->version != STATE_VERSION)
        return STATE_BAD_VERSION;
    if (get_be32(in + SB_REGION) != STATE_REGION)
        return STATE_BAD_LAYOUT;
    sb->slot_size = get_be64(in + SB_SLOT_SIZE);
    sb->slot_offset[0] = get_be64(in + SB_SLOT0);
    sb->slot_offset[1] = get_be64(in + SB_SLOT1);
    memcpy(sb->instance, in + SB_INSTANCE, STATE_INSTANCE_LEN);
    return layout_sane(sb) ? STATE_OK : STATE_BAD_LAYOUT;
}

void slot_header_encode(struct slot_header *h, uint8_t out[STATE_SECTOR])
{
    memset(out, 0, STATE_SECTOR);
    memcpy(out + SH_MAGIC, slot_magic, 8);
    put_be32(out + SH_VERSION, STATE_VERSION);
    put_be32(out + SH_CIPHER, h->cipher);
    put_be64(out + SH_SEQ, h->seq);
    put_be32(out + SH_LEN, h->payload_len);
    memcpy(out + SH_PAYLOAD_SHA, h->payload_sha256, STATE_SHA256_LEN);
    state_sha256(out, SH_SHA, out + SH_SHA);
    memcpy(h->digest, out + SH_SHA, STATE_SHA256_LEN);
}

enum state_check slot_header_decode(const uint8_t in[STATE_SECTOR], uint32_t capacity,
                                    struct slot_header *h)
{
    if (all_zero(in, STATE_SECTOR))
        return STATE_BLANK;
    if (memcmp(in + SH_MAGIC, slot_magic, 8))
        return STATE_BAD_MAGIC;
    uint8_t sha[STATE_SHA256_LEN];
    state_sha256(in, SH_SHA, sha);
    if (memcmp(sha, in + SH_SHA, STATE_SHA256_LEN))
        return STATE_BAD_CHECKSUM;
    if (get_be32(in + SH_VERSION) != STATE_VERSION)
        return STATE_BAD_VERSION;
    h->cipher = get_be32(in + SH_CIPHER);
    h->seq = get_be64(in + SH_SEQ);
    h->payload_len = get_be32(in + SH_LEN);
    memcpy(h->payload_sha256, in + SH_PAYLOAD_SHA, STATE_SHA256_LEN);
    memcpy(h->digest, in + SH_SHA, STATE_SHA256_LEN);
    if (h->payload_len > capacity)
        return STATE_BAD_LAYOUT;
    return STATE_OK;
}

bool state_payload_encode(const struct blob_ref blobs[BLOB_COUNT], uint8_t *out, size_t cap,
                          size_t *len)
{
    size_t off = 0;
    for (int i = 0; i < BLOB_COUNT; i++) {
        if (!blobs[i].present)
            continue;
        if (cap - off < 8 || cap - off - 8 < blobs[i].len)
            return false;
        put_be32(out + off, (uint32_t)i + 1);
        put_be32(out + off + 4, blobs[i].len);
        if (blobs[i].len)
            memcpy(out + off + 8, blobs[i].data, blobs[i].len);
        off += 8 + blobs[i].len;
    }
    *len = off;
    return true;
}

bool state_payload_decode(const uint8_t *in, size_t len, struct blob_ref blobs[BLOB_COUNT])
{
    memset(blobs, 0, sizeof(struct blob_ref) * BLOB_COUNT);
    size_t off = 0;
    while (off < len) {
        if (len - off < 8)
            return false;
        uint32_t type = get_be32(in + off);
        uint32_t n = get_be32(in + off + 4);
        if (type < 1 || type > BLOB_COUNT || blobs[type - 1].present)
            return false;
        if (len - off - 8 < n)
            return false;
        blobs[type - 1] = (struct blob_ref){in + off + 8, n, true};
        off += 8 + n;
    }
    return true;
}
