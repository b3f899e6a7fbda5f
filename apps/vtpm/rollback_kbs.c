/* The KBS's rollback counter, reached through a relay (rollback.h,
 * counter_msg.h): one request line out, one answer line back.  The relay is
 * either inherited (fd=IN,OUT: aproxy started the vtpm), started here
 * (exec=PROG, restarted if it dies) or a local socket (unix=PATH: aproxy's
 * counter relay in the service VM, reconnected if the channel breaks).  Unreached KBSs are retried with
 * back-off (0.25 s doubling, 6 tries, about 8 s) and each failure is logged. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "log.h"
#include "rollback.h"

enum { ANSWER_TIMEOUT_MS = 15000, TRIES = 6, FIRST_BACKOFF_MS = 250 };

extern char **environ;

/* The relay channel and the MAC key; main loop only. */
static struct {
    int in, out;            /* we read answers from `in`, write requests to `out` */
    const char *prog;       /* exec=: the relay program, else NULL */
    const char *path;       /* unix=: the relay's socket, else NULL (in == out when connected) */
    pid_t pid;              /* exec=: the running relay, or 0 */
    char instance[COUNTER_NAME_MAX + 1];
    uint8_t key[COUNTER_KEY_LEN];
    bool have_key;
} kbs = {.in = -1, .out = -1};

int counter_kbs_set_key(const uint8_t *key, size_t len)
{
    if (counter_mac_key(key, len, kbs.key) < 0) {
        log_error("rollback: deriving the counter key failed");
        return -1;
    }
    kbs.have_key = true;
    return 0;
}

static void stop_relay(void)
{
    if (kbs.in >= 0)
        close(kbs.in);
    if (kbs.out >= 0 && kbs.out != kbs.in)
        close(kbs.out);
    kbs.in = kbs.out = -1;
    if (kbs.pid > 0) {
        kill(kbs.pid, SIGTERM);
        waitpid(kbs.pid, NULL, 0);
    }
    kbs.pid = 0;
}

