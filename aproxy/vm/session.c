/* The port conversation (session.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "wire.h"

/* Sends req.  0, or -1 with why (host_absent set if nobody is connected). */
static int send_request(struct session *s, const struct msg *req, char why[WHY_MAX])
{
    size_t n = msg_encode(req, s->out, sizeof(s->out));
    if (n == 0) {
        snprintf(why, WHY_MAX, "the '%s' request does not fit the schema's limits", msg_type_name(req->type));
        return -1;
    }
    s->host_absent = false;
    s->last_error = 0;
    if (wire_write(s->fd, s->out, n) < 0) {
        /* the port says EPIPE while no host program is connected to it */
        s->host_absent = errno == EPIPE;
        snprintf(why, WHY_MAX, "writing to the host: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads one reply, of any type (an `error` included).  0, or -1 with why. */
static int read_reply(struct session *s, struct msg *reply, char why[WHY_MAX])
{
    size_t len;
    enum wire_status st = wire_read(s->fd, s->in, sizeof(s->in), &len);
    if (st == WIRE_TOO_LARGE) {
        snprintf(why, WHY_MAX, "the host's reply has %zu bytes (at most %d)", len, MSG_MAX);
        return -1;
    }
    if (st != WIRE_OK) {
        s->host_absent = st == WIRE_EOF; /* the host half hung up */
        snprintf(why, WHY_MAX, "reading from the host: %s", st == WIRE_EOF ? "end of stream" : strerror(errno));
        return -1;
    }
    char dwhy[MSG_WHY_MAX];
    if (msg_decode(s->in, len, false, reply, dwhy) < 0) {
        snprintf(why, WHY_MAX, "the host's reply is malformed: %s", dwhy);
        return -1;
    }
    return 0;
}

/* A host `error` reply as -1 with its message in why and its code in last_error. */
static int host_error(struct session *s, const struct msg *reply, char why[WHY_MAX])
{
    s->last_error = (unsigned)reply->f[F_CODE].u;
    snprintf(why, WHY_MAX, "%.*s", (int)reply->f[F_MESSAGE].len, (const char *)reply->f[F_MESSAGE].p);
    return -1;
}

int session_call(struct session *s, const struct msg *req, struct msg *reply, char why[WHY_MAX])
{
    if (send_request(s, req, why) < 0 || read_reply(s, reply, why) < 0)
        return -1;
    if (reply->type == MSG_ERROR)
        return host_error(s, reply, why);
    if (reply->type != req->type) {
        snprintf(why, WHY_MAX, "the host answered '%s' to '%s'", msg_type_name(reply->type),
                 msg_type_name(req->type));
        return -1;
    }
    return 0;
}

/* hello, and its answer.  An aproxy killed in the middle of a request
 * leaves the host's late reply in the port for the next opener (the
 * kernel keeps bytes that arrive while the port is closed), and the host
 * answers in order: so replies before the hello's are an earlier aproxy's
 * and are dropped, or every later request would get the answer to the one
 * before it.  An `error` about versions is the hello's own. */
static int hello(struct session *s, const struct msg *req, struct msg *reply, char why[WHY_MAX])
{
    if (send_request(s, req, why) < 0)
        return -1;
    for (int stale = 0; stale <= SESSION_STALE_MAX; stale++) {
        if (read_reply(s, reply, why) < 0)
            return -1;
        if (reply->type == MSG_HELLO)
            return 0;
        if (reply->type == MSG_ERROR && reply->f[F_CODE].u == MSGERR_VERSION)
            return host_error(s, reply, why);
        fprintf(stderr, "aproxy: dropped a '%s' reply that an earlier aproxy left unread\n",
                msg_type_name(reply->type));
    }
    snprintf(why, WHY_MAX, "no answer to hello among %d replies", SESSION_STALE_MAX + 1);
    return -1;
}

/* The port's descriptor: "fd:N" is inherited (how the host tests run this
 * program); a path is opened, waiting up to wait_s seconds for the device
 * to appear.  -1 with why. */
static int open_port(const char *port, int wait_s, char why[WHY_MAX])
{
    if (!strncmp(port, "fd:", 3)) {
        char *end;
        long fd = strtol(port + 3, &end, 10);
        if (end == port + 3 || *end || fd < 0 || fd > 1023 || fcntl((int)fd, F_GETFD) < 0) {
            snprintf(why, WHY_MAX, "%s: not an open descriptor", port);
            return -1;
        }
        return (int)fd;
    }
    struct timespec tick = {.tv_nsec = 100 * 1000 * 1000};
    for (int tries = 0;; tries++) {
        int fd = open(port, O_RDWR | O_CLOEXEC);
        if (fd >= 0)
            return fd;
        if (errno != ENOENT || tries >= wait_s * 10) {
            snprintf(why, WHY_MAX, "%s: %s", port, strerror(errno));
            return -1;
        }
        nanosleep(&tick, NULL);
    }
}

int session_open(struct session *s, const char *port, int wait_s, int host_wait_s, const char *platform,
                 char why[WHY_MAX])
{
    s->fd = open_port(port, wait_s, why);
    if (s->fd < 0)
        return -1;
    struct msg req, reply;
    msg_init(&req, MSG_HELLO);
    unsigned nv = 0;
    for (unsigned v = APROXY_VERSION_MIN; v <= APROXY_VERSION; v++)
        req.items[nv++].u = v;
    msg_set_array(&req, F_VERSIONS, nv);
    msg_set_text(&req, F_PLATFORM, platform);
    struct timespec tick = {.tv_nsec = 200 * 1000 * 1000};
    for (int tries = 0; hello(s, &req, &reply, why) < 0; tries++) {
        if (!s->host_absent || tries >= host_wait_s * 5)
            return -1;
        if (tries == 0)
            fprintf(stderr, "aproxy: waiting up to %d s for the host half to connect to %s\n", host_wait_s, port);
        nanosleep(&tick, NULL);
    }
    if (reply.items[0].u < APROXY_VERSION_MIN || reply.items[0].u > APROXY_VERSION) {
        snprintf(why, WHY_MAX, "the host chose version %llu, which this side does not speak",
                 (unsigned long long)reply.items[0].u);
        return -1;
    }
    s->version = (unsigned)reply.items[0].u;
    return 0;
}

int session_attest_fetch(struct session *s, const struct msg *attest, const char *resource, char **jwe,
                         char why[WHY_MAX])
{
    struct msg req, reply;
    if (session_call(s, attest, &reply, why) < 0)
        return -1;
    msg_init(&req, MSG_RESOURCE);
    msg_set_text(&req, F_PATH, resource);
    if (session_call(s, &req, &reply, why) < 0)
        return -1;
    *jwe = strndup((const char *)reply.f[F_JWE].p, reply.f[F_JWE].len);
    if (!*jwe) {
        snprintf(why, WHY_MAX, "out of memory");
        return -1;
    }
    return 0;
}
