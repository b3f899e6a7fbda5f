/* Host tests of the PVH start-info parser and the usable-memory computation
 * (kernel/arch/x86_64/pvh.c), over simulated physical memory laid out the
 * way QEMU lays it out. */
#include "physmem.h"
#include "unit.h"

#include <kernel/boot_info.h>
#include <kernel/errno.h>
#include <string.h>

#define MiB (1ull << 20)
#define LIMIT (4 * MiB)

/* Offsets in the simulated memory. */
#define SI 0x1000
#define MODS 0x2000
#define MAP 0x3000
#define CMDLINE 0x4000

struct si {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
    uint32_t memmap_entries, reserved;
};
struct mod { uint64_t paddr, size, cmdline, reserved; };
struct map { uint64_t addr, size; uint32_t type, reserved; };

static struct si *si;
static struct boot_info bi;
static const char *why;

static void setup(void)
{
    physmem_setup(LIMIT);
    memset(host_phys_base, 0, LIMIT);
    si = (struct si *)(host_phys_base + SI);
    *si = (struct si){.magic = 0x336ec578, .version = 1, .nr_modules = 1, .modlist_paddr = MODS,
                      .cmdline_paddr = CMDLINE, .rsdp_paddr = 0, .memmap_paddr = MAP, .memmap_entries = 4};
    struct mod *m = (struct mod *)(host_phys_base + MODS);
    m[0] = (struct mod){0x800000, 0x12345, 0, 0};
    struct map *e = (struct map *)(host_phys_base + MAP);
    e[0] = (struct map){0, 0x9fc00, 1, 0};
    e[1] = (struct map){0x9fc00, 0x400, 2, 0};
    e[2] = (struct map){0x100000, 0xf00000, 1, 0};
    e[3] = (struct map){0, 0, 0, 0}; /* QEMU's empty trailing entry */
    strcpy((char *)host_phys_base + CMDLINE, "loglevel=7 test=selftest");
}

static void test_parses_qemu_layout(void)
{
    setup();
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), 0);
    CHECK(!strcmp(bi.cmdline, "loglevel=7 test=selftest"));
    CHECK_EQ(bi.n_memmap, 3); /* the empty entry is dropped */
    CHECK_EQ(bi.memmap[2].addr, 0x100000);
    CHECK_EQ(bi.memmap[2].size, 0xf00000);
    CHECK_EQ(bi.memmap[1].type, MEMMAP_RESERVED);
    CHECK_EQ(bi.n_modules, 1);
    CHECK_EQ(bi.modules[0].paddr, 0x800000);
    CHECK_EQ(bi.modules[0].size, 0x12345);
}

static void test_rejects_bad_headers(void)
{
    setup();
    si->magic = 0x12345678;
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), -EINVAL);
    CHECK(strstr(why, "magic") != NULL);
    setup();
    si->version = 0;
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), -EINVAL);
    CHECK_EQ(pvh_parse(0, LIMIT, &bi, &why), -EINVAL);
    CHECK_EQ(pvh_parse(LIMIT - 8, LIMIT, &bi, &why), -EINVAL);
}

static void test_rejects_bad_tables(void)
{
    setup();
    si->memmap_entries = 0;
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), -EINVAL);
    setup();
    si->memmap_entries = 100000;
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), -EINVAL);
    setup();
    si->memmap_paddr = LIMIT - 10;
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), -EINVAL);
    setup();
    si->nr_modules = 1000;
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), -EINVAL);
    setup();
    si->modlist_paddr = ~0ull - 8;
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), -EINVAL);
    setup();
    ((struct mod *)(host_phys_base + MODS))[0].size = ~0ull;
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), -EINVAL);
    setup();
    si->cmdline_paddr = LIMIT + 100;
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), -EINVAL);
}

