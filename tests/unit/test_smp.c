/* Host tests of finding the CPUs and addressing them, above all for what the
 * VM here cannot show: QEMU 7.2's TCG has no x2APIC, so APIC ids above 254
 * never boot in make test.  Covered: the MADT walk (kernel/arch/x86_64/
 * madt.c) with x2APIC entries (type 9), mixed with xAPIC ones, and more CPUs
 * than MAX_CPUS; the MP table walk (mptable.c) over simulated low memory;
 * which APIC ids get CPU indexes, in which order (cpu_list.c); and where an
 * APIC id goes in each interrupt message (apic_msg.c: the x2APIC ICR that
 * lapic.c writes, the xAPIC ICR, MSI-X addresses and IOAPIC entries). */
#include "physmem.h"
#include "unit.h"

#include <arch/acpi.h>
#include <arch/apic_msg.h>
#include <arch/smp.h>
#include <kernel/errno.h>
#include <mm/kmap.h>
#include <string.h>

/* ---- a MADT built entry by entry ---- */

static uint8_t madt[8192];
static size_t madt_len;

static void madt_begin(void)
{
    memset(madt, 0, sizeof madt);
    memcpy(madt, "APIC", 4);
    madt_len = sizeof(struct acpi_sdt_header) + 8; /* local APIC address, flags */
}

static void madt_put(const uint8_t *entry)
{
    memcpy(madt + madt_len, entry, entry[1]);
    madt_len += entry[1];
    uint32_t len = (uint32_t)madt_len;
    memcpy(madt + 4, &len, 4);
}

static void put_xapic(uint8_t uid, uint8_t id, uint32_t flags)
{
    uint8_t e[8] = {0, 8, uid, id};
    memcpy(e + 4, &flags, 4);
    madt_put(e);
}

static void put_x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
    uint8_t e[16] = {9, 16};
    memcpy(e + 4, &id, 4);
    memcpy(e + 8, &flags, 4);
    memcpy(e + 12, &uid, 4);
    madt_put(e);
}

static void put_ioapic_and_override(void)
{
    uint8_t io[12] = {1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe}; /* IOAPIC 0 at 0xfec00000, GSI base 0 */
    uint8_t iso[10] = {2, 10, 0, 0, 2, 0, 0, 0, 0, 0};     /* IRQ 0 -> GSI 2 */
    madt_put(io);
    madt_put(iso);
}

/* The kernel's acpi_find_table, handing out the MADT above (madt_find_cpus). */
const void *acpi_find_table(const char sig[4])
{
    return !memcmp(sig, "APIC", 4) && madt_len ? madt : NULL;
}

static void test_madt_qemu_form(void)
{
    /* What QEMU writes for -smp 4 on q35: four enabled type-0 entries,
     * then the IOAPIC and the interrupt overrides. */
    madt_begin();
    for (uint8_t i = 0; i < 4; i++)
        put_xapic(i, i, 1);
    put_ioapic_and_override();
    struct cpu_list l = {0};
    CHECK_EQ(madt_find_cpus(&l), 0);
    CHECK_EQ(l.n, 4);
    CHECK_EQ(l.expected, 4);
    CHECK_EQ(l.dropped, 0);
    for (unsigned i = 0; i < 4; i++)
        CHECK_EQ(l.apic_id[i], i);
}

static void test_madt_x2apic_ids_above_255_mixed_with_xapic(void)
{
    madt_begin();
    put_xapic(0, 0, 1);
    put_xapic(1, 1, 1);
    put_ioapic_and_override();
    put_x2apic(256, 1, 2);
    put_x2apic(1, 1, 1);           /* the same CPU again, as type 9: counts once */
    put_x2apic(0x12345678, 1, 3);  /* any 32-bit id */
    put_x2apic(300, 0, 4);         /* not enabled (hot-plug slot) */
    put_x2apic(301, 2, 5);         /* online capable only: not present now */
    put_x2apic(0xffffffffu, 1, 6); /* names no CPU */
    put_xapic(7, 0xff, 1);         /* names no CPU */
    put_xapic(8, 9, 0);            /* not enabled */
    put_x2apic(65535, 1, 7);
    struct cpu_list l = {0};
    CHECK_EQ(madt_parse_cpus(madt, madt_len, &l), 0);
    CHECK_EQ(l.n, 5);
    const uint32_t want[] = {0, 1, 256, 0x12345678, 65535};
    for (unsigned i = 0; i < 5; i++)
        CHECK_EQ(l.apic_id[i], want[i]);
    CHECK_EQ(l.expected, 5);
}

