/* Processes: posix_spawn (clone(CLONE_VM|CLONE_VFORK) + execve in musl),
 * execve and its errors, wait4/waitid with exit codes and signals, kill
 * with SIGTERM/SIGKILL, zombies reaped exactly once, O_CLOEXEC at execve,
 * argv/envp passing, orphans re-parented, and fork (or a clean ENOSYS).
 *
 * Children are this same program run as `processes --child <mode> ...`
 * from ABI_DIR; they never print, they answer through exit status and
 * pipes. */
#include "abi.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

/* --- child side ---------------------------------------------------------- */

static void say(int fd, const void *buf, size_t n)
{
    if (write(fd, buf, n) != (ssize_t)n)
        _exit(90);
}

static int term_fd = -1;

static void on_term(int sig)
{
    (void)sig;
    say(term_fd, "t", 1);
}

/* Sleeps in short naps for up to 20 s (the parent kills us long before). */
static int nap_until_killed(void)
{
    for (int i = 0; i < 200; i++)
        abi_sleep_ms(100);
    return 50;
}

static int child_main(int argc, char **argv)
{
    const char *mode = argv[0];
    int fd = argc > 1 ? atoi(argv[1]) : -1;
    if (!strcmp(mode, "exit"))
        exit(atoi(argv[1]));
    if (!strcmp(mode, "segv")) {
        abi_write_byte((void *)16);                   /* dies here */
        return 91;
    }
    if (!strcmp(mode, "abort"))
        abort();
    if (!strcmp(mode, "sleep")) {
        say(fd, "r", 1);
        return nap_until_killed();
    }
    if (!strcmp(mode, "term-handler")) {
        term_fd = fd;
        signal(SIGTERM, on_term);
        say(fd, "r", 1);
        return nap_until_killed();
    }
    if (!strcmp(mode, "chain")) {
        int n = atoi(argv[1]);
        if (n == 0)
            return 10;
        char next[16];
        snprintf(next, sizeof next, "%d", n - 1);
        const char *args[] = { "--child", "chain", next, NULL };
        pid_t pid = abi_spawn(ABI_AREA, args);
        int st = pid > 0 ? abi_wait(pid) : -1;
        return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) + 1 : 92;
    }
    if (!strcmp(mode, "args")) {
        const char *env = getenv("ABI_TEST_ENV");
        if (argc != 4 || strcmp(argv[1], "alpha") || strcmp(argv[2], "beta gamma") || strcmp(argv[3], ""))
            return 1;
        return env && !strcmp(env, "hello world") ? 0 : 2;
    }
    if (!strcmp(mode, "fds")) {
        /* argv[1] was opened O_CLOEXEC, argv[2] was not. */
        if (fcntl(atoi(argv[1]), F_GETFD) != -1 || errno != EBADF)
            return 1;
        return fcntl(atoi(argv[2]), F_GETFD) == 0 ? 0 : 2;
    }
    if (!strcmp(mode, "ppid"))
        return getppid() == atoi(argv[1]) ? 0 : 1;
    if (!strcmp(mode, "exec-self") || !strcmp(mode, "report-pid")) {
        int pid = getpid();
        say(fd, &pid, sizeof pid);
        if (!strcmp(mode, "report-pid"))
            return 0;
        char path[512];
        abi_prog_path(path, sizeof path, ABI_AREA);
        char *args[] = { path, "--child", "report-pid", argv[1], NULL };
        execve(path, args, environ);
        return 93;
    }
    if (!strcmp(mode, "orphan")) {
        char me[16];
        snprintf(me, sizeof me, "%d", (int)getpid());
        const char *args[] = { "--child", "orphan-grandchild", argv[1], me, NULL };
        return abi_spawn(ABI_AREA, args) > 0 ? 0 : 94;
    }
    if (!strcmp(mode, "orphan-grandchild")) {
        /* Wait for the parent to exit and for us to get a new one. */
        pid_t old = atoi(argv[2]);
        uint64_t deadline = abi_now_ns() + 10000000000ull;
        while (getppid() == old && abi_now_ns() < deadline)
            abi_sleep_ms(2);
        say(fd, getppid() != old ? "o" : "x", 1);
        return 0;
    }
    return 99;
}

