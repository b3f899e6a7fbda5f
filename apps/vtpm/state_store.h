/* The crash-safe state store: libtpms's blobs in one file or block device.
 *
 * Two slots alternate.  A commit writes the whole blob set into the slot not
 * holding the current state, the slot header (next sequence number, the
 * payload's SHA-256) and the payload in one write, then one fsync, and only
 * then is it acknowledged.  A crash before the fsync may leave any part of
 * that write on the medium (a device may reorder it), so a load takes the
 * newest slot whose header and payload both check out: if the newest
 * header's payload does not match it, that commit was cut short and never
 * acknowledged, and the other slot holds the last one that was.  One fsync,
 * not one after the payload and one after the header: commits sit on the
 * path of TPM2_Startup, which Linux gives 0.75 s (docs/vtpm.md, "Commit"). */
#ifndef VTPM_STATE_STORE_H
#define VTPM_STATE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "state_format.h"

struct state_blob_buf {
    uint8_t *data;
    uint32_t len;
    bool present;
};

/* One store per process (libtpms has one TPM); not thread-safe: only the
 * main loop, and libtpms called from it, touch it. */
struct state_store_opts {
    bool remanufacture;  /* format a state that fails its checks (not one that fails to unseal) */
    bool seal_existing;  /* with a key: accept an unsealed state holding a TPM, and seal it */
    uint64_t slot_size;  /* used only when formatting */
    uint64_t offset;     /* where the state's region starts on the medium (--state-offset) */
    unsigned lock_wait_s; /* how long to wait for another vtpm to leave the region (--state-lock-wait) */
};

struct state_store {
    int fd;
    const char *path;
    uint64_t base;       /* the region's start on the medium: every offset below is from here */
    struct state_super sb;
    int cur_slot;        /* slot holding the current state */
    uint64_t seq;        /* its sequence number */
    uint8_t tag[STATE_SHA256_LEN]; /* its header digest: names the commit for the rollback counter */
    uint32_t cur_cipher; /* the cipher that sealed it */
    /* Called once a commit is on the medium, before it is acknowledged
     * (rollback.h); a failure fails the commit.  NULL: none. */
    int (*anchor)(uint64_t seq, const uint8_t tag[STATE_SHA256_LEN]);
    struct state_blob_buf blobs[BLOB_COUNT];
    uint8_t *slot_buf;   /* a slot as stored: its header region, then the payload */
    uint8_t *io_buf;     /* slot_buf's payload part, state_payload_capacity() bytes */
    uint8_t *plain_buf;  /* the same in the clear; wiped after each use */
    int64_t fault_budget; /* bytes left before a simulated power cut; <0: off */
};

/* Opens (creating a missing regular file), takes the region's lock (waiting
 * up to o->lock_wait_s for another vtpm holding it to exit) and loads the
 * newest committed state.  A state that fails its checks is reported and refused (returns -1)
 * unless `remanufacture` is set, in which case it is formatted afresh and the
 * TPM starts unmanufactured.  A sealed state that does not open (no key, a
 * wrong key, an unknown cipher, altered or moved) is always refused, never
 * formatted over.  With a state key, an unsealed state that holds a TPM is
 * refused unless `seal_existing` is set (docs/attestation.md). */
int state_store_open(struct state_store *st, const char *path, const struct state_store_opts *o);
/* --format-only --state-offset: formats an empty state in the region at
 * o->offset of the existing file or device `path`, which must be blank there
 * (zeros, or past the end of a file) and must not overlap a state at offset 0.
 * 0 or -1 (logged). */
int state_store_format_region(struct state_store *st, const char *path, const struct state_store_opts *o);
/* Commits the current blobs again: used to seal an unsealed state at once
 * (both slots, so no plaintext copy stays in the other one). */
int state_store_recommit(struct state_store *st);
void state_store_close(struct state_store *st);

const struct state_blob_buf *state_store_get(const struct state_store *st, enum state_blob b);
/* Replace or remove one blob, then commit the whole set; 0 or -1 (logged). */
int state_store_put(struct state_store *st, enum state_blob b, const uint8_t *data, uint32_t len);
int state_store_delete(struct state_store *st, enum state_blob b);

/* Testing aid: after `bytes` more bytes of state writes the process writes a
 * partial chunk and exits at once, as a power cut would leave the medium. */
void state_store_set_fault(struct state_store *st, int64_t bytes);

#endif
