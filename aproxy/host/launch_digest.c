/* The emulated launch digest (launch_digest.h). */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "launch_digest.h"

static int sha384_file(const char *path, uint8_t out[48])
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "launch digest: %s: %s\n", path, strerror(errno));
        return -1;
    }
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha384(), NULL);
    static uint8_t buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        ok = EVP_DigestUpdate(c, buf, n);
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(c, out, NULL);
    EVP_MD_CTX_free(c);
    fclose(f);
    if (!ok)
        fprintf(stderr, "launch digest: %s: cannot read or hash it\n", path);
    return ok ? 0 : -1;
}

int launch_digest(const char *kernel, const char *initrd, const char *cmdline, uint8_t out[LAUNCH_DIGEST_LEN])
{
    static const char label[] = "nutshell emulated launch v1"; /* sizeof includes the NUL */
    uint8_t parts[3][48];
    if (sha384_file(kernel, parts[0]) < 0 || sha384_file(initrd, parts[1]) < 0)
        return -1;
    EVP_Digest(cmdline, strlen(cmdline), parts[2], NULL, EVP_sha384(), NULL);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha384(), NULL) && EVP_DigestUpdate(c, label, sizeof(label)) &&
             EVP_DigestUpdate(c, parts, sizeof(parts)) && EVP_DigestFinal_ex(c, out, NULL);
    EVP_MD_CTX_free(c);
    return ok ? 0 : -1;
}
