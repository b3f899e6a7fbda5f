/* aproxy/common/jwe.c, b64url.c and json_scan.c on the host, under ASan and
 * UBSan: the published test vectors of each building block (RFC 7516 A.1's
 * A256GCM step, RFC 7518 Appendix C's ECDH and Concat KDF, RFC 3394 4.6's AES
 * key unwrap), round trips with the development KBS's own wrapping (a separate
 * implementation in Python, aproxy/kbs-dev/kbsdev/jwe.py) for both key types,
 * JWEs built here from OpenSSL primitives with chosen headers, and refusals of
 * tampered, mis-keyed and malformed input. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "../../aproxy/common/b64url.h"
#include "../../aproxy/common/json_scan.h"
#include "../../aproxy/common/jwe.h"

static size_t b64u(const char *text, uint8_t *out, size_t cap)
{
    long n = b64url_decode(text, strlen(text), out, cap);
    if (n < 0)
        unit_fail(__FILE__, __LINE__, "bad base64url in a test vector: %s", text);
    return n < 0 ? 0 : (size_t)n;
}

/* --- RFC test vectors ------------------------------------------------------ */

static void test_rfc7516_a1_a256gcm(void)
{
    static const uint8_t cek[32] = { 177, 161, 244, 128, 84, 143, 225, 115, 63, 180, 3, 255, 107, 154, 212, 246,
                                     138, 7, 110, 91, 112, 46, 34, 105, 47, 130, 203, 46, 122, 234, 64, 252 };
    static const char protected_b64[] = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ";
    static const char plain[] = "The true sign of intelligence is not knowledge but imagination.";
    uint8_t iv[12], ct[128], tag[16], out[128];
    CHECK_EQ(b64u("48V1_ALb6US04U3b", iv, sizeof iv), 12);
    size_t ct_len = b64u("5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A", ct,
                         sizeof ct);
    CHECK_EQ(b64u("XFBoMYUZodetZdvTiFvSkQ", tag, sizeof tag), 16);
    CHECK_EQ(ct_len, strlen(plain));
    CHECK_EQ(jwe_a256gcm_decrypt(cek, iv, (const uint8_t *)protected_b64, strlen(protected_b64), ct, ct_len, tag, out), 0);
    CHECK(memcmp(out, plain, ct_len) == 0);
    tag[15] ^= 1;
    CHECK_EQ(jwe_a256gcm_decrypt(cek, iv, (const uint8_t *)protected_b64, strlen(protected_b64), ct, ct_len, tag, out), -1);
    for (size_t i = 0; i < ct_len; i++)
        CHECK_EQ(out[i], 0); /* nothing unauthenticated is left behind */
}

static EVP_PKEY *p256_from_jwk(const char *x, const char *y, const char *d)
{
    uint8_t point[65], priv[32];
    point[0] = 4;
    b64u(x, point + 1, 32);
    b64u(y, point + 33, 32);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *bn = NULL;
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point);
    if (d) {
        bn = BN_bin2bn(priv, (int)b64u(d, priv, sizeof priv), NULL);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn);
    }
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;
    EVP_PKEY_fromdata_init(ctx);
    EVP_PKEY_fromdata(ctx, &key, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    CHECK(key != NULL);
    return key;
}

static void test_rfc7518_c_ecdh_concat_kdf(void)
{
    static const uint8_t want_z[32] = { 158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156,
                                        251, 49, 110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196 };
    EVP_PKEY *bob = p256_from_jwk("weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",
                                  "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck",
                                  "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw");
    EVP_PKEY *alice = p256_from_jwk("gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
                                    "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps", NULL);
    uint8_t z[32], key[16], want[16];
    size_t z_len = sizeof z;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(bob, NULL);
    CHECK(EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, alice) > 0
          && EVP_PKEY_derive(ctx, z, &z_len) > 0);
    CHECK(z_len == 32 && memcmp(z, want_z, 32) == 0);
    CHECK_EQ(jwe_concat_kdf(z, 32, "A128GCM", (const uint8_t *)"Alice", 5, (const uint8_t *)"Bob", 3, key, 16), 0);
    b64u("VqqN6vgjbSBcIijNcacQGg", want, sizeof want);
    CHECK(memcmp(key, want, 16) == 0);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(alice);
    EVP_PKEY_free(bob);
}

