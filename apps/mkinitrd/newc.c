/* cpio "newc" writer: 110-byte ASCII header, NUL-terminated name, data,
 * each of the latter two padded so the next part starts at a multiple of 4
 * (the layout is described in kernel/include/fs/cpio.h). */
#include "newc.h"

#include <string.h>

static const char zeros[4];

int newc_header(FILE *out, uint32_t ino, uint32_t mode, uint32_t nlink, uint32_t size, const char *name)
{
    size_t namesize = strlen(name) + 1;
    /* magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
     * devminor, rdevmajor, rdevminor, namesize, check */
    if (fprintf(out, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X", ino, mode, 0, 0, nlink, 0,
                size, 0, 0, 0, 0, namesize, 0) != 110)
        return -1;
    if (fwrite(name, 1, namesize, out) != namesize)
        return -1;
    size_t pad = (4 - (110 + namesize) % 4) % 4;
    return fwrite(zeros, 1, pad, out) == pad ? 0 : -1;
}

int newc_pad(FILE *out, uint32_t size)
{
    size_t pad = (4 - size % 4) % 4;
    return fwrite(zeros, 1, pad, out) == pad ? 0 : -1;
}

int newc_trailer(FILE *out)
{
    return newc_header(out, 0, 0, 1, 0, "TRAILER!!!");
}
