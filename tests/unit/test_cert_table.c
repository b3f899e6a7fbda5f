/* aproxy's reader of the SEV-SNP certificate table (aproxy/common/
 * cert_table.c), against the kernel's checker of the same table
 * (kernel/lib/snp_certs.c): both name every GUID alike and accept and refuse
 * the same tables, and the compact table aproxy carries (cert_table_build)
 * reads back to the same certificates.  Which certificate signs a report
 * follows the report's SIGNING_KEY bits. */
#include "unit.h"

#include <kernel/errno.h>
#include <kernel/snp_certs.h>
#include <stdlib.h>
#include <string.h>

#include "../../aproxy/common/cert_table.h"

static uint8_t buf[CERT_TABLE_MAX], out[CERT_TABLE_MAX];

static void put_entry(uint8_t *b, int i, enum cert_kind kind, uint32_t off, uint32_t len)
{
    memcpy(b + i * 24, cert_kind_guid(kind), 16);
    for (int k = 0; k < 4; k++) {
        b[i * 24 + 16 + k] = (uint8_t)(off >> (8 * k));
        b[i * 24 + 20 + k] = (uint8_t)(len >> (8 * k));
    }
}

/* VCEK, ASK, ARK as a hypervisor writes them, with a page of slack. */
static void good_table(void)
{
    memset(buf, 0, sizeof(buf));
    put_entry(buf, 0, CERT_VCEK, 0x60, 1000);
    put_entry(buf, 1, CERT_ASK, 0x60 + 1000, 900);
    put_entry(buf, 2, CERT_ARK, 0x60 + 1900, 900);
    for (int i = 0; i < 2800; i++)
        buf[0x60 + i] = (uint8_t)(i * 7);
}

/* Both readers on buf[0..len): the same count, or both refuse. */
static int both(size_t len)
{
    struct cert_entry e[CERT_TABLE_ENTRIES_MAX];
    struct snp_cert_entry k[CERT_TABLE_ENTRIES_MAX];
    char why[CERT_TABLE_WHY_MAX];
    int a = cert_table_parse(buf, len, e, CERT_TABLE_ENTRIES_MAX, why);
    int b = snp_certs_check(buf, len, k, CERT_TABLE_ENTRIES_MAX);
    CHECK_EQ(a < 0, b < 0);
    if (a >= 0)
        CHECK_EQ(a, b);
    return a;
}

static void test_guids_agree_with_the_kernel(void)
{
    static const enum cert_kind kinds[] = {CERT_ARK, CERT_ASK, CERT_VCEK, CERT_VLEK};
    static const enum snp_cert_kind kernel[] = {SNP_CERT_ARK, SNP_CERT_ASK, SNP_CERT_VCEK, SNP_CERT_VLEK};
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ(snp_cert_kind(cert_kind_guid(kinds[i])), kernel[i]);
        CHECK_EQ(cert_kind_of(cert_kind_guid(kinds[i])), kinds[i]);
        CHECK(!strcmp(cert_kind_name(kinds[i]), snp_cert_kind_name(kernel[i])));
    }
    const uint8_t other[16] = {1, 2, 3};
    CHECK_EQ(cert_kind_of(other), CERT_OTHER);
    CHECK(!strcmp(cert_kind_name(CERT_OTHER), "OTHER"));
}

static void test_good_and_empty(void)
{
    good_table();
    CHECK_EQ(both(4096), 3);
    memset(buf, 0, sizeof(buf)); /* the hypervisor gave none */
    CHECK_EQ(both(4096), 0);
}

