/* Flattened JWE unwrapping and the tee-pubkey JWK (jwe.h). */
#include "jwe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "json_scan.h"

#define MAX_MEMBERS 16
#define MAX_HEADER 4096          /* a decoded protected header: an epk and a few names */
#define MAX_PARTY_INFO 256       /* apu / apv */
#define MAX_RSA_BYTES 1024       /* an 8192-bit modulus */
#define CEK_LEN 32
#define IV_LEN 12
#define TAG_LEN 16
#define P256_COORD 32

static int fail(char *why, size_t why_len, const char *fmt, ...)
{
    if (why && why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

EVP_PKEY *jwe_generate_key(enum jwe_key_type type)
{
    switch (type) {
    case JWE_KEY_EC_P256:
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    case JWE_KEY_RSA_3072:
        return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
    }
    return NULL;
}

static int is_p256(EVP_PKEY *key)
{
    char group[32];
    return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC
        && EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL)
        && strcmp(group, "prime256v1") == 0;
}

/* Appends "name":"<b64url of data>" and a separator to out at *o. */
static int put_b64_member(char *out, size_t cap, size_t *o, const char *name, const uint8_t *data, size_t len,
                          const char *after)
{
    int n = snprintf(out + *o, cap - *o, "\"%s\":\"", name);
    if (n < 0 || (size_t)n >= cap - *o)
        return -1;
    *o += (size_t)n;
    long e = b64url_encode(data, len, out + *o, cap - *o);
    if (e < 0)
        return -1;
    *o += (size_t)e;
    n = snprintf(out + *o, cap - *o, "\"%s", after);
    if (n < 0 || (size_t)n >= cap - *o)
        return -1;
    *o += (size_t)n;
    return 0;
}

static long bn_param(EVP_PKEY *key, const char *name, uint8_t *buf, size_t cap)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(key, name, &bn))
        return -1;
    long n = (size_t)BN_num_bytes(bn) <= cap ? BN_bn2bin(bn, buf) : -1;
    BN_free(bn);
    return n;
}

long jwe_public_jwk(EVP_PKEY *key, char *out, size_t cap, char *why, size_t why_len)
{
    size_t o = 0;
    if (is_p256(key)) {
        uint8_t point[1 + 2 * P256_COORD];
        size_t point_len = 0;
        if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &point_len)
            || point_len != sizeof point || point[0] != 0x04)
            return fail(why, why_len, "cannot read the P-256 public point");
        int n = snprintf(out, cap, "{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",");
        if (n < 0 || (size_t)n >= cap)
            return fail(why, why_len, "JWK buffer too small");
        o = (size_t)n;
        if (put_b64_member(out, cap, &o, "x", point + 1, P256_COORD, ",") < 0
            || put_b64_member(out, cap, &o, "y", point + 1 + P256_COORD, P256_COORD, "}") < 0)
            return fail(why, why_len, "JWK buffer too small");
        return (long)o;
    }
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        uint8_t n_buf[MAX_RSA_BYTES], e_buf[8];
        long n_len = bn_param(key, OSSL_PKEY_PARAM_RSA_N, n_buf, sizeof n_buf);
        long e_len = bn_param(key, OSSL_PKEY_PARAM_RSA_E, e_buf, sizeof e_buf);
        if (n_len <= 0 || e_len <= 0)
            return fail(why, why_len, "cannot read the RSA public key (or it is over 8192 bits)");
        int n = snprintf(out, cap, "{\"alg\":\"RSA-OAEP-256\",");
        if (n < 0 || (size_t)n >= cap)
            return fail(why, why_len, "JWK buffer too small");
        o = (size_t)n;
        if (put_b64_member(out, cap, &o, "e", e_buf, (size_t)e_len, ",") < 0)
            return fail(why, why_len, "JWK buffer too small");
        n = snprintf(out + o, cap - o, "\"kty\":\"RSA\",");
        if (n < 0 || (size_t)n >= cap - o)
            return fail(why, why_len, "JWK buffer too small");
        o += (size_t)n;
        if (put_b64_member(out, cap, &o, "n", n_buf, (size_t)n_len, "}") < 0)
            return fail(why, why_len, "JWK buffer too small");
        return (long)o;
    }
    return fail(why, why_len, "the key is neither P-256 nor RSA");
}

