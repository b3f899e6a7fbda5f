/* Mount paths as /proc/mounts and mountinfo print them: Linux escapes the
 * characters that would break a line's fields (space, tab, newline) and the
 * escape character itself (backslash) as a backslash and three octal digits:
 * "\040", "\011", "\012", "\134". */
#ifndef FS_MOUNT_PATH_H
#define FS_MOUNT_PATH_H

#include <kernel/types.h>

/* Room for the escaped form of any path of PATH_MAX bytes (4 per byte). */
#define MOUNT_ESCAPED_MAX (4 * 4096)

/* Writes s escaped into buf[size], NUL-terminated: its length, or -1 if it
 * does not fit (buf then holds nothing useful). */
int64_t mount_path_escape(const char *s, char *buf, size_t size);

#endif
