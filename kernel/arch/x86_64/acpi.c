/* Minimal ACPI table access (see arch/acpi.h).  The tables stay where the
 * firmware put them; each is mapped when it is first looked at. */
#include <arch/acpi.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/kmap.h>

#define MAX_TABLES 32

struct rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;  /* 0: ACPI 1.0 (RSDT only); 2 and up: XSDT */
    uint32_t rsdt_paddr;
    uint32_t length;   /* revision 2 and up */
    uint64_t xsdt_paddr;
    uint8_t ext_checksum;
    uint8_t reserved[3];
} __packed;

/* Written once by acpi_init (before other CPUs start), read-only after. */
static uint64_t table_paddr[MAX_TABLES];
static size_t n_tables;

static uint8_t sum_bytes(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    while (n--)
        s += *b++;
    return s;
}

/* The table at phys with its whole length mapped, or NULL if its checksum fails. */
static const struct acpi_header *map_table(uint64_t phys)
{
    const struct acpi_header *h = kmap_firmware(phys, sizeof *h);
    if (!h || h->length < sizeof *h || h->length > (1u << 20))
        return NULL;
    h = kmap_firmware(phys, h->length);
    if (!h || sum_bytes(h, h->length)) {
        printk(LOG_WARN, "acpi: table at %lx has a bad checksum, ignored", phys);
        return NULL;
    }
    return h;
}

void acpi_init(uint64_t rsdp_paddr)
{
    if (!rsdp_paddr)
        return;
    const struct rsdp *r = kmap_firmware(rsdp_paddr, sizeof *r);
    if (!r || memcmp(r->signature, "RSD PTR ", 8) || sum_bytes(r, 20)) {
        printk(LOG_WARN, "acpi: no valid RSDP at %lx", rsdp_paddr);
        return;
    }
    bool xsdt = r->revision >= 2 && r->xsdt_paddr && !sum_bytes(r, sizeof *r);
    const struct acpi_header *root = map_table(xsdt ? r->xsdt_paddr : r->rsdt_paddr);
    if (!root)
        return;
    size_t entry = xsdt ? 8 : 4;
    size_t n = (root->length - sizeof *root) / entry;
    const uint8_t *entries = (const uint8_t *)(root + 1);
    for (size_t i = 0; i < n && n_tables < MAX_TABLES; i++) {
        uint64_t pa = 0;
        memcpy(&pa, entries + i * entry, entry);
        if (pa)
            table_paddr[n_tables++] = pa;
    }
}

const void *acpi_find_table(const char sig[4])
{
    for (size_t i = 0; i < n_tables; i++) {
        const struct acpi_header *h = kmap_firmware(table_paddr[i], sizeof *h);
        if (h && !memcmp(h->signature, sig, 4))
            return map_table(table_paddr[i]);
    }
    return NULL;
}
