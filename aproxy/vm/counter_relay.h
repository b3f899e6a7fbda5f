/* The vtpm's rollback counter, relayed (docs/aproxy.md, "Counter relay"):
 * aproxy listens on a local AF_UNIX stream socket; a client (the sealed
 * vtpm, `--rollback-counter kbs:unix=PATH`) writes one request line and
 * reads one answer line, as often as it likes.  Each line goes to the host
 * half as a CBOR `counter` message; the host POSTs it to the KBS in the
 * attested session and the answer line comes back. */
#ifndef APROXY_COUNTER_RELAY_H
#define APROXY_COUNTER_RELAY_H

#include "session.h"

#define COUNTER_SOCKET "/run/aproxy/counter.sock"

/* Binds and listens on path (replacing a stale socket; mode 0600, its
 * directory made 0700).  The listening descriptor, or -1 with why. */
int counter_relay_listen(const char *path, char why[WHY_MAX]);

/* Serves clients one after the other, forever: a client's lines are
 * answered in order until it closes.  A line that is too long gets an error
 * line; a host that fails a request gets one too; serving goes on. */
_Noreturn void counter_relay_serve(struct session *s, int listen_fd);

#endif
