/* aproxy's own vtpm instance on pipes (tpm_client.h). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keyfile.h"
#include "tpm_client.h"

extern char **environ;

#define TPM_ST_NO_SESSIONS 0x8001
#define TPM_ST_SESSIONS    0x8002
#define TPM_CC_CREATEPRIMARY 0x131
#define TPM_CC_STARTUP     0x144
#define TPM_CC_QUOTE       0x158
#define TPM_CC_PCR_READ    0x17E
#define TPM_CC_PCR_EXTEND  0x182
#define TPM_RC_INITIALIZE  0x100   /* Startup after the TPM was started: harmless */
#define TPM_RH_ENDORSEMENT 0x4000000B
#define TPM_RS_PW          0x40000009
#define TPM_ALG_RSA    0x0001
#define TPM_ALG_SHA256 0x000B
#define TPM_ALG_NULL   0x0010
#define TPM_ALG_RSASSA 0x0014
/* fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign */
#define AK_ATTRIBUTES  0x00050072u

struct buf {
    uint8_t b[TPMC_MAX];
    size_t n;
};

static void u8(struct buf *b, uint8_t v) { b->b[b->n++] = v; }
static void u16(struct buf *b, uint16_t v) { u8(b, v >> 8); u8(b, (uint8_t)v); }
static void u32(struct buf *b, uint32_t v) { u16(b, v >> 16); u16(b, (uint16_t)v); }

static void head(struct buf *b, uint16_t tag, uint32_t cc)
{
    b->n = 0;
    u16(b, tag);
    u32(b, 0); /* size, set by finish */
    u32(b, cc);
}

/* The empty-password session for one handle's authorization. */
static void pw_session(struct buf *b)
{
    u32(b, 9);
    u32(b, TPM_RS_PW);
    u16(b, 0);  /* nonce */
    u8(b, 0);   /* attributes */
    u16(b, 0);  /* password: empty */
}

static void pcr_select_all(struct buf *b)
{
    u32(b, 1);
    u16(b, TPM_ALG_SHA256);
    u8(b, 3);
    u8(b, 0xff); u8(b, 0xff); u8(b, 0xff);
}

/* A reader of a response that refuses to run past its end. */
struct rd {
    const uint8_t *p;
    size_t n, off;
    int bad;
};

static uint32_t get(struct rd *r, int bytes)
{
    uint32_t v = 0;
    if (r->off + (size_t)bytes > r->n) {
        r->bad = 1;
        return 0;
    }
    for (int i = 0; i < bytes; i++)
        v = v << 8 | r->p[r->off++];
    return v;
}

static const uint8_t *take(struct rd *r, size_t len)
{
    if (r->off + len > r->n) {
        r->bad = 1;
        return NULL;
    }
    r->off += len;
    return r->p + r->off - len;
}

