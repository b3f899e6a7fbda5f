/* File system metadata calls: statfs/fstatfs (and musl's statvfs), sync,
 * syncfs, fsync/fdatasync per file type, fchmod/fchmodat, the chown family
 * (ids kept, set-user-ID dropped), and the time setters utimensat (UTIME_NOW,
 * UTIME_OMIT, AT_SYMLINK_NOFOLLOW), futimesat, utimes and utime. */
#include "abi.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <utime.h>

#define TMPFS_MAGIC_ 0x01021994
#define PIPEFS_MAGIC_ 0x50495045
#define ST_VALID_ 0x20

static const char *dir;

static const char *path_in(const char *base, const char *name)
{
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 512, "%s/%s", base, name);
    return p;
}

static int make_file(const char *path, size_t bytes)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char chunk[65536];
    for (size_t done = 0; fd >= 0 && done < bytes; done += sizeof chunk)
        if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk)
            return -1;
    return fd;
}

static void t_statfs_fields(void)
{
    struct statfs s, fs;
    OK(statfs(dir, &s));
    CHECK(s.f_bsize > 0 && s.f_frsize > 0, "f_bsize %ld f_frsize %ld", (long)s.f_bsize, (long)s.f_frsize);
    EQ(s.f_namelen, 255);
    CHECK(s.f_bfree <= s.f_blocks && s.f_bavail <= s.f_bfree, "blocks %llu free %llu avail %llu",
          (unsigned long long)s.f_blocks, (unsigned long long)s.f_bfree, (unsigned long long)s.f_bavail);
    CHECK(s.f_ffree <= s.f_files, "files %llu free %llu", (unsigned long long)s.f_files,
          (unsigned long long)s.f_ffree);
    CHECK(s.f_flags & ST_VALID_, "f_flags %#lx without ST_VALID", (long)s.f_flags);
    int fd = OK(open(dir, O_RDONLY | O_DIRECTORY));
    OK(fstatfs(fd, &fs));
    close(fd);
    EQ(fs.f_type, s.f_type);
    EQ(fs.f_blocks, s.f_blocks);
    EQ(fs.f_files, s.f_files);
    CHECK(!memcmp(&fs.f_fsid, &s.f_fsid, sizeof s.f_fsid), "fstatfs and statfs disagree on f_fsid");
    /* An O_PATH descriptor is enough for fstatfs. */
    fd = OK(open(dir, O_PATH));
    OK(fstatfs(fd, &fs));
    close(fd);
    EQ(fs.f_type, s.f_type);
    struct statvfs v;
    OK(statvfs(dir, &v));
    EQ(v.f_namemax, 255);
    EQ(v.f_blocks, s.f_blocks);
}

/* The first of these directories on a tmpfs: the scratch directory (a tmpfs
 * in the VM), or /dev/shm (on a host whose /tmp is a disk). */
static const char *tmpfs_dir(void)
{
    const char *c[] = {dir, "/dev/shm"};
    struct statfs s;
    for (size_t k = 0; k < 2; k++)
        if (statfs(c[k], &s) == 0 && s.f_type == TMPFS_MAGIC_ && access(c[k], W_OK) == 0)
            return c[k];
    return NULL;
}

static void t_statfs_tmpfs_counts(void)
{
    const char *base = tmpfs_dir();
    if (!base) {
        abi_skip("no writable tmpfs");
        return;
    }
    struct statfs s;
    OK(statfs(base, &s));
    EQ(s.f_bsize, 4096);
    CHECK(s.f_blocks > 0 && s.f_files > 0, "a tmpfs with limits: blocks %llu files %llu",
          (unsigned long long)s.f_blocks, (unsigned long long)s.f_files);
    char name[64];
    snprintf(name, sizeof name, "abi-fsmeta-%d", (int)getpid());
    const char *p = path_in(base, name);
    /* Other programs may free space meanwhile (on the host): a few tries. */
    bool seen = false;
    for (int attempt = 0; attempt < 3 && !seen; attempt++) {
        struct statfs before, after;
        OK(statfs(base, &before));
        int fd = make_file(p, 1 << 20);
        CHECK(fd >= 0, "writing 1 MiB to %s: %s", p, abi_errname(errno));
        OK(statfs(base, &after));
        close(fd);
        OK(unlink(p));
        seen = before.f_bfree >= after.f_bfree + 256 && before.f_ffree >= after.f_ffree + 1;
    }
    CHECK(seen, "a 1 MiB file did not show in f_bfree/f_ffree");
}

static void t_statfs_dev_and_pipe(void)
{
    struct statfs s;
    OK(statfs("/dev/null", &s));
    EQ(s.f_type, TMPFS_MAGIC_); /* devtmpfs on Linux */
    int p[2];
    OK(pipe(p));
    OK(fstatfs(p[0], &s));
    EQ(s.f_type, PIPEFS_MAGIC_);
    EQ(s.f_bsize, 4096);
    EQ(s.f_namelen, 255);
    EQ(s.f_blocks, 0);
    EQ(s.f_files, 0);
    close(p[0]);
    close(p[1]);
}

