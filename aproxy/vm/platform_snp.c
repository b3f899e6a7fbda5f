/* The SEV-SNP provider: Linux's /dev/sev-guest ABI (include/uapi/linux/
 * sev-guest.h, Documentation/virt/coco/sev-guest.rst), which the kernel
 * answers with an SNP guest request to the PSP (MSG_REPORT_REQ, SEV-SNP
 * firmware ABI spec 7.3).  It asks for the extended report
 * (SNP_GET_EXT_REPORT), which adds the hypervisor's certificate table (GHCB
 * spec, "SNP Extended Guest Request"; cert_table.h) so the VCEK or VLEK can
 * travel with the report.  Written from those documents; this machine has no
 * SNP, so it runs only where the kernel offers the device. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "platform.h"

struct snp_report_req {
    uint8_t user_data[64];
    uint32_t vmpl;
    uint8_t rsvd[28];
};

struct snp_report_resp {
    uint8_t data[4000];
};

struct snp_guest_request_ioctl {
    uint8_t msg_version;
    uint64_t req_data;
    uint64_t resp_data;
    uint64_t exitinfo2;   /* fw_error in the low half, vmm_error in the high */
};

#define SNP_GET_REPORT _IOWR('S', 0x0, struct snp_guest_request_ioctl)

/* Linux's struct snp_ext_report_req: the report request, then where the
 * certificate table goes and how many bytes (a multiple of the page size). */
struct snp_ext_report_req {
    struct snp_report_req data;
    uint64_t certs_address;
    uint32_t certs_len;
};

#define SNP_GET_EXT_REPORT _IOWR('S', 0x2, struct snp_guest_request_ioctl)
#define SNP_PAGE 4096
/* exitinfo2's high half when the certificate buffer is too small; certs_len
 * then says how much is needed (Linux: EIO, SNP_GUEST_VMM_ERR_INVALID_LEN). */
#define SNP_GUEST_VMM_ERR_INVALID_LEN 1

/* MSG_REPORT_RSP: status, report size, 24 reserved bytes, the report. */
#define REPORT_RSP_STATUS 0
#define REPORT_RSP_SIZE   4
#define REPORT_RSP_REPORT 0x20

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* SNP_GET_EXT_REPORT into resp and certs, starting with one page for the
 * table and asking again, once, with as many as the host says it needs (the
 * kernel used and discarded a report for the first ask: Linux's semantics).
 * Where the kernel has no extended report (ENOTTY), SNP_GET_REPORT and no
 * table.  0 (*certs_len: the bytes written, 0 for none), or -1 with why. */
static int ext_report(struct platform *p, const struct snp_report_req *req, struct snp_report_resp *resp,
                      uint8_t *certs, size_t *certs_len, char why[WHY_MAX])
{
    static struct snp_ext_report_req ext;
    static bool said_no_ext;
    size_t len = SNP_PAGE;
    for (int attempt = 0;; attempt++) {
        memset(&ext, 0, sizeof(ext));
        memset(certs, 0, CERT_TABLE_MAX);
        ext.data = *req;
        ext.certs_address = (uintptr_t)certs;
        ext.certs_len = (uint32_t)len;
        struct snp_guest_request_ioctl io = {
            .msg_version = 1, .req_data = (uintptr_t)&ext, .resp_data = (uintptr_t)resp,
        };
        if (ioctl(p->fd, SNP_GET_EXT_REPORT, &io) == 0) {
            *certs_len = len;
            return 0;
        }
        int e = errno;
        const char *which = "SNP_GET_EXT_REPORT";
        if (e == ENOTTY) {
            if (!said_no_ext)
                fprintf(stderr, "aproxy: SNP_GET_EXT_REPORT answered ENOTTY (not offered by this kernel, or its "
                                "guest key is disabled): trying SNP_GET_REPORT, without a certificate table\n");
            said_no_ext = true;
            which = "SNP_GET_REPORT";
            io = (struct snp_guest_request_ioctl){.msg_version = 1, .req_data = (uintptr_t)req,
                                                  .resp_data = (uintptr_t)resp};
            if (ioctl(p->fd, SNP_GET_REPORT, &io) == 0) {
                *certs_len = 0;
                return 0;
            }
            e = errno;
        } else if (e == EIO && (io.exitinfo2 >> 32) == SNP_GUEST_VMM_ERR_INVALID_LEN && attempt == 0 &&
                   ext.certs_len > len && ext.certs_len <= CERT_TABLE_MAX && ext.certs_len % SNP_PAGE == 0) {
            /* the table needs more pages: the kernel said how many */
            len = ext.certs_len;
            continue;
        } else if (e == EIO && (io.exitinfo2 >> 32) == SNP_GUEST_VMM_ERR_INVALID_LEN) {
            snprintf(why, WHY_MAX, "SNP_GET_EXT_REPORT: the host's certificate table needs %u bytes (asked with %zu; "
                     "at most %d taken)", ext.certs_len, len, CERT_TABLE_MAX);
            return -1;
        }
        snprintf(why, WHY_MAX, "%s: %s (firmware error 0x%x, VMM error 0x%x)", which, strerror(e),
                 (unsigned)io.exitinfo2, (unsigned)(io.exitinfo2 >> 32));
        return -1;
    }
}

int platform_snp_report(struct platform *p, const uint8_t report_data[64], uint8_t out[SNP_REPORT_LEN],
                        char why[WHY_MAX])
{
    static struct snp_report_req req;
    static struct snp_report_resp resp;
    static uint8_t certs[CERT_TABLE_MAX] __attribute__((aligned(SNP_PAGE)));
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    memcpy(req.user_data, report_data, 64);
    req.vmpl = 0;
    size_t certs_len;
    if (ext_report(p, &req, &resp, certs, &certs_len, why) < 0)
        return -1;
    uint32_t status = le32(resp.data + REPORT_RSP_STATUS), size = le32(resp.data + REPORT_RSP_SIZE);
    if (status != 0 || size != SNP_REPORT_LEN) {
        snprintf(why, WHY_MAX, "SNP report response: status 0x%x, size %u (want 0 and %u)", status, size,
                 SNP_REPORT_LEN);
        return -1;
    }
    memcpy(out, resp.data + REPORT_RSP_REPORT, SNP_REPORT_LEN);
    if (memcmp(out + SNP_REPORT_DATA_OFF, report_data, 64)) {
        snprintf(why, WHY_MAX, "the SNP report does not carry the report data asked for");
        return -1;
    }
    /* an empty table (the host gave no certificates) leaves certs_len 0: the
     * verifier then fetches the VCEK from AMD's key distribution service */
    p->certs_len = 0;
    return certs_len ? platform_keep_certs(p, certs, certs_len, why) : 0;
}
