/* Exponential back-off, reset by a run long enough to count as healthy: a
 * service that crashes at once is restarted 1, 2, 4 ... 60 s apart, while one
 * that dies after a day of work comes back after 1 s. */
#include "backoff.h"

unsigned backoff_after_exit(struct backoff *b, int64_t ran_ms, int64_t unit_ms)
{
    if (b->next == 0 || ran_ms >= (int64_t)BACKOFF_STABLE * unit_ms)
        b->next = BACKOFF_FIRST;
    unsigned delay = b->next;
    b->next = delay * 2 > BACKOFF_CAP ? BACKOFF_CAP : delay * 2;
    return delay;
}
