/* AES-256 encryption, written from FIPS 197, constant time: no table is
 * indexed by a secret byte and no branch depends on one.  The S-box is
 * computed as FIPS 197 5.1.1 defines it: the multiplicative inverse in
 * GF(2^8) (x^254, by square-and-multiply with a masked multiplication),
 * then the affine transformation.  See kernel/aes_gcm.h. */
#include <kernel/aes_gcm.h>
#include <kernel/string.h>

#define AES256_ROUNDS 14

/* Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS 197 4.2.1). */
static uint8_t xtime(uint8_t a)
{
    return (uint8_t)((a << 1) ^ (0x1b & -(a >> 7)));
}

/* a * b in GF(2^8): one masked add per bit of b. */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    uint8_t p = 0;
    for (int i = 0; i < 8; i++) {
        p ^= a & (uint8_t)-(b & 1);
        a = xtime(a);
        b >>= 1;
    }
    return p;
}

static uint8_t rotl8(uint8_t v, int n)
{
    return (uint8_t)((v << n) | (v >> (8 - n)));
}

/* SubBytes' S-box of one byte (0 maps to 0 before the affine map, as the
 * standard says: 0^254 is 0). */
static uint8_t sbox(uint8_t x)
{
    uint8_t x2 = gf_mul(x, x), x3 = gf_mul(x2, x);         /* x^3 */
    uint8_t x7 = gf_mul(gf_mul(x3, x3), x);                 /* x^7 */
    uint8_t x15 = gf_mul(gf_mul(x7, x7), x);                /* x^15 */
    uint8_t x31 = gf_mul(gf_mul(x15, x15), x);              /* x^31 */
    uint8_t x63 = gf_mul(gf_mul(x31, x31), x);              /* x^63 */
    uint8_t x127 = gf_mul(gf_mul(x63, x63), x);             /* x^127 */
    uint8_t inv = gf_mul(x127, x127);                       /* x^254 = x^-1 */
    return (uint8_t)(inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63);
}

void aes256_init(struct aes256 *a, const uint8_t key[AES256_KEY_SIZE])
{
    /* FIPS 197 5.2 with Nk = 8: 60 words, byte-wise */
    uint8_t *w = a->rk;
    memcpy(w, key, AES256_KEY_SIZE);
    uint8_t rcon = 1;
    for (int i = 8; i < 4 * (AES256_ROUNDS + 1); i++) {
        uint8_t t[4];
        memcpy(t, w + 4 * (i - 1), 4);
        if (i % 8 == 0) {
            uint8_t t0 = t[0];
            t[0] = (uint8_t)(sbox(t[1]) ^ rcon);
            t[1] = sbox(t[2]);
            t[2] = sbox(t[3]);
            t[3] = sbox(t0);
            rcon = xtime(rcon);
        } else if (i % 8 == 4) {
            for (int k = 0; k < 4; k++)
                t[k] = sbox(t[k]);
        }
        for (int k = 0; k < 4; k++)
            w[4 * i + k] = w[4 * (i - 8) + k] ^ t[k];
    }
}

static void add_round_key(uint8_t s[16], const uint8_t *rk)
{
    for (int i = 0; i < 16; i++)
        s[i] ^= rk[i];
}

/* SubBytes then ShiftRows; the state is column-major (byte r + 4c is row r,
 * column c), and row r turns left by r. */
static void sub_shift(uint8_t s[16])
{
    uint8_t t[16];
    for (int c = 0; c < 4; c++)
        for (int r = 0; r < 4; r++)
            t[r + 4 * c] = sbox(s[r + 4 * ((c + r) % 4)]);
    memcpy(s, t, 16);
}

static void mix_columns(uint8_t s[16])
{
    for (int c = 0; c < 4; c++) {
        uint8_t *col = s + 4 * c;
        uint8_t a0 = col[0], a1 = col[1], a2 = col[2], a3 = col[3], all = a0 ^ a1 ^ a2 ^ a3;
        /* 2a0 + 3a1 + a2 + a3 = a0 + all + 2(a0 + a1), and so on around */
        col[0] = a0 ^ all ^ xtime(a0 ^ a1);
        col[1] = a1 ^ all ^ xtime(a1 ^ a2);
        col[2] = a2 ^ all ^ xtime(a2 ^ a3);
        col[3] = a3 ^ all ^ xtime(a3 ^ a0);
    }
}

void aes256_encrypt(const struct aes256 *a, const uint8_t in[AES_BLOCK_SIZE], uint8_t out[AES_BLOCK_SIZE])
{
    uint8_t s[16];
    memcpy(s, in, 16);
    add_round_key(s, a->rk);
    for (int r = 1; r < AES256_ROUNDS; r++) {
        sub_shift(s);
        mix_columns(s);
        add_round_key(s, a->rk + 16 * r);
    }
    sub_shift(s);
    add_round_key(s, a->rk + 16 * AES256_ROUNDS);
    memcpy(out, s, 16);
    secret_wipe(s, sizeof s);
}

void secret_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}
