/* A Unix stream socket that is listening by the time its path exists. */
#pragma once

/* Listens on path (backlog as listen(2); sock_flags: SOCK_NONBLOCK,
 * SOCK_CLOEXEC), replacing a stale socket file there; anything at path that
 * is not a socket is left alone and makes it fail.  The socket is bound to a
 * temporary name next to path and renamed into place once it listens, so a
 * client that waits for the path to appear never meets a bound socket that
 * does not listen yet (ECONNREFUSED).  Returns the descriptor, or -1 with
 * errno set. */
int unix_listen_at(const char *path, int sock_flags, int backlog);
