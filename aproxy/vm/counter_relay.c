/* The counter relay (counter_relay.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "counter_relay.h"
#include "keyfile.h"

#define LINE_MAX_LEN 2048 /* the F_LINE limit (msg.c) and the vtpm's COUNTER_LINE_MAX */

int counter_relay_listen(const char *path, char why[WHY_MAX])
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path)) {
        snprintf(why, WHY_MAX, "%s: path too long for a socket", path);
        return -1;
    }
    strcpy(a.sun_path, path);
    if (keyfile_make_parents(path) < 0) {
        snprintf(why, WHY_MAX, "%s: cannot make its directory: %s", path, strerror(errno));
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, WHY_MAX, "socket: %s", strerror(errno));
        return -1;
    }
    unlink(path); /* a socket left by an earlier aproxy would make bind fail */
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(path, 0600) < 0 || listen(fd, 4) < 0) {
        snprintf(why, WHY_MAX, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void write_line(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the client went away; its read loop sees EOF next */
        p += n;
        len -= (size_t)n;
    }
}

/* {"status":0,"error":why} + newline; why made JSON-safe (no quote,
 * backslash or control character survives). */
static void write_error(int fd, const char *why)
{
    char line[WHY_MAX + 64];
    int n = snprintf(line, sizeof(line), "{\"status\":0,\"error\":\"");
    for (const char *c = why; *c && n < (int)sizeof(line) - 4; c++)
        line[n++] = *c == '"' || *c == '\\' || (unsigned char)*c < 0x20 ? '\'' : *c;
    n += snprintf(line + n, sizeof(line) - (size_t)n, "\"}\n");
    write_line(fd, line, (size_t)n);
}

/* One request line to the host and its answer back to the client. */
static void relay_line(struct session *s, int fd, const char *line, size_t len)
{
    struct msg req, reply;
    char why[WHY_MAX];
    msg_init(&req, MSG_COUNTER);
    msg_set_textn(&req, F_LINE, line, len);
    if (session_call(s, &req, &reply, why) < 0) {
        fprintf(stderr, "aproxy: counter relay: %s\n", why);
        return write_error(fd, why);
    }
    write_line(fd, (const char *)reply.f[F_LINE].p, reply.f[F_LINE].len);
    write_line(fd, "\n", 1);
}

/* Reads a client's lines until it closes.  Bytes past a too-long line's
 * limit are dropped up to its newline, which then gets one error answer. */
static void serve_client(struct session *s, int fd)
{
    static char line[LINE_MAX_LEN + 1], buf[512];
    size_t len = 0;
    bool too_long = false;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                if (len < LINE_MAX_LEN)
                    line[len++] = buf[i];
                else
                    too_long = true;
                continue;
            }
            if (too_long)
                write_error(fd, "counter line over 2048 bytes");
            else if (len < 2 || memchr(line, 0, len))
                write_error(fd, "malformed counter line: empty, or with a NUL byte");
            else
                relay_line(s, fd, line, len);
            len = 0;
            too_long = false;
        }
    }
}

_Noreturn void counter_relay_serve(struct session *s, int listen_fd)
{
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED) {
                fprintf(stderr, "aproxy: counter relay: accept: %s\n", strerror(errno));
                sleep(1); /* e.g. out of descriptors: do not spin */
            }
            continue;
        }
        serve_client(s, fd);
        close(fd);
    }
}
