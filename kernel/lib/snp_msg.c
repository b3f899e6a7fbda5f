/* SEV-SNP guest messages and their sequence numbers, written from the SNP
 * Firmware ABI (AMD 56860, "Guest Messages" and "MSG_REPORT_REQ"); see
 * kernel/snp_msg.h. */
#include <kernel/errno.h>
#include <kernel/snp_msg.h>
#include <kernel/string.h>

_Static_assert(sizeof(struct snp_msg_hdr) == SNP_MSG_HDR_SIZE, "the header is 96 bytes");
_Static_assert(__builtin_offsetof(struct snp_msg_hdr, seqno) == 0x20, "seqno at 0x20");
_Static_assert(__builtin_offsetof(struct snp_msg_hdr, algo) == SNP_MSG_AAD_OFFSET, "the AAD starts at algo");
_Static_assert(__builtin_offsetof(struct snp_msg_hdr, msg_size) == 0x36, "msg_size at 0x36");
_Static_assert(__builtin_offsetof(struct snp_msg_hdr, msg_vmpck) == 0x3c, "msg_vmpck at 0x3c");
_Static_assert(sizeof(struct snp_report_req_payload) == 96, "MSG_REPORT_REQ is 96 bytes");

/* The IV: the sequence number, little-endian, then zeros. */
static void msg_iv(uint64_t seqno, uint8_t iv[AES_GCM_IV_SIZE])
{
    memset(iv, 0, AES_GCM_IV_SIZE);
    for (int i = 0; i < 8; i++)
        iv[i] = (uint8_t)(seqno >> (8 * i));
}

int snp_msg_wrap(void *page, const struct snp_channel *ch, uint64_t seqno, uint8_t type, uint8_t version,
                 const void *payload, size_t len)
{
    if (len > SNP_MSG_PAYLOAD_MAX)
        return -EINVAL;
    uint8_t *p = page;
    memset(p, 0, SNP_MSG_PAGE_SIZE);
    struct snp_msg_hdr h = {
        .seqno = seqno,
        .algo = SNP_AEAD_AES_256_GCM,
        .hdr_version = SNP_MSG_HDR_VERSION,
        .hdr_size = SNP_MSG_HDR_SIZE,
        .msg_type = type,
        .msg_version = version,
        .msg_size = (uint16_t)len,
        .msg_vmpck = ch->vmpck_id,
    };
    uint8_t iv[AES_GCM_IV_SIZE];
    msg_iv(seqno, iv);
    memcpy(p, &h, sizeof h);
    aes256_gcm_seal(ch->key, iv, p + SNP_MSG_AAD_OFFSET, SNP_MSG_HDR_SIZE - SNP_MSG_AAD_OFFSET, payload,
                    p + SNP_MSG_HDR_SIZE, len, p);
    return 0;
}

int64_t snp_msg_unwrap(const void *page, const struct snp_channel *ch, uint64_t seqno, uint8_t type,
                       uint8_t version, void *out, size_t cap)
{
    const uint8_t *p = page;
    struct snp_msg_hdr h;
    memcpy(&h, p, sizeof h);
    /* the header is the hypervisor's to garble until the tag is checked,
     * but a mismatch here is refused before any decryption */
    if (h.algo != SNP_AEAD_AES_256_GCM || h.hdr_version != SNP_MSG_HDR_VERSION || h.hdr_size != SNP_MSG_HDR_SIZE ||
        h.seqno != seqno || h.msg_type != type || h.msg_version != version || h.msg_vmpck != ch->vmpck_id ||
        h.msg_size > SNP_MSG_PAYLOAD_MAX)
        return -EPROTO;
    if (h.msg_size > cap)
        return -EPROTO;
    uint8_t iv[AES_GCM_IV_SIZE];
    msg_iv(seqno, iv);
    int r = aes256_gcm_open(ch->key, iv, p + SNP_MSG_AAD_OFFSET, SNP_MSG_HDR_SIZE - SNP_MSG_AAD_OFFSET,
                            p + SNP_MSG_HDR_SIZE, out, h.msg_size, h.authtag);
    return r ? r : (int64_t)h.msg_size;
}

