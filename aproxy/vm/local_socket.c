/* Local sockets (local_socket.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "keyfile.h"
#include "local_socket.h"

int local_listen(const char *path, char why[WHY_MAX])
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path)) {
        snprintf(why, WHY_MAX, "%s: path too long for a socket", path);
        return -1;
    }
    strcpy(a.sun_path, path);
    if (keyfile_make_parents(path) < 0) {
        snprintf(why, WHY_MAX, "%s: cannot make its directory: %s", path, strerror(errno));
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, WHY_MAX, "socket: %s", strerror(errno));
        return -1;
    }
    unlink(path); /* a socket left by an earlier aproxy would make bind fail */
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(path, 0600) < 0 || listen(fd, 4) < 0) {
        snprintf(why, WHY_MAX, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}
