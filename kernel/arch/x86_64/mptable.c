/* The processors in an Intel MultiProcessor Specification (1.4) table, for
 * machines without ACPI (see arch/smp.h).  The floating pointer structure
 * "_MP_" lies on a 16-byte boundary in the first KiB of the EBDA, the last
 * KiB of base memory, or the BIOS area 0xf0000-0xfffff; it points to the
 * configuration table "PCMP", whose processor entries carry the APIC ids. */
#include <arch/smp.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/kmap.h>

#define EBDA_SEGMENT_PTR 0x40e
#define ENTRY_PROCESSOR 0
#define PROCESSOR_ENABLED 1u

struct mp_floating {
    char signature[4]; /* "_MP_" */
    uint32_t config_paddr;
    uint8_t length;    /* in 16-byte units: 1 */
    uint8_t revision;
    uint8_t checksum;
    uint8_t features[5];
} __packed;

struct mp_config {
    char signature[4]; /* "PCMP" */
    uint16_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem[8], product[12];
    uint32_t oem_table;
    uint16_t oem_table_size;
    uint16_t entries;
    uint32_t lapic_paddr;
    uint16_t ext_length;
    uint8_t ext_checksum;
    uint8_t reserved;
} __packed;

static uint8_t sum_bytes(const uint8_t *b, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *b++;
    return s;
}

static const struct mp_floating *scan(uint64_t phys, uint64_t len)
{
    const uint8_t *p = kmap_firmware(phys, len);
    if (!p)
        return NULL;
    for (uint64_t off = 0; off + sizeof(struct mp_floating) <= len; off += 16)
        if (!memcmp(p + off, "_MP_", 4) && p[off + 8] == 1 && !sum_bytes(p + off, 16))
            return (const struct mp_floating *)(p + off);
    return NULL;
}

static const struct mp_floating *find_floating(void)
{
    const uint16_t *ebda_seg = kmap_firmware(EBDA_SEGMENT_PTR, 2);
    const struct mp_floating *f = NULL;
    if (ebda_seg && *ebda_seg)
        f = scan((uint64_t)*ebda_seg << 4, 1024);
    if (!f)
        f = scan(0x9fc00, 1024);
    if (!f)
        f = scan(0xf0000, 0x10000);
    return f;
}

int mptable_find_cpus(struct cpu_list *out)
{
    const struct mp_floating *f = find_floating();
    if (!f || !f->config_paddr)
        return -ENOENT; /* features[0] != 0 would name a default configuration: not used by QEMU */
    const struct mp_config *c = kmap_firmware(f->config_paddr, sizeof *c);
    if (!c || memcmp(c->signature, "PCMP", 4) || c->length < sizeof *c)
        return -ENOENT;
    c = kmap_firmware(f->config_paddr, c->length);
    if (!c || sum_bytes((const uint8_t *)c, c->length))
        return -ENOENT;
    out->n = 0;
    out->dropped = 0;
    const uint8_t *p = (const uint8_t *)(c + 1), *end = (const uint8_t *)c + c->length;
    for (unsigned i = 0; i < c->entries && p < end; i++) {
        if (p[0] != ENTRY_PROCESSOR) {
            p += 8; /* every other base entry type is 8 bytes */
            continue;
        }
        if (p + 20 > end)
            break;
        if (p[3] & PROCESSOR_ENABLED)
            cpu_list_add(out, p[1]);
        p += 20;
    }
    out->expected = out->n;
    return out->n ? 0 : -ENOENT;
}
