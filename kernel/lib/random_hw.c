/* Hardware entropy for the pool (kernel/lib/random.c): RDSEED and RDRAND
 * when CPUID offers them, and TSC jitter always.
 *
 * The outputs are XORed together word by word, so each word is at least as
 * unpredictable as its best source: a broken or backdoored RDRAND cannot
 * cancel the jitter, and the pool compresses the result anyway.  Jitter
 * alone is weak (a few bits per sample under a hypervisor), which is why
 * each output word folds JITTER_SAMPLES timestamps and why the boot log
 * says when it was the only source. */
#include <arch/cpu.h>
#include <arch/cpu_features.h>
#include <kernel/clock.h>
#include <kernel/random.h>
#include <kernel/string.h>

#define RDSEED_RETRIES 64 /* RDSEED may be drained briefly; Intel suggests retrying */
#define RDRAND_RETRIES 10 /* Intel's recommended bound: failing 10 times means broken */
#define JITTER_SAMPLES 16

static bool rdseed64(uint64_t *out)
{
    for (int i = 0; i < RDSEED_RETRIES; i++) {
        uint64_t v;
        bool ok;
        /* rdseed sets CF on success; clobbers the flags (cc) only. */
        __asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok) : : "cc");
        if (ok) {
            *out = v;
            return true;
        }
        cpu_relax();
    }
    return false;
}

static bool rdrand64(uint64_t *out)
{
    for (int i = 0; i < RDRAND_RETRIES; i++) {
        uint64_t v;
        bool ok;
        /* rdrand sets CF on success; clobbers the flags (cc) only. */
        __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok) : : "cc");
        if (ok) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Timestamps around work whose duration varies with caches, interrupts and
 * the hypervisor's scheduling (CPUID exits to the hypervisor on most). */
static uint64_t jitter64(void)
{
    uint64_t acc = 0;
    for (int i = 0; i < JITTER_SAMPLES; i++) {
        uint32_t a, b, c, d;
        cpuid(0, 0, &a, &b, &c, &d);
        uint64_t t = rdtsc();
        acc = ((acc << 7) | (acc >> 57)) ^ t ^ a;
    }
    return acc;
}

void random_hw_collect(void *buf, size_t n, const char **sources)
{
    bool use_seed = cpu_has.rdseed, use_rand = cpu_has.rdrand;
    uint8_t *out = buf;
    uint64_t word = clock_realtime_ns(); /* not secret, but distinguishes boots */
    for (size_t off = 0; off < n; off += sizeof word) {
        uint64_t v;
        word ^= jitter64();
        if (use_seed) {
            if (rdseed64(&v))
                word ^= v;
            else
                use_seed = false; /* persistently empty: stop asking */
        }
        if (use_rand) {
            if (rdrand64(&v))
                word ^= v;
            else
                use_rand = false;
        }
        memcpy(out + off, &word, MIN(sizeof word, n - off));
    }
    if (use_seed && use_rand)
        *sources = "RDSEED, RDRAND and TSC jitter";
    else if (use_seed)
        *sources = "RDSEED and TSC jitter";
    else if (use_rand)
        *sources = "RDRAND and TSC jitter";
    else
        *sources = "TSC jitter only (no working RDSEED/RDRAND: weak)";
    word = 0;
    __asm__ volatile("" ::"r"(&word) : "memory"); /* keeps the wipe; clobbers nothing else */
}
