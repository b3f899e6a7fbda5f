/* Event files: eventfd (counter, EFD_SEMAPHORE, flags, the 8-byte rules,
 * the ceiling at 0xfffffffffffffffe, blocking and poll readiness) and
 * timerfd (both clocks, absolute and relative times, intervals, expiry
 * counts, gettime, flags, poll) and epoll (level, edge, one-shot, every
 * polling file type, nesting, closed files, errors, timeouts, signals) and
 * signalfd (records, blocking, poll and epoll, SIGCHLD, mask changes). */
#include "abi.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>

static long raw_eventfd2(unsigned initval, int flags)
{
    return syscall(SYS_eventfd2, initval, flags);
}

static short revents(int fd, short events)
{
    struct pollfd p = {fd, events, 0};
    return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static void t_eventfd_counter(void)
{
    int fd = OK(raw_eventfd2(3, 0));
    uint64_t v = 5;
    EQ(write(fd, &v, 8), 8);
    v = 0;
    EQ(read(fd, &v, 8), 8);
    EQ(v, 8); /* the sum, and the counter goes back to 0 */
    int nb = OK(raw_eventfd2(0, EFD_NONBLOCK));
    ERR(read(nb, &v, 8), EAGAIN);
    /* A read buffer larger than 8 bytes gets exactly 8; a write must be 8. */
    uint64_t two[2] = {7, 9};
    ERR(write(nb, two, sizeof two), EINVAL);
    EQ(write(nb, two, 8), 8);
    two[0] = two[1] = 0;
    EQ(read(nb, two, sizeof two), 8);
    EQ(two[0], 7);
    /* A write of 0 succeeds and changes nothing. */
    v = 0;
    EQ(write(nb, &v, 8), 8);
    ERR(read(nb, &v, 8), EAGAIN);
    /* The old eventfd(2) call is eventfd2 without flags. */
    int old = OK(syscall(SYS_eventfd, 2));
    EQ(read(old, &v, 8), 8);
    EQ(v, 2);
    EQ(fcntl(old, F_GETFL) & O_NONBLOCK, 0);
    struct stat st;
    OK(fstat(old, &st));
    EQ(st.st_mode & 0777, 0600);
    close(fd);
    close(nb);
    close(old);
}

static void t_eventfd_semaphore(void)
{
    int fd = OK(raw_eventfd2(2, EFD_SEMAPHORE | EFD_NONBLOCK));
    uint64_t v = 0;
    EQ(read(fd, &v, 8), 8);
    EQ(v, 1);
    EQ(read(fd, &v, 8), 8);
    EQ(v, 1);
    ERR(read(fd, &v, 8), EAGAIN);
    v = 3;
    EQ(write(fd, &v, 8), 8);
    for (int i = 0; i < 3; i++) {
        v = 0;
        EQ(read(fd, &v, 8), 8);
        EQ(v, 1);
    }
    ERR(read(fd, &v, 8), EAGAIN);
    close(fd);
}

static void t_eventfd_flags_and_sizes(void)
{
    ERR(raw_eventfd2(0, 0x4000000), EINVAL);
    ERR(raw_eventfd2(0, O_RDONLY | 2 /* not an EFD_ flag */), EINVAL);
    int fd = OK(raw_eventfd2(1, EFD_CLOEXEC | EFD_NONBLOCK));
    EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EQ(fcntl(fd, F_GETFL) & (O_NONBLOCK | O_ACCMODE), O_NONBLOCK | O_RDWR);
    uint32_t small = 1;
    ERR(read(fd, &small, 4), EINVAL);
    ERR(write(fd, &small, 4), EINVAL);
    ERR(read(fd, &small, 0), EINVAL);
    uint64_t v = UINT64_MAX;
    ERR(write(fd, &v, 8), EINVAL);
    ERR(write(fd, &small, 0), EINVAL);
    ERR(write(fd, ABI_BAD_LOW, 8), EFAULT);
    EQ(read(fd, &v, 8), 8); /* the failed calls left the count alone */
    EQ(v, 1);
    ERR(write(fd, ABI_BAD_KERNEL, 8), EFAULT);
    ERR(read(fd, ABI_BAD_LOW, 8), EAGAIN); /* nothing to read: the buffer is not touched */
    close(fd);
}

static void t_eventfd_ceiling(void)
{
    int fd = OK(raw_eventfd2(0, EFD_NONBLOCK));
    EQ(revents(fd, POLLIN | POLLOUT), POLLOUT);
    uint64_t v = 0xfffffffffffffffeull;
    EQ(write(fd, &v, 8), 8);
    /* Full: readable, not writable; even 1 more does not fit. */
    EQ(revents(fd, POLLIN | POLLOUT), POLLIN);
    v = 1;
    ERR(write(fd, &v, 8), EAGAIN);
    v = 0;
    EQ(write(fd, &v, 8), 8); /* 0 always fits */
    EQ(read(fd, &v, 8), 8);
    EQ(v, 0xfffffffffffffffeull);
    EQ(revents(fd, POLLIN | POLLOUT), POLLOUT);
    close(fd);
}

struct later {
    int fd;
    uint64_t val;
    int write; /* else read */
};

static void *do_later(void *arg)
{
    struct later *l = arg;
    abi_sleep_ms(50);
    if (l->write)
        return (void *)(long)write(l->fd, &l->val, 8);
    return (void *)(long)read(l->fd, &l->val, 8);
}

static void t_eventfd_blocking(void)
{
    int fd = OK(raw_eventfd2(0, 0));
    pthread_t t;
    /* A read waits for a write. */
    struct later w = {fd, 42, 1};
    RET(pthread_create(&t, NULL, do_later, &w), 0);
    uint64_t v = 0;
    EQ(read(fd, &v, 8), 8);
    EQ(v, 42);
    void *res;
    pthread_join(t, &res);
    EQ((long)res, 8);
    /* A write past the ceiling waits for a read. */
    v = 0xfffffffffffffff0ull;
    EQ(write(fd, &v, 8), 8);
    struct later r = {fd, 0, 0};
    RET(pthread_create(&t, NULL, do_later, &r), 0);
    v = 0x20;
    EQ(write(fd, &v, 8), 8);
    pthread_join(t, &res);
    EQ((long)res, 8);
    EQ(r.val, 0xfffffffffffffff0ull);
    EQ(read(fd, &v, 8), 8);
    EQ(v, 0x20);
    /* poll wakes for a write from another thread. */
    w.val = 1;
    RET(pthread_create(&t, NULL, do_later, &w), 0);
    struct pollfd p = {fd, POLLIN, 0};
    EQ(poll(&p, 1, 10000), 1);
    EQ(p.revents, POLLIN);
    pthread_join(t, NULL);
    close(fd);
}

static void on_usr1(int sig)
{
    (void)sig;
}

struct kicker {
    pthread_t target;
    pid_t tid; /* the target's */
};

/* Signals the target once it sleeps in the call the test makes.  After a
 * fixed delay instead, a target still on its way to the call (a loaded host)
 * only ran the handler, and the call then waited for good. */
static void *kick_later(void *arg)
{
    struct kicker *k = arg;
    abi_wait_sleeping(getpid(), k->tid);
    pthread_kill(k->target, SIGUSR1);
    return NULL;
}

/* A read of fd that blocks until a signal with a handler (no SA_RESTART)
 * arrives: its errno (0 if it did not fail). */
static int read_until_signal(int fd)
{
    struct sigaction sa = {.sa_handler = on_usr1};
    if (sigaction(SIGUSR1, &sa, NULL))
        return -1;
    struct kicker k = {pthread_self(), (pid_t)syscall(SYS_gettid)};
    pthread_t t;
    if (pthread_create(&t, NULL, kick_later, &k))
        return -1;
    uint64_t v;
    errno = 0;
    long r = read(fd, &v, 8);
    int e = r < 0 ? errno : 0;
    pthread_join(t, NULL);
    signal(SIGUSR1, SIG_DFL);
    return e;
}

static void t_eventfd_interrupted(void)
{
    int fd = OK(raw_eventfd2(0, 0));
    EQ(read_until_signal(fd), EINTR);
    close(fd);
}

/* --- timerfd ------------------------------------------------------------- */

static uint64_t ts_ns(struct timespec t)
{
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static struct timespec ns_ts(uint64_t ns)
{
    return (struct timespec){(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
}

static void t_timerfd_create_errors(void)
{
    ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
    ERR(timerfd_create(12345, 0), EINVAL);
    ERR(timerfd_create(CLOCK_MONOTONIC, 0x40), EINVAL);
    int fd = OK(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    uint64_t v;
    ERR(read(fd, &v, 8), EAGAIN); /* never armed */
    ERR(read(fd, &v, 4), EINVAL);
    ERR(write(fd, &v, 8), EINVAL);
    struct itimerspec its = {.it_value = {0, 1000000000}};
    ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
    its.it_value = (struct timespec){-1, 0};
    ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
    its.it_value = (struct timespec){1, 0};
    ERR(timerfd_settime(fd, 0x10, &its, NULL), EINVAL);
    ERR(timerfd_settime(-1, 0, &its, NULL), EBADF);
    ERR(timerfd_gettime(-1, &its), EBADF);
    ERR(syscall(SYS_timerfd_settime, fd, 0, ABI_BAD_LOW, NULL), EFAULT);
    ERR(syscall(SYS_timerfd_gettime, fd, ABI_BAD_LOW), EFAULT);
    int efd = OK(raw_eventfd2(0, 0));
    ERR(timerfd_gettime(efd, &its), EINVAL); /* not a timerfd */
    ERR(timerfd_settime(efd, 0, &its, NULL), EINVAL);
    close(efd);
    close(fd);
}

static void t_timerfd_oneshot(void)
{
    int fd = OK(timerfd_create(CLOCK_MONOTONIC, 0));
    struct itimerspec its = {.it_value = {0, 30000000}}, cur;
    uint64_t t0 = abi_now_ns();
    OK(timerfd_settime(fd, 0, &its, NULL));
    OK(timerfd_gettime(fd, &cur));
    CHECK(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 30000000, "it_value %llu", (unsigned long long)ts_ns(cur.it_value));
    EQ(ts_ns(cur.it_interval), 0);
    uint64_t v = 0;
    EQ(read(fd, &v, 8), 8); /* blocks until the expiry */
    EQ(v, 1);
    CHECK(abi_now_ns() - t0 >= 30000000, "read returned before the expiry");
    OK(timerfd_gettime(fd, &cur));
    EQ(ts_ns(cur.it_value), 0); /* a one-shot timer disarms */
    OK(fcntl(fd, F_SETFL, O_NONBLOCK));
    ERR(read(fd, &v, 8), EAGAIN);
    /* Disarming: it_value 0.  The old setting comes back. */
    its.it_value = (struct timespec){100, 0};
    OK(timerfd_settime(fd, 0, &its, NULL));
    struct itimerspec zero = {0}, old;
    OK(timerfd_settime(fd, 0, &zero, &old));
    CHECK(ts_ns(old.it_value) > 99000000000ull && ts_ns(old.it_value) <= 100000000000ull, "old it_value");
    OK(timerfd_gettime(fd, &cur));
    EQ(ts_ns(cur.it_value), 0);
    close(fd);
}

static void t_timerfd_interval_counts(void)
{
    int fd = OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    struct itimerspec its = {.it_value = {0, 10000000}, .it_interval = {0, 10000000}}, cur;
    OK(timerfd_settime(fd, 0, &its, NULL));
    abi_sleep_ms(55);
    uint64_t v = 0;
    EQ(read(fd, &v, 8), 8);
    CHECK(v >= 5, "%llu expiries after 55 ms of a 10 ms timer", (unsigned long long)v);
    OK(timerfd_gettime(fd, &cur));
    EQ(ts_ns(cur.it_interval), 10000000);
    CHECK(ts_ns(cur.it_value) > 0 && ts_ns(cur.it_value) <= 10000000, "it_value");
    /* A new setting forgets unread expiries. */
    abi_sleep_ms(25);
    its.it_value = (struct timespec){100, 0};
    OK(timerfd_settime(fd, 0, &its, NULL));
    ERR(read(fd, &v, 8), EAGAIN);
    close(fd);
}

static void t_timerfd_absolute(void)
{
    /* CLOCK_MONOTONIC, absolute: in the past expires at once, with the
     * whole intervals that passed counted. */
    int fd = OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    struct timespec now;
    OK(clock_gettime(CLOCK_MONOTONIC, &now));
    uint64_t n = ts_ns(now);
    /* first expiry at 1 ns, then every eighth of the time since (a VM's
     * monotonic clock may be well under a second old) */
    struct itimerspec its = {.it_value = {0, 1}, .it_interval = ns_ts(n / 8 + 1)};
    OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
    uint64_t v = 0;
    EQ(read(fd, &v, 8), 8);
    CHECK(v >= 8 && v < 1000, "%llu expiries of a timer set 8 intervals in the past", (unsigned long long)v);
    /* In the future: waits. */
    its = (struct itimerspec){.it_value = ns_ts(n + 40000000)};
    OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
    ERR(read(fd, &v, 8), EAGAIN);
    struct pollfd p = {fd, POLLIN, 0};
    EQ(poll(&p, 1, 10000), 1); /* poll wakes at the expiry */
    EQ(p.revents, POLLIN);
    OK(clock_gettime(CLOCK_MONOTONIC, &now));
    CHECK(ts_ns(now) >= n + 40000000, "poll returned before the expiry");
    EQ(read(fd, &v, 8), 8);
    EQ(v, 1);
    close(fd);
    /* CLOCK_REALTIME, absolute, with TFD_TIMER_CANCEL_ON_SET accepted. */
    fd = OK(timerfd_create(CLOCK_REALTIME, 0));
    OK(clock_gettime(CLOCK_REALTIME, &now));
    its = (struct itimerspec){.it_value = ns_ts(ts_ns(now) + 30000000)};
    OK(timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL));
    EQ(read(fd, &v, 8), 8);
    EQ(v, 1);
    struct timespec after;
    OK(clock_gettime(CLOCK_REALTIME, &after));
    CHECK(ts_ns(after) >= ts_ns(its.it_value), "read returned before the wall time");
    /* Relative on CLOCK_REALTIME. */
    its = (struct itimerspec){.it_value = {0, 20000000}};
    OK(timerfd_settime(fd, 0, &its, NULL));
    EQ(read(fd, &v, 8), 8);
    EQ(v, 1);
    close(fd);
}

/* A reader asleep until a 100 s expiry; main moves the expiry to 20 ms from
 * now.  The settime must wake the reader, which then sleeps until the new
 * expiry only: it returns 1 tick well before the old time. */
static void *read_one(void *fdp)
{
    uint64_t v = 0;
    return (void *)(intptr_t)(read(*(int *)fdp, &v, 8) == 8 ? (long)v : -1);
}

static void t_timerfd_settime_wakes_reader(void)
{
    int fd = OK(timerfd_create(CLOCK_MONOTONIC, 0));
    struct itimerspec far = {.it_value = {100, 0}};
    OK(timerfd_settime(fd, 0, &far, NULL));
    pthread_t t;
    EQ(pthread_create(&t, NULL, read_one, &fd), 0);
    abi_sleep_ms(50); /* the reader asleep in read, most likely */
    uint64_t t0 = abi_now_ns();
    struct itimerspec soon = {.it_value = {0, 20000000}};
    OK(timerfd_settime(fd, 0, &soon, NULL));
    void *ticks;
    EQ(pthread_join(t, &ticks), 0);
    uint64_t took = abi_now_ns() - t0;
    EQ((long)(intptr_t)ticks, 1);
    CHECK(took < 10000000000ull, "the reader woke after %.2f s, not at the new 20 ms expiry", took / 1e9);
    close(fd);
}

static void t_timerfd_interrupted(void)
{
    int fd = OK(timerfd_create(CLOCK_MONOTONIC, 0));
    struct itimerspec its = {.it_value = {100, 0}};
    OK(timerfd_settime(fd, 0, &its, NULL));
    EQ(read_until_signal(fd), EINTR);
    close(fd);
}


/* --- epoll --------------------------------------------------------------- */

/* epoll_wait with timeout ms; the first event in *ev. */
static int ep_wait1(int ep, struct epoll_event *ev, int ms)
{
    return epoll_wait(ep, ev, 1, ms);
}

static int ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void t_epoll_level(void)
{
    int ep = OK(epoll_create1(0));
    int p[2];
    OK(pipe(p));
    OK(ep_add(ep, p[0], EPOLLIN, 7));
    struct epoll_event ev;
    EQ(ep_wait1(ep, &ev, 0), 0);
    EQ(write(p[1], "ab", 2), 2);
    EQ(ep_wait1(ep, &ev, 0), 1);
    EQ(ev.events, EPOLLIN);
    EQ(ev.data.u64, 7);
    EQ(ep_wait1(ep, &ev, 0), 1); /* level: still ready */
    char b[2];
    EQ(read(p[0], b, 2), 2);
    EQ(ep_wait1(ep, &ev, 0), 0);
    /* The write end: writable; the read end hangs up when it closes. */
    OK(ep_add(ep, p[1], EPOLLOUT, 8));
    EQ(ep_wait1(ep, &ev, 0), 1);
    EQ(ev.events, EPOLLOUT);
    EQ(ev.data.u64, 8);
    struct epoll_event mod = {.events = EPOLLIN, .data.u64 = 9};
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &mod)); /* nothing to read on a write end */
    EQ(ep_wait1(ep, &ev, 0), 0);
    OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    close(p[1]);
    EQ(ep_wait1(ep, &ev, 0), 1);
    EQ(ev.events, EPOLLHUP); /* reported though not asked for */
    close(p[0]);
    close(ep);
}

/* EPOLLET on a stream read at p[0] and written at p[1] (non-blocking). */
static void epoll_edge_on(int p[2])
{
    int ep = OK(epoll_create1(0));
    OK(ep_add(ep, p[0], EPOLLIN | EPOLLET, 1));
    struct epoll_event ev;
    EQ(ep_wait1(ep, &ev, 0), 0);
    EQ(write(p[1], "a", 1), 1);
    EQ(ep_wait1(ep, &ev, 0), 1);
    EQ(ev.events, EPOLLIN);
    EQ(ep_wait1(ep, &ev, 0), 0); /* no new edge */
    EQ(write(p[1], "b", 1), 1);
    EQ(ep_wait1(ep, &ev, 0), 1); /* more data: an edge */
    char b[8];
    EQ(read(p[0], b, sizeof b), 2);
    ERR(read(p[0], b, sizeof b), EAGAIN);
    EQ(write(p[1], "c", 1), 1); /* drained, then written before the next wait */
    EQ(ep_wait1(ep, &ev, 0), 1);
    EQ(ev.data.u64, 1);
    EQ(ep_wait1(ep, &ev, 0), 0);
    close(p[0]);
    close(p[1]);
    close(ep);
}

static void t_epoll_edge(void)
{
    int p[2];
    OK(pipe2(p, O_NONBLOCK));
    epoll_edge_on(p);
    OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p)); /* the same edges on a socket */
    epoll_edge_on(p);
}

