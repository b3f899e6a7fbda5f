/* Advisory file locks: flock(2), POSIX record locks (F_SETLK/F_SETLKW/
 * F_GETLK) and OFD record locks (F_OFD_*), as Linux implements them.
 * A lock of this process is seen from another open file description with
 * F_OFD_GETLK (a POSIX lock and an OFD lock conflict), so most checks need
 * no second process; contention, exit and the waits use fork and pipes. */
#include "abi.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[256];

static int open_file(int flags)
{
    return open(path, flags);
}

static struct flock range(short type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fl;
}

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = range(type, start, len);
    return fcntl(fd, cmd, &fl);
}

/* What blocks a write lock of [start, start+len) for another open file
 * description (F_OFD_GETLK on probe). */
static struct flock probe(int probe_fd, off_t start, off_t len)
{
    struct flock fl = range(F_WRLCK, start, len);
    if (fcntl(probe_fd, F_OFD_GETLK, &fl) == -1)
        fl.l_type = -1;
    return fl;
}

/* Waits for child and returns its exit code, or -1 if it did not exit. */
static int child_code(pid_t child)
{
    int status = abi_wait(child);
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void t_posix_ranges(void)
{
    int fd = OK(open_file(O_RDWR)), other = OK(open_file(O_RDWR));
    OK(setlk(fd, F_SETLK, F_WRLCK, 0, 100));
    OK(setlk(fd, F_SETLK, F_UNLCK, 40, 20)); /* splits it in two */
    struct flock fl = probe(other, 40, 20);
    EQ(fl.l_type, F_UNLCK);
    fl = probe(other, 30, 15);
    EQ(fl.l_type, F_WRLCK);
    EQ(fl.l_start, 0);
    EQ(fl.l_len, 40);
    EQ(fl.l_pid, getpid());
    fl = probe(other, 55, 10);
    EQ(fl.l_start, 60);
    EQ(fl.l_len, 40);
    /* Filling the hole with the same type merges the three. */
    OK(setlk(fd, F_SETLK, F_WRLCK, 40, 20));
    fl = probe(other, 30, 40);
    EQ(fl.l_start, 0);
    EQ(fl.l_len, 100);
    /* Downgrading the middle to a read lock leaves it readable by others. */
    OK(setlk(fd, F_SETLK, F_RDLCK, 40, 20));
    OK(setlk(other, F_OFD_SETLK, F_RDLCK, 45, 5));
    ERR(setlk(other, F_OFD_SETLK, F_WRLCK, 45, 5), EAGAIN);
    ERR(setlk(other, F_OFD_SETLK, F_RDLCK, 20, 1), EAGAIN);
    OK(setlk(other, F_OFD_SETLK, F_UNLCK, 0, 0));
    /* l_len 0 reaches the end for ever; a negative l_len ends before l_start. */
    OK(setlk(fd, F_SETLK, F_WRLCK, 200, 0));
    fl = probe(other, 1 << 30, 1);
    EQ(fl.l_start, 200);
    EQ(fl.l_len, 0);
    OK(setlk(fd, F_SETLK, F_UNLCK, 0, 0));
    OK(setlk(fd, F_SETLK, F_WRLCK, 150, -10));
    fl = probe(other, 0, 0);
    EQ(fl.l_start, 140);
    EQ(fl.l_len, 10);
    /* SEEK_CUR and SEEK_END. */
    OK(setlk(fd, F_SETLK, F_UNLCK, 0, 0));
    OK(lseek(fd, 7, SEEK_SET));
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 3, .l_len = 2};
    OK(fcntl(fd, F_SETLK, &fl));
    fl = probe(other, 0, 0);
    EQ(fl.l_start, 10);
    EQ(fl.l_len, 2);
    OK(ftruncate(fd, 1000));
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_END, .l_start = -1, .l_len = 1};
    OK(fcntl(fd, F_SETLK, &fl));
    fl = probe(other, 500, 0);
    EQ(fl.l_start, 999);
    EQ(fl.l_len, 1);
    /* The process's own locks never block it. */
    OK(setlk(fd, F_SETLK, F_WRLCK, 0, 0));
    fl = range(F_WRLCK, 0, 0);
    OK(fcntl(fd, F_GETLK, &fl));
    EQ(fl.l_type, F_UNLCK);
    close(fd);
    close(other);
}

