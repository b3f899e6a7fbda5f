/* Base64 (RFC 4648 section 4): the standard alphabet with padding, which
 * Trustee's evidence fields use (JOSE's unpadded base64url is b64url.h). */
#ifndef APROXY_B64_H
#define APROXY_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters b64_encode writes for n bytes, terminator included. */
#define B64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4 + 1)

/* Encodes n bytes into out (cap bytes), terminated; false if it does not fit. */
bool b64_encode(const uint8_t *in, size_t n, char *out, size_t cap);

#endif
