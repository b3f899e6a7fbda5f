/* AES-256-GCM, written from NIST SP 800-38D with a 96-bit IV (7.1: J0 =
 * IV || 0^31 || 1) and a full 128-bit tag.  GHASH multiplies in GF(2^128)
 * bit by bit (Algorithm 1) under masks: constant time, no tables.  See
 * kernel/aes_gcm.h. */
#include <kernel/aes_gcm.h>
#include <kernel/errno.h>
#include <kernel/string.h>

/* A GF(2^128) element as SP 800-38D writes it: hi holds bits 0-63 (bit 0
 * is the most significant bit of the first byte). */
struct ghash_elem {
    uint64_t hi, lo;
};

static uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* x * y (Algorithm 1): for each bit of x, add v under a mask, then v * x. */
static struct ghash_elem gf128_mul(struct ghash_elem x, struct ghash_elem y)
{
    struct ghash_elem z = {0, 0}, v = y;
    for (int i = 0; i < 128; i++) {
        uint64_t bit = i < 64 ? x.hi >> (63 - i) : x.lo >> (127 - i);
        uint64_t m = -(bit & 1);
        z.hi ^= v.hi & m;
        z.lo ^= v.lo & m;
        uint64_t carry = -(v.lo & 1); /* R = 11100001 || 0^120 when bit 127 falls off */
        v.lo = v.lo >> 1 | v.hi << 63;
        v.hi = (v.hi >> 1) ^ (0xe100000000000000ull & carry);
    }
    return z;
}

struct ghash {
    struct ghash_elem h, y;
};

/* Absorbs n bytes, the last block padded with zeros (A and C each are). */
static void ghash_update(struct ghash *g, const uint8_t *p, size_t n)
{
    while (n) {
        uint8_t block[16] = {0};
        size_t k = n < 16 ? n : 16;
        memcpy(block, p, k);
        g->y.hi ^= load_be64(block);
        g->y.lo ^= load_be64(block + 8);
        g->y = gf128_mul(g->y, g->h);
        p += k;
        n -= k;
    }
}

/* GCTR from counter block cb (inc32 between blocks) over n bytes, in to out. */
static void gctr(const struct aes256 *a, const uint8_t cb[16], const uint8_t *in, uint8_t *out, size_t n)
{
    uint8_t ctr[16], ks[16];
    memcpy(ctr, cb, 16);
    while (n) {
        aes256_encrypt(a, ctr, ks);
        size_t k = n < 16 ? n : 16;
        for (size_t i = 0; i < k; i++)
            out[i] = in[i] ^ ks[i];
        uint32_t c = (uint32_t)ctr[12] << 24 | (uint32_t)ctr[13] << 16 | (uint32_t)ctr[14] << 8 | ctr[15];
        c++;
        ctr[12] = (uint8_t)(c >> 24);
        ctr[13] = (uint8_t)(c >> 16);
        ctr[14] = (uint8_t)(c >> 8);
        ctr[15] = (uint8_t)c;
        in += k;
        out += k;
        n -= k;
    }
    secret_wipe(ks, sizeof ks);
}

/* The tag over aad and the ciphertext c: E(K, J0) xor GHASH(A, C, lengths). */
static void gcm_tag(const struct aes256 *a, const uint8_t j0[16], const uint8_t *aad, size_t aad_len,
                    const uint8_t *c, size_t len, uint8_t tag[16])
{
    uint8_t zero[16] = {0}, h[16], lens[16], s[16], ej0[16];
    aes256_encrypt(a, zero, h);
    struct ghash g = {{load_be64(h), load_be64(h + 8)}, {0, 0}};
    ghash_update(&g, aad, aad_len);
    ghash_update(&g, c, len);
    store_be64(lens, (uint64_t)aad_len * 8);
    store_be64(lens + 8, (uint64_t)len * 8);
    ghash_update(&g, lens, 16);
    store_be64(s, g.y.hi);
    store_be64(s + 8, g.y.lo);
    aes256_encrypt(a, j0, ej0);
    for (int i = 0; i < 16; i++)
        tag[i] = s[i] ^ ej0[i];
    secret_wipe(h, sizeof h);
    secret_wipe(&g, sizeof g);
}

/* J0 and the first counter block inc32(J0) for a 96-bit IV. */
static void gcm_j0(const uint8_t iv[AES_GCM_IV_SIZE], uint8_t j0[16], uint8_t cb[16])
{
    memcpy(j0, iv, AES_GCM_IV_SIZE);
    j0[12] = j0[13] = j0[14] = 0;
    j0[15] = 1;
    memcpy(cb, j0, 16);
    cb[15] = 2;
}

void aes256_gcm_seal(const uint8_t key[AES256_KEY_SIZE], const uint8_t iv[AES_GCM_IV_SIZE], const void *aad,
                     size_t aad_len, const void *in, void *out, size_t len, uint8_t tag[AES_GCM_TAG_SIZE])
{
    struct aes256 a;
    uint8_t j0[16], cb[16];
    aes256_init(&a, key);
    gcm_j0(iv, j0, cb);
    gctr(&a, cb, in, out, len);
    gcm_tag(&a, j0, aad, aad_len, out, len, tag);
    secret_wipe(&a, sizeof a);
}

int aes256_gcm_open(const uint8_t key[AES256_KEY_SIZE], const uint8_t iv[AES_GCM_IV_SIZE], const void *aad,
                    size_t aad_len, const void *in, void *out, size_t len, const uint8_t tag[AES_GCM_TAG_SIZE])
{
    struct aes256 a;
    uint8_t j0[16], cb[16], want[16];
    aes256_init(&a, key);
    gcm_j0(iv, j0, cb);
    /* the tag first: nothing is decrypted from a forged message */
    gcm_tag(&a, j0, aad, aad_len, in, len, want);
    uint8_t diff = 0;
    for (int i = 0; i < 16; i++)
        diff |= want[i] ^ tag[i];
    int r = 0;
    if (diff) {
        memset(out, 0, len);
        r = -EBADMSG;
    } else {
        gctr(&a, cb, in, out, len);
    }
    secret_wipe(&a, sizeof a);
    return r;
}
