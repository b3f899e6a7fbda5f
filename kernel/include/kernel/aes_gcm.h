/* AES-256 (FIPS 197, encryption only) and AES-256-GCM (NIST SP 800-38D, a
 * 96-bit IV and a 128-bit tag), for the SEV-SNP guest messages
 * (kernel/lib/snp_msg.c), which the firmware protects with AES-256-GCM
 * under a VM platform communication key.
 *
 * Portable C without SSE (the kernel is built with -mno-sse) and without
 * secret-dependent table lookups or branches: the S-box is computed (the
 * inverse in GF(2^8), then the affine map) and GHASH multiplies bit by bit
 * under masks, since the host of a confidential VM can watch its caches.
 * Slow (a few MB/s under TCG), and meant for a page per attestation.
 * Checked on the host against FIPS 197, the GCM specification's test cases
 * and OpenSSL (tests/unit/test_aes_gcm.c). */
#ifndef KERNEL_AES_GCM_H
#define KERNEL_AES_GCM_H

#include <kernel/types.h>

#define AES256_KEY_SIZE 32
#define AES_BLOCK_SIZE 16
#define AES_GCM_IV_SIZE 12
#define AES_GCM_TAG_SIZE 16

/* An expanded AES-256 key: 15 round keys. */
struct aes256 {
    uint8_t rk[15 * AES_BLOCK_SIZE];
};

void aes256_init(struct aes256 *a, const uint8_t key[AES256_KEY_SIZE]);
/* One block; in and out may be the same. */
void aes256_encrypt(const struct aes256 *a, const uint8_t in[AES_BLOCK_SIZE], uint8_t out[AES_BLOCK_SIZE]);
/* Overwrites n bytes in a way the compiler may not drop (keys, plaintext). */
void secret_wipe(void *p, size_t n);

/* Encrypts len bytes of in to out (the same buffer or disjoint) and
 * authenticates them with aad_len bytes of aad; writes the tag. */
void aes256_gcm_seal(const uint8_t key[AES256_KEY_SIZE], const uint8_t iv[AES_GCM_IV_SIZE], const void *aad,
                     size_t aad_len, const void *in, void *out, size_t len, uint8_t tag[AES_GCM_TAG_SIZE]);
/* Checks the tag over aad and the ciphertext in, then decrypts it to out
 * (the same buffer or disjoint): 0, or -EBADMSG with out zeroed when the tag
 * does not match (compared in constant time). */
int aes256_gcm_open(const uint8_t key[AES256_KEY_SIZE], const uint8_t iv[AES_GCM_IV_SIZE], const void *aad,
                    size_t aad_len, const void *in, void *out, size_t len, const uint8_t tag[AES_GCM_TAG_SIZE]);

#endif
