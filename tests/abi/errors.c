/* Bad input across the whole system-call surface: every pointer argument
 * given an address in the first page, in the kernel half and past the end
 * of user space (EFAULT, never a crash and never kernel memory read or
 * written), closed descriptors (EBADF), bad flags and values (EINVAL),
 * huge lengths, unknown system calls (ENOSYS), descriptor and memory
 * exhaustion (EMFILE, ENOMEM) -- and the process carries on after each.
 *
 * Everything goes through raw syscall(): the point is what the kernel
 * answers, not what musl checks first. */
#include "abi.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

/* syscall() reads every argument as a long: negative values must be
 * passed as longs, hence the (long) casts below. */
#define S(...) syscall(__VA_ARGS__)

static const char *dir;
static char file[256];       /* a regular file holding "0123456789" */
static int dfd;              /* dir, opened */

/* Returns a descriptor number that is certainly closed. */
static int closed_fd(void)
{
    int fd = dup(0);
    close(fd);
    return fd;
}

/* A pipe holding 5 bytes, so reads have something to copy. */
static int pipe_with_data(int p[2])
{
    if (pipe(p) != 0)
        return -1;
    return write(p[1], "abcde", 5) == 5 ? 0 : -1;
}

/* Asserts EFAULT from `call` for every bad pointer b. */
#define EFAULT_ALL(call) do { for (int _i = 0; _i < 3; _i++) { void *b = abi_bad_ptrs[_i]; \
        ERR(call, EFAULT); } } while (0)

static void t_efault_io(void)
{
    int p[2];
    OK(pipe_with_data(p));
    int fd = OK(open(file, O_RDWR));
    EFAULT_ALL(S(SYS_read, p[0], b, 5));
    EFAULT_ALL(S(SYS_read, fd, b, 5));
    EFAULT_ALL(S(SYS_write, p[1], b, 5));
    EFAULT_ALL(S(SYS_write, fd, b, 5));
    EFAULT_ALL(S(SYS_pread64, fd, b, 5, 0));
    EFAULT_ALL(S(SYS_pwrite64, fd, b, 5, 0));
    EFAULT_ALL(S(SYS_readv, fd, b, 1));
    EFAULT_ALL(S(SYS_writev, fd, b, 1));
    struct iovec iov = { NULL, 5 };
    for (int i = 0; i < 3; i++) {
        iov.iov_base = abi_bad_ptrs[i];
        ERR(S(SYS_readv, p[0], &iov, 1), EFAULT);
        ERR(S(SYS_writev, p[1], &iov, 1), EFAULT);
    }
    /* Nothing was consumed or written by the failed calls. */
    char buf[16];
    EQ(read(p[0], buf, sizeof buf), 5);
    CHECK(!memcmp(buf, "abcde", 5), "pipe data changed");
    EQ(pread(fd, buf, sizeof buf, 0), 10);
    CHECK(!memcmp(buf, "0123456789", 10), "file data changed");
    EFAULT_ALL(S(SYS_getdents64, dfd, b, 4096));
    EFAULT_ALL(S(SYS_fstat, fd, b));
    EFAULT_ALL(S(SYS_ioctl, p[0], 0x541B /* FIONREAD */, b));
    EFAULT_ALL(S(SYS_pipe2, b, 0));
    close(fd);
    close(p[0]);
    close(p[1]);
}

