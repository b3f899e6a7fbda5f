/* The VM half's SEV-SNP provider (aproxy/vm/platform_snp.c) against a fake
 * /dev/sev-guest with Linux's ioctl semantics (include/uapi/linux/
 * sev-guest.h, Documentation/virt/coco/sev-guest.rst), since no SEV-SNP
 * device exists here: ioctl is replaced by fake_ioctl at build time
 * (-Dioctl=fake_ioctl), which reads the requests at the uapi's byte offsets,
 * written here independently of the provider's structs.  Covered: the
 * extended report with the table in one page; the EIO + INVALID_LEN answer
 * with certs_len, asked again once with that size; a table over 16 KiB and a
 * second "too small" refused; ENOTTY falling back to SNP_GET_REPORT with no
 * table; an empty table; a malformed one; a report without the report data. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "platform.h"

#define CHECK_SUITE "aproxy-platform-snp"
#include "check.h"

#define IOC_GET_REPORT     0xc0205300ul  /* _IOWR('S', 0, 32-byte struct) */
#define IOC_GET_EXT_REPORT 0xc0205302ul  /* _IOWR('S', 2, ...) */

static struct {
    int calls;
    unsigned long req[4];
    uint32_t certs_len[4];       /* what each extended request offered */
    const uint8_t *table;        /* the hypervisor's certificates (NULL: none) */
    size_t table_len;
    bool enotty;                 /* no SNP_GET_EXT_REPORT */
    bool always_too_small;
    bool bad_report_data;
} fake;

