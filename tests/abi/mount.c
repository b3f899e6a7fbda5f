/* mount(2) and umount2(2) with tmpfs: a new instance on a directory (its own
 * st_dev, the files below hidden until it goes, stacking), its options
 * (size=, nr_inodes=, mode=) in statfs, in its limits and in /proc/mounts,
 * unmounting and what keeps a mount busy (an open file, a mapping, a
 * working directory, a mount below), and the refusals (ENODEV, ENOENT,
 * ENOTDIR, EINVAL, EFAULT).  On the host it runs in a private mount
 * namespace, so nothing it mounts is seen outside. */
#include "abi.h"

#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>

static char base[128]; /* a fresh directory for each check's mount points */
static bool can_mount;

/* base/name made as a directory; its path into out[256]. */
static int make_dir(const char *name, char *out)
{
    snprintf(out, 256, "%s/%s", base, name);
    return mkdir(out, 0755);
}

/* The options column of target's last line in /proc/mounts (the newest
 * mount on it) into opts[size], with its source and type; false if none. */
static bool mounts_line(const char *target, char *source, char *type, char *opts, size_t size)
{
    FILE *f = fopen("/proc/mounts", "r");
    if (!f)
        return false;
    char line[1024], src[256], dir[256], ty[64], op[512];
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%255s %255s %63s %511s", src, dir, ty, op) == 4 && !strcmp(dir, target)) {
            snprintf(source, 256, "%s", src);
            snprintf(type, 64, "%s", ty);
            snprintf(opts, size, "%s", op);
            found = true;
        }
    }
    fclose(f);
    return found;
}

/* A line of /proc/self/mountinfo (proc(5)). */
struct mountinfo {
    int id, parent;
    unsigned major, minor;
    char root[256], point[256], opts[256], type[64], source[256], super[256];
    bool optional; /* optional fields (shared:N...) before the "-" */
};

/* The last line of /proc/self/mountinfo (the newest mount) whose mount
 * point is target, or, with target NULL, whose mount ID is id. */
static bool mountinfo_find(const char *target, int id, struct mountinfo *out)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f)
        return false;
    char line[1024];
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        struct mountinfo m;
        int n = 0;
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%d %d %u:%u %255s %255s %255s %n", &m.id, &m.parent, &m.major, &m.minor, m.root,
                            m.point, m.opts, &n) != 7 ||
            sscanf(dash + 3, "%63s %255s %255s", m.type, m.source, m.super) != 3)
            continue;
        m.optional = line + n < dash;
        if (target ? !strcmp(m.point, target) : m.id == id) {
            *out = m;
            found = true;
        }
    }
    fclose(f);
    return found;
}

static void t_mount_tmpfs(void)
{
    char m[256], hidden[300], f[300];
    OK(make_dir("m", m));
    snprintf(hidden, sizeof hidden, "%s/under", m);
    OK(close(OK(open(hidden, O_CREAT | O_WRONLY, 0644))));
    struct stat before, st;
    OK(stat(m, &before));
    OK(mount("none", m, "tmpfs", 0, "size=1m,nr_inodes=100,mode=700"));
    OK(stat(m, &st));
    CHECK(st.st_dev != before.st_dev, "the mount has the same st_dev as its directory");
    EQ(st.st_mode, S_IFDIR | 0700);
    ERR(access(hidden, F_OK), ENOENT);
    snprintf(f, sizeof f, "%s/file", m);
    int fd = OK(open(f, O_CREAT | O_RDWR, 0644));
    struct stat fst;
    OK(fstat(fd, &fst));
    EQ(fst.st_dev, st.st_dev);
    OK(close(fd));
    struct statfs sf;
    OK(statfs(m, &sf));
    EQ(sf.f_type, 0x01021994); /* TMPFS_MAGIC */
    EQ(sf.f_blocks, 256);
    EQ(sf.f_files, 100);
    char source[256], type[64], opts[512];
    CHECK(mounts_line(m, source, type, opts, sizeof opts), "%s is not in /proc/mounts", m);
    CHECK(!strcmp(source, "none") && !strcmp(type, "tmpfs"), "/proc/mounts says %s %s", source, type);
    CHECK(abi_has_option(opts, "rw") && abi_has_option(opts, "size=1024k") && abi_has_option(opts, "nr_inodes=100") &&
              abi_has_option(opts, "mode=700"),
          "/proc/mounts options are %s", opts);
    /* A mount point cannot be removed or renamed while mounted. */
    char other[300];
    snprintf(other, sizeof other, "%s/renamed", base);
    ERR(rmdir(m), EBUSY);
    ERR(rename(m, other), EBUSY);
    OK(umount(m));
    CHECK(!mounts_line(m, source, type, opts, sizeof opts), "%s still in /proc/mounts", m);
    OK(stat(m, &st));
    EQ(st.st_dev, before.st_dev);
    OK(access(hidden, F_OK));
    ERR(access(f, F_OK), ENOENT);
    /* Unmounted: no longer a mount point. */
    ERR(umount(m), EINVAL);
}

