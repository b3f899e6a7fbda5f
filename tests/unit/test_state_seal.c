/* The vtpm's sealed state (apps/vtpm/state_cipher.c, state_key.c) and the
 * rollback counter's messages (counter_msg.c, json_scan.c): the documented
 * AES-256-GCM layout and additional data, what each binding refuses, the key
 * file forms, and the counter MAC against a vector computed with Python's
 * hmac/hashlib (an implementation independent of OpenSSL). */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../apps/vtpm/bytes.h"
#include "../../apps/vtpm/counter_msg.h"
#include "../../apps/vtpm/json_scan.h"
#include "../../apps/vtpm/state_cipher.h"
#include "../../apps/vtpm/state_key.h"
#include "unit.h"

static const uint8_t key[STATE_KEY_LEN] = {0x10, 0x20, 0x30, 0x40, 0x50};
static const uint8_t plain[] = "permall: seeds, NV indices, persistent objects";

static struct seal_binding binding(uint64_t seq)
{
    struct seal_binding b = {.version = STATE_VERSION, .seq = seq};
    memset(b.instance, 0x5a, sizeof(b.instance));
    return b;
}

static size_t seal(uint8_t *out, size_t cap, const struct seal_binding *b)
{
    size_t n = 0;
    CHECK(state_seal(STATE_CIPHER_AES256GCM, b, plain, sizeof(plain), out, cap, &n));
    return n;
}

static void test_round_trip(void)
{
    CHECK_EQ(state_cipher_active(), STATE_CIPHER_NONE);
    CHECK_EQ(state_cipher_set_key(key), 0);
    CHECK_EQ(state_cipher_active(), STATE_CIPHER_AES256GCM);
    uint8_t s[256], p[256];
    struct seal_binding b = binding(42);
    size_t n = seal(s, sizeof(s), &b), m = 0;
    CHECK_EQ(n, sizeof(plain) + STATE_GCM_NONCE + STATE_GCM_TAG);
    CHECK_EQ(state_cipher_overhead(STATE_CIPHER_AES256GCM), STATE_GCM_NONCE + STATE_GCM_TAG);
    CHECK(memcmp(s + STATE_GCM_NONCE, plain, sizeof(plain)) != 0);
    CHECK_EQ(state_unseal(STATE_CIPHER_AES256GCM, &b, s, n, p, sizeof(p), &m), UNSEAL_OK);
    CHECK_EQ(m, sizeof(plain));
    CHECK(!memcmp(p, plain, sizeof(plain)));
    /* too small an output buffer is refused, not overrun */
    CHECK(!state_seal(STATE_CIPHER_AES256GCM, &b, plain, sizeof(plain), s, n - 1, &m));
    CHECK_EQ(state_unseal(STATE_CIPHER_AES256GCM, &b, s, n, p, sizeof(plain) - 1, &m),
             UNSEAL_MALFORMED);
}

/* The layout docs/attestation.md gives, checked with EVP directly:
 * nonce || ciphertext || tag, AAD = "NSVTPMSL" || version || cipher || seq || instance. */
static void test_documented_layout(void)
{
    CHECK_EQ(state_cipher_set_key(key), 0);
    uint8_t s[256], p[256], aad[40], tag[16];
    struct seal_binding b = binding(0x0102030405060708ull);
    size_t n = seal(s, sizeof(s), &b), len = n - 28;
    memcpy(aad, "NSVTPMSL", 8);
    put_be32(aad + 8, STATE_VERSION);
    put_be32(aad + 12, STATE_CIPHER_AES256GCM);
    put_be64(aad + 16, b.seq);
    memset(aad + 24, 0x5a, 16);
    memcpy(tag, s + 12 + len, 16);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int out = 0, fin = 0;
    CHECK(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, s) == 1);
    CHECK(EVP_DecryptUpdate(c, NULL, &out, aad, sizeof(aad)) == 1);
    CHECK(EVP_DecryptUpdate(c, p, &out, s + 12, (int)len) == 1);
    CHECK(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1);
    CHECK(EVP_DecryptFinal_ex(c, p + out, &fin) == 1);
    EVP_CIPHER_CTX_free(c);
    CHECK_EQ(out, sizeof(plain));
    CHECK(!memcmp(p, plain, sizeof(plain)));
}

