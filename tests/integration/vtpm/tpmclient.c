/* TPM 2.0 command encodings for the tests (see tpmclient.h).  All fields
 * big-endian; sizes are patched in once a frame is complete. */
#include "tpmclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define TPM_ST_NO_SESSIONS 0x8001
#define TPM_ST_SESSIONS    0x8002
#define TPM_RH_OWNER       0x40000001u
#define TPM_RH_NULL        0x40000007u
#define TPM_RS_PW          0x40000009u
#define TPM_ALG_RSA        0x0001
#define TPM_ALG_AES        0x0006
#define TPM_ALG_SHA256     0x000b
#define TPM_ALG_KEYEDHASH  0x0008
#define TPM_ALG_NULL       0x0010
#define TPM_ALG_ECDSA      0x0018
#define TPM_ALG_ECC        0x0023
#define TPM_ALG_CFB        0x0043
#define TPM_ECC_NIST_P256  0x0003

struct wbuf {
    uint8_t *p;
    size_t n;
};

static void u8(struct wbuf *w, uint8_t v)
{
    w->p[w->n++] = v;
}

static void u16(struct wbuf *w, uint16_t v)
{
    u8(w, (uint8_t)(v >> 8));
    u8(w, (uint8_t)v);
}

static void u32(struct wbuf *w, uint32_t v)
{
    u16(w, (uint16_t)(v >> 16));
    u16(w, (uint16_t)v);
}

