/* Pipes and readiness: pipe2 and its flags, EOF, EPIPE/SIGPIPE,
 * O_NONBLOCK (at creation and through fcntl), FIONREAD, PIPE_BUF
 * atomicity under concurrent writers, blocking reads and writes woken by
 * the other side, and poll/ppoll/select/pselect6 including timeouts,
 * POLLHUP/POLLERR/POLLNVAL and atomic signal masks. */
#include "abi.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void close2(int p[2])
{
    close(p[0]);
    close(p[1]);
}

static void t_basic_and_eof(void)
{
    int p[2];
    char buf[16];
    OK(pipe2(p, 0));
    EQ(write(p[1], "hello", 5), 5);
    EQ(read(p[0], buf, 3), 3);                        /* partial reads keep the rest */
    EQ(read(p[0], buf + 3, sizeof buf), 2);
    CHECK(!memcmp(buf, "hello", 5), "read '%.5s'", buf);
    int w2 = OK(dup(p[1]));
    close(p[1]);
    EQ(write(w2, "x", 1), 1);                         /* a dup keeps the pipe open */
    EQ(read(p[0], buf, sizeof buf), 1);
    close(w2);
    EQ(read(p[0], buf, sizeof buf), 0);               /* every writer gone: EOF */
    close(p[0]);
    ERR(read(p[1], buf, 1), EBADF);                   /* already closed */
    OK(pipe(p));
    ERR(read(p[1], buf, 1), EBADF);                   /* the write end cannot be read */
    ERR(write(p[0], buf, 1), EBADF);
    close2(p);
}

static void t_pipe2_flags(void)
{
    int p[2];
    OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
    EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "read end not O_NONBLOCK");
    CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK, "write end not O_NONBLOCK");
    EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    close2(p);
    ERR(pipe2(p, 0x1234), EINVAL);
    ERR(syscall(SYS_pipe2, ABI_BAD_LOW, 0), EFAULT);
    ERR(syscall(SYS_pipe2, ABI_BAD_KERNEL, 0), EFAULT);
}

static void t_nonblocking(void)
{
    int p[2];
    char c;
    OK(pipe2(p, O_NONBLOCK));
    ERR(read(p[0], &c, 1), EAGAIN);
    /* Fill it: a big write is cut short at the capacity. */
    size_t big = 1 << 20;
    char *buf = calloc(1, big);
    CHECK(buf, "calloc");
    long cap = OK(write(p[1], buf, big));
    CHECK(cap >= PIPE_BUF && cap < (long)big, "pipe took %ld bytes of 1 MiB", cap);
    ERR(write(p[1], "x", 1), EAGAIN);
    /* Drain it all; then PIPE_BUF bytes go in whole. */
    long got = 0, n;
    while ((n = read(p[0], buf, big)) > 0)
        got += n;
    EQ(n, -1);
    EQ(errno, EAGAIN);
    EQ(got, cap);
    EQ(write(p[1], buf, PIPE_BUF), PIPE_BUF);
    free(buf);
    close2(p);
    /* O_NONBLOCK switched on and off with F_SETFL. */
    OK(pipe(p));
    OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    ERR(read(p[0], &c, 1), EAGAIN);
    OK(fcntl(p[0], F_SETFL, 0));
    EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    EQ(write(p[1], "z", 1), 1);
    EQ(read(p[0], &c, 1), 1);
    close2(p);
}

