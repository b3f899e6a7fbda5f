/* SNP_GET_EXT_REPORT's pure parts: the hypervisor's certificate table
 * (kernel/lib/snp_certs.c) and the extended request's exchange
 * (kernel/lib/snp_msg.c, snp_guest_ext_request) with a fake PSP and a fake
 * hypervisor that fills the certificate pages or says they are too few.
 * No SEV-SNP hardware here: docs/attestation.md says what this covers. */
#include "unit.h"

#include <kernel/errno.h>
#include <kernel/snp_certs.h>
#include <kernel/snp_msg.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A GUID's text form to its bytes in the UEFI order, written independently
 * of the table in snp_certs.c. */
static void guid_bytes(const char *text, uint8_t out[16])
{
    unsigned a, b, c, d, e[6];
    if (sscanf(text, "%8x-%4x-%4x-%4x-%2x%2x%2x%2x%2x%2x", &a, &b, &c, &d, &e[0], &e[1], &e[2], &e[3], &e[4],
               &e[5]) != 10)
        unit_fail(__FILE__, __LINE__, "bad GUID text %s", text);
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(a >> (8 * i));
    out[4] = (uint8_t)b; out[5] = (uint8_t)(b >> 8);
    out[6] = (uint8_t)c; out[7] = (uint8_t)(c >> 8);
    out[8] = (uint8_t)(d >> 8); out[9] = (uint8_t)d;
    for (int i = 0; i < 6; i++)
        out[10 + i] = (uint8_t)e[i];
}

#define VCEK "63da758d-e664-4564-adc5-f4b93be8accd"
#define ASK "4ab7b379-bbac-4fe4-a02f-05aef327c782"
#define ARK "c0b406a4-a803-4952-9743-3fb6014cd0ae"
#define VLEK "a8074bc2-a25a-483e-aae6-39c045a0b8a1"

static void put_entry(uint8_t *buf, int i, const char *guid, uint32_t off, uint32_t len)
{
    struct snp_cert_entry e;
    guid_bytes(guid, e.guid);
    e.offset = off; /* little-endian host, as the table */
    e.length = len;
    memcpy(buf + i * 24, &e, sizeof e);
}

static uint8_t certs[SNP_CERTS_MAX_SIZE];

/* A table as a hypervisor writes it: VCEK, ASK, ARK, then their DER bytes. */
static void good_table(uint8_t *buf)
{
    memset(buf, 0, SNP_CERTS_MAX_SIZE);
    put_entry(buf, 0, VCEK, 0x60, 1000);
    put_entry(buf, 1, ASK, 0x60 + 1000, 900);
    put_entry(buf, 2, ARK, 0x60 + 1900, 900);
    memset(buf + 0x60, 0x30, 2800);
}