static void t_epoll_oneshot(void)
{
    int ep = OK(syscall(SYS_epoll_create, 1));
    int efd = OK(raw_eventfd2(1, 0));
    OK(ep_add(ep, efd, EPOLLIN | EPOLLONESHOT, 3));
    struct epoll_event ev;
    EQ(ep_wait1(ep, &ev, 0), 1);
    EQ(ep_wait1(ep, &ev, 0), 0); /* disabled, though still ready */
    ERR(ep_add(ep, efd, EPOLLIN, 3), EEXIST); /* still in the set */
    struct epoll_event mod = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 4};
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &mod));
    EQ(ep_wait1(ep, &ev, 0), 1);
    EQ(ev.data.u64, 4);
    EQ(ep_wait1(ep, &ev, 0), 0);
    close(efd);
    close(ep);
}

static void t_epoll_file_types(void)
{
    int ep = OK(epoll_create1(EPOLL_CLOEXEC));
    EQ(fcntl(ep, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    int efd = OK(raw_eventfd2(0, EFD_NONBLOCK));
    int tfd = OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    int inner = OK(epoll_create1(0));
    int p[2];
    OK(pipe(p));
    OK(ep_add(ep, efd, EPOLLIN, 1));
    OK(ep_add(ep, tfd, EPOLLIN, 2));
    OK(ep_add(ep, inner, EPOLLIN, 3));
    OK(ep_add(inner, p[0], EPOLLIN, 4));
    struct epoll_event evs[4];
    EQ(epoll_wait(ep, evs, 4, 0), 0);
    /* eventfd */
    uint64_t v = 1;
    EQ(write(efd, &v, 8), 8);
    EQ(epoll_wait(ep, evs, 4, 0), 1);
    EQ(evs[0].data.u64, 1);
    EQ(read(efd, &v, 8), 8);
    /* a nested set: readable while one of its entries is */
    EQ(write(p[1], "x", 1), 1);
    EQ(epoll_wait(ep, evs, 4, 0), 1);
    EQ(evs[0].data.u64, 3);
    EQ(evs[0].events, EPOLLIN);
    EQ(epoll_wait(inner, evs, 4, 0), 1);
    EQ(evs[0].data.u64, 4);
    char c;
    EQ(read(p[0], &c, 1), 1);
    /* timerfd: the wait ends at the expiry, nobody writing */
    struct itimerspec its = {.it_value = {0, 30000000}};
    OK(timerfd_settime(tfd, 0, &its, NULL));
    EQ(epoll_wait(ep, evs, 4, 10000), 1);
    EQ(evs[0].data.u64, 2);
    EQ(read(tfd, &v, 8), 8);
    /* poll(2) on an epoll fd */
    struct pollfd pfd = {ep, POLLIN, 0};
    EQ(poll(&pfd, 1, 0), 0);
    EQ(write(efd, &v, 8), 8);
    EQ(poll(&pfd, 1, 0), 1);
    EQ(pfd.revents, POLLIN);
    close(p[0]);
    close(p[1]);
    close(inner);
    close(tfd);
    close(efd);
    close(ep);
}

static void t_epoll_closed_file_leaves(void)
{
    int ep = OK(epoll_create1(0));
    int p[2];
    OK(pipe(p));
    OK(ep_add(ep, p[1], EPOLLOUT, 1));
    struct epoll_event ev;
    EQ(ep_wait1(ep, &ev, 0), 1);
    /* Another descriptor of the same file keeps the entry (as Linux). */
    int dupped = OK(dup(p[1]));
    close(p[1]);
    EQ(ep_wait1(ep, &ev, 0), 1);
    EQ(ev.data.u64, 1);
    /* Its last descriptor closing takes it out, and the set did not keep
     * the write end open: the reader sees the hang-up. */
    close(dupped);
    EQ(ep_wait1(ep, &ev, 0), 0);
    struct pollfd pfd = {p[0], POLLIN, 0};
    EQ(poll(&pfd, 1, 0), 1);
    EQ(pfd.revents, POLLHUP);
    /* A new file at the same number is not in the set. */
    int again[2];
    OK(pipe(again));
    ERR(epoll_ctl(ep, EPOLL_CTL_DEL, again[1], NULL), ENOENT);
    close(again[0]);
    close(again[1]);
    close(p[0]);
    close(ep);
}

static void t_epoll_errors(void)
{
    ERR(syscall(SYS_epoll_create, 0), EINVAL); /* musl's epoll_create calls epoll_create1 */
    ERR(syscall(SYS_epoll_create, -1), EINVAL);
    ERR(epoll_create1(1), EINVAL);
    int ep = OK(epoll_create1(0));
    int p[2];
    OK(pipe(p));
    struct epoll_event ev = {.events = EPOLLIN};
    ERR(epoll_ctl(-1, EPOLL_CTL_ADD, p[0], &ev), EBADF);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, -1, &ev), EBADF);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 1000, &ev), EBADF);
    ERR(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL); /* not an epoll fd */
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);     /* itself */
    ERR(epoll_ctl(ep, 99, p[0], &ev), EINVAL);
    ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
    ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev), ENOENT);
    ERR(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], ABI_BAD_LOW), EFAULT);
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
    /* Regular files and directories cannot be watched. */
    char path[64];
    snprintf(path, sizeof path, "/tmp/abi-events-%d", (int)getpid());
    int reg = OK(open(path, O_CREAT | O_RDWR | O_TRUNC, 0600));
    unlink(path);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev), EPERM);
    close(reg);
    /* EPOLLEXCLUSIVE: on ADD only, not with EPOLLONESHOT. */
    struct epoll_event ex = {.events = EPOLLIN | EPOLLEXCLUSIVE};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ex));
    ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ex), EINVAL);
    OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    ex.events |= EPOLLONESHOT;
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ex), EINVAL);
    /* A loop of sets. */
    int e2 = OK(epoll_create1(0));
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, e2, &ev));
    ERR(epoll_ctl(e2, EPOLL_CTL_ADD, ep, &ev), ELOOP);
    /* epoll_wait's arguments. */
    struct epoll_event out[2];
    ERR(epoll_wait(ep, out, 0, 0), EINVAL);
    ERR(epoll_wait(ep, out, -1, 0), EINVAL);
    ERR(epoll_wait(-1, out, 2, 0), EBADF);
    ERR(epoll_wait(p[0], out, 2, 0), EINVAL);
    ERR(epoll_wait(ep, ABI_BAD_KERNEL, 2, 0), EFAULT);
    ERR(syscall(SYS_epoll_pwait, ep, out, 2, 0, out, 4), EINVAL); /* sigset size */
    close(e2);
    close(p[0]);
    close(p[1]);
    close(ep);
}

