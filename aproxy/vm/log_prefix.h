/* The part of the event log a quote covers.  The measured vTPM replays the
 * kernel's log at its Startup (apps/vtpm/measured.c); programs run later add
 * records its PCRs do not hold.  So before the log goes out with a quote,
 * aproxy replays it itself (SHA-256) and keeps the longest prefix whose
 * replay equals the quoted PCRs: the log it sends explains exactly the
 * values it quotes, and a verifier's replay (docs/attestation.md) matches. */
#ifndef APROXY_LOG_PREFIX_H
#define APROXY_LOG_PREFIX_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "tpm_client.h"

/* The length of the longest prefix of log (whole records, header included)
 * whose SHA-256 replay gives pcrs, or -1 with why (a malformed log, one
 * without a SHA-256 bank, or no prefix that matches). */
long log_prefix_for_pcrs(const uint8_t *log, size_t len, const uint8_t pcrs[TPMC_PCRS][32], char why[WHY_MAX]);

#endif
