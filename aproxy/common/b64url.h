/* base64url without padding (RFC 4648 section 5, as JOSE uses it: RFC 7515 section 2). */
#ifndef APROXY_B64URL_H
#define APROXY_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* The decoded size of n characters (an upper bound when the text is invalid). */
#define B64URL_DECODED_MAX(n) (((n) / 4) * 3 + 2)
/* The encoded size of n bytes, without a terminating NUL. */
#define B64URL_ENCODED_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* Decodes `len` characters into out (room for `cap` bytes).  Strict: only the
 * URL-safe alphabet, no padding, no whitespace, and the unused low bits of the
 * last character must be zero, so every byte string has exactly one encoding.
 * Returns the decoded length, or -1 if the text is not canonical base64url or
 * does not fit. */
long b64url_decode(const char *text, size_t len, uint8_t *out, size_t cap);

/* Encodes len bytes into out (room for `cap` characters plus a NUL).  Returns the
 * encoded length, or -1 if it does not fit. */
long b64url_encode(const uint8_t *data, size_t len, char *out, size_t cap);

#endif
