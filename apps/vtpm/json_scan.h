/* A bounded reader for the small JSON answers of the rollback counter
 * (rollback_kbs.c): find a member of an object, read a string or an unsigned
 * integer.  Not a general parser: no floats, no \u escapes beyond ASCII, at
 * most JSON_MAX_DEPTH levels of nesting.  Every function reads only inside
 * the span it is given and fails on anything it does not understand. */
#ifndef VTPM_JSON_SCAN_H
#define VTPM_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 8

struct json_span {
    const char *p;
    size_t len;
};

/* The value of member `key` of the object `obj` (surrounding whitespace
 * allowed); false if `obj` is not a well-formed object or has no such member. */
bool json_member(struct json_span obj, const char *key, struct json_span *val);
/* Decodes a string value into `out` (NUL-terminated, at most cap-1 bytes). */
bool json_string(struct json_span val, char *out, size_t cap);
/* Decodes a non-negative integer without sign, fraction or exponent. */
bool json_u64(struct json_span val, uint64_t *out);

#endif