static void t_instances_and_stacking(void)
{
    char a[256], b[256], fa[300], fb[300];
    OK(make_dir("a", a));
    OK(make_dir("b", b));
    OK(mount("one", a, "tmpfs", 0, NULL));
    OK(mount("two", b, "tmpfs", 0, ""));
    struct stat sa, sb;
    OK(stat(a, &sa));
    OK(stat(b, &sb));
    CHECK(sa.st_dev != sb.st_dev, "two tmpfs instances share st_dev %#lx", (unsigned long)sa.st_dev);
    EQ(sa.st_mode, S_IFDIR | 01777); /* the default mode */
    snprintf(fa, sizeof fa, "%s/x", a);
    snprintf(fb, sizeof fb, "%s/x", b);
    OK(close(OK(open(fa, O_CREAT | O_WRONLY, 0600))));
    ERR(access(fb, F_OK), ENOENT);
    /* Cross-mount links and renames are EXDEV. */
    ERR(link(fa, fb), EXDEV);
    ERR(rename(fa, fb), EXDEV);
    /* A second mount on a the same point stacks and hides the first, until
     * it goes; the newest is the one /proc/mounts lists last. */
    OK(mount("three", a, "tmpfs", 0, "mode=755"));
    struct stat top;
    OK(stat(a, &top));
    CHECK(top.st_dev != sa.st_dev, "the stacked mount did not cover the first");
    EQ(top.st_mode, S_IFDIR | 0755);
    ERR(access(fa, F_OK), ENOENT);
    char source[256], type[64], opts[512];
    CHECK(mounts_line(a, source, type, opts, sizeof opts) && !strcmp(source, "three"), "the top mount is not last");
    CHECK(abi_has_option(opts, "mode=755") && !abi_has_option(opts, "size=1024k"), "options %s", opts);
    OK(umount(a));
    OK(access(fa, F_OK));
    OK(umount(a));
    OK(umount(b));
    ERR(access(fa, F_OK), ENOENT);
}

/* /proc/self/mountinfo: a mount's ID, its parent (the mount holding the
 * directory it covers; for a stacked mount the one it hides), st_dev, root
 * "/", flags, no propagation fields (private), type, source, options. */