static uint64_t u64_at(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

int fake_ioctl(int fd, unsigned long req, ...);
int fake_ioctl(int fd, unsigned long req, ...)
{
    (void)fd;
    va_list ap;
    va_start(ap, req);
    uint8_t *io = va_arg(ap, uint8_t *);  /* struct snp_guest_request_ioctl: 32 bytes */
    va_end(ap);
    uint8_t *rq = (uint8_t *)(uintptr_t)u64_at(io + 8), *resp = (uint8_t *)(uintptr_t)u64_at(io + 16);
    int n = fake.calls++;
    if (n < 4)
        fake.req[n] = req;
    if (io[0] != 1) {
        errno = EINVAL;
        return -1;
    }
    if (req == IOC_GET_EXT_REPORT) {
        if (fake.enotty) {
            errno = ENOTTY;
            return -1;
        }
        uint8_t *certs = (uint8_t *)(uintptr_t)u64_at(rq + 96);  /* after the 96-byte report request */
        uint32_t len;
        memcpy(&len, rq + 104, 4);
        if (n < 4)
            fake.certs_len[n] = len;
        uint32_t need = (uint32_t)((fake.table_len + 4095) / 4096 * 4096);
        if (fake.always_too_small || len < need) {
            uint32_t say = fake.always_too_small ? len + 4096 : need;
            memcpy(rq + 104, &say, 4);
            uint64_t exitinfo2 = 1ull << 32;  /* SNP_GUEST_VMM_ERR_INVALID_LEN */
            memcpy(io + 24, &exitinfo2, 8);
            errno = EIO;
            return -1;
        }
        memset(certs, 0, len);
        if (fake.table_len)
            memcpy(certs, fake.table, fake.table_len);
    } else if (req != IOC_GET_REPORT) {
        errno = ENOTTY;
        return -1;
    }
    /* MSG_REPORT_RSP: status 0, size, the report at 0x20 with the report data at 0x50 */
    memset(resp, 0, 4000);
    uint32_t size = SNP_REPORT_LEN;
    memcpy(resp + 4, &size, 4);
    memcpy(resp + 0x20 + SNP_REPORT_DATA_OFF, rq, 64);
    if (fake.bad_report_data)
        resp[0x20 + SNP_REPORT_DATA_OFF] ^= 1;
    return 0;
}

static uint8_t der_a[3000], der_b[1500], der_c[1500], table[CERT_TABLE_MAX + 4096];

/* A table of the first n of VCEK (der_a), ASK (der_b), ARK (der_c). */
static size_t make_table(int n)
{
    struct cert_entry e[3] = {
        {.kind = CERT_VCEK, .der = der_a, .len = sizeof(der_a)},
        {.kind = CERT_ASK, .der = der_b, .len = sizeof(der_b)},
        {.kind = CERT_ARK, .der = der_c, .len = sizeof(der_c)},
    };
    for (int i = 0; i < 3; i++)
        memcpy(e[i].guid, cert_kind_guid(e[i].kind), 16);
    return cert_table_build(e, (size_t)n, table, sizeof(table));
}

static struct platform p;

static int report(char why[WHY_MAX])
{
    uint8_t rd[64], out[SNP_REPORT_LEN];
    memset(rd, 0x5a, sizeof(rd));
    fake.calls = 0;
    why[0] = 0;
    return platform_snp_report(&p, rd, out, why);
}

static const struct cert_entry *vcek(void)
{
    static struct cert_entry e[CERT_TABLE_ENTRIES_MAX];
    static uint8_t zero_report[SNP_REPORT_LEN];
    return platform_endorsement(&p, zero_report, e);
}

int main(void)
{
    char why[WHY_MAX];
    p = (struct platform){.fd = 3, .name = "snp"};
    memset(der_a, 0x30, sizeof(der_a));
    memset(der_b, 0x31, sizeof(der_b));
    memset(der_c, 0x32, sizeof(der_c));

    fake = (typeof(fake)){.table = table, .table_len = make_table(1)};
    int r = report(why);
    const struct cert_entry *v = vcek();
    check("one-page-table-kept", r == 0 && fake.calls == 1 && fake.req[0] == IOC_GET_EXT_REPORT &&
                                     fake.certs_len[0] == 4096 && v && v->len == sizeof(der_a) &&
                                     !memcmp(v->der, der_a, sizeof(der_a)), why);

    fake = (typeof(fake)){.table = table, .table_len = make_table(3)};
    r = report(why);
    v = vcek();
    check("eio-certs-len-asked-again-with-that-size",
          r == 0 && fake.calls == 2 && fake.certs_len[0] == 4096 && fake.certs_len[1] == 8192 && v &&
              p.certs_len == 4 * 24 + sizeof(der_a) + sizeof(der_b) + sizeof(der_c), why);

    static uint8_t big[CERT_TABLE_MAX];
    struct cert_entry huge = {.kind = CERT_VCEK, .der = big, .len = CERT_TABLE_MAX - 48};
    memcpy(huge.guid, cert_kind_guid(CERT_VCEK), 16);
    fake = (typeof(fake)){.table = table, .table_len = cert_table_build(&huge, 1, table, sizeof(table)) + 1};
    r = report(why);
    check("table-over-16k-refused", r < 0 && fake.calls == 1 && strstr(why, "needs 20480 bytes"), why);

    fake = (typeof(fake)){.always_too_small = true};
    r = report(why);
    check("too-small-twice-refused", r < 0 && fake.calls == 2 && strstr(why, "needs 12288 bytes"), why);

    fake = (typeof(fake)){.enotty = true};
    p.certs_len = 99;
    r = report(why);
    check("enotty-falls-back-to-get-report", r == 0 && fake.calls == 2 && fake.req[1] == IOC_GET_REPORT &&
                                                 p.certs_len == 0, why);

    fake = (typeof(fake)){0};
    r = report(why);
    check("empty-table-is-no-certificates", r == 0 && p.certs_len == 0 && !vcek(), why);

    make_table(1);
    table[16] = 8; /* the VCEK's offset inside the table */
    fake = (typeof(fake)){.table = table, .table_len = 4096};
    r = report(why);
    check("malformed-table-refused", r < 0 && strstr(why, "certificate table"), why);

    fake = (typeof(fake)){.bad_report_data = true};
    r = report(why);
    check("report-without-the-report-data-refused", r < 0 && strstr(why, "report data"), why);
    return check_failures ? 1 : 0;
}
