/* SEV-SNP guest messages (kernel/lib/snp_msg.c): the header's bytes and
 * the AEAD's AAD and IV checked with OpenSSL, and whole exchanges with a
 * fake PSP (OpenSSL's AES-256-GCM, the firmware's rules: the response
 * carries the request's sequence number + 1 and type + 1): sequence
 * numbers, a replayed, forged or mislabelled response, a failed transport
 * and counter exhaustion, each disabling the key as it must. */
#include "unit.h"

#include <kernel/errno.h>
#include <kernel/snp_msg.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t test_key[32] = {0x56, 0x86, 0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd,
                                     0xe, 0xf, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
                                     0x1c, 0x1d};

static int gcm(int enc, const uint8_t *page_aad, uint64_t seqno, const uint8_t *in, uint8_t *out, int len,
               uint8_t *tag)
{
    uint8_t iv[12] = {0};
    memcpy(iv, &seqno, 8); /* little-endian host */
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n, ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, test_key, iv, enc) &&
                EVP_CipherUpdate(c, NULL, &n, page_aad, 0x30) && (!len || EVP_CipherUpdate(c, out, &n, in, len)) &&
                (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag)) && EVP_CipherFinal_ex(c, out + len, &n) &&
                (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag));
    EVP_CIPHER_CTX_free(c);
    return ok;
}

/* The fake PSP and what the test tells it to do wrong. */
struct fake_psp {
    uint8_t req[4096], resp[4096], scratch[4096];
    int sends;
    uint64_t last_req_seqno;
    uint8_t last_req[4096];
    int last_req_len;
    int fail_send;     /* -EIO from the transport */
    int seqno_offset;  /* added to the response's sequence number */
    int type_offset;   /* added to the response's type + 1 */
    int flip_byte;     /* a ciphertext byte to flip (0: none) */
    int resp_len;
};

static int psp_send(void *ctx, uint64_t *exitinfo2)
{
    struct fake_psp *f = ctx;
    f->sends++;
    if (f->fail_send) {
        *exitinfo2 = 0x1600000000ull | 0x16; /* hypervisor 0x16, firmware 0x16 */
        return -EIO;
    }
    struct snp_msg_hdr h;
    memcpy(&h, f->req, sizeof h);
    CHECK_EQ(h.algo, 1);
    CHECK_EQ(h.hdr_version, 1);
    CHECK_EQ(h.hdr_size, 96);
    CHECK(h.msg_size <= 4000);
    f->last_req_seqno = h.seqno;
    f->last_req_len = h.msg_size;
    if (!gcm(0, f->req + 0x30, h.seqno, f->req + 96, f->last_req, h.msg_size, h.authtag))
        unit_fail(__FILE__, __LINE__, "the PSP could not authenticate the request");
    /* the response: the request's payload reversed, resp_len bytes */
    uint8_t payload[4000];
    for (int i = 0; i < f->resp_len; i++)
        payload[i] = (uint8_t)(f->last_req[i % (h.msg_size ? h.msg_size : 1)] ^ 0xa5);
    struct snp_msg_hdr r = h;
    memset(r.authtag, 0, sizeof r.authtag);
    r.seqno = h.seqno + 1 + (uint64_t)f->seqno_offset;
    r.msg_type = (uint8_t)(h.msg_type + 1 + f->type_offset);
    r.msg_size = (uint16_t)f->resp_len;
    memset(f->resp, 0, sizeof f->resp);
    memcpy(f->resp, &r, sizeof r);
    gcm(1, f->resp + 0x30, r.seqno, payload, f->resp + 96, f->resp_len, f->resp);
    if (f->flip_byte)
        f->resp[f->flip_byte] ^= 1;
    return 0;
}

/* The fixture: a fake PSP, VMPCK0 with the test key, its OS-area counter,
 * and buffers (each test runs in a process of its own). */
static struct fake_psp f;
static struct snp_channel ch;
static struct snp_transport t;
static uint32_t os_area_seqno;
static uint8_t req[96], resp[4000];
static uint64_t info;

static void setup(void)
{
    memset(&f, 0, sizeof f);
    f.resp_len = 1184 + 32; /* a report response's size */
    ch = (struct snp_channel){.vmpck_id = 0, .last_seqno = &os_area_seqno};
    memcpy(ch.key, test_key, 32);
    t = (struct snp_transport){.req_page = f.req, .resp_page = f.resp, .scratch = f.scratch, .send = psp_send,
                               .ctx = &f};
    os_area_seqno = 0;
    memset(req, 0, sizeof req);
}

/* One report request with the fixture. */
static int64_t request(void)
{
    return snp_guest_request(&ch, &t, SNP_MSG_REPORT_REQ, 1, req, sizeof req, resp, sizeof resp, &info);
}

static bool key_wiped(void)
{
    for (int i = 0; i < 32; i++)
        if (ch.key[i])
            return false;
    return ch.disabled;
}

