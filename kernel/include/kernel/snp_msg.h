/* SEV-SNP guest messages: the encrypted page a guest sends the AMD secure
 * processor (PSP) through the hypervisor (SNP Firmware ABI, AMD 56860,
 * "Guest Messages": the message header, AES-256-GCM under a VM platform
 * communication key, VMPCK), and the per-key sequence numbers.
 *
 * Pure: no hardware.  The transport (the GHCB guest-request event,
 * arch/x86_64/sev.c) is a callback, so the whole exchange is tested on the
 * host against a fake PSP (tests/unit/test_snp_msg.c).  Used by the
 * /dev/sev-guest driver (drivers/sev_guest.c). */
#ifndef KERNEL_SNP_MSG_H
#define KERNEL_SNP_MSG_H

#include <kernel/aes_gcm.h>
#include <kernel/types.h>

#define SNP_MSG_PAGE_SIZE 4096
#define SNP_AEAD_AES_256_GCM 1 /* header field algo */
#define SNP_MSG_HDR_VERSION 1
#define SNP_MSG_REPORT_REQ 5 /* a response's type is its request's + 1 */
#define SNP_MSG_REPORT_RSP 6

/* The header: the first 96 bytes of the page, little-endian.  The AAD of
 * the AEAD is bytes 0x30-0x5f (algo to the end); the IV is the sequence
 * number, little-endian, in 12 bytes. */
struct snp_msg_hdr {
    uint8_t authtag[32];   /* 0x00: the GCM tag in the first 16 bytes */
    uint64_t seqno;        /* 0x20 */
    uint8_t rsvd1[8];      /* 0x28 */
    uint8_t algo;          /* 0x30 */
    uint8_t hdr_version;   /* 0x31 */
    uint16_t hdr_size;     /* 0x32 */
    uint8_t msg_type;      /* 0x34 */
    uint8_t msg_version;   /* 0x35 */
    uint16_t msg_size;     /* 0x36: payload bytes */
    uint32_t rsvd2;        /* 0x38 */
    uint8_t msg_vmpck;     /* 0x3c: which VMPCK (0-3) */
    uint8_t rsvd3[35];     /* 0x3d */
} __attribute__((packed));

#define SNP_MSG_AAD_OFFSET 0x30
#define SNP_MSG_HDR_SIZE 0x60
#define SNP_MSG_PAYLOAD_MAX (SNP_MSG_PAGE_SIZE - SNP_MSG_HDR_SIZE)

/* MSG_REPORT_REQ's payload (56860, "MSG_REPORT_REQ"), the same bytes as
 * Linux's struct snp_report_req. */
struct snp_report_req_payload {
    uint8_t report_data[64];
    uint32_t vmpl;
    uint8_t rsvd[28];
} __attribute__((packed));

/* One VMPCK and its message counter.  The firmware expects each request's
 * sequence number to be one more than the last response's, and a response
 * carries the request's + 1; an IV must never be used twice under a key, so
 * a request whose fate is unknown (sent, but no good response) disables
 * the key for good, as Linux does.  The last used number is kept in the
 * secrets page's OS area (a 32-bit field: the key is disabled before the
 * counter would pass it). */
struct snp_channel {
    uint8_t key[AES256_KEY_SIZE];
    uint8_t vmpck_id;
    bool disabled;
    uint32_t *last_seqno; /* the secrets page's msg_seqno_<id> (or a test's variable) */
};

/* The transport: sends the request page and fills the response page (both
 * given to the hypervisor by physical address).  Returns 0 when the
 * hypervisor completed the request, else -errno with *exitinfo2 the
 * firmware (low 32 bits) and hypervisor (high 32 bits) error codes.  A
 * hypervisor that says it is busy is asked again with the same page, for a
 * bounded time, by the transport itself. */
struct snp_transport {
    void *req_page, *resp_page; /* shared with the hypervisor */
    /* A private page: messages are built and checked here and only copied
     * to or from the shared pages, which the hypervisor may change at any
     * moment (between a tag's check and the decryption, say). */
    void *scratch;
    int (*send)(void *ctx, uint64_t *exitinfo2);
    /* The extended request (GHCB: SNP Extended Guest Request), with
     * *npages certificate pages at certs (shared, certs_pages at most): as
     * send, or -ENOSPC when the hypervisor said the pages are too few (its
     * error SNP_GUEST_VMM_ERR_INVALID_LEN) with *npages the number it
     * needs; it then did not forward the request to the firmware. */
    int (*send_ext)(void *ctx, unsigned *npages, uint64_t *exitinfo2);
    void *certs;
    unsigned certs_pages;
    void *ctx;
};

/* The hypervisor's error code (exitinfo2's high 32 bits) for too few
 * certificate pages (GHCB 56421). */
#define SNP_GUEST_VMM_ERR_INVALID_LEN 1ull

/* Builds a request in page: header, payload encrypted with the key, tag. */
int snp_msg_wrap(void *page, const struct snp_channel *ch, uint64_t seqno, uint8_t type, uint8_t version,
                 const void *payload, size_t len);
/* Checks a response in page (its header against what was asked, its tag)
 * and decrypts its payload to out (at most cap bytes): its length, -EPROTO
 * for a header that does not match, -EBADMSG for a forged or damaged one. */
int64_t snp_msg_unwrap(const void *page, const struct snp_channel *ch, uint64_t seqno, uint8_t type,
                       uint8_t version, void *out, size_t cap);
/* One request/response exchange (type, version, payload in; payload out):
 * the response's length, or -errno: -ENODEV once the key is disabled, the
 * transport's error (with *exitinfo2), -EPROTO or -EBADMSG for a bad
 * response.  Every failure after the request was handed to the transport
 * disables the key: its sequence number may have been seen. */
int64_t snp_guest_request(struct snp_channel *ch, const struct snp_transport *t, uint8_t type, uint8_t version,
                          const void *req, size_t req_len, void *resp, size_t resp_cap, uint64_t *exitinfo2);

/* An extended report request (MSG_REPORT_REQ through send_ext), with
 * *npages of the transport's certificate pages, which are zeroed first.
 * As snp_guest_request; and -ENOSPC, *npages the pages needed and
 * *exitinfo2 the hypervisor's INVALID_LEN, when they are too few.  The
 * message was built with a sequence number the firmware never saw: the
 * same page then goes again as a plain request, so that number is used
 * once and never with another message (as Linux does); that response is
 * checked like any other (a bad one disables the key) and not returned. */
int64_t snp_guest_ext_request(struct snp_channel *ch, const struct snp_transport *t, uint8_t version,
                              const void *req, size_t req_len, void *resp, size_t resp_cap, unsigned *npages,
                              uint64_t *exitinfo2);

#endif
