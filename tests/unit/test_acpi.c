/* Host tests of the ACPI table walk (kernel/arch/x86_64/acpi.c), the \_S5
 * scan of AML bytes, and the MCFG parser (kernel/drivers/pci/pci_mcfg.c),
 * over simulated physical memory holding tables laid out as QEMU and the
 * ACPI specification lay them out.  Each test runs in a process of its own,
 * so acpi_init starts from nothing every time. */
#include "physmem.h"
#include "unit.h"

#include <arch/acpi.h>
#include <kernel/errno.h>
#include <mm/kmap.h>
#include <string.h>

#include "../../kernel/drivers/pci/pci_internal.h"

#define MEM (2u << 20)
#define RSDP 0x9000
#define BIOS_RSDP 0xf5a10 /* inside the BIOS area, 16-byte aligned */
#define RSDT 0x10000
#define XSDT 0x11000
#define MCFG 0x12000
#define FADT 0x13000
#define DSDT 0x14000
#define OTHER 0x15000

/* The kernel's ioremap, over the simulated memory. */
void *ioremap(uint64_t phys, uint64_t len)
{
    return phys + len <= MEM ? phys_to_virt(phys) : NULL;
}

static uint8_t *at(uint64_t phys)
{
    return host_phys_base + phys;
}

static void fix_checksum(uint8_t *p, size_t len, uint8_t *field)
{
    uint8_t sum = 0;
    *field = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    *field = (uint8_t)-sum;
}

/* A table with a header and `body` bytes after it, checksummed. */
static void put_table(uint64_t phys, const char *sig, const void *body, size_t body_len)
{
    struct acpi_sdt_header *h = (struct acpi_sdt_header *)at(phys);
    memset(h, 0, sizeof *h);
    memcpy(h->signature, sig, 4);
    h->length = (uint32_t)(sizeof *h + body_len);
    h->revision = 1;
    memcpy(h + 1, body, body_len);
    fix_checksum((uint8_t *)h, h->length, &h->checksum);
}

static void put_rsdp(uint64_t phys, int revision, uint32_t rsdt, uint64_t xsdt)
{
    uint8_t *r = at(phys);
    memset(r, 0, 36);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "BOCHS ", 6);
    r[15] = (uint8_t)revision;
    memcpy(r + 16, &rsdt, 4);
    fix_checksum(r, 20, &r[8]);
    if (revision >= 2) {
        uint32_t len = 36;
        memcpy(r + 20, &len, 4);
        memcpy(r + 24, &xsdt, 8);
        fix_checksum(r, 36, &r[32]);
    }
}

static void setup(void)
{
    physmem_setup(MEM);
    memset(host_phys_base, 0, MEM);
}

/* RSDT lists TEST and FACP, XSDT lists MCFG and OTHR: which one is walked
 * shows in what is found. */
static void put_both_roots(void)
{
    uint32_t rsdt_entries[] = {OTHER, FADT};
    uint64_t xsdt_entries[] = {MCFG, OTHER + 0x100};
    put_table(OTHER, "TEST", "x", 1);
    put_table(OTHER + 0x100, "OTHR", "y", 1);
    uint8_t mcfg_body[8 + 16] = {0};
    put_table(MCFG, "MCFG", mcfg_body, sizeof mcfg_body);
    put_table(RSDT, "RSDT", rsdt_entries, sizeof rsdt_entries);
    put_table(XSDT, "XSDT", xsdt_entries, sizeof xsdt_entries);
}

static void test_xsdt_preferred_over_rsdt(void)
{
    setup();
    put_both_roots();
    put_rsdp(RSDP, 2, RSDT, XSDT);
    acpi_init(RSDP);
    CHECK(acpi_find_table("MCFG") == at(MCFG));
    CHECK(acpi_find_table("OTHR") == at(OTHER + 0x100));
    CHECK(acpi_find_table("TEST") == NULL);
    CHECK(acpi_find_table("APIC") == NULL);
}

