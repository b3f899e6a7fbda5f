/* Runtime-data binding (binding.h). */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "binding.h"

/* Appends s as a JSON string, escaped as RFC 8785 (ECMAScript) writes it:
 * the two-character forms for " \ \b \f \n \r \t, \u00xx for other controls. */
static int put_json_string(char *out, size_t cap, size_t *o, const char *s)
{
    char tmp[8];
    if (*o + 1 >= cap)
        return -1;
    out[(*o)++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *e = NULL;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\f': e = "\\f"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        case '\t': e = "\\t"; break;
        default:
            if (c < 0x20) {
                snprintf(tmp, sizeof(tmp), "\\u%04x", c);
                e = tmp;
            }
        }
        size_t n = e ? strlen(e) : 1;
        if (*o + n + 1 >= cap)
            return -1;
        if (e)
            memcpy(out + *o, e, n);
        else
            out[*o] = (char)c;
        *o += n;
    }
    if (*o + 1 >= cap)
        return -1;
    out[(*o)++] = '"';
    out[*o] = 0;
    return 0;
}

static int put_raw(char *out, size_t cap, size_t *o, const char *s)
{
    size_t n = strlen(s);
    if (*o + n + 1 > cap)
        return -1;
    memcpy(out + *o, s, n + 1);
    *o += n;
    return 0;
}

int binding_runtime_json(const char *additional, const char *nonce, const char *jwk, char *out, size_t cap)
{
    size_t o = 0;
    /* keys in code-point order: "additional-evidence" < "nonce" < "tee-pubkey" */
    if (put_raw(out, cap, &o, "{") < 0)
        return -1;
    if (additional && (put_raw(out, cap, &o, "\"additional-evidence\":") < 0 ||
                       put_json_string(out, cap, &o, additional) < 0 || put_raw(out, cap, &o, ",") < 0))
        return -1;
    if (put_raw(out, cap, &o, "\"nonce\":") < 0 || put_json_string(out, cap, &o, nonce) < 0 ||
        put_raw(out, cap, &o, ",\"tee-pubkey\":") < 0 || put_raw(out, cap, &o, jwk) < 0 ||
        put_raw(out, cap, &o, "}") < 0)
        return -1;
    return 0;
}

void binding_report_data(const char *json, uint8_t out[REPORT_DATA_LEN])
{
    memset(out, 0, REPORT_DATA_LEN);
    SHA384((const unsigned char *)json, strlen(json), out);
}
