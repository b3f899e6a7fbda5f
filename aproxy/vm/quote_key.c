/* The quoting vTPM's state key from the released state key (quote_key.h). */
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

#include "quote_key.h"

int quote_key_derive(const uint8_t *state_key, size_t len, uint8_t out[QUOTE_KEY_LEN])
{
    static const char info[] = "nutshell aproxy quoting vTPM state key v1";
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[4];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)state_key, len);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, sizeof(info) - 1);
    params[3] = OSSL_PARAM_construct_end();
    int ok = ctx && EVP_KDF_derive(ctx, out, QUOTE_KEY_LEN, params) > 0;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok ? 0 : -1;
}