static void test_rfc3394_4_6_aes256_unwrap(void)
{
    uint8_t kek[32], wrapped[40], key[32];
    for (int i = 0; i < 32; i++)
        kek[i] = (uint8_t)i;
    static const char wrapped_hex[] = "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21";
    static const uint8_t want[32] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA,
                                      0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
                                      0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F };
    for (int i = 0; i < 40; i++)
        sscanf(wrapped_hex + 2 * i, "%2hhx", &wrapped[i]);
    CHECK_EQ(jwe_aes256_unwrap(kek, wrapped, key), 0);
    CHECK(memcmp(key, want, 32) == 0);
    wrapped[0] ^= 1;
    CHECK_EQ(jwe_aes256_unwrap(kek, wrapped, key), -1);
}

/* --- the tee-pubkey JWK and round trips with the development KBS ------------ */

/* Two RSA-3072 keys from jwe_generate_key, made once in main: each takes
 * seconds to generate (the tests spent 6 to 23 s on four of them), and
 * every test runs in a child process that inherits them (unit.c). */
static EVP_PKEY *rsa_key, *rsa_other;

static void test_public_jwk_shapes(void)
{
    char jwk[2048], why[JWE_WHY_LEN];
    EVP_PKEY *ec = jwe_generate_key(JWE_KEY_EC_P256);
    long n = jwe_public_jwk(ec, jwk, sizeof jwk, why, sizeof why);
    CHECK(n > 0 && (size_t)n == strlen(jwk));
    CHECK(strncmp(jwk, "{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"", 54) == 0);
    CHECK_EQ(n, 54 + 43 + 7 + 43 + 2); /* 32-byte coordinates are 43 characters */
    CHECK_EQ(jwe_public_jwk(ec, jwk, 60, why, sizeof why), -1);
    n = jwe_public_jwk(rsa_key, jwk, sizeof jwk, why, sizeof why);
    CHECK(n > 0 && strncmp(jwk, "{\"alg\":\"RSA-OAEP-256\",\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"", 50) == 0);
    CHECK_EQ(n, 50 + 512 + 2); /* a 384-byte modulus is 512 characters */
    EVP_PKEY_free(ec);
}

/* The development KBS's JWE of `plain` for `key`'s JWK (NULL on failure). */
static char *kbs_wrap(EVP_PKEY *key, const uint8_t *plain, size_t len)
{
    char jwk[2048], why[JWE_WHY_LEN];
    if (jwe_public_jwk(key, jwk, sizeof jwk, why, sizeof why) < 0)
        return NULL;
    size_t cmd_cap = 4096 + 2 * len;
    char *cmd = malloc(cmd_cap);
    int o = snprintf(cmd, cmd_cap, "/usr/bin/python3 tests/unit/jwe_kbs_wrap.py '%s' '", jwk);
    for (size_t i = 0; i < len; i++)
        o += snprintf(cmd + o, cmd_cap - (size_t)o, "%02x", plain[i]);
    snprintf(cmd + o, cmd_cap - (size_t)o, "'");
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return NULL;
    size_t cap = 16384 + 2 * len, got = 0;
    char *out = malloc(cap);
    size_t r;
    while ((r = fread(out + got, 1, cap - 1 - got, p)) > 0)
        got += r;
    out[got] = '\0';
    if (pclose(p) != 0 || got == 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* other: a second key of key's type, which must not open key's JWEs. */
static void round_trip(EVP_PKEY *key, EVP_PKEY *other)
{
    static const size_t sizes[] = { 0, 1, 32, 1000 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint8_t plain[1000], out[1000];
        size_t out_len = 0;
        char why[JWE_WHY_LEN];
        RAND_bytes(plain, (int)sizeof plain);
        char *jwe = kbs_wrap(key, plain, sizes[s]);
        CHECK(jwe != NULL);
        if (!jwe)
            continue;
        int rc = jwe_decrypt_flattened(key, jwe, strlen(jwe), out, sizeof out, &out_len, why, sizeof why);
        if (rc != 0)
            unit_fail(__FILE__, __LINE__, "%zu-byte payload: %s", sizes[s], why);
        CHECK(out_len == sizes[s] && memcmp(out, plain, out_len) == 0);
        CHECK_EQ(jwe_decrypt_flattened(other, jwe, strlen(jwe), out, sizeof out, &out_len, why, sizeof why), -1);
        CHECK(strcmp(why, "decryption failed") == 0);
        if (sizes[s] > 1)
            CHECK_EQ(jwe_decrypt_flattened(key, jwe, strlen(jwe), out, sizes[s] - 1, &out_len, why, sizeof why), -1);
        /* Every member's first character changed: refused, whichever it is. */
        static const char *members[] = { "\"protected\": \"", "\"encrypted_key\": \"", "\"iv\": \"",
                                         "\"ciphertext\": \"", "\"tag\": \"" };
        for (size_t m = 0; m < 5; m++) {
            char *at = strstr(jwe, members[m]);
            CHECK(at != NULL);
            if (!at)
                continue;
            at += strlen(members[m]);
            if (*at == '"')
                continue; /* an empty ciphertext has no character to change */
            char saved = *at;
            *at = saved == 'A' ? 'B' : 'A';
            CHECK_EQ(jwe_decrypt_flattened(key, jwe, strlen(jwe), out, sizeof out, &out_len, why, sizeof why), -1);
            *at = saved;
        }
        free(jwe);
    }
}

static void test_round_trip_kbs_ecdh_es_a256kw(void)
{
    EVP_PKEY *key = jwe_generate_key(JWE_KEY_EC_P256), *other = jwe_generate_key(JWE_KEY_EC_P256);
    round_trip(key, other);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
}

static void test_round_trip_kbs_rsa_oaep_256(void)
{
    round_trip(rsa_key, rsa_other);
}

/* --- JWEs built here from OpenSSL primitives, with chosen headers ----------- */

/* An ECDH-ES+A256KW JWE for `to` whose protected header is `header_fmt` with the
 * epk JWK substituted for %s; `extra` is appended inside the top-level object;
 * `aad`, if not NULL, is sent as the "aad" member and authenticated. */
static char *openssl_jwe(EVP_PKEY *to, const char *header_fmt, const char *plain, const char *extra,
                         const char *aad)
{
    EVP_PKEY *eph = jwe_generate_key(JWE_KEY_EC_P256);
    char epk[256], why[JWE_WHY_LEN], header[1024];
    jwe_public_jwk(eph, epk, sizeof epk, why, sizeof why);
    /* The epk in the header is the ephemeral key without "alg" (RFC 7518 4.6.1.1). */
    char *crv = strstr(epk, "\"crv\"");
    char epk_noalg[256];
    snprintf(epk_noalg, sizeof epk_noalg, "{%s", crv);
    snprintf(header, sizeof header, header_fmt, epk_noalg);

    uint8_t z[32], kek[32], cek[32], wrapped[40], iv[12], tag[16], ct[256];
    size_t z_len = sizeof z;
    EVP_PKEY_CTX *dctx = EVP_PKEY_CTX_new(eph, NULL);
    EVP_PKEY_derive_init(dctx);
    EVP_PKEY_derive_set_peer(dctx, to);
    EVP_PKEY_derive(dctx, z, &z_len);
    EVP_PKEY_CTX_free(dctx);
    jwe_concat_kdf(z, 32, "ECDH-ES+A256KW", NULL, 0, NULL, 0, kek, 32);
    RAND_bytes(cek, 32);
    RAND_bytes(iv, 12);
    int len = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    EVP_EncryptInit_ex(c, EVP_aes_256_wrap(), NULL, kek, NULL);
    EVP_EncryptUpdate(c, wrapped, &len, cek, 32);
    EVP_CIPHER_CTX_free(c);

    char prot[1500];
    b64url_encode((const uint8_t *)header, strlen(header), prot, sizeof prot);
    c = EVP_CIPHER_CTX_new();
    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, cek, iv);
    EVP_EncryptUpdate(c, NULL, &len, (const uint8_t *)prot, (int)strlen(prot));
    if (aad) {
        EVP_EncryptUpdate(c, NULL, &len, (const uint8_t *)".", 1);
        EVP_EncryptUpdate(c, NULL, &len, (const uint8_t *)aad, (int)strlen(aad));
    }
    EVP_EncryptUpdate(c, ct, &len, (const uint8_t *)plain, (int)strlen(plain));
    EVP_EncryptFinal_ex(c, ct + len, &len);
    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
    EVP_CIPHER_CTX_free(c);

    char ek_s[64], iv_s[32], ct_s[512], tag_s[32];
    b64url_encode(wrapped, 40, ek_s, sizeof ek_s);
    b64url_encode(iv, 12, iv_s, sizeof iv_s);
    b64url_encode(ct, strlen(plain), ct_s, sizeof ct_s);
    b64url_encode(tag, 16, tag_s, sizeof tag_s);
    char *out = malloc(4096);
    snprintf(out, 4096, "{\"protected\":\"%s\",\"encrypted_key\":\"%s\",\"iv\":\"%s\",\"ciphertext\":\"%s\","
             "\"tag\":\"%s\"%s%s%s%s}", prot, ek_s, iv_s, ct_s, tag_s, extra, aad ? ",\"aad\":\"" : "",
             aad ? aad : "", aad ? "\"" : "");
    EVP_PKEY_free(eph);
    return out;
}

static int try_decrypt(EVP_PKEY *key, const char *jwe, char *why)
{
    uint8_t out[256];
    size_t out_len;
    int rc = jwe_decrypt_flattened(key, jwe, strlen(jwe), out, sizeof out, &out_len, why, JWE_WHY_LEN);
    if (rc == 0 && (out_len != 5 || memcmp(out, "hello", 5) != 0))
        return -2;
    return rc;
}

static void test_openssl_built_jwe_and_header_checks(void)
{
    EVP_PKEY *key = jwe_generate_key(JWE_KEY_EC_P256);
    char why[JWE_WHY_LEN];
    struct {
        const char *header, *extra;
        int want;
        const char *why_part;
    } cases[] = {
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":%s}", "", 0, "" },
        { "{\"enc\":\"A256GCM\",\"epk\":%s,\"alg\":\"ECDH-ES+A256KW\",\"kid\":[1,{\"a\":null}]}", "", 0, "" },
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A128GCM\",\"epk\":%s}", "", -1, "enc" },
        { "{\"alg\":\"RSA1_5\",\"enc\":\"A256GCM\",\"epk\":%s}", "", -1, "alg" },
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":%s,\"zip\":\"DEF\"}", "", -1, "zip" },
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":%s,\"crit\":[\"x\"]}", "", -1, "crit" },
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"alg\":\"RSA-OAEP-256\",\"epk\":%s}", "", -1, "protected" },
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":%s}", ",\"header\":{}", -1, "unprotected" },
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":%s}", ",\"aad\":\"AAAA\"", -1, "decryption" },
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":%s}", ",\"tag\":\"x\"", -1, "JSON" },
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":%s,\"apu\":\"QWxpY2U\"}", "", -1, "decryption" },
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epx\":%s}", "", -1, "epk" },
        /* An epk off the curve (x = y = 1): the invalid-curve attack must stop at the point check. */
        { "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":{\"kty\":\"EC\",\"crv\":\"P-256\","
          "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\",\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}}%.0s",
          "", -1, "point" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *jwe = openssl_jwe(key, cases[i].header, "hello", cases[i].extra, NULL);
        why[0] = '\0';
        int rc = try_decrypt(key, jwe, why);
        if (rc != cases[i].want || !strstr(why, cases[i].why_part))
            unit_fail(__FILE__, __LINE__, "case %zu: rc %d (want %d), why \"%s\" (want \"%s\")", i, rc,
                      cases[i].want, why, cases[i].why_part);
        free(jwe);
    }
    /* An authenticated "aad" member opens; the same JWE without it does not. */
    char *with_aad = openssl_jwe(key, "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":%s}", "hello", "",
                                 "c2lkZSBkYXRh");
    CHECK_EQ(try_decrypt(key, with_aad, why), 0);
    char *cut = strstr(with_aad, ",\"aad\"");
    strcpy(cut, "}");
    CHECK_EQ(try_decrypt(key, with_aad, why), -1);
    free(with_aad);
    /* An RSA key cannot open an ECDH JWE, whatever the JWE says. */
    char *jwe = openssl_jwe(key, "{\"alg\":\"ECDH-ES+A256KW\",\"enc\":\"A256GCM\",\"epk\":%s}", "hello", "", NULL);
    CHECK_EQ(try_decrypt(rsa_key, jwe, why), -1);
    CHECK(strstr(why, "P-256") != NULL);
    free(jwe);
    EVP_PKEY_free(key);
}