static void test_nonces_are_fresh(void)
{
    CHECK_EQ(state_cipher_set_key(key), 0);
    uint8_t a[256], b2[256];
    struct seal_binding b = binding(1);
    seal(a, sizeof(a), &b);
    seal(b2, sizeof(b2), &b);
    CHECK(memcmp(a, b2, STATE_GCM_NONCE) != 0);
    CHECK(memcmp(a + STATE_GCM_NONCE, b2 + STATE_GCM_NONCE, sizeof(plain)) != 0);
}

/* Each field of the binding, the key, and every byte of the sealed payload
 * is checked: any change is a refusal with nothing returned. */
static void test_refusals(void)
{
    CHECK_EQ(state_cipher_set_key(key), 0);
    uint8_t s[256], p[256];
    struct seal_binding b = binding(9), x;
    size_t n = seal(s, sizeof(s), &b), m = 0;
    x = binding(10);
    CHECK_EQ(state_unseal(STATE_CIPHER_AES256GCM, &x, s, n, p, sizeof(p), &m), UNSEAL_REJECTED);
    x = binding(9);
    x.instance[15] ^= 1;
    CHECK_EQ(state_unseal(STATE_CIPHER_AES256GCM, &x, s, n, p, sizeof(p), &m), UNSEAL_REJECTED);
    x = binding(9);
    x.version = 1;
    CHECK_EQ(state_unseal(STATE_CIPHER_AES256GCM, &x, s, n, p, sizeof(p), &m), UNSEAL_REJECTED);
    for (size_t i = 0; i < n; i++) {
        s[i] ^= 0x80;
        memset(p, 0xee, sizeof(p));
        CHECK_EQ(state_unseal(STATE_CIPHER_AES256GCM, &b, s, n, p, sizeof(p), &m), UNSEAL_REJECTED);
        CHECK(memcmp(p, plain, 8) != 0); /* nothing of the plaintext handed out */
        s[i] ^= 0x80;
    }
    CHECK_EQ(state_unseal(STATE_CIPHER_AES256GCM, &b, s, 27, p, sizeof(p), &m), UNSEAL_MALFORMED);
    CHECK_EQ(state_unseal(7, &b, s, n, p, sizeof(p), &m), UNSEAL_UNKNOWN_CIPHER);
    uint8_t other[STATE_KEY_LEN] = {0x10, 0x20, 0x30, 0x40, 0x51};
    CHECK_EQ(state_cipher_set_key(other), 0);
    CHECK_EQ(state_unseal(STATE_CIPHER_AES256GCM, &b, s, n, p, sizeof(p), &m), UNSEAL_REJECTED);
    state_cipher_forget_key();
    CHECK_EQ(state_unseal(STATE_CIPHER_AES256GCM, &b, s, n, p, sizeof(p), &m), UNSEAL_NO_KEY);
    CHECK(!state_seal(STATE_CIPHER_AES256GCM, &b, plain, sizeof(plain), s, sizeof(s), &m));
    /* cipher none copies, with or without a key */
    CHECK_EQ(state_unseal(STATE_CIPHER_NONE, &b, plain, sizeof(plain), p, sizeof(p), &m), UNSEAL_OK);
    CHECK_EQ(m, sizeof(plain));
}

