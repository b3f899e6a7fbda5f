/*
 * sockets: AF_UNIX socket churn.
 *
 *   sockets ROUNDS [PAIRS]
 *
 * The main process listens on an abstract stream name and an abstract
 * seqpacket name.  Each round forks a client (at most PAIRS, default 4,
 * alive at a time) that connects to one of them (alternating);
 * the main process accepts it and hands it to a server thread, which
 *
 *   1. passes the client, with SCM_RIGHTS, the write end of a fresh pipe
 *      and one end of a fresh socketpair (the "witness" pair);
 *   2. echoes the client's records (a header with sequence, length and
 *      checksum, then 1 to 6000 bytes) while the client's writer thread
 *      sends them and its main thread checks every echoed byte;
 *   3. then checks the descriptors it passed were closed: the pipe sees the
 *      client's token and then EOF, the witness pair's other end EOF.
 *
 * Every third client never takes the descriptors (it reads the greeting
 * with read(2), so the kernel closes them); every fourth is SIGKILLed by
 * its server thread mid-transfer, whose reads must then end with EOF or
 * ECONNRESET, never hang.  Every exit status is checked: 0, or SIGKILL for
 * the killed ones.
 */
#include "stress.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PAIRS 16
#define MAX_PAYLOAD 6000
#define GREETING "HELO"

struct header {
    uint32_t seq, len;
    uint64_t check;
};

static uint64_t checksum(const struct header *h, const unsigned char *p)
{
    uint64_t s = ((uint64_t)h->seq << 32 | h->len) + 1;
    for (uint32_t i = 0; i < h->len; i++)
        s = (s ^ p[i]) * 0x100000001b3ull;
    return s;
}

static pid_t server_pid; /* names the listeners, for the clients too */

static socklen_t listen_name(struct sockaddr_un *a, int type)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "stress-sockets-%d-%d", (int)server_pid, type);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* socket(2) and socketpair(2), retried while the kernel lacks memory. */
static int socket_retry(int type)
{
    int fd;
    while ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) < 0 && stress_transient(errno))
        stress_backoff("socket");
    return fd;
}

static int socketpair_retry(int sv[2])
{
    int r;
    while ((r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) < 0 && stress_transient(errno))
        stress_backoff("socketpair");
    return r;
}

/* Reads one record (header and payload) from a stream in pieces of random
 * size, or from a seqpacket socket whole: 1, 0 at EOF, -1 with errno. */
static int read_record(int fd, int type, struct header *h, unsigned char *p, uint64_t *seed)
{
    if (type == SOCK_SEQPACKET) {
        unsigned char buf[sizeof *h + MAX_PAYLOAD];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            return (int)n;
        if ((size_t)n < sizeof *h) {
            errno = EPROTO;
            return -1;
        }
        memcpy(h, buf, sizeof *h);
        if (h->len != (size_t)n - sizeof *h) {
            errno = EMSGSIZE;
            return -1;
        }
        memcpy(p, buf + sizeof *h, h->len);
        return 1;
    }
    ssize_t n = stress_read_full(fd, h, sizeof *h);
    if (n <= 0)
        return (int)n;
    if (n != sizeof *h || h->len > MAX_PAYLOAD) {
        errno = EPROTO;
        return -1;
    }
    for (uint32_t got = 0; got < h->len;) {
        size_t want = 1 + stress_rand(seed) % (h->len - got);
        ssize_t r = recv(fd, p + got, want, (stress_rand(seed) & 1) ? MSG_WAITALL : 0);
        if (r <= 0) {
            if (r == 0)
                errno = EPROTO; /* cut inside a record */
            return -1;
        }
        got += (uint32_t)r;
    }
    return 1;
}