/* --- parent side --------------------------------------------------------- */

static pid_t spawn_child(const char *mode, const char *a1, const char *a2, const char *a3)
{
    const char *args[] = { "--child", mode, a1, a2, a3, NULL };
    return abi_spawn(ABI_AREA, args);
}

static char *itoa_buf(int v)
{
    static char bufs[4][16];
    static int which;
    which = (which + 1) % 4;
    snprintf(bufs[which], sizeof bufs[which], "%d", v);
    return bufs[which];
}

#define SPAWN(pid, ...) do { pid = spawn_child(__VA_ARGS__); \
        CHECK(pid > 0, "posix_spawn: %s", abi_errname(-pid)); } while (0)

/* Reads one byte from fd, waiting up to 10 s. */
static int read_byte(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    char c;
    if (poll(&p, 1, 10000) != 1 || read(fd, &c, 1) != 1)
        return -1;
    return c;
}

static void t_exit_codes(void)
{
    static const int codes[][2] = { { 0, 0 }, { 1, 1 }, { 42, 42 }, { 255, 255 }, { 256, 0 }, { 257, 1 } };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        pid_t pid;
        SPAWN(pid, "exit", itoa_buf(codes[i][0]), NULL, NULL);
        int st = abi_wait(pid);
        CHECK(WIFEXITED(st) && !WIFSIGNALED(st), "exit(%d): status %#x", codes[i][0], st);
        EQ(WEXITSTATUS(st), codes[i][1]);
    }
}

static void t_wait4_rusage(void)
{
    pid_t pid;
    int st;
    struct rusage ru;
    SPAWN(pid, "exit", "3", NULL, NULL);
    memset(&ru, 0xff, sizeof ru);
    EQ(wait4(pid, &st, 0, &ru), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %#x", st);
    CHECK(ru.ru_utime.tv_sec >= 0 && ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000,
          "ru_utime not filled in");
    CHECK(ru.ru_stime.tv_usec >= 0 && ru.ru_stime.tv_usec < 1000000, "ru_stime not filled in");
}

static void t_waitid(void)
{
    pid_t pid;
    siginfo_t si;
    SPAWN(pid, "exit", "42", NULL, NULL);
    memset(&si, 0, sizeof si);
    OK(waitid(P_PID, (id_t)pid, &si, WEXITED));
    EQ(si.si_signo, SIGCHLD);
    EQ(si.si_pid, pid);
    EQ(si.si_code, CLD_EXITED);
    EQ(si.si_status, 42);
    /* P_ALL, and the child is gone afterwards. */
    SPAWN(pid, "exit", "7", NULL, NULL);
    memset(&si, 0, sizeof si);
    OK(waitid(P_ALL, 0, &si, WEXITED));
    EQ(si.si_pid, pid);
    EQ(si.si_status, 7);
    ERR(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG), ECHILD);
}

static void t_nohang_and_sigterm(void)
{
    int p[2];
    pid_t pid;
    int st;
    siginfo_t si;
    OK(pipe(p));
    SPAWN(pid, "sleep", itoa_buf(p[1]), NULL, NULL);
    EQ(read_byte(p[0]), 'r');
    EQ(wait4(pid, &st, WNOHANG, NULL), 0);            /* still running */
    memset(&si, 0xff, sizeof si);
    EQ(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG), 0);
    EQ(si.si_pid, 0);
    OK(kill(pid, SIGTERM));
    st = abi_wait(pid);
    close(p[0]);
    close(p[1]);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#x, want killed by SIGTERM", st);
    ERR(kill(pid, 0), ESRCH);                         /* reaped: gone */
}

static void t_sigkill_cannot_be_caught(void)
{
    int p[2];
    pid_t pid;
    OK(pipe(p));
    SPAWN(pid, "term-handler", itoa_buf(p[1]), NULL, NULL);
    EQ(read_byte(p[0]), 'r');
    OK(kill(pid, SIGTERM));
    EQ(read_byte(p[0]), 't');                         /* handled, still alive */
    int st;
    EQ(wait4(pid, &st, WNOHANG, NULL), 0);
    OK(kill(pid, SIGKILL));
    st = abi_wait(pid);
    close(p[0]);
    close(p[1]);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x, want killed by SIGKILL", st);
}