static void test_rsdt_when_revision_0(void)
{
    setup();
    put_both_roots();
    put_rsdp(RSDP, 0, RSDT, 0);
    acpi_init(RSDP);
    CHECK(acpi_find_table("TEST") == at(OTHER));
    CHECK(acpi_find_table("MCFG") == NULL);
}

static void test_rsdt_when_xsdt_is_broken(void)
{
    setup();
    put_both_roots();
    (*at(XSDT + 20))++; /* the XSDT's checksum no longer holds */
    put_rsdp(RSDP, 2, RSDT, XSDT);
    acpi_init(RSDP);
    CHECK(acpi_find_table("TEST") == at(OTHER));
    CHECK(acpi_find_table("MCFG") == NULL);
}

static void test_table_with_bad_checksum_skipped(void)
{
    setup();
    put_both_roots();
    *at(MCFG + 40) ^= 0x5a;
    put_rsdp(RSDP, 2, RSDT, XSDT);
    acpi_init(RSDP);
    CHECK(acpi_find_table("MCFG") == NULL);
    CHECK(acpi_find_table("OTHR") != NULL);
}

static void test_table_with_impossible_length_skipped(void)
{
    setup();
    put_both_roots();
    ((struct acpi_sdt_header *)at(OTHER + 0x100))->length = 10; /* shorter than its header */
    put_rsdp(RSDP, 2, RSDT, XSDT);
    acpi_init(RSDP);
    CHECK(acpi_find_table("OTHR") == NULL);
    CHECK(acpi_find_table("MCFG") != NULL);
}

static void test_bad_rsdp_means_no_acpi(void)
{
    setup();
    put_both_roots();
    put_rsdp(RSDP, 2, RSDT, XSDT);
    *at(RSDP + 30) ^= 1; /* breaks the extended checksum only */
    acpi_init(RSDP);
    CHECK(acpi_find_table("MCFG") == NULL);
    CHECK(acpi_find_table("TEST") == NULL);
}

static void test_rsdp_found_in_bios_area(void)
{
    setup();
    put_both_roots();
    memcpy(at(0xe0000), "RSD PTR ", 8); /* a signature with a wrong checksum comes first */
    put_rsdp(BIOS_RSDP, 2, RSDT, XSDT);
    acpi_init(0);
    CHECK(acpi_find_table("MCFG") == at(MCFG));
}

static void test_no_rsdp_anywhere(void)
{
    setup();
    put_both_roots();
    acpi_init(0);
    CHECK(acpi_find_table("MCFG") == NULL);
}

