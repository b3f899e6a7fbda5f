/* The SEV-SNP provider: Linux's /dev/sev-guest ABI (include/uapi/linux/
 * sev-guest.h), which the kernel answers with an SNP guest request to the PSP
 * (MSG_REPORT_REQ, SEV-SNP firmware ABI spec 7.3).  Written from those
 * documents; this machine has no SNP, so it runs only where the kernel offers
 * the device. */
#include <errno.h>
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

/* MSG_REPORT_RSP: status, report size, 24 reserved bytes, the report. */
#define REPORT_RSP_STATUS 0
#define REPORT_RSP_SIZE   4
#define REPORT_RSP_REPORT 0x20

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int platform_snp_report(struct platform *p, const uint8_t report_data[64], uint8_t out[SNP_REPORT_LEN],
                        char why[WHY_MAX])
{
    static struct snp_report_req req;
    static struct snp_report_resp resp;
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    memcpy(req.user_data, report_data, 64);
    req.vmpl = 0;
    struct snp_guest_request_ioctl io = {
        .msg_version = 1, .req_data = (uintptr_t)&req, .resp_data = (uintptr_t)&resp,
    };
    if (ioctl(p->fd, SNP_GET_REPORT, &io) < 0) {
        snprintf(why, WHY_MAX, "SNP_GET_REPORT: %s (firmware error 0x%x, VMM error 0x%x)", strerror(errno),
                 (unsigned)io.exitinfo2, (unsigned)(io.exitinfo2 >> 32));
        return -1;
    }
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
    return 0;
}
