/* Files and I/O: open/openat/close, read/write and their vector and
 * positioned forms, lseek, the stat family, getdents64, access, the working
 * directory, mkdir/unlink/rmdir/rename, ftruncate, dup*, fcntl, ioctl and
 * the devfs nodes.  Everything happens in a fresh directory under /tmp. */
#include "abi.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <termios.h>

static const char *dir;    /* the scratch directory */

/* dir/name in a static buffer (one of two, so two paths can coexist). */
static const char *P(const char *name)
{
    static char bufs[2][512];
    static int which;
    which ^= 1;
    snprintf(bufs[which], sizeof bufs[which], "%s/%s", dir, name);
    return bufs[which];
}

/* Creates dir/name holding `text`. */
static int make_file(const char *name, const char *text)
{
    int fd = open(P(name), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The linux_dirent64 record getdents64 fills (the ABI has no libc header). */
struct dirent64_rec {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* struct statx and its flags, as the Linux ABI defines them. */
struct statx_ts { int64_t tv_sec; uint32_t tv_nsec; int32_t reserved; };
struct statx_buf {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, pad1;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
#define STATX_TYPE        0x1u
#define STATX_MODE        0x2u
#define STATX_NLINK       0x4u
#define STATX_SIZE        0x200u
#define STATX_BASIC_STATS 0x7ffu
#define STATX_RESERVED    0x80000000u
#define AT_STATX_FORCE_SYNC 0x2000
#define AT_STATX_DONT_SYNC  0x4000

static void t_open_create_rw(void)
{
    char buf[16] = { 0 };
    struct stat st;
    int fd = OK(open(P("a"), O_CREAT | O_EXCL | O_RDWR, 0666));
    EQ(write(fd, "hello", 5), 5);
    EQ(lseek(fd, 0, SEEK_SET), 0);
    EQ(read(fd, buf, sizeof buf), 5);
    CHECK(!memcmp(buf, "hello", 5), "read back '%.5s'", buf);
    EQ(read(fd, buf, sizeof buf), 0);                 /* at EOF */
    OK(fstat(fd, &st));
    CHECK(S_ISREG(st.st_mode), "mode %o is not a regular file", st.st_mode);
    EQ(st.st_mode & 07777, 0644);                     /* 0666 & ~umask 022 */
    EQ(st.st_size, 5);
    EQ(st.st_nlink, 1);
    OK(close(fd));
    ERR(close(fd), EBADF);
    ERR(open(P("a"), O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
}

static void t_open_errors(void)
{
    OK(make_file("f", "x"));
    ERR(open(P("missing"), O_RDONLY), ENOENT);
    ERR(open(P("nodir/x"), O_CREAT | O_WRONLY, 0644), ENOENT);
    ERR(open(P("f/x"), O_RDONLY), ENOTDIR);
    ERR(open(P("f"), O_RDONLY | O_DIRECTORY), ENOTDIR);
    ERR(open(dir, O_WRONLY), EISDIR);
    ERR(open(dir, O_RDWR), EISDIR);
    ERR(open("", O_RDONLY), ENOENT);
    int fd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    char c;
    ERR(read(fd, &c, 1), EISDIR);
    ERR(write(fd, &c, 1), EBADF);
    close(fd);
}

static void t_trunc_append(void)
{
    char buf[32] = { 0 };
    OK(make_file("t", "0123456789"));
    int fd = OK(open(P("t"), O_WRONLY | O_APPEND));
    EQ(lseek(fd, 0, SEEK_SET), 0);
    EQ(write(fd, "ab", 2), 2);                        /* O_APPEND: at the end anyway */
    EQ(lseek(fd, 0, SEEK_CUR), 12);
    close(fd);
    fd = OK(open(P("t"), O_RDONLY));
    EQ(read(fd, buf, sizeof buf), 12);
    CHECK(!memcmp(buf, "0123456789ab", 12), "content '%s'", buf);
    close(fd);
    fd = OK(open(P("t"), O_RDWR | O_TRUNC));
    struct stat st;
    OK(fstat(fd, &st));
    EQ(st.st_size, 0);
    close(fd);
}

static void t_openat(void)
{
    char buf[8] = { 0 };
    OK(make_file("rel", "rel"));
    int dfd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    int fd = OK(openat(dfd, "rel", O_RDONLY));
    EQ(read(fd, buf, sizeof buf), 3);
    /* A regular file as dirfd for a relative path. */
    ERR(openat(fd, "x", O_RDONLY), ENOTDIR);
    close(fd);
    ERR(openat(dfd, "nothere", O_RDONLY), ENOENT);
    fd = OK(openat(dfd, "new", O_CREAT | O_WRONLY, 0600));
    close(fd);
    struct stat st;
    OK(stat(P("new"), &st));
    EQ(st.st_mode & 0777, 0600);
    ERR(syscall(SYS_openat, 9999, "rel", O_RDONLY, 0), EBADF);
    /* An absolute path ignores dirfd, even an invalid one. */
    fd = OK(syscall(SYS_openat, 9999, P("rel"), O_RDONLY, 0));
    close(fd);
    fd = OK(openat(AT_FDCWD, P("rel"), O_RDONLY));
    close(fd);
    close(dfd);
}

static void t_readv_writev(void)
{
    char a[3] = "abc", b[1] = "d", c[6] = "efghij";
    struct iovec w[4] = { { a, 3 }, { NULL, 0 }, { b, 1 }, { c, 6 } };
    char x[4], y[20];
    memset(y, 0, sizeof y);
    struct iovec r[2] = { { x, 4 }, { y, sizeof y } };
    int fd = OK(open(P("v"), O_CREAT | O_RDWR, 0644));
    EQ(writev(fd, w, 4), 10);
    EQ(lseek(fd, 0, SEEK_SET), 0);
    EQ(readv(fd, r, 2), 10);
    CHECK(!memcmp(x, "abcd", 4) && !memcmp(y, "efghij", 6), "readv got '%.4s' '%.6s'", x, y);
    EQ(readv(fd, r, 2), 0);
    EQ(writev(fd, w, 0), 0);
    close(fd);
}

static void t_pread_pwrite(void)
{
    char buf[200];
    int fd = OK(open(P("p"), O_CREAT | O_RDWR, 0644));
    EQ(write(fd, "head", 4), 4);
    EQ(pwrite(fd, "tail", 4, 100), 4);
    EQ(lseek(fd, 0, SEEK_CUR), 4);                    /* pwrite leaves the offset */
    EQ(pread(fd, buf, sizeof buf, 0), 104);
    EQ(lseek(fd, 0, SEEK_CUR), 4);                    /* so does pread */
    CHECK(!memcmp(buf, "head", 4) && !memcmp(buf + 100, "tail", 4), "wrong content");
    for (int i = 4; i < 100; i++)
        CHECK(buf[i] == 0, "hole byte %d is %#x", i, buf[i]);
    EQ(pread(fd, buf, sizeof buf, 104), 0);           /* at EOF */
    EQ(pread(fd, buf, sizeof buf, 1 << 30), 0);       /* far past EOF */
    ERR(pread(fd, buf, 1, -1), EINVAL);
    ERR(pwrite(fd, buf, 1, -1), EINVAL);
    close(fd);
}

static void t_lseek(void)
{
    char buf[8];
    int fd = OK(open(P("s"), O_CREAT | O_RDWR, 0644));
    EQ(write(fd, "0123456789", 10), 10);
    EQ(lseek(fd, 3, SEEK_SET), 3);
    EQ(lseek(fd, 2, SEEK_CUR), 5);
    EQ(lseek(fd, -1, SEEK_END), 9);
    EQ(read(fd, buf, 8), 1);
    EQ(buf[0], '9');
    ERR(lseek(fd, -20, SEEK_CUR), EINVAL);
    ERR(lseek(fd, 0, 99), EINVAL);
    EQ(lseek(fd, 9, SEEK_SET), 9);                    /* a failed lseek left the offset */
    /* Past EOF, then a write: the gap reads as zeros. */
    EQ(lseek(fd, 20, SEEK_END), 30);
    EQ(write(fd, "z", 1), 1);
    EQ(pread(fd, buf, 8, 12), 8);
    for (int i = 0; i < 8; i++)
        CHECK(buf[i] == 0, "gap byte %d is %#x", i, buf[i]);
    close(fd);
}

static void t_stat_family(void)
{
    struct stat s1, s2, s3, s4, sd;
    OK(make_file("st", "12345"));
    OK(stat(P("st"), &s1));
    OK(lstat(P("st"), &s2));
    int dfd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    OK(fstatat(dfd, "st", &s3, 0));
    int fd = OK(open(P("st"), O_RDONLY));
    OK(fstat(fd, &s4));
    EQ(s1.st_size, 5);
    CHECK(S_ISREG(s1.st_mode) && S_ISREG(s2.st_mode), "not regular");
    EQ(s2.st_ino, s1.st_ino);
    EQ(s3.st_ino, s1.st_ino);
    EQ(s4.st_ino, s1.st_ino);
    EQ(s4.st_dev, s1.st_dev);
    CHECK(s1.st_blksize > 0, "st_blksize %ld", (long)s1.st_blksize);
    OK(fstatat(fd, "", &s3, AT_EMPTY_PATH));
    EQ(s3.st_ino, s1.st_ino);
    OK(fstat(dfd, &sd));
    CHECK(S_ISDIR(sd.st_mode), "directory mode %o", sd.st_mode);
    CHECK(sd.st_ino != s1.st_ino, "file and directory share an inode");
    ERR(stat(P("missing"), &s1), ENOENT);
    ERR(stat(P("st/x"), &s1), ENOTDIR);
    ERR(fstatat(dfd, "st", &s1, 0x40000000), EINVAL);
    close(fd);
    close(dfd);
}

static void t_statx(void)
{
    struct statx_buf sx;
    struct stat st;
    OK(make_file("sx", "1234567"));
    OK(stat(P("sx"), &st));
    memset(&sx, 0xff, sizeof sx);
    OK(syscall(SYS_statx, AT_FDCWD, P("sx"), 0, STATX_BASIC_STATS, &sx));
    unsigned need = STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_NLINK;
    CHECK((sx.stx_mask & need) == need, "stx_mask %#x lacks %#x", sx.stx_mask, need);
    EQ(sx.stx_size, 7);
    EQ(sx.stx_mode, st.st_mode);
    EQ(sx.stx_ino, st.st_ino);
    EQ(sx.stx_nlink, 1);
    int dfd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    OK(syscall(SYS_statx, dfd, "sx", 0, STATX_SIZE, &sx));
    EQ(sx.stx_size, 7);
    OK(syscall(SYS_statx, dfd, "", AT_EMPTY_PATH, STATX_TYPE, &sx));
    CHECK(S_ISDIR(sx.stx_mode), "AT_EMPTY_PATH on a directory: mode %o", sx.stx_mode);
    close(dfd);
    ERR(syscall(SYS_statx, AT_FDCWD, P("missing"), 0, STATX_BASIC_STATS, &sx), ENOENT);
    ERR(syscall(SYS_statx, AT_FDCWD, P("sx"), 0, STATX_RESERVED, &sx), EINVAL);
    ERR(syscall(SYS_statx, AT_FDCWD, P("sx"), AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC,
                STATX_BASIC_STATS, &sx), EINVAL);
}

static void t_getdents64(void)
{
    const char *sub = "gd";
    char path[512], buf[64];      /* small: forces several calls */
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    OK(mkdir(path, 0755));
    const char *names[] = { "alpha", "b", "c.txt" };
    for (int i = 0; i < 3; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s/%s", path, names[i]);
        int fd = OK(open(p, O_CREAT | O_WRONLY, 0644));
        close(fd);
    }
    char p[600];
    snprintf(p, sizeof p, "%s/subdir", path);
    OK(mkdir(p, 0755));
    int fd = OK(open(path, O_RDONLY | O_DIRECTORY));
    /* Bits: . .. alpha b c.txt subdir */
    int seen = 0, total = 0;
    for (;;) {
        long n = OK(syscall(SYS_getdents64, fd, buf, sizeof buf));
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            struct dirent64_rec *d = (struct dirent64_rec *)(buf + off);
            CHECK(d->d_reclen > 0 && off + d->d_reclen <= n, "bad d_reclen %u", d->d_reclen);
            int bit = !strcmp(d->d_name, ".") ? 1 : !strcmp(d->d_name, "..") ? 2
                    : !strcmp(d->d_name, "alpha") ? 4 : !strcmp(d->d_name, "b") ? 8
                    : !strcmp(d->d_name, "c.txt") ? 16 : !strcmp(d->d_name, "subdir") ? 32 : 0;
            CHECK(bit != 0, "unexpected entry '%s'", d->d_name);
            CHECK(!(seen & bit), "entry '%s' listed twice", d->d_name);
            int want = bit & (1 | 2 | 32) ? DT_DIR : DT_REG;
            CHECK(d->d_type == want, "'%s' has d_type %d, want %d", d->d_name, d->d_type, want);
            seen |= bit;
            total++;
            off += d->d_reclen;
        }
    }
    EQ(seen, 63);
    EQ(total, 6);
    /* A buffer too small for one entry. */
    EQ(lseek(fd, 0, SEEK_SET), 0);
    ERR(syscall(SYS_getdents64, fd, buf, 1), EINVAL);
    close(fd);
    fd = OK(open(P("gdfile"), O_CREAT | O_RDONLY, 0644));
    ERR(syscall(SYS_getdents64, fd, buf, sizeof buf), ENOTDIR);
    close(fd);
    /* And musl's readdir on top of it. */
    DIR *d = opendir(path);
    CHECK(d, "opendir: %s", abi_errname(errno));
    int count = 0;
    while (readdir(d))
        count++;
    closedir(d);
    EQ(count, 6);
}

static void t_access(void)
{
    OK(make_file("acc", "x"));
    OK(access(P("acc"), F_OK));
    OK(access(P("acc"), R_OK | W_OK));
    /* No execute bit anywhere: X_OK fails even for root. */
    ERR(access(P("acc"), X_OK), EACCES);
    ERR(access(P("nope"), F_OK), ENOENT);
    ERR(access(P("acc"), 0100), EINVAL);
    int dfd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    OK(faccessat(dfd, "acc", R_OK, 0));
    ERR(faccessat(dfd, "nope", R_OK, 0), ENOENT);
    OK(access(dir, X_OK));                            /* a 0755 directory */
    close(dfd);
}

static void t_cwd(void)
{
    char cwd[PATH_MAX], sub[512];
    char *saved = getcwd(NULL, 0);
    CHECK(saved, "getcwd: %s", abi_errname(errno));
    OK(chdir(dir));
    CHECK(getcwd(cwd, sizeof cwd), "getcwd: %s", abi_errname(errno));
    CHECK(!strcmp(cwd, dir), "cwd '%s', want '%s'", cwd, dir);
    OK(make_file("incwd", "x"));
    int fd = OK(open("incwd", O_RDONLY));             /* relative to the new cwd */
    snprintf(sub, sizeof sub, "%s/sub", dir);
    OK(mkdir("sub", 0755));
    OK(chdir("sub"));
    CHECK(getcwd(cwd, sizeof cwd) && !strcmp(cwd, sub), "cwd '%s', want '%s'", cwd, sub);
    OK(chdir(".."));
    CHECK(getcwd(cwd, sizeof cwd) && !strcmp(cwd, dir), "after ..: cwd '%s'", cwd);
    ERR(chdir("incwd"), ENOTDIR);
    ERR(chdir("missing"), ENOENT);
    ERR(fchdir(fd), ENOTDIR);
    close(fd);
    int dfd = OK(open("sub", O_RDONLY | O_DIRECTORY));
    OK(chdir("/"));
    OK(fchdir(dfd));
    CHECK(getcwd(cwd, sizeof cwd) && !strcmp(cwd, sub), "after fchdir: cwd '%s'", cwd);
    close(dfd);
    /* The kernel's own errors, which musl's getcwd would mask. */
    ERR(syscall(SYS_getcwd, cwd, 1), ERANGE);
    long n = OK(syscall(SYS_getcwd, cwd, sizeof cwd));
    EQ(n, (long)strlen(sub) + 1);                     /* the length includes the NUL */
    OK(chdir(saved));
    free(saved);
}

static void t_mkdir_rmdir_unlink(void)
{
    struct stat st;
    OK(mkdir(P("d"), 0750));
    OK(stat(P("d"), &st));
    CHECK(S_ISDIR(st.st_mode), "mode %o", st.st_mode);
    EQ(st.st_mode & 0777, 0750);
    ERR(mkdir(P("d"), 0755), EEXIST);
    ERR(mkdir(P("nodir/d"), 0755), ENOENT);
    OK(make_file("d/f", "x"));
    ERR(rmdir(P("d")), ENOTEMPTY);
    ERR(rmdir(P("d/f")), ENOTDIR);
    ERR(unlink(P("d")), EISDIR);
    ERR(rmdir(P("d/.")), EINVAL);
    OK(unlink(P("d/f")));
    ERR(unlink(P("d/f")), ENOENT);
    OK(rmdir(P("d")));
    ERR(stat(P("d"), &st), ENOENT);
    int dfd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    OK(mkdirat(dfd, "da", 0700));
    int fd = OK(openat(dfd, "da/x", O_CREAT | O_WRONLY, 0644));
    close(fd);
    ERR(unlinkat(dfd, "da", 0), EISDIR);
    ERR(unlinkat(dfd, "da", AT_REMOVEDIR), ENOTEMPTY);
    ERR(unlinkat(dfd, "da/x", 0x1), EINVAL);
    OK(unlinkat(dfd, "da/x", 0));
    OK(unlinkat(dfd, "da", AT_REMOVEDIR));
    ERR(mkdirat(9999, "x", 0755), EBADF);
    close(dfd);
}

static void t_unlink_open_file(void)
{
    char buf[8] = { 0 };
    struct stat st;
    OK(make_file("u", "keep"));
    int fd = OK(open(P("u"), O_RDWR));
    OK(unlink(P("u")));
    ERR(stat(P("u"), &st), ENOENT);
    /* The open file lives on. */
    EQ(read(fd, buf, sizeof buf), 4);
    CHECK(!memcmp(buf, "keep", 4), "read '%s'", buf);
    EQ(write(fd, "more", 4), 4);
    OK(fstat(fd, &st));
    EQ(st.st_nlink, 0);
    EQ(st.st_size, 8);
    close(fd);
    /* The name can be reused for a new file. */
    fd = OK(open(P("u"), O_CREAT | O_EXCL | O_RDWR, 0644));
    OK(fstat(fd, &st));
    EQ(st.st_size, 0);
    close(fd);
}

static void t_rename(void)
{
    char buf[8] = { 0 };
    struct stat st;
    OK(make_file("r1", "one"));
    OK(make_file("r2", "two"));
    OK(rename(P("r1"), P("r3")));
    ERR(stat(P("r1"), &st), ENOENT);
    OK(rename(P("r3"), P("r2")));                     /* replaces r2 */
    int fd = OK(open(P("r2"), O_RDONLY));
    EQ(read(fd, buf, sizeof buf), 3);
    CHECK(!memcmp(buf, "one", 3), "r2 holds '%s'", buf);
    close(fd);
    OK(mkdir(P("rd"), 0755));
    OK(mkdir(P("rfull"), 0755));
    OK(make_file("rfull/x", "x"));
    ERR(rename(P("rd"), P("rfull")), ENOTEMPTY);
    ERR(rename(P("r2"), P("rd")), EISDIR);
    ERR(rename(P("rd"), P("r2")), ENOTDIR);
    ERR(rename(P("rfull"), P("rfull/inside")), EINVAL);
    ERR(rename(P("missing"), P("x")), ENOENT);
    OK(mkdir(P("rempty"), 0755));
    OK(rename(P("rd"), P("rempty")));                 /* onto an empty directory */
    OK(stat(P("rempty"), &st));
    CHECK(S_ISDIR(st.st_mode), "rempty mode %o", st.st_mode);
    int dfd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    OK(renameat(dfd, "r2", dfd, "rfull/moved"));
    OK(stat(P("rfull/moved"), &st));
    EQ(st.st_size, 3);
    ERR(renameat(9999, "a", dfd, "b"), EBADF);
    close(dfd);
}

static void t_ftruncate(void)
{
    char buf[64];
    struct stat st;
    int fd = OK(open(P("tr"), O_CREAT | O_RDWR, 0644));
    EQ(write(fd, "abcdefgh", 8), 8);
    OK(ftruncate(fd, 3));
    OK(fstat(fd, &st));
    EQ(st.st_size, 3);
    OK(ftruncate(fd, 40));
    EQ(pread(fd, buf, sizeof buf, 0), 40);
    CHECK(!memcmp(buf, "abc", 3), "prefix lost");
    for (int i = 3; i < 40; i++)
        CHECK(buf[i] == 0, "byte %d is %#x after extension", i, buf[i]);
    EQ(lseek(fd, 0, SEEK_CUR), 8);                    /* truncation leaves the offset */
    ERR(ftruncate(fd, -1), EINVAL);
    close(fd);
    fd = OK(open(P("tr"), O_RDONLY));
    ERR(ftruncate(fd, 0), EINVAL);                    /* not open for writing */
    close(fd);
}

static void t_dup_family(void)
{
    int fd = OK(open(P("dup"), O_CREAT | O_RDWR, 0644));
    int d1 = OK(dup(fd));
    CHECK(d1 != fd, "dup returned the same fd");
    EQ(write(fd, "ab", 2), 2);
    EQ(lseek(d1, 0, SEEK_CUR), 2);                    /* one shared file offset */
    EQ(write(d1, "cd", 2), 2);
    EQ(lseek(fd, 0, SEEK_CUR), 4);
    /* dup returns the lowest free descriptor. */
    OK(close(d1));
    EQ(dup(fd), d1);
    close(d1);
    EQ(dup2(fd, 100), 100);
    EQ(fcntl(100, F_GETFD), 0);
    EQ(dup2(fd, fd), fd);
    int other = OK(open("/dev/null", O_RDONLY));
    EQ(dup2(fd, other), other);                       /* closes the old `other` silently */
    EQ(lseek(other, 0, SEEK_CUR), 4);
    EQ(dup3(fd, 101, O_CLOEXEC), 101);
    EQ(fcntl(101, F_GETFD), FD_CLOEXEC);
    /* Raw: musl's dup3 checks old == new itself and turns unknown flags
     * into a plain dup2. */
    ERR(syscall(SYS_dup3, fd, fd, 0), EINVAL);
    ERR(syscall(SYS_dup3, fd, 102, 0x1234), EINVAL);
    ERR(dup2(9999, 103), EBADF);
    ERR(dup(9999), EBADF);
    ERR(syscall(SYS_dup2, fd, (long)-1), EBADF);
    close(100);
    close(101);
    close(other);
    close(fd);
}

static void t_fcntl(void)
{
    int fd = OK(open(P("fc"), O_CREAT | O_RDWR | O_APPEND, 0644));
    EQ(fcntl(fd, F_GETFD), 0);
    OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
    EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    int fl = OK(fcntl(fd, F_GETFL));
    EQ(fl & O_ACCMODE, O_RDWR);
    CHECK(fl & O_APPEND, "F_GETFL %#x lacks O_APPEND", fl);
    OK(fcntl(fd, F_SETFL, O_NONBLOCK));
    fl = OK(fcntl(fd, F_GETFL));
    CHECK((fl & O_NONBLOCK) && !(fl & O_APPEND), "F_SETFL O_NONBLOCK gave %#x", fl);
    EQ(fl & O_ACCMODE, O_RDWR);                       /* access mode cannot change */
    int d = OK(fcntl(fd, F_DUPFD, 50));
    CHECK(d >= 50, "F_DUPFD 50 gave %d", d);
    EQ(fcntl(d, F_GETFD), 0);                         /* descriptor flags are per fd ... */
    CHECK(fcntl(d, F_GETFL) & O_NONBLOCK, "status flags not shared");  /* ... status flags shared */
    int d2 = OK(fcntl(fd, F_DUPFD_CLOEXEC, 50));
    CHECK(d2 > 50, "F_DUPFD_CLOEXEC 50 gave %d while 50 is taken", d2);
    EQ(fcntl(d2, F_GETFD), FD_CLOEXEC);
    ERR(fcntl(fd, 0x7777), EINVAL);
    ERR(fcntl(9999, F_GETFD), EBADF);
    ERR(fcntl(fd, F_DUPFD, -1), EINVAL);
    close(d2);
    close(d);
    close(fd);
    fd = OK(open(P("fc"), O_RDONLY | O_CLOEXEC));
    EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    close(fd);
}

static void t_ioctl_not_tty(void)
{
    struct termios t;
    int fd = OK(open(P("io"), O_CREAT | O_RDWR, 0644));
    ERR(ioctl(fd, TCGETS, &t), ENOTTY);
    errno = 0;
    EQ(isatty(fd), 0);
    EQ(errno, ENOTTY);
    ERR(ioctl(9999, TCGETS, &t), EBADF);
    close(fd);
}

static void t_dev_nodes(void)
{
    unsigned char buf[256];
    struct stat st;
    int fd = OK(open("/dev/null", O_RDWR));
    OK(fstat(fd, &st));
    CHECK(S_ISCHR(st.st_mode), "/dev/null mode %o", st.st_mode);
    EQ(write(fd, buf, sizeof buf), sizeof buf);
    EQ(read(fd, buf, sizeof buf), 0);
    close(fd);
    fd = OK(open("/dev/zero", O_RDONLY));
    memset(buf, 0xaa, sizeof buf);
    EQ(read(fd, buf, sizeof buf), sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        CHECK(buf[i] == 0, "/dev/zero byte %zu is %#x", i, buf[i]);
    close(fd);
    fd = OK(open("/dev/urandom", O_RDONLY));
    memset(buf, 0, sizeof buf);
    EQ(read(fd, buf, sizeof buf), sizeof buf);
    int zeros = 0;
    for (size_t i = 0; i < sizeof buf; i++)
        zeros += buf[i] == 0;
    CHECK(zeros < 32, "/dev/urandom gave %d zero bytes of 256", zeros);
    close(fd);
    ERR(open("/dev/nonexistent-node", O_RDONLY), ENOENT);
}

static void t_path_resolution(void)
{
    struct stat a, b;
    OK(mkdir(P("pr"), 0755));
    OK(make_file("pr/f", "x"));
    OK(stat(P("pr/f"), &a));
    OK(stat(P("./pr/./../pr/f"), &b));
    EQ(b.st_ino, a.st_ino);
    OK(stat(P("pr//f"), &b));
    EQ(b.st_ino, a.st_ino);
    /* ".." of the root is the root. */
    OK(stat("/", &a));
    OK(stat("/../..", &b));
    EQ(b.st_ino, a.st_ino);
    /* A trailing slash demands a directory. */
    OK(stat(P("pr/"), &b));
    ERR(stat(P("pr/f/"), &b), ENOTDIR);
}

static void t_name_too_long(void)
{
    char name[300], *path = malloc(PATH_MAX + 100);
    struct stat st;
    CHECK(path, "malloc");
    memset(name, 'n', 256);
    name[256] = 0;
    ERR(open(P(name), O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
    name[255] = 0;                                    /* 255 is allowed */
    int fd = OK(open(P(name), O_CREAT | O_WRONLY, 0644));
    close(fd);
    OK(unlink(P(name)));
    /* A whole path longer than PATH_MAX. */
    strcpy(path, dir);
    while (strlen(path) < PATH_MAX + 10)
        strcat(path, "/.");
    ERR(stat(path, &st), ENAMETOOLONG);
    free(path);
}

static void t_large_file(void)
{
    enum { SIZE = 256 * 1024 };
    unsigned char *w = malloc(SIZE), *r = malloc(SIZE);
    CHECK(w && r, "malloc");
    uint64_t seed = 12345;
    for (int i = 0; i < SIZE; i++)
        w[i] = (unsigned char)abi_rand(&seed);
    int fd = OK(open(P("big"), O_CREAT | O_RDWR | O_TRUNC, 0644));
    /* Written in odd-sized pieces, read back in others. */
    for (int off = 0; off < SIZE;) {
        int n = SIZE - off < 3001 ? SIZE - off : 3001;
        long k = OK(write(fd, w + off, n));
        CHECK(k > 0, "write returned 0");
        off += (int)k;
    }
    struct stat st;
    OK(fstat(fd, &st));
    EQ(st.st_size, SIZE);
    EQ(lseek(fd, 0, SEEK_SET), 0);
    for (int off = 0; off < SIZE;) {
        long k = OK(read(fd, r + off, 65536 + 7));
        CHECK(k > 0, "read returned 0 at %d", off);
        off += (int)k;
    }
    CHECK(!memcmp(w, r, SIZE), "contents differ");
    close(fd);
    OK(unlink(P("big")));
    free(w);
    free(r);
}

static void t_umask_create(void)
{
    struct stat st;
    mode_t old = umask(077);
    EQ(old, 022);
    int fd = OK(open(P("um"), O_CREAT | O_WRONLY, 0666));
    close(fd);
    OK(mkdir(P("umd"), 0777));
    umask(old);
    OK(stat(P("um"), &st));
    EQ(st.st_mode & 0777, 0600);
    OK(stat(P("umd"), &st));
    EQ(st.st_mode & 0777, 0700);
}

int main(void)
{
    abi_begin(ABI_AREA);
    dir = abi_tmpdir();
    RUN(open_create_rw);
    RUN(open_errors);
    RUN(trunc_append);
    RUN(openat);
    RUN(readv_writev);
    RUN(pread_pwrite);
    RUN(lseek);
    RUN(stat_family);
    RUN(statx);
    RUN(getdents64);
    RUN(access);
    RUN(cwd);
    RUN(mkdir_rmdir_unlink);
    RUN(unlink_open_file);
    RUN(rename);
    RUN(ftruncate);
    RUN(dup_family);
    RUN(fcntl);
    RUN(ioctl_not_tty);
    RUN(dev_nodes);
    RUN(path_resolution);
    RUN(name_too_long);
    RUN(large_file);
    RUN(umask_create);
    abi_rm_tree(dir);
    return abi_end();
}