static void t_efault_paths(void)
{
    struct stat st;
    char buf[64];
    EFAULT_ALL(S(SYS_open, b, O_RDONLY, 0));
    EFAULT_ALL(S(SYS_openat, AT_FDCWD, b, O_RDONLY, 0));
    EFAULT_ALL(S(SYS_stat, b, &st));
    EFAULT_ALL(S(SYS_stat, file, b));
    EFAULT_ALL(S(SYS_lstat, b, &st));
    EFAULT_ALL(S(SYS_lstat, file, b));
    EFAULT_ALL(S(SYS_newfstatat, AT_FDCWD, b, &st, 0));
    EFAULT_ALL(S(SYS_newfstatat, AT_FDCWD, file, b, 0));
    EFAULT_ALL(S(SYS_statx, AT_FDCWD, b, 0, 0x7ff, buf));
    EFAULT_ALL(S(SYS_statx, AT_FDCWD, file, 0, 0x7ff, b));
    EFAULT_ALL(S(SYS_access, b, F_OK));
    EFAULT_ALL(S(SYS_faccessat, AT_FDCWD, b, F_OK));
    EFAULT_ALL(S(SYS_chdir, b));
    EFAULT_ALL(S(SYS_mkdir, b, 0755));
    EFAULT_ALL(S(SYS_mkdirat, dfd, b, 0755));
    EFAULT_ALL(S(SYS_rmdir, b));
    EFAULT_ALL(S(SYS_unlink, b));
    EFAULT_ALL(S(SYS_unlinkat, dfd, b, 0));
    EFAULT_ALL(S(SYS_rename, b, "/tmp/x"));
    EFAULT_ALL(S(SYS_rename, file, b));
    EFAULT_ALL(S(SYS_renameat, dfd, b, dfd, "x"));
    EFAULT_ALL(S(SYS_getcwd, b, 64));
    /* A path that runs off the end of mapped memory without a NUL. */
    char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pg != MAP_FAILED, "mmap");
    OK(munmap(pg + 4096, 4096));
    memset(pg, 'a', 4096);
    ERR(S(SYS_open, pg + 4000, O_RDONLY, 0), EFAULT);
    ERR(S(SYS_open, pg, O_RDONLY, 0), ENAMETOOLONG);  /* PATH_MAX bytes, no NUL: too long first */
    munmap(pg, 4096);
    /* The file is untouched by all of that. */
    OK(stat(file, &st));
    EQ(st.st_size, 10);
}

static void t_efault_misc(void)
{
    EFAULT_ALL(S(SYS_uname, b));
    EFAULT_ALL(S(SYS_sysinfo, b));
    EFAULT_ALL(S(SYS_getrandom, b, 16, 0));
    EFAULT_ALL(S(SYS_getrlimit, RLIMIT_NOFILE, b));
    EFAULT_ALL(S(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, b));
    EFAULT_ALL(S(SYS_prlimit64, 0, RLIMIT_NOFILE, b, NULL));
    EFAULT_ALL(S(SYS_sched_getaffinity, 0, 128, b));
    EFAULT_ALL(S(SYS_clock_gettime, CLOCK_MONOTONIC, b));
    EFAULT_ALL(S(SYS_nanosleep, b, NULL));
    EFAULT_ALL(S(SYS_poll, b, 1, 0));
    EFAULT_ALL(S(SYS_select, 1, b, NULL, NULL, NULL));
    EFAULT_ALL(S(SYS_rt_sigaction, SIGUSR1, b, NULL, 8));
    EFAULT_ALL(S(SYS_rt_sigprocmask, SIG_BLOCK, b, NULL, 8));
    EFAULT_ALL(S(SYS_sigaltstack, b, NULL));
    /* futex words must be aligned (EINVAL first), so only aligned bad
     * addresses here. */
    ERR(S(SYS_futex, 4096, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0), EFAULT);
    ERR(S(SYS_futex, ABI_BAD_KERNEL, 0, 0, NULL, NULL, 0), EFAULT);
    ERR(S(SYS_futex, ABI_BAD_NONCANON, 0, 0, NULL, NULL, 0), EFAULT);
    char *argv[] = { NULL };
    EFAULT_ALL(S(SYS_execve, b, argv, argv));
    /* Still alive, still working. */
    EQ(S(SYS_getpid), getpid());
}

