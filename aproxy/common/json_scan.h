/* A bounded reader of JSON objects, enough for JOSE: it validates a whole JSON
 * text (RFC 8259 grammar, nesting at most JSON_MAX_DEPTH) and lists the members
 * of its top-level object without copying or allocating.  String values are
 * decoded on request.  Used on bytes from the network (a KBS's JWE and its
 * protected header), so every path is bounded by the input's length. */
#ifndef APROXY_JSON_SCAN_H
#define APROXY_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 16
#define JSON_MAX_NAME 32   /* member names longer than this are listed but never match */

enum json_kind { JSON_STRING, JSON_OBJECT, JSON_ARRAY, JSON_NUMBER, JSON_LITERAL };

struct json_member {
    char name[JSON_MAX_NAME + 1]; /* decoded, NUL-terminated; "" if too long or holding NUL */
    enum json_kind kind;
    const char *value;            /* strings: the raw text between the quotes; others: the whole value */
    size_t value_len;
};

/* Parses `text` (len bytes) as exactly one JSON object with optional whitespace
 * around it.  Fills up to `max` members in order and sets *count.  Returns 0, or
 * -1 on a syntax error, too deep nesting, more than `max` members, or a member
 * name given twice (a JOSE header must not be ambiguous: RFC 7515 section 4). */
int json_object_members(const char *text, size_t len, struct json_member *out, size_t max, size_t *count);

/* The member called `name`, or NULL. */
const struct json_member *json_find(const struct json_member *m, size_t count, const char *name);

/* Decodes a string member's raw text (escapes, \uXXXX with surrogate pairs, to
 * UTF-8) into out (room for cap bytes plus a NUL).  Returns the length or -1. */
long json_string_decode(const char *raw, size_t len, char *out, size_t cap);

/* True if the string member equals `want` after decoding. */
bool json_string_is(const struct json_member *m, const char *want);

#endif
