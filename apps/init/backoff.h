/* The respawn back-off policy: how long to wait before restarting a
 * service that exited. */
#ifndef INIT_BACKOFF_H
#define INIT_BACKOFF_H

#include <stdint.h>

/* Delays are counted in units (1 s normally; --time-unit-ms shortens them
 * for tests).  The first restart waits BACKOFF_FIRST units, each following
 * one twice as long up to BACKOFF_CAP; a run that lasted BACKOFF_STABLE
 * units or more counts as healthy and starts the sequence again. */
#define BACKOFF_FIRST 1
#define BACKOFF_CAP 60
#define BACKOFF_STABLE 60

struct backoff {
    unsigned next; /* units the next restart waits; 0 before the first exit */
};

/* Called when the service exited after running ran_ms milliseconds.
 * Returns the delay before the restart, in units. */
unsigned backoff_after_exit(struct backoff *b, int64_t ran_ms, int64_t unit_ms);

#endif
