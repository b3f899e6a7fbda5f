/* Copies inside the kernel and file space: sendfile (with and without an
 * offset, to a pipe and to a file, short writes to a full non-blocking
 * pipe losing nothing), copy_file_range (offsets, positions, overlap,
 * errors), splice (file -> pipe -> file, pipe -> pipe, offsets, ESPIPE,
 * EINVAL), tee (data left in the source), vmsplice (both directions), and
 * fallocate on tmpfs (mode 0 extending, KEEP_SIZE, PUNCH_HOLE zeroing a
 * range, EOPNOTSUPP/ESPIPE/EISDIR/EBADF/EINVAL), and chroot (absolute paths
 * and ".." confined, the working directory left, errors). */
#include "abi.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define BIG (300 * 1024) /* several pieces, more than a pipe holds */

static unsigned char pattern_byte(size_t i)
{
    return (unsigned char)((i * 131u + (i >> 9)) & 0xff);
}

static char path_a[512], path_b[512];
static const char *dir; /* this check's fresh directory */

/* A file of n pattern bytes at path; its fd (read-write). */
static int make_file(const char *path, size_t n)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    unsigned char *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        b[i] = pattern_byte(i);
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, b + off, n - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    free(b);
    return off == n ? fd : -1;
}

/* True if fd's bytes [0, n) are the pattern from offset first on. */
static bool holds_pattern(int fd, size_t n, size_t first)
{
    unsigned char *b = malloc(n ? n : 1);
    ssize_t got = pread(fd, b, n, 0);
    bool ok = got == (ssize_t)n;
    for (size_t i = 0; ok && i < n; i++)
        ok = b[i] == pattern_byte(first + i);
    free(b);
    return ok;
}

static void setup_paths(void)
{
    dir = abi_tmpdir();
    snprintf(path_a, sizeof path_a, "%s/a", dir);
    snprintf(path_b, sizeof path_b, "%s/b", dir);
}

static void t_sendfile_file_to_file(void)
{
    setup_paths();
    int in = OK(make_file(path_a, BIG));
    int out = OK(open(path_b, O_RDWR | O_CREAT | O_TRUNC, 0600));
    /* With an offset: the input position stays, the offset moves. */
    OK(lseek(in, 5, SEEK_SET));
    off_t off = 1000;
    EQ(sendfile(out, in, &off, BIG - 1000), BIG - 1000);
    EQ(off, BIG);
    EQ(lseek(in, 0, SEEK_CUR), 5);
    EQ(lseek(out, 0, SEEK_CUR), BIG - 1000);
    CHECK(holds_pattern(out, BIG - 1000, 1000), "the copy differs");
    /* Without: the input position moves; EOF gives a short count, then 0. */
    OK(lseek(in, BIG - 10, SEEK_SET));
    EQ(sendfile(out, in, NULL, 100), 10);
    EQ(lseek(in, 0, SEEK_CUR), BIG);
    EQ(sendfile(out, in, NULL, 100), 0);
    /* Errors. */
    off = -1;
    ERR(sendfile(out, in, &off, 10), EINVAL);
    ERR(sendfile(out, in, (off_t *)ABI_BAD_KERNEL, 10), EFAULT);
    ERR(sendfile(in, 999, NULL, 10), EBADF);
    int ro = OK(open(path_a, O_RDONLY));
    ERR(sendfile(ro, in, NULL, 10), EBADF); /* output not writable */
    int app = OK(open(path_b, O_WRONLY | O_APPEND));
    ERR(sendfile(app, in, NULL, 10), EINVAL);
    int p[2];
    OK(pipe(p));
    ERR(sendfile(out, p[0], NULL, 10), EINVAL); /* a pipe is not a seekable input */
    close(p[0]), close(p[1]), close(ro), close(app), close(in), close(out);
    abi_rm_tree(dir);
}