static void t_child_sigsegv_reported(void)
{
    pid_t pid;
    SPAWN(pid, "segv", NULL, NULL, NULL);
    int st = abi_wait(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "status %#x, want killed by SIGSEGV", st);
    siginfo_t si;
    SPAWN(pid, "segv", NULL, NULL, NULL);
    memset(&si, 0, sizeof si);
    OK(waitid(P_PID, (id_t)pid, &si, WEXITED));
    CHECK(si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED, "si_code %d", si.si_code);
    EQ(si.si_status, SIGSEGV);
    SPAWN(pid, "abort", NULL, NULL, NULL);
    st = abi_wait(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "abort(): status %#x", st);
}

static void t_spawn_chain(void)
{
    pid_t pid;
    SPAWN(pid, "chain", "3", NULL, NULL);             /* 3 -> 2 -> 1 -> 0 */
    int st = abi_wait(pid);
    CHECK(WIFEXITED(st), "status %#x", st);
    EQ(WEXITSTATUS(st), 13);
}

static void t_args_and_env(void)
{
    pid_t pid;
    OK(setenv("ABI_TEST_ENV", "hello world", 1));
    pid = spawn_child("args", "alpha", "beta gamma", "");
    unsetenv("ABI_TEST_ENV");
    CHECK(pid > 0, "posix_spawn: %s", abi_errname(-pid));
    int st = abi_wait(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw wrong %s (status %#x)",
          WEXITSTATUS(st) == 1 ? "argv" : "environment", st);
}

static void t_cloexec_at_exec(void)
{
    int a = OK(open("/dev/null", O_RDONLY | O_CLOEXEC));
    int b = OK(open("/dev/null", O_RDONLY));
    pid_t pid;
    SPAWN(pid, "fds", itoa_buf(a), itoa_buf(b), NULL);
    int st = abi_wait(pid);
    close(a);
    close(b);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s (status %#x)",
          WEXITSTATUS(st) == 1 ? "O_CLOEXEC descriptor survived execve" : "plain descriptor lost", st);
}

static void t_getppid(void)
{
    pid_t pid;
    SPAWN(pid, "ppid", itoa_buf(getpid()), NULL, NULL);
    int st = abi_wait(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child's getppid is not our pid (status %#x)", st);
}

static void t_execve_keeps_pid(void)
{
    int p[2];
    pid_t pid;
    int before = 0, after = 0;
    OK(pipe(p));
    SPAWN(pid, "exec-self", itoa_buf(p[1]), NULL, NULL);
    close(p[1]);
    ssize_t n1 = read(p[0], &before, sizeof before);
    ssize_t n2 = read(p[0], &after, sizeof after);
    close(p[0]);
    int st = abi_wait(pid);
    EQ(n1, sizeof before);
    EQ(n2, sizeof after);
    EQ(before, pid);
    EQ(after, pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static int write_file(const char *path, const void *data, size_t n, mode_t mode)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, mode);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, data, n);
    close(fd);
    return w == (ssize_t)n ? 0 : -1;
}

static void t_execve_errors(void)
{
    const char *dir = abi_tmpdir();
    char path[256];
    char *argv[] = { path, NULL };
    char *envp[] = { NULL };

    snprintf(path, sizeof path, "%s/missing", dir);
    ERR(execve(path, argv, envp), ENOENT);

    snprintf(path, sizeof path, "%s/noexec", dir);
    OK(write_file(path, "#!/bin/sh\n", 10, 0644));
    ERR(execve(path, argv, envp), EACCES);            /* no execute bit, even for root */

    snprintf(path, sizeof path, "%s/text", dir);
    OK(write_file(path, "just some text\n", 15, 0755));
    ERR(execve(path, argv, envp), ENOEXEC);

    snprintf(path, sizeof path, "%s/truncated", dir);
    OK(write_file(path, "\177ELF", 4, 0755));
    ERR(execve(path, argv, envp), ENOEXEC);

    /* A well-formed ELF64 header for a machine that does not exist. */
    unsigned char ehdr[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
    ehdr[16] = 2;                                     /* e_type ET_EXEC */
    ehdr[18] = 0x34;                                  /* e_machine 0x1234 */
    ehdr[19] = 0x12;
    ehdr[20] = 1;                                     /* e_version */
    ehdr[52] = 64;                                    /* e_ehsize */
    ehdr[54] = 56;                                    /* e_phentsize */
    snprintf(path, sizeof path, "%s/wrong-machine", dir);
    OK(write_file(path, ehdr, sizeof ehdr, 0755));
    ERR(execve(path, argv, envp), ENOEXEC);

    ERR(execve(dir, argv, envp), EACCES);             /* a directory */
    ERR(syscall(SYS_execve, ABI_BAD_LOW, argv, envp), EFAULT);
    ERR(syscall(SYS_execve, ABI_BAD_KERNEL, argv, envp), EFAULT);
    abi_prog_path(path, sizeof path, ABI_AREA);
    ERR(syscall(SYS_execve, path, ABI_BAD_LOW, envp), EFAULT);

    /* posix_spawn reports the child's execve failure to the parent. */
    pid_t pid;
    char *sargv[] = { "x", NULL };
    snprintf(path, sizeof path, "%s/missing", dir);
    RET(posix_spawn(&pid, path, NULL, NULL, sargv, environ), ENOENT);
    snprintf(path, sizeof path, "%s/text", dir);
    RET(posix_spawn(&pid, path, NULL, NULL, sargv, environ), ENOEXEC);
    abi_rm_tree(dir);
}

/* Copies the file at src to dst (mode 0755): 0 or -1. */
static int copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY), out = open(dst, O_CREAT | O_TRUNC | O_WRONLY, 0755);
    char buf[4096];
    ssize_t n = 0;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            n = -1;
    int ok = in >= 0 && out >= 0 && n == 0;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return ok ? 0 : -1;
}

