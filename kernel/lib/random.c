/* The entropy pool (see kernel/random.h for the design).
 *
 * Domain separation: every ChaCha20 block the pool computes uses a nonce
 * whose first word names the purpose (mixing input, extracting a read key),
 * so no two purposes ever share a (key, nonce, counter) triple. */
#include <kernel/chacha20.h>
#include <kernel/clock.h>
#include <kernel/printk.h>
#include <kernel/random.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

enum { DOMAIN_MIX = 1, DOMAIN_EXTRACT = 2 };

#define SEED_BYTES 64 /* hardware bytes per (re)seed: twice the key, for margin */

/* pool_lock protects pool_key, pool_generation, pool_seeded and
 * pool_reseed_at.  It is taken with irqsave: random_mix may run in
 * interrupt handlers.  Nothing slow runs under it: hardware collection
 * happens before taking it, output generation after releasing it. */
static spinlock_t pool_lock = SPINLOCK_INIT;
static uint8_t pool_key[CHACHA20_KEY_SIZE];
static uint64_t pool_generation; /* extraction count: the nonce of each extract */
static bool pool_seeded;
static uint64_t pool_reseed_at;  /* monotonic ns after which the next read reseeds */

static void wipe(void *p, size_t n)
{
    memset(p, 0, n);
    __asm__ volatile("" ::"r"(p) : "memory"); /* the wipe must happen; clobbers nothing else */
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void make_nonce(uint8_t nonce[CHACHA20_NONCE_SIZE], uint32_t domain, uint64_t value)
{
    put_le32(nonce, domain);
    put_le32(nonce + 4, (uint32_t)value);
    put_le32(nonce + 8, (uint32_t)(value >> 32));
}

/* Compresses input into the key, 32 bytes at a time: the chunk is XORed
 * into the key and the key replaced by the first half of the ChaCha20
 * block under that sum (nonce: DOMAIN_MIX and the input length; counter:
 * the chunk index).  ChaCha20's final addition makes the step one-way, and
 * an input chunk can only add to what an attacker does not know.
 * Caller holds pool_lock. */
static void mix_locked(const uint8_t *in, size_t n)
{
    uint8_t nonce[CHACHA20_NONCE_SIZE], block[CHACHA20_BLOCK_SIZE];
    make_nonce(nonce, DOMAIN_MIX, n);
    uint32_t chunk = 0;
    do { /* at least once: mixing zero bytes still advances the key */
        size_t len = MIN(n, (size_t)CHACHA20_KEY_SIZE);
        for (size_t i = 0; i < len; i++)
            pool_key[i] ^= in[i];
        chacha20_block(pool_key, chunk++, nonce, block);
        memcpy(pool_key, block, CHACHA20_KEY_SIZE);
        if (!len)
            break; /* in may be NULL when n is 0 */
        in += len;
        n -= len;
    } while (n);
    wipe(block, sizeof block);
}

/* Fast key erasure: one block under the pool key becomes the next pool key
 * and the caller's private key.  Caller holds pool_lock. */
static void extract_locked(uint8_t out_key[CHACHA20_KEY_SIZE])
{
    uint8_t nonce[CHACHA20_NONCE_SIZE], block[CHACHA20_BLOCK_SIZE];
    make_nonce(nonce, DOMAIN_EXTRACT, pool_generation++);
    chacha20_block(pool_key, 0, nonce, block);
    memcpy(pool_key, block, CHACHA20_KEY_SIZE);
    memcpy(out_key, block + CHACHA20_KEY_SIZE, CHACHA20_KEY_SIZE);
    wipe(block, sizeof block);
}

/* Gathers fresh hardware entropy (slow: outside the lock) and mixes it in.
 * Returns the sources used. */
static const char *reseed(void)
{
    uint8_t seed[SEED_BYTES];
    const char *sources = "";
    random_hw_collect(seed, sizeof seed, &sources);
    uint64_t now = clock_monotonic_ns();
    uint64_t flags = spin_lock_irqsave(&pool_lock);
    mix_locked(seed, sizeof seed);
    pool_seeded = true;
    pool_reseed_at = now + RANDOM_RESEED_INTERVAL_NS;
    spin_unlock_irqrestore(&pool_lock, flags);
    wipe(seed, sizeof seed);
    return sources;
}

void random_init(void)
{
    const char *sources = reseed();
    printk(LOG_INFO, "random: pool seeded from %s", sources);
}

void random_mix(const void *buf, size_t n)
{
    uint64_t flags = spin_lock_irqsave(&pool_lock);
    mix_locked(buf, n);
    spin_unlock_irqrestore(&pool_lock, flags);
}

void random_stream_begin(struct random_stream *s)
{
    uint64_t flags = spin_lock_irqsave(&pool_lock);
    bool due = !pool_seeded || clock_monotonic_ns() >= pool_reseed_at;
    spin_unlock_irqrestore(&pool_lock, flags);
    /* Two readers may both find a reseed due; both then mix, which is harmless. */
    if (due)
        reseed();
    flags = spin_lock_irqsave(&pool_lock);
    extract_locked(s->key);
    spin_unlock_irqrestore(&pool_lock, flags);
    s->counter = 0;
}

void random_stream_next(struct random_stream *s, void *buf, size_t n)
{
    static const uint8_t zero_nonce[CHACHA20_NONCE_SIZE];
    /* The key is used by this stream only, so a zero nonce never repeats. */
    memset(buf, 0, n);
    chacha20_xor(s->key, s->counter, zero_nonce, buf, n);
    s->counter += (uint32_t)((n + CHACHA20_BLOCK_SIZE - 1) / CHACHA20_BLOCK_SIZE);
}

void random_stream_end(struct random_stream *s)
{
    wipe(s, sizeof *s);
}

int64_t random_read(void *buf, size_t n)
{
    struct random_stream s;
    random_stream_begin(&s);
    random_stream_next(&s, buf, n);
    random_stream_end(&s);
    return (int64_t)n;
}
