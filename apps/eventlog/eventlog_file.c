/* Bounded whole-file reader for event logs (eventlog_file.h). */
#include "eventlog_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *evlog_read_file(const char *path, size_t max, size_t *len, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    /* One byte past the bound tells a file of exactly max bytes from a longer one. */
    uint8_t *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int bad = !buf || ferror(f) || n > max;
    fclose(f);
    if (bad) {
        snprintf(err, err_size, "%s: unreadable or over %zu bytes", path, max);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}