static void t_ebadf(void)
{
    char buf[16];
    struct stat st;
    struct iovec iov = { buf, sizeof buf };
    int bads[3] = { -1, closed_fd(), INT_MAX };
    for (int i = 0; i < 3; i++) {
        int fd = bads[i];
        ERR(S(SYS_read, fd, buf, 1), EBADF);
        ERR(S(SYS_write, fd, buf, 1), EBADF);
        ERR(S(SYS_pread64, fd, buf, 1, 0), EBADF);
        ERR(S(SYS_pwrite64, fd, buf, 1, 0), EBADF);
        ERR(S(SYS_readv, fd, &iov, 1), EBADF);
        ERR(S(SYS_writev, fd, &iov, 1), EBADF);
        ERR(S(SYS_close, fd), EBADF);
        ERR(S(SYS_fstat, fd, &st), EBADF);
        ERR(S(SYS_lseek, fd, 0, SEEK_SET), EBADF);
        ERR(S(SYS_dup, fd), EBADF);
        ERR(S(SYS_dup2, fd, 50), EBADF);
        ERR(S(SYS_dup3, fd, 50, 0), EBADF);
        ERR(S(SYS_fcntl, fd, F_GETFD), EBADF);
        ERR(S(SYS_fcntl, fd, F_GETFL), EBADF);
        ERR(S(SYS_ioctl, fd, 0x541B, buf), EBADF);
        ERR(S(SYS_getdents64, fd, buf, sizeof buf), EBADF);
        ERR(S(SYS_fchdir, fd), EBADF);
        ERR(S(SYS_ftruncate, fd, 0), EBADF);
        ERR(S(SYS_openat, fd, "rel", O_RDONLY, 0), EBADF);
        ERR(S(SYS_newfstatat, fd, "rel", &st, 0), EBADF);
        ERR(S(SYS_statx, fd, "rel", 0, 0x7ff, buf), EBADF);
        ERR(S(SYS_faccessat, fd, "rel", F_OK), EBADF);
        ERR(S(SYS_mkdirat, fd, "rel", 0755), EBADF);
        ERR(S(SYS_unlinkat, fd, "rel", 0), EBADF);
        ERR(S(SYS_renameat, fd, "rel", AT_FDCWD, "x"), EBADF);
        ERR(S(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH), EBADF);
    }
    /* The wrong kind of descriptor. */
    int ro = OK(open(file, O_RDONLY)), wo = OK(open(file, O_WRONLY));
    ERR(S(SYS_write, ro, "x", 1), EBADF);
    ERR(S(SYS_read, wo, buf, 1), EBADF);
    ERR(S(SYS_pwrite64, ro, "x", 1, 0), EBADF);
    ERR(S(SYS_pread64, wo, buf, 1, 0), EBADF);
    ERR(S(SYS_dup2, ro, (long)-1), EBADF);
    close(ro);
    close(wo);
}

static void t_einval(void)
{
    int fd = OK(open(file, O_RDWR));
    int p[2];
    char buf[16];
    OK(pipe(p));
    ERR(S(SYS_lseek, fd, 0, 17), EINVAL);
    ERR(S(SYS_lseek, fd, (long)-1, SEEK_SET), EINVAL);
    ERR(S(SYS_lseek, p[0], 0, SEEK_SET), ESPIPE);    /* pipes have no offset */
    ERR(S(SYS_pread64, p[0], buf, 1, 0), ESPIPE);
    ERR(S(SYS_pread64, fd, buf, 1, (long)-1), EINVAL);
    ERR(S(SYS_fcntl, fd, 0x7777, 0), EINVAL);
    ERR(S(SYS_pipe2, p, 0x1234), EINVAL);
    ERR(S(SYS_dup3, fd, fd, 0), EINVAL);
    ERR(S(SYS_dup3, fd, 60, 0x1234), EINVAL);
    ERR(S(SYS_ftruncate, fd, (long)-1), EINVAL);
    ERR(S(SYS_faccessat, AT_FDCWD, file, 0x100), EINVAL);
    ERR(S(SYS_unlinkat, AT_FDCWD, file, 0x1), EINVAL);
    ERR(S(SYS_newfstatat, AT_FDCWD, file, buf, 0x10000000), EINVAL);
    ERR(S(SYS_getrandom, buf, sizeof buf, 0x100), EINVAL);
    ERR(S(SYS_clock_gettime, 12345, buf), EINVAL);
    ERR(S(SYS_rt_sigprocmask, 99, buf, NULL, 8), EINVAL);
    ERR(S(SYS_rt_sigaction, 0, NULL, buf, 8), EINVAL);
    ERR(S(SYS_kill, getpid(), 999), EINVAL);
    ERR(S(SYS_wait4, (long)-1, NULL, 0x00100000, NULL), EINVAL);
    ERR(S(SYS_prlimit64, 0, 999, NULL, buf), EINVAL);
    ERR(S(SYS_getrlimit, 999, buf), EINVAL);
    ERR(S(SYS_mmap, NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, (long)-1, 0), EINVAL);
    ERR(S(SYS_mmap, NULL, 4096, PROT_READ, MAP_ANONYMOUS, (long)-1, 0), EINVAL);
    ERR(S(SYS_munmap, (void *)4097, 4096), EINVAL);
    ERR(S(SYS_mprotect, (void *)4097, 4096, PROT_READ), EINVAL);
    ERR(S(SYS_madvise, (void *)4097, 4096, 4), EINVAL);
    ERR(S(SYS_mremap, (void *)4097, 4096, 8192, 0), EINVAL);
    ERR(S(SYS_sched_getaffinity, 0, 1, buf), EINVAL);  /* mask smaller than a long */
    close(fd);
    close(p[0]);
    close(p[1]);
}