static void t_statfs_errors(void)
{
    struct statfs s;
    ERR(statfs(path_in(dir, "missing/x"), &s), ENOENT);
    int fd = OK(make_file(path_in(dir, "plain"), 0));
    ERR(statfs(path_in(dir, "plain/x"), &s), ENOTDIR);
    for (int k = 0; k < 3; k++) {
        ERR(syscall(SYS_statfs, abi_bad_ptrs[k], &s), EFAULT);
        ERR(syscall(SYS_statfs, dir, abi_bad_ptrs[k]), EFAULT);
        ERR(syscall(SYS_fstatfs, fd, abi_bad_ptrs[k]), EFAULT);
    }
    ERR(syscall(SYS_fstatfs, -1, &s), EBADF);
    ERR(syscall(SYS_fstatfs, 9999, &s), EBADF);
    close(fd);
    OK(unlink(path_in(dir, "plain")));
}

static void t_fsync_by_type(void)
{
    int fd = OK(make_file(path_in(dir, "synced"), 65536));
    OK(fsync(fd));
    OK(fdatasync(fd));
    OK(syscall(SYS_syncfs, fd));
    close(fd);
    OK(unlink(path_in(dir, "synced")));
    int d = OK(open(dir, O_RDONLY | O_DIRECTORY));
    OK(fsync(d));
    close(d);
    int p[2];
    OK(pipe(p));
    ERR(fsync(p[0]), EINVAL);
    ERR(fdatasync(p[1]), EINVAL);
    OK(syscall(SYS_syncfs, p[0]));
    close(p[0]);
    close(p[1]);
    int n = OK(open("/dev/null", O_WRONLY));
    ERR(fsync(n), EINVAL);
    close(n);
    int o = OK(open(dir, O_PATH));
    ERR(fsync(o), EBADF);
    ERR(syscall(SYS_syncfs, o), EBADF);
    close(o);
    ERR(fsync(-1), EBADF);
    ERR(fdatasync(9999), EBADF);
    ERR(syscall(SYS_syncfs, -1), EBADF);
    EQ(syscall(SYS_sync), 0);
}

static void t_chmod_family(void)
{
    char f[512];
    snprintf(f, sizeof f, "%s", path_in(dir, "modes")); /* path_in's buffers are reused */
    int fd = OK(make_file(f, 0));
    struct stat st;
    OK(fchmod(fd, 0600));
    OK(fstat(fd, &st));
    EQ(st.st_mode & 07777, 0600);
    OK(syscall(SYS_fchmodat, AT_FDCWD, f, 04751));
    OK(stat(f, &st));
    EQ(st.st_mode & 07777, 04751);
    OK(symlink("modes", path_in(dir, "modes-link")));
    OK(syscall(SYS_fchmodat, AT_FDCWD, path_in(dir, "modes-link"), 0640)); /* follows the link */
    OK(stat(f, &st));
    EQ(st.st_mode & 07777, 0640);
    /* fchmodat2 (452) takes flags: a link's own mode cannot change. */
    OK(syscall(452, AT_FDCWD, f, 0604, 0));
    OK(stat(f, &st));
    EQ(st.st_mode & 07777, 0604);
    ERR(syscall(452, AT_FDCWD, path_in(dir, "modes-link"), 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP);
    OK(syscall(452, fd, "", 0640, AT_EMPTY_PATH));
    OK(fstat(fd, &st));
    EQ(st.st_mode & 07777, 0640);
    ERR(syscall(452, AT_FDCWD, f, 0600, 0x4000000), EINVAL);
    ERR(fchmod(-1, 0600), EBADF);
    ERR(syscall(SYS_fchmodat, -1, "relative", 0600), EBADF);
    ERR(syscall(SYS_fchmodat, AT_FDCWD, ABI_BAD_LOW, 0600), EFAULT);
    close(fd);
    OK(unlink(path_in(dir, "modes-link")));
    OK(unlink(f));
}

static void t_chown_family(void)
{
    const char *f = path_in(dir, "owned");
    int fd = OK(make_file(f, 0));
    struct stat st;
    OK(fchown(fd, 1234, 5678));
    OK(fstat(fd, &st));
    EQ(st.st_uid, 1234);
    EQ(st.st_gid, 5678);
    OK(fchown(fd, -1, 42)); /* -1 leaves the uid alone */
    OK(fstat(fd, &st));
    EQ(st.st_uid, 1234);
    EQ(st.st_gid, 42);
    OK(fchmod(fd, 04755));
    OK(fchown(fd, 0, 0)); /* a chown drops set-user-ID, even by root */
    OK(fstat(fd, &st));
    EQ(st.st_mode & 07777, 0755);
    EQ(st.st_uid, 0);
    /* lchown and AT_SYMLINK_NOFOLLOW change the link, not its target. */
    const char *l = path_in(dir, "owned-link");
    OK(symlink("owned", l));
    OK(lchown(l, 77, 88));
    OK(lstat(l, &st));
    EQ(st.st_uid, 77);
    OK(stat(l, &st));
    EQ(st.st_uid, 0);
    OK(fchownat(AT_FDCWD, l, 99, 99, AT_SYMLINK_NOFOLLOW));
    OK(lstat(l, &st));
    EQ(st.st_gid, 99);
    OK(chown(l, 5, 6)); /* follows */
    OK(stat(f, &st));
    EQ(st.st_uid, 5);
    ERR(fchownat(AT_FDCWD, f, 0, 0, 0x4000000), EINVAL);
    ERR(fchown(-1, 0, 0), EBADF);
    ERR(syscall(SYS_chown, ABI_BAD_KERNEL, 0, 0), EFAULT);
    close(fd);
    OK(unlink(l));
    OK(unlink(f));
}

static void t_utimensat(void)
{
    const char *f = path_in(dir, "timed");
    int fd = OK(make_file(f, 0));
    struct timespec ts[2] = {{1000000000, 111}, {1100000000, 222}};
    struct stat st;
    OK(utimensat(AT_FDCWD, f, ts, 0));
    OK(stat(f, &st));
    EQ(st.st_atim.tv_sec, 1000000000);
    EQ(st.st_atim.tv_nsec, 111);
    EQ(st.st_mtim.tv_sec, 1100000000);
    EQ(st.st_mtim.tv_nsec, 222);
    /* UTIME_OMIT keeps one; UTIME_NOW sets it to the present. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct timespec ts2[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    OK(futimens(fd, ts2));
    OK(fstat(fd, &st));
    EQ(st.st_atim.tv_sec, 1000000000);
    CHECK(st.st_mtim.tv_sec >= now.tv_sec - 1, "UTIME_NOW gave %ld, now is %ld", (long)st.st_mtim.tv_sec,
          (long)now.tv_sec);
    /* AT_SYMLINK_NOFOLLOW sets the link's own times. */
    const char *l = path_in(dir, "timed-link");
    OK(symlink("timed", l));
    struct timespec ts3[2] = {{123, 0}, {456, 0}};
    OK(utimensat(AT_FDCWD, l, ts3, AT_SYMLINK_NOFOLLOW));
    OK(lstat(l, &st));
    EQ(st.st_mtim.tv_sec, 456);
    OK(stat(l, &st));
    CHECK(st.st_mtim.tv_sec != 456, "the target changed too");
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    ERR(utimensat(AT_FDCWD, f, bad, 0), EINVAL);
    ERR(syscall(SYS_utimensat, AT_FDCWD, f, ts, 0x4000000), EINVAL);
    ERR(syscall(SYS_utimensat, AT_FDCWD, f, ABI_BAD_LOW, 0), EFAULT);
    ERR(syscall(SYS_utimensat, AT_FDCWD, NULL, ts, 0), EFAULT); /* no path and no fd */
    ERR(syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW), EINVAL);
    ERR(syscall(SYS_utimensat, -1, NULL, ts, 0), EBADF);
    close(fd);
    OK(unlink(l));
    OK(unlink(f));
}

