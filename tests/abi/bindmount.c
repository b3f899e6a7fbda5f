/* Bind mounts (mount MS_BIND): a directory shown at a second place, its
 * files the same through both paths, ".." and getcwd and /proc links
 * following the path it was reached by, read-only binds (MS_REMOUNT |
 * MS_BIND | MS_RDONLY), recursive binds (MS_REC), unmounting a bind, and
 * how /proc/mounts and mountinfo show them (the bound directory as
 * mountinfo's root; mount points with spaces, tabs, newlines and
 * backslashes escaped as \040 \011 \012 \134).  Each check works under a
 * tmpfs of its own, so the paths inside it are the same on Linux and on
 * nutshell.  On the host it runs in a private mount namespace. */
#include "abi.h"

#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

static char base[128]; /* a tmpfs mounted for each check */
static bool can_mount;

/* base/name into out[256]. */
static void at(const char *name, char *out)
{
    snprintf(out, 256, "%s/%s", base, name);
}

/* Writes text to path (created or truncated); 0 or -1. */
static int put_file(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The text of path into buf[size] (NUL-terminated); its length or -1. */
static long get_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, buf, size - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

/* The whole of a /proc file into buf[size]. */
static long slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long total = 0, n;
    while (total < (long)size - 1 && (n = read(fd, buf + total, size - 1 - total)) > 0)
        total += n;
    close(fd);
    buf[total] = '\0';
    return total;
}

/* The mountinfo line whose mount point field is point (escaped as the
 * kernel writes it), last one wins: its root field and its options into
 * root[256] and opts[256], the file system's options into super[256]. */
static bool mountinfo_of(const char *point, char *root, char *opts, char *super)
{
    static char text[65536];
    if (slurp("/proc/self/mountinfo", text, sizeof text) <= 0)
        return false;
    bool found = false;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char r[256], p[256], o[256], type[64], src[256], s[256];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*d %*d %*u:%*u %255s %255s %255s", r, p, o) != 3 ||
            sscanf(dash + 3, "%63s %255s %255s", type, src, s) != 3)
            continue;
        if (!strcmp(p, point)) {
            strcpy(root, r);
            strcpy(opts, o);
            strcpy(super, s);
            found = true;
        }
    }
    return found;
}

/* The same directory through two paths: the files, writes through one
 * read through the other, "..", getcwd, /proc links, EXDEV across, and
 * the unmount. */
static void t_bind_dir(void)
{
    char src[256], dst[256], p[300], q[300], buf[300];
    at("a/src", src);
    at("b/dst", dst);
    at("a", p);
    OK(mkdir(p, 0755));
    at("b", p);
    OK(mkdir(p, 0755));
    OK(mkdir(src, 0755));
    OK(mkdir(dst, 0755));
    snprintf(p, sizeof p, "%s/sub", src);
    OK(mkdir(p, 0755));
    snprintf(p, sizeof p, "%s/f", src);
    OK(put_file(p, "hello"));
    OK(mount(src, dst, NULL, MS_BIND, NULL));
    /* The same directory and file. */
    struct stat s1, s2;
    OK(stat(src, &s1));
    OK(stat(dst, &s2));
    CHECK(s1.st_dev == s2.st_dev && s1.st_ino == s2.st_ino, "the bind is another directory");
    snprintf(q, sizeof q, "%s/f", dst);
    EQ(get_file(q, buf, sizeof buf), 5);
    CHECK(!strcmp(buf, "hello"), "read '%s' through the bind", buf);
    /* Written through one path, read through the other, both ways. */
    snprintf(q, sizeof q, "%s/g", dst);
    OK(put_file(q, "through dst"));
    snprintf(p, sizeof p, "%s/g", src);
    EQ(get_file(p, buf, sizeof buf), 11);
    CHECK(!strcmp(buf, "through dst"), "read '%s' through the source", buf);
    OK(put_file(p, "through src"));
    EQ(get_file(q, buf, sizeof buf), 11);
    CHECK(!strcmp(buf, "through src"), "read '%s' through the bind", buf);
    OK(unlink(p));
    ERR(access(q, F_OK), ENOENT);
    /* ".." of the bind is where it is shown, not the source's parent. */
    struct stat sb, sa, sdot;
    at("b", p);
    OK(stat(p, &sb));
    at("a", p);
    OK(stat(p, &sa));
    snprintf(q, sizeof q, "%s/sub/../..", dst);
    OK(stat(q, &sdot));
    CHECK(sdot.st_ino == sb.st_ino && sdot.st_ino != sa.st_ino, "dst/sub/../.. is not b");
    /* Between two mounts of one file system: EXDEV, as across file systems. */
    snprintf(p, sizeof p, "%s/f", src);
    snprintf(q, sizeof q, "%s/moved", dst);
    ERR(rename(p, q), EXDEV);
    ERR(link(p, q), EXDEV);
    /* getcwd, /proc/self/cwd and /proc/self/fd name the path through the bind. */
    int here = OK(open(".", O_RDONLY | O_DIRECTORY));
    snprintf(q, sizeof q, "%s/sub", dst);
    OK(chdir(q));
    CHECK(getcwd(buf, sizeof buf) && !strcmp(buf, q), "getcwd gave '%s', not '%s'", buf, q);
    long n = OK(readlink("/proc/self/cwd", buf, sizeof buf - 1));
    buf[n] = '\0';
    CHECK(!strcmp(buf, q), "/proc/self/cwd is '%s', not '%s'", buf, q);
    OK(chdir(".."));
    CHECK(getcwd(buf, sizeof buf) && !strcmp(buf, dst), "getcwd after .. gave '%s'", buf);
    OK(chdir(".."));
    at("b", q);
    CHECK(getcwd(buf, sizeof buf) && !strcmp(buf, q), "getcwd after ../.. gave '%s'", buf);
    OK(fchdir(here));
    OK(close(here));
    snprintf(q, sizeof q, "%s/f", dst);
    int fd = OK(open(q, O_RDONLY));
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = OK(readlink(link, buf, sizeof buf - 1));
    buf[n] = '\0';
    CHECK(!strcmp(buf, q), "%s is '%s', not '%s'", link, buf, q);
    /* A directory opened through the bind walks from there. */
    int dfd = OK(open(dst, O_RDONLY | O_DIRECTORY));
    struct stat s3;
    OK(fstatat(dfd, "..", &s3, 0));
    CHECK(s3.st_ino == sb.st_ino, "openat(dst fd, \"..\") is not b");
    /* Busy while something is open through it; then gone, the source stays. */
    ERR(umount(dst), EBUSY);
    OK(close(fd));
    OK(close(dfd));
    OK(umount(dst));
    ERR(access(q, F_OK), ENOENT);
    snprintf(p, sizeof p, "%s/f", src);
    OK(access(p, F_OK));
    ERR(umount(dst), EINVAL);
}

