/* Stage 2 (stage2.h): challenge, report, additional evidence, quote, attest,
 * fetch. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "binding.h"
#include "jwe.h"
#include "log_prefix.h"
#include "snp_evidence.h"
#include "secret.h"
#include "stage2.h"

#define EVENT_LOG_MAX 32768
#define ADDITIONAL_MAX 8192 /* the `additional` field's limit (msg.c) */
_Static_assert(SNP_EVIDENCE_MAX + 16 <= ADDITIONAL_MAX, "snp evidence fits the additional evidence");

/* The whole event log, as it is now (it only grows). */
static long read_event_log(const char *path, uint8_t *buf, size_t cap, char why[WHY_MAX])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t n = 0;
    ssize_t r = 1;
    while (fd >= 0 && n < cap && (r = read(fd, buf + n, cap - n)) > 0)
        n += (size_t)r;
    if (fd < 0 || r < 0 || n == cap) {
        snprintf(why, WHY_MAX, "%s: %s", path, fd < 0 || r < 0 ? strerror(errno) : "larger than expected");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return (long)n;
}

int stage2_init_data(struct session *s, struct tpmc *t, char why[WHY_MAX])
{
    struct msg req, reply;
    msg_init(&req, MSG_INIT_DATA);
    if (session_call(s, &req, &reply, why) < 0) {
        if (s->last_error != MSGERR_MALFORMED)
            return -1;
        fprintf(stderr, "aproxy: stage 2: the host half offers no init-data (%s); PCR %d stays zero\n", why,
                INIT_DATA_PCR);
        return 0;
    }
    if (!reply.f[F_BODY].len)
        return 0;
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(reply.f[F_BODY].p, reply.f[F_BODY].len, digest);
    if (tpmc_pcr_extend(t, INIT_DATA_PCR, digest, why) < 0)
        return -1;
    fprintf(stderr, "aproxy: stage 2: init-data (%zu bytes, SHA-256 %02x%02x%02x%02x...) extended into PCR %d\n",
            reply.f[F_BODY].len, digest[0], digest[1], digest[2], digest[3], INIT_DATA_PCR);
    return 0;
}

size_t stage2_quote_nonce_len = REPORT_DATA_LEN;

