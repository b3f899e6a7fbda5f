/* vmrun: the /sbin/init of the test images.  Runs every program listed in
 * /etc/vmrun.list (one absolute path per line, optional arguments after
 * spaces), one after the other, with stdio on the console, and reports each
 * one's end as a result line:
 *
 *   PASS vm/<name>            the program exited with status 0
 *   FAIL vm/<name>: <why>     it exited non-zero, was killed, or could not start
 *
 * A line may start with a marker (the stress image, tests/stress/):
 *   & <program>   starts it and goes on at once; the & programs are waited
 *                 for before the next line without a marker, and at the end;
 *   % <program>   a background load: started at once, sent SIGTERM once the
 *                 & programs have been waited for, then judged like them.
 * and a line "@watchdog SECONDS" arms a watchdog for what follows: if the
 * programs are still running that long after it, vmrun asks the kernel for
 * its task dump (/proc/sysrq-trigger "t": every thread's state and kernel
 * backtrace on the console, on the debug kernel), says which programs are
 * left, and kills them; killed programs still there a minute later get a
 * second dump and vmrun gives up.  A hang then ends the boot with a report
 * of where everything is, before the host's timeout kills QEMU blind.
 *
 * Then it exits with 0 if everything passed, 1 otherwise; nutshell powers the
 * machine off when init exits, with that status in QEMU's exit code. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A started program not yet judged. */
struct job {
    pid_t pid;
    char name[128];
    int status;  /* its wait status, once ended */
    int ended;
};
static struct job concurrent[32], background[32];
static int nconcurrent, nbackground;

static struct job *find_job(pid_t pid)
{
    for (int i = 0; i < nconcurrent; i++)
        if (concurrent[i].pid == pid)
            return &concurrent[i];
    for (int i = 0; i < nbackground; i++)
        if (background[i].pid == pid)
            return &background[i];
    return NULL;
}

/* The watchdog (@watchdog): its period, and set by SIGALRM when it ran out. */
static unsigned watchdog_s;
static volatile sig_atomic_t watchdog_fired;
static int watchdog_stage; /* 0 armed, 1 programs killed, 2 gave up */

static void on_alarm(int sig)
{
    (void)sig;
    watchdog_fired = 1;
}

static void arm_watchdog(unsigned seconds)
{
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART: waitpid returns EINTR */
    sigaction(SIGALRM, &sa, NULL);
    watchdog_s = seconds;
    watchdog_stage = 0;
    alarm(seconds);
}

static void ask_task_dump(void)
{
    int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "t", 1) != 1)
        printf("note vm/watchdog: no kernel task dump (/proc/sysrq-trigger: %s)\n", strerror(errno));
    if (fd >= 0)
        close(fd);
}

/* Names what is still running, asks for the kernel's task dump and kills
 * it; the second time (killed programs still there), gives up. */
static void watchdog_expired(void)
{
    watchdog_fired = 0;
    char names[512] = "";
    size_t len = 0;
    for (int i = 0; i < nconcurrent; i++)
        if (!concurrent[i].ended && len < sizeof names)
            len += (size_t)snprintf(names + len, sizeof names - len, " %s", concurrent[i].name);
    printf("FAIL vm/watchdog: still running %u s after @watchdog%s:%s\n", watchdog_s,
           watchdog_stage ? " and a minute after SIGKILL" : "", names);
    fflush(stdout);
    ask_task_dump();
    if (watchdog_stage++ == 0) {
        for (int k = 0; k < 2; k++) {
            struct job *jobs = k ? background : concurrent;
            for (int i = 0; i < (k ? nbackground : nconcurrent); i++)
                if (!jobs[i].ended)
                    kill(jobs[i].pid, SIGKILL);
        }
        alarm(60);
        return;
    }
    printf("vmrun: giving up\n");
    fflush(stdout);
    exit(1);
}

/* Waits for pid; returns its wait status, or -1 with errno set.  As init,
 * it reaps whatever else ends meanwhile: orphans (a stress program may leave
 * thousands), and other jobs, whose statuses are kept for their turn. */
