/* Event files: eventfd (counter, EFD_SEMAPHORE, flags, the 8-byte rules,
 * the ceiling at 0xfffffffffffffffe, blocking and poll readiness) and
 * timerfd (both clocks, absolute and relative times, intervals, expiry
 * counts, gettime, flags, poll). */
#include "abi.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
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
};

static void *kick_later(void *arg)
{
    struct kicker *k = arg;
    abi_sleep_ms(100);
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
    struct kicker k = {pthread_self()};
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

static void t_timerfd_interrupted(void)
{
    int fd = OK(timerfd_create(CLOCK_MONOTONIC, 0));
    struct itimerspec its = {.it_value = {100, 0}};
    OK(timerfd_settime(fd, 0, &its, NULL));
    EQ(read_until_signal(fd), EINTR);
    close(fd);
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
    return abi_end();
}