int jwe_concat_kdf(const uint8_t *z, size_t z_len, const char *alg, const uint8_t *apu, size_t apu_len,
                   const uint8_t *apv, size_t apv_len, uint8_t *out, size_t out_len)
{
    uint8_t block[32];
    size_t alg_len = strlen(alg);
    uint32_t rounds = (uint32_t)((out_len + sizeof block - 1) / sizeof block);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = md ? 0 : -1;
    for (uint32_t round = 1; rc == 0 && round <= rounds; round++) {
        /* Every length is a 32-bit big-endian prefix (RFC 7518 4.6.2). */
        uint8_t be[4][4];
        uint32_t values[4] = { round, (uint32_t)alg_len, (uint32_t)apu_len, (uint32_t)apv_len };
        for (int i = 0; i < 4; i++)
            for (int b = 0; b < 4; b++)
                be[i][b] = (uint8_t)(values[i] >> (24 - 8 * b));
        uint32_t bits = (uint32_t)out_len * 8;
        uint8_t supp[4] = { (uint8_t)(bits >> 24), (uint8_t)(bits >> 16), (uint8_t)(bits >> 8), (uint8_t)bits };
        if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL) || !EVP_DigestUpdate(md, be[0], 4)
            || !EVP_DigestUpdate(md, z, z_len) || !EVP_DigestUpdate(md, be[1], 4)
            || !EVP_DigestUpdate(md, alg, alg_len) || !EVP_DigestUpdate(md, be[2], 4)
            || !EVP_DigestUpdate(md, apu, apu_len) || !EVP_DigestUpdate(md, be[3], 4)
            || !EVP_DigestUpdate(md, apv, apv_len) || !EVP_DigestUpdate(md, supp, 4)
            || !EVP_DigestFinal_ex(md, block, NULL)) {
            rc = -1;
            break;
        }
        size_t off = (round - 1) * sizeof block;
        size_t take = out_len - off < sizeof block ? out_len - off : sizeof block;
        memcpy(out + off, block, take);
    }
    EVP_MD_CTX_free(md);
    OPENSSL_cleanse(block, sizeof block);
    return rc;
}

int jwe_aes256_unwrap(const uint8_t kek[32], const uint8_t wrapped[40], uint8_t key[32])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0, ok = 0;
    if (ctx) {
        EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
        uint8_t buf[40]; /* the unwrap may write up to the input's size */
        ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_wrap(), NULL, kek, NULL)
            && EVP_DecryptUpdate(ctx, buf, &len, wrapped, 40) > 0 && len == 32
            && EVP_DecryptFinal_ex(ctx, buf + len, &fin) > 0 && fin == 0;
        if (ok)
            memcpy(key, buf, 32);
        OPENSSL_cleanse(buf, sizeof buf);
        EVP_CIPHER_CTX_free(ctx);
    }
    return ok ? 0 : -1;
}

int jwe_a256gcm_decrypt(const uint8_t cek[32], const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                        const uint8_t *ct, size_t ct_len, const uint8_t tag[16], uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, ok = 0;
    if (ctx && ct_len <= (size_t)INT32_MAX && aad_len <= (size_t)INT32_MAX) {
        ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL)
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL)
            && EVP_DecryptInit_ex(ctx, NULL, NULL, cek, iv)
            && EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)aad_len)
            && (ct_len == 0 || EVP_DecryptUpdate(ctx, out, &len, ct, (int)ct_len))
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)tag)
            && EVP_DecryptFinal_ex(ctx, out + (ct_len ? len : 0), &len) > 0;
    }
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        OPENSSL_cleanse(out, ct_len); /* no unauthenticated plaintext leaves */
    return ok ? 0 : -1;
}

/* Decodes a base64url string member into a fresh buffer of exactly the decoded size. */
static uint8_t *member_bytes(const struct json_member *m, size_t *len)
{
    if (!m || m->kind != JSON_STRING)
        return NULL;
    size_t cap = B64URL_DECODED_MAX(m->value_len);
    uint8_t *buf = malloc(cap ? cap : 1);
    long n = buf ? b64url_decode(m->value, m->value_len, buf, cap) : -1;
    if (n < 0) {
        free(buf);
        return NULL;
    }
    *len = (size_t)n;
    return buf;
}

