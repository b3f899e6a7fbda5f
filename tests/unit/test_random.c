/* The entropy pool (kernel/lib/random.c) on the host.  The hardware
 * sources and the clock are replaced by fakes the tests control, and the
 * pool's output is checked against a model written from the design in
 * kernel/random.h: mixing, fast key erasure, per-read keys, reseeding. */
#include "unit.h"

#include <kernel/chacha20.h>
#include <kernel/random.h>
#include <string.h>

/* Fakes of what the kernel provides. */
static uint64_t fake_now;
static int collects;
static uint8_t fake_seed_byte = 0x11;

uint64_t clock_monotonic_ns(void)
{
    return fake_now;
}

void random_hw_collect(void *buf, size_t n, const char **sources)
{
    collects++;
    memset(buf, fake_seed_byte, n);
    *sources = "fake";
}

/* random_init logs through the host printk, which adds no newline. */
static void init_pool(void)
{
    random_init();
    fputc('\n', stderr);
}

/* The model: the pool as kernel/random.h describes it. */
struct model {
    uint8_t key[32];
    uint64_t generation;
};

static void nonce_of(uint8_t nonce[12], uint32_t domain, uint64_t v)
{
    for (int i = 0; i < 4; i++) {
        nonce[i] = (uint8_t)(domain >> (8 * i));
        nonce[4 + i] = (uint8_t)(v >> (8 * i));
        nonce[8 + i] = (uint8_t)(v >> (32 + 8 * i));
    }
}

static void model_mix(struct model *m, const uint8_t *in, size_t n)
{
    uint8_t nonce[12], block[64];
    nonce_of(nonce, 1, n);
    uint32_t chunk = 0;
    do {
        size_t len = n < 32 ? n : 32;
        for (size_t i = 0; i < len; i++)
            m->key[i] ^= in[i];
        chacha20_block(m->key, chunk++, nonce, block);
        memcpy(m->key, block, 32);
        if (!len)
            break;
        in += len;
        n -= len;
    } while (n);
}

static void model_read(struct model *m, uint8_t *out, size_t n)
{
    uint8_t nonce[12], block[64], zero_nonce[12] = {0};
    nonce_of(nonce, 2, m->generation++);
    chacha20_block(m->key, 0, nonce, block);
    memcpy(m->key, block, 32);
    memset(out, 0, n);
    chacha20_xor(block + 32, 0, zero_nonce, out, n);
}

static void model_seed(struct model *m, uint8_t byte)
{
    uint8_t seed[64];
    memset(seed, byte, sizeof seed);
    model_mix(m, seed, sizeof seed);
}

static void test_first_read_seeds_and_matches_model(void)
{
    uint8_t got[100], want[100];
    struct model m = {0};
    CHECK_EQ(random_read(got, sizeof got), 100);
    CHECK_EQ(collects, 1);
    model_seed(&m, 0x11);
    model_read(&m, want, sizeof want);
    CHECK(!memcmp(got, want, sizeof got));
}

static void test_init_seeds_once(void)
{
    uint8_t buf[16];
    init_pool();
    CHECK_EQ(collects, 1);
    random_read(buf, sizeof buf);
    random_read(buf, sizeof buf);
    CHECK_EQ(collects, 1); /* within the interval: no reseed */
}

/* Fast key erasure: each read moves the pool key on, so two reads differ
 * and the second is what the model's second extraction gives. */
