/* Unit test of Trustee's snp evidence JSON (aproxy/common/snp_evidence.c) on
 * the host, under ASan and UBSan.  Trustee's snp verifier deserializes the
 * report into virtee/sev's AttestationReport (serde) and checks the signature
 * over bincode's serialization of it, bytes 0..0x29F.  This test does the
 * same with its own description of that struct, written from the crate's
 * member list (names and types; the sizes follow from the types, the
 * offsets from the order, as for bincode): it reads the JSON with jansson,
 * rebuilds the bytes member by member, and needs every byte of the report
 * back, and an emulated PSP's signature to verify over them with the r and
 * s the JSON carries.  One PASS/FAIL line per case. */
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulated_psp.h"
#include "snp_evidence.h"

#define CHECK_SUITE "aproxy-snp-evidence"
#include "check.h"


/* A member of the crate's struct: u8/u32/u64 (little-endian in bincode), a
 * byte array of n, or a nested struct. */
struct member {
    const char *name;
    char type; /* '1' u8, '4' u32, '8' u64, 'a' [u8; n], 't' TcbVersion, 's' Signature */
    unsigned n;
};

static const struct member tcb[] = {
    {"bootloader", '1', 0}, {"tee", '1', 0}, {"_reserved", 'a', 4}, {"snp", '1', 0}, {"microcode", '1', 0}, {0, 0, 0},
};
static const struct member sig[] = {{"r", 'a', 72}, {"s", 'a', 72}, {"_reserved", 'a', 368}, {0, 0, 0}};

/* virtee/sev's AttestationReport (the serde-derived struct Trustee's snp
 * verifier names as report.version, report.reported_tcb, report.chip_id...),
 * in the crate's order; key_info names the u32 that older versions call
 * _author_key_en (the JSON carries both). */
#define REPORT_MEMBERS(KEY_INFO)                                                                                    \
    {"version", '4', 0}, {"guest_svn", '4', 0}, {"policy", '8', 0}, {"family_id", 'a', 16}, {"image_id", 'a', 16}, \
        {"vmpl", '4', 0}, {"sig_algo", '4', 0}, {"current_tcb", 't', 0}, {"plat_info", '8', 0},                     \
        {KEY_INFO, '4', 0}, {"_reserved_0", '4', 0}, {"report_data", 'a', 64}, {"measurement", 'a', 48},           \
        {"host_data", 'a', 32}, {"id_key_digest", 'a', 48}, {"author_key_digest", 'a', 48},                         \
        {"report_id", 'a', 32}, {"report_id_ma", 'a', 32}, {"reported_tcb", 't', 0}, {"_reserved_1", 'a', 24},      \
        {"chip_id", 'a', 64}, {"committed_tcb", 't', 0}, {"current_build", '1', 0}, {"current_minor", '1', 0},      \
        {"current_major", '1', 0}, {"_reserved_2", '1', 0}, {"committed_build", '1', 0},                            \
        {"committed_minor", '1', 0}, {"committed_major", '1', 0}, {"_reserved_3", '1', 0},                          \
        {"launch_tcb", 't', 0}, {"_reserved_4", 'a', 168}, {"signature", 's', 0}, {0, 0, 0}
static const struct member classic[] = {REPORT_MEMBERS("_author_key_en")};
static const struct member later[] = {REPORT_MEMBERS("key_info")};

/* Appends obj's members as bincode would serialize the struct ms; the
 * number of bytes, or -1 with why. */
static long rebuild(json_t *obj, const struct member *ms, uint8_t *out, size_t cap, char *why)
{
    size_t len = 0;
    for (const struct member *m = ms; m->name; m++) {
        json_t *v = json_object_get(obj, m->name);
        if (!v) {
            sprintf(why, "no member %s", m->name);
            return -1;
        }
        if (m->type == 't' || m->type == 's') {
            long n = rebuild(v, m->type == 't' ? tcb : sig, out + len, cap - len, why);
            if (n < 0)
                return -1;
            len += (size_t)n;
        } else if (m->type == 'a') {
            if (!json_is_array(v) || json_array_size(v) != m->n || len + m->n > cap) {
                sprintf(why, "%s: not an array of %u", m->name, m->n);
                return -1;
            }
            for (unsigned i = 0; i < m->n; i++) {
                json_t *b = json_array_get(v, i);
                if (!json_is_integer(b) || json_integer_value(b) < 0 || json_integer_value(b) > 255) {
                    sprintf(why, "%s[%u]: not a byte", m->name, i);
                    return -1;
                }
                out[len++] = (uint8_t)json_integer_value(b);
            }
        } else {
            unsigned size = (unsigned)(m->type - '0');
            /* jansson's integers are signed 64-bit: a u64 over 2^63 would not
             * parse, which the test's values avoid (policy and plat_info) */
            if (!json_is_integer(v) || len + size > cap) {
                sprintf(why, "%s: not an integer", m->name);
                return -1;
            }
            unsigned long long x = (unsigned long long)json_integer_value(v);
            for (unsigned b = 0; b < size; b++, x >>= 8)
                out[len++] = (uint8_t)x;
        }
    }
    return (long)len;
}

static json_t *report_of(const char *json, json_t **root)
{
    *root = json_loads(json, 0, NULL);
    return *root ? json_object_get(*root, "attestation_report") : NULL;
}

/* A report whose bytes all differ from their neighbours, with u64s below
 * 2^63 (jansson), signed by key like the emulated PSP. */
static void pattern_report(uint8_t r[SNP_EVIDENCE_REPORT_LEN])
{
    for (unsigned i = 0; i < SNP_EVIDENCE_REPORT_LEN; i++)
        r[i] = (uint8_t)(i * 7 + 3);
    r[0x08 + 7] &= 0x7f;
    r[0x40 + 7] &= 0x7f;
}