static void *blocked_reader(void *arg)
{
    char c;
    return (void *)(intptr_t)read(*(int *)arg, &c, 1);
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* A reader sleeping for data does not hold up a non-blocking reader of the
 * same pipe: it gets EAGAIN at once (it waited on the sleeper's turn). */
static void t_nonblocking_behind_blocked_reader(void)
{
    int p[2];
    OK(pipe(p));
    pthread_t t;
    EQ(pthread_create(&t, NULL, blocked_reader, &p[0]), 0);
    usleep(100000); /* lets the thread block in read(2); the check holds either way */
    struct sigaction sa = {.sa_handler = on_alarm}, old;
    OK(sigaction(SIGALRM, &sa, &old)); /* no SA_RESTART: a hang ends in EINTR */
    OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    alarm(5);
    char c;
    errno = 0;
    long r = read(p[0], &c, 1);
    int e = errno;
    alarm(0);
    OK(sigaction(SIGALRM, &old, NULL));
    EQ(write(p[1], "x", 1), 1); /* the sleeping reader takes it */
    void *got;
    EQ(pthread_join(t, &got), 0);
    CHECK(r == -1 && e == EAGAIN, "read returned %ld (errno %s), want EAGAIN", r, abi_errname(e));
    EQ((long)(intptr_t)got, 1);
    close2(p);
}

struct turn_waiter {
    int fd;
    long r;
    int e;
    _Atomic pid_t tid;
};

static void *interrupted_reader(void *arg)
{
    struct turn_waiter *w = arg;
    char c;
    atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
    errno = 0;
    w->r = read(w->fd, &c, 1);
    w->e = errno;
    return NULL;
}

/* A second blocking reader, waiting while the first sleeps for data, is
 * interrupted by a signal sent to it (EINTR without SA_RESTART). */
static void t_second_reader_interrupted(void)
{
    int p[2];
    OK(pipe(p));
    pthread_t first, second;
    EQ(pthread_create(&first, NULL, blocked_reader, &p[0]), 0);
    usleep(50000);
    struct turn_waiter w = {.fd = p[0], .r = 99};
    struct sigaction sa = {.sa_handler = on_alarm}, old;
    OK(sigaction(SIGUSR1, &sa, &old));
    EQ(pthread_create(&second, NULL, interrupted_reader, &w), 0);
    /* Sent once it waits: sent before its read, the signal would only run the
     * handler, and the read would then wait for good. */
    while (!atomic_load(&w.tid))
        abi_sleep_ms(1);
    bool waiting = abi_wait_sleeping(getpid(), atomic_load(&w.tid));
    EQ(pthread_kill(second, SIGUSR1), 0);
    if (!waiting)
        EQ(write(p[1], "xx", 2), 2); /* unblocks both readers before failing */
    CHECK(waiting, "the second reader never waited");
    EQ(pthread_join(second, NULL), 0);
    OK(sigaction(SIGUSR1, &old, NULL));
    EQ(write(p[1], "x", 1), 1);
    void *got;
    EQ(pthread_join(first, &got), 0);
    CHECK(w.r == -1 && w.e == EINTR, "second reader: read returned %ld (errno %s), want EINTR", w.r,
          abi_errname(w.e));
    EQ((long)(intptr_t)got, 1);
    close2(p);
}

static void t_fionread(void)
{
    int p[2], n = -1;
    char buf[200] = { 0 };
    OK(pipe(p));
    OK(ioctl(p[0], FIONREAD, &n));
    EQ(n, 0);
    EQ(write(p[1], buf, 123), 123);
    OK(ioctl(p[0], FIONREAD, &n));
    EQ(n, 123);
    EQ(read(p[0], buf, 100), 100);
    OK(ioctl(p[0], FIONREAD, &n));
    EQ(n, 23);
    ERR(ioctl(p[0], FIONREAD, ABI_BAD_KERNEL), EFAULT);
    close2(p);
}

static atomic_int sigpipes;

static void on_sigpipe(int sig)
{
    (void)sig;
    atomic_fetch_add(&sigpipes, 1);
}

static void t_epipe_sigpipe(void)
{
    int p[2];
    OK(pipe(p));
    close(p[0]);
    signal(SIGPIPE, on_sigpipe);
    atomic_store(&sigpipes, 0);
    ERR(write(p[1], "x", 1), EPIPE);
    EQ(atomic_load(&sigpipes), 1);                   /* raised at the writer, synchronously */
    signal(SIGPIPE, SIG_IGN);
    ERR(write(p[1], "x", 1), EPIPE);
    signal(SIGPIPE, SIG_DFL);
    close(p[1]);
}

/* --- blocking with a partner thread -------------------------------------------- */

struct partner { int fd; long n; char *buf; long result; };

static void *late_writer(void *arg)
{
    struct partner *p = arg;
    abi_sleep_ms(20);
    p->result = write(p->fd, p->buf, (size_t)p->n);
    return NULL;
}

static void *reader_all(void *arg)
{
    struct partner *p = arg;
    long got = 0, n;
    while (got < p->n && (n = read(p->fd, p->buf + got, (size_t)(p->n - got))) > 0)
        got += n;
    p->result = got;
    return NULL;
}

static void *late_closer(void *arg)
{
    struct partner *p = arg;
    abi_sleep_ms(20);
    close(p->fd);
    return NULL;
}

static void t_blocking_wakeups(void)
{
    int p[2];
    pthread_t t;
    char buf[8] = { 0 };
    OK(pipe(p));
    /* A blocked read is woken by a write. */
    struct partner w = { p[1], 4, "ping", 0 };
    RET(pthread_create(&t, NULL, late_writer, &w), 0);
    EQ(read(p[0], buf, sizeof buf), 4);
    pthread_join(t, NULL);
    CHECK(!memcmp(buf, "ping", 4), "read '%.4s'", buf);
    /* A blocked read is woken by the last writer closing. */
    struct partner c = { p[1], 0, NULL, 0 };
    RET(pthread_create(&t, NULL, late_closer, &c), 0);
    EQ(read(p[0], buf, sizeof buf), 0);
    pthread_join(t, NULL);
    close(p[0]);
    /* A blocked write of far more than the capacity completes as a reader
     * drains it, bytes in order. */
    enum { N = 512 * 1024 };
    char *out = malloc(N), *in = calloc(1, N);
    CHECK(out && in, "malloc");
    for (int i = 0; i < N; i++)
        out[i] = (char)(i * 13 + i / 4096);
    OK(pipe(p));
    struct partner r = { p[0], N, in, 0 };
    RET(pthread_create(&t, NULL, reader_all, &r), 0);
    long wrote = write(p[1], out, N);
    pthread_join(t, NULL);
    close2(p);
    EQ(wrote, N);
    EQ(r.result, N);
    CHECK(!memcmp(out, in, N), "bytes arrived out of order or changed");
    free(out);
    free(in);
}

/* Writers of PIPE_BUF-sized records: the kernel must never interleave
 * them. */
struct record_writer { int fd; int id; int records; };

static void *write_records(void *arg)
{
    struct record_writer *w = arg;
    char rec[PIPE_BUF];
    memset(rec, 'A' + w->id, sizeof rec);
    for (int i = 0; i < w->records; i++)
        if (write(w->fd, rec, sizeof rec) != (ssize_t)sizeof rec)
            break;
    return NULL;
}

static void t_pipe_buf_atomic(void)
{
    enum { WRITERS = 4, RECORDS = 40 };
    int p[2];
    pthread_t t[WRITERS];
    struct record_writer w[WRITERS];
    OK(pipe(p));
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (struct record_writer){ p[1], i, RECORDS };
        RET(pthread_create(&t[i], NULL, write_records, &w[i]), 0);
    }
    int counts[WRITERS] = { 0 };
    char rec[PIPE_BUF];
    int bad = -1;
    for (int k = 0; k < WRITERS * RECORDS; k++) {
        size_t got = 0;
        while (got < sizeof rec) {
            ssize_t n = read(p[0], rec + got, sizeof rec - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        if (got != sizeof rec) {
            bad = k;
            break;
        }
        int id = rec[0] - 'A';
        for (size_t i = 1; i < sizeof rec && bad < 0; i++)
            if (rec[i] != rec[0])
                bad = k;
        if (bad >= 0 || id < 0 || id >= WRITERS) {
            bad = k;
            break;
        }
        counts[id]++;
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);
    close2(p);
    CHECK(bad < 0, "record %d was short or mixed", bad);
    for (int i = 0; i < WRITERS; i++)
        EQ(counts[i], RECORDS);
}

/* --- poll --------------------------------------------------------------- */

static void t_poll_states(void)
{
    int p[2];
    OK(pipe2(p, O_NONBLOCK));
    struct pollfd f[2] = { { p[0], POLLIN, -1 }, { p[1], POLLOUT, -1 } };
    EQ(poll(f, 2, 0), 1);                             /* only the write end is ready */
    EQ(f[0].revents, 0);
    EQ(f[1].revents, POLLOUT);
    EQ(write(p[1], "abc", 3), 3);
    EQ(poll(f, 2, 0), 2);
    EQ(f[0].revents, POLLIN);
    /* Full pipe: no POLLOUT. */
    char *buf = calloc(1, 1 << 20);
    CHECK(buf, "calloc");
    while (write(p[1], buf, 1 << 20) > 0)
        ;
    EQ(poll(&f[1], 1, 0), 0);
    EQ(f[1].revents, 0);
    free(buf);
    close2(p);

    /* Writer gone: POLLHUP on the read end (with POLLIN while data is left). */
    OK(pipe(p));
    EQ(write(p[1], "x", 1), 1);
    close(p[1]);
    struct pollfd r = { p[0], POLLIN, 0 };
    EQ(poll(&r, 1, 0), 1);
    EQ(r.revents, POLLIN | POLLHUP);
    char c;
    EQ(read(p[0], &c, 1), 1);
    EQ(poll(&r, 1, 0), 1);
    EQ(r.revents & POLLHUP, POLLHUP);
    close(p[0]);

    /* Reader gone: POLLERR on the write end, even when not asked for. */
    OK(pipe(p));
    close(p[0]);
    struct pollfd w = { p[1], 0, 0 };
    EQ(poll(&w, 1, 0), 1);
    CHECK(w.revents & POLLERR, "revents %#x lacks POLLERR", w.revents);
    close(p[1]);
}

static void t_poll_nval_and_errors(void)
{
    int p[2];
    OK(pipe(p));
    struct pollfd f[3] = { { 9999, POLLIN, 0 }, { -1, POLLIN, 0x55 }, { p[1], POLLOUT, 0 } };
    EQ(poll(f, 3, 0), 2);
    EQ(f[0].revents, POLLNVAL);                       /* a closed descriptor */
    EQ(f[1].revents, 0);                              /* negative: ignored */
    EQ(f[2].revents, POLLOUT);
    EQ(poll(NULL, 0, 0), 0);
    ERR(poll(ABI_BAD_LOW, 1, 0), EFAULT);
    ERR(poll(ABI_BAD_KERNEL, 1, 0), EFAULT);
    ERR(syscall(SYS_poll, f, (unsigned long)INT_MAX + 1ul, 0), EINVAL);   /* more than RLIMIT_NOFILE */
    close2(p);
}

static void t_poll_timeout_and_wakeup(void)
{
    int p[2];
    pthread_t t;
    OK(pipe(p));
    struct pollfd f = { p[0], POLLIN, 0 };
    uint64_t t0 = abi_now_ns();
    EQ(poll(&f, 1, 30), 0);
    uint64_t waited = abi_now_ns() - t0;
    CHECK(waited >= 30000000, "30 ms poll timeout returned after %llu ns", (unsigned long long)waited);
    struct partner w = { p[1], 1, "!", 0 };
    RET(pthread_create(&t, NULL, late_writer, &w), 0);
    EQ(poll(&f, 1, -1), 1);                           /* no timeout: woken by the write */
    EQ(f.revents, POLLIN);
    pthread_join(t, NULL);
    close2(p);
}

static atomic_int usr1;

static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&usr1, 1);
}

static void t_ppoll_sigmask(void)
{
    int p[2];
    sigset_t block, old, during;
    OK(pipe(p));
    signal(SIGUSR1, on_usr1);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, &block, &old));
    atomic_store(&usr1, 0);
    OK(kill(getpid(), SIGUSR1));                      /* pending while blocked */
    EQ(atomic_load(&usr1), 0);
    /* ppoll unblocks it atomically for the wait: EINTR at once. */
    struct pollfd f = { p[0], POLLIN, 0 };
    struct timespec ts = { 10, 0 };
    sigemptyset(&during);
    ERR(ppoll(&f, 1, &ts, &during), EINTR);
    EQ(atomic_load(&usr1), 1);
    sigset_t now;
    OK(sigprocmask(SIG_SETMASK, NULL, &now));
    CHECK(sigismember(&now, SIGUSR1), "ppoll did not restore the mask");
    /* A plain timeout. */
    struct timespec short_ts = { 0, 5000000 };
    EQ(ppoll(&f, 1, &short_ts, NULL), 0);
    struct timespec bad = { 0, 1000000000 };
    ERR(ppoll(&f, 1, &bad, NULL), EINVAL);
    OK(sigprocmask(SIG_SETMASK, &old, NULL));
    signal(SIGUSR1, SIG_DFL);
    close2(p);
}

