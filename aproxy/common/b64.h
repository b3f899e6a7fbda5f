/* Base64 (RFC 4648): the standard alphabet with padding, which Trustee's
 * evidence fields use, and the URL-safe one without padding, which JOSE
 * (JWK, JWE) uses. */
#ifndef APROXY_B64_H
#define APROXY_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters b64_encode writes for n bytes, terminator included. */
#define B64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4 + 1)

/* Encodes n bytes into out (cap bytes), terminated; false if it does not fit. */
bool b64_encode(const uint8_t *in, size_t n, bool url, char *out, size_t cap);

/* Decodes len characters (either alphabet, padding optional) into out (cap
 * bytes); the length, or -1 for a bad character, bad padding or no room. */
long b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif
