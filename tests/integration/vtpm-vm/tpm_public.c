/* TPM2B_PUBLIC parsing for RSA and ECC keys (see tpm_public.h). */
#include "tpm_public.h"

#include <stdbool.h>

#define TPM_ALG_NULL 0x0010

struct rbuf {
    const uint8_t *p;
    size_t n, off;
    bool bad;
};

static uint16_t r16(struct rbuf *r)
{
    if (r->off + 2 > r->n) {
        r->bad = true;
        return 0;
    }
    uint16_t v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
    r->off += 2;
    return v;
}

static void skip(struct rbuf *r, size_t k)
{
    if (r->off + k > r->n)
        r->bad = true;
    else
        r->off += k;
}

/* A TPM2B: a u16 size and that many bytes; returns the size. */
static uint16_t tpm2b(struct rbuf *r)
{
    uint16_t k = r16(r);
    skip(r, k);
    return k;
}

/* An algorithm selector followed by details unless it is TPM_ALG_NULL. */
static void alg_with_details(struct rbuf *r, size_t details)
{
    if (r16(r) != TPM_ALG_NULL)
        skip(r, details);
}

size_t tpm_public_parse(const uint8_t *p, size_t n, struct tpm_public *out)
{
    struct rbuf r = {p, n, 0, false};
    size_t size = r16(&r);
    if (r.bad || 2 + size > n)
        return 0;
    r.n = 2 + size; /* the structure may not run past its own size */
    *out = (struct tpm_public){.type = r16(&r)};
    r16(&r);     /* nameAlg */
    skip(&r, 4); /* objectAttributes */
    tpm2b(&r);   /* authPolicy */
    alg_with_details(&r, 4); /* symmetric: keyBits, mode */
    alg_with_details(&r, 2); /* scheme: hashAlg */
    if (out->type == TPM_ALG_RSA) {
        out->rsa_bits = r16(&r);
        skip(&r, 4); /* exponent */
        out->unique_len = tpm2b(&r);
    } else if (out->type == TPM_ALG_ECC) {
        out->curve = r16(&r);
        alg_with_details(&r, 2); /* kdf: hashAlg */
        out->unique_len = tpm2b(&r);
        out->unique2_len = tpm2b(&r);
    } else {
        return 0;
    }
    if (r.bad || r.off != r.n)
        return 0;
    return r.n;
}
