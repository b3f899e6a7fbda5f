/* Choosing the platform-evidence provider (platform.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "platform.h"

void platform_open(struct platform *p, const char *sev_guest, struct session *s)
{
    *p = (struct platform){.fd = -1, .s = s};
    p->fd = open(sev_guest, O_RDWR | O_CLOEXEC);
    if (p->fd >= 0) {
        p->name = "snp";
        p->report = platform_snp_report;
        fprintf(stderr, "aproxy: platform evidence: SEV-SNP (%s)\n", sev_guest);
        return;
    }
    p->name = "emulated";
    p->report = platform_emulated_report;
    fprintf(stderr, "aproxy: platform evidence: EMULATED (%s: %s): the host signs the report; "
                    "a verifier must opt in to accept it\n", sev_guest, strerror(errno));
}

int platform_keep_certs(struct platform *p, const uint8_t *buf, size_t len, char why[WHY_MAX])
{
    struct cert_entry e[CERT_TABLE_ENTRIES_MAX];
    char twhy[CERT_TABLE_WHY_MAX];
    p->certs_len = 0;
    int n = cert_table_parse(buf, len, e, CERT_TABLE_ENTRIES_MAX, twhy);
    if (n < 0) {
        snprintf(why, WHY_MAX, "the certificate table: %s", twhy);
        return -1;
    }
    if (n > 0 && !(p->certs_len = cert_table_build(e, (size_t)n, p->certs, sizeof(p->certs)))) {
        snprintf(why, WHY_MAX, "the certificate table's %d certificates do not fit %d bytes", n, CERT_TABLE_MAX);
        return -1;
    }
    return 0;
}

const struct cert_entry *platform_endorsement(const struct platform *p, const uint8_t *report,
                                              struct cert_entry entries[CERT_TABLE_ENTRIES_MAX])
{
    char why[CERT_TABLE_WHY_MAX];
    int n = p->certs_len ? cert_table_parse(p->certs, p->certs_len, entries, CERT_TABLE_ENTRIES_MAX, why) : 0;
    return n > 0 ? cert_table_endorsement(entries, (size_t)n, report) : NULL;
}