static void test_madt_only_x2apic_entries(void)
{
    /* Firmware with more than 255 CPUs may list every one as type 9. */
    madt_begin();
    for (uint32_t id = 1000; id < 1010; id++)
        put_x2apic(id, 1, id);
    struct cpu_list l = {0};
    CHECK_EQ(madt_parse_cpus(madt, madt_len, &l), 0);
    CHECK_EQ(l.n, 10);
    CHECK_EQ(l.apic_id[0], 1000);
    CHECK_EQ(l.apic_id[9], 1009);
}

static void test_madt_more_cpus_than_max(void)
{
    /* 300 CPUs, ids 0..299 (xAPIC up to 254, then x2APIC): the first 64
     * are kept in order, the rest counted, nothing written past the list. */
    madt_begin();
    for (uint32_t id = 0; id < 300; id++) {
        if (id < 255)
            put_xapic((uint8_t)id, (uint8_t)id, 1);
        else
            put_x2apic(id, 1, id);
    }
    CHECK(madt_len < sizeof madt);
    struct cpu_list l = {0};
    CHECK_EQ(madt_parse_cpus(madt, madt_len, &l), 0);
    CHECK_EQ(l.n, MAX_CPUS);
    CHECK_EQ(l.expected, MAX_CPUS);
    CHECK_EQ(l.dropped, 300 - MAX_CPUS);
    for (unsigned i = 0; i < MAX_CPUS; i++)
        CHECK_EQ(l.apic_id[i], i);
    /* The boot CPU is one of them: 63 others to start. */
    uint32_t ids[MAX_CPUS - 1];
    unsigned unreachable;
    CHECK_EQ(cpu_list_candidates(&l, 0, true, ids, &unreachable), MAX_CPUS - 1);
    CHECK_EQ(ids[0], 1);
    CHECK_EQ(ids[MAX_CPUS - 2], MAX_CPUS - 1);
}

static void test_madt_malformed(void)
{
    struct cpu_list l = {0};
    /* Shorter than its header, or no processor entries: no CPUs. */
    madt_begin();
    CHECK_EQ(madt_parse_cpus(madt, 20, &l), -ENOENT);
    CHECK_EQ(madt_parse_cpus(madt, madt_len, &l), -ENOENT);
    put_ioapic_and_override();
    CHECK_EQ(madt_parse_cpus(madt, madt_len, &l), -ENOENT);
    /* An entry of length 0 or 1 ends the walk (it would loop forever). */
    madt_begin();
    put_xapic(0, 0, 1);
    size_t stop = madt_len;
    put_xapic(1, 1, 1);
    madt[stop + 1] = 0;
    CHECK_EQ(madt_parse_cpus(madt, madt_len, &l), 0);
    CHECK_EQ(l.n, 1);
    madt[stop + 1] = 1;
    CHECK_EQ(madt_parse_cpus(madt, madt_len, &l), 0);
    CHECK_EQ(l.n, 1);
    /* An entry running past the table's end, or too short for its type. */
    madt_begin();
    put_xapic(0, 0, 1);
    put_x2apic(400, 1, 1);
    CHECK_EQ(madt_parse_cpus(madt, madt_len - 1, &l), 0);
    CHECK_EQ(l.n, 1);
    madt[madt_len - 16 + 1] = 12; /* a type-9 entry of 12 bytes: no room for its flags */
    CHECK_EQ(madt_parse_cpus(madt, madt_len, &l), 0);
    CHECK_EQ(l.n, 1);
    /* A length field larger than what was mapped is not believed. */
    madt_begin();
    put_xapic(0, 0, 1);
    put_xapic(1, 1, 1);
    uint32_t huge = 1u << 20;
    memcpy(madt + 4, &huge, 4);
    CHECK_EQ(madt_parse_cpus(madt, madt_len - 8, &l), 0);
    CHECK_EQ(l.n, 1);
    /* No MADT at all. */
    madt_len = 0;
    CHECK_EQ(madt_find_cpus(&l), -ENOENT);
}

/* ---- CPU indexes for APIC ids ---- */

static void test_candidates_x2apic_ids_in_list_order(void)
{
    /* The boot CPU (index 0) has id 300; the others get indexes 1, 2, ...
     * in list order whatever their ids: nothing is indexed by APIC id. */
    struct cpu_list l = {0};
    const uint32_t listed[] = {0, 256, 300, 0xfffffffe, 70000, 254, 255};
    for (unsigned i = 0; i < sizeof listed / sizeof *listed; i++)
        cpu_list_add(&l, listed[i]);
    cpu_list_add(&l, 256); /* again: ignored */
    CHECK_EQ(l.n, 7);
    uint32_t ids[MAX_CPUS - 1];
    unsigned unreachable = 99;
    unsigned n = cpu_list_candidates(&l, 300, true, ids, &unreachable);
    CHECK_EQ(n, 6);
    CHECK_EQ(unreachable, 0);
    const uint32_t want[] = {0, 256, 0xfffffffe, 70000, 254, 255};
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ(ids[i], want[i]);
}

