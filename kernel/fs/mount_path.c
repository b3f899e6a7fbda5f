/* Escaping of mount paths for /proc (see fs/mount_path.h). */
#include <fs/mount_path.h>

/* The characters Linux's show_vfsmnt escapes (its " \t\n\\" set). */
static bool needs_escape(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\\';
}

int64_t mount_path_escape(const char *s, char *buf, size_t size)
{
    size_t at = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        size_t need = needs_escape(*s) ? 4 : 1;
        if (at + need + 1 > size)
            return -1;
        if (need == 4) {
            buf[at++] = '\\';
            buf[at++] = (char)('0' + ((c >> 6) & 7));
            buf[at++] = (char)('0' + ((c >> 3) & 7));
            buf[at++] = (char)('0' + (c & 7));
        } else {
            buf[at++] = (char)c;
        }
    }
    if (at + 1 > size)
        return -1;
    buf[at] = '\0';
    return (int64_t)at;
}
