/* porttest: the guest half of the virtio-console port test (virtio-ports.py
 * is the host half).  Echoes everything the host sends on PORT until the
 * host disconnects (waiting in select(2) before every read and write),
 * checks what a disconnected port does, waits in poll for the host to come
 * back, and echoes again until the second disconnect (spinning on
 * non-blocking reads); then closes the port, lets a third client send while
 * it is closed, reopens it and echoes what was kept. */
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

static int failures;

static void result(const char *name, int ok, const char *why)
{
    if (ok)
        printf("PASS port/%s\n", name);
    else {
        printf("FAIL port/%s: %s\n", name, why);
        failures++;
    }
    fflush(stdout);
}

/* With use_select, waits in select(2) until fd is readable (write: writable),
 * as a server multiplexing ports would: false on an error. */
static int wait_ready(int fd, int use_select, int write)
{
    if (!use_select)
        return 1;
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    int r = select(fd + 1, write ? NULL : &set, write ? &set : NULL, NULL, NULL);
    if (r != 1 || !FD_ISSET(fd, &set)) {
        printf("porttest: select: %d, %s\n", r, strerror(errno));
        return 0;
    }
    return 1;
}

enum wait_mode {
    BLOCKING,     /* blocking reads and writes */
    SELECT,       /* select(2) before every read and write */
    SPIN_NONBLOCK /* O_NONBLOCK reads, retried after a poll(2) with timeout 0 */
};

/* Echoes until end-of-file, waiting as mode says; returns the bytes echoed,
 * or -1 on an error. */
static long echo(int fd, enum wait_mode mode)
{
    static char buf[16384];
    long total = 0;
    int fl = fcntl(fd, F_GETFL);
    for (;;) {
        if (!wait_ready(fd, mode == SELECT, 0))
            return -1;
        if (mode == SPIN_NONBLOCK)
            fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        ssize_t n = read(fd, buf, sizeof buf);
        fcntl(fd, F_SETFL, fl);
        if (n < 0 && errno == EAGAIN && mode == SPIN_NONBLOCK) {
            struct pollfd p = {fd, POLLIN, 0};
            poll(&p, 1, 0);
            continue;
        }
        if (n == 0)
            return total;
        if (n < 0) {
            printf("porttest: read: %s\n", strerror(errno));
            return -1;
        }
        for (ssize_t off = 0; off < n;) {
            if (!wait_ready(fd, mode == SELECT, 1))
                return -1;
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w <= 0) {
                printf("porttest: write: %s\n", strerror(errno));
                return -1;
            }
            off += w;
        }
        total += n;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: porttest /dev/port/NAME\n");
        return 2;
    }
    int fd = open(argv[1], O_RDWR);
    result("open", fd >= 0, strerror(errno));
    if (fd < 0)
        return 1;
    long n = echo(fd, SELECT);
    printf("porttest: echoed %ld bytes\n", n);
    result("eof-after-host-disconnect", n > 0, "echo failed");

    errno = 0;
    result("write-epipe-while-disconnected", write(fd, "x", 1) < 0 && errno == EPIPE, strerror(errno));
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    char c;
    errno = 0;
    result("nonblock-read-eagain-while-disconnected", read(fd, &c, 1) < 0 && errno == EAGAIN, strerror(errno));
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    result("poll-quiet-while-disconnected", poll(&p, 1, 0) == 0, "poll reported an event");
    fcntl(fd, F_SETFL, fl);
    printf("porttest: waiting for the host\n");
    fflush(stdout);
    p.events = POLLIN;
    int r = poll(&p, 1, -1);
    result("poll-in-after-reconnect", r == 1 && (p.revents & POLLIN), "poll did not report POLLIN");
    n = echo(fd, SPIN_NONBLOCK);
    result("echo-after-reconnect", n > 0, "second echo failed");
    close(fd);
    printf("porttest: closed\n");
    fflush(stdout);
    /* the host's third client sends now, while no one has the port open */
    nanosleep(&(struct timespec){2, 0}, NULL);
    fd = open(argv[1], O_RDWR);
    result("reopen", fd >= 0, strerror(errno));
    if (fd < 0)
        return 1;
    n = echo(fd, BLOCKING);
    result("echo-of-bytes-sent-while-closed", n > 0, "third echo failed");
    close(fd);
    return failures != 0;
}
