/* The request line of aproxy's secrets socket (secrets_socket.h):
 * "GET <repository>/<type>/<tag>", each segment 1 to 64 of [A-Za-z0-9._-]
 * and neither "." nor ".." (Trustee's resource names; dot segments would be
 * normalised away in the KBS URL).  Bytes from any local program, so
 * bounded and fuzzed (tests/fuzz/secrets_request). */
#ifndef APROXY_SECRETS_REQUEST_H
#define APROXY_SECRETS_REQUEST_H

#include <stddef.h>

#define SECRETS_REQUEST_MAX 256 /* a request line with its newline */
#define SECRETS_WHY_MAX 512     /* = WHY_MAX (session.h) */

/* Checks a request line of len bytes (without its newline) and copies its
 * resource path, NUL-terminated, into resource (SECRETS_REQUEST_MAX bytes;
 * len must be below that).  0, or -1 with why. */
int secrets_parse_request(const char *line, size_t len, char *resource, char why[SECRETS_WHY_MAX]);

#endif
