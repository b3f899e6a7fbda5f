/* ChaCha20 (kernel/lib/chacha20.c) against the test vectors of RFC 8439:
 * the block function (2.3.2), the cipher (2.4.2) and appendix A.1/A.2. */
#include "unit.h"

#include <kernel/chacha20.h>
#include <stdlib.h>
#include <string.h>

/* Parses a hex string (spaces allowed) into out; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        char b[3] = {s[0], s[1], 0};
        out[n++] = (uint8_t)strtoul(b, NULL, 16);
        s += 2;
    }
    return n;
}

static void seq_key(uint8_t key[32])
{
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
}

static void check_block(const uint8_t key[32], uint32_t counter, const char *nonce_hex, const char *want_hex)
{
    uint8_t nonce[12], want[64], got[64];
    CHECK_EQ(unhex(nonce_hex, nonce), 12);
    CHECK_EQ(unhex(want_hex, want), 64);
    chacha20_block(key, counter, nonce, got);
    CHECK(!memcmp(got, want, 64));
}

/* RFC 8439 2.3.2. */
static void test_block_function_vector(void)
{
    uint8_t key[32];
    seq_key(key);
    check_block(key, 1, "000000090000004a00000000",
                "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
                "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
}

/* RFC 8439 A.1, test vectors #1, #2 and #5. */
static void test_appendix_block_vectors(void)
{
    uint8_t zero[32] = {0};
    check_block(zero, 0, "000000000000000000000000",
                "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
                "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
    check_block(zero, 1, "000000000000000000000000",
                "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
                "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f");
    check_block(zero, 0, "000000000000000000000002",
                "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
                "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d");
}

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
                                "for the future, sunscreen would be it.";
static const char sunscreen_ct[] =
    "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
    "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
    "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
    "5af90bbf74a35be6b40b8eedf2785e42874d";

/* RFC 8439 2.4.2: 114 bytes, so two whole blocks and a partial one. */
static void test_encryption_vector(void)
{
    uint8_t key[32], nonce[12], want[128], buf[128];
    seq_key(key);
    unhex("000000000000004a00000000", nonce);
    size_t n = strlen(sunscreen);
    CHECK_EQ(n, 114);
    CHECK_EQ(unhex(sunscreen_ct, want), n);
    memcpy(buf, sunscreen, n);
    chacha20_xor(key, 1, nonce, buf, n);
    CHECK(!memcmp(buf, want, n));
    /* Decryption is the same operation. */
    chacha20_xor(key, 1, nonce, buf, n);
    CHECK(!memcmp(buf, sunscreen, n));
}

/* Piecewise encryption at block boundaries equals the one-shot result. */
static void test_xor_in_block_pieces(void)
{
    uint8_t key[32], nonce[12], whole[200], parts[200];
    seq_key(key);
    memset(nonce, 7, sizeof nonce);
    for (size_t i = 0; i < sizeof whole; i++)
        whole[i] = parts[i] = (uint8_t)(i * 31);
    chacha20_xor(key, 5, nonce, whole, sizeof whole);
    chacha20_xor(key, 5, nonce, parts, 64);
    chacha20_xor(key, 6, nonce, parts + 64, 128);
    chacha20_xor(key, 8, nonce, parts + 192, 8);
    CHECK(!memcmp(whole, parts, sizeof whole));
    /* Zero bytes touch nothing. */
    uint8_t untouched = 0x5a;
    chacha20_xor(key, 0, nonce, &untouched, 0);
    CHECK_EQ(untouched, 0x5a);
}

/* The 32-bit counter is the only thing that differs between blocks. */
static void test_counter_and_nonce_matter(void)
{
    uint8_t key[32] = {1}, nonce[12] = {0}, a[64], b[64], c[64];
    chacha20_block(key, 0, nonce, a);
    chacha20_block(key, 1, nonce, b);
    nonce[11] = 1;
    chacha20_block(key, 0, nonce, c);
    CHECK(memcmp(a, b, 64) != 0);
    CHECK(memcmp(a, c, 64) != 0);
    chacha20_block(key, 0xffffffffu, nonce, a); /* the last counter value works too */
    CHECK(memcmp(a, c, 64) != 0);
}

int main(void)
{
    return unit_main("chacha20", (struct unit_test[]){
                                     UNIT(test_block_function_vector),
                                     UNIT(test_appendix_block_vectors),
                                     UNIT(test_encryption_vector),
                                     UNIT(test_xor_in_block_pieces),
                                     UNIT(test_counter_and_nonce_matter),
                                     {0},
                                 });
}
