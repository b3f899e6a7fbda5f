/* ACPI static tables (see arch/acpi.h): the RSDP, the XSDT or RSDT, and the
 * FADT's power-off registers.
 *
 * The tables are read through ioremap (QEMU puts them in memory the map
 * calls reserved or ACPI, outside the direct map of RAM).  Nothing here
 * trusts the firmware: every length is checked against what was mapped and
 * every checksum is verified before a table is handed out.
 *
 * acpi_init runs once in the boot thread before anything looks a table up;
 * after it the state below is read-only, so no lock. */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/kmap.h>

#define ACPI_MAX_TABLES 32
#define ACPI_MAX_TABLE_LEN (1u << 20) /* QEMU's largest, the DSDT, is a few KiB */

#define BIOS_AREA 0xe0000ull
#define BIOS_AREA_LEN 0x20000ull

struct acpi_rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;  /* over the first 20 bytes (ACPI 1.0 part) */
    char oem_id[6];
    uint8_t revision;  /* 0: ACPI 1.0 (RSDT only); 2: ACPI 2.0+ */
    uint32_t rsdt_address;
    uint32_t length;   /* of the whole structure (revision >= 2) */
    uint64_t xsdt_address;
    uint8_t extended_checksum; /* over `length` bytes */
    uint8_t reserved[3];
} __packed;
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");

/* FADT fields (ACPI 6.5, 5.2.9): offsets, as the structure has grown over
 * the revisions and its length says which fields exist. */
#define FADT_DSDT 40
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_CNT_BLK 64
#define FADT_FLAGS 112
#define FADT_X_DSDT 140
#define FADT_HW_REDUCED_ACPI (1u << 20)

/* PM1 control register (ACPI 6.5, 4.8.3.2.1) */
#define PM1_SCI_EN 0x0001
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN 0x2000

static const struct acpi_sdt_header *tables[ACPI_MAX_TABLES];
static size_t n_tables;
static uint16_t pm1a_cnt_port;
static int s5_slp_typ = -1;
static uint32_t smi_cmd_port;
static uint8_t acpi_enable_value;

static bool bytes_sum_to_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + b[i]);
    return sum == 0;
}

static uint32_t get32(const void *p, size_t off)
{
    uint32_t v;
    memcpy(&v, (const uint8_t *)p + off, sizeof v);
    return v;
}

static uint64_t get64(const void *p, size_t off)
{
    uint64_t v;
    memcpy(&v, (const uint8_t *)p + off, sizeof v);
    return v;
}

/* Maps the table at phys and checks its length and checksum; NULL (with a
 * log line saying why) if it is unusable. */
static const struct acpi_sdt_header *map_table(uint64_t phys)
{
    if (!phys)
        return NULL;
    const struct acpi_sdt_header *h = ioremap(phys, sizeof *h);
    if (!h) {
        printk(LOG_ERR, "acpi: cannot map the table at 0x%lx", phys);
        return NULL;
    }
    uint32_t len = h->length;
    char sig[5] = {0};
    memcpy(sig, h->signature, 4);
    if (len < sizeof *h || len > ACPI_MAX_TABLE_LEN) {
        printk(LOG_ERR, "acpi: table %s at 0x%lx has an impossible length %u; ignored", sig, phys, len);
        return NULL;
    }
    h = ioremap(phys, len);
    if (!h) {
        printk(LOG_ERR, "acpi: cannot map the table at 0x%lx (%u bytes)", phys, len);
        return NULL;
    }
    if (!bytes_sum_to_zero(h, len)) {
        printk(LOG_ERR, "acpi: table %s at 0x%lx has a bad checksum; ignored", sig, phys);
        return NULL;
    }
    return h;
}

static bool rsdp_valid(const struct acpi_rsdp *r)
{
    if (memcmp(r->signature, "RSD PTR ", 8) || !bytes_sum_to_zero(r, 20))
        return false;
    if (r->revision < 2)
        return true;
    return r->length >= sizeof *r && r->length <= 4096 && bytes_sum_to_zero(r, sizeof *r);
}

