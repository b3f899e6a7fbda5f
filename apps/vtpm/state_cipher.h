/* State ciphers: every payload goes through state_seal() before it is
 * written and state_unseal() after it is read and its checksum verified; the
 * slot header records which cipher sealed it.
 *
 *   STATE_CIPHER_NONE       the payload as is (no key configured)
 *   STATE_CIPHER_AES256GCM  nonce (12) || AES-256-GCM ciphertext || tag (16),
 *                           keyed by the state key the attestation released
 *
 * The GCM additional data binds the payload to the slot it was written for
 * (format version, cipher, sequence number) and to the state's instance id,
 * so a payload copied to the other slot, to an older or newer sequence
 * number, or to another state disk does not open (docs/attestation.md,
 * "Sealed state and rollback").  A state sealed with a cipher this binary
 * does not know, or without the key, is refused, never read as plaintext.
 *
 * One key per process, set once at start before the state is opened; only
 * the main loop uses the cipher (no locking). */
#ifndef VTPM_STATE_CIPHER_H
#define VTPM_STATE_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state_format.h"

#define STATE_KEY_LEN   32u
#define STATE_GCM_NONCE 12u
#define STATE_GCM_TAG   16u

/* What a sealed payload is bound to (all of it in the additional data). */
struct seal_binding {
    uint32_t version;                       /* the state format version */
    uint64_t seq;                           /* the slot header's sequence number */
    uint8_t instance[STATE_INSTANCE_LEN];   /* the superblock's instance id */
};

enum unseal_status {
    UNSEAL_OK,
    UNSEAL_UNKNOWN_CIPHER, /* a cipher number this binary does not implement */
    UNSEAL_NO_KEY,         /* sealed, but no key was given */
    UNSEAL_REJECTED,       /* does not authenticate: wrong key, or moved or altered */
    UNSEAL_MALFORMED,      /* shorter than nonce and tag, or does not fit `cap` */
};

/* Makes AES-256-GCM the cipher of new slots, keyed by `key` (copied into
 * OpenSSL's key schedule; the caller wipes its own copy).  0, or -1 if
 * OpenSSL refuses (logged). */
int state_cipher_set_key(const uint8_t key[STATE_KEY_LEN]);
bool state_cipher_has_key(void);
/* Drops the key schedule (OpenSSL wipes it when the context is freed). */
void state_cipher_forget_key(void);

/* The cipher new slots are written with: AES-256-GCM once a key is set. */
uint32_t state_cipher_active(void);
const char *state_cipher_name(uint32_t cipher);
const char *unseal_status_str(enum unseal_status s);

/* Bytes seal adds to a payload, so callers can size buffers. */
size_t state_cipher_overhead(uint32_t cipher);

/* Seals `in` into `out` (capacity `cap`) with a fresh random nonce; false if
 * the cipher is unknown or has no key, `out` is too small, or OpenSSL fails. */
bool state_seal(uint32_t cipher, const struct seal_binding *b, const uint8_t *in, size_t len,
                uint8_t *out, size_t cap, size_t *out_len);

/* Opens a payload sealed for binding `b`; `out` receives at most `cap` bytes. */
enum unseal_status state_unseal(uint32_t cipher, const struct seal_binding *b, const uint8_t *in,
                                size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
