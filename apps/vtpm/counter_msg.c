/* Rollback counter messages (counter_msg.h). */
#include "counter_msg.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "bytes.h"
#include "json_scan.h"

static const char mac_label[] = "nutshell-dev-counter-v1"; /* and its NUL */
static const char hkdf_info[] = "nutshell rollback counter";
static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool counter_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > COUNTER_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

int counter_mac_key(const uint8_t *state_key, size_t key_len, uint8_t k[COUNTER_KEY_LEN])
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    size_t out = COUNTER_KEY_LEN;
    int ok = c && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) == 1 &&
             EVP_PKEY_CTX_set1_hkdf_key(c, state_key, (int)key_len) == 1 &&
             EVP_PKEY_CTX_add1_hkdf_info(c, (const unsigned char *)hkdf_info,
                                         (int)strlen(hkdf_info)) == 1 &&
             EVP_PKEY_derive(c, k, &out) == 1 && out == COUNTER_KEY_LEN;
    EVP_PKEY_CTX_free(c);
    return ok ? 0 : -1;
}

void counter_mac(const uint8_t k[COUNTER_KEY_LEN], const char *instance,
                 const struct counter_value *v, const uint8_t nonce[COUNTER_NONCE_LEN],
                 uint8_t mac[32])
{
    uint8_t msg[sizeof(mac_label) + COUNTER_NAME_MAX + 1 + 8 + COUNTER_TAG_LEN + COUNTER_NONCE_LEN];
    size_t n = 0, ilen = strnlen(instance, COUNTER_NAME_MAX);
    memcpy(msg, mac_label, sizeof(mac_label)); /* with its NUL */
    n += sizeof(mac_label);
    memcpy(msg + n, instance, ilen);
    n += ilen;
    msg[n++] = 0;
    put_be64(msg + n, v->value);
    n += 8;
    memcpy(msg + n, v->tag, COUNTER_TAG_LEN);
    n += COUNTER_TAG_LEN;
    memcpy(msg + n, nonce, COUNTER_NONCE_LEN);
    n += COUNTER_NONCE_LEN;
    unsigned int mlen = 32;
    if (!HMAC(EVP_sha256(), k, COUNTER_KEY_LEN, msg, n, mac, &mlen))
        memset(mac, 0, 32); /* then it simply matches nothing */
}

size_t b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t chunk = len - i < 3 ? len - i : 3;
        if (chunk > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (chunk > 2)
            v |= in[i + 2];
        for (size_t j = 0; j <= chunk; j++) {
            if (n + 1 >= cap)
                return 0;
            out[n++] = b64url_alphabet[(v >> (18 - 6 * j)) & 63];
        }
    }
    if (n >= cap)
        return 0;
    out[n] = 0;
    return n;
}

bool b64url_decode_exact(const char *in, uint8_t *out, size_t want)
{
    size_t len = strlen(in);
    if (len != (want * 4 + 2) / 3)
        return false;
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        const char *pos = strchr(b64url_alphabet, in[i]);
        if (!pos || !in[i])
            return false;
        acc = acc << 6 | (uint32_t)(pos - b64url_alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    /* the unused low bits of the last character must be zero (canonical) */
    return n == want && (acc & ((1u << bits) - 1)) == 0;
}

bool counter_request(char *out, size_t cap, const char *instance,
                     const uint8_t nonce[COUNTER_NONCE_LEN], const struct counter_value *next)
{
    char n64[32], t64[48];
    b64url_encode(nonce, COUNTER_NONCE_LEN, n64, sizeof(n64));
    int r;
    if (!next) {
        r = snprintf(out, cap, "{\"instance\":\"%s\",\"body\":{\"op\":\"read\",\"nonce\":\"%s\"}}\n",
                     instance, n64);
    } else {
        b64url_encode(next->tag, COUNTER_TAG_LEN, t64, sizeof(t64));
        r = snprintf(out, cap,
                     "{\"instance\":\"%s\",\"body\":{\"op\":\"advance\",\"value\":%llu,"
                     "\"tag\":\"%s\",\"nonce\":\"%s\"}}\n",
                     instance, (unsigned long long)next->value, t64, n64);
    }
    return r > 0 && (size_t)r < cap;
}

static enum counter_answer say(enum counter_answer a, char *why, size_t cap, const char *text)
{
    snprintf(why, cap, "%s", text);
    return a;
}

enum counter_answer counter_answer_parse(const char *line, size_t len,
                                         const uint8_t k[COUNTER_KEY_LEN], const char *instance,
                                         const uint8_t nonce[COUNTER_NONCE_LEN],
                                         struct counter_value *cur, char *why, size_t why_cap)
{
    struct json_span all = {line, len}, v, body;
    uint64_t status;
    char text[160];
    if (!json_member(all, "status", &v) || !json_u64(v, &status))
        return say(ANSWER_FORGED, why, why_cap, "relay answer without a status");
    if (status == 0 || status >= 500) {
        if (json_member(all, "error", &v) && json_string(v, text, sizeof(text)))
            return say(ANSWER_UNREACHED, why, why_cap, text);
        return say(ANSWER_UNREACHED, why, why_cap, "the relay did not reach the KBS");
    }
    if (!json_member(all, "body", &body))
        return say(ANSWER_FORGED, why, why_cap, "relay answer without a body");
    if (status != 200 && status != 409) {
        char detail[128] = "no detail";
        if (json_member(body, "detail", &v))
            json_string(v, detail, sizeof(detail));
        snprintf(why, why_cap, "KBS answered %llu: %s", (unsigned long long)status, detail);
        return ANSWER_ERROR;
    }
    char name[COUNTER_NAME_MAX + 1], n64[32], t64[48], m64[48];
    uint8_t got_nonce[COUNTER_NONCE_LEN], mac[32], want[32];
    struct counter_value c;
    if (!json_member(body, "instance", &v) || !json_string(v, name, sizeof(name)) ||
        !json_member(body, "value", &v) || !json_u64(v, &c.value) ||
        !json_member(body, "tag", &v) || !json_string(v, t64, sizeof(t64)) ||
        !json_member(body, "nonce", &v) || !json_string(v, n64, sizeof(n64)) ||
        !json_member(body, "mac", &v) || !json_string(v, m64, sizeof(m64)) ||
        !b64url_decode_exact(t64, c.tag, COUNTER_TAG_LEN) ||
        !b64url_decode_exact(n64, got_nonce, COUNTER_NONCE_LEN) ||
        !b64url_decode_exact(m64, mac, sizeof(mac)))
        return say(ANSWER_FORGED, why, why_cap, "answer lacks instance, value, tag, nonce or mac");
    if (strcmp(name, instance))
        return say(ANSWER_FORGED, why, why_cap, "answer names another instance");
    if (memcmp(got_nonce, nonce, COUNTER_NONCE_LEN))
        return say(ANSWER_FORGED, why, why_cap, "answer to another request (nonce differs)");
    counter_mac(k, instance, &c, nonce, want);
    if (CRYPTO_memcmp(mac, want, sizeof(mac)))
        return say(ANSWER_FORGED, why, why_cap,
                   "answer MAC does not check (forged, or the KBS holds another key)");
    *cur = c;
    if (status == 409)
        return say(ANSWER_REFUSED, why, why_cap, "the counter is ahead");
    why[0] = 0;
    return ANSWER_OK;
}