static void t_timeval_setters(void)
{
    const char *f = path_in(dir, "tv");
    int fd = OK(make_file(f, 0));
    struct timeval tv[2] = {{2000, 5}, {3000, 999999}};
    struct stat st;
    int d = OK(open(dir, O_RDONLY | O_DIRECTORY));
    OK(syscall(SYS_futimesat, d, "tv", tv));
    OK(stat(f, &st));
    EQ(st.st_atim.tv_sec, 2000);
    EQ(st.st_atim.tv_nsec, 5000);
    EQ(st.st_mtim.tv_nsec, 999999000);
    OK(syscall(SYS_futimesat, fd, NULL, tv)); /* a NULL path: the fd itself */
    struct timeval badtv[2] = {{1, 1000000}, {1, 0}};
    ERR(syscall(SYS_futimesat, d, "tv", badtv), EINVAL);
    ERR(syscall(SYS_futimesat, d, "tv", ABI_BAD_KERNEL), EFAULT);
    ERR(syscall(SYS_futimesat, -1, "tv", tv), EBADF);
    struct timeval tv2[2] = {{4000, 0}, {5000, 0}};
    OK(utimes(f, tv2));
    OK(stat(f, &st));
    EQ(st.st_mtim.tv_sec, 5000);
    struct utimbuf ub = {6000, 7000};
    OK(utime(f, &ub));
    OK(stat(f, &st));
    EQ(st.st_atim.tv_sec, 6000);
    EQ(st.st_mtim.tv_sec, 7000);
    EQ(st.st_mtim.tv_nsec, 0);
    ERR(syscall(SYS_utime, path_in(dir, "missing"), &ub), ENOENT);
    ERR(syscall(SYS_utime, f, ABI_BAD_LOW), EFAULT);
    close(d);
    close(fd);
    OK(unlink(f));
}

int main(void)
{
    abi_begin(ABI_AREA);
    dir = abi_tmpdir();
    RUN(statfs_fields);
    RUN(statfs_tmpfs_counts);
    RUN(statfs_dev_and_pipe);
    RUN(statfs_errors);
    RUN(fsync_by_type);
    RUN(chmod_family);
    RUN(chown_family);
    RUN(utimensat);
    RUN(timeval_setters);
    abi_rm_tree(dir);
    return abi_end();
}