int stage2_fetch(struct session *s, struct platform *p, struct tpmc *t, EVP_PKEY *key, const char *resource,
                 char **jwe, char why[WHY_MAX])
{
    bool snp = !strcmp(p->name, "snp");
    char jwk[JWK_MAX], nonce[257], jwhy[JWE_WHY_LEN];
    static char runtime[RUNTIME_MAX], bound[RUNTIME_MAX + ADDITIONAL_MAX], additional[ADDITIONAL_MAX];
    if (jwe_public_jwk(key, jwk, sizeof(jwk), jwhy, sizeof(jwhy)) < 0) {
        snprintf(why, WHY_MAX, "the ephemeral key as a JWK: %s", jwhy);
        return -1;
    }
    struct msg req, reply;
    msg_init(&req, MSG_CHALLENGE);
    msg_set_text(&req, F_TEE, "tpm");
    if (session_call(s, &req, &reply, why) < 0)
        return -1;
    msg_text_copy(&reply, F_NONCE, nonce, sizeof(nonce));

    /* The report binds {nonce, tee-pubkey} and, emulated, in its spare 16
     * bytes the AK (the dev KBS's trust_platform_bound_ak).  Trustee's snp
     * verifier compares all 64 bytes with the binding zero-filled, so a
     * hardware report leaves them zero: its AK must be trusted otherwise
     * (docs/aproxy.md, "Pointing it at a real Trustee KBS"). */
    uint8_t report_data[REPORT_DATA_LEN], ak_hash[32];
    static uint8_t report[SNP_REPORT_LEN];
    if (binding_runtime_json(NULL, nonce, jwk, runtime, sizeof(runtime)) < 0) {
        snprintf(why, WHY_MAX, "the runtime-data does not fit");
        return -1;
    }
    binding_report_data(runtime, report_data);
    SHA256(t->ak_der, t->ak_der_len, ak_hash);
    if (!snp)
        memcpy(report_data + 48, ak_hash, 16);
    if (p->report(p, report_data, report, why) < 0)
        return -1;
    if (snp) {
        /* Trustee's snp evidence, no chain: its verifier fetches the VCEK */
        static char evidence[SNP_EVIDENCE_MAX];
        if (snp_evidence_json(report, NULL, NULL, 0, evidence, sizeof(evidence)) < 0) {
            snprintf(why, WHY_MAX, "the snp evidence does not fit");
            return -1;
        }
        snprintf(additional, sizeof(additional), "{\"snp\":%s}", evidence);
    } else {
        /* the emulated PSP's endorsement key (its emulated VCEK) goes along,
         * in Trustee's cert_chain form, when the host half gave one */
        char report_b64[B64_ENCODED_SIZE(SNP_REPORT_LEN)];
        static char chain[ADDITIONAL_MAX];
        struct cert_entry entries[CERT_TABLE_ENTRIES_MAX];
        const struct cert_entry *ek = platform_endorsement(p, report, entries);
        b64_encode(report, sizeof(report), report_b64, sizeof(report_b64));
        if (ek && snp_cert_chain_json(cert_kind_name(ek->kind), ek->der, ek->len, chain, sizeof(chain)) < 0) {
            snprintf(why, WHY_MAX, "the emulated VCEK (%zu bytes) does not fit the additional evidence", ek->len);
            return -1;
        }
        if (snprintf(additional, sizeof(additional), "{\"emulated-snp\":{\"emulated\":true,\"report\":\"%s\"%s%s}}",
                     report_b64, ek ? ",\"cert_chain\":" : "", ek ? chain : "") >= (int)sizeof(additional)) {
            snprintf(why, WHY_MAX, "the emulated report and its VCEK do not fit the additional evidence");
            return -1;
        }
    }

    /* The quote binds all of it: H over {additional-evidence, nonce, tee-pubkey}. */
    uint8_t h[REPORT_DATA_LEN];
    static uint8_t attest[TPMC_MAX], sig[TPMC_MAX], log[EVENT_LOG_MAX], pcrs[TPMC_PCRS][32];
    size_t attest_len, sig_len;
    if (binding_runtime_json(additional, nonce, jwk, bound, sizeof(bound)) < 0) {
        snprintf(why, WHY_MAX, "the bound runtime-data does not fit");
        return -1;
    }
    binding_report_data(bound, h);
    if (tpmc_quote(t, h, stage2_quote_nonce_len, attest, &attest_len, sig, &sig_len, why) < 0 || tpmc_pcr_read(t, pcrs, why) < 0)
        return -1;
    long log_len = read_event_log(t->eventlog, log, sizeof(log), why);
    if (log_len < 0 || (log_len = log_prefix_for_pcrs(log, (size_t)log_len, pcrs, why)) < 0)
        return -1;

    msg_init(&req, MSG_ATTEST);
    msg_set_text(&req, F_TEE, "tpm");
    msg_set_text(&req, F_RUNTIME_DATA, runtime);
    msg_set_text(&req, F_PLATFORM, p->name);
    msg_set_bytes(&req, F_REPORT, report, sizeof(report));
    msg_set_bytes(&req, F_AK_PUBLIC, t->ak_der, t->ak_der_len);
    msg_set_bytes(&req, F_QUOTE, attest, attest_len);
    msg_set_bytes(&req, F_SIGNATURE, sig, sig_len);
    for (int i = 0; i < TPMC_PCRS; i++)
        req.items[i] = (struct msg_val){.p = pcrs[i], .len = 32};
    msg_set_array(&req, F_PCRS, TPMC_PCRS);
    msg_set_bytes(&req, F_EVENT_LOG, log, (size_t)log_len);
    msg_set_text(&req, F_ADDITIONAL, additional);
    return session_attest_fetch(s, &req, resource, jwe, why);
}

long stage2_secret(struct session *s, struct platform *p, struct tpmc *t, const char *resource, uint8_t *out,
                   char why[WHY_MAX])
{
    EVP_PKEY *key = jwe_generate_key(JWE_KEY_EC_P256);
    char *jwe = NULL;
    long len = -1;
    if (!key)
        snprintf(why, WHY_MAX, "cannot make an ephemeral key");
    else if (stage2_fetch(s, p, t, key, resource, &jwe, why) == 0)
        len = secret_open(key, jwe, out, why);
    free(jwe);
    EVP_PKEY_free(key);
    return len;
}
