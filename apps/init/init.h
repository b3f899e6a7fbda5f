/* The state of init as a whole: the service table, the boot progress and
 * a pending power-off. */
#ifndef INIT_INIT_H
#define INIT_INIT_H

#include <stdbool.h>
#include <stdint.h>

#include "inittab.h"

/* init's own delays, in units (1 s unless --time-unit-ms says otherwise). */
#define STOP_GRACE_UNITS 5      /* SIGTERM to SIGKILL at power-off */
#define KILL_WAIT_UNITS 2       /* SIGKILL to giving up on stragglers */
#define SHUTDOWN_TIMEOUT_UNITS 30 /* each shutdown entry, then SIGKILL */

enum power { POWER_NONE, POWER_OFF, POWER_RESTART };

struct init {
    struct inittab tab;
    int64_t unit_ms;
    bool pid1;            /* real init: reboot(2) at the end, kill(-1) at stop */
    size_t boot_next;     /* index of the next entry to start at boot */
    struct service *boot_waiting; /* the `wait` entry boot waits for, or NULL */
    bool stopping;        /* the power-off sequence runs: nothing (re)starts */
    enum power power;     /* requested, not yet carried out */
    int power_status;     /* reported at power-off (a final entry's status) */
    char power_reason[96];
};

/* Monotonic milliseconds. */
int64_t now_ms(void);

/* "2 s", or "20 ms" when not a whole number of seconds. */
const char *format_delay(int64_t ms, char *buf, unsigned long len);

/* Asks for power-off or restart; the first request wins. */
void power_request(struct init *in, enum power p, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reaps every child that has ended (services and orphans alike) and acts
 * on each.  Returns false once init has no children left at all. */
bool reap_children(struct init *in);

/* Starts what boot still has to start and the respawns that are due.
 * Returns the absolute time of the next due restart, or -1. */
int64_t supervise(struct init *in, int64_t now);

/* Acts on signals (a SIGBIT mask from signals_wait). */
void handle_signals(struct init *in, uint32_t caught);

/* Stops everything, runs the shutdown entries, syncs and powers off (or
 * restarts).  As pid 1 it never returns; in test mode it exits with
 * in->power_status. */
_Noreturn void power_sequence(struct init *in);

#endif
