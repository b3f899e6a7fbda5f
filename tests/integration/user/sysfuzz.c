/* sysfuzz: throws random system calls with hostile arguments at the kernel
 * from throw-away child processes.  The kernel must answer each with a
 * result or an errno, or kill only the child (it may unmap its own code);
 * it must never crash.  The parent reports one result line per batch; the
 * real check is that the machine is still alive and powers off cleanly.
 *
 *   sysfuzz <batches> <calls-per-batch>  */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Calls that would end or replace the fuzzer, reach other processes or the
 * machine, or create processes: they are tested by the ABI suite instead. */
static int excluded(long nr)
{
    switch (nr) {
    case SYS_exit: case SYS_exit_group: case SYS_reboot: case SYS_kill: case SYS_tkill: case SYS_tgkill:
    case SYS_clone: case SYS_fork: case SYS_vfork: case SYS_execve: case SYS_execveat: case SYS_rt_sigreturn:
    case SYS_clone3: case SYS_rt_sigqueueinfo: case SYS_rt_tgsigqueueinfo:
    case SYS_syslog: /* its CONSOLE_* actions set the machine's console level */
        return 1;
    default:
        return 0;
    }
}

static uint64_t rng;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char scratch[8192];

static long arg(void)
{
    switch (next() % 12) {
    case 0: return 0;
    case 1: return -1;
    case 2: return (long)(next() % 64);
    case 3: return (long)(scratch + next() % 4096);       /* a valid buffer */
    case 4: return (long)0xffff888000000000ull + (long)(next() % 0x100000); /* kernel direct map */
    case 5: return (long)0xffffffff80100000ull;           /* kernel text */
    case 6: return (long)(next() & 0x00007fffffffffffull); /* anywhere in user space */
    case 7: return (long)0x7ffffffff000ull;               /* the top user page */
    case 8: return (long)(next() % 0x100000);             /* low, mostly unmapped */
    case 9: return INT32_MAX;
    case 10: return (long)next();
    default: return 4096;
    }
}

static int child(unsigned seed, int calls)
{
    rng = seed * 0x9e3779b97f4a7c15ull + 1;
    close(0); /* a read of the console would just wait for a key */
    for (int i = 0; i < calls; i++) {
        long nr = (long)(next() % 460);
        if (excluded(nr))
            continue;
        /* The result does not matter: any errno is an answer. */
        syscall(nr, arg(), arg(), arg(), arg(), arg(), arg());
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--child"))
        return child((unsigned)atoi(argv[2]), atoi(argv[3]));
    int batches = argc > 1 ? atoi(argv[1]) : 20, calls = argc > 2 ? atoi(argv[2]) : 500;
    int failed = 0;
    for (int b = 0; b < batches; b++) {
        char seed[16], n[16];
        snprintf(seed, sizeof seed, "%d", b + 1);
        snprintf(n, sizeof n, "%d", calls);
        char *cargv[] = {argv[0], "--child", seed, n, NULL};
        pid_t pid;
        int err = posix_spawn(&pid, argv[0], NULL, NULL, cargv, NULL);
        if (err) {
            printf("FAIL sysfuzz/batch-%d: cannot start: %s\n", b + 1, strerror(err));
            failed++;
            continue;
        }
        /* A call may block (a read on a pipe it made, a futex wait): give each batch 3 s. */
        int status = 0, waited = 0;
        struct timespec tick = {0, 20 * 1000 * 1000};
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (++waited == 150)
                kill(pid, SIGKILL);
            nanosleep(&tick, NULL);
        }
        printf("PASS sysfuzz/batch-%d (%s %d)\n", b + 1, WIFEXITED(status) ? "exited" : "killed by signal",
               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    }
    return failed ? 1 : 0;
}
