/* The kernel log ring's storage (see kernel/log_ring.h). */
#include <kernel/log_ring.h>

/* Byte p of the stream is ring[p % LOG_RING_SIZE] for first <= p < end. */
static char ring[LOG_RING_SIZE];
static uint64_t first, end;

static char at(uint64_t p)
{
    return ring[p % LOG_RING_SIZE];
}

void log_ring_append_unlocked(const char *s, size_t n)
{
    n = MIN(n, (size_t)LOG_RING_SIZE);
    while (end + n - first > LOG_RING_SIZE) {
        /* drop the oldest line */
        while (first < end && at(first++) != '\n')
            ;
    }
    for (size_t k = 0; k < n; k++)
        ring[(end + k) % LOG_RING_SIZE] = s[k];
    end += n;
}

void log_ring_bounds_unlocked(uint64_t *f, uint64_t *e)
{
    *f = first;
    *e = end;
}

size_t log_ring_read_unlocked(char *dst, size_t len, uint64_t *from, bool newest)
{
    uint64_t start = MAX(*from, first), stop = end;
    if (newest && stop - start > len) {
        /* the last whole lines that fit: start just after a line's end */
        start = stop - len;
        while (start < stop && at(start - 1) != '\n')
            start++;
    } else if (!newest && stop - start > len) {
        /* the first whole lines that fit (a first line longer than len is cut) */
        uint64_t cut = start + len;
        while (cut > start && at(cut - 1) != '\n')
            cut--;
        stop = cut > start ? cut : start + len;
    }
    for (uint64_t q = start; q < stop; q++)
        dst[q - start] = at(q);
    *from = stop;
    return (size_t)(stop - start);
}