/* The header's bytes at the offsets 56860 gives, and the AEAD over them. */
static void test_header_layout(void)
{
    static uint8_t page[4096];
    struct snp_channel ch = {.vmpck_id = 2};
    memcpy(ch.key, test_key, 32);
    uint8_t payload[96];
    for (int i = 0; i < 96; i++)
        payload[i] = (uint8_t)i;
    CHECK_EQ(snp_msg_wrap(page, &ch, 0x0102030405060708ull, SNP_MSG_REPORT_REQ, 1, payload, sizeof payload), 0);
    const uint8_t seq[8] = {8, 7, 6, 5, 4, 3, 2, 1};
    CHECK(!memcmp(page + 0x20, seq, 8));
    CHECK_EQ(page[0x30], 1);              /* AES-256-GCM */
    CHECK_EQ(page[0x31], 1);              /* header version */
    CHECK_EQ(page[0x32] | page[0x33] << 8, 0x60);
    CHECK_EQ(page[0x34], 5);              /* MSG_REPORT_REQ */
    CHECK_EQ(page[0x35], 1);
    CHECK_EQ(page[0x36] | page[0x37] << 8, 96);
    CHECK_EQ(page[0x3c], 2);              /* VMPCK2 */
    for (int i = 16; i < 32; i++)         /* the tag is 16 of the field's 32 bytes */
        CHECK_EQ(page[i], 0);
    for (int i = 0x28; i < 0x30; i++)
        CHECK_EQ(page[i], 0);
    for (int i = 0x38; i < 0x3c; i++)
        CHECK_EQ(page[i], 0);
    for (int i = 0x3d; i < 0x60; i++)
        CHECK_EQ(page[i], 0);
    for (int i = 0x60 + 96; i < 4096; i++)
        CHECK_EQ(page[i], 0);
    uint8_t plain[96];
    CHECK(gcm(0, page + 0x30, 0x0102030405060708ull, page + 0x60, plain, 96, page));
    CHECK(!memcmp(plain, payload, 96));
    CHECK(memcmp(page + 0x60, payload, 96)); /* encrypted */
    CHECK_EQ(snp_msg_wrap(page, &ch, 1, 5, 1, payload, 4001), -EINVAL);
}

static void test_sequence_numbers(void)
{
    setup();
    struct snp_report_req_payload rr = {.vmpl = 0};
    memset(rr.report_data, 0x42, sizeof rr.report_data);
    memcpy(req, &rr, sizeof req);
    for (uint64_t k = 0; k < 3; k++) {
        int64_t n = request();
        CHECK_EQ(n, 1184 + 32);
        CHECK_EQ(f.last_req_seqno, 2 * k + 1);  /* 1, 3, 5 */
        CHECK_EQ(os_area_seqno, 2 * k + 2);     /* the response's: 2, 4, 6 */
        CHECK_EQ(f.last_req_len, 96);
        CHECK(!memcmp(f.last_req, req, sizeof req));
        CHECK_EQ(resp[0], (uint8_t)(0x42 ^ 0xa5));
        CHECK_EQ(info, 0);
    }
    for (int i = 0; i < 4096; i++)
        CHECK_EQ(f.scratch[i], 0); /* no plaintext left in the scratch page */
    CHECK(!ch.disabled);
}

/* A response whose header lies (an old sequence number: a replay; a wrong
 * type) or whose bytes were changed is refused, and the key is disabled. */
static void test_bad_responses_disable_the_key(void)
{
    /* replayed, from the future, wrong type, ciphertext, tag, the message
     * size (within the AAD), a reserved AAD byte, another VMPCK's */
    const int cases[][3] = {{-2, 0, 0}, {2, 0, 0}, {0, 1, 0}, {0, 0, 0x60 + 7}, {0, 0, 3}, {0, 0, 0x36},
                            {0, 0, 0x40}, {0, 0, 0x3c}};
    const int64_t want[] = {-EPROTO, -EPROTO, -EPROTO, -EBADMSG, -EBADMSG, -EBADMSG, -EBADMSG, -EPROTO};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        setup();
        os_area_seqno = 10;
        f.seqno_offset = cases[k][0];
        f.type_offset = cases[k][1];
        f.flip_byte = cases[k][2];
        memset(resp, 0x77, sizeof resp);
        int64_t n = request();
        if (n != want[k])
            unit_fail(__FILE__, __LINE__, "case %zu: %lld, want %lld", k, (long long)n, (long long)want[k]);
        CHECK(key_wiped());
        CHECK_EQ(os_area_seqno, 10);
        for (size_t i = 0; i < 1216 && want[k] == -EBADMSG; i++)
            CHECK_EQ(resp[i], 0); /* a forged response's plaintext never shows */
        int sends = f.sends;
        CHECK_EQ(request(),
                 -ENODEV);
        CHECK_EQ(f.sends, sends);
    }
}

static void test_transport_failure_disables_the_key(void)
{
    setup();
    f.fail_send = 1;
    CHECK_EQ(request(), -EIO);
    CHECK_EQ(info, 0x1600000016ull);
    CHECK(key_wiped());
}

/* Too large a request is refused before anything is sent (the key stays);
 * a response larger than the caller's buffer is refused. */
static void test_sizes(void)
{
    static uint8_t big[4096];
    uint8_t small[100];
    setup();
    CHECK_EQ(snp_guest_request(&ch, &t, SNP_MSG_REPORT_REQ, 1, big, 4001, small, sizeof small, &info), -EINVAL);
    CHECK_EQ(f.sends, 0);
    CHECK(!ch.disabled);
    CHECK_EQ(snp_guest_request(&ch, &t, SNP_MSG_REPORT_REQ, 1, big, 4000, small, sizeof small, &info), -EPROTO);
    CHECK_EQ(f.sends, 1);
    CHECK(key_wiped());
}

/* The OS area's counter is 32 bits: the last usable request is the one
 * whose response still fits. */
static void test_counter_exhaustion(void)
{
    setup();
    os_area_seqno = UINT32_MAX - 2;
    CHECK_EQ(request(), 1216);
    CHECK_EQ(os_area_seqno, UINT32_MAX);
    CHECK_EQ(request(), -ENODEV);
    CHECK_EQ(f.sends, 1);
    CHECK(key_wiped());
}

int main(void)
{
    return unit_main("snp_msg", (struct unit_test[]){UNIT(test_header_layout), UNIT(test_sequence_numbers),
                                                      UNIT(test_bad_responses_disable_the_key),
                                                      UNIT(test_transport_failure_disables_the_key), UNIT(test_sizes),
                                                      UNIT(test_counter_exhaustion), {0}});
}