static int read_full(int fd, uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

#define TPM_RC_YIELDED 0x908
#define TPM_RC_TESTING 0x90A
#define TPM_RC_RETRY   0x922

static long transact_once(struct tpmc *t, struct buf *b, char why[WHY_MAX]);

/* Sends the command in b and reads its response into b; the TPM's response
 * code, or -1 when the vtpm is gone (why set).  The warnings that ask for the
 * command again (the TPM was busy, e.g. self-testing) are retried a few times. */
static long transact(struct tpmc *t, struct buf *b, char why[WHY_MAX])
{
    static struct buf cmd;
    memcpy(cmd.b, b->b, b->n);
    cmd.n = b->n;
    long rc = -1;
    for (int tries = 0; tries < 16; tries++) {
        memcpy(b->b, cmd.b, cmd.n);
        b->n = cmd.n;
        rc = transact_once(t, b, why);
        if (rc != TPM_RC_RETRY && rc != TPM_RC_YIELDED && rc != TPM_RC_TESTING)
            break;
    }
    return rc;
}

static long transact_once(struct tpmc *t, struct buf *b, char why[WHY_MAX])
{
    b->b[2] = b->n >> 24; b->b[3] = b->n >> 16; b->b[4] = b->n >> 8; b->b[5] = (uint8_t)b->n;
    if (write(t->to_tpm, b->b, b->n) != (ssize_t)b->n || read_full(t->from_tpm, b->b, 10) < 0) {
        snprintf(why, WHY_MAX, "the vtpm is gone (its own line above says why)");
        return -1;
    }
    size_t size = (size_t)b->b[2] << 24 | b->b[3] << 16 | b->b[4] << 8 | b->b[5];
    if (size < 10 || size > sizeof(b->b) || read_full(t->from_tpm, b->b + 10, size - 10) < 0) {
        snprintf(why, WHY_MAX, "the vtpm sent a bad response frame");
        return -1;
    }
    b->n = size;
    return (long)((uint32_t)b->b[6] << 24 | b->b[7] << 16 | b->b[8] << 8 | b->b[9]);
}

static int spawn_vtpm(struct tpmc *t, const char *vtpm, const struct tpmc_state *st, const char *eventlog,
                      char why[WHY_MAX])
{
    int data_in[2], data_out[2], ctrl_in[2], ctrl_out[2];
    if (pipe2(data_in, O_CLOEXEC) < 0 || pipe2(data_out, O_CLOEXEC) < 0 || pipe2(ctrl_in, O_CLOEXEC) < 0 ||
        pipe2(ctrl_out, O_CLOEXEC) < 0) {
        snprintf(why, WHY_MAX, "pipe: %s", strerror(errno));
        return -1;
    }
    /* the child's 3, 4: data in and out; 5, 6: control in and out */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, data_in[0], 3);
    posix_spawn_file_actions_adddup2(&fa, data_out[1], 4);
    posix_spawn_file_actions_adddup2(&fa, ctrl_in[0], 5);
    posix_spawn_file_actions_adddup2(&fa, ctrl_out[1], 6);
    /* No rollback counter: what this state holds is the endorsement seed
     * (the AK) and nothing a replay could undo, since the PCRs start from
     * the event log at each start and its NV is unused (docs/aproxy.md,
     * "A stable AK"). */
    char offset[32];
    snprintf(offset, sizeof(offset), "%llu", st->offset);
    char *argv[] = {"vtpm", "--server", "type=fd,in=3,out=4", "--ctrl", "type=fd,in=5,out=6", "--state",
                    (char *)st->path, "--state-offset", offset, "--slot-size", "131072", "--eventlog",
                    (char *)eventlog, "--state-key", (char *)st->key_file, "--state-key-wait", "10",
                    "--rollback-counter", "none", NULL};
    int e = posix_spawn(&t->pid, vtpm, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(data_in[0]);
    close(data_out[1]);
    close(ctrl_in[0]);
    close(ctrl_out[1]);
    if (e) {
        snprintf(why, WHY_MAX, "starting %s: %s", vtpm, strerror(e));
        return -1;
    }
    t->to_tpm = data_in[1];
    t->from_tpm = data_out[0];
    t->ctrl_keep[0] = ctrl_in[1];
    t->ctrl_keep[1] = ctrl_out[0];
    return 0;
}

/* The AK's SubjectPublicKeyInfo from its modulus (exponent 65537). */
static int ak_der(struct tpmc *t, const uint8_t *mod, size_t mod_len)
{
    static const uint8_t e65537[] = {0x01, 0x00, 0x01};
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    BIGNUM *n = BN_bin2bn(mod, (int)mod_len, NULL), *e = BN_bin2bn(e65537, 3, NULL);
    OSSL_PARAM *params = NULL;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    int ok = bld && n && e && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
             EVP_PKEY_fromdata_init(ctx) > 0 && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) > 0;
    int len = ok ? i2d_PUBKEY(pkey, NULL) : -1;
    if (len > 0 && (size_t)len <= sizeof(t->ak_der)) {
        uint8_t *p = t->ak_der;
        t->ak_der_len = (size_t)i2d_PUBKEY(pkey, &p);
    } else {
        ok = 0;
    }
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return ok ? 0 : -1;
}

