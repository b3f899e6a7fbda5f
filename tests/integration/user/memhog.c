/* memhog: allocates until the kernel says no, three ways, and checks the
 * answer is ENOMEM (or, for memory touched past what exists, death by a
 * signal in a child), never a kernel crash; and that an execve refused for
 * lack of memory says ENOMEM at every level of scarcity until it works.
 * Run in a 16 MiB machine. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
static const char *round_name = "1"; /* argv[1]: the same checks run several times in one boot */

static void check(int ok, const char *what)
{
    printf("%s memhog/round%s/%s\n", ok ? "PASS" : "FAIL", round_name, what);
    failures += !ok;
}

/* mmap + touch 1 MiB chunks until mmap fails or a touch kills us (child). */
static int hog_mmap(void)
{
    size_t total = 0;
    for (;;) {
        char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return errno == ENOMEM ? 0 : 2;
        memset(p, 0x5a, 1 << 20);
        total += 1 << 20;
        if (total > (1ull << 34))
            return 3; /* more than exists: the kernel is lying */
    }
}

/* malloc + touch until malloc says no (or a touch kills us).  Untouched
 * allocations would only grow the address space, as on Linux. */
static int hog_malloc(void)
{
    size_t n = 0;
    char *p;
    while ((p = malloc(4096))) {
        memset(p, 0x5a, 4096);
        n++;
    }
    return errno == ENOMEM && n > 0 ? 0 : 2;
}

/* Exit status of the program an exec ladder finally runs. */
#define EXEC_LADDER_OK 42

/* Takes every free page (reads from /dev/zero into untouched memory: a
 * read that finds no page for its copy ends with EFAULT, no signal), then
 * tries to execve this program again, giving back 16 KiB after each
 * refusal.  Every refusal must be ENOMEM, and the exec must work once
 * there is room; the new program (argv[1] "exec-ok") reports how many
 * refusals came first.  Returns (only if the exec never worked) 2 for a
 * wrong errno, 3 if it never worked at all. */
static int exec_ladder(const char *self)
{
    static volatile char stack_room[64 * 1024];
    for (size_t i = 0; i < sizeof stack_room; i += 4096)
        stack_room[i] = 1; /* touched now: no stack fault once memory is gone */
    size_t len = 1ul << 30, filled = 0;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    int zero = open("/dev/zero", O_RDONLY);
    if (p == MAP_FAILED || zero < 0)
        return 3;
    while (filled < len && read(zero, p + filled, 4096) == 4096)
        filled += 4096;
    for (unsigned tries = 0;; tries++) {
        char count[16];
        snprintf(count, sizeof count, "%u", tries);
        char *argv[] = {(char *)self, "exec-ok", count, NULL};
        execve(self, argv, (char *[]){NULL});
        if (errno != ENOMEM) {
            printf("memhog: execve under memory pressure failed with %s (try %u, %zu KiB held)\n", strerror(errno),
                   tries, filled / 1024);
            return 2;
        }
        if (filled == 0)
            return 3;
        size_t give = filled < 16384 ? filled : 16384;
        filled -= give;
        munmap(p + filled, give);
    }
}

/* Forks until the kernel refuses (ENOMEM or EAGAIN), then ends and reaps
 * every child: the kernel must say no cleanly and get everything back.
 * Each child waits on a pipe whose only writer is this process, so the
 * children also go if this process dies (a fault taken while memory is
 * exhausted ends in the OOM killer, which may pick any of them). */
static void fork_until_refused(void)
{
    static pid_t pids[8192];
    memset(pids, 0, sizeof pids); /* touched now: no page fault needed at exhaustion */
    int lifeline[2];
    if (pipe(lifeline)) {
        check(0, "fork-until-refused");
        return;
    }
    int n = 0;
    while (n < 8192) {
        pid_t pid = fork();
        if (pid == 0) {
            char c;
            close(lifeline[1]);
            while (read(lifeline[0], &c, 1) < 0 && errno == EINTR)
                ;
            _exit(0);
        }
        if (pid < 0)
            break;
        pids[n++] = pid;
    }
    int err = errno;
    close(lifeline[1]); /* every child's read now ends */
    close(lifeline[0]);
    printf("memhog: %d children forked, then %s\n", n, n == 8192 ? "stopped" : strerror(err));
    check(n > 10 && (n == 8192 || err == ENOMEM || err == EAGAIN), "fork-until-refused");
    int reaped = 0;
    for (int i = 0; i < n; i++)
        reaped += waitpid(pids[i], NULL, 0) == pids[i];
    check(reaped == n, "forked-children-all-reaped");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "mmap"))
        return hog_mmap();
    if (argc > 1 && !strcmp(argv[1], "malloc"))
        return hog_malloc();
    if (argc > 1 && !strcmp(argv[1], "exec-ladder"))
        return exec_ladder(argv[0]);
    if (argc > 2 && !strcmp(argv[1], "exec-ok")) {
        printf("memhog: execve worked after %s refusals with ENOMEM\n", argv[2]);
        return strcmp(argv[2], "0") ? EXEC_LADDER_OK : 1; /* memory must have run out first */
    }
    if (argc > 1)
        round_name = argv[1];
    struct sysinfo si;
    if (sysinfo(&si) == 0)
        printf("memhog: round %s starts with %lu KiB free\n", round_name, si.freeram * si.mem_unit / 1024);

    /* One huge request: plain ENOMEM. */
    void *huge = mmap(NULL, 1ull << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(huge == MAP_FAILED && errno == ENOMEM, "huge-mmap-enomem");
    check(malloc(1ull << 40) == NULL && errno == ENOMEM, "huge-malloc-enomem");

    /* Children that eat everything: each ends with ENOMEM (status 0) or dies by a signal. */
    const char *modes[] = {"mmap", "malloc", "mmap"};
    for (int i = 0; i < 3; i++) {
        pid_t pid;
        char *cargv[] = {argv[0], (char *)modes[i], NULL};
        int err = posix_spawn(&pid, argv[0], NULL, NULL, cargv, NULL);
        if (err) {
            /* Spawning itself may fail for lack of memory: that is ENOMEM too. */
            check(err == ENOMEM || err == EAGAIN, "spawn-under-pressure");
            continue;
        }
        int status;
        waitpid(pid, &status, 0);
        int ok = (WIFEXITED(status) && WEXITSTATUS(status) == 0) || WIFSIGNALED(status);
        struct sysinfo after;
        sysinfo(&after);
        printf("memhog: child %s %s %d, %lu KiB free after\n", modes[i], WIFEXITED(status) ? "exited" : "killed by signal",
               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), after.freeram * after.mem_unit / 1024);
        check(ok, modes[i][1] == 'm' ? "child-mmap-until-enomem" : "child-malloc-until-enomem");
    }
    pid_t ladder;
    char *largv[] = {argv[0], "exec-ladder", NULL};
    int status = 0, err = posix_spawn(&ladder, argv[0], NULL, NULL, largv, NULL);
    if (!err)
        waitpid(ladder, &status, 0);
    check(!err && WIFEXITED(status) && WEXITSTATUS(status) == EXEC_LADDER_OK, "execve-enomem-until-room");
    fork_until_refused();
    /* Afterwards the memory is back: a moderate allocation works again. */
    char *again = malloc(1 << 20);
    check(again != NULL, "memory-returns-after-children-exit");
    return failures ? 1 : 0;
}