static int send_record(int fd, const struct header *h, const unsigned char *p)
{
    unsigned char buf[sizeof *h + MAX_PAYLOAD];
    memcpy(buf, h, sizeof *h);
    memcpy(buf + sizeof *h, p, h->len);
    size_t len = sizeof *h + h->len, off = 0;
    while (off < len) {
        ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOMEM) {
            stress_backoff("send"); /* the kernel could not queue the message yet */
            continue;
        }
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

/* ------------------------------------------------------------ client -- */

struct client {
    int fd, type, records;
    uint64_t seed;
    int err;
};

static void make_record(uint64_t *seed, uint32_t seq, struct header *h, unsigned char *p)
{
    h->seq = seq;
    h->len = 1 + (uint32_t)(stress_rand(seed) % MAX_PAYLOAD);
    for (uint32_t i = 0; i < h->len; i++)
        p[i] = (unsigned char)stress_rand(seed);
    h->check = checksum(h, p);
}

static void *client_writer(void *arg)
{
    struct client *c = arg;
    uint64_t seed = c->seed;
    static __thread unsigned char p[MAX_PAYLOAD];
    for (int seq = 0; seq < c->records; seq++) {
        struct header h;
        make_record(&seed, (uint32_t)seq, &h, p);
        if (send_record(c->fd, &h, p)) {
            c->err = errno;
            return NULL;
        }
    }
    return NULL;
}

/* Receives the greeting and the two passed descriptors (unless told to
 * leave them to the kernel): 0 or an exit status. */
static int client_greeting(int fd, bool take, int *pipe_w, int *witness)
{
    char buf[8];
    *pipe_w = *witness = -1;
    if (!take) {
        ssize_t n = read(fd, buf, sizeof GREETING - 1); /* no control buffer: the kernel closes them */
        return n == sizeof GREETING - 1 && !memcmp(buf, GREETING, n) ? 0 : 20;
    }
    char ctl[CMSG_SPACE(2 * sizeof(int))];
    struct iovec iov = {buf, sizeof GREETING - 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    if (n != sizeof GREETING - 1 || memcmp(buf, GREETING, (size_t)n) || !h || h->cmsg_type != SCM_RIGHTS ||
        h->cmsg_len != CMSG_LEN(2 * sizeof(int)) || (m.msg_flags & MSG_CTRUNC))
        return 21;
    int fds[2];
    memcpy(fds, CMSG_DATA(h), sizeof fds);
    *pipe_w = fds[0];
    *witness = fds[1];
    return 0;
}

static int client_main(int type, int records, bool take, uint64_t seed)
{
    struct sockaddr_un a;
    socklen_t alen = listen_name(&a, type);
    a.sun_path[sizeof a.sun_path - 1] = 0;
    int fd = socket_retry(type);
    if (fd < 0)
        return 10;
    while (connect(fd, (struct sockaddr *)&a, alen)) {
        if (!stress_transient(errno) && errno != EINTR)
            return 11;
        usleep(1000);
    }
    int pipe_w, witness;
    int r = client_greeting(fd, take, &pipe_w, &witness);
    if (r)
        return r;
    struct client c = {fd, type, records, seed, 0};
    pthread_t t;
    if (pthread_create(&t, NULL, client_writer, &c))
        return 12;
    uint64_t check_seed = seed, piece_seed = seed ^ 0x5555;
    static unsigned char want[MAX_PAYLOAD], got[MAX_PAYLOAD];
    for (int seq = 0; seq < records; seq++) {
        struct header hw, hg;
        make_record(&check_seed, (uint32_t)seq, &hw, want);
        if (read_record(fd, type, &hg, got, &piece_seed) != 1)
            return 13;
        if (memcmp(&hw, &hg, sizeof hw) || memcmp(want, got, hw.len) || checksum(&hg, got) != hg.check)
            return 14;
    }
    pthread_join(t, NULL);
    if (c.err)
        return 15;
    if (take && write(pipe_w, "K", 1) != 1)
        return 16;
    return 0;
}

/* ------------------------------------------------------------ server -- */

struct session {
    int fd, type, round;
    pid_t pid;
    bool take, kill;
    int records, kill_at;
    int pipe_r, witness;
    pthread_t thread;
    bool failed;
};

static void session_fail(struct session *s, const char *what)
{
    stress_fail("round %d (%s%s%s): %s: %s", s->round, s->type == SOCK_STREAM ? "stream" : "seqpacket",
                s->take ? "" : ", fds left", s->kill ? ", killed" : "", what, strerror(errno));
    s->failed = true;
}

/* Whether fd reads EOF within 60 s (draining what comes before it). */
static bool reaches_eof(int fd, char *first)
{
    for (int waited = 0; waited < 600; waited++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) < 0 && errno != EINTR)
            return false;
        if (!(p.revents & (POLLIN | POLLHUP)))
            continue;
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n == 0)
            return true;
        if (n < 0 && errno != EINTR && errno != EAGAIN && errno != ECONNRESET)
            return false;
        if (n == 1 && first && !*first)
            *first = c;
    }
    errno = ETIMEDOUT;
    return false;
}

