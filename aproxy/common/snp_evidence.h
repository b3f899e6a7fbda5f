/* Trustee's `snp` evidence, the JSON its snp verifier reads
 * (confidential-containers/trustee deps/verifier/src/snp, and the
 * attestation agent's snp attester that writes it):
 *
 *     {"attestation_report": <the report>, "cert_chain": null | [{"cert_type": "VCEK", "data": [bytes]}]}
 *
 * where the report is what serde_json makes of virtee/sev's
 * `AttestationReport`, a serde-derived struct laid out like the SEV-SNP ABI's
 * ATTESTATION_REPORT: one member per field in layout order (reserved fields
 * included, under their crate names), integers as numbers, byte arrays as
 * arrays of numbers, the TCB versions as {"bootloader", "tee", "_reserved",
 * "snp", "microcode"} and the signature as {"r", "s", "_reserved"}.  Trustee
 * checks the signature over bincode's serialization of the struct, which is
 * the raw layout again, so every byte must come back: the JSON carries all
 * 1184.  docs/aproxy.md, "Pointing it at a real Trustee KBS", says which
 * versions this was read from and what was not exercised. */
#ifndef APROXY_SNP_EVIDENCE_H
#define APROXY_SNP_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#define SNP_EVIDENCE_REPORT_LEN 0x4A0 /* ATTESTATION_REPORT, SEV-SNP firmware ABI */
/* The JSON without a certificate chain is at most this long (every byte 255:
 * "255," each), so it fits the `additional` message field (8192). */
#define SNP_EVIDENCE_MAX 6144

/* Writes the evidence for report (SNP_EVIDENCE_REPORT_LEN bytes) and, if
 * ek_len > 0, the endorsement key's certificate (DER; ek_type "VCEK" or
 * "VLEK") as its chain, NUL-terminated, into out (cap bytes).  Its length, or
 * -1 if cap is too small. */
long snp_evidence_json(const uint8_t *report, const char *ek_type, const uint8_t *ek, size_t ek_len, char *out,
                       size_t cap);

/* Just the chain: [{"cert_type": ek_type, "data": [DER bytes]}] (virtee/sev's
 * Vec<CertTableEntry> as serde writes it; Trustee's snp verifier takes the one
 * VCEK or VLEK entry from it), or null when ek_len is 0.  NUL-terminated in
 * out (cap bytes); its length, or -1 if cap is too small.  At most
 * SNP_CHAIN_JSON_SIZE(ek_len) bytes. */
long snp_cert_chain_json(const char *ek_type, const uint8_t *ek, size_t ek_len, char *out, size_t cap);
#define SNP_CHAIN_JSON_SIZE(n) (4 * (size_t)(n) + 64)

#endif
