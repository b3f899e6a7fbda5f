/* A reader of TCG PC Client crypto-agile event logs (the format of the
 * nutshell kernel's /dev/eventlog, docs/attestation.md), shared by the host
 * verifier (aproxy/host/aproxy-measure) and the vtpm, which replays the log
 * into its PCRs (apps/vtpm/measured.c).  Plain C, no libc beyond memcmp,
 * built for the host and for nutshell alike.  It trusts nothing: every length is checked against what is
 * left, the header must be a "Spec ID Event03" naming each bank's digest
 * size, and every record must carry exactly the header's banks.
 * No allocation; fuzzed by tests/fuzz/eventlog. */
#ifndef APPS_EVENTLOG_H
#define APPS_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#define EVLOG_MAX_ALGS 8
#define EVLOG_MAX_PCR 23
#define EVLOG_EV_NO_ACTION 3

struct evlog_alg {
    uint16_t id;    /* TPM_ALG_ID: 0x000b SHA-256, 0x000c SHA-384 ... */
    uint16_t size;  /* digest bytes */
};

struct evlog_event {
    uint32_t pcr, type;
    const uint8_t *digest[EVLOG_MAX_ALGS]; /* in the header's bank order */
    const uint8_t *data;
    uint32_t data_len;
};

struct evlog_header {
    struct evlog_alg algs[EVLOG_MAX_ALGS];
    uint32_t n_algs;
};

/* Called for each TCG_PCR_EVENT2 in order; a non-zero return stops the walk
 * and is returned by evlog_parse. */
typedef int (*evlog_visit)(const struct evlog_header *h, const struct evlog_event *e, void *arg);

/* Parses the log in buf[0..len).  0 when every record was well formed and
 * visited, -1 with a reason in err (a static string) when it is malformed,
 * or the visitor's non-zero value. */
int evlog_parse(const uint8_t *buf, size_t len, evlog_visit visit, void *arg, const char **err);

#endif