static int wait_for(pid_t pid)
{
    struct job *j = find_job(pid);
    if (j && j->ended)
        return j->status;
    for (;;) {
        int status;
        pid_t got = waitpid(-1, &status, 0);
        if (got < 0 && errno == EINTR) {
            if (watchdog_fired)
                watchdog_expired();
            continue;
        }
        if (got < 0 || got == pid)
            return got < 0 ? -1 : status;
        if ((j = find_job(got))) {
            j->status = status;
            j->ended = 1;
        }
    }
}

/* Waits for pid and prints its result line; 1 if it failed. */
static int judge(pid_t pid, const char *name)
{
    int status = wait_for(pid);
    if (status == -1) {
        printf("FAIL vm/%s: waitpid: %s\n", name, strerror(errno));
        return 1;
    }
    fflush(stdout);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("PASS vm/%s\n", name);
        return 0;
    }
    if (WIFEXITED(status))
        printf("FAIL vm/%s: exit status %d\n", name, WEXITSTATUS(status));
    else
        printf("FAIL vm/%s: killed by signal %d\n", name, WTERMSIG(status));
    return 1;
}

/* Waits for the & programs, then stops and waits for the % ones. */
static int settle(void)
{
    int failed = 0;
    for (int i = 0; i < nconcurrent; i++)
        failed += judge(concurrent[i].pid, concurrent[i].name);
    nconcurrent = 0;
    for (int i = 0; i < nbackground; i++)
        if (!background[i].ended) /* else its pid may be reused already */
            kill(background[i].pid, SIGTERM);
    for (int i = 0; i < nbackground; i++)
        failed += judge(background[i].pid, background[i].name);
    nbackground = 0;
    return failed;
}

static int run(char *line)
{
    char *argv[32];
    int argc = 0;
    for (char *tok = strtok(line, " \t\n"); tok && argc < 31; tok = strtok(NULL, " \t\n"))
        argv[argc++] = tok;
    argv[argc] = NULL;
    struct job *jobs = NULL;
    int *njobs = NULL;
    if (argc == 2 && !strcmp(argv[0], "@watchdog")) {
        arm_watchdog((unsigned)strtoul(argv[1], NULL, 10));
        return 0;
    }
    if (argc > 0 && (!strcmp(argv[0], "&") || !strcmp(argv[0], "%"))) {
        jobs = argv[0][0] == '&' ? concurrent : background;
        njobs = argv[0][0] == '&' ? &nconcurrent : &nbackground;
        memmove(argv, argv + 1, argc-- * sizeof *argv);
    }
    int failed = jobs ? 0 : settle();
    if (argc == 0)
        return failed;
    /* The result is named after the program, and its first argument if any. */
    char name[128];
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    snprintf(name, sizeof name, "%s%s%s", base, argc > 1 ? "-" : "", argc > 1 ? argv[1] : "");
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
    if (err) {
        printf("FAIL vm/%s: cannot start: %s\n", name, strerror(err));
        return failed + 1;
    }
    if (!jobs || *njobs == 32)
        return failed + judge(pid, name);
    jobs[*njobs] = (struct job){.pid = pid};
    snprintf(jobs[*njobs].name, sizeof jobs[*njobs].name, "%s", name);
    ++*njobs;
    return failed;
}

/* The kernel's shootdown, stack and reschedule-IPI counters (/proc/vmstat), as notes: the
 * stress suite relays them, so a run shows how many IPIs it cost. */
static void note_vmstat(void)
{
    FILE *v = fopen("/proc/vmstat", "r");
    if (!v)
        return; /* no /proc in this image */
    char l[128];
    while (fgets(l, sizeof l, v))
        if (!strncmp(l, "nr_tlb_", 7) || !strncmp(l, "nr_kstack_", 10) || !strncmp(l, "nr_resched_", 11))
            printf("note vm/vmstat: %s", l);
    fclose(v);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    setenv("ABI_DIR", "/abi", 1);
    FILE *f = fopen("/etc/vmrun.list", "r");
    if (!f) {
        printf("FAIL vm/vmrun: /etc/vmrun.list: %s\n", strerror(errno));
        return 1;
    }
    char line[512];
    int failed = 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#')
            failed += run(line);
    fclose(f);
    failed += settle();
    alarm(0);
    /* Orphans re-parented to us: reap whatever is left. */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    note_vmstat();
    printf("vmrun: %d failed\n", failed);
    return failed ? 1 : 0;
}
