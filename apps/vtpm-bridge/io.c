/* Deadline-bounded socket I/O (io.h). */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t io_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t io_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Waits for `events` on fd until the deadline; IO_OK when ready. */
static enum io_status wait_for(int fd, short events, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - io_now_ms();
        if (left <= 0)
            return IO_TIMEOUT;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return IO_ERROR;
        if (r > 0)
            return IO_OK; /* readable, writable, or an error the next call reports */
    }
}

enum io_status io_write_all(int fd, const void *buf, size_t n, int64_t deadline_ms)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            enum io_status st = wait_for(fd, POLLOUT, deadline_ms);
            if (st != IO_OK)
                return st;
            continue;
        }
        return IO_ERROR;
    }
    return IO_OK;
}

enum io_status io_read_more(int fd, void *buf, size_t want, size_t *have, int64_t deadline_ms)
{
    uint8_t *p = buf;
    while (*have < want) {
        ssize_t r = recv(fd, p + *have, want - *have, 0);
        if (r > 0) {
            *have += (size_t)r;
            continue;
        }
        if (r == 0)
            return IO_EOF;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            enum io_status st = wait_for(fd, POLLIN, deadline_ms);
            if (st != IO_OK)
                return st;
            continue;
        }
        return IO_ERROR;
    }
    return IO_OK;
}

const char *io_status_text(enum io_status st)
{
    switch (st) {
    case IO_OK: return "ok";
    case IO_EOF: return "closed by the peer";
    case IO_TIMEOUT: return "timed out";
    case IO_ERROR: break;
    }
    return strerror(errno);
}

int io_set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}
