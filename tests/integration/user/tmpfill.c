/* tmpfill: fills the tmpfs file systems until the kernel says no, and
 * checks that whoever filled them can always undo it.  Run in a 16 MiB
 * machine (the memhog boot).
 *
 * 1. Nested directories in /tmp until mkdir fails: it must be ENOSPC (the
 *    inode limit, like Linux's nr_inodes), with the kernel still able to
 *    fork; then chdir("..") and rmdir all the way back.
 * 2. Empty files in one directory until ENOSPC: a hard link is refused
 *    there too, a rename still works, a directory listing sees every file
 *    once; then unlink them all.
 * 3. File data in /tmp, /run and / until memory itself runs out (the three
 *    file systems may each take half of memory, as on Linux), then nested
 *    directories on top: at that point chdir(".."), rmdir, unlink and close
 *    must still work (the path-buffer reserve), and after they did, fork
 *    works again.
 * Before each phase everything the program touches is touched once, so its
 * own page faults never need memory while memory is exhausted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FILES 100000

static int failures;
static char chunk[64 * 1024];

static void check(int ok, const char *what)
{
    printf("%s tmpfill/%s\n", ok ? "PASS" : "FAIL", what);
    fflush(stdout);
    failures += !ok;
}

/* Forks a child that exits 7 at once: true if that worked. */
static int fork_works(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    if (pid < 0)
        return 0;
    int st;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7;
}

static unsigned long free_kib(void)
{
    struct sysinfo si;
    return sysinfo(&si) ? 0 : si.freeram * si.mem_unit / 1024;
}

/* mkdir "d" and chdir into it until mkdir fails; returns the depth, *err the errno. */
static long nest(int *err)
{
    long depth = 0;
    while (mkdir("d", 0755) == 0) {
        depth++;
        if (chdir("d")) {
            *err = -errno; /* the directory just made must be enterable */
            return depth;
        }
    }
    *err = errno;
    return depth;
}

/* chdir("..") and rmdir("d") depth times: true if every call worked. */
static int unnest(long depth)
{
    int ok = 1;
    for (long i = 0; i < depth; i++)
        ok &= chdir("..") == 0 && rmdir("d") == 0;
    return ok;
}

static void nested_directories(void)
{
    if (mkdir("/tmp/nest", 0755) || chdir("/tmp/nest")) {
        check(0, "nested-dirs-setup");
        return;
    }
    int err = 0;
    long depth = nest(&err);
    printf("tmpfill: %ld nested directories, then %s\n", depth, strerror(err > 0 ? err : -err));
    check(err == ENOSPC && depth > 100, "nested-dirs-end-in-enospc");
    check(fork_works(), "fork-works-at-inode-limit");
    check(unnest(depth), "nested-dirs-undone");
    check(chdir("/") == 0 && rmdir("/tmp/nest") == 0, "nested-dirs-removed");
    check(fork_works(), "fork-works-after-nested-dirs");
}

static void name_of(char *buf, size_t n, long i)
{
    snprintf(buf, n, "/tmp/flat/file-with-a-longish-name-%ld", i);
}

static void flat_files(void)
{
    if (mkdir("/tmp/flat", 0755)) {
        check(0, "flat-setup");
        return;
    }
    char name[128], other[128];
    long n = 0;
    int fd;
    while (n < MAX_FILES) {
        name_of(name, sizeof name, n);
        if ((fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644)) < 0)
            break;
        close(fd);
        n++;
    }
    int err = errno;
    printf("tmpfill: %ld files in one directory, then %s\n", n, strerror(err));
    check(err == ENOSPC && n > 100, "flat-files-end-in-enospc");
    name_of(name, sizeof name, 0);
    check(link(name, "/tmp/flat/a-second-name") == -1 && errno == ENOSPC, "hard-link-at-inode-limit-enospc");
    name_of(other, sizeof other, n);
    check(rename(name, other) == 0 && rename(other, name) == 0, "rename-at-inode-limit");
    /* Every file is listed once, though files go while the listing runs. */
    long seen = 0, removed = 0;
    DIR *d = opendir("/tmp/flat");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        seen++;
        if (seen % 3 == 0) {
            name_of(name, sizeof name, n - 1 - removed);
            removed += unlink(name) == 0;
        }
    }
    if (d)
        closedir(d);
    printf("tmpfill: listed %ld of %ld files while removing %ld from the end\n", seen, n, removed);
    check(seen <= n && seen >= n - removed && removed > 0, "listing-sees-each-file-once");
    int ok = 1;
    for (long i = 0; i < n - removed; i++) {
        name_of(name, sizeof name, i);
        ok &= unlink(name) == 0;
    }
    check(ok && rmdir("/tmp/flat") == 0, "flat-files-removed");
}

/* Appends chunks to path until a write fails; keeps the file open in *fd. */
static int fill_file(const char *path, int *fd)
{
    *fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (*fd < 0)
        return errno;
    for (;;) {
        ssize_t w = write(*fd, chunk, sizeof chunk);
        if (w < 0)
            return errno;
        if (w < (ssize_t)sizeof chunk)
            continue; /* a short write: the next one reports why */
    }
}

static void memory_exhausted(void)
{
    const char *paths[] = {"/tmp/fill", "/run/fill", "/fill"};
    int fds[3] = {-1, -1, -1}, errs[3];
    unsigned long before = free_kib();
    memset(chunk, 0x5a, sizeof chunk);
    int out_of_memory = 0;
    for (int k = 0; k < 3 && !out_of_memory; k++) {
        errs[k] = fill_file(paths[k], &fds[k]);
        out_of_memory = errs[k] == ENOMEM;
    }
    /* Nested directories on top, as far as they go. */
    int err = 0;
    long depth = 0;
    if (chdir("/run") == 0)
        depth = nest(&err);
    unsigned long low = free_kib();
    int undone = unnest(depth) && chdir("/") == 0;
    int closed = 1, unlinked = 1;
    for (int k = 0; k < 3; k++) {
        if (fds[k] >= 0) {
            closed &= close(fds[k]) == 0;
            unlinked &= unlink(paths[k]) == 0;
        }
    }
    printf("tmpfill: %lu KiB free before, %lu at the low point, %lu after; %ld nested dirs (%s)\n", before, low,
           free_kib(), depth, strerror(err > 0 ? err : -err));
    check(out_of_memory, "data-fills-memory-enomem");
    check(err == ENOMEM || err == ENOSPC, "mkdir-without-memory-fails-cleanly");
    check(undone, "chdir-rmdir-work-without-memory");
    check(closed && unlinked, "close-unlink-work-without-memory");
    check(fork_works(), "fork-works-after-undo");
}

int main(void)
{
    printf("tmpfill: %lu KiB free\n", free_kib());
    fflush(stdout);
    nested_directories();
    flat_files();
    memory_exhausted();
    return failures ? 1 : 0;
}