/* A read-only bind of a writable directory: EROFS through it, writes
 * through the source go on; EBUSY while a file is open for writing
 * through it; writable again by another remount. */
static void t_bind_read_only(void)
{
    char src[256], dst[256], p[300], q[300], buf[64];
    at("src", src);
    at("dst", dst);
    OK(mkdir(src, 0755));
    OK(mkdir(dst, 0755));
    snprintf(p, sizeof p, "%s/f", src);
    OK(put_file(p, "abc"));
    snprintf(q, sizeof q, "%s/d", src);
    OK(mkdir(q, 0755));
    OK(mount(src, dst, NULL, MS_BIND, NULL));
    snprintf(q, sizeof q, "%s/f", dst);
    int wfd = OK(open(q, O_WRONLY));
    ERR(mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), EBUSY);
    OK(close(wfd));
    OK(mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
    ERR(open(q, O_WRONLY), EROFS);
    ERR(open(q, O_RDONLY | O_TRUNC), EROFS);
    ERR(truncate(q, 0), EROFS);
    ERR(chmod(q, 0600), EROFS);
    ERR(utimensat(AT_FDCWD, q, NULL, 0), EROFS);
    ERR(unlink(q), EROFS);
    snprintf(q, sizeof q, "%s/new", dst);
    ERR(open(q, O_CREAT | O_WRONLY, 0600), EROFS);
    ERR(mkdir(q, 0755), EROFS);
    ERR(symlink("f", q), EROFS);
    snprintf(q, sizeof q, "%s/d", dst);
    ERR(rmdir(q), EROFS);
    snprintf(q, sizeof q, "%s/f", dst);
    EQ(get_file(q, buf, sizeof buf), 3);
    /* The source is still writable, and the bind shows what it writes. */
    OK(put_file(p, "abcd"));
    EQ(get_file(q, buf, sizeof buf), 4);
    struct statvfs v;
    OK(statvfs(dst, &v));
    CHECK(v.f_flag & ST_RDONLY, "statvfs(dst) without ST_RDONLY");
    OK(statvfs(src, &v));
    CHECK(!(v.f_flag & ST_RDONLY), "statvfs(src) read-only");
    /* mountinfo: the mount is ro, its file system rw. */
    char root[256], opts[256], super[256];
    CHECK(mountinfo_of(dst, root, opts, super), "no mountinfo line for %s", dst);
    CHECK(abi_has_option(opts, "ro") && abi_has_option(super, "rw"), "mountinfo options '%s' / '%s'", opts, super);
    OK(mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND, NULL));
    OK(put_file(q, "again"));
    ERR(mount(NULL, q, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), EINVAL); /* not a mount */
    OK(umount(dst));
}