static void t_enosys(void)
{
    /* Numbers Linux x86-64 has never assigned. */
    ERR(S(1000), ENOSYS);
    ERR(S(4095), ENOSYS);
    ERR(S(100000), ENOSYS);
    ERR(S(-1L), ENOSYS);
    EQ(S(SYS_getpid), getpid());
}

static void t_huge_lengths(void)
{
    int p[2];
    /* Static, so buf + 2^40 is still inside user space (a stack buffer
     * sits near its top). */
    static char buf[64];
    OK(pipe_with_data(p));
    /* A huge count with a valid buffer: the kernel copies what there is
     * and must not try to validate or allocate the whole length. */
    EQ(S(SYS_read, p[0], buf, 1ul << 40), 5);
    /* A count that wraps around the address space cannot be valid. */
    EQ(write(p[1], "abcde", 5), 5);
    ERR(S(SYS_read, p[0], buf, SIZE_MAX), EFAULT);
    EQ(read(p[0], buf, sizeof buf), 5);
    /* An iovec length with the sign bit set. */
    struct iovec iov = { buf, SIZE_MAX };
    ERR(S(SYS_readv, p[0], &iov, 1), EINVAL);
    ERR(S(SYS_writev, p[1], &iov, 1), EINVAL);
    ERR(S(SYS_readv, p[0], &iov, (long)-1), EINVAL);
    ERR(S(SYS_writev, p[1], &iov, 1025), EINVAL);     /* more than IOV_MAX */
    /* getcwd with a giant size and a small real buffer is fine: the size
     * only bounds the copy. */
    char cwd[PATH_MAX];
    CHECK(S(SYS_getcwd, cwd, 1ul << 40) > 0, "getcwd with a huge size: %s", abi_errname(errno));
    /* Absurd memory requests. */
    ERR(S(SYS_mmap, NULL, 1ul << 47, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (long)-1, 0), ENOMEM);
    ERR(S(SYS_mmap, NULL, SIZE_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (long)-1, 0), ENOMEM);
    ERR(S(SYS_munmap, buf, 1ul << 62), EINVAL);
    close(p[0]);
    close(p[1]);
}

static void t_emfile(void)
{
    struct rlimit old, low;
    OK(getrlimit(RLIMIT_NOFILE, &old));
    low = old;
    low.rlim_cur = 32;
    OK(setrlimit(RLIMIT_NOFILE, &low));
    int fds[64], n = 0, err = 0;
    while (n < 64) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            err = errno;
            break;
        }
        fds[n++] = fd;
    }
    int last = n ? fds[n - 1] : -1;
    int p[2];
    errno = 0;
    long pr = S(SYS_pipe2, p, 0);
    int pipe_err = errno;
    long d2 = S(SYS_dup2, 0, 40);
    int dup2_err = errno;
    long dfd_r = S(SYS_fcntl, 0, F_DUPFD, 40);
    int dfd_err = errno;
    for (int i = 0; i < n; i++)
        close(fds[i]);
    OK(setrlimit(RLIMIT_NOFILE, &old));
    CHECK(n < 64, "64 descriptors opened under a limit of 32");
    EQ(err, EMFILE);
    CHECK(last <= 31, "descriptor %d handed out under a limit of 32", last);
    CHECK(pr == -1 && pipe_err == EMFILE, "pipe2 at the limit: %ld (%s)", pr, abi_errname(pipe_err));
    CHECK(d2 == -1 && dup2_err == EBADF, "dup2 beyond the limit: %ld (%s)", d2, abi_errname(dup2_err));
    CHECK(dfd_r == -1 && dfd_err == EINVAL, "F_DUPFD beyond the limit: %ld (%s)", dfd_r, abi_errname(dfd_err));
    int fd = OK(open("/dev/null", O_RDONLY));         /* back to normal */
    close(fd);
}

int main(void)
{
    abi_begin(ABI_AREA);
    dir = abi_tmpdir();
    snprintf(file, sizeof file, "%s/file", dir);
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    if (fd < 0 || write(fd, "0123456789", 10) != 10) {
        printf("FAIL abi/%s/setup: cannot create %s\n", ABI_AREA, file);
        return 1;
    }
    close(fd);
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    RUN(efault_io);
    RUN(efault_paths);
    RUN(efault_misc);
    RUN(ebadf);
    RUN(einval);
    RUN(enosys);
    RUN(huge_lengths);
    RUN(emfile);
    close(dfd);
    abi_rm_tree(dir);
    return abi_end();
}