static void test_reads_differ_and_follow_key_erasure(void)
{
    uint8_t a[64], b[64], want[64];
    struct model m = {0};
    random_read(a, sizeof a);
    random_read(b, sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    model_seed(&m, 0x11);
    model_read(&m, want, sizeof want);
    CHECK(!memcmp(a, want, sizeof a));
    model_read(&m, want, sizeof want);
    CHECK(!memcmp(b, want, sizeof b));
}

static void test_mix_changes_later_output(void)
{
    uint8_t got[48], want[48], plain[48];
    static const char input[] = "virtio-rng says hello, and this is longer than 32 bytes";
    struct model m = {0}, unmixed;
    init_pool();
    random_mix(input, sizeof input);
    random_read(got, sizeof got);
    model_seed(&m, 0x11);
    unmixed = m;
    model_mix(&m, (const uint8_t *)input, sizeof input);
    model_read(&m, want, sizeof want);
    model_read(&unmixed, plain, sizeof plain);
    CHECK(!memcmp(got, want, sizeof got));
    CHECK(memcmp(got, plain, sizeof got) != 0);
    /* Mixing nothing still moves the key. */
    random_mix(NULL, 0);
    random_read(got, sizeof got);
    model_mix(&m, NULL, 0);
    model_read(&m, want, sizeof want);
    CHECK(!memcmp(got, want, sizeof got));
}

static void test_reseeds_after_interval(void)
{
    uint8_t got[32], want[32];
    struct model m = {0};
    init_pool();
    model_seed(&m, 0x11);
    fake_now = RANDOM_RESEED_INTERVAL_NS - 1;
    random_read(got, sizeof got);
    model_read(&m, want, sizeof want);
    CHECK_EQ(collects, 1);
    CHECK(!memcmp(got, want, sizeof got));
    fake_now = RANDOM_RESEED_INTERVAL_NS;
    fake_seed_byte = 0x22;
    random_read(got, sizeof got);
    CHECK_EQ(collects, 2);
    model_seed(&m, 0x22);
    model_read(&m, want, sizeof want);
    CHECK(!memcmp(got, want, sizeof got));
    /* The next interval counts from the reseed. */
    fake_now = 2 * RANDOM_RESEED_INTERVAL_NS - 1;
    random_read(got, sizeof got);
    CHECK_EQ(collects, 2);
    fake_now = 2 * RANDOM_RESEED_INTERVAL_NS;
    random_read(got, sizeof got);
    CHECK_EQ(collects, 3);
}

/* A stream hands out whole blocks per call: a 10-byte piece uses block 0,
 * the next piece starts at block 1. */
static void test_stream_pieces(void)
{
    struct random_stream s;
    uint8_t first[10], second[64], ref[128];
    struct model m = {0};
    random_stream_begin(&s);
    random_stream_next(&s, first, sizeof first);
    random_stream_next(&s, second, sizeof second);
    random_stream_end(&s);
    model_seed(&m, 0x11);
    model_read(&m, ref, sizeof ref);
    CHECK(!memcmp(first, ref, sizeof first));
    CHECK(!memcmp(second, ref + 64, sizeof second));
    /* end erases the key. */
    static const uint8_t zero[sizeof s] = {0};
    CHECK(!memcmp(&s, zero, sizeof s));
}

static void test_zero_length_read(void)
{
    uint8_t b = 0xa5;
    CHECK_EQ(random_read(&b, 0), 0);
    CHECK_EQ(b, 0xa5);
}

/* 1 MiB of output has a flat byte histogram (chi-square, 255 degrees of
 * freedom: 400 is far in the tail; the output is deterministic here, so
 * this cannot flake) and never repeats a 16-byte block at 64-byte steps. */
static void test_output_looks_uniform(void)
{
    enum { N = 1 << 20 };
    static uint8_t buf[N];
    random_read(buf, N);
    double count[256] = {0};
    for (size_t i = 0; i < N; i++)
        count[buf[i]]++;
    double expect = N / 256.0, chi = 0;
    for (int i = 0; i < 256; i++)
        chi += (count[i] - expect) * (count[i] - expect) / expect;
    CHECK(chi < 400);
    for (size_t off = 64; off < 64 * 64; off += 64)
        CHECK(memcmp(buf, buf + off, 16) != 0);
}

int main(void)
{
    return unit_main("random", (struct unit_test[]){
                                   UNIT(test_first_read_seeds_and_matches_model),
                                   UNIT(test_init_seeds_once),
                                   UNIT(test_reads_differ_and_follow_key_erasure),
                                   UNIT(test_mix_changes_later_output),
                                   UNIT(test_reseeds_after_interval),
                                   UNIT(test_stream_pieces),
                                   UNIT(test_zero_length_read),
                                   UNIT(test_output_looks_uniform),
                                   {0},
                               });
}