/* MS_REC copies the mounts below the source; a plain bind does not. */
static void t_bind_recursive(void)
{
    char src[256], inner[300], plain[256], rec[256], p[400], root[256], opts[256], super[256];
    at("src", src);
    at("plain", plain);
    at("rec", rec);
    OK(mkdir(src, 0755));
    OK(mkdir(plain, 0755));
    OK(mkdir(rec, 0755));
    snprintf(inner, sizeof inner, "%s/inner", src);
    OK(mkdir(inner, 0755));
    OK(mount("inner", inner, "tmpfs", 0, NULL));
    snprintf(p, sizeof p, "%s/file", inner);
    OK(put_file(p, "x"));
    OK(mount(src, plain, NULL, MS_BIND, NULL));
    OK(mount(src, rec, NULL, MS_BIND | MS_REC, NULL));
    snprintf(p, sizeof p, "%s/inner/file", plain);
    ERR(access(p, F_OK), ENOENT); /* the inner mount is not part of a plain bind */
    snprintf(p, sizeof p, "%s/inner/file", rec);
    OK(access(p, F_OK));
    struct stat s1, s2;
    OK(stat(inner, &s1));
    snprintf(p, sizeof p, "%s/inner", rec);
    OK(stat(p, &s2));
    CHECK(s1.st_dev == s2.st_dev, "rec/inner is not the inner tmpfs");
    CHECK(mountinfo_of(p, root, opts, super), "no mountinfo line for %s", p);
    CHECK(!strcmp(root, "/"), "rec/inner's root '%s'", root);
    CHECK(mountinfo_of(rec, root, opts, super) && !strcmp(root, "/src"), "rec's mountinfo root '%s'", root);
    /* A mount with a mount on it is busy; the lazy unmount takes both. */
    ERR(umount(rec), EBUSY);
    OK(umount2(rec, MNT_DETACH));
    CHECK(!mountinfo_of(p, root, opts, super), "rec/inner still in mountinfo");
    OK(umount(plain));
    OK(umount(inner));
}

/* Mount points that need escaping, in /proc/mounts and mountinfo; the
 * bound directory's path in mountinfo's root field. */
static void t_escaped_paths(void)
{
    char odd[256], src[256], want[512], root[256], opts[256], super[256];
    at("a b\tc\\d\ne", odd);
    at("sp ace", src);
    OK(mkdir(odd, 0755));
    OK(mkdir(src, 0755));
    OK(mount(src, odd, NULL, MS_BIND, NULL));
    snprintf(want, sizeof want, "%s/a\\040b\\011c\\134d\\012e", base);
    CHECK(mountinfo_of(want, root, opts, super), "no mountinfo line for %s", want);
    CHECK(!strcmp(root, "/sp\\040ace"), "mountinfo root '%s'", root);
    static char text[65536];
    OK(slurp("/proc/self/mounts", text, sizeof text));
    char field[600];
    snprintf(field, sizeof field, " %s ", want);
    CHECK(strstr(text, field), "/proc/self/mounts has no '%s'", want);
    OK(umount(odd));
}

/* Refusals. */
static void t_bind_errors(void)
{
    char dir[256], file[256], missing[256];
    at("dir", dir);
    at("file", file);
    at("missing", missing);
    OK(mkdir(dir, 0755));
    OK(put_file(file, "f"));
    ERR(mount(missing, dir, NULL, MS_BIND, NULL), ENOENT);
    ERR(mount(dir, missing, NULL, MS_BIND, NULL), ENOENT);
    ERR(mount(dir, file, NULL, MS_BIND, NULL), ENOTDIR);
    ERR(mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), EINVAL);
}

/* Runs fn with base a fresh tmpfs, if this process may mount. */
static void with_base(void (*fn)(void))
{
    if (!can_mount) {
        abi_skip("mount needs CAP_SYS_ADMIN here");
        return;
    }
    snprintf(base, sizeof base, "%s", abi_tmpdir());
    if (mount("bindtest", base, "tmpfs", 0, NULL)) {
        abi_fail_at(__LINE__, "mount tmpfs on %s: %s", base, abi_errname(errno));
        return;
    }
    fn();
    /* Whatever a failed check left mounted in it goes with it. */
    umount2(base, MNT_DETACH);
    abi_rm_tree(base);
}

#define RUN_BIND(n) abi_run(#n, run_##n)
#define WRAP(n) static void run_##n(void) { with_base(t_##n); }
WRAP(bind_dir)
WRAP(bind_read_only)
WRAP(bind_recursive)
WRAP(escaped_paths)
WRAP(bind_errors)

int main(void)
{
    abi_begin("bindmount");
    /* As tests/abi/mount.c: a private mount namespace on Linux. */
    if (unshare(CLONE_NEWNS) == 0)
        can_mount = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
    else
        can_mount = errno != EPERM;
    RUN_BIND(bind_dir);
    RUN_BIND(bind_read_only);
    RUN_BIND(bind_recursive);
    RUN_BIND(escaped_paths);
    RUN_BIND(bind_errors);
    return abi_end();
}
