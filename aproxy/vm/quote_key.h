/* The key that seals aproxy's quoting vTPM state (docs/aproxy.md, "A stable
 * AK").  That state holds the seed the AK derives from, so it must be as
 * private as the service vTPM's, and it is released by the same stage 1: the
 * key is derived from the released state key, not the state key itself, so
 * neither state's ciphertext opens under the other's key (a host that copies
 * one region over the other gets a refusal, not a TPM with the other's
 * seeds). */
#ifndef APROXY_QUOTE_KEY_H
#define APROXY_QUOTE_KEY_H

#include <stddef.h>
#include <stdint.h>

#define QUOTE_KEY_LEN 32
#define QUOTE_KEY_FILE "/run/aproxy/quote.key"

/* HKDF-SHA256 (RFC 5869), no salt, info "nutshell aproxy quoting vTPM state
 * key v1", over the released state key.  0, or -1 (OpenSSL failed). */
int quote_key_derive(const uint8_t *state_key, size_t len, uint8_t out[QUOTE_KEY_LEN]);

#endif
