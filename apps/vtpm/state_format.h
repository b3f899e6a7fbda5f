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

/* Version 2 added the instance id to the superblock and sealed payloads
 * (docs/vtpm.md, "State format"); version 1 states are refused. */
#define STATE_VERSION       2u
#define STATE_SECTOR        512u
#define STATE_REGION        4096u
#define STATE_SLOT_SIZE_DEFAULT (1024u * 1024u)
#define STATE_SHA256_LEN    32u
#define STATE_INSTANCE_LEN  16u

/* Encodings of the payload's cipher field (state_cipher.h). */
#define STATE_CIPHER_NONE       0u
#define STATE_CIPHER_AES256GCM  1u

struct state_super {
    uint32_t version;
    uint64_t slot_size;      /* header region + payload capacity */
    uint64_t slot_offset[2];
    /* Random at format time: names this state among all others, so a sealed
     * slot cannot be moved to another disk (it is in the seal's AAD) and the
     * rollback counter has a key. */
    uint8_t instance[STATE_INSTANCE_LEN];
};

struct slot_header {
    uint32_t cipher;
    uint64_t seq;            /* higher is newer; the formatter writes seq 0 */
    uint32_t payload_len;
    uint8_t payload_sha256[STATE_SHA256_LEN]; /* over the stored (sealed) payload */
    /* Set by encode and decode: SHA-256 of the header's fields, which names
     * this one commit (sequence number and payload) for the rollback counter. */
    uint8_t digest[STATE_SHA256_LEN];
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

/* The layout a new state gets: slots back to back after the superblock.
 * The instance id is left to the caller (random for a real state). */
void state_super_default(struct state_super *sb, uint64_t slot_size);
/* Bytes the layout needs from offset 0. */
uint64_t state_super_extent(const struct state_super *sb);
uint32_t state_payload_capacity(const struct state_super *sb);

void state_super_encode(const struct state_super *sb, uint8_t out[STATE_SECTOR]);
enum state_check state_super_decode(const uint8_t in[STATE_SECTOR], struct state_super *sb);

/* Fills h->digest as a side effect. */
void slot_header_encode(struct slot_header *h, uint8_t out[STATE_SECTOR]);
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