/* A program file is not written while it runs: opening it for writing or
 * truncating it is ETXTBSY while a process executes it, and executing it
 * is ETXTBSY while it is open for writing. */
static void t_text_busy(void)
{
    const char *dir = abi_tmpdir();
    char self[512], copy[512];
    abi_prog_path(self, sizeof self, ABI_AREA);
    snprintf(copy, sizeof copy, "%s/busy", dir);
    CHECK(copy_file(self, copy) == 0, "copying %s: %s", self, abi_errname(errno));
    struct stat before, after;
    OK(stat(copy, &before));
    int p[2];
    OK(pipe(p));
    char *args[] = { copy, "--child", "sleep", itoa_buf(p[1]), NULL };
    pid_t pid;
    RET(posix_spawn(&pid, copy, NULL, NULL, args, environ), 0);
    close(p[1]);
    int ready = read_byte(p[0]);
    close(p[0]);
    /* posix_spawn returned after the exec: the child runs from copy now. */
    errno = 0;
    int wr = open(copy, O_WRONLY), wr_err = errno;
    errno = 0;
    int trunc = open(copy, O_RDWR | O_TRUNC), trunc_err = errno;
    errno = 0;
    int tr = truncate(copy, 0), tr_err = errno;
    int rd = open(copy, O_RDONLY);
    kill(pid, SIGKILL);
    int st = abi_wait(pid);
    CHECK(ready == 'r', "the child did not start");
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child status %#x", st);
    CHECK(wr == -1 && wr_err == ETXTBSY, "open(O_WRONLY) of a running program: %d, %s", wr, abi_errname(wr_err));
    CHECK(trunc == -1 && trunc_err == ETXTBSY, "open(O_RDWR|O_TRUNC): %d, %s", trunc, abi_errname(trunc_err));
    CHECK(tr == -1 && tr_err == ETXTBSY, "truncate: %d, %s", tr, abi_errname(tr_err));
    CHECK(rd >= 0, "open(O_RDONLY) of a running program: %s", abi_errname(errno));
    close(rd);
    OK(stat(copy, &after));
    EQ(after.st_size, before.st_size);
    /* The program is gone: writers are welcome, and then exec is refused. */
    int wfd = OK(open(copy, O_WRONLY));
    char *exit_args[] = { copy, "--child", "exit", "3", NULL };
    int spawn_err = posix_spawn(&pid, copy, NULL, NULL, exit_args, environ);
    close(wfd);
    RET(spawn_err, ETXTBSY);
    RET(posix_spawn(&pid, copy, NULL, NULL, exit_args, environ), 0);
    st = abi_wait(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "child status %#x", st);
    abi_rm_tree(dir);
}

