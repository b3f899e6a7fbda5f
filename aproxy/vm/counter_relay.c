/* The counter relay (counter_relay.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counter_relay.h"
#include "json_scan.h"
#include "wire.h"

/* {"status":0,"error":why} + newline; why made JSON-safe (no quote,
 * backslash or control character survives). */
static void write_error(int fd, const char *why)
{
    char line[WHY_MAX + 64];
    int n = snprintf(line, sizeof(line), "{\"status\":0,\"error\":\"");
    for (const char *c = why; *c && n < (int)sizeof(line) - 4; c++)
        line[n++] = *c == '"' || *c == '\\' || (unsigned char)*c < 0x20 ? '\'' : *c;
    n += snprintf(line + n, sizeof(line) - (size_t)n, "\"}\n");
    wire_write(fd, (const uint8_t *)line, (size_t)n); /* a client gone: its read loop sees EOF next */
}

/* The HTTP status in a relay answer line {"status":N,...}, or -1. */
static long answer_status(const char *line, size_t len)
{
    struct json_member m[4];
    size_t n;
    if (json_object_members(line, len, m, 4, &n) < 0)
        return -1;
    const struct json_member *st = json_find(m, n, "status");
    return st && st->kind == JSON_NUMBER ? strtol(st->value, NULL, 10) : -1;
}

/* The line to the host; the answer line in reply's F_LINE.  0, or -1 with why. */
static int ask_host(struct session *s, const char *line, size_t len, struct msg *reply, char why[WHY_MAX])
{
    struct msg req;
    msg_init(&req, MSG_COUNTER);
    msg_set_textn(&req, F_LINE, line, len);
    return session_call(s, &req, reply, why);
}

/* One request line to the host and its answer back to the client.  A client
 * that went away meanwhile loses its answer; its read loop sees EOF next. */
static void relay_line(struct counter_relay *r, int fd, const char *line, size_t len)
{
    struct msg reply;
    char why[WHY_MAX];
    int rc = ask_host(r->s, line, len, &reply, why);
    if (rc == 0 && answer_status((const char *)reply.f[F_LINE].p, reply.f[F_LINE].len) == 401) {
        /* The token is no longer good (a KBS restarted, a session expired):
         * the answer cannot be the counter's, so attest again and ask once
         * more; the vtpm sees only the second answer. */
        fprintf(stderr, "aproxy: counter relay: the KBS refused this session's token (401); attesting again\n");
        if (r->reattest(r->arg, why) < 0) {
            fprintf(stderr, "aproxy: counter relay: attesting again FAILED: %s\n", why);
            return write_error(fd, why);
        }
        fprintf(stderr, "aproxy: counter relay: attested again; relaying the request once more\n");
        rc = ask_host(r->s, line, len, &reply, why);
    }
    if (rc < 0) {
        fprintf(stderr, "aproxy: counter relay: %s\n", why);
        return write_error(fd, why);
    }
    if (wire_write(fd, reply.f[F_LINE].p, reply.f[F_LINE].len) == 0)
        wire_write(fd, (const uint8_t *)"\n", 1);
}

bool counter_client_feed(struct counter_relay *r, struct counter_client *c)
{
    char buf[512];
    ssize_t n = read(c->fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0)
        return false;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] != '\n') {
            if (c->len < COUNTER_LINE_MAX)
                c->line[c->len++] = buf[i];
            else
                c->too_long = true;
            continue;
        }
        if (c->too_long)
            write_error(c->fd, "counter line over 2048 bytes");
        else if (c->len < 2 || memchr(c->line, 0, c->len))
            write_error(c->fd, "malformed counter line: empty, or with a NUL byte");
        else
            relay_line(r, c->fd, c->line, c->len);
        c->len = 0;
        c->too_long = false;
    }
    return true;
}
