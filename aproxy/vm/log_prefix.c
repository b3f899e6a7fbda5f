/* The quoted prefix of the event log (log_prefix.h). */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "eventlog.h"
#include "log_prefix.h"

#define TPM_ALG_SHA256 0x000b

struct replay {
    const uint8_t *log;
    const uint8_t (*quoted)[32];
    uint8_t pcr[TPMC_PCRS][32];
    long match;         /* the end of the longest matching prefix so far, or -1 */
    int bank;           /* the SHA-256 digest's index in each record, or -1 */
    uint32_t logged;    /* the PCRs the whole log extends: the only ones compared (others, e.g.
                           PCRs 17-22, have reset values of their own and say nothing of the log) */
};

static int equal(const struct replay *r)
{
    for (int i = 0; i < TPMC_PCRS; i++)
        if ((r->logged >> i & 1) && memcmp(r->pcr[i], r->quoted[i], 32))
            return 0;
    return 1;
}

static int note_pcr(const struct evlog_header *h, const struct evlog_event *e, void *arg)
{
    (void)h;
    struct replay *r = arg;
    if (e->type != EVLOG_EV_NO_ACTION && e->pcr < TPMC_PCRS)
        r->logged |= 1u << e->pcr;
    return 0;
}

static int extend(const struct evlog_header *h, const struct evlog_event *e, void *arg)
{
    struct replay *r = arg;
    if (r->bank < 0) {
        for (uint32_t i = 0; i < h->n_algs; i++)
            if (h->algs[i].id == TPM_ALG_SHA256)
                r->bank = (int)i;
        if (r->bank < 0)
            return 1;
    }
    if (e->type != EVLOG_EV_NO_ACTION && e->pcr < TPMC_PCRS) { /* logged PCRs start at zero */
        uint8_t both[64];
        memcpy(both, r->pcr[e->pcr], 32);
        memcpy(both + 32, e->digest[r->bank], 32);
        SHA256(both, sizeof(both), r->pcr[e->pcr]);
    }
    if (equal(r))
        r->match = (long)(e->data + e->data_len - r->log);
    return 0;
}

long log_prefix_for_pcrs(const uint8_t *log, size_t len, const uint8_t pcrs[TPMC_PCRS][32], char why[WHY_MAX])
{
    static struct replay r;
    memset(&r, 0, sizeof(r));
    r.log = log;
    r.quoted = pcrs;
    r.match = -1;
    r.bank = -1;
    const char *err = NULL;
    int rc = evlog_parse(log, len, note_pcr, &r, &err);
    /* quoted PCRs still at zero: the header alone (a parsed log has one;
     * its event size is at 28, little-endian) */
    if (rc == 0 && equal(&r))
        r.match = 32 + (long)(log[28] | log[29] << 8 | log[30] << 16 | (uint32_t)log[31] << 24);
    if (rc == 0)
        rc = evlog_parse(log, len, extend, &r, &err);
    if (rc < 0) {
        snprintf(why, WHY_MAX, "the event log is malformed: %s", err);
        return -1;
    }
    if (rc > 0) {
        snprintf(why, WHY_MAX, "the event log has no SHA-256 bank");
        return -1;
    }
    if (r.match < 0) {
        snprintf(why, WHY_MAX, "no prefix of the event log (%zu bytes) replays to the quoted PCRs", len);
        return -1;
    }
    return r.match;
}
