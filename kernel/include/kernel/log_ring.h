/* The kernel log ring's storage (kernel/lib/log_ring.c), without locking:
 * printk serialises every call with printk_lock (kernel/printk.h has the
 * locked interface).  The ring holds the newest lines of the stream of
 * everything logged, each "<level>[time] text\n"; a position is a byte
 * offset in that stream, and [first, end) is what the ring still holds.
 * Whole lines are dropped from the front to make room. */
#ifndef KERNEL_LOG_RING_H
#define KERNEL_LOG_RING_H

#include <kernel/types.h>

#define LOG_RING_SIZE 16384

/* Appends one line (ending in '\n'); one longer than the ring is cut. */
void log_ring_append_unlocked(const char *s, size_t n);
void log_ring_bounds_unlocked(uint64_t *first, uint64_t *end);
/* Copies whole lines from position *from on (or the oldest kept, if later)
 * into dst (at most len bytes): the newest ones that fit if newest, else
 * the first ones (a single line longer than len is cut); *from becomes the
 * position after the last byte copied.  Returns the bytes copied. */
size_t log_ring_read_unlocked(char *dst, size_t len, uint64_t *from, bool newest);

#endif
