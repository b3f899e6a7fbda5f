/* ChaCha20, written from RFC 8439 section 2.  Portable C: the kernel is
 * built without SSE, and the pool only needs a few blocks per read. */
#include <kernel/chacha20.h>
#include <kernel/string.h>

static inline uint32_t rotl32(uint32_t v, int n)
{
    return (v << n) | (v >> (32 - n));
}

static inline uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* RFC 8439 2.1: the quarter round on four words of the state. */
#define QUARTERROUND(x, a, b, c, d)                         \
    do {                                                    \
        x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 16); \
        x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 12); \
        x[a] += x[b]; x[d] ^= x[a]; x[d] = rotl32(x[d], 8);  \
        x[c] += x[d]; x[b] ^= x[c]; x[b] = rotl32(x[b], 7);  \
    } while (0)

void chacha20_block(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
                    const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t out[CHACHA20_BLOCK_SIZE])
{
    uint32_t in[16], x[16];
    /* 2.3: "expand 32-byte k", the key, the block counter, the nonce. */
    in[0] = 0x61707865;
    in[1] = 0x3320646e;
    in[2] = 0x79622d32;
    in[3] = 0x6b206574;
    for (int i = 0; i < 8; i++)
        in[4 + i] = load_le32(key + 4 * i);
    in[12] = counter;
    for (int i = 0; i < 3; i++)
        in[13 + i] = load_le32(nonce + 4 * i);

    memcpy(x, in, sizeof x);
    for (int i = 0; i < 10; i++) { /* 20 rounds: a column round and a diagonal round each */
        QUARTERROUND(x, 0, 4, 8, 12);
        QUARTERROUND(x, 1, 5, 9, 13);
        QUARTERROUND(x, 2, 6, 10, 14);
        QUARTERROUND(x, 3, 7, 11, 15);
        QUARTERROUND(x, 0, 5, 10, 15);
        QUARTERROUND(x, 1, 6, 11, 12);
        QUARTERROUND(x, 2, 7, 8, 13);
        QUARTERROUND(x, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; i++)
        store_le32(out + 4 * i, x[i] + in[i]);

    /* The working state is key material: do not leave it on the stack. */
    memset(x, 0, sizeof x);
    memset(in, 0, sizeof in);
    __asm__ volatile("" ::"r"(x), "r"(in) : "memory"); /* keeps the stores; clobbers nothing else */
}

void chacha20_xor(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
                  const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t *buf, size_t n)
{
    uint8_t ks[CHACHA20_BLOCK_SIZE];
    while (n) {
        size_t chunk = MIN(n, sizeof ks);
        chacha20_block(key, counter++, nonce, ks);
        for (size_t i = 0; i < chunk; i++)
            buf[i] ^= ks[i];
        buf += chunk;
        n -= chunk;
    }
    memset(ks, 0, sizeof ks);
    __asm__ volatile("" ::"r"(ks) : "memory"); /* keeps the wipe; clobbers nothing else */
}