/* Name (_S5, Package (0x04) {Zero, Zero, Zero, Zero}): QEMU's (hw/acpi/aml-build.c) */
static void test_s5_qemu_form(void)
{
    static const uint8_t aml[] = {0x10, 0x05, '\\', 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
    CHECK_EQ(acpi_aml_find_s5(aml, sizeof aml), 0);
}

static void test_s5_byte_constants_and_root_prefix(void)
{
    static const uint8_t aml[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x0a, 0x04, 0x0a, 0x07, 0x0a, 0x07, 0x00, 0x00};
    CHECK_EQ(acpi_aml_find_s5(aml, sizeof aml), 7);
    static const uint8_t one[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x01};
    CHECK_EQ(acpi_aml_find_s5(one, sizeof one), 1);
    /* a two-byte PkgLength (lead byte 0x40 | low nibble, then one more byte) */
    static const uint8_t long_pkg[] = {0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x04, 0x0a, 0x05, 0x00};
    CHECK_EQ(acpi_aml_find_s5(long_pkg, sizeof long_pkg), 5);
}

static void test_s5_not_a_name_or_cut_short(void)
{
    /* _S5_ as a method (MethodOp 0x14), not a Name */
    static const uint8_t method[] = {0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xa4, 0x00};
    CHECK_EQ(acpi_aml_find_s5(method, sizeof method), -1);
    /* the package ends before its first element */
    static const uint8_t cut[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04};
    CHECK_EQ(acpi_aml_find_s5(cut, sizeof cut), -1);
    static const uint8_t cut_byte[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a};
    CHECK_EQ(acpi_aml_find_s5(cut_byte, sizeof cut_byte), -1);
    /* no elements */
    static const uint8_t empty[] = {0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00, 0x00};
    CHECK_EQ(acpi_aml_find_s5(empty, sizeof empty), -1);
    CHECK_EQ(acpi_aml_find_s5((const uint8_t *)"_S5_", 4), -1);
    CHECK_EQ(acpi_aml_find_s5(NULL, 0), -1);
}

static void test_s5_later_match_after_a_false_one(void)
{
    static const uint8_t aml[] = {'x', '_', 'S', '5', '_', 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a, 0x03};
    CHECK_EQ(acpi_aml_find_s5(aml, sizeof aml), 3);
}

/* An MCFG body (after the header): 8 reserved bytes, then 16-byte entries. */
static void put_mcfg(uint64_t phys, const uint64_t *bases, const uint16_t *segments, const uint8_t (*buses)[2], int n)
{
    uint8_t body[8 + 4 * 16] = {0};
    for (int i = 0; i < n; i++) {
        uint8_t *e = body + 8 + 16 * i;
        memcpy(e, &bases[i], 8);
        memcpy(e + 8, &segments[i], 2);
        e[10] = buses[i][0];
        e[11] = buses[i][1];
    }
    put_table(phys, "MCFG", body, 8 + 16 * (size_t)n);
}

static void test_mcfg_segment0(void)
{
    setup();
    const uint64_t bases[] = {0xc0000000, 0xb0000000};
    const uint16_t segs[] = {1, 0};
    const uint8_t buses[][2] = {{0, 255}, {0, 255}};
    put_mcfg(MCFG, bases, segs, buses, 2);
    struct pci_ecam w;
    CHECK_EQ(pci_mcfg_segment0(at(MCFG), &w), 0);
    CHECK_EQ(w.base, 0xb0000000);
    CHECK_EQ(w.start_bus, 0);
    CHECK_EQ(w.end_bus, 255);
}

static void test_mcfg_rejects(void)
{
    setup();
    struct pci_ecam w;
    const uint64_t other_seg[] = {0xb0000000};
    const uint16_t seg1[] = {1};
    const uint8_t all[][2] = {{0, 255}};
    put_mcfg(MCFG, other_seg, seg1, all, 1);
    CHECK_EQ(pci_mcfg_segment0(at(MCFG), &w), -ENOENT);

    const uint64_t unaligned[] = {0xb0001000};
    const uint16_t seg0[] = {0};
    put_mcfg(MCFG, unaligned, seg0, all, 1);
    CHECK_EQ(pci_mcfg_segment0(at(MCFG), &w), -EINVAL);

    const uint64_t good[] = {0xb0000000};
    const uint8_t backwards[][2] = {{8, 2}};
    put_mcfg(MCFG, good, seg0, backwards, 1);
    CHECK_EQ(pci_mcfg_segment0(at(MCFG), &w), -EINVAL);

    put_mcfg(MCFG, good, seg0, all, 0); /* no entries */
    CHECK_EQ(pci_mcfg_segment0(at(MCFG), &w), -ENOENT);
    ((struct acpi_sdt_header *)at(MCFG))->length = 40; /* cuts into the reserved bytes */
    CHECK_EQ(pci_mcfg_segment0(at(MCFG), &w), -EINVAL);
}

int main(void)
{
    return unit_main("acpi", (struct unit_test[]){
        UNIT(test_xsdt_preferred_over_rsdt),
        UNIT(test_rsdt_when_revision_0),
        UNIT(test_rsdt_when_xsdt_is_broken),
        UNIT(test_table_with_bad_checksum_skipped),
        UNIT(test_table_with_impossible_length_skipped),
        UNIT(test_bad_rsdp_means_no_acpi),
        UNIT(test_rsdp_found_in_bios_area),
        UNIT(test_no_rsdp_anywhere),
        UNIT(test_s5_qemu_form),
        UNIT(test_s5_byte_constants_and_root_prefix),
        UNIT(test_s5_not_a_name_or_cut_short),
        UNIT(test_s5_later_match_after_a_false_one),
        UNIT(test_mcfg_segment0),
        UNIT(test_mcfg_rejects),
        {0},
    });
}
