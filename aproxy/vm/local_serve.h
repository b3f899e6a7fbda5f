/* After the stages: aproxy serves its local sockets for as long as it runs.
 * Clients are served side by side, each bounded in time; requests that need
 * the host half (a counter line, a secret's attestation) take turns on the
 * one port. */
#ifndef APROXY_LOCAL_SERVE_H
#define APROXY_LOCAL_SERVE_H

#include "counter_relay.h"
#include "secrets_socket.h"
#include "session.h"

/* Serves the counter relay's socket (counter_listen with relay, one client
 * at a time: the sealed vtpm; others wait in the backlog) and the secrets
 * socket (secrets_listen with src, up to SECRETS_CLIENTS_MAX clients at
 * once); either may be -1.  Returns only when the
 * host half has gone (its end of the port hung up), with why: the KBS session
 * went with it, so aproxy must start over. */
void local_serve(struct counter_relay *relay, int counter_listen, struct secrets_source *src, int secrets_listen,
                 char why[WHY_MAX]);

#endif
