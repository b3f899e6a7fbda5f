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
