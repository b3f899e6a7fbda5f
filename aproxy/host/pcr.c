/* PCR banks on the host (pcr.h). */
#include "pcr.h"

#include <openssl/evp.h>
#include <string.h>

static void extend_one(const EVP_MD *md, uint8_t *value, const uint8_t *digest, size_t size)
{
    uint8_t buf[2 * 48];
    unsigned len;
    memcpy(buf, value, size);
    memcpy(buf + size, digest, size);
    EVP_Digest(buf, 2 * size, value, &len, md, NULL);
}

void pcr_extend(struct pcr_banks *b, unsigned pcr, const struct pcr_digests *d)
{
    extend_one(EVP_sha256(), b->pcr[pcr].sha256, d->sha256, 32);
    extend_one(EVP_sha384(), b->pcr[pcr].sha384, d->sha384, 48);
    b->touched |= 1u << pcr;
}

void pcr_digest_bytes(const void *data, size_t n, struct pcr_digests *out)
{
    unsigned len;
    EVP_Digest(data, n, out->sha256, &len, EVP_sha256(), NULL);
    EVP_Digest(data, n, out->sha384, &len, EVP_sha384(), NULL);
}

int pcr_digest_file(const char *path, struct pcr_digests *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    EVP_MD_CTX *c256 = EVP_MD_CTX_new(), *c384 = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c256, EVP_sha256(), NULL);
    EVP_DigestInit_ex(c384, EVP_sha384(), NULL);
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        EVP_DigestUpdate(c256, buf, n);
        EVP_DigestUpdate(c384, buf, n);
    }
    int r = ferror(f) ? -1 : 0;
    fclose(f);
    EVP_DigestFinal_ex(c256, out->sha256, NULL);
    EVP_DigestFinal_ex(c384, out->sha384, NULL);
    EVP_MD_CTX_free(c256);
    EVP_MD_CTX_free(c384);
    return r;
}

static void print_hex(FILE *out, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%02x", d[i]);
    fputc('\n', out);
}

void pcr_print(const struct pcr_banks *b, FILE *out)
{
    for (unsigned i = 0; i < PCR_COUNT; i++)
        if (b->touched & (1u << i)) {
            fprintf(out, "sha256:%u ", i);
            print_hex(out, b->pcr[i].sha256, 32);
        }
    for (unsigned i = 0; i < PCR_COUNT; i++)
        if (b->touched & (1u << i)) {
            fprintf(out, "sha384:%u ", i);
            print_hex(out, b->pcr[i].sha384, 48);
        }
}

bool pcr_equal(const struct pcr_banks *a, const struct pcr_banks *b)
{
    if (a->touched != b->touched)
        return false;
    for (unsigned i = 0; i < PCR_COUNT; i++)
        if ((a->touched & (1u << i)) && memcmp(&a->pcr[i], &b->pcr[i], sizeof a->pcr[i]))
            return false;
    return true;
}