static void test_long_and_unterminated_cmdline(void)
{
    setup();
    memset(host_phys_base + CMDLINE, 'x', 5000);
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), 0);
    CHECK_EQ(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    /* A command line running into the end of mapped memory stops there. */
    setup();
    si->cmdline_paddr = LIMIT - 4;
    memset(host_phys_base + LIMIT - 4, 'y', 4);
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), 0);
    CHECK(!strcmp(bi.cmdline, "yyyy"));
}

static void test_usable_ranges_subtract_reserved(void)
{
    setup();
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), 0);
    struct phys_range reserved[] = {{0x100000, 0x180000}, {0x800000, 0x812345}, {0x1000, 0x2000}};
    struct phys_range u[8];
    size_t n = boot_usable_ranges(&bi, reserved, 3, u, 8);
    CHECK_EQ(n, 3);
    CHECK_EQ(u[0].start, 0x2000);   /* low memory: page 0 and the reserved page are out */
    CHECK_EQ(u[0].end, 0x9f000);    /* the partial page before the EBDA too */
    CHECK_EQ(u[1].start, 0x180000);
    CHECK_EQ(u[1].end, 0x800000);
    CHECK_EQ(u[2].start, 0x813000); /* the module's last page is kept out */
    CHECK_EQ(u[2].end, 0x1000000);
}

static void test_usable_ranges_merge_overlaps_and_align(void)
{
    bi = (struct boot_info){0};
    bi.n_memmap = 4;
    bi.memmap[0] = (struct boot_memmap_entry){0x100800, 0x100000, MEMMAP_RAM};   /* unaligned */
    bi.memmap[1] = (struct boot_memmap_entry){0x180000, 0x200000, MEMMAP_RAM};   /* overlaps the first */
    bi.memmap[2] = (struct boot_memmap_entry){0x1000000, 0x1000, MEMMAP_ACPI};   /* not RAM */
    bi.memmap[3] = (struct boot_memmap_entry){0x2000000, 0x800, MEMMAP_RAM};     /* less than a page */
    struct phys_range u[8];
    size_t n = boot_usable_ranges(&bi, NULL, 0, u, 8);
    CHECK_EQ(n, 1);
    CHECK_EQ(u[0].start, 0x101000);
    CHECK_EQ(u[0].end, 0x380000);
}

static void test_usable_ranges_without_room_to_split(void)
{
    setup();
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), 0);
    struct phys_range reserved[] = {{0x400000, 0x401000}};
    struct phys_range u[1];
    size_t n = boot_usable_ranges(&bi, reserved, 1, u, 1);
    CHECK_EQ(n, 1);
    /* No room for two pieces: the part above the hole is given up, never the hole handed out. */
    CHECK(u[0].end <= 0x400000);
}

static void test_ram_entry_at(void)
{
    setup();
    CHECK_EQ(pvh_parse(SI, LIMIT, &bi, &why), 0);
    CHECK(boot_ram_entry_at(&bi, 0) == &bi.memmap[0]);
    CHECK(boot_ram_entry_at(&bi, 0x9fbff) == &bi.memmap[0]);
    CHECK(boot_ram_entry_at(&bi, 0x9fc00) == NULL); /* reserved */
    CHECK(boot_ram_entry_at(&bi, 0xa0000) == NULL); /* in no entry */
    CHECK(boot_ram_entry_at(&bi, 0x800000) == &bi.memmap[2]);
    CHECK(boot_ram_entry_at(&bi, 0x1000000) == NULL); /* one past the last RAM byte */
}

int main(void)
{
    return unit_main("pvh", (struct unit_test[]){
                                UNIT(test_ram_entry_at),
                                UNIT(test_parses_qemu_layout),
                                UNIT(test_rejects_bad_headers),
                                UNIT(test_rejects_bad_tables),
                                UNIT(test_long_and_unterminated_cmdline),
                                UNIT(test_usable_ranges_subtract_reserved),
                                UNIT(test_usable_ranges_merge_overlaps_and_align),
                                UNIT(test_usable_ranges_without_room_to_split),
                                {0},
                            });
}