static void t_posix_release_on_any_close(void)
{
    int fd = OK(open_file(O_RDWR)), other = OK(open_file(O_RDWR));
    OK(setlk(fd, F_SETLK, F_WRLCK, 0, 10));
    int dup_fd = OK(dup(fd));
    EQ(probe(other, 0, 1).l_type, F_WRLCK);
    /* Closing a second, unrelated descriptor of the same file drops it too. */
    int third = OK(open_file(O_RDONLY));
    close(third);
    EQ(probe(other, 0, 1).l_type, F_UNLCK);
    OK(setlk(dup_fd, F_SETLK, F_WRLCK, 0, 10));
    close(dup_fd);
    EQ(probe(other, 0, 1).l_type, F_UNLCK);
    /* An OFD lock stays while a duplicate of its description is open. */
    OK(setlk(fd, F_OFD_SETLK, F_WRLCK, 0, 10));
    dup_fd = OK(dup(fd));
    close(fd);
    EQ(probe(other, 0, 1).l_type, F_WRLCK);
    EQ(probe(other, 0, 1).l_pid, -1);
    close(dup_fd);
    EQ(probe(other, 0, 1).l_type, F_UNLCK);
    close(other);
}

static void t_posix_errors(void)
{
    int rd = OK(open_file(O_RDONLY)), wr = OK(open_file(O_WRONLY));
    struct flock fl = range(F_WRLCK, 0, 1);
    ERR(fcntl(-1, F_SETLK, &fl), EBADF);
    ERR(fcntl(rd, F_SETLK, &fl), EBADF);      /* a write lock needs write access */
    fl.l_type = F_RDLCK;
    ERR(fcntl(wr, F_SETLKW, &fl), EBADF);     /* a read lock needs read access */
    fl.l_type = 7;
    ERR(fcntl(rd, F_SETLK, &fl), EINVAL);
    fl = range(F_RDLCK, 0, 1);
    fl.l_whence = 5;
    ERR(fcntl(rd, F_SETLK, &fl), EINVAL);
    fl = range(F_RDLCK, -1, 1);
    ERR(fcntl(rd, F_SETLK, &fl), EINVAL);
    fl = range(F_RDLCK, 5, -6);
    ERR(fcntl(rd, F_SETLK, &fl), EINVAL);
    fl = range(F_UNLCK, 0, 1);
    ERR(fcntl(rd, F_GETLK, &fl), EINVAL);
    fl = range(F_RDLCK, 0, 1);
    fl.l_pid = 1;
    ERR(fcntl(rd, F_OFD_SETLK, &fl), EINVAL); /* OFD requests keep l_pid 0 */
    ERR(syscall(SYS_fcntl, rd, F_SETLK, ABI_BAD_LOW), EFAULT);
    ERR(syscall(SYS_fcntl, rd, F_GETLK, ABI_BAD_KERNEL), EFAULT);
    int p = OK(open(path, O_PATH));
    fl = range(F_RDLCK, 0, 1);
    ERR(fcntl(p, F_SETLK, &fl), EBADF);
    ERR(flock(p, LOCK_SH), EBADF);
    close(p);
    close(rd);
    close(wr);
}

static void t_ofd_vs_posix(void)
{
    int a = OK(open_file(O_RDWR)), b = OK(open_file(O_RDWR));
    OK(setlk(a, F_OFD_SETLK, F_WRLCK, 0, 10));
    ERR(setlk(b, F_OFD_SETLK, F_WRLCK, 5, 1), EAGAIN);
    ERR(setlk(b, F_SETLK, F_RDLCK, 9, 1), EAGAIN); /* a POSIX lock of the same process conflicts */
    OK(setlk(b, F_SETLK, F_WRLCK, 10, 1));
    ERR(setlk(a, F_OFD_SETLK, F_WRLCK, 10, 1), EAGAIN);
    /* The descriptions are different owners even in one process: a lock
     * by one is reported to the other. */
    struct flock fl = range(F_RDLCK, 0, 0);
    OK(fcntl(b, F_OFD_GETLK, &fl));
    EQ(fl.l_type, F_WRLCK);
    EQ(fl.l_start, 0);
    EQ(fl.l_len, 10);
    EQ(fl.l_pid, -1);
    close(a);
    close(b);
}

