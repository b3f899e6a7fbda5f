/* The VM half's conversation with the host half over the virtio-console port:
 * one request, one reply, in order (docs/aproxy.md). */
#ifndef APROXY_SESSION_H
#define APROXY_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "msg.h"

#define WHY_MAX 512
#define SESSION_STALE_MAX 4 /* replies an earlier aproxy may have left unread: it had one request open */

struct session {
    int fd;
    unsigned version;                 /* negotiated */
    bool host_absent;                 /* the last request found nobody on the host side, or it hung up */
    unsigned last_error;              /* the code of the host's last `error` reply (enum msg_error), or 0 */
    uint8_t out[4 + MSG_MAX];
    uint8_t in[MSG_MAX];              /* the last reply's fields point in here */
};

/* Opens the port ("fd:N": an inherited descriptor; else a path, waiting up to wait_s seconds for it to appear) and
 * negotiates the version, telling the host which platform provider is in
 * use.  0, or -1 with why. */
int session_open(struct session *s, const char *port, int wait_s, int host_wait_s, const char *platform,
                 char why[WHY_MAX]);

/* Sends req and reads the reply, which must be of req's type; a host error
 * becomes -1 with the host's message in why and its code in last_error.  The reply's fields stay valid
 * until the next call. */
int session_call(struct session *s, const struct msg *req, struct msg *reply, char why[WHY_MAX]);

/* Sends the attest request and, once the KBS accepted it, asks for resource;
 * *jwe gets the KBS's JWE text (malloc'd).  0, or -1 with why. */
int session_attest_fetch(struct session *s, const struct msg *attest, const char *resource, char **jwe,
                         char why[WHY_MAX]);

#endif
