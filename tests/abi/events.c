/* Event files: eventfd (counter, EFD_SEMAPHORE, flags, the 8-byte rules,
 * the ceiling at 0xfffffffffffffffe, blocking and poll readiness). */
#include "abi.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

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

static void t_eventfd_interrupted(void)
{
    int fd = OK(raw_eventfd2(0, 0));
    struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */
    OK(sigaction(SIGUSR1, &sa, NULL));
    struct kicker k = {pthread_self()};
    pthread_t t;
    RET(pthread_create(&t, NULL, kick_later, &k), 0);
    uint64_t v;
    ERR(read(fd, &v, 8), EINTR);
    pthread_join(t, NULL);
    signal(SIGUSR1, SIG_DFL);
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
    return abi_end();
}
