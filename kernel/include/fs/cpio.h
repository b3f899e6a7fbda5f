/* A parser for cpio "newc" archives, the format of the initramfs.
 *
 * Format (one entry after another, from the start of the archive):
 *
 *   offset  size  field
 *   0       6     magic: "070701" (newc) or "070702" (newc with checksum)
 *   6       8     ino          \
 *   14      8     mode          |
 *   22      8     uid           |
 *   30      8     gid           |
 *   38      8     nlink         |  each field: 8 ASCII hex digits
 *   46      8     mtime         |  (upper or lower case), no sign, no
 *   54      8     filesize      |  spaces: a 32-bit unsigned number
 *   62      8     devmajor      |
 *   70      8     devminor      |
 *   78      8     rdevmajor     |
 *   86      8     rdevminor     |
 *   94      8     namesize      |  name length including its NUL
 *   102     8     check        /   070702: sum of a file's data bytes mod 2^32
 *   110     namesize  the name, NUL-terminated
 *   then padding so the data starts at a multiple of 4 (from the archive start),
 *   the data (filesize bytes; a symlink's data is its target, without a NUL),
 *   then padding to a multiple of 4.  The entry named "TRAILER!!!" ends the archive.
 *
 * What this parser enforces (anything else is -EINVAL, nothing is read
 * outside [buf, buf+len)):
 *   - the magic, and exactly 8 hex digits per field;
 *   - 2 <= namesize <= CPIO_NAME_MAX: a non-empty name that fits a path
 *     buffer, whose only NUL is its last byte;
 *   - header, name and data inside the buffer (padding after the data of the
 *     last entry may be missing);
 *   - mode: only type and permission bits (mask 0177777), and a known file
 *     type: regular, directory, symlink, char/block device, fifo, socket;
 *   - directories, devices, fifos and sockets carry no data;
 *   - a symlink target is 1..CPIO_NAME_MAX-1 bytes and holds no NUL;
 *   - 070702: a regular file's checksum matches its data.  (Other types
 *     and 070701 ignore the check field, as GNU cpio and Linux do.)
 * Not interpreted here: names are returned as stored ("./etc", "etc" and
 * "/etc" are all possible; the unpacker normalises them), and hard links
 * (several entries with the same ino and nlink > 1, only the last one
 * carrying the data) are left to the caller.
 *
 * The parser is a pure function over the buffer: no allocation, no state
 * besides the caller's offset.  The returned pointers point into buf. */
#ifndef FS_CPIO_H
#define FS_CPIO_H

#include <kernel/types.h>

#define CPIO_HEADER_SIZE 110
/* Longest name, NUL included (Linux's PATH_MAX).  Symlink targets are bounded by it too. */
#define CPIO_NAME_MAX 4096

/* File type and permission bits of cpio_entry.mode: the values of Linux's
 * st_mode, prefixed so they never clash with a libc's S_IF* in host builds. */
#define CPIO_S_IFMT 0170000
#define CPIO_S_IFSOCK 0140000
#define CPIO_S_IFLNK 0120000
#define CPIO_S_IFREG 0100000
#define CPIO_S_IFBLK 0060000
#define CPIO_S_IFDIR 0040000
#define CPIO_S_IFCHR 0020000
#define CPIO_S_IFIFO 0010000
#define CPIO_S_PERM 07777 /* permission bits with setuid, setgid, sticky */

struct cpio_entry {
    const char *name;  /* NUL-terminated, inside the archive */
    size_t name_len;   /* strlen(name), >= 1 */
    uint32_t ino;
    uint32_t mode;     /* CPIO_S_IF* type | CPIO_S_PERM bits */
    uint32_t uid;
    uint32_t gid;
    uint32_t nlink;
    uint32_t mtime;    /* seconds since the epoch */
    uint32_t dev_major, dev_minor;   /* device holding the file (informational) */
    uint32_t rdev_major, rdev_minor; /* the device a char/block node stands for */
    const void *data;  /* file contents or symlink target; NULL when size is 0 */
    size_t size;
};

/* Reads the entry at *off (0 for the first) of the archive buf[0..len).
 * Returns 1 and fills *out, with *off moved to the next entry; returns 0 at
 * the "TRAILER!!!" entry, with *off just past it (rounded up to 4, at most
 * len: the kernel may find a further archive appended there); returns
 * -EINVAL for a malformed or truncated entry, leaving *off and *out alone. */
int cpio_next(const void *buf, size_t len, size_t *off, struct cpio_entry *out);

#endif