static int create_ak(struct tpmc *t, char why[WHY_MAX])
{
    static struct buf b;
    head(&b, TPM_ST_SESSIONS, TPM_CC_CREATEPRIMARY);
    u32(&b, TPM_RH_ENDORSEMENT);
    pw_session(&b);
    u16(&b, 4); u16(&b, 0); u16(&b, 0);       /* inSensitive: no auth, no data */
    u16(&b, 24);                              /* inPublic: TPMT_PUBLIC of 24 bytes */
    u16(&b, TPM_ALG_RSA);
    u16(&b, TPM_ALG_SHA256);
    u32(&b, AK_ATTRIBUTES);
    u16(&b, 0);                               /* authPolicy */
    u16(&b, TPM_ALG_NULL);                    /* symmetric */
    u16(&b, TPM_ALG_RSASSA); u16(&b, TPM_ALG_SHA256);
    u16(&b, 2048);
    u32(&b, 0);                               /* exponent: 65537 */
    u16(&b, 0);                               /* unique */
    u16(&b, 0);                               /* outsideInfo */
    u32(&b, 0);                               /* creationPCR: none */
    long rc = transact(t, &b, why);
    if (rc != 0) {
        if (rc > 0)
            snprintf(why, WHY_MAX, "TPM2_CreatePrimary (AK): TPM error 0x%lx", rc);
        return -1;
    }
    struct rd r = {.p = b.b, .n = b.n, .off = 10};
    t->ak = get(&r, 4);
    get(&r, 4);                               /* parameterSize */
    size_t pub_len = get(&r, 2);
    size_t pub_start = r.off;
    const uint8_t *pub = take(&r, pub_len);
    struct rd p = {.p = pub, .n = pub ? pub_len : 0};
    int type = (int)get(&p, 2);
    get(&p, 2);
    get(&p, 4);
    take(&p, get(&p, 2));                     /* authPolicy */
    int sym = (int)get(&p, 2);
    int scheme = (int)get(&p, 2);
    if (scheme != TPM_ALG_NULL)
        get(&p, 2);
    get(&p, 2);                               /* keyBits */
    get(&p, 4);                               /* exponent */
    size_t mod_len = get(&p, 2);
    const uint8_t *mod = take(&p, mod_len);
    if (r.bad || p.bad || type != TPM_ALG_RSA || sym != TPM_ALG_NULL || !mod || pub_len + 2 > sizeof(t->ak_public) ||
        ak_der(t, mod, mod_len) < 0) {
        snprintf(why, WHY_MAX, "TPM2_CreatePrimary (AK): an unexpected public area");
        return -1;
    }
    memcpy(t->ak_public, b.b + pub_start - 2, pub_len + 2);
    t->ak_public_len = pub_len + 2;
    return 0;
}

int tpmc_start(struct tpmc *t, const char *vtpm, const struct tpmc_state *st, const char *eventlog,
               char why[WHY_MAX])
{
    t->eventlog = eventlog;
    if (strncmp(st->path, "/dev/", 5) && keyfile_make_parents(st->path) < 0) {
        snprintf(why, WHY_MAX, "the directory of %s: %s", st->path, strerror(errno));
        return -1;
    }
    if (spawn_vtpm(t, vtpm, st, eventlog, why) < 0)
        return -1;
    static struct buf b;
    head(&b, TPM_ST_NO_SESSIONS, TPM_CC_STARTUP);
    u16(&b, 0);                               /* TPM_SU_CLEAR: the vtpm replays the event log */
    long rc = transact(t, &b, why);
    if (rc != 0 && rc != TPM_RC_INITIALIZE) {
        if (rc > 0)
            snprintf(why, WHY_MAX, "TPM2_Startup: TPM error 0x%lx", rc);
        return -1;
    }
    return create_ak(t, why);
}

