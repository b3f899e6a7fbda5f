/* A minimal TPM 2.0 client over the swtpm socket protocol, for the vtpm
 * tests and benchmarks: builds a few commands by hand (TPM 2.0 Library,
 * Part 3) and exchanges frames on one TCP or Unix connection, or on a pair
 * of pipes to a vtpm started on type=fd. */
#ifndef VTPM_TEST_TPMCLIENT_H
#define VTPM_TEST_TPMCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPM_RC_INITIALIZE 0x100u
#define TPM_RC_RETRY      0x922u
#define TPM_RC_NV_DEFINED 0x14cu

/* A connection to 127.0.0.1:PORT, or to a Unix socket if `where` contains a
 * slash; fd < 0 if it failed. */
int tc_connect(const char *where);

/* Sends `cmd` and reads one response frame into rsp (cap bytes), sending
 * again while the TPM answers TPM_RC_RETRY.
 * Returns the response length, or -1 if the connection failed. */
long tc_transact(int fd, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap);

/* As tc_transact, over a pair of descriptors (pipes to a vtpm started on
 * type=fd): commands go to wfd, responses come from rfd. */
long tc_transact_io(int wfd, int rfd, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap);

/* The response code of a response frame. */
uint32_t tc_rc(const uint8_t *rsp);

/* Command builders: each fills buf (at least 512 bytes) and returns the
 * frame length. */
size_t tc_startup_clear(uint8_t *buf);
size_t tc_get_random(uint8_t *buf, uint16_t n);
/* A restricted RSA-2048 storage key under the owner; `salt` (if non-zero)
 * varies the template and so the key. */
size_t tc_create_primary_rsa2048(uint8_t *buf, uint32_t salt);
size_t tc_create_primary_ecc_sign(uint8_t *buf); /* P-256 ECDSA-SHA256 signing key */
/* A restricted P-256 storage key under the owner (a parent for tc_create_sealed). */
size_t tc_create_primary_ecc_storage(uint8_t *buf);
/* TPM2_Create of a sealed data object (keyed hash, no scheme, empty auth)
 * holding `data` (at most 128 bytes) under `parent`. */
size_t tc_create_sealed(uint8_t *buf, uint32_t parent, const uint8_t *data, uint16_t len);
size_t tc_flush(uint8_t *buf, uint32_t handle);
size_t tc_sign(uint8_t *buf, uint32_t key, const uint8_t digest[32]);
size_t tc_nv_define(uint8_t *buf, uint32_t index, uint16_t size);
size_t tc_nv_write(uint8_t *buf, uint32_t index, const uint8_t *data, uint16_t len);
size_t tc_nv_read(uint8_t *buf, uint32_t index, uint16_t len);
size_t tc_pcr_extend_sha256(uint8_t *buf, uint32_t pcr, const uint8_t digest[32]);
/* Extends each bank of the PCR with the digest of data (at most 1024 bytes):
 * the SHA-256 bank by SHA-256(data). */
size_t tc_pcr_event(uint8_t *buf, uint32_t pcr, const uint8_t *data, uint16_t len);
size_t tc_pcr_read_sha256(uint8_t *buf, uint32_t pcr); /* pcr < 24 */
/* `sig` is a TPMT_SIGNATURE as TPM2_Sign returned it. */
size_t tc_verify_signature(uint8_t *buf, uint32_t key, const uint8_t digest[32],
                           const uint8_t *sig, uint16_t sig_len);
/* Makes the owner-hierarchy object persistent at `persistent`. */
size_t tc_evict_control(uint8_t *buf, uint32_t object, uint32_t persistent);
size_t tc_read_public(uint8_t *buf, uint32_t handle);

/* The digest of a successful PCR_Read of one SHA-256 PCR (tc_pcr_read_sha256)
 * into out[32]; false if the response has another shape or names another PCR. */
bool tc_pcr_read_digest(const uint8_t *rsp, size_t len, uint32_t pcr, uint8_t out[32]);

/* The object handle a successful CreatePrimary returned. */
uint32_t tc_created_handle(const uint8_t *rsp);
/* The data of a successful NV_Read response; returns its length. */
size_t tc_nv_read_data(const uint8_t *rsp, size_t rsp_len, const uint8_t **data);

#endif
