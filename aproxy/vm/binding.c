/* Runtime-data binding (binding.h). */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "b64.h"
#include "binding.h"

EVP_PKEY *binding_new_key(void)
{
    return EVP_EC_gen("P-256");
}

static int coord_b64url(EVP_PKEY *key, const char *param, char out[48])
{
    BIGNUM *bn = NULL;
    uint8_t raw[32];
    if (!EVP_PKEY_get_bn_param(key, param, &bn))
        return -1;
    int ok = BN_bn2binpad(bn, raw, sizeof(raw)) == sizeof(raw);
    BN_free(bn);
    return ok && b64_encode(raw, sizeof(raw), true, out, 48) ? 0 : -1;
}

int binding_jwk(EVP_PKEY *key, char out[JWK_MAX])
{
    char x[48], y[48];
    if (coord_b64url(key, OSSL_PKEY_PARAM_EC_PUB_X, x) < 0 || coord_b64url(key, OSSL_PKEY_PARAM_EC_PUB_Y, y) < 0)
        return -1;
    int n = snprintf(out, JWK_MAX, "{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                     x, y);
    return n > 0 && n < JWK_MAX ? 0 : -1;
}

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