/* The RSDP in the BIOS read-only area (ACPI 6.5, 5.2.5.1: on a 16-byte
 * boundary), for a boot loader that did not pass its address. */
static uint64_t rsdp_scan_bios_area(void)
{
    const uint8_t *area = ioremap(BIOS_AREA, BIOS_AREA_LEN);
    if (!area)
        return 0;
    for (uint64_t off = 0; off + sizeof(struct acpi_rsdp) <= BIOS_AREA_LEN; off += 16)
        if (!memcmp(area + off, "RSD PTR ", 8) && rsdp_valid((const struct acpi_rsdp *)(area + off)))
            return BIOS_AREA + off;
    return 0;
}

/* Records every valid table the root table (XSDT: 8-byte entries, RSDT: 4)
 * lists. */
static void collect_tables(const struct acpi_sdt_header *root, size_t entry_size)
{
    size_t n = (root->length - sizeof *root) / entry_size;
    for (size_t i = 0; i < n && n_tables < ACPI_MAX_TABLES; i++) {
        size_t off = sizeof *root + i * entry_size;
        uint64_t phys = entry_size == 8 ? get64(root, off) : get32(root, off);
        const struct acpi_sdt_header *t = map_table(phys);
        if (t)
            tables[n_tables++] = t;
    }
}

/* Reads a PkgLength (ACPI 6.5, 20.2.4): its lead byte's top two bits count
 * the bytes that follow.  Returns how many bytes it took, or 0. */
static size_t aml_pkg_length_size(const uint8_t *p, size_t avail)
{
    if (avail == 0)
        return 0;
    size_t n = 1 + (p[0] >> 6);
    return n <= avail ? n : 0;
}

int acpi_aml_find_s5(const uint8_t *aml, size_t len)
{
    for (size_t i = 1; i + 4 <= len; i++) {
        if (memcmp(aml + i, "_S5_", 4))
            continue;
        /* NameOp, optionally with the root prefix: 08 _S5_ or 08 \ _S5_ */
        bool named = aml[i - 1] == 0x08 || (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08);
        size_t p = i + 4;
        if (!named || p >= len || aml[p] != 0x12) /* PackageOp */
            continue;
        p++;
        size_t pl = aml_pkg_length_size(aml + p, len - p);
        if (!pl)
            continue;
        p += pl;
        if (p + 1 >= len || aml[p] == 0) /* NumElements */
            continue;
        p++;
        switch (aml[p]) {
        case 0x00: return 0;                              /* ZeroOp */
        case 0x01: return 1;                              /* OneOp */
        case 0xff: return 0xff;                           /* OnesOp */
        case 0x0a: return p + 1 < len ? aml[p + 1] : -1;  /* BytePrefix */
        case 0x0b: return p + 2 < len ? aml[p + 1] : -1;  /* WordPrefix: the low byte is what fits SLP_TYP */
        case 0x0c: return p + 4 < len ? aml[p + 1] : -1;  /* DWordPrefix */
        default: continue;
        }
    }
    return -1;
}

/* The power-off registers: PM1a control port from the FADT, SLP_TYPa for S5
 * from the DSDT's \_S5 package. */
