/* The supervision rules: what init does when a process ends, when a
 * restart is due, when boot may go on, and when a signal arrives. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "init.h"
#include "log.h"
#include "signals.h"

void power_request(struct init *in, enum power p, int status, const char *fmt, ...)
{
    if (in->power != POWER_NONE)
        return;
    in->power = p;
    in->power_status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->power_reason, sizeof(in->power_reason), fmt, ap);
    va_end(ap);
}

static void schedule_restart(struct init *in, struct service *s, int64_t ran_ms, int64_t now, char *when,
                             size_t len)
{
    int64_t delay_ms = (int64_t)backoff_after_exit(&s->backoff, ran_ms, in->unit_ms) * in->unit_ms;
    s->state = SERVICE_BACKOFF;
    s->restart_at_ms = now + delay_ms;
    format_delay(delay_ms, when, len);
}

/* A service's process ended with wait status `status`. */
static void service_exited(struct init *in, struct service *s, int status, int64_t now)
{
    char how[64], when[32];
    describe_status(status, how, sizeof(how));
    int pid = (int)s->pid;
    s->pid = 0;
    s->state = SERVICE_DONE;
    if (in->boot_waiting == s)
        in->boot_waiting = NULL;

    if (in->stopping) {
        log_msg("%s (pid %d) %s", s->name, pid, how);
    } else if (s->action == ACTION_RESPAWN) {
        schedule_restart(in, s, now - s->started_ms, now, when, sizeof(when));
        log_msg("%s (pid %d) %s, restarting in %s", s->name, pid, how, when);
    } else if (s->action == ACTION_FINAL) {
        log_msg("%s (pid %d) %s, powering off", s->name, pid, how);
        power_request(in, POWER_OFF, status_code(status), "final service %s ended", s->name);
    } else {
        log_msg("%s (pid %d) %s", s->name, pid, how);
    }
}

bool reap_children(struct init *in)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid == 0)
            return true;
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            if (errno != ECHILD)
                log_msg("waitpid: %s", strerror(errno));
            return false;
        }
        struct service *s = NULL;
        for (size_t i = 0; i < in->tab.n; i++)
            if (in->tab.v[i].state == SERVICE_RUNNING && in->tab.v[i].pid == pid)
                s = &in->tab.v[i];
        if (s) {
            service_exited(in, s, status, now_ms());
        } else {
            char how[64];
            log_msg("orphan (pid %d) %s", (int)pid, describe_status(status, how, sizeof(how)));
        }
    }
}

/* The first of s's needs=PATH paths that does not exist, or NULL. */
static const char *missing_need(const struct service *s)
{
    struct stat st;
    for (size_t i = 0; i < s->nneeds; i++)
        if (stat(s->needs[i], &st) != 0)
            return s->needs[i];
    return NULL;
}

/* Starts s, or decides what its failure to start means.  A respawn entry
 * whose needs=PATH is missing is held instead, and looked at again every
 * unit (a device may come later, or never: one line per missing path says
 * so, rather than the program's error and a restart every minute). */
static void start_service(struct init *in, struct service *s, int64_t now)
{
    const char *missing = missing_need(s);
    if (missing) {
        if (s->waiting_for != missing)
            log_msg("%s waits for %s before it starts", s->name, missing);
        s->waiting_for = missing;
        s->state = SERVICE_BACKOFF;
        s->restart_at_ms = now + in->unit_ms;
        return;
    }
    s->waiting_for = NULL;
    int err = service_start(s, now);
    if (!err)
        return;
    /* The shell's convention, so a final entry reports it the same way. */
    int code = err == ENOENT ? 127 : 126;
    char when[32];
    if (s->action == ACTION_RESPAWN && !in->stopping) {
        schedule_restart(in, s, 0, now, when, sizeof(when));
        log_msg("cannot start %s: %s: %s, retrying in %s", s->name, s->argv[0], strerror(err), when);
        return;
    }
    s->state = SERVICE_DONE;
    if (s->action == ACTION_FINAL && !in->stopping) {
        log_msg("cannot start %s: %s: %s, powering off", s->name, s->argv[0], strerror(err));
        power_request(in, POWER_OFF, code, "final service %s could not start", s->name);
    } else {
        log_msg("cannot start %s: %s: %s", s->name, s->argv[0], strerror(err));
    }
}

int64_t supervise(struct init *in, int64_t now)
{
    if (in->stopping)
        return -1;
    while (!in->boot_waiting && in->boot_next < in->tab.n && in->power == POWER_NONE) {
        struct service *s = &in->tab.v[in->boot_next++];
        if (s->action == ACTION_SHUTDOWN)
            continue;
        start_service(in, s, now);
        if (s->action == ACTION_WAIT && s->state == SERVICE_RUNNING)
            in->boot_waiting = s;
    }
    int64_t next = -1;
    for (size_t i = 0; i < in->tab.n && in->power == POWER_NONE; i++) {
        struct service *s = &in->tab.v[i];
        if (s->state != SERVICE_BACKOFF)
            continue;
        if (now >= s->restart_at_ms)
            start_service(in, s, now);
        if (s->state == SERVICE_BACKOFF && (next < 0 || s->restart_at_ms < next))
            next = s->restart_at_ms;
    }
    return next;
}

void handle_signals(struct init *in, uint32_t caught)
{
    static const int order[] = {SIGTERM, SIGUSR2, SIGINT, SIGUSR1, SIGHUP};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        int sig = order[i];
        if (!(caught & SIGBIT(sig)))
            continue;
        if (sig == SIGUSR1 || sig == SIGHUP)
            log_msg("%s ignored", signal_name(sig));
        else if (in->stopping || in->power != POWER_NONE)
            log_msg("%s ignored: already %s", signal_name(sig),
                    in->power == POWER_RESTART ? "restarting" : "powering off");
        else
            power_request(in, sig == SIGINT ? POWER_RESTART : POWER_OFF, 0, "received %s", signal_name(sig));
    }
}