static void test_guid_kinds(void)
{
    uint8_t g[16];
    guid_bytes(VCEK, g);
    CHECK_EQ(snp_cert_kind(g), SNP_CERT_VCEK);
    CHECK(!strcmp(snp_cert_kind_name(snp_cert_kind(g)), "VCEK"));
    guid_bytes(ASK, g);
    CHECK_EQ(snp_cert_kind(g), SNP_CERT_ASK);
    guid_bytes(ARK, g);
    CHECK_EQ(snp_cert_kind(g), SNP_CERT_ARK);
    guid_bytes(VLEK, g);
    CHECK_EQ(snp_cert_kind(g), SNP_CERT_VLEK);
    /* the same bytes in RFC 4122 (big-endian) order are not the VCEK */
    const uint8_t be[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
    CHECK_EQ(snp_cert_kind(be), SNP_CERT_OTHER);
}

static void test_table(void)
{
    struct snp_cert_entry e[4];
    good_table(certs);
    CHECK_EQ(snp_certs_check(certs, 4096, e, 4), 3);
    CHECK_EQ(snp_cert_kind(e[0].guid), SNP_CERT_VCEK);
    CHECK_EQ(e[1].offset, 0x60 + 1000);
    CHECK_EQ(e[2].length, 900);
    CHECK_EQ(snp_certs_check(certs, 4096, e, 2), -E2BIG);
    /* none supplied: the pages as the guest zeroed them */
    memset(certs, 0, sizeof certs);
    CHECK_EQ(snp_certs_check(certs, 4096, e, 4), 0);
    /* no terminator within the buffer */
    good_table(certs);
    CHECK_EQ(snp_certs_check(certs, 24 * 3 + 23, e, 4), -EBADMSG);
    /* a certificate past the pages given */
    good_table(certs);
    CHECK_EQ(snp_certs_check(certs, 0x60 + 2799, e, 4), -EBADMSG);
    /* a certificate inside the table itself (the terminator's bytes) */
    good_table(certs);
    put_entry(certs, 1, ASK, 0x48, 900);
    CHECK_EQ(snp_certs_check(certs, 4096, e, 4), -EBADMSG);
    /* empty, overflowing, duplicated */
    good_table(certs);
    put_entry(certs, 1, ASK, 0x60 + 1000, 0);
    CHECK_EQ(snp_certs_check(certs, 4096, e, 4), -EBADMSG);
    good_table(certs);
    put_entry(certs, 1, ASK, 0xffffffffu, 2);
    CHECK_EQ(snp_certs_check(certs, 4096, e, 4), -EBADMSG);
    good_table(certs);
    put_entry(certs, 2, VCEK, 0x60 + 1900, 900);
    CHECK_EQ(snp_certs_check(certs, 4096, e, 4), -EBADMSG);
    /* an unknown GUID is passed on, not refused */
    good_table(certs);
    put_entry(certs, 2, "01234567-89ab-cdef-0123-456789abcdef", 0x60 + 1900, 900);
    CHECK_EQ(snp_certs_check(certs, 4096, e, 4), 3);
    CHECK_EQ(snp_cert_kind(e[2].guid), SNP_CERT_OTHER);
}

/* --- the extended exchange with a fake PSP and hypervisor ------------------------ */

static const uint8_t test_key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static int gcm(int enc, const uint8_t *aad, uint64_t seqno, const uint8_t *in, uint8_t *out, int len, uint8_t *tag)
{
    uint8_t iv[12] = {0};
    memcpy(iv, &seqno, 8);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n, ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, test_key, iv, enc) &&
                EVP_CipherUpdate(c, NULL, &n, aad, 0x30) && (!len || EVP_CipherUpdate(c, out, &n, in, len)) &&
                (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag)) && EVP_CipherFinal_ex(c, out + len, &n) &&
                (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag));
    EVP_CIPHER_CTX_free(c);
    return ok;
}

struct fake {
    uint8_t req[4096], resp[4096], scratch[4096], certs[SNP_CERTS_MAX_SIZE];
    unsigned need_pages;   /* the pages the hypervisor's table takes */
    int plain_sends, ext_sends, fail_plain;
    uint64_t seqnos[4];    /* the sequence numbers the PSP saw */
    uint8_t first_req[4096];
    bool certs_were_zero;
};

static struct fake f;

/* The firmware: authenticates the request and answers a 1216-byte report. */
static int psp(uint64_t *exitinfo2)
{
    struct snp_msg_hdr h;
    memcpy(&h, f.req, sizeof h);
    uint8_t plain[4000];
    if (h.msg_size > 4000 || !gcm(0, f.req + 0x30, h.seqno, f.req + 96, plain, h.msg_size, h.authtag))
        unit_fail(__FILE__, __LINE__, "the PSP could not authenticate the request");
    f.seqnos[f.plain_sends + f.ext_sends - 1] = h.seqno;
    uint8_t payload[1216];
    memset(payload, 0x5a, sizeof payload);
    struct snp_msg_hdr r = h;
    memset(r.authtag, 0, sizeof r.authtag);
    r.seqno = h.seqno + 1;
    r.msg_type = (uint8_t)(h.msg_type + 1);
    r.msg_size = sizeof payload;
    memset(f.resp, 0, sizeof f.resp);
    memcpy(f.resp, &r, sizeof r);
    gcm(1, f.resp + 0x30, r.seqno, payload, f.resp + 96, sizeof payload, f.resp);
    *exitinfo2 = 0;
    return 0;
}

static int send_plain(void *ctx, uint64_t *exitinfo2)
{
    (void)ctx;
    f.plain_sends++;
    if (f.fail_plain) {
        *exitinfo2 = 0x16;
        return -EIO;
    }
    return psp(exitinfo2);
}

static int send_ext(void *ctx, unsigned *npages, uint64_t *exitinfo2)
{
    (void)ctx;
    f.ext_sends++;
    if (f.ext_sends == 1)
        memcpy(f.first_req, f.req, sizeof f.req);
    f.certs_were_zero = true;
    for (size_t i = 0; i < (size_t)*npages * 4096; i++)
        f.certs_were_zero &= f.certs[i] == 0;
    if (*npages < f.need_pages) {
        *npages = f.need_pages;
        *exitinfo2 = SNP_GUEST_VMM_ERR_INVALID_LEN << 32;
        return -ENOSPC; /* not forwarded to the PSP */
    }
    good_table(f.certs);
    return psp(exitinfo2);
}