static void t_epoll_many_ready_take_turns(void)
{
    int ep = OK(epoll_create1(0));
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = OK(raw_eventfd2(1, 0));
        OK(ep_add(ep, fds[i], EPOLLIN, (uint64_t)i));
    }
    unsigned seen = 0;
    struct epoll_event ev;
    for (int i = 0; i < 3; i++) {
        EQ(ep_wait1(ep, &ev, 0), 1);
        seen |= 1u << ev.data.u64;
    }
    EQ(seen, 7); /* maxevents 1 still reaches every ready entry */
    struct epoll_event all[8];
    EQ(epoll_wait(ep, all, 8, 0), 3);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    close(ep);
}

/* Writes 1 to the eventfd *arg after a while. */
static void *eventfd_write_later(void *arg)
{
    abi_sleep_ms(50);
    uint64_t one = 1;
    /* A failed write shows as the waiter's timeout. */
    (void)!write(*(int *)arg, &one, sizeof one);
    return NULL;
}

/* A set of many entries: exactly the ready ones are reported, and a wait
 * wakes for its last entry (a wide set is handled as well as a small one). */
static void t_epoll_large_set(void)
{
    enum { N = 40 };
    int ep = OK(epoll_create1(0));
    int fds[N];
    for (int i = 0; i < N; i++) {
        fds[i] = OK(raw_eventfd2(i % 3 == 0, 0));
        OK(ep_add(ep, fds[i], EPOLLIN, (uint64_t)i));
    }
    struct epoll_event out[N + 4];
    int n = (int)epoll_wait(ep, out, N + 4, 0);
    EQ(n, (N + 2) / 3);
    uint64_t seen = 0;
    for (int i = 0; i < n; i++)
        seen |= 1ull << out[i].data.u64;
    uint64_t want = 0;
    for (int i = 0; i < N; i += 3)
        want |= 1ull << i;
    EQ(seen, want);
    uint64_t v;
    for (int i = 0; i < N; i += 3)
        EQ(read(fds[i], &v, sizeof v), (long)sizeof v);
    EQ(epoll_wait(ep, out, N + 4, 0), 0);
    pthread_t t;
    RET(pthread_create(&t, NULL, eventfd_write_later, &fds[N - 1]), 0);
    EQ(epoll_wait(ep, out, N + 4, 10000), 1); /* waits for the write */
    EQ(out[0].data.u64, N - 1);
    pthread_join(t, NULL);
    for (int i = 0; i < N; i++)
        close(fds[i]);
    close(ep);
}