static void t_mountinfo(void)
{
    char a[256];
    OK(make_dir("a", a));
    struct stat sbase, sa;
    OK(stat(base, &sbase));
    OK(mount("mi-src", a, "tmpfs", MS_NOSUID, "size=1m"));
    OK(stat(a, &sa));
    struct mountinfo m, p, top;
    CHECK(mountinfo_find(a, 0, &m), "%s is not in /proc/self/mountinfo", a);
    CHECK(m.major == major(sa.st_dev) && m.minor == minor(sa.st_dev), "st_dev %u:%u, stat says %u:%u", m.major,
          m.minor, major(sa.st_dev), minor(sa.st_dev));
    CHECK(!strcmp(m.root, "/") && !m.optional, "root %s, optional fields %d", m.root, m.optional);
    CHECK(abi_has_option(m.opts, "rw") && abi_has_option(m.opts, "nosuid") && !abi_has_option(m.opts, "nodev"), "flags %s",
          m.opts);
    CHECK(!strcmp(m.type, "tmpfs") && !strcmp(m.source, "mi-src"), "type %s source %s", m.type, m.source);
    CHECK(abi_has_option(m.super, "rw") && abi_has_option(m.super, "size=1024k"), "super options %s", m.super);
    CHECK(mountinfo_find(NULL, m.parent, &p), "the parent ID %d is not listed", m.parent);
    CHECK(p.major == major(sbase.st_dev) && p.minor == minor(sbase.st_dev), "the parent is %s (%u:%u)", p.point,
          p.major, p.minor);
    OK(mount("mi-top", a, "tmpfs", MS_RDONLY, NULL));
    CHECK(mountinfo_find(a, 0, &top) && !strcmp(top.source, "mi-top"), "the stacked mount is not last");
    CHECK(top.id != m.id && top.parent == m.id, "stacked: ID %d parent %d, the first's ID %d", top.id, top.parent,
          m.id);
    CHECK(abi_has_option(top.opts, "ro") && abi_has_option(top.super, "ro"), "read-only: %s - %s", top.opts, top.super);
    /* /proc/<pid>/mountinfo is the same text. */
    char path[64], self[8192], bypid[8192];
    snprintf(path, sizeof path, "/proc/%d/mountinfo", (int)getpid());
    CHECK(abi_read_text("/proc/self/mountinfo", self, sizeof self) > 0 && abi_read_text(path, bypid, sizeof bypid) > 0 &&
          !strcmp(self, bypid), "%s differs from /proc/self/mountinfo", path);
    OK(umount(a));
    OK(umount(a));
    CHECK(!mountinfo_find(a, 0, &m), "%s still listed after umount", a);
}

static void t_options(void)
{
    char m[256];
    OK(make_dir("o", m));
    struct statfs sf;
    OK(mount("o", m, "tmpfs", 0, "size=1g,nr_inodes=1k"));
    OK(statfs(m, &sf));
    EQ(sf.f_blocks, 262144);
    EQ(sf.f_files, 1024);
    OK(umount(m));
    OK(mount("o", m, "tmpfs", 0, "size=5000")); /* rounded up to whole pages */
    OK(statfs(m, &sf));
    EQ(sf.f_blocks, 2);
    OK(umount(m));
    struct sysinfo si;
    OK(sysinfo(&si));
    OK(mount("o", m, "tmpfs", 0, "size=10%"));
    OK(statfs(m, &sf));
    /* 10% of the RAM in pages (sysinfo's total excludes what the kernel
     * keeps for itself, so allow a little either way). */
    unsigned long long want = (unsigned long long)si.totalram * si.mem_unit / 4096 / 10;
    CHECK(sf.f_blocks >= want * 9 / 10 && sf.f_blocks <= want * 12 / 10, "size=10%% gave %llu pages, RAM/10 is %llu",
          (unsigned long long)sf.f_blocks, want);
    OK(umount(m));
    static const char *const bad[] = {"size=abc", "size=1q", "nr_inodes=", "mode=9", "mode=abc", "bogus=1", "size"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        errno = 0;
        if (mount("o", m, "tmpfs", 0, bad[k]) != -1 || errno != EINVAL) {
            umount(m);
            FAILF("options \"%s\" gave %s, want EINVAL", bad[k], abi_errname(errno));
        }
    }
}

