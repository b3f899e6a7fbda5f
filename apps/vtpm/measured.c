/* Replays the kernel's measurement log into the TPM (measured.h). */
#include "measured.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "eventlog.h"
#include "eventlog_file.h"
#include "frame.h"
#include "log.h"
#include "tpm.h"

#define LOG_MAX (1u << 20) /* far above the kernel's 16 KiB: anything bigger is not its log */
#define TPM_ST_SESSIONS 0x8002u
#define TPM_CC_STARTUP 0x144u
#define TPM_CC_PCR_EXTEND 0x182u
#define TPM_RS_PW 0x40000009u
#define TPM_SU_CLEAR 0x0000u

static const char *log_path;

bool measured_enabled(void)
{
    return log_path != NULL;
}

/* Reads the whole log into a new buffer; NULL (logged) on failure. */
static uint8_t *read_log(size_t *len)
{
    char err[160];
    uint8_t *buf = evlog_read_file(log_path, LOG_MAX, len, err, sizeof err);
    if (!buf)
        log_error("event log %s", err);
    return buf;
}

static int check_banks(const struct evlog_header *h, const struct evlog_event *e, void *arg)
{
    (void)e, (void)arg;
    bool has256 = false;
    for (uint32_t i = 0; i < h->n_algs; i++)
        has256 |= h->algs[i].id == 0x000b && h->algs[i].size == 32;
    return has256 ? 0 : 1;
}

int measured_open(const char *path)
{
    log_path = path;
    size_t len;
    uint8_t *buf = read_log(&len);
    if (!buf)
        return -1;
    const char *err = NULL;
    int r = evlog_parse(buf, len, check_banks, NULL, &err);
    free(buf);
    if (r) {
        log_error("event log %s: %s", path, r < 0 ? err : "no SHA-256 bank");
        return -1;
    }
    return 0;
}

bool measured_is_startup_clear(const uint8_t *cmd, uint32_t cmd_len, const uint8_t *rsp, uint32_t rsp_len)
{
    return cmd_len >= TPM_HEADER_SIZE + 2 && get_be32(cmd + 6) == TPM_CC_STARTUP &&
           get_be16(cmd + TPM_HEADER_SIZE) == TPM_SU_CLEAR && rsp_len >= TPM_HEADER_SIZE &&
           get_be32(rsp + 6) == TPM_RC_SUCCESS;
}

/* TPM2_PCR_Extend(pcr) with the record's digests, under the empty password
 * session (PCRs 0-15 are extendable at locality 0). */
static int extend(const struct evlog_header *h, const struct evlog_event *e, void *arg)
{
    (void)arg;
    if (e->type == EVLOG_EV_NO_ACTION)
        return 0;
    uint8_t cmd[32 + EVLOG_MAX_ALGS * (2 + 64)];
    uint8_t *p = cmd + TPM_HEADER_SIZE;
    put_be32(p, e->pcr), p += 4;
    put_be32(p, 9), p += 4;                 /* authorizationSize */
    put_be32(p, TPM_RS_PW), p += 4;
    put_be16(p, 0), p += 2;                 /* nonce */
    *p++ = 0;                               /* session attributes */
    put_be16(p, 0), p += 2;                 /* password */
    put_be32(p, h->n_algs), p += 4;
    for (uint32_t i = 0; i < h->n_algs; i++) {
        put_be16(p, h->algs[i].id), p += 2;
        memcpy(p, e->digest[i], h->algs[i].size), p += h->algs[i].size;
    }
    uint32_t len = (uint32_t)(p - cmd);
    put_be16(cmd, TPM_ST_SESSIONS);
    put_be32(cmd + 2, len);
    put_be32(cmd + 6, TPM_CC_PCR_EXTEND);
    const uint8_t *rsp;
    uint32_t rsp_len;
    uint32_t rc = tpm_process(cmd, len, &rsp, &rsp_len);
    if (rc == 0 && rsp_len >= TPM_HEADER_SIZE)
        rc = get_be32(rsp + 6);
    if (rc) {
        log_error("event log: extending PCR %u failed (TPM rc 0x%x)", e->pcr, rc);
        return 1;
    }
    return 0;
}

int measured_replay(void)
{
    size_t len;
    uint8_t *buf = read_log(&len);
    if (!buf)
        return -1;
    const char *err = NULL;
    int r = evlog_parse(buf, len, extend, NULL, &err);
    free(buf);
    if (r < 0)
        log_error("event log %s: %s", log_path, err);
    else if (!r)
        log_info("event log %s: %zu bytes replayed into the PCRs", log_path, len);
    return r ? -1 : 0;
}
