/* Flattened JWE (RFC 7516 section 7.2.2) as a Trustee KBS sends resources, and
 * the `tee-pubkey` JWK that asks for them, on OpenSSL 3's libcrypto.
 *
 * Key management: ECDH-ES+A256KW on P-256 (RFC 7518 section 4.6: ECDH, the
 * Concat KDF with SHA-256, AES-256 key unwrap of RFC 3394) or RSA-OAEP-256
 * (RFC 7518 section 4.3).  Content: A256GCM, with ASCII(protected) (and
 * ".aad" when present) as the additional data.  Nothing else is accepted:
 * no RSA1_5 (padding oracles), no "zip", no "crit", no unprotected headers. */
#ifndef APROXY_JWE_H
#define APROXY_JWE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define JWE_MAX_JSON (256u * 1024)  /* a JWE text larger than this is refused unread */
#define JWE_WHY_LEN 160             /* room for any reason jwe_* writes */

enum jwe_key_type { JWE_KEY_EC_P256, JWE_KEY_RSA_3072 };

/* A fresh key pair for one attestation (the private half never leaves the
 * process).  NULL if libcrypto fails. */
EVP_PKEY *jwe_generate_key(enum jwe_key_type type);

/* Writes `key`'s public half as the tee-pubkey JWK, members in RFC 8785 order
 * (the KBS hashes its canonical JSON):
 *   {"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":..,"y":..}
 *   {"alg":"RSA-OAEP-256","e":..,"kty":"RSA","n":..}
 * Returns the length written (NUL-terminated), or -1 with a reason. */
long jwe_public_jwk(EVP_PKEY *key, char *out, size_t cap, char *why, size_t why_len);

/* Decrypts the flattened JWE `json` (len bytes, not NUL-terminated) with `key`
 * (the private half of the tee-pubkey sent).  On success writes the plaintext to
 * out (at most cap bytes), sets *out_len and returns 0; otherwise returns -1 and
 * says why (NUL-terminated, at most why_len bytes).  A wrong key, a tampered
 * header, key, IV, ciphertext or tag all give the same "decryption failed". */
int jwe_decrypt_flattened(EVP_PKEY *key, const char *json, size_t len, uint8_t *out, size_t cap,
                          size_t *out_len, char *why, size_t why_len);

/* Building blocks, exposed for the tests against RFC test vectors. */

/* RFC 7518 section 4.6.2: Concat KDF (SHA-256) of the shared secret z for
 * AlgorithmID `alg`, PartyUInfo apu, PartyVInfo apv, writing out_len bytes. */
int jwe_concat_kdf(const uint8_t *z, size_t z_len, const char *alg, const uint8_t *apu, size_t apu_len,
                   const uint8_t *apv, size_t apv_len, uint8_t *out, size_t out_len);

/* RFC 3394 AES-256 key unwrap of a 40-byte wrapped 256-bit key. 0 or -1. */
int jwe_aes256_unwrap(const uint8_t kek[32], const uint8_t wrapped[40], uint8_t key[32]);

/* AES-256-GCM decryption with a 96-bit IV and a 128-bit tag. 0 or -1. */
int jwe_a256gcm_decrypt(const uint8_t cek[32], const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                        const uint8_t *ct, size_t ct_len, const uint8_t tag[16], uint8_t *out);

#endif