static void t_limits(void)
{
    char m[256], f[300];
    OK(make_dir("l", m));
    /* nr_inodes counts the root too: 3 leaves room for two files. */
    OK(mount("l", m, "tmpfs", 0, "nr_inodes=3,size=64k"));
    for (int k = 0; k < 2; k++) {
        snprintf(f, sizeof f, "%s/f%d", m, k);
        OK(close(OK(open(f, O_CREAT | O_WRONLY, 0600))));
    }
    snprintf(f, sizeof f, "%s/f2", m);
    ERR(open(f, O_CREAT | O_WRONLY, 0600), ENOSPC);
    snprintf(f, sizeof f, "%s/f0", m);
    int fd = OK(open(f, O_WRONLY));
    static char buf[16384];
    memset(buf, 'x', sizeof buf);
    long total = 0;
    for (;;) {
        long n = write(fd, buf, sizeof buf);
        if (n <= 0) {
            CHECK(n == -1 && errno == ENOSPC, "a write past size= gave %ld (%s)", n, abi_errname(errno));
            break;
        }
        total += n;
        CHECK(total <= 65536, "wrote %ld bytes into size=64k", total);
    }
    CHECK(total >= 32768, "only %ld bytes fit into size=64k", total);
    OK(close(fd));
    OK(umount(m));
}

static void t_busy(void)
{
    char m[256], inner[300], f[300];
    OK(make_dir("busy", m));
    OK(mount("busy", m, "tmpfs", 0, NULL));
    snprintf(f, sizeof f, "%s/f", m);
    int fd = OK(open(f, O_CREAT | O_RDWR, 0600));
    OK(ftruncate(fd, 4096));
    ERR(umount(m), EBUSY);
    /* A mapping keeps the file open after its descriptor is gone. */
    void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    OK(close(fd));
    ERR(umount(m), EBUSY);
    OK(munmap(p, 4096));
    /* An unlinked file still open keeps it busy too. */
    fd = OK(open(f, O_RDONLY));
    OK(unlink(f));
    ERR(umount2(m, MNT_FORCE), EBUSY);
    OK(close(fd));
    /* The working directory. */
    int here = OK(open(".", O_RDONLY | O_DIRECTORY));
    OK(chdir(m));
    errno = 0;
    int r = umount(m);
    int e = errno;
    OK(fchdir(here));
    OK(close(here));
    CHECK(r == -1 && e == EBUSY, "umount of the cwd's mount gave %d (%s)", r, abi_errname(e));
    /* A mount below it. */
    snprintf(inner, sizeof inner, "%s/inner", m);
    OK(mkdir(inner, 0755));
    OK(mount("inner", inner, "tmpfs", 0, NULL));
    ERR(umount(m), EBUSY);
    OK(umount(inner));
    /* MNT_FORCE is accepted (tmpfs has nothing to abort). */
    OK(umount2(m, MNT_FORCE));
}

/* What went back between two sysinfo samples around a release of tmpfs
 * pages.  Linux counts them in sharedram (shmem) and may keep them off
 * freeram a while in its per-CPU lists; nutshell frees them at once and
 * reports no sharedram.  The larger of the two measures counts: the
 * sharedram drop alone on a busy Linux host, whose other processes move
 * freeram by megabytes meanwhile (their own shmem changes far less). */
static long long freed_bytes(const struct sysinfo *before, const struct sysinfo *after)
{
    long long free_gain = ((long long)after->freeram - (long long)before->freeram) * after->mem_unit;
    long long shared_drop = ((long long)before->sharedram - (long long)after->sharedram) * after->mem_unit;
    return free_gain > shared_drop ? free_gain : shared_drop;
}

static void t_memory_freed(void)
{
    char m[256], f[300];
    OK(make_dir("mem", m));
    OK(mount("mem", m, "tmpfs", 0, NULL));
    snprintf(f, sizeof f, "%s/big", m);
    int fd = OK(open(f, O_CREAT | O_WRONLY, 0600));
    static char buf[65536];
    memset(buf, 'y', sizeof buf);
    for (int k = 0; k < 128; k++) /* 8 MiB */
        EQ(write(fd, buf, sizeof buf), sizeof buf);
    OK(close(fd));
    struct sysinfo full, after;
    OK(sysinfo(&full));
    OK(umount(m));
    OK(sysinfo(&after));
    /* The file was never unlinked: the unmount alone gives its pages back
     * (at least half of them, whatever else runs meanwhile). */
    long long gained = freed_bytes(&full, &after);
    CHECK(gained >= 4ll << 20, "the unmount freed %lld bytes of an 8 MiB file", gained);
}

