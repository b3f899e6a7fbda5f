/* cpio "newc" parser (the format and the rules are in fs/cpio.h).
 *
 * Every length read from the archive is a 32-bit number and every bound is
 * checked by subtraction from the bytes left, so no sum can wrap. */
#include <fs/cpio.h>
#include <kernel/errno.h>
#include <kernel/string.h>

#define CPIO_TRAILER "TRAILER!!!"

/* The 13 hex fields after the magic, in header order. */
enum {
    F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
    F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
    F_COUNT
};

/* Parses exactly 8 hex digits; false on any other character. */
static bool parse_hex8(const unsigned char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        unsigned char c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

/* Offset rounded up to 4, or 0 if that would not fit a size_t. */
static size_t pad4(size_t off)
{
    return off > SIZE_MAX - 3 ? 0 : ALIGN_UP(off, (size_t)4);
}

static bool mode_is_valid(uint32_t mode)
{
    if (mode & ~(uint32_t)(CPIO_S_IFMT | CPIO_S_PERM))
        return false;
    switch (mode & CPIO_S_IFMT) {
    case CPIO_S_IFREG: case CPIO_S_IFDIR: case CPIO_S_IFLNK: case CPIO_S_IFCHR:
    case CPIO_S_IFBLK: case CPIO_S_IFIFO: case CPIO_S_IFSOCK:
        return true;
    default:
        return false;
    }
}

/* Whether p[0..n) holds a NUL (the kernel's string.h has no memchr). */
static bool has_nul(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0)
            return true;
    return false;
}

/* Whether the entry's data is acceptable for its file type. */
static bool data_fits_type(uint32_t mode, const unsigned char *data, size_t size)
{
    switch (mode & CPIO_S_IFMT) {
    case CPIO_S_IFREG:
        return true;
    case CPIO_S_IFLNK:
        /* The VFS stores the target as a C string: it must be non-empty,
         * short enough for a path, and NUL-free. */
        return size >= 1 && size < CPIO_NAME_MAX && !has_nul(data, size);
    default:
        return size == 0;
    }
}

static uint32_t byte_sum(const unsigned char *p, size_t n)
{
    uint32_t sum = 0;
    while (n--)
        sum += *p++;
    return sum;
}

int cpio_next(const void *buf, size_t len, size_t *off, struct cpio_entry *out)
{
    const unsigned char *a = buf;
    size_t pos = *off;

    if (pos > len || len - pos < CPIO_HEADER_SIZE)
        return -EINVAL;
    const unsigned char *h = a + pos;
    bool with_crc;
    if (!memcmp(h, "070701", 6))
        with_crc = false;
    else if (!memcmp(h, "070702", 6))
        with_crc = true;
    else
        return -EINVAL;

    uint32_t f[F_COUNT];
    for (int i = 0; i < F_COUNT; i++)
        if (!parse_hex8(h + 6 + 8 * i, &f[i]))
            return -EINVAL;

    /* The name: 2..CPIO_NAME_MAX bytes, its only NUL the last one. */
    uint32_t namesize = f[F_NAMESIZE];
    if (namesize < 2 || namesize > CPIO_NAME_MAX)
        return -EINVAL;
    size_t name_off = pos + CPIO_HEADER_SIZE; /* <= len: checked above */
    if (len - name_off < namesize)
        return -EINVAL;
    const char *name = (const char *)a + name_off;
    if (name[namesize - 1] != '\0' || has_nul((const unsigned char *)name, namesize - 1))
        return -EINVAL;

    /* The data, after padding; namesize is small, so the sum cannot wrap. */
    size_t data_off = pad4(name_off + namesize);
    size_t size = f[F_FILESIZE];
    if (data_off == 0 || data_off > len) {
        if (size != 0)
            return -EINVAL;
        data_off = len; /* an entry without data may end the buffer unpadded */
    }
    if (len - data_off < size)
        return -EINVAL;
    const unsigned char *data = a + data_off;
    size_t next = pad4(data_off + size);
    if (next == 0 || next > len)
        next = len; /* the final padding may be cut off */

    if (namesize == sizeof CPIO_TRAILER && !memcmp(name, CPIO_TRAILER, namesize)) {
        *off = next;
        return 0;
    }

    if (!mode_is_valid(f[F_MODE]) || !data_fits_type(f[F_MODE], data, size))
        return -EINVAL;
    /* Like GNU cpio and Linux, only regular files carry a checksum (a
     * symlink's check field is 0 whatever its target). */
    if (with_crc && (f[F_MODE] & CPIO_S_IFMT) == CPIO_S_IFREG && byte_sum(data, size) != f[F_CHECK])
        return -EINVAL;

    *out = (struct cpio_entry){
        .name = name,
        .name_len = namesize - 1,
        .ino = f[F_INO],
        .mode = f[F_MODE],
        .uid = f[F_UID],
        .gid = f[F_GID],
        .nlink = f[F_NLINK],
        .mtime = f[F_MTIME],
        .dev_major = f[F_DEVMAJOR],
        .dev_minor = f[F_DEVMINOR],
        .rdev_major = f[F_RDEVMAJOR],
        .rdev_minor = f[F_RDEVMINOR],
        .data = size ? data : NULL,
        .size = size,
    };
    *off = next;
    return 1;
}