static void test_malformed_jwe_text(void)
{
    EVP_PKEY *key = jwe_generate_key(JWE_KEY_EC_P256);
    static const char *bad[] = {
        "", "{", "[]", "null", "{\"protected\":1}", "{\"protected\":\"\"}", "{\"protected\":\"e30\"} x",
        "{\"protected\":\"e30\",\"encrypted_key\":\"\",\"iv\":\"\",\"ciphertext\":\"\",\"tag\":\"\"}",
        "{\"protected\":\"e30\" \"iv\":\"\"}", "{\"a\":\"\\u00\"}", "{\"a\":\"\\ud800\"}", "{\"a\":01}",
        "{\"a\":[1,]}", "{\"a\":tru}", "{\"a\":\"\x01\"}",
        "{\"protected\":\"e30=\",\"encrypted_key\":\"\",\"iv\":\"\",\"ciphertext\":\"\",\"tag\":\"\"}",
    };
    uint8_t out[64];
    size_t out_len;
    char why[JWE_WHY_LEN];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        if (jwe_decrypt_flattened(key, bad[i], strlen(bad[i]), out, sizeof out, &out_len, why, sizeof why) != -1
            || why[0] == '\0')
            unit_fail(__FILE__, __LINE__, "malformed JWE %zu accepted or refused without a reason", i);
    }
    /* Nesting past the limit is refused, not recursed into. */
    char deep[200];
    int o = snprintf(deep, sizeof deep, "{\"a\":");
    for (int i = 0; i < 40; i++)
        deep[o++] = '[';
    for (int i = 0; i < 40; i++)
        deep[o++] = ']';
    deep[o++] = '}';
    CHECK_EQ(jwe_decrypt_flattened(key, deep, (size_t)o, out, sizeof out, &out_len, why, sizeof why), -1);
    char *huge = calloc(JWE_MAX_JSON + 2, 1);
    memset(huge, ' ', JWE_MAX_JSON + 1);
    CHECK_EQ(jwe_decrypt_flattened(key, huge, JWE_MAX_JSON + 1, out, sizeof out, &out_len, why, sizeof why), -1);
    CHECK(strstr(why, "larger") != NULL);
    free(huge);
    EVP_PKEY_free(key);
}