/* umount2(MNT_DETACH): the mount leaves the tree at once, busy or not,
 * with the mounts below it; what is open in it goes on working (a file,
 * a directory to create names in, ".." at its root staying there) and its
 * memory goes back with the last of them. */
static void t_lazy_umount(void)
{
    char m[256], sub[300], f[300];
    OK(make_dir("lazy", m));
    struct stat sbase, sm, st;
    OK(stat(base, &sbase));
    OK(mount("lazy", m, "tmpfs", 0, NULL));
    OK(stat(m, &sm));
    snprintf(f, sizeof f, "%s/f", m);
    snprintf(sub, sizeof sub, "%s/sub", m);
    OK(mkdir(sub, 0755));
    int fd = OK(open(f, O_CREAT | O_RDWR, 0600));
    static char buf[65536];
    memset(buf, 'z', sizeof buf);
    for (int k = 0; k < 128; k++) /* 8 MiB */
        EQ(write(fd, buf, sizeof buf), sizeof buf);
    int dfd = OK(open(sub, O_RDONLY | O_DIRECTORY));
    OK(mount("below", sub, "tmpfs", 0, NULL));
    ERR(umount(m), EBUSY);
    int here = OK(open(".", O_RDONLY | O_DIRECTORY));
    OK(fchdir(dfd));
    OK(umount2(m, MNT_DETACH));
    /* The working directory is in the detached tree now: the raw getcwd
     * says so (musl's would turn it into ENOENT). */
    char cwd[300];
    long n = syscall(SYS_getcwd, cwd, sizeof cwd);
    CHECK(n > 0 && !strcmp(cwd, "(unreachable)/sub"), "getcwd gave %ld '%s'", n, n > 0 ? cwd : "");
    OK(fchdir(here));
    OK(close(here));
    /* Gone from the tree, and the mount below it with it. */
    OK(stat(m, &st));
    EQ(st.st_dev, sbase.st_dev);
    ERR(access(f, F_OK), ENOENT);
    struct mountinfo mi;
    CHECK(!mountinfo_find(m, 0, &mi) && !mountinfo_find(sub, 0, &mi), "still in mountinfo");
    /* Still there for what was open: the file, and names made through a
     * directory descriptor; ".." of its root is the root itself. */
    OK(fstat(fd, &st));
    EQ(st.st_dev, sm.st_dev);
    EQ(pread(fd, buf, 4, 65536 * 127), 4);
    CHECK(buf[0] == 'z', "read back %#x", buf[0]);
    OK(close(OK(openat(dfd, "new", O_CREAT | O_WRONLY, 0600))));
    OK(fstatat(dfd, "new", &st, 0));
    EQ(st.st_dev, sm.st_dev);
    OK(fstatat(dfd, "../..", &st, 0));
    CHECK(st.st_dev == sm.st_dev && st.st_ino == sm.st_ino, "../.. left the detached tree (%u:%u)",
          major(st.st_dev), minor(st.st_dev));
    /* The last descriptor gives its pages back (at least half of 8 MiB:
     * see freed_bytes).  Sampled just around the closes, so little else
     * on a busy host moves the numbers meanwhile. */
    struct sysinfo before, after;
    OK(close(dfd));
    OK(sysinfo(&before));
    OK(close(fd));
    OK(sysinfo(&after));
    long long gained = freed_bytes(&before, &after);
    CHECK(gained >= 4ll << 20, "closing the last file freed %lld bytes of an 8 MiB file", gained);
    ERR(umount2(m, MNT_DETACH), EINVAL); /* not a mount point any more */
}

