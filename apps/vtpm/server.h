/* The main loop: accepts clients on the data and control endpoints and
 * serves every connection's complete messages in arrival order. */
#ifndef VTPM_SERVER_H
#define VTPM_SERVER_H

#include "transport.h"

/* Serves until SHUTDOWN or a termination signal; returns the exit status. */
int server_run(struct endpoint *data, struct endpoint *ctrl);

#endif
