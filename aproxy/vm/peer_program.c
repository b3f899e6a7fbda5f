/* The peer's program (peer_program.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer_program.h"

int peer_program(int fd, char path[PEER_PROGRAM_MAX], char why[WHY_MAX])
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred) || cred.pid <= 0) {
        snprintf(why, WHY_MAX, "the client's credentials (SO_PEERCRED): %s",
                 len == sizeof(cred) && cred.pid <= 0 ? "no process" : strerror(errno));
        return -1;
    }
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/exe", (int)cred.pid);
    ssize_t n = readlink(link, path, PEER_PROGRAM_MAX);
    if (n < 0 || n >= PEER_PROGRAM_MAX) {
        snprintf(why, WHY_MAX, "the client's program (%s): %s", link, n < 0 ? strerror(errno) : "path too long");
        return -1;
    }
    path[n] = 0;
    return 0;
}
