/* The workloads' secrets socket (secrets_socket.h). */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "peer_program.h"
#include "secret.h"
#include "secrets_socket.h"
#include "stage2.h"

_Static_assert(SECRETS_WHY_MAX == WHY_MAX, "secrets_request.h's reasons are session.h's");

long secrets_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void secrets_clients_init(struct secrets_clients *cs)
{
    for (int i = 0; i < SECRETS_CLIENTS_MAX; i++)
        cs->c[i].fd = -1;
}

struct secrets_client *secrets_client_slot(struct secrets_clients *cs)
{
    for (int i = 0; i < SECRETS_CLIENTS_MAX; i++)
        if (cs->c[i].fd < 0)
            return &cs->c[i];
    return NULL;
}

void secrets_client_start(struct secrets_client *c, int fd)
{
    /* non-blocking: a client that stops reading must not stall aproxy in write */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    c->fd = fd;
    c->answering = false;
    c->deadline_ms = secrets_now_ms() + SECRETS_REQUEST_WAIT_MS;
    c->n = c->dropped = c->out_len = c->out_off = 0;
    c->resource[0] = 0;
}

short secrets_client_events(const struct secrets_client *c)
{
    return c->answering ? POLLOUT : POLLIN;
}

static void client_done(struct secrets_client *c)
{
    OPENSSL_cleanse(c->out, sizeof(c->out));
    close(c->fd);
    c->fd = -1;
}

/* Queues "ERR reason text\n" as c's answer (one line, whatever the KBS said). */
static void answer_error(struct secrets_client *c, const char *reason, const char *text)
{
    int n = snprintf((char *)c->out, WHY_MAX, "ERR %s ", reason);
    for (const char *t = text; *t && n < WHY_MAX + 30; t++)
        c->out[n++] = (unsigned char)*t < 0x20 ? ' ' : (uint8_t)*t;
    c->out[n++] = '\n';
    c->out_len = (size_t)n;
    c->resource[0] = 0; /* nothing to log once it is out */
}

/* The reason word of an answer to a failed release, from the host's code. */
static const char *failure_reason(const struct session *s)
{
    return s->last_error == MSGERR_REFUSED ? "refused" : s->last_error == MSGERR_KBS_DOWN ? "unreachable" : "failed";
}

/* Whether the program that connected c may ask (src->allow); 0, or -1
 * with why. */
static int check_allowed(const struct secrets_source *src, const struct secrets_client *c, char why[WHY_MAX])
{
    if (!src->n_allow)
        return 0;
    char program[PEER_PROGRAM_MAX];
    if (peer_program(c->fd, program, why) < 0)
        return -1;
    for (int i = 0; i < src->n_allow; i++)
        if (!strcmp(program, src->allow[i]))
            return 0;
    snprintf(why, WHY_MAX, "%.256s is not a program allowed to ask for secrets (aproxy --secrets-allow)", program);
    return -1;
}

/* The request line is whole (len bytes): decides and queues the answer. */
static void decide(struct secrets_source *src, struct secrets_client *c, size_t len)
{
    char resource[SECRETS_REQUEST_MAX], why[WHY_MAX];
    if (check_allowed(src, c, why) < 0) {
        fprintf(stderr, "aproxy: secrets: denied: %s\n", why);
        return answer_error(c, "denied", why);
    }
    if (secrets_parse_request(c->line, len, resource, why) < 0) {
        fprintf(stderr, "aproxy: secrets: malformed request: %s\n", why);
        return answer_error(c, "malformed", why);
    }
    long n = -1;
    if (!src->t)
        snprintf(why, WHY_MAX, "stage 2 is unavailable: %.400s", src->unavailable);
    else
        n = stage2_secret(src->s, src->p, src->t, resource, c->out + 32, why);
    if (n < 0) {
        const char *reason = src->t ? failure_reason(src->s) : "failed";
        fprintf(stderr, "aproxy: secrets: %s: %s: %s\n", resource, reason, why);
        return answer_error(c, reason, why);
    }
    /* the head goes right before the resource, which stage2_secret put at 32 */
    char head[32];
    int h = snprintf(head, sizeof(head), "OK %ld\n", n);
    memmove(c->out + 32 - h, head, (size_t)h);
    c->out_off = 32 - (size_t)h;
    c->out_len = 32 + (size_t)n;
    snprintf(c->resource, sizeof(c->resource), "%s", resource);
}

