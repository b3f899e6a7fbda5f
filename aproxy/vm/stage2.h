/* Stage 2, while running: the vTPM's quote over the measured PCRs, with the
 * event log and the AK, as Trustee's `tpm` evidence; a fresh platform report
 * as the additional evidence vouches for the AK (its hash is in the report's
 * spare report-data bytes) and for the platform (docs/attestation.md). */
#ifndef APROXY_STAGE2_H
#define APROXY_STAGE2_H

#include <openssl/evp.h>
#include <stdint.h>

#include "platform.h"
#include "session.h"
#include "tpm_client.h"

#define INIT_DATA_PCR 8 /* Trustee's tpm verifier looks for init-data there */

/* Asks the host half for the deployment's init-data and extends its
 * SHA-256 into PCR 8 of the measured vTPM t (once, after its start, before
 * any quote), so a quote shows which init-data this VM runs with; the host
 * sends the same text with each stage 2 as Trustee's "init-data".  None, or
 * a host half that does not know the request (error 1), leaves PCR 8 zero.
 * 0, or -1 with why. */
int stage2_init_data(struct session *s, struct tpmc *t, char why[WHY_MAX]);

/* The quote's nonce: the report data (SHA-384 of the bound runtime-data,
 * zero-filled) cut to this many bytes.  64 by default, as Trustee's tpm
 * verifier pads the expected report data to 64 bytes; 32 for a verifier
 * that cuts it to 32 (aproxy --quote-nonce-size, docs/aproxy.md). */
extern size_t stage2_quote_nonce_len;

/* Attests with the quote of t bound to key and fetches resource; *jwe gets
 * the KBS's JWE text (malloc'd).  0, or -1 with why. */
int stage2_fetch(struct session *s, struct platform *p, struct tpmc *t, EVP_PKEY *key, const char *resource,
                 char **jwe, char why[WHY_MAX]);

/* A whole stage-2 release: a fresh ephemeral key, stage2_fetch, and the
 * JWE opened into out (SECRET_MAX bytes, secret.h).  The secret's length, or
 * -1 with why (the host's error code stays in s->last_error). */
long stage2_secret(struct session *s, struct platform *p, struct tpmc *t, const char *resource, uint8_t *out,
                   char why[WHY_MAX]);

#endif