static void t_flock_semantics(void)
{
    int a = OK(open_file(O_RDONLY)), b = OK(open_file(O_RDONLY));
    OK(flock(a, LOCK_EX));
    ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    /* Record locks and flock locks do not see each other. */
    OK(setlk(b, F_OFD_SETLK, F_RDLCK, 0, 0));
    OK(setlk(b, F_OFD_SETLK, F_UNLCK, 0, 0));
    /* A duplicate shares the lock; it goes with the description's last close. */
    int d = OK(dup(a));
    OK(flock(d, LOCK_EX | LOCK_NB));
    close(a);
    ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    /* Conversion to shared lets others share. */
    OK(flock(d, LOCK_SH));
    OK(flock(b, LOCK_SH | LOCK_NB));
    ERR(flock(d, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    OK(flock(b, LOCK_UN));
    OK(flock(d, LOCK_EX | LOCK_NB));
    close(d);
    OK(flock(b, LOCK_EX | LOCK_NB));
    OK(flock(b, LOCK_UN));
    OK(flock(b, LOCK_UN)); /* unlocking nothing is fine */
    ERR(flock(b, 0), EINVAL);
    ERR(flock(b, LOCK_SH | LOCK_EX), EINVAL);
    ERR(flock(b, LOCK_NB), EINVAL);
    ERR(flock(-1, LOCK_SH), EBADF);
    close(b);
}

static void t_contention_between_processes(void)
{
    int fd = OK(open_file(O_RDWR));
    int go[2], ready[2];
    OK(pipe(go));
    OK(pipe(ready));
    OK(setlk(fd, F_SETLK, F_WRLCK, 0, 10));
    OK(flock(fd, LOCK_EX));
    pid_t child = OK(fork());
    if (child == 0) {
        int c = open_file(O_RDWR);
        struct flock fl = range(F_RDLCK, 5, 1);
        if (fcntl(c, F_SETLK, &fl) != -1 || errno != EAGAIN)
            _exit(10);
        if (fcntl(c, F_GETLK, &fl) || fl.l_type != F_WRLCK || fl.l_pid != getppid() || fl.l_start != 0 || fl.l_len != 10)
            _exit(11);
        /* The flock lock is the parent's description's, inherited: shared here. */
        if (flock(fd, LOCK_EX | LOCK_NB) || flock(c, LOCK_SH | LOCK_NB) != -1 || errno != EWOULDBLOCK)
            _exit(12);
        if (write(ready[1], "r", 1) != 1)
            _exit(13);
        fl = range(F_WRLCK, 0, 0);
        if (fcntl(c, F_SETLKW, &fl)) /* waits for the parent's unlock */
            _exit(14);
        char b;
        if (read(go[0], &b, 1) != 1) /* holds it until told */
            _exit(15);
        _exit(0);
    }
    char b;
    EQ(read(ready[0], &b, 1), 1);
    OK(setlk(fd, F_SETLK, F_UNLCK, 0, 0));
    /* The child gets the lock: wait until F_GETLK reports it, by its pid. */
    struct flock fl;
    uint64_t deadline = abi_now_ns() + 20000000000ull;
    do {
        fl = range(F_RDLCK, 0, 0);
        OK(fcntl(fd, F_GETLK, &fl));
        if (fl.l_type == F_UNLCK)
            abi_sleep_ms(5);
    } while (fl.l_type == F_UNLCK && abi_now_ns() < deadline);
    EQ(fl.l_type, F_WRLCK);
    EQ(fl.l_pid, child);
    EQ(fl.l_len, 0);
    ERR(setlk(fd, F_SETLK, F_RDLCK, 100, 1), EAGAIN);
    EQ(write(go[1], "g", 1), 1);
    EQ(child_code(child), 0);
    /* Its exit released the record lock. */
    fl = range(F_WRLCK, 0, 0);
    OK(fcntl(fd, F_GETLK, &fl));
    EQ(fl.l_type, F_UNLCK);
    close(fd);
    close(go[0]);
    close(go[1]);
    close(ready[0]);
    close(ready[1]);
}

static void t_deadlock_detected(void)
{
    int fd = OK(open_file(O_RDWR));
    int ready[2];
    OK(pipe(ready));
    OK(setlk(fd, F_SETLK, F_WRLCK, 0, 1));
    pid_t child = OK(fork());
    if (child == 0) {
        int c = open_file(O_RDWR);
        if (setlk(c, F_SETLK, F_WRLCK, 1, 1) || write(ready[1], "r", 1) != 1)
            _exit(10);
        /* Either we wait and the parent's request closes the cycle
         * (EDEADLK for it), or the parent already waits for us. */
        if (setlk(c, F_SETLKW, F_WRLCK, 0, 1) == 0)
            _exit(0);
        _exit(errno == EDEADLK ? 1 : 11);
    }
    char b;
    EQ(read(ready[0], &b, 1), 1);
    int r = setlk(fd, F_SETLKW, F_WRLCK, 1, 1);
    int e = errno;
    bool parent_deadlocked = r == -1 && e == EDEADLK;
    CHECK(r == 0 || parent_deadlocked, "F_SETLKW: %s", abi_errname(e));
    if (parent_deadlocked)
        OK(setlk(fd, F_SETLK, F_UNLCK, 0, 1)); /* let the child through */
    int code = child_code(child);
    CHECK(code == 0 || code == 1, "child exit %d", code);
    CHECK(parent_deadlocked != (code == 1), "exactly one side sees EDEADLK (parent %d, child %d)", parent_deadlocked, code);
    close(fd);
    close(ready[0]);
    close(ready[1]);
}

static void on_usr1(int sig)
{
    (void)sig;
}

/* Forks a child that opens the file again, says so, and returns body()'s
 * result as its exit code; returns once the child is about to call body. */
static pid_t fork_contender(int (*body)(int c))
{
    int ready[2];
    if (pipe(ready))
        return -1;
    pid_t child = fork();
    if (child == 0) {
        int c = open_file(O_RDWR);
        if (c < 0 || write(ready[1], "r", 1) != 1)
            _exit(10);
        _exit(body(c));
    }
    char b;
    if (child > 0 && read(ready[0], &b, 1) != 1)
        child = -1;
    close(ready[0]);
    close(ready[1]);
    return child;
}

static int wait_interrupted(int c)
{
    if (setlk(c, F_SETLKW, F_WRLCK, 0, 1) != -1)
        return 11;
    if (errno != EINTR)
        return 12;
    if (flock(c, LOCK_EX) != -1 || errno != EINTR) /* also interrupted */
        return 13;
    return 0;
}

static void t_setlkw_eintr(void)
{
    int fd = OK(open_file(O_RDWR));
    OK(setlk(fd, F_SETLK, F_WRLCK, 0, 0));
    OK(flock(fd, LOCK_EX));
    struct sigaction sa = {.sa_handler = on_usr1}, old; /* no SA_RESTART; inherited */
    OK(sigaction(SIGUSR1, &sa, &old));
    pid_t child = OK(fork_contender(wait_interrupted));
    /* A signal may come before the child sleeps: kick until it is done. */
    uint64_t deadline = abi_now_ns() + 20000000000ull;
    int status = 0;
    pid_t w;
    while ((w = waitpid(child, &status, WNOHANG)) == 0 && abi_now_ns() < deadline) {
        kill(child, SIGUSR1);
        abi_sleep_ms(5);
    }
    sigaction(SIGUSR1, &old, NULL);
    if (w == 0) {
        kill(child, SIGKILL); /* a killable wait: this must end it */
        waitpid(child, &status, 0);
        FAILF("the child was not interrupted");
    }
    EQ(w, child);
    CHECK(WIFEXITED(status), "child died (status %#x)", status);
    EQ(WEXITSTATUS(status), 0);
    close(fd);
}

static int wait_forever(int c)
{
    setlk(c, F_SETLKW, F_WRLCK, 0, 1);
    return 11;
}

static void t_setlkw_killed(void)
{
    int fd = OK(open_file(O_RDWR));
    OK(setlk(fd, F_SETLK, F_WRLCK, 0, 0));
    pid_t child = OK(fork_contender(wait_forever));
    OK(kill(child, SIGKILL));
    int status = abi_wait(child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
    close(fd);
}

int main(void)
{
    abi_begin(ABI_AREA);
    const char *dir = abi_tmpdir();
    snprintf(path, sizeof path, "%s/f", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0 || ftruncate(fd, 100) || close(fd)) {
        printf("FAIL abi/locks/setup: cannot create %s\n", path);
        return 1;
    }
    RUN(posix_ranges);
    RUN(posix_release_on_any_close);
    RUN(posix_errors);
    RUN(ofd_vs_posix);
    RUN(flock_semantics);
    RUN(contention_between_processes);
    RUN(deadlock_detected);
    RUN(setlkw_eintr);
    RUN(setlkw_killed);
    abi_rm_tree(dir);
    return abi_end();
}