static void test_candidates_without_x2apic(void)
{
    /* In xAPIC mode ids 255 and above cannot be addressed: left off and
     * counted, never cut to 8 bits (256 would become 0, the boot CPU). */
    struct cpu_list l = {0};
    const uint32_t listed[] = {0, 256, 1, 255, 511, 254};
    for (unsigned i = 0; i < sizeof listed / sizeof *listed; i++)
        cpu_list_add(&l, listed[i]);
    uint32_t ids[MAX_CPUS - 1];
    unsigned unreachable;
    unsigned n = cpu_list_candidates(&l, 0, false, ids, &unreachable);
    CHECK_EQ(n, 2);
    CHECK_EQ(ids[0], 1);
    CHECK_EQ(ids[1], 254);
    CHECK_EQ(unreachable, 3);
}

static void test_candidates_boot_cpu_not_in_list(void)
{
    /* A full list of 64 that leaves out the boot CPU (it was among the
     * dropped ones): still at most 63 to start, so 64 CPUs in all. */
    struct cpu_list l = {0};
    for (uint32_t id = 1000; id < 1000 + MAX_CPUS + 5; id++)
        cpu_list_add(&l, id);
    CHECK_EQ(l.n, MAX_CPUS);
    CHECK_EQ(l.dropped, 5);
    uint32_t ids[MAX_CPUS - 1];
    unsigned unreachable;
    CHECK_EQ(cpu_list_candidates(&l, 7, true, ids, &unreachable), MAX_CPUS - 1);
    CHECK_EQ(ids[MAX_CPUS - 2], 1000 + MAX_CPUS - 2);
}

/* ---- interrupt message encodings ---- */

static void test_x2apic_icr_destination_in_high_half(void)
{
    const uint32_t init_assert = (5u << 8) | (1u << 14), startup = (6u << 8) | 0x9a;
    CHECK(x2apic_icr(0x12345678, init_assert) == 0x1234567800004500ull);
    CHECK(x2apic_icr(256, 0xfd) == 0x00000100000000fdull);
    CHECK(x2apic_icr(0xffffffffu, startup) == 0xffffffff0000069aull);
    CHECK(x2apic_icr(0, 0x20) == 0x20ull);
    /* The destination never leaks into the command half and back. */
    for (uint32_t id = 250; id < 70000; id += 997) {
        uint64_t v = x2apic_icr(id, 0x40);
        CHECK_EQ((uint32_t)(v >> 32), id);
        CHECK_EQ((uint32_t)v, 0x40);
    }
}

static void test_x2apic_register_msrs_and_id(void)
{
    /* The SDM's table of x2APIC MSRs (vol. 3, table 10-6) for the
     * registers lapic.c uses, from their xAPIC offsets. */
    const uint32_t pairs[][2] = {
        {0x020, 0x802}, /* ID */         {0x080, 0x808}, /* TPR */
        {0x0b0, 0x80b}, /* EOI */        {0x0f0, 0x80f}, /* SVR */
        {0x300, 0x830}, /* ICR */        {0x320, 0x832}, /* LVT timer */
        {0x350, 0x835}, /* LVT LINT0 */  {0x360, 0x836}, /* LVT LINT1 */
        {0x370, 0x837}, /* LVT error */  {0x380, 0x838}, /* timer initial count */
        {0x390, 0x839}, /* timer current count */ {0x3e0, 0x83e}, /* divide */
    };
    for (unsigned i = 0; i < sizeof pairs / sizeof *pairs; i++)
        CHECK_EQ(x2apic_msr(pairs[i][0]), pairs[i][1]);
    /* The ID register: 32 bits in x2APIC mode, the top byte in xAPIC mode. */
    CHECK_EQ(apic_id_from_id_reg(0x00000123, true), 0x123);
    CHECK_EQ(apic_id_from_id_reg(0xfffffffe, true), 0xfffffffe);
    CHECK_EQ(apic_id_from_id_reg(0x05000000, false), 5);
    CHECK_EQ(apic_id_from_id_reg(0xfe00abcd, false), 0xfe);
}

