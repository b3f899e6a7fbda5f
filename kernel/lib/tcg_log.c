/* The TCG crypto-agile event log encoder (see kernel/tcg_log.h). */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/tcg_log.h>

/* TCG_EfiSpecIDEvent: signature[16], platformClass, specVersionMinor,
 * specVersionMajor, specErrata, uintnSize, numberOfAlgorithms, two
 * {algorithmId, digestSize}, vendorInfoSize (0). */
#define SPEC_ID_SIZE (16 + 4 + 4 + 4 + 2 * 4 + 1)
/* The SHA-1-format TCG_PCClientPCREvent that carries it. */
#define HEADER_SIZE (4 + 4 + 20 + 4 + SPEC_ID_SIZE)
#define FULL_RECORD_SIZE (TCG_EVENT2_OVERHEAD + sizeof TCG_LOG_FULL_TEXT - 1)

static uint8_t *put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

static uint8_t *put_bytes(uint8_t *p, const void *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}

void tcg_digests_of(const void *data, size_t n, struct tcg_digests *out)
{
    sha256(data, n, out->sha256);
    sha384(data, n, out->sha384);
}

int tcg_log_init(struct tcg_log *l, void *buf, size_t cap)
{
    if (cap < HEADER_SIZE + FULL_RECORD_SIZE)
        return -EINVAL;
    static const char signature[16] = "Spec ID Event03"; /* with its NUL */
    uint8_t *p = buf;
    p = put_le32(p, 0);                  /* pcrIndex */
    p = put_le32(p, TCG_EV_NO_ACTION);   /* eventType */
    memset(p, 0, 20);                    /* digest: SHA-1 size, zero */
    p += 20;
    p = put_le32(p, SPEC_ID_SIZE);       /* eventDataSize */
    p = put_bytes(p, signature, sizeof signature);
    p = put_le32(p, 0);                  /* platformClass: client */
    *p++ = 0;                            /* specVersionMinor */
    *p++ = 2;                            /* specVersionMajor */
    *p++ = 0;                            /* specErrata */
    *p++ = 2;                            /* uintnSize: UINT64 */
    p = put_le32(p, 2);                  /* numberOfAlgorithms */
    p = put_le16(p, TCG_ALG_SHA256);
    p = put_le16(p, SHA256_DIGEST_SIZE);
    p = put_le16(p, TCG_ALG_SHA384);
    p = put_le16(p, SHA384_DIGEST_SIZE);
    *p++ = 0;                            /* vendorInfoSize */
    l->buf = buf;
    l->cap = cap;
    l->len = (size_t)(p - (uint8_t *)buf);
    l->full = false;
    return 0;
}

static void write_event(struct tcg_log *l, uint32_t pcr, uint32_t type, const struct tcg_digests *d, const void *data,
                        size_t n)
{
    uint8_t *p = l->buf + l->len;
    p = put_le32(p, pcr);
    p = put_le32(p, type);
    p = put_le32(p, 2); /* digests.count */
    p = put_le16(p, TCG_ALG_SHA256);
    p = put_bytes(p, d->sha256, SHA256_DIGEST_SIZE);
    p = put_le16(p, TCG_ALG_SHA384);
    p = put_bytes(p, d->sha384, SHA384_DIGEST_SIZE);
    p = put_le32(p, (uint32_t)n);
    p = put_bytes(p, data, n);
    l->len = (size_t)(p - l->buf);
}

int tcg_log_append(struct tcg_log *l, uint32_t pcr, uint32_t type, const struct tcg_digests *d, const void *data,
                   size_t n)
{
    if (l->full)
        return -ENOSPC;
    if (n > UINT32_MAX)
        return -EINVAL;
    /* What is left once the "log full" record's room is set aside. */
    size_t room = l->cap - l->len - FULL_RECORD_SIZE;
    if (n > room || TCG_EVENT2_OVERHEAD > room - n) {
        struct tcg_digests fd;
        tcg_digests_of(TCG_LOG_FULL_TEXT, sizeof TCG_LOG_FULL_TEXT - 1, &fd);
        write_event(l, pcr, TCG_EV_IPL, &fd, TCG_LOG_FULL_TEXT, sizeof TCG_LOG_FULL_TEXT - 1);
        l->full = true;
        return -ENOSPC;
    }
    write_event(l, pcr, type, d, data, n);
    return 0;
}