static int usr1_count;

static void count_usr1(int sig)
{
    (void)sig;
    __atomic_add_fetch(&usr1_count, 1, __ATOMIC_RELAXED);
}

static void t_epoll_timeouts_and_signals(void)
{
    int ep = OK(epoll_create1(0));
    int efd = OK(raw_eventfd2(0, 0));
    OK(ep_add(ep, efd, EPOLLIN, 1));
    struct epoll_event ev;
    uint64_t t0 = abi_now_ns();
    EQ(ep_wait1(ep, &ev, 50), 0);
    CHECK(abi_now_ns() - t0 >= 50000000, "returned before the timeout");
    /* A write from another thread ends a wait without timeout. */
    struct later w = {efd, 5, 1};
    pthread_t t;
    RET(pthread_create(&t, NULL, do_later, &w), 0);
    EQ(ep_wait1(ep, &ev, -1), 1);
    EQ(ev.data.u64, 1);
    pthread_join(t, NULL);
    uint64_t v;
    EQ(read(efd, &v, 8), 8);
    /* A handled signal ends it with EINTR, SA_RESTART or not. */
    struct sigaction sa = {.sa_handler = count_usr1, .sa_flags = SA_RESTART};
    OK(sigaction(SIGUSR1, &sa, NULL));
    struct kicker k = {pthread_self(), (pid_t)syscall(SYS_gettid)};
    RET(pthread_create(&t, NULL, kick_later, &k), 0);
    ERR(ep_wait1(ep, &ev, 10000), EINTR);
    pthread_join(t, NULL);
    EQ(usr1_count, 1);
    /* epoll_pwait's mask holds the signal off for the wait only: the wait
     * times out, and the handler runs once the old mask is back. */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    RET(pthread_create(&t, NULL, kick_later, &k), 0);
    EQ(epoll_pwait(ep, &ev, 1, 400, &block), 0);
    pthread_join(t, NULL);
    EQ(usr1_count, 2);
    /* epoll_pwait2: a timespec timeout. */
    struct timespec ts = {0, 30000000};
    t0 = abi_now_ns();
    EQ(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8), 0);
    CHECK(abi_now_ns() - t0 >= 30000000, "epoll_pwait2 returned before the timeout");
    ts.tv_nsec = 1000000000;
    ERR(syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, 8), EINVAL);
    ERR(syscall(SYS_epoll_pwait2, ep, &ev, 1, ABI_BAD_LOW, NULL, 8), EFAULT);
    EQ(write(efd, &(uint64_t){1}, 8), 8);
    EQ(syscall(SYS_epoll_pwait2, ep, &ev, 1, NULL, NULL, 8), 1);
    signal(SIGUSR1, SIG_DFL);
    close(efd);
    close(ep);
}