/* Forgets the key: no message is ever built with it again. */
static void channel_disable(struct snp_channel *ch)
{
    secret_wipe(ch->key, sizeof ch->key);
    ch->disabled = true;
}

/* One exchange; npages NULL: a plain request, else an extended one. */
static int64_t exchange(struct snp_channel *ch, const struct snp_transport *t, uint8_t type, uint8_t version,
                        const void *req, size_t req_len, void *resp, size_t resp_cap, unsigned *npages,
                        uint64_t *exitinfo2)
{
    *exitinfo2 = 0;
    if (ch->disabled)
        return -ENODEV;
    if (npages && (!t->send_ext || *npages > t->certs_pages))
        return -EINVAL;
    /* The request takes last + 1 and the firmware's response last + 2,
     * which the next request follows.  The OS area keeps 32 bits: stop
     * before the response's number would not fit. */
    uint64_t seqno = (uint64_t)*ch->last_seqno + 1;
    if (seqno + 1 > UINT32_MAX) {
        channel_disable(ch);
        return -ENODEV;
    }
    int r = snp_msg_wrap(t->scratch, ch, seqno, type, version, req, req_len);
    if (r)
        return r; /* nothing was sent: the number is still free */
    memcpy(t->req_page, t->scratch, SNP_MSG_PAGE_SIZE);
    memset(t->resp_page, 0, SNP_MSG_PAGE_SIZE);
    int64_t result = 0;
    if (npages) {
        memset(t->certs, 0, (size_t)*npages * SNP_MSG_PAGE_SIZE);
        r = t->send_ext(t->ctx, npages, exitinfo2);
        if (r == -ENOSPC) {
            /* not forwarded: the same message again, plainly (the shared
             * page may have been changed meanwhile: copied again) */
            uint64_t info2;
            memcpy(t->req_page, t->scratch, SNP_MSG_PAGE_SIZE);
            memset(t->resp_page, 0, SNP_MSG_PAGE_SIZE);
            r = t->send(t->ctx, &info2);
            if (r)
                *exitinfo2 = info2;
            result = -ENOSPC;
        }
    } else {
        r = t->send(t->ctx, exitinfo2);
    }
    if (r) {
        memset(t->scratch, 0, SNP_MSG_PAGE_SIZE);
        channel_disable(ch);
        return r;
    }
    memcpy(t->scratch, t->resp_page, SNP_MSG_PAGE_SIZE);
    int64_t n = snp_msg_unwrap(t->scratch, ch, seqno + 1, (uint8_t)(type + 1), version, resp, resp_cap);
    memset(t->scratch, 0, SNP_MSG_PAGE_SIZE);
    if (n < 0) {
        channel_disable(ch);
        return n;
    }
    *ch->last_seqno = (uint32_t)(seqno + 1);
    if (result) {
        memset(resp, 0, (size_t)n); /* the retry's report: not what was asked */
        return result;
    }
    return n;
}

int64_t snp_guest_request(struct snp_channel *ch, const struct snp_transport *t, uint8_t type, uint8_t version,
                          const void *req, size_t req_len, void *resp, size_t resp_cap, uint64_t *exitinfo2)
{
    return exchange(ch, t, type, version, req, req_len, resp, resp_cap, NULL, exitinfo2);
}

int64_t snp_guest_ext_request(struct snp_channel *ch, const struct snp_transport *t, uint8_t version,
                              const void *req, size_t req_len, void *resp, size_t resp_cap, unsigned *npages,
                              uint64_t *exitinfo2)
{
    return exchange(ch, t, SNP_MSG_REPORT_REQ, version, req, req_len, resp, resp_cap, npages, exitinfo2);
}
