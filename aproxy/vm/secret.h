/* Opening what the KBS released: the JWE was wrapped to the ephemeral key
 * made for this attestation (jwe.c), so only this process can open it. */
#ifndef APROXY_SECRET_H
#define APROXY_SECRET_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

#define SECRET_MAX 4096   /* a resource aproxy opens: keys, small configuration */

/* Decrypts jwe with key into out (SECRET_MAX bytes); its length, or -1 with why. */
long secret_open(EVP_PKEY *key, const char *jwe, uint8_t out[SECRET_MAX], char why[WHY_MAX]);

#endif
