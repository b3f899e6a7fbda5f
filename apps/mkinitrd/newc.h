/* Writing cpio "newc" (070701) archives, the format kernel/fs/cpio.c reads. */
#ifndef MKINITRD_NEWC_H
#define MKINITRD_NEWC_H

#include <stdint.h>
#include <stdio.h>

/* Writes one entry header and its name, padded to 4 bytes; the caller then
 * writes size bytes of data and calls newc_pad(size).  uid, gid, mtime and
 * the device numbers are always 0, so the output depends on nothing but
 * its inputs.  Returns 0, or -1 on a write error. */
int newc_header(FILE *out, uint32_t ino, uint32_t mode, uint32_t nlink, uint32_t size, const char *name);

/* Pads the data just written (size bytes) to a multiple of 4. */
int newc_pad(FILE *out, uint32_t size);

/* Writes the TRAILER!!! entry that ends the archive. */
int newc_trailer(FILE *out);

#endif
