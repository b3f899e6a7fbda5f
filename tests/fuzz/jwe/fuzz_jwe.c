/* libFuzzer target for what aproxy reads from a KBS: the flattened JWE text and
 * its protected header (aproxy/common/jwe.c, json_scan.c, b64url.c).
 *
 * Each input is used twice: as the whole JWE text, and as the protected header
 * of an otherwise well-formed JWE (the header is base64url inside the JWE, so
 * mutations of the JWE text alone rarely reach its parser).  The key is a fixed
 * P-256 key, the one tests/fuzz/jwe/seeds.py wraps its seeds to, so seeds
 * decrypt and the fuzzer starts from the successful path.
 *
 * Contract beyond "no crash": a success yields a plaintext no longer than the
 * ciphertext member could hold; a failure always says why; the JSON reader
 * never reports a member outside the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include "../../../aproxy/common/b64url.h"
#include "../../../aproxy/common/json_scan.h"
#include "../../../aproxy/common/jwe.h"

#define SKELETON_TAIL "\",\"encrypted_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"," \
                      "\"iv\":\"AAAAAAAAAAAAAAAA\",\"ciphertext\":\"AAAA\",\"tag\":\"AAAAAAAAAAAAAAAAAAAAAA\"}"

static EVP_PKEY *fuzz_key(void)
{
    static EVP_PKEY *key;
    if (key)
        return key;
    uint8_t scalar[32];
    for (int i = 0; i < 32; i++)
        scalar[i] = (uint8_t)(i + 1); /* seeds.py uses the same scalar */
    BIGNUM *d = BN_bin2bn(scalar, sizeof scalar, NULL);
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT *pub = EC_POINT_new(group);
    uint8_t point[65];
    EC_POINT_mul(group, pub, d, NULL, NULL, NULL);
    EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof point, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY_fromdata_init(ctx);
    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(pub);
    EC_GROUP_free(group);
    BN_free(d);
    if (!key)
        abort();
    return key;
}

static void decrypt(const char *text, size_t len)
{
    static uint8_t out[JWE_MAX_JSON];
    size_t out_len = 0;
    char why[JWE_WHY_LEN] = "";
    int rc = jwe_decrypt_flattened(fuzz_key(), text, len, out, sizeof out, &out_len, why, sizeof why);
    if (rc == 0 && out_len > len)
        abort();
    if (rc != 0 && why[0] == '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > JWE_MAX_JSON)
        return 0;
    const char *text = (const char *)data;
    decrypt(text, size);

    struct json_member m[8];
    size_t n;
    if (json_object_members(text, size, m, 8, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            if (m[i].value < text || m[i].value + m[i].value_len > text + size)
                abort();
            char s[256];
            if (m[i].kind == JSON_STRING)
                json_string_decode(m[i].value, m[i].value_len, s, sizeof s - 1);
        }
    }

    if (size > 4096)
        return 0;
    char jwe[16384];
    int o = snprintf(jwe, sizeof jwe, "{\"protected\":\"");
    long e = b64url_encode(data, size, jwe + o, sizeof jwe - (size_t)o);
    if (e < 0)
        return 0;
    o += (int)e;
    o += snprintf(jwe + o, sizeof jwe - (size_t)o, "%s", SKELETON_TAIL);
    decrypt(jwe, (size_t)o);
    return 0;
}
