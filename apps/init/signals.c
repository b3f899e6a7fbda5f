/* Waiting for "a signal or a timeout" without losing a wake-up, using only
 * rt_sigprocmask, rt_sigaction and nanosleep (no sigsuspend, ppoll or
 * signalfd, which nutshell need not have).
 *
 * The handled signals are blocked all the time except in signals_wait's
 * window: it records the signal mask with sigsetjmp, unblocks, and sleeps.
 * A signal that was already pending is delivered as soon as it is
 * unblocked, one that arrives later interrupts the sleep; either way the
 * handler notes it and siglongjmps back out of the window, which restores
 * the blocked mask.  A signal can therefore never slip in between "nothing
 * to do" and "go to sleep", the race a plain flag-then-nanosleep has. */
#include "signals.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <time.h>

static const int handled[] = {SIGCHLD, SIGTERM, SIGUSR1, SIGUSR2, SIGINT, SIGHUP};
static const int ignored[] = {SIGPIPE, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};

static sigset_t handled_set;
static sigjmp_buf window;
/* Set only while the handled signals are unblocked, i.e. while window is a
 * valid jump target. */
static volatile sig_atomic_t in_window;
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
    caught |= (sig_atomic_t)SIGBIT(sig);
    if (in_window) {
        in_window = 0;
        siglongjmp(window, 1);
    }
}

void signals_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&handled_set);
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaddset(&handled_set, handled[i]);
    /* One handler at a time: the first one jumps out of the window. */
    sa.sa_mask = handled_set;
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_NOCLDSTOP; /* stopped children are not init's business */
    sigprocmask(SIG_BLOCK, &handled_set, NULL);
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        sigaction(handled[i], &sa, NULL);
    sa.sa_handler = SIG_IGN;
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
        sigaction(ignored[i], &sa, NULL);
}

void signals_ignored(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
        sigaddset(set, ignored[i]);
}

uint32_t signals_wait(int64_t timeout_ms)
{
    caught = 0;
    if (sigsetjmp(window, 1) == 0) {
        /* A long sleep for "no timeout": the caller loops anyway. */
        if (timeout_ms < 0 || timeout_ms > 3600 * 1000)
            timeout_ms = 3600 * 1000;
        struct timespec ts = {.tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000};
        in_window = 1;
        sigprocmask(SIG_UNBLOCK, &handled_set, NULL);
        nanosleep(&ts, NULL);
        sigprocmask(SIG_BLOCK, &handled_set, NULL);
        in_window = 0;
    }
    return (uint32_t)caught;
}
