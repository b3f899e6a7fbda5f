/* SHA-256 and SHA-384 (FIPS 180-4), for measured launch (kernel/lib/
 * measure.c): the digests of the TCG event log's two banks.  Portable C, no
 * SSE (the kernel is built with -mno-sse); checked on the host against the
 * FIPS 180-4 examples and OpenSSL (tests/unit/test_sha2.c).
 *
 *   struct sha256 s; sha256_init(&s); sha256_update(&s, p, n) ...;
 *   sha256_final(&s, digest);
 *
 * A context is plain memory: copy it to fork a running hash. */
#ifndef KERNEL_SHA2_H
#define KERNEL_SHA2_H

#include <kernel/types.h>

#define SHA256_DIGEST_SIZE 32
#define SHA384_DIGEST_SIZE 48
#define SHA256_BLOCK_SIZE 64
#define SHA512_BLOCK_SIZE 128

struct sha256 {
    uint32_t h[8];
    uint64_t total;                  /* bytes hashed so far */
    uint8_t buf[SHA256_BLOCK_SIZE];  /* the partial block: total % 64 bytes */
};

/* SHA-384 is SHA-512 with its own initial values, truncated to 48 bytes. */
struct sha384 {
    uint64_t h[8];
    uint64_t total;                  /* bytes hashed so far (< 2^64: the 128-bit length's high half is 0) */
    uint8_t buf[SHA512_BLOCK_SIZE];  /* the partial block: total % 128 bytes */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE]);
void sha256(const void *data, size_t n, uint8_t out[SHA256_DIGEST_SIZE]);

void sha384_init(struct sha384 *s);
void sha384_update(struct sha384 *s, const void *data, size_t n);
void sha384_final(struct sha384 *s, uint8_t out[SHA384_DIGEST_SIZE]);
void sha384(const void *data, size_t n, uint8_t out[SHA384_DIGEST_SIZE]);

#endif