/* Trustee's check: ECDSA P-384 over SHA-384 of bytes 0..0x29F with r and s
 * taken little-endian from the signature. */
static int signature_verifies(EVP_PKEY *key, const uint8_t *bytes)
{
    uint8_t be[72], digest[SHA384_DIGEST_LENGTH];
    BIGNUM *r, *s;
    for (int i = 0; i < 72; i++)
        be[i] = bytes[0x2A0 + 71 - i];
    r = BN_bin2bn(be, 72, NULL);
    for (int i = 0; i < 72; i++)
        be[i] = bytes[0x2A0 + 72 + 71 - i];
    s = BN_bin2bn(be, 72, NULL);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, r, s);
    unsigned char *der = NULL;
    int der_len = i2d_ECDSA_SIG(sig, &der);
    SHA384(bytes, 0x2A0, digest);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    int ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
             EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, sizeof(digest)) == 1;
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    return ok;
}

int main(void)
{
    static uint8_t report[SNP_EVIDENCE_REPORT_LEN], back[2 * SNP_EVIDENCE_REPORT_LEN];
    static char json[SNP_EVIDENCE_MAX + 4096], why[256] = "";
    json_t *root, *rep;

    pattern_report(report);
    long n = snp_evidence_json(report, NULL, NULL, 0, json, sizeof(json));
    rep = report_of(json, &root);
    long got = rep ? rebuild(rep, classic, back, sizeof(back), why) : -1;
    check("classic-struct-rebuilds-every-byte", got == SNP_EVIDENCE_REPORT_LEN && !memcmp(back, report, sizeof(report)),
          !rep ? "not JSON with attestation_report" : got < 0 ? why : "the rebuilt bytes differ from the report");
    got = rep ? rebuild(rep, later, back, sizeof(back), why) : -1;
    check("key-info-struct-rebuilds-every-byte", got == SNP_EVIDENCE_REPORT_LEN && !memcmp(back, report, sizeof(report)),
          !rep ? "not JSON with attestation_report" : got < 0 ? why : "the rebuilt bytes differ from the report");
    check("no-chain-is-null", root && json_is_null(json_object_get(root, "cert_chain")) && json_object_size(root) == 2,
          json);
    check("length-returned", n == (long)strlen(json), "length differs from the text");
    json_decref(root);

    /* A report the emulated PSP signed: the signature verifies over the
     * rebuilt bytes, as Trustee verifies it (with the VCEK's key there). */
    EVP_PKEY *key = EVP_EC_gen("P-384");
    uint8_t report_data[64], measurement[48], host_data[32];
    memset(report_data, 0xa5, sizeof(report_data));
    memset(measurement, 0x5a, sizeof(measurement));
    for (int i = 0; i < 32; i++)
        host_data[i] = (uint8_t)(0xc0 + i);
    int signed_ok = key && emulated_psp_report(key, report_data, measurement, host_data, report) == 0;
    /* HOST_DATA at 0xC0 (SEV-SNP ABI, ATTESTATION_REPORT), inside the signed bytes */
    check("host-data-at-0xc0", signed_ok && !memcmp(report + 0xC0, host_data, 32) && report[0xBF] == 0x5a && report[0xE0] == 0,
          "the report does not carry HOST_DATA at 0xC0..0xDF");
    static const uint8_t vcek[] = {0x30, 0x82, 0x01};
    n = snp_evidence_json(report, "VCEK", vcek, sizeof(vcek), json, sizeof(json));
    rep = signed_ok && n > 0 ? report_of(json, &root) : (root = NULL);
    got = rep ? rebuild(rep, classic, back, sizeof(back), why) : -1;
    check("signature-verifies-over-rebuilt-bytes", got == SNP_EVIDENCE_REPORT_LEN && signature_verifies(key, back),
          got < 0 ? why : "the signature does not verify");
    json_t *chain = root ? json_object_get(root, "cert_chain") : NULL, *e = json_array_get(chain, 0);
    check("vcek-chain-entry",
          json_array_size(chain) == 1 && json_is_string(json_object_get(e, "cert_type")) &&
              !strcmp(json_string_value(json_object_get(e, "cert_type")), "VCEK") &&
              json_array_size(json_object_get(e, "data")) == 3 &&
              json_integer_value(json_array_get(json_object_get(e, "data"), 1)) == 0x82,
          json);
    json_decref(root);
    EVP_PKEY_free(key);
    n = snp_cert_chain_json("VLEK", vcek, sizeof(vcek), json, sizeof(json));
    check("vlek-chain-entry", n > 0 && !strcmp(json, "[{\"cert_type\":\"VLEK\",\"data\":[48,130,1]}]"), json);
    n = snp_cert_chain_json("VCEK", NULL, 0, json, sizeof(json));
    check("no-certificate-chain-is-null", n == 4 && !strcmp(json, "null"), json);

    /* Bounds: the largest report text fits SNP_EVIDENCE_MAX; a buffer one
     * byte short of the text is refused. */
    memset(report, 0xff, sizeof(report));
    n = snp_evidence_json(report, NULL, NULL, 0, json, sizeof(json));
    snprintf(why, sizeof(why), "%ld bytes", n);
    check("largest-fits-max", n > 0 && n < SNP_EVIDENCE_MAX, why);
    check("short-buffer-refused", n > 0 && snp_evidence_json(report, NULL, NULL, 0, json, (size_t)n) == -1,
          "a buffer without room for the NUL was accepted");
    return check_failures ? 1 : 0;
}
