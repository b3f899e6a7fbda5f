/* The key file (keyfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "session.h"

int keyfile_make_parents(const char *path)
{
    char dir[256];
    if (strlen(path) >= sizeof(dir))
        return -1;
    strcpy(dir, path);
    char *last = strrchr(dir, '/');
    if (!last || last == dir)
        return 0;
    *last = 0;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int keyfile_write(const char *path, const uint8_t *key, size_t len, char *why)
{
    char tmp[272];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (keyfile_make_parents(path) < 0) {
        snprintf(why, WHY_MAX, "cannot make the directory of %s: %s", path, strerror(errno));
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400);
    if (fd < 0) {
        snprintf(why, WHY_MAX, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    ssize_t n = write(fd, key, len);
    int e = errno;
    if (close(fd) < 0 && n == (ssize_t)len) {
        n = -1;
        e = errno;
    }
    if (n != (ssize_t)len || rename(tmp, path) < 0) {
        if (n == (ssize_t)len)
            e = errno;
        unlink(tmp);
        snprintf(why, WHY_MAX, "writing %s: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

/* path.refused into name (272 bytes, as keyfile_write's temporary name). */
static void refusal_name(const char *path, char name[272])
{
    snprintf(name, 272, "%s.refused", path);
}

int keyfile_write_refusal(const char *path, const char *reason, char *why)
{
    char name[272];
    refusal_name(path, name);
    return keyfile_write(name, (const uint8_t *)reason, strlen(reason), why);
}

void keyfile_clear_refusal(const char *path)
{
    char name[272];
    refusal_name(path, name);
    unlink(name);
}