/* exec=: starts the relay with a pipe on each of its stdin and stdout. */
static int start_relay(void)
{
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(from, O_CLOEXEC) < 0) {
        close(to[0]);
        close(to[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from[1], 1);
    char *argv[] = {(char *)kbs.prog, NULL};
    int r = posix_spawn(&kbs.pid, kbs.prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(to[0]);
    close(from[1]);
    if (r != 0) {
        log_error("rollback: starting the relay %s: %s", kbs.prog, strerror(r));
        close(to[1]);
        close(from[0]);
        kbs.pid = 0;
        return -1;
    }
    kbs.out = to[1];
    kbs.in = from[0];
    return 0;
}

/* unix=: connects to the relay's socket; one descriptor both ways. */
static int connect_relay(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", kbs.path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    kbs.in = kbs.out = fd;
    return 0;
}

/* Reads one line (without its newline) within the timeout; its length or -1. */
static ssize_t read_line(char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        struct pollfd p = {.fd = kbs.in, .events = POLLIN};
        int r = poll(&p, 1, ANSWER_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        /* byte by byte: the answer is short, and nothing after its newline
         * may be consumed (it would belong to the next answer) */
        ssize_t got = read(kbs.in, buf + n, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        if (buf[n] == '\n')
            return (ssize_t)n;
        if (++n >= cap)
            return -1;
    }
}

static bool write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* One exchange, retried while the KBS is not reached.  Returns the answer's
 * classification; *cur is set for ANSWER_OK and ANSWER_REFUSED. */
static enum counter_answer exchange(const struct counter_value *next, struct counter_value *cur)
{
    char req[COUNTER_LINE_MAX], ans[COUNTER_LINE_MAX], why[160] = "";
    enum counter_answer a = ANSWER_UNREACHED;
    unsigned backoff = FIRST_BACKOFF_MS;
    for (int t = 1; t <= TRIES; t++) {
        uint8_t nonce[COUNTER_NONCE_LEN];
        if (RAND_bytes(nonce, sizeof(nonce)) != 1 ||
            !counter_request(req, sizeof(req), kbs.instance, nonce, next))
            return ANSWER_ERROR;
        bool broken = true; /* the channel itself failed, not the KBS behind it */
        if (kbs.in < 0 && kbs.prog && start_relay() < 0)
            snprintf(why, sizeof(why), "relay %s does not start", kbs.prog);
        else if (kbs.in < 0 && kbs.path && connect_relay() < 0)
            snprintf(why, sizeof(why), "relay socket %s: %s", kbs.path, strerror(errno));
        else if (kbs.in < 0)
            snprintf(why, sizeof(why), "the relay channel is closed");
        else if (!write_all(kbs.out, req, strlen(req)))
            snprintf(why, sizeof(why), "writing to the relay: %s", strerror(errno));
        else {
            ssize_t n = read_line(ans, sizeof(ans));
            if (n < 0)
                snprintf(why, sizeof(why), "no answer line from the relay within %d s",
                         ANSWER_TIMEOUT_MS / 1000);
            else
                a = counter_answer_parse(ans, (size_t)n, kbs.key, kbs.instance, nonce, cur, why,
                                         sizeof(why));
            if (n >= 0 && a != ANSWER_UNREACHED)
                return a;
            broken = n < 0;
        }
        /* A broken channel may be out of step (a late answer would pair with
         * the next request): an exec'd relay is restarted, a socket
         * reconnected, an inherited one kept, since nothing else could
         * restore it. */
        if (broken && (kbs.prog || kbs.path))
            stop_relay();
        log_error("rollback: KBS counter %s not reached (try %d of %d): %s", kbs.instance, t,
                  TRIES, why);
        if (t < TRIES)
            sleep_ms(backoff);
        backoff *= 2;
    }
    return ANSWER_UNREACHED;
}

static int report(enum counter_answer a, const char *what)
{
    if (a == ANSWER_FORGED)
        log_error("rollback: KBS counter %s: %s answer refused: it does not authenticate",
                  kbs.instance, what);
    else if (a == ANSWER_ERROR)
        log_error("rollback: KBS counter %s: %s failed", kbs.instance, what);
    return -1;
}

static int kbs_read(struct counter_value *cur)
{
    enum counter_answer a = exchange(NULL, cur);
    return a == ANSWER_OK ? 0 : report(a, "read");
}

static int kbs_advance(const struct counter_value *next, struct counter_value *cur)
{
    enum counter_answer a = exchange(next, cur);
    if (a == ANSWER_OK)
        /* a 200 must name exactly this write: the MAC covers value and tag */
        return cur->value == next->value && !memcmp(cur->tag, next->tag, COUNTER_TAG_LEN) ? 0 : 1;
    if (a == ANSWER_REFUSED)
        return 1;
    return report(a, "advance");
}

static const struct counter_backend kbs_backend = {"KBS", kbs_read, kbs_advance};

/* Parses "fd=IN,OUT", "exec=PROG" or "unix=PATH", then ",instance=NAME" (default vtpm). */
const struct counter_backend *counter_kbs_open(const char *spec)
{
    static char copy[1024];
    if (snprintf(copy, sizeof(copy), "%s", spec) >= (int)sizeof(copy))
        return NULL;
    snprintf(kbs.instance, sizeof(kbs.instance), "vtpm");
    char *inst = strstr(copy, ",instance=");
    if (inst) {
        *inst = 0;
        inst += strlen(",instance=");
        if (!counter_name_valid(inst)) {
            log_error("--rollback-counter: instance '%s': want [A-Za-z0-9._-]{1,64}", inst);
            return NULL;
        }
        snprintf(kbs.instance, sizeof(kbs.instance), "%s", inst);
    }
    int in, out, end = 0;
    if (sscanf(copy, "fd=%d,%d%n", &in, &out, &end) == 2 && !copy[end] && in >= 0 && out >= 0) {
        if (fcntl(in, F_GETFD) < 0 || fcntl(out, F_GETFD) < 0) {
            log_error("--rollback-counter: descriptor %d or %d is not open", in, out);
            return NULL;
        }
        kbs.in = in;
        kbs.out = out;
    } else if (!strncmp(copy, "exec=", 5) && copy[5] == '/') {
        kbs.prog = copy + 5;
    } else if (!strncmp(copy, "unix=", 5) && copy[5] == '/' &&
               strlen(copy + 5) < sizeof(((struct sockaddr_un *)0)->sun_path)) {
        kbs.path = copy + 5;
    } else {
        log_error("--rollback-counter kbs: want fd=IN,OUT, exec=/PATH or unix=/PATH, then optionally "
                  ",instance=NAME; got '%s'", spec);
        return NULL;
    }
    /* a relay that died must be a failed write, not the vtpm's death */
    signal(SIGPIPE, SIG_IGN);
    return &kbs_backend;
}
