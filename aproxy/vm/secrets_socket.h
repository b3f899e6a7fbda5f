/* Secrets for workloads through a local socket (docs/aproxy.md, "Secrets
 * for workloads").  A workload connects to SECRETS_SOCKET and writes one
 * request line,
 *
 *     GET <repository>/<type>/<tag>\n
 *
 * and aproxy attests afresh with stage 2 (the measured vTPM's quote, the
 * event log, the AK, a platform report vouching for the AK) and answers
 *
 *     OK <n>\n<n bytes: the resource>
 *     ERR <reason> <text>\n     reason: denied, malformed, refused, unreachable, failed
 *
 * then closes the connection: one request per connection.  Up to
 * SECRETS_CLIENTS_MAX connections are served at once; only the releases
 * themselves take turns (they share the port to the host half). */
#ifndef APROXY_SECRETS_SOCKET_H
#define APROXY_SECRETS_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "secret.h"
#include "secrets_request.h"
#include "session.h"
#include "tpm_client.h"

#define SECRETS_SOCKET "/run/aproxy/secrets.sock"
#define SECRETS_REQUEST_WAIT_MS 10000 /* for the request line after connecting */
#define SECRETS_ANSWER_WAIT_MS 10000  /* for the client to take its answer */
#define SECRETS_CLIENTS_MAX 8         /* connections served at once; more wait in the listen backlog */
#define SECRETS_ALLOW_MAX 8           /* --secrets-allow programs */

/* What a release needs: the port session, the platform provider and the
 * measured vTPM (NULL if it did not start: then every request gets
 * `ERR failed` with unavailable), and who may ask: the programs in allow
 * (n_allow of them; none: any program that can reach the socket). */
struct secrets_source {
    struct session *s;
    struct platform *p;
    struct tpmc *t;
    char unavailable[WHY_MAX];
    const char *allow[SECRETS_ALLOW_MAX];
    int n_allow;
};

/* One connection: reading its request line, then writing its answer, both
 * non-blocking and each bounded in time, so a slow or vanished client holds
 * a slot for at most its deadline and never the others. */
struct secrets_client {
    int fd;                              /* -1: a free slot */
    bool answering;                      /* the answer is in out, being written */
    long deadline_ms;                    /* on the monotonic clock (secrets_now_ms) */
    size_t n, dropped;                   /* request bytes kept in line, and dropped past its limit */
    size_t out_len, out_off;
    char line[SECRETS_REQUEST_MAX];
    char resource[SECRETS_REQUEST_MAX];  /* for the log line once the answer is out */
    uint8_t out[SECRET_MAX + 32];        /* "OK n\n" + the resource, or one "ERR" line */
};

struct secrets_clients {
    struct secrets_client c[SECRETS_CLIENTS_MAX];
};

/* The monotonic clock in milliseconds (the clients' deadlines). */
long secrets_now_ms(void);

/* All slots free. */
void secrets_clients_init(struct secrets_clients *cs);

/* A free slot, or NULL when SECRETS_CLIENTS_MAX clients are being served
 * (the caller then leaves new connections in the backlog). */
struct secrets_client *secrets_client_slot(struct secrets_clients *cs);

/* Takes the accepted connection fd into the free slot c (non-blocking from
 * now on; its request line is due within SECRETS_REQUEST_WAIT_MS). */
void secrets_client_start(struct secrets_client *c, int fd);

/* What to poll c's descriptor for: POLLIN while its request is read,
 * POLLOUT while its answer is written. */
short secrets_client_events(const struct secrets_client *c);

/* Does what c's readiness allows: reads request bytes and, once the line is
 * whole, checks who asks and what, attests (stage 2, blocking on the port to
 * the host half: one release at a time) and starts writing the answer; or
 * writes more of the answer.  The slot is freed (fd closed) when the answer is
 * out or the client is gone, with a log line either way. */
void secrets_client_ready(struct secrets_source *src, struct secrets_client *c);

/* Frees the slots whose deadline passed (a request line that did not come,
 * an answer not taken), each with a log line and, for a missing request, an
 * `ERR malformed` answer.  The milliseconds until the next deadline, or -1
 * when no client is connected (poll's timeout). */
int secrets_clients_expire(struct secrets_clients *cs);

#endif