static void t_umount_links_and_flags(void)
{
    char m[256], link_path[300];
    OK(make_dir("lk", m));
    OK(mount("lk", m, "tmpfs", 0, NULL));
    snprintf(link_path, sizeof link_path, "%s/link", base);
    OK(symlink(m, link_path));
    ERR(umount2(link_path, UMOUNT_NOFOLLOW), EINVAL); /* the link is no mount point */
    ERR(umount2(m, 0x100), EINVAL);
    ERR(umount2(m, MNT_EXPIRE | MNT_FORCE), EINVAL);
    OK(umount2(link_path, 0)); /* followed */
    ERR(umount2(link_path, 0), EINVAL);
    OK(unlink(link_path));
}

/* Every change to a read-only tmpfs is EROFS; reading is not. */
static void check_read_only(const char *m)
{
    char f[300], d[300], n[300];
    snprintf(f, sizeof f, "%s/f", m);
    snprintf(d, sizeof d, "%s/d", m);
    snprintf(n, sizeof n, "%s/new", m);
    ERR(open(f, O_WRONLY), EROFS);
    ERR(open(f, O_RDWR | O_APPEND), EROFS);
    ERR(open(n, O_CREAT | O_WRONLY, 0600), EROFS);
    ERR(mkdir(n, 0755), EROFS);
    ERR(mkdir(d, 0755), EEXIST); /* the name's existence is told first */
    ERR(mknod(n, S_IFIFO | 0600, 0), EROFS);
    ERR(symlink("f", n), EROFS);
    ERR(link(f, n), EROFS);
    ERR(rename(f, n), EROFS);
    ERR(unlink(f), EROFS);
    ERR(rmdir(d), EROFS);
    ERR(chmod(f, 0600), EROFS);
    ERR(chown(f, 0, 0), EROFS);
    ERR(utimensat(AT_FDCWD, f, NULL, 0), EROFS);
    ERR(truncate(f, 0), EROFS);
    int fd = OK(open(f, O_RDONLY));
    char buf[8] = {0};
    EQ(read(fd, buf, sizeof buf), 3);
    CHECK(!memcmp(buf, "abc", 3), "read %.3s", buf);
    ERR(fchmod(fd, 0600), EROFS);
    ERR(futimens(fd, NULL), EROFS);
    OK(close(fd));
    struct statfs sf;
    OK(statfs(m, &sf));
    CHECK(sf.f_flags & ST_RDONLY, "statfs f_flags %#lx without ST_RDONLY", (unsigned long)sf.f_flags);
    char source[256], type[64], opts[512];
    CHECK(mounts_line(m, source, type, opts, sizeof opts) && abi_has_option(opts, "ro"), "/proc/mounts: %s", opts);
}

static void t_read_only(void)
{
    char m[256], f[300], d[300];
    OK(make_dir("ro", m));
    OK(mount("ro", m, "tmpfs", MS_NOSUID, "size=1m"));
    snprintf(f, sizeof f, "%s/f", m);
    snprintf(d, sizeof d, "%s/d", m);
    OK(mkdir(d, 0755));
    int fd = OK(open(f, O_CREAT | O_WRONLY, 0644));
    EQ(write(fd, "abc", 3), 3);
    /* A file open for writing keeps it writable. */
    ERR(mount(NULL, m, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL), EBUSY);
    OK(close(fd));
    OK(mount(NULL, m, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL));
    check_read_only(m); /* a failure there is this check's, reported once */
    char source[256], type[64], opts[512];
    CHECK(mounts_line(m, source, type, opts, sizeof opts) && abi_has_option(opts, "nosuid") &&
              abi_has_option(opts, "size=1024k"),
          "options after the remount: %s", opts);
    /* Writable again. */
    OK(mount(NULL, m, NULL, MS_REMOUNT, NULL));
    CHECK(mounts_line(m, source, type, opts, sizeof opts) && abi_has_option(opts, "rw") && !abi_has_option(opts, "nosuid"),
          "options after the second remount: %s", opts);
    fd = OK(open(f, O_WRONLY | O_APPEND));
    EQ(write(fd, "d", 1), 1);
    /* An unlinked file open for writing counts too. */
    OK(unlink(f));
    ERR(mount(NULL, m, NULL, MS_REMOUNT | MS_RDONLY, NULL), EBUSY);
    OK(close(fd));
    ERR(mount(NULL, d, NULL, MS_REMOUNT | MS_RDONLY, NULL), EINVAL); /* not a mount point */
    OK(umount(m));
    /* Read-only from the start. */
    OK(mount("ro", m, "tmpfs", MS_RDONLY, NULL));
    snprintf(f, sizeof f, "%s/x", m);
    ERR(mkdir(f, 0755), EROFS);
    ERR(open(f, O_CREAT | O_RDONLY, 0600), EROFS);
    OK(umount(m));
}

