/* /dev/sev-guest: SEV-SNP attestation reports for user space, with the ioctl
 * ABI of Linux's sev-guest driver (include/uapi/linux/sev-guest.h):
 * SNP_GET_REPORT and SNP_GET_EXT_REPORT (the report and the hypervisor's
 * certificate table, kernel/snp_certs.h); not SNP_GET_DERIVED_KEY.  Absent (open fails with ENOENT) unless the kernel runs
 * as an SEV-SNP guest; docs/attestation.md, "SEV-SNP provider". */
#ifndef DRIVERS_SEV_GUEST_H
#define DRIVERS_SEV_GUEST_H

#include <kernel/types.h>

/* Linux's struct snp_guest_request_ioctl. */
struct snp_guest_request_ioctl {
    uint8_t msg_version; /* the message version asked for; must not be 0 */
    uint8_t pad[7];
    uint64_t req_data;   /* user address of struct snp_report_req (96 bytes) */
    uint64_t resp_data;  /* user address of struct snp_report_resp (4000 bytes) */
    uint64_t exitinfo2;  /* out: firmware error (low 32 bits), hypervisor error (high 32) */
};
_Static_assert(sizeof(struct snp_guest_request_ioctl) == 32, "the ioctl's argument is 32 bytes");

/* _IOWR('S', 0, struct snp_guest_request_ioctl) */
#define SNP_GET_REPORT 0xc0205300u
#define SNP_REPORT_RESP_SIZE 4000
/* _IOWR('S', 2, struct snp_guest_request_ioctl): req_data points at this */
#define SNP_GET_EXT_REPORT 0xc0205302u

/* Linux's struct snp_ext_report_req: the report request, then where and
 * how much certificate data user space takes (a multiple of 4096, at most
 * SNP_CERTS_MAX_SIZE; 0: none).  Too small a buffer fails with EIO,
 * exitinfo2 SNP_GUEST_VMM_ERR_INVALID_LEN << 32 and certs_len set to what
 * is needed, as on Linux. */
struct snp_ext_report_req {
    uint8_t report_data[64];
    uint32_t vmpl;
    uint8_t rsvd[28];
    uint64_t certs_address;
    uint32_t certs_len;
    uint32_t pad; /* the C struct's tail padding on Linux */
};
_Static_assert(sizeof(struct snp_ext_report_req) == 112, "Linux's struct snp_ext_report_req is 112 bytes");

#define SEV_GUEST_MAJOR 10 /* a misc device, as on Linux */
#define SEV_GUEST_MINOR 241

/* Sets up the guest-request path and adds /dev/sev-guest on an SEV-SNP
 * guest; elsewhere only prints that it is absent.  At boot, after the root
 * file system. */
void sev_guest_init(void);

#endif
