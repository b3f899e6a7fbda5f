/* Starting a service's process. */
#include "service.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>

#include "log.h"
#include "signals.h"

const char *action_name(enum action a)
{
    switch (a) {
    case ACTION_ONCE: return "once";
    case ACTION_WAIT: return "wait";
    case ACTION_RESPAWN: return "respawn";
    case ACTION_FINAL: return "final";
    case ACTION_SHUTDOWN: return "shutdown";
    }
    return "?";
}

/* init keeps its signals blocked outside its sleep (signals.c) and ignores
 * a few; a service must start as if from a fresh exec: nothing blocked,
 * every signal at its default action.  musl's posix_spawn already resets
 * the signals init catches (their handlers would mean nothing after exec);
 * SETSIGDEF resets the ignored ones, which exec would keep ignored. */
int service_start(struct service *s, int64_t now_ms)
{
    posix_spawnattr_t attr;
    sigset_t none, ignored;
    sigemptyset(&none);
    signals_ignored(&ignored);
    int err = posix_spawnattr_init(&attr);
    if (!err)
        err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (!err)
        err = posix_spawnattr_setsigmask(&attr, &none);
    if (!err)
        err = posix_spawnattr_setsigdefault(&attr, &ignored);
    pid_t pid = 0;
    if (!err)
        err = posix_spawnp(&pid, s->argv[0], NULL, &attr, s->argv, s->envp);
    posix_spawnattr_destroy(&attr);
    if (err)
        return err;
    s->pid = pid;
    s->state = SERVICE_RUNNING;
    s->started_ms = now_ms;
    log_msg("started %s (pid %d): %s", s->name, (int)pid, s->command);
    return 0;
}

void service_free(struct service *s)
{
    for (size_t i = 0; i < s->nneeds; i++)
        free(s->needs[i]);
    free(s->needs);
    s->needs = NULL;
    s->nneeds = 0;
    words_free(&s->words);
    free(s->command);
    free(s->envp);
    s->command = NULL;
    s->envp = NULL;
    s->argv = NULL;
}
