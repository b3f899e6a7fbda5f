/* SHA-384, written from FIPS 180-4 sections 4.1.3, 4.2.3, 5.3.4 and 6.5:
 * the SHA-512 compression function with SHA-384's initial hash value, the
 * result truncated to its first six words. */
#include <kernel/sha2.h>
#include <kernel/string.h>

static const uint64_t K[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
    0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
    0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
    0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
    0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
    0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
    0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
    0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
    0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
    0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

static inline uint64_t rotr64(uint64_t v, int n)
{
    return (v >> n) | (v << (64 - n));
}

static inline uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void compress(uint64_t h[8], const uint8_t block[SHA512_BLOCK_SIZE])
{
    uint64_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = load_be64(block + 8 * t);
    for (int t = 16; t < 80; t++) {
        uint64_t s0 = rotr64(w[t - 15], 1) ^ rotr64(w[t - 15], 8) ^ (w[t - 15] >> 7);
        uint64_t s1 = rotr64(w[t - 2], 19) ^ rotr64(w[t - 2], 61) ^ (w[t - 2] >> 6);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint64_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int t = 0; t < 80; t++) {
        uint64_t t1 = k + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
        uint64_t t2 = (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void sha384_init(struct sha384 *s)
{
    static const uint64_t iv[8] = {0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17,
                                   0x152fecd8f70e5939, 0x67332667ffc00b31, 0x8eb44a8768581511,
                                   0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4};
    memcpy(s->h, iv, sizeof iv);
    s->total = 0;
}

void sha384_update(struct sha384 *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    size_t used = s->total % SHA512_BLOCK_SIZE;
    s->total += n;
    if (used) {
        size_t take = MIN(n, SHA512_BLOCK_SIZE - used);
        memcpy(s->buf + used, p, take);
        p += take, n -= take;
        if (used + take < SHA512_BLOCK_SIZE)
            return;
        compress(s->h, s->buf);
    }
    for (; n >= SHA512_BLOCK_SIZE; p += SHA512_BLOCK_SIZE, n -= SHA512_BLOCK_SIZE)
        compress(s->h, p);
    if (n)
        memcpy(s->buf, p, n);
}

/* 5.1.2: a 1 bit, zeros to 112 mod 128, then the 128-bit length in bits,
 * big-endian; total counts bytes, so its top 3 bits are the high half. */
void sha384_final(struct sha384 *s, uint8_t out[SHA384_DIGEST_SIZE])
{
    uint64_t bits_lo = s->total << 3, bits_hi = s->total >> 61;
    size_t used = s->total % SHA512_BLOCK_SIZE;
    s->buf[used++] = 0x80;
    if (used > SHA512_BLOCK_SIZE - 16) {
        memset(s->buf + used, 0, SHA512_BLOCK_SIZE - used);
        compress(s->h, s->buf);
        used = 0;
    }
    memset(s->buf + used, 0, SHA512_BLOCK_SIZE - 16 - used);
    for (int i = 0; i < 8; i++) {
        s->buf[SHA512_BLOCK_SIZE - 9 - i] = (uint8_t)(bits_hi >> (8 * i));
        s->buf[SHA512_BLOCK_SIZE - 1 - i] = (uint8_t)(bits_lo >> (8 * i));
    }
    compress(s->h, s->buf);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 8; j++)
            out[8 * i + j] = (uint8_t)(s->h[i] >> (56 - 8 * j));
    memset(s, 0, sizeof *s);
}

void sha384(const void *data, size_t n, uint8_t out[SHA384_DIGEST_SIZE])
{
    struct sha384 s;
    sha384_init(&s);
    sha384_update(&s, data, n);
    sha384_final(&s, out);
}
