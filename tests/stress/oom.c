/*
 * oom: memory running out for good, with user processes holding it.  The
 * stress boot's last program (stress.list), once pressure has stopped.
 *
 *   oom ROUNDS [SURVIVORS]
 *
 * SURVIVORS (default 3) children each fill a 256 KiB buffer with their own
 * pattern, then keep working: check the whole buffer, count a round in a
 * shared page, yield, again, until told to stop.  Each of ROUNDS rounds then
 * forks a hog that maps and touches 1 MiB chunks without end: the kernel
 * must kill it (its OOM killer picks the largest process, mm/oom.h) with
 * SIGKILL, not hang, not crash, not kill a survivor.  After every round each
 * survivor must have counted more rounds (it kept working), and at the end
 * each checks its buffer once more and exits 0.
 *
 * Prints `note stress/oom: round R hog pid P killed by SIGKILL` for
 * stress-boot.sh, which checks that the kernel's log names each such pid in
 * an `oom: out of memory: killed process P (oom)` line, and no other pid.
 * Everything a survivor needs is touched before the first hog starts, so a
 * survivor takes no page fault while memory is gone.
 */
#include "stress.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#define MAX_SURVIVORS 8
#define SURVIVOR_BYTES (256 * 1024)
#define HOG_CHUNK (1 << 20)

/* Shared with the survivors (MAP_SHARED, touched before they fork). */
struct board {
    atomic_long rounds[MAX_SURVIVORS]; /* each survivor's finished checks */
    atomic_int stop;                   /* set by the parent: check once more and exit */
    atomic_int bad[MAX_SURVIVORS];     /* the first wrong word's index + 1, 0 if none */
};

static uint64_t word(int who, size_t i)
{
    return (uint64_t)who << 56 ^ i * 0x9e3779b97f4a7c15ull;
}

/* Returns the index + 1 of the first word that lost its pattern, 0 if none. */
static size_t check_buffer(const uint64_t *buf, int who)
{
    for (size_t i = 0; i < SURVIVOR_BYTES / sizeof *buf; i++)
        if (buf[i] != word(who, i))
            return i + 1;
    return 0;
}

static void survivor(struct board *b, int who)
{
    static uint64_t buf[SURVIVOR_BYTES / sizeof(uint64_t)];
    static volatile char stack_room[32 * 1024];
    for (size_t i = 0; i < sizeof stack_room; i += 4096)
        stack_room[i] = 1; /* touched now: no stack fault once memory is gone */
    for (size_t i = 0; i < sizeof buf / sizeof *buf; i++)
        buf[i] = word(who, i);
    for (;;) {
        int last = atomic_load(&b->stop);
        size_t bad = check_buffer(buf, who);
        if (bad) {
            atomic_store(&b->bad[who], (int)bad);
            _exit(1);
        }
        if (last)
            _exit(0);
        atomic_fetch_add(&b->rounds[who], 1);
        sched_yield();
    }
}

/* Maps and touches memory until the kernel kills it. */
static void hog(void)
{
    for (size_t total = 0;; total += HOG_CHUNK) {
        char *p = mmap(NULL, HOG_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            _exit(errno == ENOMEM ? 3 : 4); /* one chunk is far below the machine's size */
        for (size_t i = 0; i < HOG_CHUNK; i += 4096)
            p[i] = (char)(i >> 12);
        if (total > (1ull << 34))
            _exit(5); /* more than exists: the kernel is lying */
    }
}

static void describe(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
    long rounds = stress_begin("oom", argc, argv);
    int nsurv = argc > 2 ? atoi(argv[2]) : 3;
    if (nsurv < 1 || nsurv > MAX_SURVIVORS) {
        stress_fail("SURVIVORS must be 1 to %d", MAX_SURVIVORS);
        return stress_end(0);
    }
    struct board *b = mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) {
        stress_fail("mmap of the board: %s", strerror(errno));
        return stress_end(0);
    }
    memset(b, 0, sizeof *b);
    pid_t surv[MAX_SURVIVORS];
    for (int i = 0; i < nsurv; i++) {
        surv[i] = stress_fork();
        if (surv[i] == 0)
            survivor(b, i);
        if (surv[i] < 0) {
            stress_fail("fork of survivor %d: %s", i, strerror(errno));
            nsurv = i;
            break;
        }
    }
    /* every survivor has filled its buffer and checked it once */
    for (int i = 0; i < nsurv && !stress_failed(); i++)
        while (atomic_load(&b->rounds[i]) == 0)
            sched_yield();

    long done = 0;
    for (; done < rounds && !stress_failed(); done++) {
        long before[MAX_SURVIVORS];
        for (int i = 0; i < nsurv; i++)
            before[i] = atomic_load(&b->rounds[i]);
        pid_t h = stress_fork();
        if (h == 0)
            hog();
        if (h < 0) {
            stress_fail("fork of the hog: %s", strerror(errno));
            break;
        }
        int status = stress_wait(h);
        char how[64];
        describe(status, how, sizeof how);
        if (status < 0 || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            stress_fail("round %ld: the hog %s, want killed by SIGKILL (9)", done + 1, how);
            break;
        }
        stress_note("note stress/oom: round %ld hog pid %d killed by SIGKILL", done + 1, (int)h);
        /* the survivors are alive and still working now that memory is back */
        for (int i = 0; i < nsurv && !stress_failed(); i++) {
            while (atomic_load(&b->rounds[i]) <= before[i] + 1 && !atomic_load(&b->bad[i])) {
                int st;
                if (waitpid(surv[i], &st, WNOHANG) != 0) {
                    describe(st, how, sizeof how);
                    stress_fail("round %ld: survivor %d %s", done + 1, i, how);
                    break;
                }
                sched_yield();
            }
        }
    }

    atomic_store(&b->stop, 1);
    for (int i = 0; i < nsurv; i++) {
        int status = stress_wait(surv[i]);
        char how[64];
        describe(status, how, sizeof how);
        if (atomic_load(&b->bad[i]))
            stress_fail("survivor %d: its buffer's word %d lost its pattern", i, atomic_load(&b->bad[i]) - 1);
        else if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            stress_fail("survivor %d %s, want exited with status 0", i, how);
    }
    return stress_end(done);
}