/* A full non-blocking pipe takes only part: the rest stays in the file. */
static void t_sendfile_to_pipe_short(void)
{
    setup_paths();
    int in = OK(make_file(path_a, BIG));
    int p[2];
    OK(pipe2(p, O_NONBLOCK));
    long cap = OK(fcntl(p[1], F_GETPIPE_SZ));
    off_t off = 0;
    ssize_t n = OK(sendfile(p[1], in, &off, BIG));
    EQ(n, cap);
    EQ(off, cap);
    ERR(sendfile(p[1], in, &off, BIG), EAGAIN);
    EQ(off, cap);
    unsigned char *b = malloc((size_t)cap);
    EQ(read(p[0], b, (size_t)cap), cap);
    bool same = true;
    for (long i = 0; i < cap; i++)
        same = same && b[i] == pattern_byte((size_t)i);
    free(b);
    CHECK(same, "the pipe's bytes differ");
    close(p[0]), close(p[1]), close(in);
    abi_rm_tree(dir);
}

/* A stream socket takes bytes as write(2) gives them (fewer than its
 * buffer holds: nobody reads until sendfile returns). */
static void t_sendfile_to_socket(void)
{
    setup_paths();
    int in = OK(make_file(path_a, 16000));
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    off_t off = 0;
    EQ(sendfile(sv[0], in, &off, 16000), 16000);
    close(sv[0]);
    static unsigned char got[16000];
    size_t have = 0;
    for (ssize_t n; have < sizeof got && (n = read(sv[1], got + have, sizeof got - have)) > 0;)
        have += (size_t)n;
    EQ(have, 16000);
    for (size_t i = 0; i < have; i++)
        CHECK(got[i] == pattern_byte(i), "byte %zu differs", i);
    close(sv[1]), close(in);
    abi_rm_tree(dir);
}

static void t_copy_file_range(void)
{
    setup_paths();
    int in = OK(make_file(path_a, BIG));
    int out = OK(open(path_b, O_RDWR | O_CREAT | O_TRUNC, 0600));
    loff_t oi = 100, oo = 0;
    EQ(copy_file_range(in, &oi, out, &oo, BIG, 0), BIG - 100);
    EQ(oi, BIG);
    EQ(oo, BIG - 100);
    EQ(lseek(in, 0, SEEK_CUR), BIG); /* make_file's writes left it there */
    EQ(lseek(out, 0, SEEK_CUR), 0);
    CHECK(holds_pattern(out, BIG - 100, 100), "the copy differs");
    /* The file positions when no offsets are given. */
    OK(lseek(in, 0, SEEK_SET));
    OK(lseek(out, 0, SEEK_SET));
    EQ(copy_file_range(in, NULL, out, NULL, 4096, 0), 4096);
    EQ(lseek(in, 0, SEEK_CUR), 4096);
    EQ(lseek(out, 0, SEEK_CUR), 4096);
    CHECK(holds_pattern(out, 4096, 0), "the copy at the positions differs");
    EQ(copy_file_range(in, &(loff_t){BIG}, out, NULL, 10, 0), 0); /* at EOF */
    /* Errors. */
    ERR(copy_file_range(in, NULL, out, NULL, 10, 1), EINVAL);
    oi = 0, oo = 10;
    ERR(copy_file_range(in, &oi, in, &oo, 100, 0), EINVAL); /* overlapping */
    oi = 0, oo = 200;
    EQ(copy_file_range(in, &oi, in, &oo, 100, 0), 100);    /* one file, apart */
    int dfd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    ERR(copy_file_range(dfd, NULL, out, NULL, 10, 0), EISDIR);
    int p[2];
    OK(pipe(p));
    ERR(copy_file_range(p[0], NULL, out, NULL, 10, 0), EINVAL);
    int app = OK(open(path_b, O_WRONLY | O_APPEND));
    ERR(copy_file_range(in, NULL, app, NULL, 10, 0), EBADF);
    int ro = OK(open(path_b, O_RDONLY));
    ERR(copy_file_range(in, NULL, ro, NULL, 10, 0), EBADF);
    oi = -1;
    ERR(copy_file_range(in, &oi, out, NULL, 10, 0), EOVERFLOW);
    close(p[0]), close(p[1]), close(dfd), close(app), close(ro), close(in), close(out);
    abi_rm_tree(dir);
}

