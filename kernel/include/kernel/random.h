/* The kernel entropy pool: random bytes for getrandom(2), /dev/urandom,
 * AT_RANDOM and anything in the kernel that needs unpredictable values.
 *
 * One 256-bit ChaCha20 key is the whole pool.  Entropy (RDSEED/RDRAND when
 * the CPU has them, TSC jitter always, and whatever random_mix is given) is
 * compressed into it with ChaCha20 itself.  Each read takes one block
 * under the key, whose first half replaces the key ("fast key erasure":
 * the key that produced an output no longer exists once the output does)
 * and whose second half is a private key for that read's output, erased
 * when the read ends.  The pool reseeds from the hardware at most every
 * RANDOM_RESEED_INTERVAL_NS, on the next read after the interval.
 *
 * Reads never block: the pool is seeded by random_init during boot (or by
 * the first read, whichever comes first), long before user space. */
#ifndef KERNEL_RANDOM_H
#define KERNEL_RANDOM_H

#include <kernel/chacha20.h>
#include <kernel/types.h>

#define RANDOM_RESEED_INTERVAL_NS (60ull * 1000000000ull)

/* Seeds the pool from the hardware and logs which sources it used.
 * Called once from kmain after the clock and CPU features are up. */
void random_init(void);

/* Fills buf with n random bytes.  Returns n.  Never blocks, never fails. */
int64_t random_read(void *buf, size_t n);

/* Mixes n bytes from an entropy source (virtio-rng, device timings...) into
 * the pool.  Never credits or trusts them: input can only add
 * unpredictability.  Callable from interrupt handlers. */
void random_mix(const void *buf, size_t n);

/* A stream of output under one private key, for readers that deliver in
 * pieces (getrandom copies to user space block by block, without holding
 * the pool lock).  begin takes the key from the pool; end erases it. */
struct random_stream {
    uint8_t key[CHACHA20_KEY_SIZE];
    uint32_t counter;
};
void random_stream_begin(struct random_stream *s);
/* Next n bytes of the stream; n at most 64 * 2^32 over the stream's life. */
void random_stream_next(struct random_stream *s, void *buf, size_t n);
void random_stream_end(struct random_stream *s);

/* The hardware side (kernel/lib/random_hw.c; host tests provide their own):
 * fills buf with n bytes gathered from RDSEED, RDRAND and TSC jitter, and
 * describes the sources used in *sources (a static string). */
void random_hw_collect(void *buf, size_t n, const char **sources);

#endif
