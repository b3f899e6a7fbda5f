/* A byte ring buffer: the storage of a pipe.  Pure data structure (no
 * locking: the pipe's lock protects it), so host unit tests can drive it. */
#ifndef FS_PIPE_RING_H
#define FS_PIPE_RING_H

#include <kernel/types.h>

struct pipe_ring {
    uint8_t *buf;
    size_t cap;   /* bytes of buf */
    size_t head;  /* index of the oldest byte */
    size_t len;   /* bytes held */
};

static inline size_t ring_space(const struct pipe_ring *r) { return r->cap - r->len; }
/* Appends up to n bytes (as many as fit); returns how many. */
size_t ring_write(struct pipe_ring *r, const void *src, size_t n);
/* Removes up to n bytes into dst; returns how many. */
size_t ring_read(struct pipe_ring *r, void *dst, size_t n);
/* Removes up to n bytes unread; returns how many. */
size_t ring_drop(struct pipe_ring *r, size_t n);

#endif