/* --- signalfd ------------------------------------------------------------ */

static void t_signalfd_reads(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    OK(sigprocmask(SIG_BLOCK, &set, &old));
    int fd = OK(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    struct signalfd_siginfo si[2];
    ERR(read(fd, si, sizeof si[0]), EAGAIN);
    ERR(read(fd, si, 64), EINVAL);
    EQ(revents(fd, POLLIN), 0);
    OK(kill(getpid(), SIGUSR1));
    OK(kill(getpid(), SIGUSR2));
    EQ(revents(fd, POLLIN), POLLIN);
    memset(si, 0, sizeof si);
    EQ(read(fd, si, sizeof si), 2 * (long)sizeof si[0]); /* both, lowest first */
    EQ(si[0].ssi_signo, SIGUSR1);
    EQ(si[0].ssi_code, SI_USER);
    EQ(si[0].ssi_pid, getpid());
    EQ(si[1].ssi_signo, SIGUSR2);
    ERR(read(fd, si, sizeof si), EAGAIN); /* taken, not delivered */
    sigset_t pending;
    OK(sigpending(&pending));
    EQ(sigismember(&pending, SIGUSR1), 0);
    /* A new mask through the same fd: SIGUSR2 only. */
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    EQ(signalfd(fd, &only2, 0), fd);
    OK(kill(getpid(), SIGUSR1));
    ERR(read(fd, si, sizeof si), EAGAIN);
    OK(sigpending(&pending));
    EQ(sigismember(&pending, SIGUSR1), 1); /* still pending for delivery */
    struct sigaction ign = {.sa_handler = SIG_IGN};
    OK(sigaction(SIGUSR1, &ign, NULL)); /* discards it */
    signal(SIGUSR1, SIG_DFL);
    close(fd);
    OK(sigprocmask(SIG_SETMASK, &old, NULL));
}

static void t_signalfd_errors(void)
{
    sigset_t set;
    sigemptyset(&set);
    ERR(syscall(SYS_signalfd4, -1, &set, 4, 0), EINVAL);
    ERR(syscall(SYS_signalfd4, -1, &set, 8, 0x40), EINVAL);
    ERR(syscall(SYS_signalfd4, -1, ABI_BAD_LOW, 8, 0), EFAULT);
    ERR(syscall(SYS_signalfd4, 1000, &set, 8, 0), EBADF);
    int p[2];
    OK(pipe(p));
    ERR(syscall(SYS_signalfd4, p[0], &set, 8, 0), EINVAL); /* not a signalfd */
    close(p[0]);
    close(p[1]);
    int fd = OK(syscall(SYS_signalfd, -1, &set, 8));
    EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    close(fd);
}

static void *raise_later(void *arg)
{
    abi_sleep_ms(50);
    kill(getpid(), (int)(long)arg);
    return NULL;
}

static void t_signalfd_blocking_and_epoll(void)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    OK(pthread_sigmask(SIG_BLOCK, &set, &old));
    int fd = OK(signalfd(-1, &set, 0));
    pthread_t t;
    RET(pthread_create(&t, NULL, raise_later, (void *)(long)SIGUSR2), 0);
    struct signalfd_siginfo si;
    EQ(read(fd, &si, sizeof si), (long)sizeof si); /* waits for it */
    EQ(si.ssi_signo, SIGUSR2);
    pthread_join(t, NULL);
    int ep = OK(epoll_create1(0));
    OK(ep_add(ep, fd, EPOLLIN, 11));
    struct epoll_event ev;
    EQ(ep_wait1(ep, &ev, 0), 0);
    RET(pthread_create(&t, NULL, raise_later, (void *)(long)SIGUSR2), 0);
    EQ(ep_wait1(ep, &ev, 10000), 1);
    EQ(ev.data.u64, 11);
    pthread_join(t, NULL);
    EQ(read(fd, &si, sizeof si), (long)sizeof si);
    close(ep);
    close(fd);
    OK(pthread_sigmask(SIG_SETMASK, &old, NULL));
}

