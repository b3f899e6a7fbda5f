/* Opening a released resource (secret.h). */
#include <stdio.h>
#include <string.h>

#include "jwe.h"
#include "secret.h"

long secret_open(EVP_PKEY *key, const char *jwe, uint8_t out[SECRET_MAX], char why[WHY_MAX])
{
    size_t len = 0;
    char jwhy[JWE_WHY_LEN];
    if (jwe_decrypt_flattened(key, jwe, strlen(jwe), out, SECRET_MAX, &len, jwhy, sizeof(jwhy)) < 0) {
        snprintf(why, WHY_MAX, "the released resource cannot be opened: %s", jwhy);
        return -1;
    }
    return (long)len;
}
