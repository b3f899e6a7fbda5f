/* The TCG PC Client "crypto agile" event log (TCG PC Client Platform
 * Firmware Profile, sections 10.2.1-10.2.2): an encoder over a fixed buffer.
 *
 * The log starts with one TCG_PCClientPCREvent in the SHA-1 format (PCR 0,
 * EV_NO_ACTION, a zero 20-byte digest) whose data is a TCG_EfiSpecIDEvent
 * ("Spec ID Event03", SHA-256 and SHA-384); every later record is a
 * TCG_PCR_EVENT2 carrying both digests.  All integers are little-endian.
 *
 * The buffer is bounded.  Room for one "log full" record is always kept:
 * the first append that does not fit writes that record instead (extended
 * into the PCR the refused event was meant for, so a quote proves the log
 * was cut short) and every later append fails.  No locking here: the
 * owner (kernel/lib/measure.c) serialises its calls. */
#ifndef KERNEL_TCG_LOG_H
#define KERNEL_TCG_LOG_H

#include <kernel/sha2.h>
#include <kernel/types.h>

#define TCG_ALG_SHA256 0x000b
#define TCG_ALG_SHA384 0x000c

#define TCG_EV_NO_ACTION 0x00000003
#define TCG_EV_IPL 0x0000000d

/* A TCG_PCR_EVENT2 with both digests is this many bytes plus its data:
 * pcrIndex, eventType, digests.count, two TPMT_HA, eventSize. */
#define TCG_EVENT2_OVERHEAD (4 + 4 + 4 + (2 + SHA256_DIGEST_SIZE) + (2 + SHA384_DIGEST_SIZE) + 4)

/* The data of the record written when the log is full. */
#define TCG_LOG_FULL_TEXT "nutshell: measurement log full; later measurements refused"

struct tcg_log {
    uint8_t *buf;
    size_t cap;      /* bytes in buf */
    size_t len;      /* bytes written: whole records only */
    bool full;       /* the "log full" record is written; nothing more goes in */
};

/* The digests of one measured object, in both banks. */
struct tcg_digests {
    uint8_t sha256[SHA256_DIGEST_SIZE];
    uint8_t sha384[SHA384_DIGEST_SIZE];
};

/* Hashes n bytes into both banks. */
void tcg_digests_of(const void *data, size_t n, struct tcg_digests *out);

/* Writes the Spec ID header into buf.  -EINVAL if cap cannot hold it and
 * the "log full" record. */
int tcg_log_init(struct tcg_log *l, void *buf, size_t cap);

/* Appends a TCG_PCR_EVENT2.  0; -ENOSPC if it does not fit (the first time,
 * the "log full" record is written in its place) or the log is already
 * full; -EINVAL if n is over 2^32-1. */
int tcg_log_append(struct tcg_log *l, uint32_t pcr, uint32_t type, const struct tcg_digests *d, const void *data,
                   size_t n);

#endif