/* --- the parts: base64url and the JSON reader ------------------------------- */

static void test_b64url_strict(void)
{
    uint8_t out[16];
    char text[32];
    CHECK_EQ(b64url_decode("QWxpY2U", 7, out, sizeof out), 5);
    CHECK(memcmp(out, "Alice", 5) == 0);
    CHECK_EQ(b64url_decode("QWxpY2V", 7, out, sizeof out), -1);  /* non-zero spare bits */
    CHECK_EQ(b64url_decode("QWxpY2U=", 8, out, sizeof out), -1); /* padding */
    CHECK_EQ(b64url_decode("QWx+Y2U", 7, out, sizeof out), -1);  /* the standard alphabet */
    CHECK_EQ(b64url_decode("Q", 1, out, sizeof out), -1);
    CHECK_EQ(b64url_decode("QWxpY2U", 7, out, 4), -1);           /* does not fit */
    CHECK_EQ(b64url_decode("", 0, out, 0), 0);
    CHECK_EQ(b64url_encode((const uint8_t *)"Bob", 3, text, sizeof text), 4);
    CHECK(strcmp(text, "Qm9i") == 0);
    CHECK_EQ(b64url_encode((const uint8_t *)"\xfb\xff", 2, text, sizeof text), 3);
    CHECK(strcmp(text, "-_8") == 0);
    CHECK_EQ(b64url_encode((const uint8_t *)"Bob", 3, text, 4), -1);
    for (size_t n = 0; n < 10; n++) {
        uint8_t in[10], back[10];
        RAND_bytes(in, (int)n);
        long e = b64url_encode(in, n, text, sizeof text);
        CHECK(e == (long)B64URL_ENCODED_LEN(n));
        CHECK(b64url_decode(text, (size_t)e, back, sizeof back) == (long)n && memcmp(in, back, n) == 0);
    }
}