static void t_splice_and_tee(void)
{
    setup_paths();
    int in = OK(make_file(path_a, 20000));
    int out = OK(open(path_b, O_RDWR | O_CREAT | O_TRUNC, 0600));
    int p[2], q[2];
    OK(pipe(p));
    OK(pipe(q));
    /* file -> pipe at an offset, then pipe -> file at an offset. */
    loff_t off = 10;
    EQ(splice(in, &off, p[1], NULL, 5000, 0), 5000);
    EQ(off, 5010);
    EQ(lseek(in, 0, SEEK_CUR), 20000);
    /* tee copies without consuming. */
    EQ(tee(p[0], q[1], 3000, 0), 3000);
    int avail = 0;
    OK(ioctl(p[0], FIONREAD, &avail));
    EQ(avail, 5000);
    OK(ioctl(q[0], FIONREAD, &avail));
    EQ(avail, 3000);
    loff_t oo = 0;
    EQ(splice(p[0], NULL, out, &oo, 5000, 0), 5000);
    EQ(oo, 5000);
    CHECK(holds_pattern(out, 5000, 10), "the spliced bytes differ");
    /* pipe -> pipe, then the file position as output. */
    EQ(splice(q[0], NULL, p[1], NULL, 3000, 0), 3000);
    OK(lseek(out, 0, SEEK_SET));
    EQ(splice(p[0], NULL, out, NULL, 3000, 0), 3000);
    EQ(lseek(out, 0, SEEK_CUR), 3000);
    CHECK(holds_pattern(out, 3000, 10), "the bytes through two pipes differ");
    /* An empty pipe with no writer: 0; SPLICE_F_NONBLOCK with a writer: EAGAIN. */
    ERR(splice(p[0], NULL, out, NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
    ERR(tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
    /* Errors. */
    ERR(splice(in, NULL, out, NULL, 10, 0), EINVAL);          /* no pipe */
    ERR(splice(p[0], &off, out, NULL, 10, 0), ESPIPE);        /* offset for a pipe */
    ERR(splice(in, NULL, p[1], &off, 10, 0), ESPIPE);
    ERR(tee(p[0], p[1], 10, 0), EINVAL);                      /* the same pipe */
    ERR(tee(in, q[1], 10, 0), EINVAL);
    ERR(splice(999, NULL, p[1], NULL, 10, 0), EBADF);
    close(p[1]);
    EQ(splice(p[0], NULL, out, NULL, 10, 0), 0);
    close(p[0]), close(q[0]), close(q[1]), close(in), close(out);
    abi_rm_tree(dir);
}

static void t_vmsplice(void)
{
    int p[2];
    OK(pipe(p));
    char a[] = "hello ", b[] = "vmsplice";
    struct iovec in[2] = {{a, 6}, {b, 8}};
    EQ(vmsplice(p[1], in, 2, 0), 14);
    char got[32] = {0};
    struct iovec outv = {got, sizeof got};
    EQ(vmsplice(p[0], &outv, 1, 0), 14);
    CHECK(memcmp(got, "hello vmsplice", 14) == 0, "got %s", got);
    int fd = OK(open("/dev/null", O_WRONLY));
    ERR(vmsplice(fd, in, 1, 0), EBADF);
    ERR(vmsplice(p[1], in, 1, 1u << 8), EINVAL);
    close(fd), close(p[0]), close(p[1]);
}

static void t_fallocate(void)
{
    setup_paths();
    int fd = OK(open(path_a, O_RDWR | O_CREAT | O_TRUNC, 0600));
    struct stat st;
    /* Mode 0 extends the size; the new bytes read as zeros. */
    OK(fallocate(fd, 0, 0, 3 * 4096 + 100));
    OK(fstat(fd, &st));
    EQ(st.st_size, 3 * 4096 + 100);
    CHECK(st.st_blocks >= (3 * 4096 + 100) / 512, "st_blocks %lld", (long long)st.st_blocks);
    /* KEEP_SIZE allocates without moving the size. */
    OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 64 * 1024));
    OK(fstat(fd, &st));
    EQ(st.st_size, 3 * 4096 + 100);
    /* A range inside the file leaves its size. */
    OK(fallocate(fd, 0, 100, 100));
    OK(fstat(fd, &st));
    EQ(st.st_size, 3 * 4096 + 100);
    /* PUNCH_HOLE|KEEP_SIZE zeroes a range, partial pages included. */
    unsigned char buf[8192];
    memset(buf, 0xab, sizeof buf);
    EQ(pwrite(fd, buf, sizeof buf, 0), (ssize_t)sizeof buf);
    OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1000, 5000));
    EQ(pread(fd, buf, sizeof buf, 0), (ssize_t)sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        CHECK(buf[i] == (i >= 1000 && i < 6000 ? 0 : 0xab), "byte %zu is %#x", i, buf[i]);
    OK(fstat(fd, &st));
    EQ(st.st_size, 3 * 4096 + 100);
    /* Errors. */
    ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
    ERR(fallocate(fd, 0, -1, 10), EINVAL);
    ERR(fallocate(fd, 0, 0, 0), EINVAL);
    ERR(fallocate(fd, 0x1000, 0, 10), EOPNOTSUPP);
    ERR(fallocate(fd, 0, 0x7fffffffffffff00ll, 0x1000), EFBIG);
    int ro = OK(open(path_a, O_RDONLY));
    ERR(fallocate(ro, 0, 0, 10), EBADF);
    int p[2];
    OK(pipe(p));
    ERR(fallocate(p[1], 0, 0, 10), ESPIPE);
    int dfd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    ERR(fallocate(dfd, 0, 0, 10), EBADF); /* a directory opens read-only */
    int null = OK(open("/dev/null", O_WRONLY));
    ERR(fallocate(null, 0, 0, 10), ENODEV);
    ERR(fallocate(999, 0, 0, 10), EBADF);
    close(ro), close(p[0]), close(p[1]), close(dfd), close(null), close(fd);
    abi_rm_tree(dir);
}

