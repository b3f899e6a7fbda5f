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
 *     ERR <reason> <text>\n     reason: malformed, refused, unreachable, failed
 *
 * then closes the connection: one request per connection. */
#ifndef APROXY_SECRETS_SOCKET_H
#define APROXY_SECRETS_SOCKET_H

#include <stddef.h>

#include "platform.h"
#include "secrets_request.h"
#include "session.h"
#include "tpm_client.h"

#define SECRETS_SOCKET "/run/aproxy/secrets.sock"
#define SECRETS_REQUEST_WAIT_MS 10000 /* for the request line after connecting */

/* What a release needs: the port session, the platform provider and the
 * measured vTPM (NULL if it did not start: then every request gets
 * `ERR failed` with unavailable). */
struct secrets_source {
    struct session *s;
    struct platform *p;
    struct tpmc *t;
    char unavailable[WHY_MAX];
};

/* Serves the client connected on fd (reads its request, bounded in size
 * and time, answers) and closes fd.  A client that misbehaves or goes away
 * costs aproxy nothing beyond a log line. */
void secrets_serve_client(struct secrets_source *src, int fd);

#endif
