/* AES-256 and AES-256-GCM (kernel/lib/aes256.c, aes_gcm.c): the FIPS 197
 * example, the GCM specification's AES-256 test cases, agreement with
 * OpenSSL's libcrypto over many lengths of plaintext and AAD, and the
 * refusal of any changed byte of ciphertext, AAD or tag. */
#include "unit.h"

#include <kernel/aes_gcm.h>
#include <kernel/errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static void unhex(const char *s, uint8_t *out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* FIPS 197 appendix C.3. */
static void test_fips197_example(void)
{
    uint8_t key[32], in[16], want[16], got[16];
    unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", key);
    unhex("00112233445566778899aabbccddeeff", in);
    unhex("8ea2b7ca516745bfeafc49904b496089", want);
    struct aes256 a;
    aes256_init(&a, key);
    aes256_encrypt(&a, in, got);
    CHECK(!memcmp(got, want, 16));
    aes256_encrypt(&a, in, in); /* in place */
    CHECK(!memcmp(in, want, 16));
}

/* "The Galois/Counter Mode of Operation (GCM)", McGrew and Viega, test
 * cases 13-15 (AES-256, 96-bit IV). */
static void test_gcm_spec_cases(void)
{
    uint8_t key[32] = {0}, iv[12] = {0}, pt[64] = {0}, ct[64], tag[16], want[64], want_tag[16];
    aes256_gcm_seal(key, iv, NULL, 0, pt, ct, 0, tag);
    unhex("530f8afbc74536b9a963b4f1c4cb738b", want_tag);
    CHECK(!memcmp(tag, want_tag, 16));

    aes256_gcm_seal(key, iv, NULL, 0, pt, ct, 16, tag);
    unhex("cea7403d4d606b6e074ec5d3baf39d18", want);
    unhex("d0d1c8a799996bf0265b98b5d48ab919", want_tag);
    CHECK(!memcmp(ct, want, 16));
    CHECK(!memcmp(tag, want_tag, 16));

    unhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", key);
    unhex("cafebabefacedbaddecaf888", iv);
    unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
          "b16aedf5aa0de657ba637b391aafd255", pt);
    aes256_gcm_seal(key, iv, NULL, 0, pt, ct, 64, tag);
    unhex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838"
          "c5f61e6393ba7a0abcc9f662898015ad", want);
    unhex("b094dac5d93471bdec1a502270e3cc6c", want_tag);
    CHECK(!memcmp(ct, want, 64));
    CHECK(!memcmp(tag, want_tag, 16));
    uint8_t back[64];
    CHECK_EQ(aes256_gcm_open(key, iv, NULL, 0, ct, back, 64, tag), 0);
    CHECK(!memcmp(back, pt, 64));
}

static void openssl_seal(const uint8_t *key, const uint8_t *iv, const uint8_t *aad, int aad_len, const uint8_t *in,
                         uint8_t *out, int len, uint8_t *tag)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n;
    if (!c || !EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv) ||
        (aad_len && !EVP_EncryptUpdate(c, NULL, &n, aad, aad_len)) || (len && !EVP_EncryptUpdate(c, out, &n, in, len)) ||
        !EVP_EncryptFinal_ex(c, out + len, &n) || !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag))
        unit_fail(__FILE__, __LINE__, "OpenSSL AES-256-GCM failed");
    EVP_CIPHER_CTX_free(c);
}

static void test_against_openssl(void)
{
    uint8_t key[32], iv[12], aad[80], pt[700], ct[700], want[700], tag[16], want_tag[16], back[700];
    srand(15);
    for (int len = 0; len <= 600; len += 1 + len / 8) {
        for (int aad_len = 0; aad_len <= 80; aad_len += 17) {
            for (size_t i = 0; i < sizeof key; i++)
                key[i] = (uint8_t)rand();
            for (size_t i = 0; i < sizeof iv; i++)
                iv[i] = (uint8_t)rand();
            for (int i = 0; i < aad_len; i++)
                aad[i] = (uint8_t)rand();
            for (int i = 0; i < len; i++)
                pt[i] = (uint8_t)rand();
            openssl_seal(key, iv, aad, aad_len, pt, want, len, want_tag);
            aes256_gcm_seal(key, iv, aad, (size_t)aad_len, pt, ct, (size_t)len, tag);
            if (memcmp(ct, want, (size_t)len) || memcmp(tag, want_tag, 16)) {
                unit_fail(__FILE__, __LINE__, "%d bytes with %d of AAD differ from OpenSSL", len, aad_len);
                return;
            }
            if (aes256_gcm_open(key, iv, aad, (size_t)aad_len, ct, back, (size_t)len, tag) ||
                memcmp(back, pt, (size_t)len)) {
                unit_fail(__FILE__, __LINE__, "%d bytes with %d of AAD do not open", len, aad_len);
                return;
            }
            memcpy(back, pt, (size_t)len); /* in place, both ways */
            aes256_gcm_seal(key, iv, aad, (size_t)aad_len, back, back, (size_t)len, tag);
            CHECK(!memcmp(back, want, (size_t)len));
            CHECK_EQ(aes256_gcm_open(key, iv, aad, (size_t)aad_len, back, back, (size_t)len, tag), 0);
            CHECK(!memcmp(back, pt, (size_t)len));
        }
    }
}

/* Every flipped bit of ciphertext, AAD or tag is refused, and a refused
 * open leaves no plaintext behind. */
static void test_tampering_refused(void)
{
    uint8_t key[32], iv[12], aad[48], pt[40], ct[40], tag[16], out[40];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(i * 7);
    memset(iv, 0x5a, sizeof iv);
    memset(aad, 0x11, sizeof aad);
    memset(pt, 0x22, sizeof pt);
    aes256_gcm_seal(key, iv, aad, sizeof aad, pt, ct, sizeof pt, tag);
    for (size_t bit = 0; bit < 8 * (sizeof ct + sizeof aad + sizeof tag); bit++) {
        uint8_t *p = bit / 8 < sizeof ct ? ct + bit / 8
                   : bit / 8 < sizeof ct + sizeof aad ? aad + (bit / 8 - sizeof ct)
                                                        : tag + (bit / 8 - sizeof ct - sizeof aad);
        *p ^= (uint8_t)(1u << bit % 8);
        memset(out, 0xee, sizeof out);
        int r = aes256_gcm_open(key, iv, aad, sizeof aad, ct, out, sizeof ct, tag);
        *p ^= (uint8_t)(1u << bit % 8);
        if (r != -EBADMSG) {
            unit_fail(__FILE__, __LINE__, "bit %zu flipped: open returned %d", bit, r);
            return;
        }
        for (size_t i = 0; i < sizeof out; i++)
            CHECK_EQ(out[i], 0);
    }
    iv[0] ^= 1; /* a different IV (sequence number) too */
    CHECK_EQ(aes256_gcm_open(key, iv, aad, sizeof aad, ct, out, sizeof ct, tag), -EBADMSG);
    iv[0] ^= 1;
    CHECK_EQ(aes256_gcm_open(key, iv, aad, sizeof aad, ct, out, sizeof ct, tag), 0);
    CHECK(!memcmp(out, pt, sizeof pt));
}

int main(void)
{
    return unit_main("aes_gcm", (struct unit_test[]){UNIT(test_fips197_example), UNIT(test_gcm_spec_cases),
                                                      UNIT(test_against_openssl), UNIT(test_tampering_refused),
                                                      {0}});
}
