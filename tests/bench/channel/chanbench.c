/* chanbench: the guest end of the channel benchmark (tests/bench/channel).
 * A static musl program that runs unchanged under nutshell and under Linux.
 *
 *   chanbench PORT-DEVICE
 *
 * Serves requests from the host on one virtio-console port, forever:
 *   'p'                 ping: answers 'k' (the host waits for it before timing)
 *   'i' + u64 N (BE)    reads N bytes and throws them away, then answers 'k'
 *   'o' + u64 N (BE)    writes N bytes
 * When the host is not connected a read returns 0 (both kernels); the
 * program then waits 10 ms and tries again, so it needs no poll semantics
 * that differ between the kernels.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint8_t buf[65536];

static void nap(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Reads exactly n bytes (into buf when n fits, else discarding), waiting
 * across host disconnects. */
static int read_n(int fd, uint8_t *out, uint64_t n)
{
    while (n) {
        size_t want = n < sizeof(buf) ? (size_t)n : sizeof(buf);
        ssize_t r = read(fd, out ? out : buf, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) {
            nap();
            continue;
        }
        if (out)
            out += r;
        n -= (uint64_t)r;
    }
    return 0;
}

static int write_n(int fd, const uint8_t *p, uint64_t n, int repeat)
{
    while (n) {
        size_t want = n < sizeof(buf) ? (size_t)n : sizeof(buf);
        ssize_t w = write(fd, p, want);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        if (!repeat)
            p += w;
        n -= (uint64_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: chanbench PORT-DEVICE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) {
        fprintf(stderr, "chanbench: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    memset(buf, 0x5a, sizeof(buf));
    fprintf(stderr, "chanbench: serving %s\n", argv[1]);
    for (;;) {
        uint8_t op, len[8];
        uint64_t n = 0;
        if (read_n(fd, &op, 1) < 0)
            break;
        if (op == 'i' || op == 'o') {
            if (read_n(fd, len, 8) < 0)
                break;
            for (int i = 0; i < 8; i++)
                n = n << 8 | len[i];
        }
        int r = 0;
        static const uint8_t ok = 'k';
        if (op == 'p')
            r = write_n(fd, &ok, 1, 0);
        else if (op == 'i')
            r = read_n(fd, NULL, n) < 0 ? -1 : write_n(fd, &ok, 1, 0);
        else if (op == 'o')
            r = write_n(fd, buf, n, 1);
        if (r < 0)
            fprintf(stderr, "chanbench: request '%c': %s\n", op, strerror(errno));
    }
    fprintf(stderr, "chanbench: %s: %s\n", argv[1], strerror(errno));
    return 1;
}