/* The P-256 public key of an "epk" member: {"kty":"EC","crv":"P-256","x":..,"y":..}. */
static EVP_PKEY *epk_key(const struct json_member *epk, char *why, size_t why_len)
{
    struct json_member m[MAX_MEMBERS];
    size_t count;
    if (!epk || epk->kind != JSON_OBJECT
        || json_object_members(epk->value, epk->value_len, m, MAX_MEMBERS, &count) < 0) {
        fail(why, why_len, "protected header: \"epk\" is missing or not a JWK object");
        return NULL;
    }
    if (!json_string_is(json_find(m, count, "kty"), "EC") || !json_string_is(json_find(m, count, "crv"), "P-256")) {
        fail(why, why_len, "protected header: \"epk\" is not a P-256 EC key");
        return NULL;
    }
    uint8_t point[1 + 2 * P256_COORD];
    point[0] = 0x04;
    const struct json_member *x = json_find(m, count, "x"), *y = json_find(m, count, "y");
    if (!x || !y || x->kind != JSON_STRING || y->kind != JSON_STRING
        || b64url_decode(x->value, x->value_len, point + 1, P256_COORD) != P256_COORD
        || b64url_decode(y->value, y->value_len, point + 1 + P256_COORD, P256_COORD) != P256_COORD) {
        fail(why, why_len, "protected header: \"epk\" coordinates are not 32-byte base64url");
        return NULL;
    }
    EVP_PKEY *peer = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (bld && ctx && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0)
        && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point)
        && (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0
        && EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params) > 0) {
        /* fromdata decodes the point, which fails off the curve. */
    } else {
        fail(why, why_len, "protected header: \"epk\" is not a point on P-256");
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return peer;
}

/* Optional base64url apu/apv header member -> bytes (len 0 when absent). */
static int party_info(const struct json_member *m, uint8_t *buf, size_t *len)
{
    *len = 0;
    if (!m)
        return 0;
    if (m->kind != JSON_STRING)
        return -1;
    long n = b64url_decode(m->value, m->value_len, buf, MAX_PARTY_INFO);
    if (n < 0)
        return -1;
    *len = (size_t)n;
    return 0;
}

/* ECDH-ES+A256KW: the CEK from the header's epk and our P-256 key. */
static int unwrap_ecdh(EVP_PKEY *key, const struct json_member *hdr, size_t count, const uint8_t *ek,
                       size_t ek_len, uint8_t cek[CEK_LEN], char *why, size_t why_len)
{
    if (!is_p256(key))
        return fail(why, why_len, "ECDH-ES+A256KW needs a P-256 key, and ours is not one");
    if (ek_len != CEK_LEN + 8)
        return fail(why, why_len, "encrypted_key: %zu bytes, an A256KW-wrapped key has 40", ek_len);
    uint8_t apu[MAX_PARTY_INFO], apv[MAX_PARTY_INFO];
    size_t apu_len, apv_len;
    if (party_info(json_find(hdr, count, "apu"), apu, &apu_len) < 0
        || party_info(json_find(hdr, count, "apv"), apv, &apv_len) < 0)
        return fail(why, why_len, "protected header: \"apu\"/\"apv\" not base64url of at most %d bytes",
                    MAX_PARTY_INFO);
    EVP_PKEY *peer = epk_key(json_find(hdr, count, "epk"), why, why_len);
    if (!peer)
        return -1;
    uint8_t z[P256_COORD], kek[32];
    size_t z_len = sizeof z;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    int ok = ctx && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) > 0
        && EVP_PKEY_derive(ctx, z, &z_len) > 0 && z_len == sizeof z
        && jwe_concat_kdf(z, z_len, "ECDH-ES+A256KW", apu, apu_len, apv, apv_len, kek, sizeof kek) == 0
        && jwe_aes256_unwrap(kek, ek, cek) == 0;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    OPENSSL_cleanse(z, sizeof z);
    OPENSSL_cleanse(kek, sizeof kek);
    return ok ? 0 : fail(why, why_len, "decryption failed");
}

/* RSA-OAEP-256: the CEK decrypted with our RSA key.  A padding failure does not
 * return early: a random CEK takes its place and the GCM tag check fails, so a
 * caller cannot tell a bad padding from a bad tag (RFC 7516 section 11.5). */
static int unwrap_rsa(EVP_PKEY *key, const uint8_t *ek, size_t ek_len, uint8_t cek[CEK_LEN], char *why,
                      size_t why_len)
{
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        return fail(why, why_len, "RSA-OAEP-256 needs an RSA key, and ours is not one");
    uint8_t buf[MAX_RSA_BYTES];
    size_t len = sizeof buf;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    int ok = ctx && ek_len <= sizeof buf && EVP_PKEY_decrypt_init(ctx) > 0
        && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0
        && EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) > 0
        && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) > 0
        && EVP_PKEY_decrypt(ctx, buf, &len, ek, ek_len) > 0 && len == CEK_LEN;
    EVP_PKEY_CTX_free(ctx);
    if (ok)
        memcpy(cek, buf, CEK_LEN);
    else if (RAND_bytes(cek, CEK_LEN) != 1)
        return fail(why, why_len, "no randomness");
    OPENSSL_cleanse(buf, sizeof buf);
    return 0;
}

