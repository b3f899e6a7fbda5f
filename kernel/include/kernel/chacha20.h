/* The ChaCha20 block function and stream cipher (RFC 8439, section 2).
 * Used by the entropy pool (kernel/lib/random.c) as its generator and its
 * mixing function; the test vectors of the RFC are checked on the host
 * (tests/unit/test_chacha20.c). */
#ifndef KERNEL_CHACHA20_H
#define KERNEL_CHACHA20_H

#include <kernel/types.h>

#define CHACHA20_KEY_SIZE 32
#define CHACHA20_NONCE_SIZE 12
#define CHACHA20_BLOCK_SIZE 64

/* One 64-byte keystream block for (key, counter, nonce): the RFC's
 * chacha20_block(), serialised little-endian. */
void chacha20_block(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
                    const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t out[CHACHA20_BLOCK_SIZE]);

/* XORs n bytes of keystream, starting at block `counter`, into buf (in
 * place): encryption and decryption are the same operation.  The caller
 * keeps n below 2^32 blocks (256 GiB), where the 32-bit counter would wrap. */
void chacha20_xor(const uint8_t key[CHACHA20_KEY_SIZE], uint32_t counter,
                  const uint8_t nonce[CHACHA20_NONCE_SIZE], uint8_t *buf, size_t n);

#endif
