/* The local sockets aproxy serves in the VM (docs/aproxy.md): the counter
 * relay's and the workloads' secrets socket, both AF_UNIX stream sockets
 * under /run/aproxy, a directory only root may enter. */
#ifndef APROXY_LOCAL_SOCKET_H
#define APROXY_LOCAL_SOCKET_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

/* Binds and listens on path (replacing a socket an earlier aproxy left, so a
 * restarted aproxy serves again; mode 0600, its directory made 0700).  The
 * listening descriptor (close-on-exec), or -1 with why. */
int local_listen(const char *path, char why[WHY_MAX]);

/* Writes all of p; false if the client went away (aproxy ignores SIGPIPE,
 * so that is EPIPE, not a death). */
bool local_write_all(int fd, const void *p, size_t len);

#endif