static void t_signalfd_sigchld(void)
{
    /* SIGCHLD is ignored by default, yet kept while blocked for a signalfd. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    OK(sigprocmask(SIG_BLOCK, &set, &old));
    int fd = OK(signalfd(-1, &set, 0));
    pid_t child = OK(fork());
    if (child == 0)
        _exit(3);
    struct signalfd_siginfo si;
    EQ(read(fd, &si, sizeof si), (long)sizeof si);
    EQ(si.ssi_signo, SIGCHLD);
    EQ(si.ssi_pid, child);
    int status;
    EQ(waitpid(child, &status, 0), child);
    EQ(WEXITSTATUS(status), 3);
    /* One left pending, blocked and ignored, does not end a later
     * sigsuspend that unblocks it: it is dropped. */
    child = OK(fork());
    if (child == 0)
        _exit(0);
    EQ(waitpid(child, &status, 0), child);
    struct sigaction sa = {.sa_handler = on_usr1};
    OK(sigaction(SIGUSR1, &sa, NULL));
    struct kicker k = {pthread_self(), (pid_t)syscall(SYS_gettid)};
    pthread_t t;
    RET(pthread_create(&t, NULL, kick_later, &k), 0);
    sigset_t none;
    sigemptyset(&none);
    ERR(sigsuspend(&none), EINTR); /* ended by SIGUSR1, after the kick */
    pthread_join(t, NULL);
    sigset_t pending;
    OK(sigpending(&pending));
    EQ(sigismember(&pending, SIGCHLD), 0);
    signal(SIGUSR1, SIG_DFL);
    close(fd);
    OK(sigprocmask(SIG_SETMASK, &old, NULL));
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(eventfd_counter);
    RUN(eventfd_semaphore);
    RUN(eventfd_flags_and_sizes);
    RUN(eventfd_ceiling);
    RUN(eventfd_blocking);
    RUN(eventfd_interrupted);
    RUN(timerfd_create_errors);
    RUN(timerfd_oneshot);
    RUN(timerfd_interval_counts);
    RUN(timerfd_absolute);
    RUN(timerfd_interrupted);
    RUN(timerfd_settime_wakes_reader);
    RUN(epoll_level);
    RUN(epoll_edge);
    RUN(epoll_oneshot);
    RUN(epoll_file_types);
    RUN(epoll_closed_file_leaves);
    RUN(epoll_errors);
    RUN(epoll_many_ready_take_turns);
    RUN(epoll_large_set);
    RUN(epoll_timeouts_and_signals);
    RUN(signalfd_reads);
    RUN(signalfd_errors);
    RUN(signalfd_blocking_and_epoll);
    RUN(signalfd_sigchld);
    return abi_end();
}