/* In a child (the root cannot be given back): chroot into the check's
 * directory, which holds a file "inside". */
static void t_chroot(void)
{
    setup_paths();
    int fd = OK(make_file(path_a, 10));
    close(fd);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/d", dir);
    OK(mkdir(sub, 0755));
    ERR(chroot(path_a), ENOTDIR);
    ERR(chroot("/nonexistent-abi-dir"), ENOENT);
    ERR(chroot(ABI_BAD_KERNEL), EFAULT);
    pid_t child = fork();
    CHECK(child >= 0, "fork: %s", abi_errname(errno));
    if (child == 0) {
        if (chdir(sub) != 0 || chroot(dir) != 0)
            _exit(1);
        char cwd[256];
        if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/d") != 0)
            _exit(2); /* the working directory stayed, seen from the new root */
        struct stat st;
        if (stat("/a", &st) != 0 || st.st_size != 10)
            _exit(3);
        if (stat("/../../a", &st) != 0 || stat("../../../a", &st) != 0)
            _exit(4); /* ".." stops at the root */
        if (chdir("/") != 0 || !getcwd(cwd, sizeof cwd) || strcmp(cwd, "/") != 0)
            _exit(5);
        if (access("/tmp", F_OK) == 0)
            _exit(6); /* the old tree is out of reach */
        _exit(0);
    }
    int st = abi_wait(child);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x (the exit code names the step)", st);
    abi_rm_tree(dir);
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(sendfile_file_to_file);
    RUN(sendfile_to_pipe_short);
    RUN(sendfile_to_socket);
    RUN(copy_file_range);
    RUN(splice_and_tee);
    RUN(vmsplice);
    RUN(fallocate);
    RUN(chroot);
    return abi_end();
}
