/* See child.h. */
#include "child.h"

#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

bool child_run(void (*fn)(void), struct child_result *out)
{
    int p[2];
    memset(out, 0, sizeof *out);
    if (pipe(p) != 0) {
        unit_fail(__FILE__, __LINE__, "pipe: %s", strerror(errno));
        return false;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        unit_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return false;
    }
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], STDERR_FILENO);
        close(p[1]);
        fn();
        fflush(NULL);
        _exit(0);
    }
    close(p[1]);
    size_t got = 0;
    for (;;) {
        char buf[256];
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t room = sizeof out->err - 1 - got;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(out->err + got, buf, take);
        got += take;
    }
    close(p[0]);
    while (waitpid(pid, &out->status, 0) < 0) {
        if (errno != EINTR) {
            unit_fail(__FILE__, __LINE__, "waitpid: %s", strerror(errno));
            return false;
        }
    }
    return true;
}

void child_expect_abort(void (*fn)(void), const char *msg, const char *file, int line)
{
    struct child_result r;
    if (!child_run(fn, &r))
        return;
    if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGABRT)
        unit_fail(file, line, "expected death by SIGABRT, got status 0x%x (stderr: \"%s\")", r.status, r.err);
    else if (strcmp(r.err, msg) != 0)
        unit_fail(file, line, "expected stderr \"%s\", got \"%s\"", msg, r.err);
}