static void put32_at(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put16_at(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct wbuf begin(uint8_t *buf, uint16_t tag, uint32_t cc)
{
    struct wbuf w = {buf, 0};
    u16(&w, tag);
    u32(&w, 0); /* size, patched by end() */
    u32(&w, cc);
    return w;
}

static size_t end(struct wbuf *w)
{
    put32_at(w->p + 2, (uint32_t)w->n);
    return w->n;
}

/* One password session with an empty password. */
static void pw_session(struct wbuf *w)
{
    u32(w, 9);
    u32(w, TPM_RS_PW);
    u16(w, 0); /* nonce */
    u8(w, 0);  /* attributes */
    u16(w, 0); /* hmac = password */
}

size_t tc_startup_clear(uint8_t *buf)
{
    struct wbuf w = begin(buf, TPM_ST_NO_SESSIONS, 0x144);
    u16(&w, 0); /* TPM_SU_CLEAR */
    return end(&w);
}

size_t tc_get_random(uint8_t *buf, uint16_t n)
{
    struct wbuf w = begin(buf, TPM_ST_NO_SESSIONS, 0x17b);
    u16(&w, n);
    return end(&w);
}

/* CreatePrimary under the owner hierarchy with the TPMT_PUBLIC that
 * `public_area` writes; empty auth, no outside info, no creation PCRs. */
static size_t create_primary(uint8_t *buf, void (*public_area)(struct wbuf *, uint32_t),
                             uint32_t salt)
{
    struct wbuf w = begin(buf, TPM_ST_SESSIONS, 0x131);
    u32(&w, TPM_RH_OWNER);
    pw_session(&w);
    u16(&w, 4); /* TPM2B_SENSITIVE_CREATE: empty userAuth and data */
    u16(&w, 0);
    u16(&w, 0);
    size_t size_at = w.n;
    u16(&w, 0); /* TPM2B_PUBLIC size, patched below */
    public_area(&w, salt);
    put16_at(w.p + size_at, (uint16_t)(w.n - size_at - 2));
    u16(&w, 0); /* outsideInfo */
    u32(&w, 0); /* creationPCR: no selections */
    return end(&w);
}

/* A non-zero salt goes into the unique field: a different template, so a
 * different key from the same seed. */
static void rsa_storage_public(struct wbuf *w, uint32_t salt)
{
    u16(w, TPM_ALG_RSA);
    u16(w, TPM_ALG_SHA256);
    /* fixedTPM fixedParent sensitiveDataOrigin userWithAuth restricted decrypt */
    u32(w, 0x00030072);
    u16(w, 0); /* authPolicy */
    u16(w, TPM_ALG_AES);
    u16(w, 128);
    u16(w, TPM_ALG_CFB);
    u16(w, TPM_ALG_NULL); /* scheme */
    u16(w, 2048);
    u32(w, 0); /* default exponent */
    if (salt) {
        u16(w, 4);
        u32(w, salt);
    } else {
        u16(w, 0);
    }
}

static void ecc_sign_public(struct wbuf *w, uint32_t salt)
{
    (void)salt;
    u16(w, TPM_ALG_ECC);
    u16(w, TPM_ALG_SHA256);
    /* fixedTPM fixedParent sensitiveDataOrigin userWithAuth sign */
    u32(w, 0x00040072);
    u16(w, 0);
    u16(w, TPM_ALG_NULL); /* symmetric */
    u16(w, TPM_ALG_ECDSA);
    u16(w, TPM_ALG_SHA256);
    u16(w, TPM_ECC_NIST_P256);
    u16(w, TPM_ALG_NULL); /* kdf */
    u16(w, 0);            /* unique.x */
    u16(w, 0);            /* unique.y */
}

static void ecc_storage_public(struct wbuf *w, uint32_t salt)
{
    (void)salt;
    u16(w, TPM_ALG_ECC);
    u16(w, TPM_ALG_SHA256);
    /* fixedTPM fixedParent sensitiveDataOrigin userWithAuth restricted decrypt */
    u32(w, 0x00030072);
    u16(w, 0);
    u16(w, TPM_ALG_AES);
    u16(w, 128);
    u16(w, TPM_ALG_CFB);
    u16(w, TPM_ALG_NULL); /* scheme */
    u16(w, TPM_ECC_NIST_P256);
    u16(w, TPM_ALG_NULL); /* kdf */
    u16(w, 0);            /* unique.x */
    u16(w, 0);            /* unique.y */
}

size_t tc_create_primary_rsa2048(uint8_t *buf, uint32_t salt)
{
    return create_primary(buf, rsa_storage_public, salt);
}

size_t tc_create_primary_ecc_sign(uint8_t *buf)
{
    return create_primary(buf, ecc_sign_public, 0);
}

size_t tc_create_primary_ecc_storage(uint8_t *buf)
{
    return create_primary(buf, ecc_storage_public, 0);
}

size_t tc_create_sealed(uint8_t *buf, uint32_t parent, const uint8_t *data, uint16_t len)
{
    struct wbuf w = begin(buf, TPM_ST_SESSIONS, 0x153);
    u32(&w, parent);
    pw_session(&w);
    u16(&w, (uint16_t)(4 + len)); /* TPM2B_SENSITIVE_CREATE */
    u16(&w, 0);                   /* userAuth */
    u16(&w, len);
    memcpy(w.p + w.n, data, len);
    w.n += len;
    size_t size_at = w.n;
    u16(&w, 0); /* TPM2B_PUBLIC size, patched below */
    u16(&w, TPM_ALG_KEYEDHASH);
    u16(&w, TPM_ALG_SHA256);
    u32(&w, 0x00000052); /* fixedTPM fixedParent userWithAuth: a sealed data object */
    u16(&w, 0);          /* authPolicy */
    u16(&w, TPM_ALG_NULL); /* keyedHash scheme */
    u16(&w, 0);          /* unique */
    put16_at(w.p + size_at, (uint16_t)(w.n - size_at - 2));
    u16(&w, 0); /* outsideInfo */
    u32(&w, 0); /* creationPCR: no selections */
    return end(&w);
}

size_t tc_flush(uint8_t *buf, uint32_t handle)
{
    struct wbuf w = begin(buf, TPM_ST_NO_SESSIONS, 0x165);
    u32(&w, handle);
    return end(&w);
}

size_t tc_sign(uint8_t *buf, uint32_t key, const uint8_t digest[32])
{
    struct wbuf w = begin(buf, TPM_ST_SESSIONS, 0x15d);
    u32(&w, key);
    pw_session(&w);
    u16(&w, 32);
    memcpy(w.p + w.n, digest, 32);
    w.n += 32;
    u16(&w, TPM_ALG_NULL); /* the key's own scheme */
    u16(&w, 0x8024);       /* TPM_ST_HASHCHECK: a NULL ticket */
    u32(&w, TPM_RH_NULL);
    u16(&w, 0);
    return end(&w);
}

size_t tc_nv_define(uint8_t *buf, uint32_t index, uint16_t size)
{
    struct wbuf w = begin(buf, TPM_ST_SESSIONS, 0x12a);
    u32(&w, TPM_RH_OWNER);
    pw_session(&w);
    u16(&w, 0);  /* auth */
    u16(&w, 14); /* TPMS_NV_PUBLIC */
    u32(&w, index);
    u16(&w, TPM_ALG_SHA256);
    /* OWNERWRITE AUTHWRITE OWNERREAD AUTHREAD NO_DA, ordinary index */
    u32(&w, 0x02060006);
    u16(&w, 0);
    u16(&w, size);
    return end(&w);
}

size_t tc_nv_write(uint8_t *buf, uint32_t index, const uint8_t *data, uint16_t len)
{
    struct wbuf w = begin(buf, TPM_ST_SESSIONS, 0x137);
    u32(&w, index); /* authHandle: the index, with its (empty) auth value */
    u32(&w, index);
    pw_session(&w);
    u16(&w, len);
    memcpy(w.p + w.n, data, len);
    w.n += len;
    u16(&w, 0); /* offset */
    return end(&w);
}

size_t tc_nv_read(uint8_t *buf, uint32_t index, uint16_t len)
{
    struct wbuf w = begin(buf, TPM_ST_SESSIONS, 0x14e);
    u32(&w, index);
    u32(&w, index);
    pw_session(&w);
    u16(&w, len);
    u16(&w, 0);
    return end(&w);
}

size_t tc_pcr_extend_sha256(uint8_t *buf, uint32_t pcr, const uint8_t digest[32])
{
    struct wbuf w = begin(buf, TPM_ST_SESSIONS, 0x182);
    u32(&w, pcr);
    pw_session(&w);
    u32(&w, 1); /* TPML_DIGEST_VALUES: one digest */
    u16(&w, TPM_ALG_SHA256);
    memcpy(w.p + w.n, digest, 32);
    w.n += 32;
    return end(&w);
}

size_t tc_pcr_event(uint8_t *buf, uint32_t pcr, const uint8_t *data, uint16_t len)
{
    struct wbuf w = begin(buf, TPM_ST_SESSIONS, 0x13c);
    u32(&w, pcr);
    pw_session(&w);
    u16(&w, len); /* TPM2B_EVENT */
    memcpy(w.p + w.n, data, len);
    w.n += len;
    return end(&w);
}

size_t tc_pcr_read_sha256(uint8_t *buf, uint32_t pcr)
{
    struct wbuf w = begin(buf, TPM_ST_NO_SESSIONS, 0x17e);
    u32(&w, 1); /* TPML_PCR_SELECTION: one bank */
    u16(&w, TPM_ALG_SHA256);
    u8(&w, 3); /* sizeofSelect: PCRs 0..23 */
    for (uint32_t i = 0; i < 3; i++)
        u8(&w, pcr / 8 == i ? (uint8_t)(1u << (pcr % 8)) : 0);
    return end(&w);
}

size_t tc_verify_signature(uint8_t *buf, uint32_t key, const uint8_t digest[32],
                           const uint8_t *sig, uint16_t sig_len)
{
    struct wbuf w = begin(buf, TPM_ST_NO_SESSIONS, 0x177);
    u32(&w, key);
    u16(&w, 32);
    memcpy(w.p + w.n, digest, 32);
    w.n += 32;
    memcpy(w.p + w.n, sig, sig_len);
    w.n += sig_len;
    return end(&w);
}

size_t tc_evict_control(uint8_t *buf, uint32_t object, uint32_t persistent)
{
    struct wbuf w = begin(buf, TPM_ST_SESSIONS, 0x120);
    u32(&w, TPM_RH_OWNER);
    u32(&w, object);
    pw_session(&w);
    u32(&w, persistent);
    return end(&w);
}

size_t tc_read_public(uint8_t *buf, uint32_t handle)
{
    struct wbuf w = begin(buf, TPM_ST_NO_SESSIONS, 0x173);
    u32(&w, handle);
    return end(&w);
}

uint32_t tc_created_handle(const uint8_t *rsp)
{
    return get32(rsp + 10);
}

size_t tc_nv_read_data(const uint8_t *rsp, size_t rsp_len, const uint8_t **data)
{
    /* header, parameterSize u32, TPM2B data */
    if (rsp_len < 16)
        return 0;
    size_t n = (size_t)rsp[14] << 8 | rsp[15];
    if (16 + n > rsp_len)
        return 0;
    *data = rsp + 16;
    return n;
}

uint32_t tc_rc(const uint8_t *rsp)
{
    return get32(rsp + 6);
}

int tc_connect(const char *where)
{
    if (strchr(where, '/')) {
        struct sockaddr_un su = {.sun_family = AF_UNIX};
        if (strlen(where) >= sizeof(su.sun_path))
            return -1;
        strcpy(su.sun_path, where);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&su, sizeof(su)) < 0) {
            close(fd);
            return -1;
        }
        return fd;
    }
    uint16_t port = (uint16_t)strtoul(where, NULL, 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int read_full(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Sockets use send(MSG_NOSIGNAL), so a vanished server is an error, not a
 * SIGPIPE; pipes (which send refuses) use write, and their users ignore
 * SIGPIPE. */
static long transact_once(int wfd, int rfd, bool sock, const uint8_t *cmd, size_t len,
                          uint8_t *rsp, size_t cap)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = sock ? send(wfd, cmd + off, len - off, MSG_NOSIGNAL)
                         : write(wfd, cmd + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    if (cap < 10 || read_full(rfd, rsp, 10) < 0)
        return -1;
    uint32_t size = get32(rsp + 2);
    if (size < 10 || size > cap || read_full(rfd, rsp + 10, size - 10) < 0)
        return -1;
    return (long)size;
}

/* TPM_RC_RETRY: libtpms self-tests an algorithm on its first use and asks
 * the caller to send the command again, as TSS implementations do. */
static long transact(int wfd, int rfd, bool sock, const uint8_t *cmd, size_t len, uint8_t *rsp,
                     size_t cap)
{
    for (int tries = 0;; tries++) {
        long r = transact_once(wfd, rfd, sock, cmd, len, rsp, cap);
        if (r < 0 || tc_rc(rsp) != TPM_RC_RETRY || tries == 10)
            return r;
    }
}

long tc_transact(int fd, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap)
{
    return transact(fd, fd, true, cmd, len, rsp, cap);
}

long tc_transact_io(int wfd, int rfd, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap)
{
    return transact(wfd, rfd, false, cmd, len, rsp, cap);
}

bool tc_pcr_read_digest(const uint8_t *rsp, size_t len, uint32_t pcr, uint8_t out[32])
{
    /* header, counter u32, selection (count 1, alg, size 3, 3 bytes), digest
     * list (count 1, size 32, digest) */
    if (len != 62 || get32(rsp + 14) != 1 || (rsp[18] << 8 | rsp[19]) != TPM_ALG_SHA256 ||
        rsp[20] != 3 || get32(rsp + 24) != 1 || (rsp[28] << 8 | rsp[29]) != 32 || pcr >= 24 ||
        rsp[21 + pcr / 8] != 1u << (pcr % 8))
        return false;
    memcpy(out, rsp + 30, 32);
    return true;
}
