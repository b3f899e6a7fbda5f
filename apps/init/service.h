/* Services: the entries of /etc/inittab and what init knows about each
 * one's process. */
#ifndef INIT_SERVICE_H
#define INIT_SERVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backoff.h"
#include "words.h"

#define SERVICE_NAME_MAX 31

enum action {
    ACTION_ONCE,     /* start at boot, never restart */
    ACTION_WAIT,     /* start at boot and wait for it before the next line */
    ACTION_RESPAWN,  /* start at boot, restart with back-off whenever it exits */
    ACTION_FINAL,    /* start at boot; its exit powers the machine off */
    ACTION_SHUTDOWN, /* run (and wait for) at power-off only */
};

enum service_state {
    SERVICE_IDLE,    /* not started yet */
    SERVICE_RUNNING, /* pid is its process */
    SERVICE_BACKOFF, /* respawn: exited, restarts at restart_at_ms */
    SERVICE_DONE,    /* exited (or failed to start) for good */
};

struct service {
    char name[SERVICE_NAME_MAX + 1];
    enum action action;
    int line;             /* in the inittab, for messages */
    char *command;        /* the command as written, for the start log */
    struct words words;   /* environment assignments, then argv */
    char **argv;          /* points into words.v */
    char **envp;          /* init's environment merged with the assignments */

    enum service_state state;
    pid_t pid;            /* valid while RUNNING */
    int64_t started_ms;   /* monotonic time of the last start */
    int64_t restart_at_ms;
    struct backoff backoff;

    /* needs=PATH options (respawn only): the paths that must exist before
     * each start; until they do, the service waits (polled every unit). */
    char **needs;
    size_t nneeds;
    const char *waiting_for; /* the needs path a start is held for (logged once), or NULL */
};

const char *action_name(enum action a);

/* Starts s's program (posix_spawnp) with a clean signal state and the
 * console as stdin/stdout/stderr (inherited from init), logs the start and
 * marks it RUNNING.  Returns 0, or an errno value if it could not be
 * started (the caller logs it: what happens next depends on the action). */
int service_start(struct service *s, int64_t now_ms);

/* Frees what inittab loading allocated for s. */
void service_free(struct service *s);

#endif