static void t_errors(void)
{
    char m[256], missing[300], file[300];
    OK(make_dir("err", m));
    snprintf(missing, sizeof missing, "%s/missing", base);
    snprintf(file, sizeof file, "%s/file", base);
    OK(close(OK(open(file, O_CREAT | O_WRONLY, 0600))));
    ERR(mount("x", m, "nosuchfs", 0, NULL), ENODEV);
    ERR(mount("x", missing, "tmpfs", 0, NULL), ENOENT);
    ERR(mount("x", "", "tmpfs", 0, NULL), ENOENT);
    ERR(mount("x", file, "tmpfs", 0, NULL), ENOTDIR);
    char below[400];
    snprintf(below, sizeof below, "%s/x", file);
    ERR(mount("x", below, "tmpfs", 0, NULL), ENOTDIR);
    ERR(syscall(SYS_mount, "x", m, NULL, 0, NULL), EINVAL);
    for (int k = 0; k < 3; k++) {
        void *bad = abi_bad_ptrs[k];
        ERR(syscall(SYS_mount, "x", m, bad, 0, NULL), EFAULT);
        ERR(syscall(SYS_mount, "x", bad, "tmpfs", 0, NULL), EFAULT);
        ERR(syscall(SYS_mount, bad, m, "tmpfs", 0, NULL), EFAULT);
        ERR(syscall(SYS_mount, "x", m, "tmpfs", 0, bad), EFAULT);
        ERR(syscall(SYS_umount2, bad, 0), EFAULT);
    }
    ERR(umount(m), EINVAL);        /* a directory, not a mount point */
    ERR(umount(missing), ENOENT);
    ERR(umount(""), ENOENT);
    ERR(umount(file), EINVAL);
    OK(unlink(file));
}

/* Runs check fn with base a fresh directory, if this process may mount. */
static void with_base(void (*fn)(void))
{
    if (!can_mount) {
        abi_skip("mount needs CAP_SYS_ADMIN here");
        return;
    }
    const char *tmp = abi_tmpdir();
    snprintf(base, sizeof base, "%s", tmp);
    fn();
    abi_rm_tree(base);
}

#define RUN_MOUNT(n) abi_run(#n, run_##n)
#define WRAP(n) static void run_##n(void) { with_base(t_##n); }
WRAP(mount_tmpfs)
WRAP(instances_and_stacking)
WRAP(mountinfo)
WRAP(options)
WRAP(limits)
WRAP(busy)
WRAP(memory_freed)
WRAP(lazy_umount)
WRAP(umount_links_and_flags)
WRAP(errors)
WRAP(read_only)

int main(void)
{
    abi_begin("mount");
    /* On Linux: a private mount namespace, so a failed run leaves no mount
     * behind on the host.  nutshell has one namespace (unshare is ENOSYS or
     * EINVAL there) and nothing outside the VM to protect. */
    if (unshare(CLONE_NEWNS) == 0) {
        can_mount = mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
    } else {
        can_mount = errno != EPERM;
    }
    RUN_MOUNT(mount_tmpfs);
    RUN_MOUNT(instances_and_stacking);
    RUN_MOUNT(mountinfo);
    RUN_MOUNT(options);
    RUN_MOUNT(limits);
    RUN_MOUNT(busy);
    RUN_MOUNT(memory_freed);
    RUN_MOUNT(lazy_umount);
    RUN_MOUNT(umount_links_and_flags);
    RUN_MOUNT(errors);
    RUN_MOUNT(read_only);
    return abi_end();
}
