/* init: the first user program (pid 1) of the nutshell service VM.
 *
 *   init [--inittab FILE] [--time-unit-ms N]   supervise the services
 *   init --check [--inittab FILE]              parse FILE, print it, exit
 *
 * As pid 1 it powers the machine off with reboot(2) at the end.  With any
 * other pid it runs in test mode: it makes itself the child subreaper (so
 * orphans come to it as they would to pid 1), and at the end prints
 * "init: power off (status N)" and exits with N.  docs/init.md has the
 * inittab format, the signals and the log lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"
#include "log.h"
#include "signals.h"

#define DEFAULT_INITTAB "/etc/inittab"
#define DEFAULT_PATH "/sbin:/usr/sbin:/bin:/usr/bin"

extern char **environ;

struct options {
    const char *inittab;
    int64_t unit_ms;
    bool check;
};

static void usage(void)
{
    fprintf(stderr, "usage: init [--inittab FILE] [--time-unit-ms N]\n"
                    "       init --check [--inittab FILE]\n");
}

/* Returns 0, or -1 after logging what is wrong.  As pid 1 a bad argument
 * is only logged (the kernel may pass arguments of its own). */
static int parse_options(int argc, char **argv, bool pid1, struct options *o)
{
    o->inittab = DEFAULT_INITTAB;
    o->unit_ms = 1000;
    o->check = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--inittab") == 0 && i + 1 < argc) {
            o->inittab = argv[++i];
        } else if (strcmp(a, "--time-unit-ms") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            long long v = strtoll(argv[++i], &end, 10);
            if (errno || *end || end == argv[i] || v < 1 || v > 3600 * 1000) {
                log_msg("--time-unit-ms: '%s' is not a number of milliseconds from 1 to 3600000", argv[i]);
                if (!pid1)
                    return -1;
                continue;
            }
            o->unit_ms = v;
        } else if (strcmp(a, "--check") == 0 && !pid1) {
            o->check = true; /* pid 1 must not parse and exit */
        } else if (strcmp(a, "--help") == 0 && !pid1) {
            usage();
            exit(0);
        } else {
            log_msg("unknown argument '%s'", a);
            if (!pid1) {
                usage();
                return -1;
            }
        }
    }
    return 0;
}

/* --check: the inittab as init understands it, one line per word. */
static int check_inittab(const char *path)
{
    struct inittab tab;
    int err = inittab_load(path, NULL, &tab);
    if (err) {
        log_msg("cannot read %s: %s", path, strerror(-err));
        return 2;
    }
    for (size_t i = 0; i < tab.n; i++) {
        struct service *s = &tab.v[i];
        printf("%s %s (line %d)\n", s->name, action_name(s->action), s->line);
        for (size_t k = 0; k < s->nneeds; k++)
            printf("  needs %s\n", s->needs[k]);
        for (char **w = s->words.v; w < s->argv; w++)
            printf("  env %s\n", *w);
        for (char **w = s->argv; *w; w++)
            printf("  arg %s\n", *w);
    }
    int status = tab.errors ? 1 : 0;
    inittab_free(&tab);
    return status;
}

/* The kernel opens /dev/console as fds 0, 1 and 2 for init; should one be
 * missing, open it here so services and the log still have a console. */
static void ensure_console(void)
{
    for (int fd = 0; fd < 3; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0)
            continue;
        int c = open("/dev/console", O_RDWR);
        if (c < 0)
            return; /* nowhere to even report it */
        if (c != fd) {
            dup2(c, fd);
            close(c);
        }
    }
}

/* No inittab: a shell on the console whose exit powers the machine off
 * (docs/init.md).  If /bin/sh is missing too, starting it fails and that
 * powers off with status 127. */
static void fallback_inittab(struct inittab *tab, char *const base_env[])
{
    char text[] = "sh:final:/bin/sh";
    inittab_parse("(built-in inittab)", text, base_env, tab);
}

int main(int argc, char **argv)
{
    static struct init in;
    in.pid1 = getpid() == 1;
    if (in.pid1)
        ensure_console();

    struct options opt;
    if (parse_options(argc, argv, in.pid1, &opt) < 0)
        return 2;
    if (opt.check)
        return check_inittab(opt.inittab);
    in.unit_ms = opt.unit_ms;

    signals_init();
    if (!in.pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        log_msg("prctl(PR_SET_CHILD_SUBREAPER): %s; orphans will not come to init", strerror(errno));
    if (!getenv("PATH"))
        setenv("PATH", DEFAULT_PATH, 1);

    log_msg("starting%s, reading %s", in.pid1 ? "" : " (test mode: not pid 1)", opt.inittab);
    int err = inittab_load(opt.inittab, environ, &in.tab);
    if (err) {
        log_msg("cannot read %s: %s; starting /bin/sh instead, its exit powers off", opt.inittab, strerror(-err));
        fallback_inittab(&in.tab, environ);
    } else if (in.tab.n == 0) {
        log_msg("no services in %s; waiting for a signal", opt.inittab);
    }

    uint32_t caught = 0;
    for (;;) {
        reap_children(&in);
        handle_signals(&in, caught);
        int64_t now = now_ms();
        int64_t next = supervise(&in, now);
        if (in.power != POWER_NONE)
            power_sequence(&in);
        caught = signals_wait(next < 0 ? -1 : next - now);
    }
}
