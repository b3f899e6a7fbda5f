/* HOST_DATA: the 32 bytes an SEV-SNP report carries unchanged from the
 * guest's launch (SNP_LAUNCH_START's HOST_DATA; QEMU's
 * `-object sev-snp-guest,...,host-data=BASE64`).  Trustee binds the
 * deployment's init-data there: its snp verifier requires HOST_DATA to equal
 * the init-data's digest, taken with the hash the TOML's top-level
 * `algorithm` names (sha256, sha384 or sha512) over the whole text, cut or
 * zero-padded to 32 bytes (docs/attestation.md, "Init-data in HOST_DATA").
 * The host half's emulated PSP puts the same value in its reports. */
#ifndef APROXY_HOST_DATA_H
#define APROXY_HOST_DATA_H

#include <stddef.h>
#include <stdint.h>

#define HOST_DATA_LEN 32
#define HOST_DATA_WHY 160

/* The HOST_DATA init-data `body` (len bytes of TOML) leads to.  The
 * algorithm is read from the first `algorithm = "..."` line before any table
 * header (the form Trustee's InitData has; a key split over lines, dotted or
 * inline is not recognised and refused).  0, or -1 with *why filled. */
int host_data_of_init_data(const char *body, size_t len, uint8_t out[HOST_DATA_LEN], char why[HOST_DATA_WHY]);

/* Parses QEMU's form of HOST_DATA: standard base64 of exactly 32 bytes.
 * 0, or -1 with *why filled. */
int host_data_parse_b64(const char *text, uint8_t out[HOST_DATA_LEN], char why[HOST_DATA_WHY]);

#endif