static struct snp_channel ch;
static struct snp_transport t;
static uint32_t os_seqno;
static uint8_t req[96], resp[4000];
static uint64_t info;

static void setup(void)
{
    memset(&f, 0, sizeof f);
    memset(f.certs, 0xee, sizeof f.certs); /* the last request's leftovers */
    f.need_pages = 1;
    ch = (struct snp_channel){.last_seqno = &os_seqno};
    memcpy(ch.key, test_key, 32);
    t = (struct snp_transport){.req_page = f.req, .resp_page = f.resp, .scratch = f.scratch, .send = send_plain,
                               .send_ext = send_ext, .certs = f.certs, .certs_pages = 4, .ctx = &f};
    os_seqno = 0;
    memset(req, 0x42, sizeof req);
}

static void test_ext_request_with_certs(void)
{
    setup();
    unsigned npages = 2;
    CHECK_EQ(snp_guest_ext_request(&ch, &t, 1, req, sizeof req, resp, sizeof resp, &npages, &info), 1216);
    CHECK(f.certs_were_zero); /* zeroed before the hypervisor writes */
    CHECK_EQ(f.ext_sends, 1);
    CHECK_EQ(f.plain_sends, 0);
    CHECK_EQ(f.seqnos[0], 1);
    CHECK_EQ(os_seqno, 2);
    CHECK_EQ(resp[0], 0x5a);
    struct snp_cert_entry e[4];
    CHECK_EQ(snp_certs_check(f.certs, 2 * 4096, e, 4), 3);
    CHECK(!ch.disabled);
}

/* Too few pages: the hypervisor says how many and forwards nothing; the
 * same message goes again as a plain request, so its sequence number is
 * used once; the caller gets -ENOSPC and the count, and the key stays. */
static void test_ext_request_too_few_pages(void)
{
    setup();
    f.need_pages = 3;
    unsigned npages = 1;
    memset(resp, 0x77, sizeof resp);
    CHECK_EQ(snp_guest_ext_request(&ch, &t, 1, req, sizeof req, resp, sizeof resp, &npages, &info), -ENOSPC);
    CHECK_EQ(npages, 3);
    CHECK_EQ(info, SNP_GUEST_VMM_ERR_INVALID_LEN << 32);
    CHECK_EQ(f.ext_sends, 1);
    CHECK_EQ(f.plain_sends, 1);
    CHECK_EQ(f.seqnos[1], 1);                       /* the PSP saw number 1, once */
    CHECK(!memcmp(f.req, f.first_req, sizeof f.req)); /* the very same message */
    CHECK_EQ(os_seqno, 2);
    for (int i = 0; i < 1216; i++)
        CHECK_EQ(resp[i], 0);                       /* that report is not handed out */
    CHECK(!ch.disabled);
    /* asked again with room: the next numbers */
    npages = 3;
    CHECK_EQ(snp_guest_ext_request(&ch, &t, 1, req, sizeof req, resp, sizeof resp, &npages, &info), 1216);
    CHECK_EQ(f.seqnos[2], 3);
    CHECK_EQ(os_seqno, 4);
}

/* The plain resend fails: the number's fate is unknown, so the key goes. */
static void test_ext_request_resend_fails(void)
{
    setup();
    f.need_pages = 2;
    f.fail_plain = 1;
    unsigned npages = 1;
    CHECK_EQ(snp_guest_ext_request(&ch, &t, 1, req, sizeof req, resp, sizeof resp, &npages, &info), -EIO);
    CHECK_EQ(info, 0x16);
    CHECK(ch.disabled);
    CHECK_EQ(os_seqno, 0);
    CHECK_EQ(snp_guest_ext_request(&ch, &t, 1, req, sizeof req, resp, sizeof resp, &npages, &info), -ENODEV);
}

/* More pages than the transport has: refused before anything is sent. */
static void test_ext_request_too_many_pages(void)
{
    setup();
    unsigned npages = 5;
    CHECK_EQ(snp_guest_ext_request(&ch, &t, 1, req, sizeof req, resp, sizeof resp, &npages, &info), -EINVAL);
    CHECK_EQ(f.ext_sends + f.plain_sends, 0);
    CHECK(!ch.disabled);
    CHECK_EQ(os_seqno, 0);
}

int main(void)
{
    return unit_main("snp_certs", (struct unit_test[]){UNIT(test_guid_kinds), UNIT(test_table),
                                                        UNIT(test_ext_request_with_certs),
                                                        UNIT(test_ext_request_too_few_pages),
                                                        UNIT(test_ext_request_resend_fails),
                                                        UNIT(test_ext_request_too_many_pages), {0}});
}
