/* The power-off sequence: stop every process, run the shutdown entries,
 * sync, and power off or restart. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "init.h"
#include "log.h"
#include "signals.h"

/* Sends sig to every running service. */
static void signal_services(struct init *in, int sig)
{
    for (size_t i = 0; i < in->tab.n; i++) {
        struct service *s = &in->tab.v[i];
        if (s->state == SERVICE_RUNNING && kill(s->pid, sig) < 0 && errno != ESRCH)
            log_msg("kill %s (pid %d): %s", s->name, (int)s->pid, strerror(errno));
    }
}

/* As pid 1, sig goes to every process but init (kill(-1)), orphans and the
 * services' own children included.  In test mode init is one process among
 * the host's, so only the services are signalled. */
static void signal_everyone(struct init *in, int sig)
{
    signal_services(in, sig);
    if (in->pid1 && kill(-1, sig) < 0 && errno != ESRCH)
        log_msg("kill(-1, %s): %s", signal_name(sig), strerror(errno));
}

/* Reaps until init has no children left (true) or deadline passes (false).
 * Signals that arrive meanwhile are answered (handle_signals ignores power
 * requests while stopping). */
static bool wait_children_until(struct init *in, int64_t deadline)
{
    for (;;) {
        if (!reap_children(in))
            return true;
        int64_t now = now_ms();
        if (now >= deadline)
            return false;
        handle_signals(in, signals_wait(deadline - now));
    }
}

/* Reaps until s has exited (true) or deadline passes (false). */
static bool wait_service_until(struct init *in, struct service *s, int64_t deadline)
{
    for (;;) {
        reap_children(in);
        if (s->state != SERVICE_RUNNING)
            return true;
        int64_t now = now_ms();
        if (now >= deadline)
            return false;
        handle_signals(in, signals_wait(deadline - now));
    }
}

static void stop_all(struct init *in)
{
    if (!reap_children(in))
        return;
    log_msg("sending SIGTERM to %s", in->pid1 ? "all processes" : "all services");
    signal_everyone(in, SIGTERM);
    if (wait_children_until(in, now_ms() + STOP_GRACE_UNITS * in->unit_ms))
        return;
    log_msg("sending SIGKILL to %s still running", in->pid1 ? "the processes" : "the services");
    signal_everyone(in, SIGKILL);
    if (!wait_children_until(in, now_ms() + KILL_WAIT_UNITS * in->unit_ms))
        log_msg("some processes did not exit; going on");
}

static void run_shutdown_entries(struct init *in)
{
    for (size_t i = 0; i < in->tab.n; i++) {
        struct service *s = &in->tab.v[i];
        if (s->action != ACTION_SHUTDOWN)
            continue;
        int err = service_start(s, now_ms());
        if (err) {
            log_msg("cannot start %s: %s: %s", s->name, s->argv[0], strerror(err));
            continue;
        }
        if (wait_service_until(in, s, now_ms() + SHUTDOWN_TIMEOUT_UNITS * in->unit_ms))
            continue;
        log_msg("%s (pid %d) still running, sending SIGKILL", s->name, (int)s->pid);
        kill(s->pid, SIGKILL);
        wait_service_until(in, s, now_ms() + KILL_WAIT_UNITS * in->unit_ms);
    }
}

_Noreturn void power_sequence(struct init *in)
{
    bool restart = in->power == POWER_RESTART;
    in->stopping = true;
    log_msg("%s: %s", restart ? "restarting" : "powering off", in->power_reason);
    stop_all(in);
    run_shutdown_entries(in);
    sync();
    if (restart)
        log_msg("restart");
    else
        log_msg("power off (status %d)", in->power_status);
    if (!in->pid1)
        exit(in->power_status);
    reboot(restart ? RB_AUTOBOOT : RB_POWER_OFF);
    /* Still here: the kernel refused.  pid 1 must not exit, so keep reaping. */
    log_msg("reboot: %s; halted", strerror(errno));
    for (;;) {
        reap_children(in);
        signals_wait(-1);
    }
}
