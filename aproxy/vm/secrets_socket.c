/* The workloads' secrets socket (secrets_socket.h). */
#include <errno.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secret.h"
#include "secrets_socket.h"
#include "stage2.h"
#include "wire.h"

_Static_assert(SECRETS_WHY_MAX == WHY_MAX, "secrets_request.h's reasons are session.h's");

static long ms_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The request line without its newline, within SECRETS_REQUEST_WAIT_MS; its
 * length, or -1 with why.  A line over the limit is read to its newline
 * (dropped) before the refusal, as the counter relay does: a client still
 * writing when its connection is closed would see a reset, not the answer. */
static long read_request(int fd, char *line, char why[WHY_MAX])
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t n = 0, dropped = 0;
    char sink[512];
    for (;;) {
        long left = SECRETS_REQUEST_WAIT_MS - ms_since(&t0);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            snprintf(why, WHY_MAX, "no request line within %d s", SECRETS_REQUEST_WAIT_MS / 1000);
            return -1;
        }
        char *into = n < SECRETS_REQUEST_MAX ? line + n : sink;
        size_t room = n < SECRETS_REQUEST_MAX ? SECRETS_REQUEST_MAX - n : sizeof(sink);
        ssize_t got = r < 0 ? -1 : read(fd, into, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            snprintf(why, WHY_MAX, "the client went away before its request's newline%s%s",
                     got < 0 ? ": " : "", got < 0 ? strerror(errno) : "");
            return -1;
        }
        char *nl = memchr(into, '\n', (size_t)got);
        if (into == line + n && nl)
            return nl - line;
        if (into == line + n)
            n += (size_t)got;
        else
            dropped += (size_t)got;
        if (n == SECRETS_REQUEST_MAX && (nl || dropped > 65536)) {
            snprintf(why, WHY_MAX, "request line over %d bytes", SECRETS_REQUEST_MAX);
            return -1;
        }
    }
}

static void answer_error(int fd, const char *reason, const char *text)
{
    char line[WHY_MAX + 32];
    int n = snprintf(line, sizeof(line), "ERR %s ", reason);
    for (const char *c = text; *c && n < (int)sizeof(line) - 2; c++)
        line[n++] = (unsigned char)*c < 0x20 ? ' ' : *c; /* one line, whatever the KBS said */
    line[n++] = '\n';
    wire_write(fd, (const uint8_t *)line, (size_t)n); /* a client gone: nothing more to tell it */
}

/* The reason word of an answer to a failed release, from the host's code. */
static const char *failure_reason(const struct session *s)
{
    return s->last_error == MSGERR_REFUSED ? "refused" : s->last_error == MSGERR_KBS_DOWN ? "unreachable" : "failed";
}

void secrets_serve_client(struct secrets_source *src, int fd)
{
    char line[SECRETS_REQUEST_MAX], resource[SECRETS_REQUEST_MAX], why[WHY_MAX];
    long n = read_request(fd, line, why);
    if (n < 0 || secrets_parse_request(line, (size_t)n, resource, why) < 0) {
        fprintf(stderr, "aproxy: secrets: malformed request: %s\n", why);
        answer_error(fd, "malformed", why);
        close(fd);
        return;
    }
    static uint8_t secret[SECRET_MAX];
    long len = -1;
    if (!src->t)
        snprintf(why, WHY_MAX, "stage 2 is unavailable: %.400s", src->unavailable);
    else
        len = stage2_secret(src->s, src->p, src->t, resource, secret, why);
    if (len < 0) {
        const char *reason = src->t ? failure_reason(src->s) : "failed";
        fprintf(stderr, "aproxy: secrets: %s: %s: %s\n", resource, reason, why);
        answer_error(fd, reason, why);
        close(fd);
        return;
    }
    char head[32];
    int h = snprintf(head, sizeof(head), "OK %ld\n", len);
    if (wire_write(fd, (const uint8_t *)head, (size_t)h) == 0 && wire_write(fd, secret, (size_t)len) == 0)
        fprintf(stderr, "aproxy: secrets: released %s (%ld bytes) to a workload after stage-2 attestation\n",
                resource, len);
    else
        fprintf(stderr, "aproxy: secrets: %s: the client went away before its answer: %s\n", resource,
                strerror(errno));
    OPENSSL_cleanse(secret, sizeof(secret));
    close(fd);
}
