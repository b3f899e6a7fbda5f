/* Byte ring buffer (see fs/pipe_ring.h). */
#include <fs/pipe_ring.h>
#include <kernel/string.h>

size_t ring_write(struct pipe_ring *r, const void *src, size_t n)
{
    n = MIN(n, ring_space(r));
    size_t tail = (r->head + r->len) % r->cap;
    size_t first = MIN(n, r->cap - tail);
    memcpy(r->buf + tail, src, first);
    memcpy(r->buf, (const uint8_t *)src + first, n - first);
    r->len += n;
    return n;
}

size_t ring_read(struct pipe_ring *r, void *dst, size_t n)
{
    n = MIN(n, r->len);
    size_t first = MIN(n, r->cap - r->head);
    memcpy(dst, r->buf + r->head, first);
    memcpy((uint8_t *)dst + first, r->buf, n - first);
    return ring_drop(r, n);
}

size_t ring_drop(struct pipe_ring *r, size_t n)
{
    n = MIN(n, r->len);
    r->head = (r->head + n) % r->cap;
    r->len -= n;
    if (r->len == 0)
        r->head = 0;
    return n;
}