int tpmc_quote(struct tpmc *t, const uint8_t *nonce, size_t nonce_len, uint8_t *attest, size_t *attest_len,
               uint8_t *sig, size_t *sig_len, char why[WHY_MAX])
{
    static struct buf b;
    if (nonce_len > TPMC_NONCE_MAX) {
        snprintf(why, WHY_MAX, "a quote nonce of %zu bytes (a TPM takes at most %d)", nonce_len, TPMC_NONCE_MAX);
        return -1;
    }
    head(&b, TPM_ST_SESSIONS, TPM_CC_QUOTE);
    u32(&b, t->ak);
    pw_session(&b);
    u16(&b, (uint16_t)nonce_len);
    memcpy(b.b + b.n, nonce, nonce_len);
    b.n += nonce_len;
    u16(&b, TPM_ALG_NULL);                    /* the AK's own scheme */
    pcr_select_all(&b);
    long rc = transact(t, &b, why);
    if (rc != 0) {
        if (rc > 0)
            snprintf(why, WHY_MAX, "TPM2_Quote: TPM error 0x%lx", rc);
        return -1;
    }
    struct rd r = {.p = b.b, .n = b.n, .off = 10};
    get(&r, 4);                               /* parameterSize */
    size_t alen = get(&r, 2);
    const uint8_t *a = take(&r, alen);
    size_t sig_start = r.off;
    int alg = (int)get(&r, 2);
    get(&r, 2);                               /* hash */
    take(&r, get(&r, 2));                     /* the RSA signature */
    if (r.bad || alg != TPM_ALG_RSASSA || alen > TPMC_MAX) {
        snprintf(why, WHY_MAX, "TPM2_Quote: an unexpected response");
        return -1;
    }
    memcpy(attest, a, alen);
    *attest_len = alen;
    *sig_len = r.off - sig_start;
    memcpy(sig, b.b + sig_start, *sig_len);
    return 0;
}

int tpmc_pcr_read(struct tpmc *t, uint8_t pcrs[TPMC_PCRS][32], char why[WHY_MAX])
{
    /* a TPM returns at most 8 digests per call: read them 8 at a time */
    for (int group = 0; group < 3; group++) {
        static struct buf b;
        head(&b, TPM_ST_NO_SESSIONS, TPM_CC_PCR_READ);
        u32(&b, 1);
        u16(&b, TPM_ALG_SHA256);
        u8(&b, 3);
        for (int i = 0; i < 3; i++)
            u8(&b, i == group ? 0xff : 0);
        long rc = transact(t, &b, why);
        if (rc != 0) {
            if (rc > 0)
                snprintf(why, WHY_MAX, "TPM2_PCR_Read: TPM error 0x%lx", rc);
            return -1;
        }
        struct rd r = {.p = b.b, .n = b.n, .off = 10};
        get(&r, 4);                           /* pcrUpdateCounter */
        uint32_t sels = get(&r, 4);
        get(&r, 2);
        size_t sel_size = get(&r, 1);
        const uint8_t *sel = take(&r, sel_size);
        uint32_t count = get(&r, 4);
        if (r.bad || sels != 1 || sel_size != 3 || count != 8 || sel[group] != 0xff) {
            snprintf(why, WHY_MAX, "TPM2_PCR_Read: an unexpected selection came back");
            return -1;
        }
        for (int i = 0; i < 8; i++) {
            const uint8_t *d = get(&r, 2) == 32 ? take(&r, 32) : NULL;
            if (!d) {
                snprintf(why, WHY_MAX, "TPM2_PCR_Read: a digest is not SHA-256");
                return -1;
            }
            memcpy(pcrs[group * 8 + i], d, 32);
        }
    }
    return 0;
}

int tpmc_pcr_extend(struct tpmc *t, unsigned pcr, const uint8_t digest[32], char why[WHY_MAX])
{
    static struct buf b;
    head(&b, TPM_ST_SESSIONS, TPM_CC_PCR_EXTEND);
    u32(&b, pcr);                             /* the PCR's handle is its index */
    pw_session(&b);
    u32(&b, 1);                               /* TPML_DIGEST_VALUES: the SHA-256 bank */
    u16(&b, TPM_ALG_SHA256);
    memcpy(b.b + b.n, digest, 32);
    b.n += 32;
    long rc = transact(t, &b, why);
    if (rc != 0) {
        if (rc > 0)
            snprintf(why, WHY_MAX, "TPM2_PCR_Extend of PCR %u: TPM error 0x%lx", pcr, rc);
        return -1;
    }
    return 0;
}
