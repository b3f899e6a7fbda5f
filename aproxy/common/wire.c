/* Length-prefixed frames on a stream (wire.h). */
#include <errno.h>
#include <unistd.h>

#include "wire.h"

/* Reads exactly len bytes: 1, 0 at end of stream before the first byte, -1
 * on error or end of stream inside. */
static int read_full(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            if (got == 0)
                return 0;
            errno = EPIPE;
            return -1;
        }
        got += (size_t)n;
    }
    return 1;
}

enum wire_status wire_read(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t head[4];
    int r = read_full(fd, head, sizeof(head));
    if (r <= 0)
        return r == 0 ? WIRE_EOF : WIRE_ERROR;
    size_t n = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
    *len = n;
    if (n <= cap)
        return read_full(fd, buf, n) == 1 || n == 0 ? WIRE_OK : WIRE_ERROR;
    /* drop the oversized frame piece by piece, so the next frame is read in step */
    while (n) {
        size_t piece = n < cap ? n : cap;
        if (read_full(fd, buf, piece) != 1)
            return WIRE_ERROR;
        n -= piece;
    }
    return WIRE_TOO_LARGE;
}

int wire_write(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}
