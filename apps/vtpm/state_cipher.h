/* The place where state encryption plugs in.  Every payload goes through
 * state_seal() before it is written and state_unseal() after it is read and
 * its checksum verified; the slot header records which cipher sealed it.
 *
 * Today only STATE_CIPHER_NONE exists (the payload is stored as is).  The
 * attestation issue adds a cipher whose key is released by the attestation
 * server: it gets a new cipher number, its own seal/unseal here, and a way to
 * receive the key before the state is opened.  A state sealed with a cipher
 * this binary does not know is refused, never read as plaintext. */
#ifndef VTPM_STATE_CIPHER_H
#define VTPM_STATE_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The cipher new slots are written with. */
uint32_t state_cipher_active(void);

/* Bytes seal may add to a payload, so callers can size buffers. */
size_t state_cipher_overhead(uint32_t cipher);

/* Seals `in` into `out` (capacity `cap`); returns false if the cipher is
 * unknown or `out` too small. */
bool state_seal(uint32_t cipher, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                size_t *out_len);

/* Unseals; false for an unknown cipher or a payload that fails to open. */
bool state_unseal(uint32_t cipher, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                  size_t *out_len);

#endif
