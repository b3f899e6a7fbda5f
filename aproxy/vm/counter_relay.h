/* The vtpm's rollback counter, relayed (docs/aproxy.md, "Counter relay"):
 * aproxy listens on a local AF_UNIX stream socket (local_socket.h); a client
 * (the sealed vtpm, `--rollback-counter kbs:unix=PATH`) writes one request
 * line and reads one answer line, as often as it likes.  Each line goes to
 * the host half as a CBOR `counter` message; the host POSTs it to the KBS in
 * the attested session and the answer line comes back. */
#ifndef APROXY_COUNTER_RELAY_H
#define APROXY_COUNTER_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

/* Attests the session again (stage 1, stage1.h): the relay calls it when the
 * KBS no longer accepts the session's token (HTTP 401, e.g. a restarted KBS
 * whose sessions are gone).  0, or -1 with why. */
typedef int (*counter_reattest)(void *arg, char why[WHY_MAX]);

struct counter_relay {
    struct session *s;
    counter_reattest reattest;
    void *arg;
};

#define COUNTER_SOCKET "/run/aproxy/counter.sock"
#define COUNTER_LINE_MAX 2048 /* the F_LINE limit (msg.c) and the vtpm's COUNTER_LINE_MAX */

/* One connected client and its partial line. */
struct counter_client {
    int fd;                /* -1: none */
    size_t len;
    bool too_long;         /* the current line passed COUNTER_LINE_MAX: dropped up to its newline */
    char line[COUNTER_LINE_MAX];
};

/* Reads what the client sent (one read: the caller polled it) and answers
 * every complete line in order: a too long, empty or NUL-holding line and a
 * request the host failed each get an error line, and serving goes on.  An
 * answer of status 401 makes the relay attest again and send the line once
 * more.  false once the client has closed (or failed): the caller closes
 * c->fd. */
bool counter_client_feed(struct counter_relay *r, struct counter_client *c);

#endif