static void t_wait_errors(void)
{
    int st;
    siginfo_t si;
    ERR(wait4(-1, &st, 0, NULL), ECHILD);             /* no children at all */
    ERR(wait4(getpid(), &st, 0, NULL), ECHILD);
    ERR(wait4(-1, &st, 0x00100000, NULL), EINVAL);    /* no such option */
    ERR(waitid(99, 0, &si, WEXITED), EINVAL);
    ERR(waitid(P_ALL, 0, &si, 0), EINVAL);            /* waits for nothing */
    /* A bad status pointer: EFAULT, and no hang either way after. */
    pid_t pid;
    SPAWN(pid, "exit", "0", NULL, NULL);
    ERR(wait4(pid, ABI_BAD_LOW, 0, NULL), EFAULT);
    long r = wait4(pid, &st, WNOHANG, NULL);
    CHECK(r == pid || (r == -1 && errno == ECHILD), "after EFAULT: wait4 returned %ld (%s)", r, abi_errname(errno));
}

static void t_many_children(void)
{
    enum { N = 16 };
    pid_t pids[N];
    int seen[N] = { 0 };
    for (int i = 0; i < N; i++)
        SPAWN(pids[i], "exit", itoa_buf(i + 1), NULL, NULL);
    for (int k = 0; k < N; k++) {
        int st;
        pid_t r = wait4(-1, &st, 0, NULL);
        CHECK(r > 0, "wait4 #%d: %s", k, abi_errname(errno));
        int i = 0;
        while (i < N && pids[i] != r)
            i++;
        CHECK(i < N, "wait4 returned unknown pid %d", (int)r);
        CHECK(!seen[i], "pid %d reaped twice", (int)r);
        seen[i] = 1;
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == i + 1, "pid %d: status %#x, want exit %d", (int)r, st, i + 1);
    }
    int st;
    ERR(wait4(-1, &st, 0, NULL), ECHILD);
}

static void t_orphan_reparented(void)
{
    int p[2];
    pid_t pid;
    OK(pipe(p));
    SPAWN(pid, "orphan", itoa_buf(p[1]), NULL, NULL);
    int st = abi_wait(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "orphan maker: status %#x", st);
    int c = read_byte(p[0]);
    close(p[0]);
    close(p[1]);
    CHECK(c == 'o', "the grandchild %s", c == 'x' ? "kept its dead parent as ppid" : "never answered");
}

static void t_fork_or_enosys(void)
{
    /* fork is optional on nutshell: copy-on-write or a clean ENOSYS. */
    long r = syscall(SYS_fork);
    if (r == 0)
        _exit(9);
    if (r == -1 && errno == ENOSYS) {
        abi_note("note abi/%s/fork_or_enosys: fork returned ENOSYS", ABI_AREA);
        return;
    }
    CHECK(r > 0, "fork: %s", abi_errname(errno));
    int st = abi_wait((pid_t)r);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 9, "forked child: status %#x", st);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--child"))
        return child_main(argc - 2, argv + 2);
    abi_begin(ABI_AREA);
    RUN(exit_codes);
    RUN(wait4_rusage);
    RUN(waitid);
    RUN(nohang_and_sigterm);
    RUN(sigkill_cannot_be_caught);
    RUN(child_sigsegv_reported);
    RUN(spawn_chain);
    RUN(args_and_env);
    RUN(cloexec_at_exec);
    RUN(getppid);
    RUN(execve_keeps_pid);
    RUN(execve_errors);
    RUN(text_busy);
    RUN(wait_errors);
    RUN(many_children);
    RUN(orphan_reparented);
    RUN(fork_or_enosys);
    return abi_end();
}
