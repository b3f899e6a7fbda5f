/* The PVH start info (Xen's struct hvm_start_info, version 1), copied into a
 * struct boot_info, and the usable-memory computation built on it. */
#include <kernel/boot_info.h>
#include <kernel/errno.h>
#include <kernel/string.h>

#define PVH_MAGIC 0x336ec578u

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;   /* version >= 1 */
    uint32_t memmap_entries; /* version >= 1 */
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct hvm_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

/* True if [p, p+len) lies below limit without wrapping. */
static bool below(uint64_t p, uint64_t len, uint64_t limit)
{
    return p + len >= p && p + len <= limit;
}

int pvh_parse(uint64_t start_info, uint64_t phys_limit, struct boot_info *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (!start_info || !below(start_info, sizeof(struct hvm_start_info), phys_limit)) {
        *why = "start info pointer out of range";
        return -EINVAL;
    }
    const struct hvm_start_info *si = phys_to_virt(start_info);
    if (si->magic != PVH_MAGIC) {
        *why = "bad start info magic";
        return -EINVAL;
    }
    if (si->version < 1) {
        *why = "start info version 0 has no memory map";
        return -EINVAL;
    }

    if (si->cmdline_paddr) {
        if (!below(si->cmdline_paddr, 1, phys_limit)) {
            *why = "command line pointer out of range";
            return -EINVAL;
        }
        const char *cl = phys_to_virt(si->cmdline_paddr);
        size_t max = MIN((uint64_t)BOOT_CMDLINE_MAX - 1, phys_limit - si->cmdline_paddr);
        size_t n = strnlen(cl, max);
        memcpy(out->cmdline, cl, n);
        out->cmdline[n] = '\0';
    }
    out->rsdp_paddr = si->rsdp_paddr;

    uint32_t n_map = si->memmap_entries;
    if (n_map == 0 || n_map > BOOT_MAX_MEMMAP ||
        !below(si->memmap_paddr, (uint64_t)n_map * sizeof(struct hvm_memmap_entry), phys_limit)) {
        *why = "memory map missing, too long or out of range";
        return -EINVAL;
    }
    const struct hvm_memmap_entry *map = phys_to_virt(si->memmap_paddr);
    for (uint32_t i = 0; i < n_map; i++) {
        if (map[i].addr + map[i].size < map[i].addr) {
            *why = "memory map entry wraps around";
            return -EINVAL;
        }
        if (map[i].size == 0) /* QEMU ends its table with an empty entry */
            continue;
        out->memmap[out->n_memmap++] = (struct boot_memmap_entry){map[i].addr, map[i].size, map[i].type};
    }

    uint32_t n_mod = si->nr_modules;
    if (n_mod > BOOT_MAX_MODULES ||
        (n_mod && !below(si->modlist_paddr, (uint64_t)n_mod * sizeof(struct hvm_modlist_entry), phys_limit))) {
        *why = "module list too long or out of range";
        return -EINVAL;
    }
    const struct hvm_modlist_entry *mods = n_mod ? phys_to_virt(si->modlist_paddr) : NULL;
    for (uint32_t i = 0; i < n_mod; i++) {
        if (mods[i].paddr + mods[i].size < mods[i].paddr) {
            *why = "module wraps around";
            return -EINVAL;
        }
        out->modules[i] = (struct boot_module){mods[i].paddr, mods[i].size};
    }
    out->n_modules = n_mod;
    return 0;
}

/* Removes [r.start, r.end) from the ranges in out[0..*n), splitting a range
 * in two when r is strictly inside it.  With no room for the split, the part
 * above r is given up: losing memory is safe, handing out a reserved range is not. */
static void subtract(struct phys_range *out, size_t *n, size_t max, struct phys_range r)
{
    for (size_t i = 0; i < *n; i++) {
        struct phys_range u = out[i];
        if (r.end <= u.start || r.start >= u.end)
            continue;
        if (r.start > u.start) {
            out[i].end = r.start;
            if (r.end < u.end && *n < max)
                out[(*n)++] = (struct phys_range){r.end, u.end};
        } else {
            out[i].start = MIN(r.end, u.end); /* empty when r covers all of u */
        }
    }
}

static void sort_ranges(struct phys_range *r, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && r[j - 1].start > r[j].start; j--) {
            struct phys_range t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
}

const struct boot_memmap_entry *boot_ram_entry_at(const struct boot_info *bi, uint64_t addr)
{
    for (size_t i = 0; i < bi->n_memmap; i++) {
        const struct boot_memmap_entry *e = &bi->memmap[i];
        if (e->type == MEMMAP_RAM && addr >= e->addr && addr - e->addr < e->size)
            return e;
    }
    return NULL;
}

size_t boot_usable_ranges(const struct boot_info *bi, const struct phys_range *reserved, size_t n_reserved,
                          struct phys_range *usable, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < bi->n_memmap && n < max; i++) {
        const struct boot_memmap_entry *e = &bi->memmap[i];
        if (e->type != MEMMAP_RAM)
            continue;
        uint64_t s = ALIGN_UP(e->addr, PAGE_SIZE), end = ALIGN_DOWN(e->addr + e->size, PAGE_SIZE);
        /* Low memory is ordinary RAM where the map says so (no firmware runs
         * once the kernel has started; the EBDA and ROM areas are not RAM in
         * it), and a small machine needs its 636 KiB.  Only page 0 stays out:
         * physical address 0 is the frame allocator's "no memory". */
        s = MAX(s, PAGE_SIZE);
        if (end > s)
            usable[n++] = (struct phys_range){s, end};
    }
    /* Overlapping or touching RAM entries are merged, so no page is counted twice. */
    sort_ranges(usable, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && usable[i].start <= usable[m - 1].end)
            usable[m - 1].end = MAX(usable[m - 1].end, usable[i].end);
        else
            usable[m++] = usable[i];
    }
    n = m;
    for (size_t i = 0; i < n_reserved; i++) {
        struct phys_range r = {ALIGN_DOWN(reserved[i].start, PAGE_SIZE), ALIGN_UP(reserved[i].end, PAGE_SIZE)};
        subtract(usable, &n, max, r);
    }
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (usable[i].end > usable[i].start)
            usable[m++] = usable[i];
    sort_ranges(usable, m);
    return m;
}
