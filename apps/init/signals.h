/* The signals init acts on, and its one place of waiting. */
#ifndef INIT_SIGNALS_H
#define INIT_SIGNALS_H

#include <signal.h>
#include <stdint.h>

/* Bits of the mask signals_wait returns. */
#define SIGBIT(sig) (1u << (sig))

/* Installs init's handlers (SIGCHLD, SIGTERM, SIGUSR1, SIGUSR2, SIGINT,
 * SIGHUP) and ignores the job-control and SIGPIPE signals.  From here on
 * the handled signals stay blocked except inside signals_wait, so a handler
 * never interrupts init's own bookkeeping. */
void signals_init(void);

/* The signals signals_init set to SIG_IGN (a service must not inherit
 * that). */
void signals_ignored(sigset_t *set);

/* Sleeps until a handled signal arrives or timeout_ms passes (a negative
 * timeout waits for a signal only).  Returns the SIGBIT mask of the signals
 * caught, 0 on timeout.  A signal already pending when it is called ends the
 * wait at once: no wake-up is ever lost. */
uint32_t signals_wait(int64_t timeout_ms);

#endif
