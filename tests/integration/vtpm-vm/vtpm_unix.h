/* The vtpm on its type=unixio transport: data and control channels on Unix
 * stream sockets, the control channel able to pass a data connection with
 * SCM_RIGHTS (SET_DATAFD).  Inside nutshell as on the host, so one code
 * path serves both. */
#ifndef VTPM_VM_UNIX_H
#define VTPM_VM_UNIX_H

#include <stdbool.h>

/* Starts `vtpm` on sockets next to `state` (a state file of its own),
 * drives Startup, GetRandom, GET_CAPABILITY, SET_DATAFD with a passed
 * socket and SHUTDOWN, and checks the vtpm exits cleanly and removes its
 * socket names.  false with check_why set on the first failure. */
bool vtpm_unix_check(const char *vtpm, const char *state);

#endif
