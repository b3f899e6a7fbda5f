/* Platform evidence: one interface, two providers (docs/attestation.md,
 * "Platform evidence").
 *   snp       the SEV-SNP firmware's ATTESTATION_REPORT and the hypervisor's
 *             certificate table through Linux's /dev/sev-guest
 *             SNP_GET_EXT_REPORT ioctl (platform_snp.c);
 *   emulated  for QEMU without SNP: the host half plays the PSP and signs a
 *             report of the same shape (platform_emulated.c).  Everything that
 *             carries such a report says "emulated"; a verifier must opt in.
 * platform_open picks SNP when the device exists and says so either way. */
#ifndef APROXY_PLATFORM_H
#define APROXY_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "cert_table.h"
#include "session.h"

#define SNP_REPORT_LEN 0x4A0   /* ATTESTATION_REPORT, SEV-SNP ABI spec table 22 */
#define SNP_REPORT_DATA_OFF 0x50

struct platform {
    const char *name;   /* "snp" or "emulated" */
    int (*report)(struct platform *p, const uint8_t report_data[64], uint8_t out[SNP_REPORT_LEN],
                  char why[WHY_MAX]);
    int fd;             /* snp: the open /dev/sev-guest */
    struct session *s;  /* emulated: the host half */
    /* The certificate table that came with the last report (snp: the
     * hypervisor's, from SNP_GET_EXT_REPORT; emulated: the host half's),
     * compact (cert_table_build); certs_len 0: none was given. */
    uint8_t certs[CERT_TABLE_MAX];
    size_t certs_len;
};

/* Checks the table in buf (len bytes) and keeps it compact in p->certs
 * (certs_len 0 when it has no entries).  0, or -1 with why. */
int platform_keep_certs(struct platform *p, const uint8_t *buf, size_t len, char why[WHY_MAX]);
/* The certificate in p->certs of the key that signed report (VCEK or VLEK),
 * or NULL; entries is room for the table's entries, which it points into. */
const struct cert_entry *platform_endorsement(const struct platform *p, const uint8_t *report,
                                              struct cert_entry entries[CERT_TABLE_ENTRIES_MAX]);

/* SNP if sev_guest opens, else emulated over s; logs which on stderr. */
void platform_open(struct platform *p, const char *sev_guest, struct session *s);

int platform_snp_report(struct platform *p, const uint8_t report_data[64], uint8_t out[SNP_REPORT_LEN],
                        char why[WHY_MAX]);
int platform_emulated_report(struct platform *p, const uint8_t report_data[64], uint8_t out[SNP_REPORT_LEN],
                             char why[WHY_MAX]);

#endif
