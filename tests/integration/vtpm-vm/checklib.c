/* The checkers' result lines and hashing (checklib.h). */
#include "checklib.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tpmclient.h"

const char *check_prefix = "check";
int check_failures;
char check_why[512];

bool failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(check_why, sizeof(check_why), fmt, ap);
    va_end(ap);
    return false;
}

void check(const char *name, bool (*fn)(void))
{
    check_why[0] = 0;
    if (fn()) {
        printf("PASS %s/%s\n", check_prefix, name);
    } else {
        printf("FAIL %s/%s: %s\n", check_prefix, name, check_why[0] ? check_why : "failed");
        check_failures++;
    }
    fflush(stdout);
}

void sha256_2(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) || !EVP_DigestUpdate(ctx, a, alen) ||
        !EVP_DigestUpdate(ctx, b, blen) || !EVP_DigestFinal_ex(ctx, out, NULL)) {
        printf("%s: SHA-256 failed\n", check_prefix);
        exit(2);
    }
    EVP_MD_CTX_free(ctx);
}

long require_success(long r, const uint8_t *rsp, const char *what)
{
    if (r >= 0 && tc_rc(rsp) != 0) {
        failf("%s: rc 0x%x", what, tc_rc(rsp));
        return -1;
    }
    return r;
}