static void read_fadt(void)
{
    const struct acpi_sdt_header *fadt = acpi_find_table("FACP");
    if (!fadt) {
        printk(LOG_INFO, "acpi: no FADT; power-off through ACPI is not available");
        return;
    }
    size_t len = fadt->length;
    if (len <= FADT_PM1A_CNT_BLK + 4) {
        printk(LOG_ERR, "acpi: FADT of %zu bytes is too short", len);
        return;
    }
    uint32_t pm1a = get32(fadt, FADT_PM1A_CNT_BLK);
    if (len >= FADT_FLAGS + 4 && (get32(fadt, FADT_FLAGS) & FADT_HW_REDUCED_ACPI)) {
        /* microvm with ACPI, Cloud Hypervisor: no PM1 blocks, a sleep
         * control register instead (not implemented). */
        printk(LOG_INFO, "acpi: hardware-reduced ACPI; power-off through it is not available");
        return;
    }
    if (pm1a == 0 || pm1a > 0xffff) {
        printk(LOG_ERR, "acpi: FADT has no PM1a control port (0x%x)", pm1a);
        return;
    }
    uint64_t dsdt_phys = len >= FADT_X_DSDT + 8 ? get64(fadt, FADT_X_DSDT) : 0;
    if (!dsdt_phys)
        dsdt_phys = get32(fadt, FADT_DSDT);
    const struct acpi_sdt_header *dsdt = map_table(dsdt_phys);
    int s5 = dsdt ? acpi_aml_find_s5((const uint8_t *)(dsdt + 1), dsdt->length - sizeof *dsdt) : -1;
    if (s5 < 0) {
        printk(LOG_ERR, "acpi: no \\_S5 package in the DSDT; power-off through ACPI is not available");
        return;
    }
    pm1a_cnt_port = (uint16_t)pm1a;
    s5_slp_typ = s5 & 7;
    smi_cmd_port = get32(fadt, FADT_SMI_CMD);
    acpi_enable_value = ((const uint8_t *)fadt)[FADT_ACPI_ENABLE];
}

void acpi_init(uint64_t rsdp_paddr)
{
    const char *from = "the PVH start info";
    if (!rsdp_paddr) {
        rsdp_paddr = rsdp_scan_bios_area();
        from = "the BIOS area";
    }
    if (!rsdp_paddr) {
        printk(LOG_INFO, "acpi: no RSDP; the machine has no ACPI tables");
        return;
    }
    const struct acpi_rsdp *rsdp = ioremap(rsdp_paddr, sizeof *rsdp);
    if (!rsdp || !rsdp_valid(rsdp)) {
        printk(LOG_ERR, "acpi: no valid RSDP at 0x%lx (from %s); ACPI ignored", rsdp_paddr, from);
        return;
    }
    const struct acpi_sdt_header *root = NULL;
    if (rsdp->revision >= 2 && rsdp->xsdt_address) {
        root = map_table(rsdp->xsdt_address);
        if (root && !memcmp(root->signature, "XSDT", 4))
            collect_tables(root, 8);
        else
            root = NULL;
    }
    if (!root) {
        root = map_table(rsdp->rsdt_address);
        if (!root || memcmp(root->signature, "RSDT", 4)) {
            printk(LOG_ERR, "acpi: neither an XSDT nor an RSDT from the RSDP at 0x%lx; ACPI ignored", rsdp_paddr);
            return;
        }
        collect_tables(root, 4);
    }
    char list[ACPI_MAX_TABLES * 5 + 1];
    for (size_t i = 0; i < n_tables; i++) {
        memcpy(list + 5 * i, tables[i]->signature, 4);
        list[5 * i + 4] = ' ';
    }
    list[n_tables ? 5 * n_tables - 1 : 0] = '\0';
    printk(LOG_INFO, "acpi: RSDP at 0x%lx (from %s), %s: %s", rsdp_paddr, from, root->signature[0] == 'X' ? "XSDT" : "RSDT",
           list);
    read_fadt();
}

const void *acpi_find_table(const char sig[4])
{
    for (size_t i = 0; i < n_tables; i++)
        if (!memcmp(tables[i]->signature, sig, 4))
            return tables[i];
    return NULL;
}

void acpi_poweroff(void)
{
    if (!pm1a_cnt_port || s5_slp_typ < 0)
        return;
    /* Out of legacy mode first if the firmware left the machine there
     * (SCI_EN clear): the PM1 registers then belong to the SMI handler. */
    if (!(inw(pm1a_cnt_port) & PM1_SCI_EN) && smi_cmd_port && smi_cmd_port <= 0xffff && acpi_enable_value)
        outb((uint16_t)smi_cmd_port, acpi_enable_value);
    outw(pm1a_cnt_port, (uint16_t)(s5_slp_typ << PM1_SLP_TYP_SHIFT | PM1_SLP_EN));
}
