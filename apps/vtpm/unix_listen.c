/* See unix_listen.h: bind to a temporary name, listen, rename into place. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unix_listen.h"

int unix_listen_at(const char *path, int sock_flags, int backlog)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    /* The temporary name is the path plus ".NNNNNNNNNN~" (pid): it must fit too. */
    if (strlen(path) + 13 >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
        errno = EEXIST;
        return -1;
    }
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.%d~", path, (int)getpid());
    unlink(sa.sun_path); /* a leftover of a crashed process with this pid */
    int fd = socket(AF_UNIX, SOCK_STREAM | sock_flags, 0);
    if (fd < 0)
        return -1;
    /* rename replaces a stale socket at path in one step */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0 || rename(sa.sun_path, path) < 0) {
        int e = errno;
        unlink(sa.sun_path);
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
