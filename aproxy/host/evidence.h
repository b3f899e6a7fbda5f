/* The evidence the host half builds from the VM's attest message, as
 * Trustee's KBS 0.4.0 reads it: `emulated-snp` ({"emulated": true, "report":
 * base64}), `snp` (Trustee's snp verifier's {"attestation_report",
 * "cert_chain"}, snp_evidence.h) or `tpm` ({"ak_public", "tpm_quote":
 * {"message", "signature", "pcrs"}, "event_log"}).  docs/aproxy.md, "The
 * flow". */
#ifndef APROXY_HOST_EVIDENCE_H
#define APROXY_HOST_EVIDENCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cert_table.h"
#include "msg.h"

/* The certificate of the key that signed the platform report (VCEK or VLEK). */
struct endorsement {
    const uint8_t *der;  /* DER; len 0: none */
    size_t len;
    const char *type;    /* "VCEK" or "VLEK" (virtee/sev's CertType names) */
    const char *source;  /* for the log: where it came from */
};

/* The endorsement key for the attest message m: the VCEK or VLEK for its
 * report in the certificate table the VM carried (cert_table), else the
 * operator's VCEK (vcek, vcek_len: --snp-vcek), else none.  entries is room
 * for the table's entries, which ek then points into.  0, or -1 with why: the
 * VM's table is malformed. */
int evidence_endorsement(const struct msg *m, const uint8_t *vcek, size_t vcek_len, struct endorsement *ek,
                         struct cert_entry entries[CERT_TABLE_ENTRIES_MAX], char *why, size_t cap);

/* The primary evidence for the TEE m names, or NULL with why (cap bytes);
 * the endorsement key's certificate goes into the snp (and emulated-snp)
 * evidence's cert_chain. */
json_t *evidence_primary(const struct msg *m, const struct endorsement *ek, char *why, size_t cap);

/* Writes the parts of a tpm attestation into dir for an offline check
 * (tpm2_checkquote): ak.der, quote.msg, quote.sig, pcrs.bin, eventlog.bin. */
void evidence_dump_tpm(const char *dir, const struct msg *m);

/* Writes the AK the VM presented (its SubjectPublicKeyInfo DER) to path as a
 * PEM public key, the form Trustee's tpm verifier loads from
 * trusted_ak_keys_dir (a file named *.pub); written whole under path.new and
 * renamed.  0, or -1 with why: not a public key, or the file. */
int evidence_write_ak_pem(const char *path, const struct msg_val *ak_der, char *why, size_t cap);

/* n bytes as lowercase hex into out (2n + 1 bytes). */
void evidence_hex(const uint8_t *p, size_t n, char *out);

#endif