static void test_json_members_and_strings(void)
{
    struct json_member m[4];
    size_t n;
    const char *text = " {\"a\" : \"x\\\"y\\u00e9\\ud83d\\ude00\", \"b\":{\"c\":[1,2.5e3,true]}, \"\\u0063\":null } ";
    CHECK_EQ(json_object_members(text, strlen(text), m, 4, &n), 0);
    CHECK_EQ(n, 3);
    char s[32];
    CHECK_EQ(json_string_decode(m[0].value, m[0].value_len, s, sizeof s - 1), 9);
    CHECK(strcmp(s, "x\"y\xc3\xa9\xf0\x9f\x98\x80") == 0);
    CHECK(m[1].kind == JSON_OBJECT && m[1].value_len == strlen("{\"c\":[1,2.5e3,true]}"));
    CHECK(json_find(m, n, "c") && json_find(m, n, "c")->kind == JSON_LITERAL); /* escaped name decoded */
    CHECK(json_find(m, n, "d") == NULL);
    CHECK_EQ(json_object_members("{\"a\":1,\"a\":2}", 13, m, 4, &n), -1);        /* duplicate */
    CHECK_EQ(json_object_members("{\"a\":1,\"b\":2,\"c\":3}", 19, m, 2, &n), -1); /* too many */
    CHECK_EQ(json_string_decode("abc", 3, s, 2), -1);                             /* does not fit */
}

int main(void)
{
    rsa_key = jwe_generate_key(JWE_KEY_RSA_3072);
    rsa_other = jwe_generate_key(JWE_KEY_RSA_3072);
    if (!rsa_key || !rsa_other) {
        printf("FAIL jwe/generate-rsa-3072-keys: jwe_generate_key returned NULL\n");
        return 1;
    }
    return unit_main("jwe", (struct unit_test[]){
        UNIT(test_rfc7516_a1_a256gcm),
        UNIT(test_rfc7518_c_ecdh_concat_kdf),
        UNIT(test_rfc3394_4_6_aes256_unwrap),
        UNIT(test_public_jwk_shapes),
        UNIT(test_round_trip_kbs_ecdh_es_a256kw),
        UNIT(test_round_trip_kbs_rsa_oaep_256),
        UNIT(test_openssl_built_jwe_and_header_checks),
        UNIT(test_malformed_jwe_text),
        UNIT(test_b64url_strict),
        UNIT(test_json_members_and_strings),
        {0},
    });
}