static void test_refusals_agree(void)
{
    good_table();
    CHECK_EQ(both(0x60 + 1900 + 899), -1); /* the ARK runs past the buffer */
    good_table();
    CHECK_EQ(both(48), -1);                /* no terminator within it */
    good_table();
    put_entry(buf, 1, CERT_ASK, 0x10, 900); /* inside the table */
    CHECK_EQ(both(4096), -1);
    good_table();
    put_entry(buf, 1, CERT_ASK, 0x60 + 1000, 0); /* empty */
    CHECK_EQ(both(4096), -1);
    good_table();
    put_entry(buf, 2, CERT_VCEK, 0x60 + 1900, 900); /* the VCEK twice */
    CHECK_EQ(both(4096), -1);
    good_table();
    put_entry(buf, 0, CERT_VCEK, 0xfffffff0u, 0x20); /* offset + length wraps 32 bits */
    CHECK_EQ(both(4096), -1);
    memset(buf, 0, sizeof(buf)); /* more entries than taken, each otherwise good */
    for (int i = 0; i < CERT_TABLE_ENTRIES_MAX + 1; i++) {
        buf[i * 24] = (uint8_t)(i + 1);             /* distinct GUIDs of no known kind */
        buf[i * 24 + 17] = 0x10;                    /* offset 4096 + i */
        buf[i * 24 + 16] = (uint8_t)i;
        buf[i * 24 + 20] = 1;                       /* one byte */
    }
    CHECK_EQ(both(8192), -1);
    buf[CERT_TABLE_ENTRIES_MAX * 24] = 0;          /* the last one removed: taken */
    buf[CERT_TABLE_ENTRIES_MAX * 24 + 17] = 0;
    buf[CERT_TABLE_ENTRIES_MAX * 24 + 16] = 0;
    buf[CERT_TABLE_ENTRIES_MAX * 24 + 20] = 0;
    CHECK_EQ(both(8192), CERT_TABLE_ENTRIES_MAX);
}

static void test_compact_round_trip(void)
{
    good_table();
    struct cert_entry e[CERT_TABLE_ENTRIES_MAX], back[CERT_TABLE_ENTRIES_MAX];
    char why[CERT_TABLE_WHY_MAX];
    CHECK_EQ(cert_table_parse(buf, sizeof(buf), e, CERT_TABLE_ENTRIES_MAX, why), 3);
    size_t n = cert_table_build(e, 3, out, sizeof(out));
    CHECK_EQ(n, (size_t)(4 * 24 + 2800));
    CHECK_EQ(cert_table_parse(out, n, back, CERT_TABLE_ENTRIES_MAX, why), 3);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(back[i].kind, e[i].kind);
        CHECK_EQ(back[i].len, e[i].len);
        CHECK(!memcmp(back[i].der, e[i].der, e[i].len));
    }
    CHECK_EQ(cert_table_build(e, 3, out, n - 1), (size_t)0); /* one byte short */
}

static void test_endorsement_follows_the_report(void)
{
    static uint8_t report[0x4A0];
    memset(buf, 0, sizeof(buf));
    put_entry(buf, 0, CERT_VLEK, 0x48, 10);
    put_entry(buf, 1, CERT_VCEK, 0x48 + 10, 20);
    struct cert_entry e[CERT_TABLE_ENTRIES_MAX];
    char why[CERT_TABLE_WHY_MAX];
    int n = cert_table_parse(buf, 4096, e, CERT_TABLE_ENTRIES_MAX, why);
    CHECK_EQ(n, 2);
    memset(report, 0, sizeof(report)); /* SIGNING_KEY 0: the VCEK */
    CHECK(cert_table_endorsement(e, 2, report) == &e[1]);
    report[0x48] = 1 << 2; /* 1: the VLEK */
    CHECK(cert_table_endorsement(e, 2, report) == &e[0]);
    report[0x48] = 7 << 2; /* 7: no key */
    CHECK(cert_table_endorsement(e, 2, report) == NULL);
    report[0x48] = 0;
    CHECK(cert_table_endorsement(e, 1, report) == NULL); /* only the VLEK there */
}

int main(void)
{
    static const struct unit_test tests[] = {
        UNIT(test_guids_agree_with_the_kernel),
        UNIT(test_good_and_empty),
        UNIT(test_refusals_agree),
        UNIT(test_compact_round_trip),
        UNIT(test_endorsement_follows_the_report),
        {0, 0},
    };
    return unit_main("cert_table", tests);
}