/* --- select -------------------------------------------------------------- */

static void t_select(void)
{
    int p[2];
    fd_set r, w;
    OK(pipe(p));
    int nfds = (p[0] > p[1] ? p[0] : p[1]) + 1;
    struct timeval zero = { 0, 0 };
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    EQ(select(nfds, &r, &w, NULL, &zero), 1);
    CHECK(!FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w), "wrong sets after select");
    EQ(write(p[1], "x", 1), 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EQ(select(nfds, &r, NULL, NULL, &zero), 1);
    CHECK(FD_ISSET(p[0], &r), "read end not ready");
    char c;
    EQ(read(p[0], &c, 1), 1);
    /* Timeout. */
    struct timeval tv = { 0, 30000 };
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    uint64_t t0 = abi_now_ns();
    EQ(select(nfds, &r, NULL, NULL, &tv), 0);
    CHECK(abi_now_ns() - t0 >= 30000000, "30 ms select timeout returned early");
    CHECK(!FD_ISSET(p[0], &r), "set not cleared on timeout");
    /* A closed descriptor in a set; a negative count. */
    int closed = OK(dup(p[0]));
    close(closed);
    FD_ZERO(&r);
    FD_SET(closed, &r);
    ERR(select(closed + 1, &r, NULL, NULL, &zero), EBADF);
    ERR(select(-1, NULL, NULL, NULL, &zero), EINVAL);
    struct timeval badtv = { 0, -1 };
    ERR(select(0, NULL, NULL, NULL, &badtv), EINVAL);
    ERR(select(nfds, ABI_BAD_LOW, NULL, NULL, &zero), EFAULT);
    close2(p);
}

