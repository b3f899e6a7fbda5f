/* The JSON evidence the host half sends a Trustee KBS (evidence.h). */
#include <errno.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "evidence.h"
#include "snp_evidence.h"

void evidence_hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static json_t *b64_json(const struct msg_val *v)
{
    char *s = malloc(B64_ENCODED_SIZE(v->len));
    if (!s || !b64_encode(v->p, v->len, s, B64_ENCODED_SIZE(v->len))) {
        free(s);
        return NULL;
    }
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* Trustee's tpm evidence: the AK (SubjectPublicKeyInfo DER), the quote and
 * its signature (base64), PCRs 0-23 of the quoted bank (hex); the event log
 * rides along (base64) for a verifier that replays it. */
static json_t *tpm_evidence(const struct msg *m)
{
    json_t *pcrs = json_array();
    for (unsigned i = 0; i < m->n_items; i++) {
        char hex_pcr[2 * 64 + 1];
        evidence_hex(m->items[i].p, m->items[i].len, hex_pcr);
        json_array_append_new(pcrs, json_string(hex_pcr));
    }
    return json_pack("{s:o, s:{s:o, s:o, s:o}, s:o}", "ak_public", b64_json(&m->f[F_AK_PUBLIC]), "tpm_quote",
                     "message", b64_json(&m->f[F_QUOTE]), "signature", b64_json(&m->f[F_SIGNATURE]), "pcrs", pcrs,
                     "event_log", b64_json(&m->f[F_EVENT_LOG]));
}

/* Writes the parts of a tpm attestation into dir for an offline check
 * (tpm2_checkquote): ak.der, quote.msg, quote.sig, pcrs.bin, eventlog.bin. */
void evidence_dump_tpm(const char *dir, const struct msg *m)
{
    static const struct { const char *name; enum msg_field f; } parts[] = {
        {"ak.der", F_AK_PUBLIC}, {"quote.msg", F_QUOTE}, {"quote.sig", F_SIGNATURE}, {"eventlog.bin", F_EVENT_LOG},
    };
    char path[4096];
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, parts[i].name);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(m->f[parts[i].f].p, 1, m->f[parts[i].f].len, f);
            fclose(f);
        }
    }
    snprintf(path, sizeof(path), "%s/pcrs.bin", dir);
    FILE *f = fopen(path, "wb");
    for (unsigned i = 0; f && i < m->n_items; i++)
        fwrite(m->items[i].p, 1, m->items[i].len, f);
    if (f)
        fclose(f);
}

int evidence_write_ak_pem(const char *path, const struct msg_val *ak_der, char *why, size_t cap)
{
    const unsigned char *p = ak_der->p;
    EVP_PKEY *ak = d2i_PUBKEY(NULL, &p, (long)ak_der->len);
    if (!ak || p != ak_der->p + ak_der->len) {
        snprintf(why, cap, "the VM's AK (%zu bytes) is not a DER SubjectPublicKeyInfo", ak_der->len);
        EVP_PKEY_free(ak);
        return -1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && PEM_write_PUBKEY(f, ak) == 1;
    if (f && fclose(f) != 0)
        ok = 0;
    EVP_PKEY_free(ak);
    if (!ok || rename(tmp, path) < 0) {
        snprintf(why, cap, "writing %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int evidence_endorsement(const struct msg *m, const uint8_t *vcek, size_t vcek_len, struct endorsement *ek,
                         struct cert_entry entries[CERT_TABLE_ENTRIES_MAX], char *why, size_t cap)
{
    *ek = (struct endorsement){.der = vcek, .len = vcek_len, .type = "VCEK", .source = "--snp-vcek"};
    if (!msg_has(m, F_CERT_TABLE))
        return 0;
    char twhy[CERT_TABLE_WHY_MAX];
    int n = cert_table_parse(m->f[F_CERT_TABLE].p, m->f[F_CERT_TABLE].len, entries, CERT_TABLE_ENTRIES_MAX, twhy);
    if (n < 0) {
        snprintf(why, cap, "the VM's certificate table: %s", twhy);
        return -1;
    }
    const struct cert_entry *e = m->f[F_REPORT].len == SNP_EVIDENCE_REPORT_LEN
                                     ? cert_table_endorsement(entries, (size_t)n, m->f[F_REPORT].p) : NULL;
    if (e)
        *ek = (struct endorsement){.der = e->der, .len = e->len, .type = cert_kind_name(e->kind),
                                   .source = "the VM's certificate table"};
    return 0;
}

/* Trustee's snp evidence for a report from SEV-SNP hardware (snp_evidence.h),
 * with the endorsement key's certificate if there is one (else Trustee
 * fetches the VCEK from AMD's key distribution service by the report's chip
 * id and TCB). */
static json_t *snp_evidence(const struct msg *m, const struct endorsement *ek, char *why, size_t cap)
{
    if (!msg_text_is(m, F_PLATFORM, "snp") || m->f[F_REPORT].len != SNP_EVIDENCE_REPORT_LEN) {
        snprintf(why, cap, "tee 'snp' needs a %d-byte report from SEV-SNP hardware (not an emulated one)",
                 SNP_EVIDENCE_REPORT_LEN);
        return NULL;
    }
    size_t size = SNP_EVIDENCE_MAX + SNP_CHAIN_JSON_SIZE(ek->len);
    char *text = malloc(size);
    json_t *j = text && snp_evidence_json(m->f[F_REPORT].p, ek->type, ek->der, ek->len, text, size) > 0
                    ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!j)
        snprintf(why, cap, "cannot write the snp evidence (out of memory)");
    return j;
}

/* The development KBS's emulated-snp evidence: {"emulated": true, "report":
 * base64} and, when the emulated PSP's VCEK came with it, Trustee's
 * cert_chain form of it. */
static json_t *emulated_evidence(const struct msg *m, const struct endorsement *ek, char *why, size_t cap)
{
    if (!msg_text_is(m, F_PLATFORM, "emulated")) {
        snprintf(why, cap, "tee 'emulated-snp' with a report that is not emulated");
        return NULL;
    }
    json_t *j = json_pack("{s:b, s:o}", "emulated", 1, "report", b64_json(&m->f[F_REPORT]));
    size_t size = SNP_CHAIN_JSON_SIZE(ek->len);
    char *text = ek->len ? malloc(size) : NULL;
    json_t *chain = text && snp_cert_chain_json(ek->type, ek->der, ek->len, text, size) > 0
                        ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (j && ek->len && (!chain || json_object_set_new(j, "cert_chain", chain) < 0)) {
        json_decref(j);
        j = NULL;
    }
    if (!j)
        snprintf(why, cap, "cannot write the emulated-snp evidence (out of memory)");
    return j;
}

/* The primary evidence for the TEE the VM attests as. */
json_t *evidence_primary(const struct msg *m, const struct endorsement *ek, char *why, size_t cap)
{
    if (msg_text_is(m, F_TEE, "tpm"))
        return tpm_evidence(m);
    if (msg_text_is(m, F_TEE, "snp"))
        return snp_evidence(m, ek, why, cap);
    if (msg_text_is(m, F_TEE, "emulated-snp"))
        return emulated_evidence(m, ek, why, cap);
    snprintf(why, cap, "evidence for tee '%.*s' is not supported by this host half (it sends 'tpm', 'snp' and "
                       "'emulated-snp')", (int)m->f[F_TEE].len, m->f[F_TEE].p);
    return NULL;
}