int jwe_decrypt_flattened(EVP_PKEY *key, const char *json, size_t len, uint8_t *out, size_t cap,
                          size_t *out_len, char *why, size_t why_len)
{
    struct json_member top[MAX_MEMBERS], hdr[MAX_MEMBERS];
    size_t top_n, hdr_n;
    uint8_t cek[CEK_LEN];
    uint8_t *ek = NULL, *iv = NULL, *ct = NULL, *tag = NULL, *aad = NULL, *hdr_json = NULL;
    size_t ek_len = 0, iv_len = 0, ct_len = 0, tag_len = 0, hdr_len = 0;
    int rc = -1;

    *out_len = 0;
    if (len > JWE_MAX_JSON)
        return fail(why, why_len, "JWE larger than %u bytes", JWE_MAX_JSON);
    if (json_object_members(json, len, top, MAX_MEMBERS, &top_n) < 0)
        return fail(why, why_len, "JWE is not a JSON object (or names a member twice)");
    if (json_find(top, top_n, "header") || json_find(top, top_n, "unprotected"))
        return fail(why, why_len, "JWE has unprotected header members; only \"protected\" is accepted");
    const struct json_member *prot = json_find(top, top_n, "protected");
    const struct json_member *aad_m = json_find(top, top_n, "aad");
    if (!prot || prot->kind != JSON_STRING || prot->value_len == 0)
        return fail(why, why_len, "JWE has no \"protected\" header");
    if (aad_m && aad_m->kind != JSON_STRING)
        return fail(why, why_len, "JWE \"aad\" is not a string");

    hdr_json = member_bytes(prot, &hdr_len);
    ek = member_bytes(json_find(top, top_n, "encrypted_key"), &ek_len);
    iv = member_bytes(json_find(top, top_n, "iv"), &iv_len);
    ct = member_bytes(json_find(top, top_n, "ciphertext"), &ct_len);
    tag = member_bytes(json_find(top, top_n, "tag"), &tag_len);
    if (!hdr_json || !ek || !iv || !ct || !tag) {
        fail(why, why_len, "JWE lacks protected, encrypted_key, iv, ciphertext or tag as base64url");
        goto out;
    }
    if (hdr_len > MAX_HEADER || json_object_members((const char *)hdr_json, hdr_len, hdr, MAX_MEMBERS, &hdr_n) < 0) {
        fail(why, why_len, "protected header is not a JSON object of at most %d bytes", MAX_HEADER);
        goto out;
    }
    if (!json_string_is(json_find(hdr, hdr_n, "enc"), "A256GCM")) {
        fail(why, why_len, "protected header: \"enc\" is not A256GCM");
        goto out;
    }
    if (json_find(hdr, hdr_n, "zip") || json_find(hdr, hdr_n, "crit")) {
        fail(why, why_len, "protected header: \"zip\"/\"crit\" are not supported");
        goto out;
    }
    if (iv_len != IV_LEN || tag_len != TAG_LEN) {
        fail(why, why_len, "iv must be %d bytes and tag %d, got %zu and %zu", IV_LEN, TAG_LEN, iv_len, tag_len);
        goto out;
    }
    if (ct_len > cap) {
        fail(why, why_len, "plaintext of %zu bytes does not fit in %zu", ct_len, cap);
        goto out;
    }
    const struct json_member *alg = json_find(hdr, hdr_n, "alg");
    if (json_string_is(alg, "ECDH-ES+A256KW")) {
        if (unwrap_ecdh(key, hdr, hdr_n, ek, ek_len, cek, why, why_len) < 0)
            goto out;
    } else if (json_string_is(alg, "RSA-OAEP-256")) {
        if (unwrap_rsa(key, ek, ek_len, cek, why, why_len) < 0)
            goto out;
    } else {
        fail(why, why_len, "protected header: \"alg\" is not ECDH-ES+A256KW or RSA-OAEP-256");
        goto out;
    }

    /* The additional data is the protected member's text, then "." and the aad member's. */
    size_t aad_len = prot->value_len + (aad_m ? 1 + aad_m->value_len : 0);
    aad = malloc(aad_len);
    if (!aad) {
        fail(why, why_len, "out of memory");
        goto out;
    }
    memcpy(aad, prot->value, prot->value_len);
    if (aad_m) {
        aad[prot->value_len] = '.';
        memcpy(aad + prot->value_len + 1, aad_m->value, aad_m->value_len);
    }
    if (jwe_a256gcm_decrypt(cek, iv, aad, aad_len, ct, ct_len, tag, out) < 0) {
        fail(why, why_len, "decryption failed");
        goto out;
    }
    *out_len = ct_len;
    rc = 0;
out:
    OPENSSL_cleanse(cek, sizeof cek);
    free(hdr_json);
    free(ek);
    free(iv);
    free(ct);
    free(tag);
    free(aad);
    return rc;
}