static void test_key_file_forms(void)
{
    uint8_t k[STATE_KEY_LEN], raw[STATE_KEY_LEN];
    char hex[2 * STATE_KEY_LEN + 2];
    for (unsigned i = 0; i < STATE_KEY_LEN; i++) {
        raw[i] = (uint8_t)(i * 7 + 0xa0);
        snprintf(hex + 2 * i, 3, "%02X", raw[i]);
    }
    CHECK_EQ(state_key_decode(raw, sizeof(raw), k), 0);
    CHECK(!memcmp(k, raw, sizeof(raw)));
    memset(k, 0, sizeof(k));
    CHECK_EQ(state_key_decode((uint8_t *)hex, 64, k), 0);
    CHECK(!memcmp(k, raw, sizeof(raw)));
    hex[64] = '\n';
    CHECK_EQ(state_key_decode((uint8_t *)hex, 65, k), 0);
    CHECK_EQ(state_key_decode((uint8_t *)hex, 63, k), -1);
    CHECK_EQ(state_key_decode(raw, 31, k), -1);
    CHECK_EQ(state_key_decode(raw, 33, k), -1);
    hex[64] = ' ';
    CHECK_EQ(state_key_decode((uint8_t *)hex, 65, k), -1);
    hex[10] = 'g';
    CHECK_EQ(state_key_decode((uint8_t *)hex, 64, k), -1);
}

/* K and the MAC from Python's hmac/hashlib (RFC 5869 by hand; the same K as
 * the `cryptography` package's HKDF the development KBS uses). */
static void test_counter_mac_vector(void)
{
    static const uint8_t want_k[32] = {
        0x39, 0xa7, 0xf6, 0x94, 0xf7, 0x01, 0xb2, 0x5a, 0xe6, 0x0a, 0x05, 0x7c, 0xa4, 0x6b, 0x39, 0x29,
        0x2a, 0xdc, 0xac, 0x3d, 0x29, 0x55, 0xb2, 0xea, 0x53, 0xb7, 0xf4, 0xb0, 0x5f, 0x46, 0x41, 0x3d};
    static const uint8_t want_mac[32] = {
        0xd1, 0xb0, 0x85, 0xa0, 0xb4, 0xd3, 0x22, 0xa9, 0x94, 0x6c, 0xc2, 0x8f, 0x26, 0xa7, 0x82, 0x19,
        0x77, 0x10, 0xb3, 0x79, 0x62, 0x9f, 0x60, 0x6e, 0x87, 0x02, 0xcb, 0xca, 0x35, 0x6e, 0x78, 0xc4};
    uint8_t sk[32], k[32], nonce[16], mac[32];
    for (int i = 0; i < 32; i++)
        sk[i] = (uint8_t)i;
    for (int i = 0; i < 16; i++)
        nonce[i] = (uint8_t)i;
    CHECK_EQ(counter_mac_key(sk, sizeof(sk), k), 0);
    CHECK(!memcmp(k, want_k, 32));
    struct counter_value v = {.value = 7};
    memset(v.tag, 0xaa, sizeof(v.tag));
    counter_mac(k, "vtpm", &v, nonce, mac);
    CHECK(!memcmp(mac, want_mac, 32));
}

