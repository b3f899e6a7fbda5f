/* A tmpfs instance made by mount(2): its options (Linux's size=, nr_inodes=,
 * mode=), the text /proc/mounts shows for them, and its teardown at umount2. */
#include <fs/dir.h>
#include <fs/tmpfs_mount.h>
#include <kernel/errno.h>
#include <kernel/panic.h>
#include <kernel/string.h>
#include <kernel/printk.h>
#include <mm/pmm.h>
#include <mm/slab.h>

/* Linux's defaults: half of RAM in pages, half as many inodes as RAM pages. */
static uint64_t total_ram_pages(void)
{
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    return ps.total_pages;
}

/* Linux's memparse: a decimal, 0x hex or 0 octal number with an optional
 * k/m/g/t/p/e suffix (powers of 1024).  *end is past what was read.  0, or
 * -EINVAL for no digits or an overflow. */
static int memparse(const char *s, const char **end, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
        base = 16;
        s += 2;
    } else if (s[0] == '0' && s[1]) {
        base = 8;
    }
    uint64_t v = 0;
    const char *p = s;
    for (;; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (*p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else if (*p >= 'A' && *p <= 'F')
            d = (unsigned)(*p - 'A' + 10);
        else
            break;
        if (d >= base)
            break;
        if (v > (UINT64_MAX - d) / base)
            return -EINVAL;
        v = v * base + d;
    }
    if (p == s)
        return -EINVAL;
    static const char suffixes[] = "kmgtpe";
    const char *suf = *p ? strchr(suffixes, *p | 0x20) : NULL;
    if (suf) {
        unsigned shift = 10 * (unsigned)(suf - suffixes + 1);
        if (v > (UINT64_MAX >> shift))
            return -EINVAL;
        v <<= shift;
        p++;
    }
    *end = p;
    *out = v;
    return 0;
}

/* One "name=value" option of opt[len] into o.  0 or -EINVAL. */
static int parse_one(const char *opt, size_t len, struct tmpfs_options *o)
{
    char buf[64];
    if (len >= sizeof buf)
        return -EINVAL;
    memcpy(buf, opt, len);
    buf[len] = 0;
    char *eq = strchr(buf, '=');
    if (!eq)
        return -EINVAL; /* Linux's flag options (noswap, quota...) are not kept */
    *eq = 0;
    const char *val = eq + 1, *end;
    uint64_t v;
    if (!strcmp(buf, "size")) {
        if (memparse(val, &end, &v))
            return -EINVAL;
        if (*end == '%') {
            /* A percentage of RAM, as Linux: size <<= PAGE_SHIFT; size *= totalram; size /= 100. */
            end++;
            uint64_t ram = total_ram_pages();
            if (v > UINT64_MAX / PAGE_SIZE / (ram ? ram : 1))
                return -EINVAL;
            o->max_pages = v * ram / 100;
        } else {
            o->max_pages = v / PAGE_SIZE + (v % PAGE_SIZE != 0);
        }
        o->size_given = true;
    } else if (!strcmp(buf, "nr_inodes")) {
        if (memparse(val, &end, &v))
            return -EINVAL;
        o->max_inodes = v;
        o->inodes_given = true;
    } else if (!strcmp(buf, "mode")) {
        v = 0;
        for (end = val; *end >= '0' && *end <= '7'; end++)
            v = (v << 3) | (uint64_t)(*end - '0');
        if (end == val || end - val > 11)
            return -EINVAL;
        o->mode = (uint32_t)(v & 07777);
    } else {
        return -EINVAL; /* Linux: "tmpfs: Unknown parameter" */
    }
    return *end ? -EINVAL : 0;
}

int tmpfs_options_parse(const char *data, struct tmpfs_options *o)
{
    uint64_t ram = total_ram_pages();
    o->max_pages = ram / 2;
    o->max_inodes = ram / 2;
    o->mode = 01777;
    o->size_given = o->inodes_given = false;
    while (data && *data) {
        const char *comma = strchr(data, ',');
        size_t len = comma ? (size_t)(comma - data) : strlen(data);
        if (len) {
            int r = parse_one(data, len, o);
            if (r)
                return r;
        }
        data += len + (comma != NULL);
    }
    /* 0 is "no limit" on Linux: here memory is the limit (as for "/"), and
     * inodes as many as there are pages (each costs memory beyond that). */
    if (!o->max_pages)
        o->max_pages = ram;
    if (!o->max_inodes)
        o->max_inodes = ram;
    return 0;
}

void tmpfs_options_show(const struct tmpfs_options *o, char *buf, size_t size)
{
    /* As Linux's shmem_show_options: only what differs from the defaults.
     * The mode in octal by hand (ksnprintf has no %o), at least 3 digits. */
    char mode[8] = "";
    if (o->mode != 01777) {
        unsigned n = o->mode > 0777 ? 4 : 3;
        for (unsigned k = 0; k < n; k++)
            mode[k] = (char)('0' + ((o->mode >> (3 * (n - 1 - k))) & 7));
        mode[n] = 0;
    }
    char sz[32] = "", ino[32] = "";
    if (o->size_given)
        ksnprintf(sz, sizeof sz, ",size=%luk", o->max_pages * (uint64_t)(PAGE_SIZE / 1024));
    if (o->inodes_given)
        ksnprintf(ino, sizeof ino, ",nr_inodes=%lu", o->max_inodes);
    ksnprintf(buf, size, "%s%s%s%s", sz, ino, mode[0] ? ",mode=" : "", mode);
    if (buf[0] == ',')
        memmove(buf, buf + 1, strlen(buf)); /* the NUL too */
}

void tmpfs_destroy(struct super_block *sb)
{
    /* Depth first without recursion (trees may be deep): empty a directory
     * of its entries, climbing into each non-empty subdirectory first. */
    struct inode *dir = sb->root;
    for (;;) {
        struct dentry *d = dir_next(dir, 0);
        if (!d) {
            if (dir == sb->root)
                break;
            dir = dir->dir.parent;
            continue;
        }
        struct inode *child = d->inode;
        if (K_S_ISDIR(child->mode) && !dir_is_empty(child)) {
            dir = child;
            continue;
        }
        dir_remove(dir, d);
        inode_unlink(child);
    }
    struct inode *root = sb->root;
    inode_unlink(root); /* its "." and its own name: nlink 0 */
    inode_put(root);    /* the file system's reference: frees it */
    BUG_ON(sb->used_pages || sb->used_bytes || sb->used_inodes || sb->inode_refs);
    kfree(sb);
}
