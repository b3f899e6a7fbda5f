/* ABI checks: wake-ups of AF_UNIX sockets across CPUs.  nutshell wakes a
 * socket's sleepers, its poll(2) sleepers and its epoll waiters only once
 * the socket lock is released (kernel/net/unix_sock.c); these checks race
 * that window from two CPUs where there are two (the in-VM ABI boot runs on
 * -smp 2), on one CPU otherwise:
 *  - a ping-pong whose two ends sleep in read, poll and epoll_wait in turn:
 *    a wake-up lost between the lock and its deferred run leaves one end
 *    asleep for good (each wait is bounded by a 30 s guard, never a timing
 *    assertion);
 *  - a sender blocked on a full send buffer woken by the reader's drain;
 *  - the close of one end while the other is watched by read, poll and
 *    epoll at once: every one of them must see the hang-up (the closed
 *    socket's memory must outlive its deferred notification: the debug
 *    kernel's poisoning reports it if not);
 *  - a blocked reader that gets data and a signal at the same moment: with
 *    SA_RESTART it returns the data whichever comes first. */
#include "abi.h"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define GUARD_MS 30000

static int ncpus;
static int cpu_list[CPU_SETSIZE];

/* Pins the caller to the i-th CPU of the starting mask (wrapping around). */
static void pin_nth(int i)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu_list[i % ncpus], &s);
    sched_setaffinity(0, sizeof s, &s);
}

/* Gives the caller its starting mask back. */
static void unpin(void)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    for (int i = 0; i < ncpus; i++)
        CPU_SET(cpu_list[i], &s);
    sched_setaffinity(0, sizeof s, &s);
}

/* Waits until fd is readable by the way chosen: 0 blocking read (of one
 * byte, into *b), 1 poll, 2 epoll_wait on ep.  1 when ready (or read), 0 at
 * the guard, -1 on an error. */
static int wait_readable(int how, int fd, int ep, char *b)
{
    if (how == 0)
        return read(fd, b, 1) == 1 ? 1 : -1;
    if (how == 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, GUARD_MS);
        return r < 0 ? -1 : r;
    }
    struct epoll_event e;
    int r = epoll_wait(ep, &e, 1, GUARD_MS);
    return r < 0 ? -1 : r;
}

/* One end's loop: rounds times, wait for a byte (by how = round % 3,
 * shifted by `shift`) and answer it; the first side sends first. */
struct end {
    int fd, rounds, shift;
    bool first;
    const char *err;
    int bad_round;
};

static void *pingpong_end(void *arg)
{
    struct end *e = arg;
    pin_nth(e->first ? 0 : 1);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, e->fd, &ev) != 0) {
        e->err = "epoll setup failed";
        return NULL;
    }
    for (int i = 0; i < e->rounds && !e->err; i++) {
        char b = (char)i;
        if (e->first && write(e->fd, &b, 1) != 1) {
            e->err = "write failed";
            break;
        }
        int how = (i + e->shift) % 3;
        char got = 0;
        int r = wait_readable(how, e->fd, ep, &got);
        if (r == 1 && how != 0)
            r = read(e->fd, &got, 1) == 1 ? 1 : -1;
        if (r != 1 || got != (char)i) {
            e->err = r == 0 ? "a wake-up was lost (30 s)" : r < 0 ? "wait or read failed" : "wrong byte";
            e->bad_round = i;
            break;
        }
        if (!e->first && write(e->fd, &b, 1) != 1)
            e->err = "write failed";
    }
    close(ep);
    return NULL;
}

static void t_pingpong_read_poll_epoll(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    /* The shifts differ, so each end meets the other's every way of waiting. */
    struct end a = {.fd = sv[0], .rounds = 900, .shift = 0, .first = true};
    struct end b = {.fd = sv[1], .rounds = 900, .shift = 1};
    pthread_t ta, tb;
    RET(pthread_create(&tb, NULL, pingpong_end, &b), 0);
    RET(pthread_create(&ta, NULL, pingpong_end, &a), 0);
    pthread_join(ta, NULL);
    if (a.err)
        shutdown(sv[0], SHUT_RDWR); /* lets the other end out */
    pthread_join(tb, NULL);
    close(sv[0]);
    close(sv[1]);
    CHECK(!a.err, "first end, round %d: %s", a.bad_round, a.err);
    CHECK(!b.err, "second end, round %d: %s", b.bad_round, b.err);
}

/* The reader of the send-buffer check: drains count messages of len bytes. */
struct drain {
    int fd, count;
    size_t len;
    long got;
    bool bad;
};

static void *drainer(void *arg)
{
    struct drain *d = arg;
    pin_nth(1);
    char buf[4096];
    for (int i = 0; i < d->count; i++) {
        ssize_t n = recv(d->fd, buf, sizeof buf, 0);
        if (n != (ssize_t)d->len || buf[0] != (char)i) {
            d->bad = true;
            break;
        }
        d->got++;
    }
    return NULL;
}

