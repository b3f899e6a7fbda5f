/* Strict reading of KBS answers (kbs_answer.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbs_answer.h"

/* The body as a JSON object, or NULL with why. */
static json_t *load_object(const char *body, size_t len, char *why, size_t cap)
{
    if (!body || len == 0) {
        snprintf(why, cap, "the answer is empty");
        return NULL;
    }
    if (len > KBS_ANSWER_MAX) {
        snprintf(why, cap, "the answer is %zu bytes (at most %d)", len, KBS_ANSWER_MAX);
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        char text[sizeof(err.text)];
        kbs_answer_sanitise(err.text, strlen(err.text), text, sizeof(text));
        snprintf(why, cap, "the answer is not JSON (%s)", text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(why, cap, "the answer is not a JSON object");
        return NULL;
    }
    return j;
}

static bool b64_char(char c, bool url)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (url ? c == '-' || c == '_' : c == '+' || c == '/');
}

/* Base64, standard or URL-safe alphabet (not mixed), '=' only as padding at
 * the end (at most two). */
static bool is_base64(const char *s, size_t n)
{
    size_t pad = 0;
    while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
        pad++;
    size_t body = n - pad;
    if (body == 0)
        return false;
    bool url = false, std = false;
    for (size_t i = 0; i < body; i++) {
        if (b64_char(s[i], false) && !b64_char(s[i], true))
            std = true;
        else if (b64_char(s[i], true) && !b64_char(s[i], false))
            url = true;
        else if (!b64_char(s[i], false))
            return false;
    }
    return !(url && std) && (pad == 0 || n % 4 == 0);
}

/* A JWS compact serialisation: three base64url segments (no padding) joined
 * by dots, the first two non-empty. */
static bool is_jws(const char *s, size_t n)
{
    size_t seg_len[3] = {0}, seg = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (++seg > 2)
                return false;
        } else if (b64_char(s[i], true)) {
            seg_len[seg]++;
        } else {
            return false;
        }
    }
    return seg == 2 && seg_len[0] && seg_len[1];
}

/* The string member name of j, its length in *n; NULL with why if missing
 * or not a string. */
static const char *string_member(json_t *j, const char *name, size_t *n, char *why, size_t cap)
{
    json_t *v = json_object_get(j, name);
    if (!json_is_string(v)) {
        snprintf(why, cap, "the answer has no string \"%s\"", name);
        return NULL;
    }
    *n = json_string_length(v);
    return json_string_value(v);
}

int kbs_answer_nonce(const char *body, size_t len, char *nonce, char *why, size_t why_cap)
{
    json_t *j = load_object(body, len, why, why_cap);
    if (!j)
        return -1;
    size_t n;
    const char *s = string_member(j, "nonce", &n, why, why_cap);
    int r = -1;
    if (s && (n > KBS_NONCE_MAX || !is_base64(s, n)))
        snprintf(why, why_cap, "the nonce (%zu characters) is not base64 of at most %d characters", n,
                 KBS_NONCE_MAX);
    else if (s) {
        memcpy(nonce, s, n);
        nonce[n] = 0;
        r = 0;
    }
    json_decref(j);
    return r;
}

int kbs_answer_token(const char *body, size_t len, char **token, char *why, size_t why_cap)
{
    json_t *j = load_object(body, len, why, why_cap);
    if (!j)
        return -1;
    size_t n;
    const char *s = string_member(j, "token", &n, why, why_cap);
    int r = -1;
    if (s && (n > KBS_TOKEN_MAX || !is_jws(s, n)))
        snprintf(why, why_cap, "the token (%zu characters) is not a JWS of at most %d characters", n, KBS_TOKEN_MAX);
    else if (s && !(*token = strndup(s, n)))
        snprintf(why, why_cap, "out of memory");
    else if (s)
        r = 0;
    json_decref(j);
    return r;
}

bool kbs_answer_is_object(const char *body, size_t len)
{
    char why[8];
    json_t *j = load_object(body, len, why, sizeof(why));
    json_decref(j);
    return j != NULL;
}

void kbs_answer_sanitise(const char *in, size_t len, char *out, size_t cap)
{
    if (cap == 0)
        return;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r' || c == '\n')
            break;
        out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[o] = 0;
}

void kbs_answer_problem(long status, const char *body, size_t len, char *out, size_t cap)
{
    char why[8], text[401];
    json_t *j = body ? load_object(body, len, why, sizeof(why)) : NULL;
    json_t *v = j ? json_object_get(j, "detail") : NULL;
    if (!json_is_string(v))
        v = j ? json_object_get(j, "title") : NULL;
    if (json_is_string(v))
        kbs_answer_sanitise(json_string_value(v), json_string_length(v), text, sizeof(text));
    else if (body && len)
        kbs_answer_sanitise(body, len, text, 201);
    else
        snprintf(text, sizeof(text), "(no body)");
    json_decref(j);
    snprintf(out, cap, "KBS answered %ld: %s", status, text);
}
