/* The service VM's measured vTPM as aproxy reaches it for stage 2.
 *
 * The ports' vtpm serves the host, so aproxy starts a vtpm instance of its
 * own with its data and control channels on pipes (vtpm's type=fd transport).
 * It runs with --eventlog /dev/eventlog: after TPM2_Startup its PCRs 9 and 10
 * hold the boot's measurements, which is what a quote must cover.
 *
 * Its AK is a primary key of a fixed template (below) in the endorsement
 * hierarchy, so it is the same at every start on the same state: the state
 * keeps the endorsement seed it derives from.  On the service disk (the
 * image's --vtpm-state /dev/vda --vtpm-state-offset 8388608) the state lasts
 * across boots, so a KBS may trust the AK by a fixed list (Trustee's
 * trusted_ak_keys_dir); on the root tmpfs (the default) it is new at each
 * boot and only the platform report of the same attestation can vouch for it
 * (docs/aproxy.md, "A stable AK").
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

/* Where the quoting vTPM keeps its state. */
struct tpmc_state {
    const char *path;      /* a file (made if missing) or the service disk */
    unsigned long long offset; /* the state's start in path (vtpm --state-offset) */
    const char *key_file;  /* its sealing key (quote_key.h); rollback: none, see docs/aproxy.md */
};

/* Starts vtpm (the program at path) on pipes with its state as st says and
 * the event log at eventlog, runs TPM2_Startup(CLEAR) and makes the AK.  0, or
 * -1 with why. */
int tpmc_start(struct tpmc *t, const char *vtpm, const struct tpmc_state *st, const char *eventlog,
               char why[WHY_MAX]);

/* The largest qualifying data a TPM takes (sizeof(TPMU_HA): SHA-512). */
#define TPMC_NONCE_MAX 64

/* A quote over SHA-256 PCRs 0-23 with qualifying data nonce (nonce_len
 * bytes, at most TPMC_NONCE_MAX): TPMS_ATTEST into attest, TPMT_SIGNATURE
 * into sig (each TPMC_MAX bytes). */
int tpmc_quote(struct tpmc *t, const uint8_t *nonce, size_t nonce_len, uint8_t *attest, size_t *attest_len,
               uint8_t *sig, size_t *sig_len, char why[WHY_MAX]);

/* SHA-256 PCRs 0-23. */
int tpmc_pcr_read(struct tpmc *t, uint8_t pcrs[TPMC_PCRS][32], char why[WHY_MAX]);

/* Extends PCR pcr's SHA-256 bank with digest (the init-data, PCR 8).  0, or
 * -1 with why. */
int tpmc_pcr_extend(struct tpmc *t, unsigned pcr, const uint8_t digest[32], char why[WHY_MAX]);

#endif
