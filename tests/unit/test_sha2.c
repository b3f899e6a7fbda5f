/* SHA-256 and SHA-384 (kernel/lib/sha256.c, sha384.c): the FIPS 180-4
 * examples (the NIST "Cryptographic Standards and Guidelines" example
 * values), the padding boundaries, and agreement with OpenSSL's libcrypto
 * over every length up to a few blocks, fed in uneven pieces. */
#include "unit.h"

#include <kernel/sha2.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void check256(const void *msg, size_t n, const char *want)
{
    uint8_t d[SHA256_DIGEST_SIZE];
    char got[2 * SHA256_DIGEST_SIZE + 1];
    sha256(msg, n, d);
    hex(d, sizeof d, got);
    if (strcmp(got, want))
        unit_fail(__FILE__, __LINE__, "sha256 of %zu bytes: %s, want %s", n, got, want);
}

static void check384(const void *msg, size_t n, const char *want)
{
    uint8_t d[SHA384_DIGEST_SIZE];
    char got[2 * SHA384_DIGEST_SIZE + 1];
    sha384(msg, n, d);
    hex(d, sizeof d, got);
    if (strcmp(got, want))
        unit_fail(__FILE__, __LINE__, "sha384 of %zu bytes: %s, want %s", n, got, want);
}

static const char two_block_256[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char two_block_512[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                                    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

/* FIPS 180-4 examples: "abc", the two-block messages, and the empty string. */
static void test_fips_examples_sha256(void)
{
    check256("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check256(two_block_256, strlen(two_block_256),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check256("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_fips_examples_sha384(void)
{
    check384("abc", 3,
             "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    check384(two_block_512, strlen(two_block_512),
             "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039");
    check384("", 0,
             "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b");
}

/* One million 'a's (the long example), fed 1000 bytes at a time. */
static void test_million_a(void)
{
    char a[1000];
    memset(a, 'a', sizeof a);
    struct sha256 s;
    struct sha384 t;
    sha256_init(&s);
    sha384_init(&t);
    for (int i = 0; i < 1000; i++) {
        sha256_update(&s, a, sizeof a);
        sha384_update(&t, a, sizeof a);
    }
    uint8_t d256[32], d384[48];
    char g256[65], g384[97];
    sha256_final(&s, d256);
    sha384_final(&t, d384);
    hex(d256, 32, g256);
    hex(d384, 48, g384);
    CHECK(!strcmp(g256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    CHECK(!strcmp(g384, "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b"
                        "07b8b3dc38ecc4ebae97ddd87f3d8985"));
}

static void openssl_digest(const EVP_MD *md, const uint8_t *msg, size_t n, uint8_t *out)
{
    unsigned len;
    CHECK(EVP_Digest(msg, n, out, &len, md, NULL) == 1);
}

/* Every length from 0 to 600 (across the 55/56 and 111/112 padding edges
 * and several blocks), fed in pieces of 1, 7 and 63 bytes, equals OpenSSL. */
static void test_against_openssl(void)
{
    uint8_t msg[600];
    srand(15);
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)rand();
    static const size_t pieces[] = {1, 7, 63, 600};
    for (size_t n = 0; n <= sizeof msg; n++) {
        uint8_t want256[32], want384[48];
        openssl_digest(EVP_sha256(), msg, n, want256);
        openssl_digest(EVP_sha384(), msg, n, want384);
        for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
            struct sha256 s;
            struct sha384 t;
            sha256_init(&s);
            sha384_init(&t);
            for (size_t off = 0; off < n; off += pieces[k]) {
                size_t take = n - off < pieces[k] ? n - off : pieces[k];
                sha256_update(&s, msg + off, take);
                sha384_update(&t, msg + off, take);
            }
            uint8_t got256[32], got384[48];
            sha256_final(&s, got256);
            sha384_final(&t, got384);
            if (memcmp(got256, want256, 32) || memcmp(got384, want384, 48)) {
                unit_fail(__FILE__, __LINE__, "length %zu in pieces of %zu differs from OpenSSL", n, pieces[k]);
                return;
            }
        }
    }
}

int main(void)
{
    return unit_main("sha2", (struct unit_test[]){UNIT(test_fips_examples_sha256), UNIT(test_fips_examples_sha384),
                                                   UNIT(test_million_a), UNIT(test_against_openssl), {0}});
}
