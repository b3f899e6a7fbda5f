/* The emulated provider: the host half acts as the PSP (aproxy/host/
 * emulated_psp.c) and signs an SNP-shaped report over the report data the VM
 * sends.  This proves nothing about the host: it is for QEMU without SNP, and
 * every line about it says "emulated". */
#include <stdio.h>
#include <string.h>

#include "platform.h"

int platform_emulated_report(struct platform *p, const uint8_t report_data[64], uint8_t out[SNP_REPORT_LEN],
                             char why[WHY_MAX])
{
    struct msg req, reply;
    msg_init(&req, MSG_REPORT);
    msg_set_bytes(&req, F_REPORT_DATA, report_data, 64);
    if (session_call(p->s, &req, &reply, why) < 0)
        return -1;
    if (!msg_text_is(&reply, F_PLATFORM, "emulated") || reply.f[F_REPORT].len != SNP_REPORT_LEN) {
        snprintf(why, WHY_MAX, "the host's emulated report is not an emulated %u-byte report", SNP_REPORT_LEN);
        return -1;
    }
    memcpy(out, reply.f[F_REPORT].p, SNP_REPORT_LEN);
    if (memcmp(out + SNP_REPORT_DATA_OFF, report_data, 64)) {
        snprintf(why, WHY_MAX, "the emulated report does not carry the report data asked for");
        return -1;
    }
    /* the emulated PSP's certificate table (its emulated VCEK), which a host
     * half of schema version 2 sends as the hypervisor would */
    p->certs_len = 0;
    return msg_has(&reply, F_CERT_TABLE)
               ? platform_keep_certs(p, reply.f[F_CERT_TABLE].p, reply.f[F_CERT_TABLE].len, why) : 0;
}