/* An answer built like the KBS's is accepted; each field changed is not. */
static void test_counter_answers(void)
{
    uint8_t k[32] = {1}, nonce[16] = {2}, mac[32];
    struct counter_value v = {.value = 12}, cur;
    memset(v.tag, 0x33, sizeof(v.tag));
    counter_mac(k, "vtpm", &v, nonce, mac);
    char t64[48], n64[32], m64[48], line[512], why[160];
    b64url_encode(v.tag, 32, t64, sizeof(t64));
    b64url_encode(nonce, 16, n64, sizeof(n64));
    b64url_encode(mac, 32, m64, sizeof(m64));
    const char *fmt = "{\"status\": %d, \"body\": {\"instance\": \"%s\", \"value\": %llu, "
                      "\"tag\": \"%s\", \"nonce\": \"%s\", \"mac\": \"%s\", \"detail\": \"x\\\"y\"}}";
    snprintf(line, sizeof(line), fmt, 200, "vtpm", 12ull, t64, n64, m64);
    CHECK_EQ(counter_answer_parse(line, strlen(line), k, "vtpm", nonce, &cur, why, sizeof(why)),
             ANSWER_OK);
    CHECK_EQ(cur.value, 12);
    CHECK(!memcmp(cur.tag, v.tag, 32));
    snprintf(line, sizeof(line), fmt, 409, "vtpm", 12ull, t64, n64, m64);
    CHECK_EQ(counter_answer_parse(line, strlen(line), k, "vtpm", nonce, &cur, why, sizeof(why)),
             ANSWER_REFUSED);
    snprintf(line, sizeof(line), fmt, 200, "vtpm", 13ull, t64, n64, m64);
    CHECK_EQ(counter_answer_parse(line, strlen(line), k, "vtpm", nonce, &cur, why, sizeof(why)),
             ANSWER_FORGED);
    snprintf(line, sizeof(line), fmt, 200, "vtpm2", 12ull, t64, n64, m64);
    CHECK_EQ(counter_answer_parse(line, strlen(line), k, "vtpm", nonce, &cur, why, sizeof(why)),
             ANSWER_FORGED);
    uint8_t other[16] = {3};
    CHECK_EQ(counter_answer_parse(line, strlen(line), k, "vtpm", other, &cur, why, sizeof(why)),
             ANSWER_FORGED);
    snprintf(line, sizeof(line), "{\"status\":0,\"error\":\"connection refused\"}");
    CHECK_EQ(counter_answer_parse(line, strlen(line), k, "vtpm", nonce, &cur, why, sizeof(why)),
             ANSWER_UNREACHED);
    CHECK(!strcmp(why, "connection refused"));
    snprintf(line, sizeof(line), "{\"status\":401,\"body\":{\"detail\":\"no session\"}}");
    CHECK_EQ(counter_answer_parse(line, strlen(line), k, "vtpm", nonce, &cur, why, sizeof(why)),
             ANSWER_ERROR);
    CHECK(strstr(why, "401: no session") != NULL);
    snprintf(line, sizeof(line), "{\"status\":200,\"body\":{\"value\":1}");
    CHECK_EQ(counter_answer_parse(line, strlen(line), k, "vtpm", nonce, &cur, why, sizeof(why)),
             ANSWER_FORGED);
}

static void test_request_and_b64url(void)
{
    uint8_t nonce[16], back[16];
    for (int i = 0; i < 16; i++)
        nonce[i] = (uint8_t)(0xf0 + i);
    char n64[32], line[512];
    CHECK_EQ(b64url_encode(nonce, 16, n64, sizeof(n64)), 22);
    CHECK(strchr(n64, '+') == NULL && strchr(n64, '/') == NULL && strchr(n64, '=') == NULL);
    CHECK(b64url_decode_exact(n64, back, 16));
    CHECK(!memcmp(back, nonce, 16));
    CHECK(!b64url_decode_exact(n64, back, 15));
    n64[21] = '_'; /* non-zero unused bits: not canonical */
    CHECK(!b64url_decode_exact(n64, back, 16));
    struct counter_value v = {.value = 5};
    CHECK(counter_request(line, sizeof(line), "vtpm", nonce, &v));
    struct json_span body, f;
    uint64_t u;
    char op[16];
    CHECK(line[strlen(line) - 1] == '\n');
    CHECK(json_member((struct json_span){line, strlen(line) - 1}, "body", &body));
    CHECK(json_member(body, "op", &f) && json_string(f, op, sizeof(op)) && !strcmp(op, "advance"));
    CHECK(json_member(body, "value", &f) && json_u64(f, &u) && u == 5);
    CHECK(!counter_request(line, 40, "vtpm", nonce, &v));
    CHECK(counter_name_valid("vtpm-1.a_b") && !counter_name_valid("") && !counter_name_valid("a/b"));
    CHECK(!json_u64((struct json_span){"018", 3}, &u) && !json_u64((struct json_span){"-1", 2}, &u));
    CHECK(!json_u64((struct json_span){"18446744073709551616", 20}, &u));
}

int main(void)
{
    return unit_main("state_seal", (struct unit_test[]){
        UNIT(test_round_trip), UNIT(test_documented_layout), UNIT(test_nonces_are_fresh),
        UNIT(test_refusals), UNIT(test_key_file_forms), UNIT(test_counter_mac_vector),
        UNIT(test_counter_answers), UNIT(test_request_and_b64url), {0}});
}