static void t_blocked_sender_woken_by_drain(void)
{
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    int small = 4608; /* the least: a few messages fill it */
    OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small));
    struct drain d = {.fd = sv[1], .count = 600, .len = 1000};
    pthread_t t;
    pin_nth(0);
    RET(pthread_create(&t, NULL, drainer, &d), 0);
    char msg[1000] = {0};
    int sent = 0;
    for (; sent < d.count; sent++) {
        msg[0] = (char)sent;
        if (send(sv[0], msg, sizeof msg, 0) != (ssize_t)sizeof msg)
            break;
    }
    pthread_join(t, NULL);
    close(sv[0]);
    close(sv[1]);
    unpin();
    CHECK(sent == d.count, "send %d failed", sent);
    CHECK(!d.bad && d.got == d.count, "the reader got %ld of %d messages intact", d.got, d.count);
}

/* One watcher of the closed end: how it waits (0 read, 1 poll, 2 epoll). */
struct watcher {
    int fd, how;
    int result; /* 1: saw the hang-up, 0: guard, -1: error */
};

static void *watch(void *arg)
{
    struct watcher *w = arg;
    pin_nth(1 + w->how);
    if (w->how == 0) {
        char b;
        w->result = read(w->fd, &b, 1) == 0 ? 1 : -1; /* end of file */
    } else if (w->how == 1) {
        struct pollfd p = {.fd = w->fd, .events = POLLIN | POLLRDHUP};
        int r = poll(&p, 1, GUARD_MS);
        w->result = r == 1 && (p.revents & (POLLHUP | POLLRDHUP)) ? 1 : r == 0 ? 0 : -1;
    } else {
        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP}, got;
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, w->fd, &ev) != 0) {
            w->result = -1;
            return NULL;
        }
        int r = epoll_wait(ep, &got, 1, GUARD_MS);
        w->result = r == 1 && (got.events & (EPOLLHUP | EPOLLRDHUP)) ? 1 : r == 0 ? 0 : -1;
        close(ep);
    }
    return NULL;
}

static void t_close_wakes_read_poll_and_epoll(void)
{
    for (int round = 0; round < 60; round++) {
        int sv[2];
        OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
        struct watcher w[3];
        pthread_t t[3];
        for (int k = 0; k < 3; k++) {
            w[k] = (struct watcher){.fd = sv[1], .how = k, .result = -2};
            RET(pthread_create(&t[k], NULL, watch, &w[k]), 0);
        }
        /* Most rounds close while they sleep, some while they start. */
        if (round % 4)
            abi_sleep_ms(2);
        close(sv[0]);
        for (int k = 0; k < 3; k++)
            pthread_join(t[k], NULL);
        close(sv[1]);
        static const char *const way[] = {"read", "poll", "epoll_wait"};
        for (int k = 0; k < 3; k++)
            CHECK(w[k].result == 1, "round %d: %s %s", round, way[k],
                  w[k].result == 0 ? "never saw the hang-up (30 s)" : "failed or saw no hang-up");
    }
}

static void on_signal(int sig)
{
    (void)sig;
}

struct reader {
    int fd, rounds;
    pthread_t self;
    int done; /* rounds read: the writer's pace (atomic) */
    bool bad;
};

static void *blocked_reader(void *arg)
{
    struct reader *r = arg;
    pin_nth(1);
    for (int i = 0; i < r->rounds; i++) {
        char b;
        ssize_t n = read(r->fd, &b, 1);
        if (n != 1 || b != (char)i) {
            r->bad = true;
            break;
        }
        __atomic_store_n(&r->done, i + 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void t_data_and_signal_at_once(void)
{
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART}, old;
    sigemptyset(&sa.sa_mask);
    OK(sigaction(SIGUSR1, &sa, &old));
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct reader r = {.fd = sv[1], .rounds = 300};
    pin_nth(0);
    RET(pthread_create(&r.self, NULL, blocked_reader, &r), 0);
    int i = 0;
    for (; i < r.rounds && !r.bad; i++) {
        abi_sleep_ms(1); /* the reader is asleep by now, mostly */
        char b = (char)i;
        if (i % 2)
            pthread_kill(r.self, SIGUSR1);
        if (write(sv[0], &b, 1) != 1)
            break;
        if (i % 2 == 0)
            pthread_kill(r.self, SIGUSR1);
        uint64_t guard = abi_now_ns() + GUARD_MS * 1000000ull;
        while (__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) <= i && !r.bad && abi_now_ns() < guard)
            sched_yield();
        if (__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) <= i)
            break;
    }
    bool stuck = i < r.rounds && !r.bad;
    if (stuck)
        shutdown(sv[0], SHUT_RDWR); /* lets the reader out */
    pthread_join(r.self, NULL);
    close(sv[0]);
    close(sv[1]);
    sigaction(SIGUSR1, &old, NULL);
    unpin();
    CHECK(!r.bad, "the reader's read %d did not return its byte", r.done);
    CHECK(!stuck, "round %d: the byte never reached the blocked reader (30 s)", i);
}

int main(void)
{
    abi_begin(ABI_AREA);
    ncpus = abi_allowed_cpus(cpu_list);
    if (ncpus < 0)
        return 1;
    RUN(pingpong_read_poll_epoll);
    RUN(blocked_sender_woken_by_drain);
    RUN(close_wakes_read_poll_and_epoll);
    RUN(data_and_signal_at_once);
    return abi_end();
}