static void t_pselect_sigmask(void)
{
    int p[2];
    sigset_t block, old, during;
    OK(pipe(p));
    signal(SIGUSR1, on_usr1);
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    OK(sigprocmask(SIG_BLOCK, &block, &old));
    atomic_store(&usr1, 0);
    OK(kill(getpid(), SIGUSR1));
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = { 10, 0 };
    sigemptyset(&during);
    ERR(pselect(p[0] + 1, &r, NULL, NULL, &ts, &during), EINTR);
    EQ(atomic_load(&usr1), 1);
    /* Ready descriptors with a mask that changes nothing. */
    EQ(write(p[1], "x", 1), 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EQ(pselect(p[0] + 1, &r, NULL, NULL, &ts, &old), 1);
    OK(sigprocmask(SIG_SETMASK, &old, NULL));
    signal(SIGUSR1, SIG_DFL);
    close2(p);
}

static void t_pipe_size(void)
{
    int p[2];
    OK(pipe2(p, O_NONBLOCK));
    EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
    /* Rounded up to a power of two of at least a page, as Linux does. */
    EQ(fcntl(p[1], F_SETPIPE_SZ, 0), 4096);
    EQ(fcntl(p[0], F_GETPIPE_SZ), 4096);
    static char buf[65536], back[65536];
    for (size_t k = 0; k < sizeof buf; k++)
        buf[k] = (char)(k * 7 + 1);
    EQ(write(p[1], buf, 8192), 4096); /* the capacity is what fits */
    ERR(write(p[1], buf, 1), EAGAIN);
    EQ(fcntl(p[1], F_SETPIPE_SZ, 5000), 8192); /* growing keeps the bytes and makes room */
    EQ(write(p[1], buf + 4096, 8192), 4096);
    /* Not below what the pipe holds. */
    ERR(fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY);
    EQ(fcntl(p[0], F_GETPIPE_SZ), 8192);
    EQ(fcntl(p[0], F_SETPIPE_SZ, 1 << 20), 1 << 20);
    EQ(read(p[0], back, sizeof back), 8192);
    CHECK(!memcmp(back, buf, 8192), "the bytes changed across the resizes");
    ERR(fcntl(p[0], F_SETPIPE_SZ, 0x80000001u), EINVAL);
    int f = OK(open("/dev/null", O_RDONLY));
    ERR(fcntl(f, F_GETPIPE_SZ), EBADF);
    ERR(fcntl(f, F_SETPIPE_SZ, 4096), EBADF);
    close(f);
    ERR(fcntl(-1, F_GETPIPE_SZ), EBADF);
    close(p[0]);
    close(p[1]);
}

/* --- named pipes: mknod, mkfifo --------------------------------------- */

static char fifo_dir[128];

static void fifo_path(char *buf, size_t n, const char *name)
{
    if (!fifo_dir[0])
        snprintf(fifo_dir, sizeof fifo_dir, "%s", abi_tmpdir());
    snprintf(buf, n, "%s/%s", fifo_dir, name);
}

static bool on_nutshell(void)
{
    struct utsname u;
    return uname(&u) == 0 && strstr(u.release, "nutshell") != NULL;
}

static void t_mknod_kinds(void)
{
    char f[256], r[256], z[256], missing[256];
    fifo_path(f, sizeof f, "fifo");
    fifo_path(r, sizeof r, "reg");
    fifo_path(z, sizeof z, "zero-type");
    fifo_path(missing, sizeof missing, "no-such-dir/x");
    mode_t old = umask(022);
    int rc = mkfifo(f, 0666);
    umask(old);
    OK(rc);
    struct stat st;
    OK(stat(f, &st));
    CHECK(S_ISFIFO(st.st_mode), "mode %o", st.st_mode);
    EQ(st.st_mode & 07777, 0644);
    ERR(mkfifo(f, 0600), EEXIST);
    ERR(mknod(f, S_IFREG | 0600, 0), EEXIST);
    ERR(mkfifo(missing, 0600), ENOENT);
    OK(mknod(r, S_IFREG | 0600, 0));
    OK(stat(r, &st));
    CHECK(S_ISREG(st.st_mode) && st.st_size == 0, "mode %o size %lld", st.st_mode, (long long)st.st_size);
    OK(syscall(SYS_mknodat, AT_FDCWD, z, 0600, 0)); /* no type: a regular file */
    OK(stat(z, &st));
    CHECK(S_ISREG(st.st_mode), "mode %o", st.st_mode);
    ERR(syscall(SYS_mknodat, AT_FDCWD, missing, S_IFDIR | 0700, 0), EPERM); /* mkdir's job */
    ERR(syscall(SYS_mknodat, AT_FDCWD, missing, S_IFLNK | 0700, 0), EINVAL);
    for (int i = 0; i < 3; i++)
        ERR(syscall(SYS_mknod, abi_bad_ptrs[i], S_IFIFO | 0600, 0), EFAULT);
    ERR(syscall(SYS_mknodat, 9999, "x", S_IFIFO | 0600, 0), EBADF);
    if (on_nutshell()) { /* Linux lets root (CAP_MKNOD) make device nodes */
        char d[256];
        fifo_path(d, sizeof d, "dev");
        ERR(mknod(d, S_IFCHR | 0600, makedev(1, 3)), EPERM);
        ERR(mknod(d, S_IFBLK | 0600, makedev(7, 0)), EPERM);
    }
    OK(unlink(f));
    OK(unlink(r));
    OK(unlink(z));
}

static void t_fifo_nonblocking_opens(void)
{
    char f[256];
    fifo_path(f, sizeof f, "nb");
    OK(mkfifo(f, 0600));
    ERR(open(f, O_WRONLY | O_NONBLOCK), ENXIO); /* no reader */
    int rd = OK(open(f, O_RDONLY | O_NONBLOCK)); /* readers never wait */
    char buf[8];
    EQ(read(rd, buf, sizeof buf), 0); /* no writer: EOF, not EAGAIN */
    int wr = OK(open(f, O_WRONLY | O_NONBLOCK));
    EQ(write(wr, "hi", 2), 2);
    struct pollfd p = { rd, POLLIN, 0 };
    EQ(poll(&p, 1, 0), 1);
    EQ(read(rd, buf, sizeof buf), 2);
    CHECK(!memcmp(buf, "hi", 2), "read %.2s", buf);
    OK(close(wr));
    EQ(read(rd, buf, sizeof buf), 0); /* the writer left: EOF */
    OK(close(rd));
    /* O_RDWR is both ends: it never waits, and what it wrote is lost with
     * the last close */
    int rw = OK(open(f, O_RDWR));
    EQ(write(rw, "abc", 3), 3);
    OK(close(rw));
    rw = OK(open(f, O_RDWR | O_NONBLOCK));
    ERR(read(rw, buf, sizeof buf), EAGAIN);
    EQ(fcntl(rw, F_GETPIPE_SZ), 65536);
    OK(close(rw));
    OK(unlink(f));
}

/* The child opens the FIFO one way and the parent the other, later: both
 * opens block until the peer comes. */
static void t_fifo_blocking_opens(void)
{
    char f[256];
    fifo_path(f, sizeof f, "blk");
    OK(mkfifo(f, 0600));
    for (int child_writes = 0; child_writes < 2; child_writes++) {
        pid_t pid = OK(fork());
        if (pid == 0) {
            int fd = open(f, child_writes ? O_WRONLY : O_RDONLY);
            if (fd < 0)
                _exit(100);
            char c = 'x';
            if (child_writes)
                _exit(write(fd, &c, 1) == 1 ? 0 : 101);
            _exit(read(fd, &c, 1) == 1 && c == 'y' ? 0 : 102);
        }
        abi_sleep_ms(50); /* the child is most likely waiting in open by now */
        int fd = OK(open(f, child_writes ? O_RDONLY : O_WRONLY));
        char c = 'y';
        if (child_writes) {
            EQ(read(fd, &c, 1), 1);
            EQ(c, 'x');
        } else {
            EQ(write(fd, &c, 1), 1);
        }
        OK(close(fd));
        int st;
        OK(waitpid(pid, &st, 0));
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
    }
    OK(unlink(f));
}

/* A writer that opens, writes and closes at once, racing a reader's
 * blocking open: the reader's open still returns (its peer came, if only
 * for a moment) and it reads the byte.  Round after round, so that the
 * writer sometimes comes and goes between the steps of the reader's open. */
static void t_fifo_quick_writer_ends_open(void)
{
    char f[256];
    fifo_path(f, sizeof f, "quick");
    OK(mkfifo(f, 0600));
    for (int round = 0; round < 200; round++) {
        pid_t rd = OK(fork());
        if (rd == 0) {
            alarm(20); /* an open that missed its writer dies here */
            char c = 0;
            int fd = open(f, O_RDONLY);
            _exit(fd >= 0 && read(fd, &c, 1) == 1 && c == 'x' ? 0 : 1);
        }
        pid_t wr = OK(fork());
        if (wr == 0) {
            int fd = open(f, O_WRONLY);
            _exit(fd >= 0 && write(fd, "x", 1) == 1 ? 0 : 1);
        }
        int st;
        OK(waitpid(wr, &st, 0));
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "round %d: writer status %#x", round, st);
        OK(waitpid(rd, &st, 0));
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "round %d: reader status %#x", round, st);
    }
    OK(unlink(f));
}

