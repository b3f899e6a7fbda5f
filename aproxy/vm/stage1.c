/* Stage 1 (stage1.h): challenge, bind, report, attest, fetch. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "jwe.h"
#include "stage1.h"

/* The platform's certificate table goes with the report (schema version 2:
 * a version-1 host half could not read it, and then uses its own
 * --snp-vcek or none).  Said once per aproxy, with what it holds. */
static void stage1_carry_certs(struct session *s, struct platform *p, const uint8_t *report, struct msg *req)
{
    static bool said;
    struct cert_entry e[CERT_TABLE_ENTRIES_MAX];
    const struct cert_entry *ek = platform_endorsement(p, report, e);
    bool carry = s->version >= 2 && p->certs_len;
    if (carry)
        msg_set_bytes(req, F_CERT_TABLE, p->certs, p->certs_len);
    if (said)
        return;
    said = true;
    if (s->version < 2)
        fprintf(stderr, "aproxy: stage 1: the host half speaks aproxy version %u, which has no certificate table: "
                        "%s\n", s->version, p->certs_len ? "the platform's certificates stay here" : "none goes along");
    else if (!p->certs_len)
        fprintf(stderr, "aproxy: stage 1: the %s platform gave no certificate table (the verifier must find the "
                        "VCEK itself)\n", p->name);
    else
        fprintf(stderr, "aproxy: stage 1: the %s platform's certificate table (%zu bytes%s%s%s) goes with the "
                        "report\n", p->name, p->certs_len, ek ? ", " : ", no endorsement key for this report",
                ek ? cert_kind_name(ek->kind) : "", ek ? " included" : "");
}

int stage1_fetch(struct session *s, struct platform *p, EVP_PKEY *key, const char *resource, char **jwe,
                 char why[WHY_MAX])
{
    /* an emulated report can only pass as the dev KBS's opt-in "emulated-snp" */
    const char *tee = !strcmp(p->name, "snp") ? "snp" : "emulated-snp";
    char jwk[JWK_MAX], nonce[257], runtime[RUNTIME_MAX], bound[RUNTIME_MAX];
    char jwhy[JWE_WHY_LEN];
    if (jwe_public_jwk(key, jwk, sizeof(jwk), jwhy, sizeof(jwhy)) < 0) {
        snprintf(why, WHY_MAX, "the ephemeral key as a JWK: %s", jwhy);
        return -1;
    }

    struct msg req, reply;
    msg_init(&req, MSG_CHALLENGE);
    msg_set_text(&req, F_TEE, tee);
    if (session_call(s, &req, &reply, why) < 0)
        return -1;
    msg_text_copy(&reply, F_NONCE, nonce, sizeof(nonce));

    /* What the KBS is sent (runtime-data) and what the primary evidence binds
     * (the same plus the additional evidence, none in stage 1). */
    uint8_t report_data[REPORT_DATA_LEN];
    static uint8_t report[SNP_REPORT_LEN];
    if (binding_runtime_json(NULL, nonce, jwk, runtime, sizeof(runtime)) < 0 ||
        binding_runtime_json("", nonce, jwk, bound, sizeof(bound)) < 0) {
        snprintf(why, WHY_MAX, "the runtime-data does not fit");
        return -1;
    }
    binding_report_data(bound, report_data);
    if (p->report(p, report_data, report, why) < 0)
        return -1;

    msg_init(&req, MSG_ATTEST);
    msg_set_text(&req, F_TEE, tee);
    msg_set_text(&req, F_RUNTIME_DATA, runtime);
    msg_set_text(&req, F_PLATFORM, p->name);
    msg_set_bytes(&req, F_REPORT, report, sizeof(report));
    stage1_carry_certs(s, p, report, &req);
    return session_attest_fetch(s, &req, resource, jwe, why);
}