static void test_8bit_destinations_refuse_ids_above_254(void)
{
    uint32_t v = 0x5a5a5a5a;
    CHECK_EQ(xapic_icr_high(0, &v), 0);
    CHECK(v == 0);
    CHECK_EQ(xapic_icr_high(254, &v), 0);
    CHECK(v == 0xfe000000u);
    v = 0x5a5a5a5a;
    CHECK_EQ(xapic_icr_high(255, &v), -ERANGE); /* broadcast */
    CHECK_EQ(xapic_icr_high(256, &v), -ERANGE); /* would be 0 cut to 8 bits */
    CHECK(v == 0x5a5a5a5a);

    CHECK_EQ(msi_address(3, &v), 0);
    CHECK(v == 0xfee03000u);
    CHECK_EQ(msi_address(254, &v), 0);
    CHECK(v == 0xfeefe000u);
    v = 0x5a5a5a5a;
    CHECK_EQ(msi_address(255, &v), -ERANGE);
    CHECK_EQ(msi_address(300, &v), -ERANGE);
    CHECK(v == 0x5a5a5a5a);

    CHECK_EQ(ioapic_dest_high(2, &v), 0);
    CHECK(v == 0x02000000u);
    CHECK_EQ(ioapic_dest_high(0x100, &v), -ERANGE);
    CHECK(apic_id_fits_8bit(254) && !apic_id_fits_8bit(255) && !apic_id_fits_8bit(0x100));
}

/* ---- the MP table, in simulated low memory ---- */

#define LOWMEM (2u << 20) /* physmem_setup takes whole 2 MiB units; the MP table lies below 1 MiB */
#define FLOATING 0xf5bb0
#define CONFIG 0xf5bc0

/* The kernel's kmap_firmware, over the simulated memory. */
const void *kmap_firmware(uint64_t phys, uint64_t len)
{
    return phys + len <= LOWMEM ? host_phys_base + phys : NULL;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* A floating pointer and a configuration table with the given processor
 * entries (id, flags), then a bus and an IOAPIC entry, as SeaBIOS writes. */
static void put_mptable(const uint8_t (*cpus)[2], unsigned n)
{
    physmem_setup(LOWMEM);
    memset(host_phys_base, 0, LOWMEM);
    uint8_t *f = host_phys_base + FLOATING, *c = host_phys_base + CONFIG;
    memcpy(f, "_MP_", 4);
    uint32_t cfg = CONFIG;
    memcpy(f + 4, &cfg, 4);
    f[8] = 1;
    f[9] = 4;
    f[10] = (uint8_t)-sum(f, 16);
    memcpy(c, "PCMP", 4);
    c[6] = 4;
    uint8_t *p = c + 44;
    for (unsigned i = 0; i < n; i++, p += 20) {
        p[0] = 0;
        p[1] = cpus[i][0];
        p[2] = 0x14;
        p[3] = cpus[i][1];
    }
    p[0] = 1; /* bus */
    p += 8;
    p[0] = 2; /* IOAPIC */
    p += 8;
    uint16_t len = (uint16_t)(p - c), entries = (uint16_t)(n + 2);
    memcpy(c + 4, &len, 2);
    memcpy(c + 34, &entries, 2);
    c[7] = (uint8_t)-sum(c, len);
}

static void test_mptable_processors(void)
{
    const uint8_t cpus[][2] = {{0, 3}, {2, 1}, {1, 0}, {4, 1}}; /* BSP, enabled, disabled, enabled */
    put_mptable(cpus, 4);
    struct cpu_list l = {0};
    CHECK_EQ(mptable_find_cpus(&l), 0);
    CHECK_EQ(l.n, 3);
    CHECK_EQ(l.apic_id[0], 0);
    CHECK_EQ(l.apic_id[1], 2);
    CHECK_EQ(l.apic_id[2], 4);
    CHECK_EQ(l.expected, 3);
}

static void test_mptable_bad_checksum_or_none(void)
{
    const uint8_t cpus[][2] = {{0, 3}, {1, 1}};
    put_mptable(cpus, 2);
    host_phys_base[CONFIG + 44 + 1] = 7; /* change an id, not the checksum */
    struct cpu_list l = {0};
    CHECK_EQ(mptable_find_cpus(&l), -ENOENT);
    memset(host_phys_base, 0, LOWMEM);
    CHECK_EQ(mptable_find_cpus(&l), -ENOENT);
}

int main(void)
{
    return unit_main("smp", (struct unit_test[]){
        UNIT(test_madt_qemu_form),
        UNIT(test_madt_x2apic_ids_above_255_mixed_with_xapic),
        UNIT(test_madt_only_x2apic_entries),
        UNIT(test_madt_more_cpus_than_max),
        UNIT(test_madt_malformed),
        UNIT(test_candidates_x2apic_ids_in_list_order),
        UNIT(test_candidates_without_x2apic),
        UNIT(test_candidates_boot_cpu_not_in_list),
        UNIT(test_x2apic_icr_destination_in_high_half),
        UNIT(test_x2apic_register_msrs_and_id),
        UNIT(test_8bit_destinations_refuse_ids_above_254),
        UNIT(test_mptable_processors),
        UNIT(test_mptable_bad_checksum_or_none),
        {0},
    });
}