/* Reads what the client sent; once the request line is whole (or cannot
 * be), the answer is queued.  The line over its limit is read to its newline
 * (dropped) before the refusal, as the counter relay does: a client still
 * writing when its connection is closed would see a reset, not the answer. */
static void read_request(struct secrets_source *src, struct secrets_client *c)
{
    char sink[512], why[WHY_MAX];
    bool in_line = c->n < SECRETS_REQUEST_MAX;
    char *into = in_line ? c->line + c->n : sink;
    size_t room = in_line ? SECRETS_REQUEST_MAX - c->n : sizeof(sink);
    ssize_t got = read(c->fd, into, room);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (got <= 0) {
        snprintf(why, WHY_MAX, "the client went away before its request's newline%s%s", got < 0 ? ": " : "",
                 got < 0 ? strerror(errno) : "");
        fprintf(stderr, "aproxy: secrets: malformed request: %s\n", why);
        return client_done(c);
    }
    char *nl = memchr(into, '\n', (size_t)got);
    if (in_line && nl)
        decide(src, c, (size_t)(nl - c->line));
    else {
        if (in_line)
            c->n += (size_t)got;
        else
            c->dropped += (size_t)got;
        if (c->n < SECRETS_REQUEST_MAX || (!nl && c->dropped <= 65536))
            return;
        snprintf(why, WHY_MAX, "request line over %d bytes", SECRETS_REQUEST_MAX);
        fprintf(stderr, "aproxy: secrets: malformed request: %s\n", why);
        answer_error(c, "malformed", why);
    }
    c->answering = true;
    c->deadline_ms = secrets_now_ms() + SECRETS_ANSWER_WAIT_MS;
}

/* Writes what the socket takes of the answer; the slot is freed once it is
 * all out or the client is gone. */
static void write_answer(struct secrets_client *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        if (w <= 0) {
            if (c->resource[0])
                fprintf(stderr, "aproxy: secrets: %s: the client went away before its answer: %s\n", c->resource,
                        strerror(errno));
            return client_done(c);
        }
        c->out_off += (size_t)w;
    }
    if (c->resource[0])
        fprintf(stderr, "aproxy: secrets: released %s (%zu bytes) to a workload after stage-2 attestation\n",
                c->resource, c->out_len - 32);
    client_done(c);
}

void secrets_client_ready(struct secrets_source *src, struct secrets_client *c)
{
    if (!c->answering)
        read_request(src, c);
    if (c->fd >= 0 && c->answering)
        write_answer(c);
}

int secrets_clients_expire(struct secrets_clients *cs)
{
    long now = secrets_now_ms(), next = -1;
    for (int i = 0; i < SECRETS_CLIENTS_MAX; i++) {
        struct secrets_client *c = &cs->c[i];
        if (c->fd >= 0 && now >= c->deadline_ms) {
            if (c->answering) {
                fprintf(stderr, "aproxy: secrets: %s: the client did not take its answer within %d s\n",
                        c->resource[0] ? c->resource : "an error", SECRETS_ANSWER_WAIT_MS / 1000);
                client_done(c);
                continue;
            }
            char why[WHY_MAX];
            snprintf(why, WHY_MAX, "no request line within %d s", SECRETS_REQUEST_WAIT_MS / 1000);
            fprintf(stderr, "aproxy: secrets: malformed request: %s\n", why);
            answer_error(c, "malformed", why);
            c->answering = true;
            c->deadline_ms = now + SECRETS_ANSWER_WAIT_MS;
            write_answer(c);
        }
        if (c->fd >= 0 && (next < 0 || c->deadline_ms - now < next))
            next = c->deadline_ms - now;
    }
    return next < 0 ? -1 : next > 0 ? (int)next : 0;
}
