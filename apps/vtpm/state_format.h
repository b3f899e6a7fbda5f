/* The on-disk format of the vtpm state (docs/vtpm.md, "State format").
 *
 *   offset 0             superblock (one 512-byte sector, in a 4 KiB region)
 *   slot_offset[i]       slot i header (one 512-byte sector, in a 4 KiB region)
 *   slot_offset[i]+4096  slot i payload (payload_len bytes, up to slot_size-4096)
 *
 * The layout is fixed when the state is formatted and declared in the
 * superblock, so a block device (which cannot grow, shrink or be renamed) is
 * written in place.  All integers are big-endian. */
#ifndef VTPM_STATE_FORMAT_H
#define VTPM_STATE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_VERSION       1u
#define STATE_SECTOR        512u
#define STATE_REGION        4096u
#define STATE_SLOT_SIZE_DEFAULT (1024u * 1024u)
#define STATE_SHA256_LEN    32u

/* Encodings of the payload's cipher field.  Only "none" exists today; the
 * attestation issue adds a key-sealed cipher (state_cipher.h). */
#define STATE_CIPHER_NONE 0u

struct state_super {
    uint32_t version;
    uint64_t slot_size;      /* header region + payload capacity */
    uint64_t slot_offset[2];
};

struct slot_header {
    uint32_t cipher;
    uint64_t seq;            /* higher is newer; the formatter writes seq 0 */
    uint32_t payload_len;
    uint8_t payload_sha256[STATE_SHA256_LEN]; /* over the stored (sealed) payload */
};

enum state_check {
    STATE_OK,
    STATE_BLANK,        /* the sector is all zero */
    STATE_BAD_MAGIC,
    STATE_BAD_CHECKSUM,
    STATE_BAD_VERSION,
    STATE_BAD_LAYOUT,   /* numbers that cannot describe a valid layout */
};

const char *state_check_str(enum state_check c);

/* The layout a new state gets: slots back to back after the superblock. */
void state_super_default(struct state_super *sb, uint64_t slot_size);
/* Bytes the layout needs from offset 0. */
uint64_t state_super_extent(const struct state_super *sb);
uint32_t state_payload_capacity(const struct state_super *sb);

void state_super_encode(const struct state_super *sb, uint8_t out[STATE_SECTOR]);
enum state_check state_super_decode(const uint8_t in[STATE_SECTOR], struct state_super *sb);

void slot_header_encode(const struct slot_header *h, uint8_t out[STATE_SECTOR]);
/* `capacity` bounds payload_len. */
enum state_check slot_header_decode(const uint8_t in[STATE_SECTOR], uint32_t capacity,
                                    struct slot_header *h);

/* The blobs libtpms stores, in payload record order. */
enum state_blob {
    BLOB_PERMANENT = 0, /* libtpms "permall" */
    BLOB_VOLATILE = 1,  /* libtpms "volatilestate" */
    BLOB_SAVESTATE = 2, /* libtpms "savestate" */
    BLOB_COUNT
};

struct blob_ref {
    const uint8_t *data;
    uint32_t len;
    bool present;
};

/* Payload: records of (u32 type = blob + 1, u32 length, bytes), each blob at
 * most once.  encode returns the length, or 0 if it would exceed `cap`
 * (an empty payload also encodes to 0 bytes, which is valid). */
bool state_payload_encode(const struct blob_ref blobs[BLOB_COUNT], uint8_t *out, size_t cap,
                          size_t *len);
/* Fills blobs[] with pointers into `in`; false if the records are malformed. */
bool state_payload_decode(const uint8_t *in, size_t len, struct blob_ref blobs[BLOB_COUNT]);

void state_sha256(const uint8_t *data, size_t len, uint8_t out[STATE_SHA256_LEN]);

#endif
