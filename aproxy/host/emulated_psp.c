/* The emulated PSP (emulated_psp.h). */
#include <errno.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "emulated_psp.h"

/* ATTESTATION_REPORT offsets used here (little-endian fields). */
#define R_VERSION        0x000
#define R_GUEST_SVN      0x004
#define R_POLICY         0x008
#define R_VMPL           0x030
#define R_SIG_ALGO       0x034
#define R_REPORT_DATA    0x050
#define R_MEASUREMENT    0x090
#define R_HOST_DATA      0x0C0   /* 32 bytes the launch gave (host_data.h) */
#define R_CHIP_ID        0x1A0
#define R_SIGNED_END     0x2A0   /* the signature covers bytes 0 .. 0x29F */
#define R_SIG_R          0x2A0
#define R_SIG_S          0x2E8
#define SIG_COMPONENT    72      /* r and s: 72-byte little-endian fields */

#define POLICY_SMT_AND_RESERVED (1ull << 16 | 1ull << 17) /* SMT allowed, reserved bit 17 must be 1 */
#define SIG_ALGO_ECDSA_P384_SHA384 1

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int write_public(EVP_PKEY *key, const char *key_path)
{
    char pub[4096];
    snprintf(pub, sizeof(pub), "%s.pub", key_path);
    FILE *f = fopen(pub, "w");
    int ok = f && PEM_write_PUBKEY(f, key);
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "aproxy-host: emulated PSP: cannot write %s\n", pub);
    return ok ? 0 : -1;
}

EVP_PKEY *emulated_psp_key(const char *key_path)
{
    EVP_PKEY *key = NULL;
    FILE *f = fopen(key_path, "r");
    if (f) {
        key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!key || !EVP_PKEY_is_a(key, "EC") || EVP_PKEY_get_bits(key) != 384) {
            fprintf(stderr, "aproxy-host: emulated PSP: %s is not a P-384 private key\n", key_path);
            EVP_PKEY_free(key);
            return NULL;
        }
    } else if (errno == ENOENT) {
        key = EVP_EC_gen("P-384");
        mode_t old = umask(077);
        f = fopen(key_path, "w");
        umask(old);
        int ok = key && f && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
        if (f && fclose(f) != 0)
            ok = 0;
        if (!ok) {
            fprintf(stderr, "aproxy-host: emulated PSP: cannot make %s\n", key_path);
            EVP_PKEY_free(key);
            return NULL;
        }
        fprintf(stderr, "aproxy-host: emulated PSP: new signing key %s\n", key_path);
    } else {
        fprintf(stderr, "aproxy-host: emulated PSP: %s: %s\n", key_path, strerror(errno));
        return NULL;
    }
    if (write_public(key, key_path) < 0) {
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

/* A big-endian number as SNP's little-endian, zero-padded field. */
static void put_le_bn(uint8_t *field, const BIGNUM *bn)
{
    uint8_t be[SIG_COMPONENT];
    BN_bn2binpad(bn, be, SIG_COMPONENT);
    for (int i = 0; i < SIG_COMPONENT; i++)
        field[i] = be[SIG_COMPONENT - 1 - i];
}

int emulated_psp_report(EVP_PKEY *key, const uint8_t report_data[64], const uint8_t measurement[48],
                        const uint8_t host_data[32], uint8_t out[PSP_REPORT_LEN])
{
    static const char marker[] = "nutshell-emulated-psp";
    memset(out, 0, PSP_REPORT_LEN);
    put_le32(out + R_VERSION, 2);
    put_le32(out + R_GUEST_SVN, 0);
    put_le64(out + R_POLICY, POLICY_SMT_AND_RESERVED);
    put_le32(out + R_VMPL, 0);
    put_le32(out + R_SIG_ALGO, SIG_ALGO_ECDSA_P384_SHA384);
    memcpy(out + R_REPORT_DATA, report_data, 64);
    memcpy(out + R_MEASUREMENT, measurement, 48);
    memcpy(out + R_HOST_DATA, host_data, 32);
    memcpy(out + R_CHIP_ID, marker, sizeof(marker) - 1);

    uint8_t der[256];
    size_t der_len = sizeof(der);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestSignInit(c, NULL, EVP_sha384(), NULL, key) &&
             EVP_DigestSign(c, der, &der_len, out, R_SIGNED_END);
    EVP_MD_CTX_free(c);
    if (!ok)
        return -1;
    const uint8_t *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (!sig)
        return -1;
    put_le_bn(out + R_SIG_R, ECDSA_SIG_get0_r(sig));
    put_le_bn(out + R_SIG_S, ECDSA_SIG_get0_s(sig));
    ECDSA_SIG_free(sig);
    return 0;
}
