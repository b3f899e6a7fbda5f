/* Trustee's runtime-data binding, computed in the VM: runtime-data as
 * canonical JSON (RFC 8785, which for these all-ASCII
 * string values is: keys sorted, no whitespace), and the report data that
 * binds them (SHA-384, then 16 zero bytes to fill SNP's 64).  docs/aproxy.md,
 * "Binding". */
#ifndef APROXY_BINDING_H
#define APROXY_BINDING_H

#include <stddef.h>
#include <stdint.h>

#define JWK_MAX      256
#define RUNTIME_MAX  4096   /* the stage-2 object carries a base64 report */
#define REPORT_DATA_LEN 64

/* Canonical JSON of {"additional-evidence": additional (omitted if NULL),
 * "nonce": nonce, "tee-pubkey": <jwk, already canonical: jwe_public_jwk>}.  0 or -1 (no room). */
int binding_runtime_json(const char *additional, const char *nonce, const char *jwk, char *out, size_t cap);

/* SHA-384 of json, then 16 zero bytes. */
void binding_report_data(const char *json, uint8_t out[REPORT_DATA_LEN]);

#endif
