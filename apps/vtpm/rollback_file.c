/* The host-development rollback counter: a file on the host, outside the
 * state (rollback.h).  It protects against a replayed copy of the state file
 * alone, which is what the host tests exercise; whoever can replace both files
 * (the host, in a real deployment) defeats it, so the service VM uses the
 * KBS's counter instead.  Contents: one line
 *     nutshell-counter/1 <value> <tag: 64 hex digits>
 * A missing file is a counter never advanced.  Updates write PATH.tmp, fsync
 * it and rename it into place, so a power cut leaves the old or the new value. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rollback.h"

static const char *counter_path;

static int file_read(struct counter_value *cur)
{
    memset(cur, 0, sizeof(*cur));
    FILE *f = fopen(counter_path, "re");
    if (!f)
        return errno == ENOENT ? 0 : (log_error("rollback: %s: %s", counter_path, strerror(errno)), -1);
    char hex[2 * COUNTER_TAG_LEN + 1];
    unsigned long long v;
    int n = fscanf(f, "nutshell-counter/1 %llu %64[0-9a-f]", &v, hex);
    fclose(f);
    if (n != 2 || strlen(hex) != 2 * COUNTER_TAG_LEN) {
        log_error("rollback: %s is not a counter file", counter_path);
        return -1;
    }
    cur->value = v;
    for (unsigned i = 0; i < COUNTER_TAG_LEN; i++) {
        unsigned b;
        sscanf(hex + 2 * i, "%2x", &b);
        cur->tag[i] = (uint8_t)b;
    }
    return 0;
}

static int file_write(const struct counter_value *v)
{
    char tmp[4096], line[128 + 2 * COUNTER_TAG_LEN];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", counter_path) >= (int)sizeof(tmp))
        return -1;
    int n = snprintf(line, sizeof(line), "nutshell-counter/1 %llu ", (unsigned long long)v->value);
    for (unsigned i = 0; i < COUNTER_TAG_LEN; i++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x", v->tag[i]);
    line[n++] = '\n';
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    if (fd >= 0 && close(fd) < 0)
        ok = false;
    if (!ok || rename(tmp, counter_path) < 0) {
        log_error("rollback: writing %s: %s", counter_path, strerror(errno));
        return -1;
    }
    return 0;
}

static int file_advance(const struct counter_value *next, struct counter_value *cur)
{
    if (file_read(cur) < 0)
        return -1;
    if (next->value == cur->value && !memcmp(next->tag, cur->tag, COUNTER_TAG_LEN))
        return 0;
    if (next->value <= cur->value)
        return 1;
    if (file_write(next) < 0)
        return -1;
    *cur = *next;
    return 0;
}

static const struct counter_backend file_backend = {"file", file_read, file_advance};

const struct counter_backend *counter_file_open(const char *path)
{
    counter_path = path;
    struct counter_value v;
    return file_read(&v) == 0 ? &file_backend : NULL;
}
