/* The local sockets aproxy serves in the VM (docs/aproxy.md): the counter
 * relay's and the workloads' secrets socket, both AF_UNIX stream sockets
 * under /run/aproxy, a directory only root may enter. */
#ifndef APROXY_LOCAL_SOCKET_H
#define APROXY_LOCAL_SOCKET_H

#include "session.h"

/* Binds and listens on path (replacing a socket an earlier aproxy left, so a
 * restarted aproxy serves again; mode 0600, its directory made 0700).  The
 * listening descriptor (close-on-exec), or -1 with why. */
int local_listen(const char *path, char why[WHY_MAX]);

#endif
