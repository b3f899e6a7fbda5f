/* Who is on the other end of a local socket: the program the connecting
 * process runs, for the secrets socket's access rule (secrets_socket.h;
 * docs/aproxy.md, "Who may ask").  In nutshell every process runs as root,
 * so a uid or group check would admit everything; the program is what tells
 * workloads apart (and it is what the measured launch hashed). */
#ifndef APROXY_PEER_PROGRAM_H
#define APROXY_PEER_PROGRAM_H

#include <stddef.h>

#include "session.h"

#define PEER_PROGRAM_MAX 256 /* a program's path */

/* The path of the program run by the process that connected fd (its pid
 * from SO_PEERCRED, then /proc/PID/exe) into path (PEER_PROGRAM_MAX bytes,
 * NUL-terminated).  0, or -1 with why (no credentials, the process is gone,
 * a path too long). */
int peer_program(int fd, char path[PEER_PROGRAM_MAX], char why[WHY_MAX]);

#endif