static void t_fifo_open_interrupted(void)
{
    char f[256];
    fifo_path(f, sizeof f, "intr");
    OK(mkfifo(f, 0600));
    struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
    OK(sigaction(SIGALRM, &sa, NULL));
    struct itimerval v = { { 0, 0 }, { 0, 30000 } };
    OK(setitimer(ITIMER_REAL, &v, NULL));
    errno = 0;
    int fd = open(f, O_RDONLY);
    int e = errno;
    signal(SIGALRM, SIG_DFL);
    EQ(fd, -1);
    EQ(e, EINTR);
    /* the interrupted open left no reader behind */
    ERR(open(f, O_WRONLY | O_NONBLOCK), ENXIO);
    OK(unlink(f));
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(basic_and_eof);
    RUN(pipe2_flags);
    RUN(nonblocking);
    RUN(nonblocking_behind_blocked_reader);
    RUN(second_reader_interrupted);
    RUN(fionread);
    RUN(epipe_sigpipe);
    RUN(blocking_wakeups);
    RUN(pipe_buf_atomic);
    RUN(poll_states);
    RUN(poll_nval_and_errors);
    RUN(poll_timeout_and_wakeup);
    RUN(ppoll_sigmask);
    RUN(select);
    RUN(pselect_sigmask);
    RUN(pipe_size);
    RUN(mknod_kinds);
    RUN(fifo_nonblocking_opens);
    RUN(fifo_blocking_opens);
    RUN(fifo_quick_writer_ends_open);
    RUN(fifo_open_interrupted);
    if (fifo_dir[0])
        abi_rm_tree(fifo_dir);
    return abi_end();
}