static void *server_session(void *arg)
{
    struct session *s = arg;
    int p[2], w[2];
    if (stress_pipe(p, O_CLOEXEC) || socketpair_retry(w)) {
        session_fail(s, "pipe or socketpair");
        return NULL;
    }
    s->pipe_r = p[0];
    s->witness = w[0];
    char ctl[CMSG_SPACE(2 * sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {GREETING, sizeof GREETING - 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(2 * sizeof(int));
    memcpy(CMSG_DATA(h), (int[]){p[1], w[1]}, 2 * sizeof(int));
    ssize_t sent;
    while ((sent = sendmsg(s->fd, &m, MSG_NOSIGNAL)) < 0 && errno == ENOMEM)
        stress_backoff("sendmsg");
    if (sent != sizeof GREETING - 1) {
        session_fail(s, "sendmsg with descriptors");
        return NULL;
    }
    close(p[1]);
    close(w[1]);
    uint64_t seed = (uint64_t)s->round * 7919 + 1;
    static __thread unsigned char buf[MAX_PAYLOAD];
    bool peer_gone = false;
    for (int seq = 0; seq < s->records; seq++) {
        struct header hd;
        if (s->kill && seq == s->kill_at)
            kill(s->pid, SIGKILL);
        int r = read_record(s->fd, s->type, &hd, buf, &seed);
        if (r <= 0 && s->kill && seq >= s->kill_at && (r == 0 || errno == ECONNRESET || errno == EPROTO)) {
            peer_gone = true; /* the killed client's connection ends: never a hang */
            break;
        }
        if (r != 1) {
            session_fail(s, r == 0 ? "EOF before the last record" : "read_record");
            return NULL;
        }
        if (hd.seq != (uint32_t)seq || checksum(&hd, buf) != hd.check) {
            errno = EPROTO;
            session_fail(s, "a record arrived torn or out of order");
            return NULL;
        }
        if (send_record(s->fd, &hd, buf)) {
            if (s->kill && (errno == EPIPE || errno == ECONNRESET)) {
                peer_gone = true;
                break;
            }
            session_fail(s, "echo");
            return NULL;
        }
    }
    if (s->kill && !peer_gone && !reaches_eof(s->fd, NULL)) {
        session_fail(s, "the killed client's connection never ended");
        return NULL;
    }
    return NULL;
}

/* After the client is reaped: what was passed to it must be closed. */
static void session_finish(struct session *s, int status)
{
    /* A killed client cannot have finished: it waits for the echo of the
     * record its server had not read yet. */
    if (s->kill ? !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) : !(WIFEXITED(status) && !WEXITSTATUS(status))) {
        errno = 0;
        char what[64];
        snprintf(what, sizeof what, "client ended with wait status %#x", status);
        session_fail(s, what);
    }
    char token = 0;
    if (!s->failed && !reaches_eof(s->pipe_r, &token))
        session_fail(s, "the passed pipe end was never closed");
    else if (!s->failed && !s->kill && s->take && token != 'K')
        session_fail(s, "the client's token did not come through the passed pipe");
    if (!s->failed && !reaches_eof(s->witness, NULL))
        session_fail(s, "the passed socket was never closed");
    close(s->pipe_r);
    close(s->witness);
    close(s->fd);
}

/* Accepts the connection of client pid, which may fail before it connects:
 * the fd, or -1 with the failure recorded. */
static int accept_client(int l, pid_t pid)
{
    for (;;) {
        struct pollfd p = {l, POLLIN, 0};
        if (poll(&p, 1, 100) == 1) {
            int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0)
                return fd;
            if (errno == EINTR || errno == EAGAIN)
                continue;
            if (!stress_transient(errno)) {
                stress_fail("accept: %s", strerror(errno));
                return -1;
            }
            stress_backoff("accept");
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            stress_fail("a client ended before it connected, wait status %#x", st);
            return -1;
        }
    }
}

static int make_listener(int type)
{
    struct sockaddr_un a;
    socklen_t alen = listen_name(&a, type);
    int l = socket_retry(type);
    if (l < 0 || bind(l, (struct sockaddr *)&a, alen) || listen(l, 8))
        return -1;
    return l;
}

int main(int argc, char **argv)
{
    long rounds = stress_begin("sockets", argc, argv);
    long max_alive = argc > 2 ? strtol(argv[2], NULL, 0) : 4;
    if (max_alive < 1 || max_alive > MAX_PAIRS)
        max_alive = 4;
    signal(SIGPIPE, SIG_IGN);
    server_pid = getpid();
    int listeners[2] = {make_listener(SOCK_STREAM), make_listener(SOCK_SEQPACKET)};
    if (listeners[0] < 0 || listeners[1] < 0) {
        stress_fail("listen: %s", strerror(errno));
        return stress_end(0);
    }
    struct session *alive[MAX_PAIRS];
    long nalive = 0, started = 0, ended = 0;
    uint64_t seed = 42;
    while ((started < rounds || nalive) && !(stress_failed() && !nalive)) {
        if (nalive < max_alive && started < rounds && !stress_failed()) {
            struct session *s = calloc(1, sizeof *s);
            if (!s) {
                stress_backoff("calloc");
                continue;
            }
            s->round = (int)started;
            s->type = started % 2 ? SOCK_SEQPACKET : SOCK_STREAM;
            s->take = started % 3 != 2;
            s->kill = started % 4 == 3;
            s->records = 8 + (int)(stress_rand(&seed) % 24);
            s->kill_at = (int)(stress_rand(&seed) % (uint64_t)s->records);
            uint64_t cseed = stress_rand(&seed) | 1;
            pid_t pid = stress_fork();
            if (pid == 0) {
                for (int k = 0; k < 2; k++)
                    close(listeners[k]);
                _exit(client_main(s->type, s->records, s->take, cseed));
            }
            if (pid < 0) {
                free(s);
                break;
            }
            s->pid = pid;
            int fd = accept_client(listeners[s->type == SOCK_SEQPACKET], pid);
            s->fd = fd;
            if (fd < 0 || pthread_create(&s->thread, NULL, server_session, s)) {
                if (fd >= 0)
                    stress_fail("pthread_create");
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0); /* or reaped already by accept_client */
                free(s);
                break;
            }
            alive[nalive++] = s;
            started++;
            continue;
        }
        /* Full, or all started: finish the oldest session. */
        struct session *s = alive[0];
        memmove(alive, alive + 1, (size_t)(--nalive) * sizeof *alive);
        pthread_join(s->thread, NULL);
        if (s->failed)
            kill(s->pid, SIGKILL); /* do not wait for a client its server gave up on */
        int st = stress_wait(s->pid);
        session_finish(s, st);
        free(s);
        ended++;
    }
    return stress_end(ended);
}
