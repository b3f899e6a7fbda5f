/* The service VM's measured vTPM as aproxy reaches it for stage 2.
 *
 * There are no AF_UNIX sockets in nutshell yet, and the ports' vtpm serves the
 * host, so aproxy starts a vtpm instance of its own with its data and control
 * channels on pipes (vtpm's type=fd transport) and its state on the root tmpfs
 * (/run/aproxy).  It runs with --eventlog /dev/eventlog: after TPM2_Startup its
 * PCRs 9 and 10 hold the boot's measurements, which is what a quote must cover.
 * Its AK is made at start, so it is vouched for by the platform report of the
 * same attestation (docs/attestation.md, "Stage 2").
 *
 * The commands are raw TPM 2.0 frames (TPM 2.0 Library, Part 3), marshalled
 * here: Startup, CreatePrimary (an RSA-2048 restricted signing key, RSASSA
 * SHA-256, in the endorsement hierarchy), Quote, PCR_Read. */
#ifndef APROXY_TPM_CLIENT_H
#define APROXY_TPM_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "session.h"

#define TPMC_PCRS 24
#define TPMC_MAX  4096   /* a command or response frame */

struct tpmc {
    pid_t pid;
    int to_tpm, from_tpm;     /* the data channel */
    int ctrl_keep[2];         /* the control channel, kept open and unused */
    uint32_t ak;              /* the AK's transient handle */
    uint8_t ak_public[512];   /* its TPM2B_PUBLIC as the TPM wrote it */
    size_t ak_public_len;
    uint8_t ak_der[512];      /* its SubjectPublicKeyInfo, DER (what Trustee wants) */
    size_t ak_der_len;
    const char *eventlog;     /* the log its PCRs replay */
};

/* Starts vtpm (the program at path) on pipes with state in state_file and
 * the event log at eventlog, runs TPM2_Startup(CLEAR) and makes the AK.  0, or
 * -1 with why. */
int tpmc_start(struct tpmc *t, const char *vtpm, const char *state_file, const char *eventlog, char why[WHY_MAX]);

/* A quote over SHA-256 PCRs 0-23 with qualifying data nonce (32 bytes):
 * TPMS_ATTEST into attest, TPMT_SIGNATURE into sig (each TPMC_MAX bytes). */
int tpmc_quote(struct tpmc *t, const uint8_t nonce[32], uint8_t *attest, size_t *attest_len, uint8_t *sig,
               size_t *sig_len, char why[WHY_MAX]);

/* SHA-256 PCRs 0-23. */
int tpmc_pcr_read(struct tpmc *t, uint8_t pcrs[TPMC_PCRS][32], char why[WHY_MAX]);

/* Extends PCR pcr's SHA-256 bank with digest (the init-data, PCR 8).  0, or
 * -1 with why. */
int tpmc_pcr_extend(struct tpmc *t, unsigned pcr, const uint8_t digest[32], char why[WHY_MAX]);

#endif
