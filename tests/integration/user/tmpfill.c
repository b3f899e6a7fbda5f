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
 *    file systems may each take half of memory, as on Linux), a child that
 *    takes the very last pages, then nested directories on top: at that
 *    point getdents64, chdir(".."), rmdir, unlink and close must still work
 *    (with no page free, they use the path-buffer reserve), and once they
 *    did and the child is gone, fork works again.
 * The program faults in all its pages at the start, so it never needs
 * memory for a page fault of its own while memory is exhausted.  It and its
 * eater are off the OOM killer's list (oom_score_adj -1000): the eater's
 * fault with no page left must fail with SIGBUS, not have tmpfill killed
 * (its files would then hold the memory for good). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* The eater takes the last free pages once told to: it touches fresh
 * anonymous memory until a fault finds no page (SIGBUS).  A fault that also
 * needs a new page table fails with a page still free, so the handler then
 * touches the holes it left in its first 2 MiB (mapped at every other page
 * before the file systems were filled) until one fails too.  Then it signals the parent (SIGUSR1) and pauses, holding
 * everything, until it is killed.  Neither side may make a call that needs
 * memory meanwhile (a blocked read holds a kernel buffer), nor run code or
 * stack they have not touched before: hence raw syscall() and sigsuspend. */
#define EATER_HOLES 256
static int go_pipe[2], ready_pipe[2];
static char altstack[64 * 1024];
static char *eaten_region;
static volatile int eater_faults;
static pid_t parent_pid;
static volatile sig_atomic_t eater_done;
static const char *self_path; /* argv[0]: the eater is this program run with --eater */
extern char **environ;

static void eater_stuck(int sig)
{
    (void)sig;
    if (++eater_faults == 1)
        for (int h = 0; h < EATER_HOLES; h++)
            eaten_region[(2 * h + 1) * 4096] = 1; /* the next SIGBUS nests (SA_NODEFER) */
    syscall(SYS_kill, parent_pid, SIGUSR1);
    for (;;)
        syscall(SYS_pause);
}

static void eater(void)
{
    memset(altstack, 0, sizeof altstack);
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    struct sigaction sa = {.sa_handler = eater_stuck, .sa_flags = SA_ONSTACK | SA_NODEFER};
    char c = 'r';
    parent_pid = getppid();
    char *p = mmap(NULL, 1ul << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED || sigaltstack(&ss, NULL) || sigaction(SIGBUS, &sa, NULL) || syscall(SYS_kill, parent_pid, 0))
        _exit(1);
    eaten_region = p;
    for (int h = 0; h < EATER_HOLES; h++)
        p[2 * h * 4096] = 1; /* while there is memory: the holes' page table is there */
    if (write(ready_pipe[1], &c, 1) != 1 || read(go_pipe[0], &c, 1) != 1)
        _exit(1);
    for (size_t off = 2 * EATER_HOLES * 4096; off < (1ul << 30); off += 4096)
        p[off] = 1;
    _exit(4); /* a GiB in 16 MiB: never */
}

static void on_eater_done(int sig)
{
    (void)sig;
    eater_done = 1;
}

static void memory_exhausted(void)
{
    const char *paths[] = {"/tmp/fill", "/run/fill", "/fill"};
    int fds[3] = {-1, -1, -1};
    unsigned long before = free_kib();
    memset(chunk, 0x5a, sizeof chunk);
    char c = 0;
    pid_t pid = -1;
    struct sigaction sa = {.sa_handler = on_eater_done};
    sigset_t usr1, wait_mask;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigaction(SIGUSR1, &sa, NULL);
    sigprocmask(SIG_BLOCK, &usr1, &wait_mask);
    sigdelset(&wait_mask, SIGUSR1);
    /* A program of its own, not a fork: a forked eater would share this
     * process's pages copy-on-write, and writing them would need memory. */
    if (!pipe(go_pipe) && !pipe(ready_pipe)) {
        char go[16], ready[16];
        snprintf(go, sizeof go, "%d", go_pipe[0]);
        snprintf(ready, sizeof ready, "%d", ready_pipe[1]);
        char *args[] = {(char *)self_path, "--eater", go, ready, NULL};
        if (posix_spawn(&pid, self_path, NULL, NULL, args, environ))
            pid = -1;
    }
    int started = pid > 0 && read(ready_pipe[0], &c, 1) == 1 && c == 'r';
    int out_of_memory = 0;
    for (int k = 0; k < 3 && !out_of_memory; k++)
        out_of_memory = fill_file(paths[k], &fds[k]) == ENOMEM;
    static char dirents[8192];
    memset(dirents, 0, sizeof dirents);
    int runfd = open("/run", O_RDONLY | O_DIRECTORY);
    /* Now the last pages: afterwards not even one page is free. */
    int eaten = started && write(go_pipe[1], "g", 1) == 1;
    while (eaten && !eater_done)
        syscall(SYS_rt_sigsuspend, &wait_mask, _NSIG / 8);
    unsigned long low = free_kib();
    /* The names are there to be found: /run lists "fill". */
    long listed = runfd >= 0 ? syscall(SYS_getdents64, runfd, dirents, sizeof dirents) : -1;
    int found = 0;
    for (long at = 0; at < listed; at += ((struct dirent *)(dirents + at))->d_reclen)
        found |= !strcmp(((struct dirent *)(dirents + at))->d_name, "fill");
    /* Nested directories on top, as far as they go. */
    int err = 0;
    long depth = 0;
    if (chdir("/run") == 0)
        depth = nest(&err);
    else
        err = -errno;
    int undone = unnest(depth) && chdir("/") == 0;
    int closed = runfd >= 0 && close(runfd) == 0, unlinked = 1;
    for (int k = 0; k < 3; k++) {
        if (fds[k] >= 0) {
            closed &= close(fds[k]) == 0;
            unlinked &= unlink(paths[k]) == 0;
        }
    }
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    printf("tmpfill: %lu KiB free before, %lu at the low point, %lu after; %ld nested dirs (%s)\n", before, low,
           free_kib(), depth, strerror(err > 0 ? err : -err));
    check(out_of_memory, "data-fills-memory-enomem");
    check(eaten && low == 0, "last-pages-eaten");
    check(found, "getdents-works-without-memory");
    check(err == ENOMEM || err == ENOSPC, "mkdir-without-memory-fails-cleanly");
    check(undone, "chdir-rmdir-work-without-memory");
    check(closed && unlinked, "close-unlink-work-without-memory");
    check(fork_works(), "fork-works-after-undo");
}

/* Faults in, while there is memory, every page of this program (its code,
 * data and bss, from the linker's symbols) and the stack it will use: with
 * none left, any page fault would be SIGBUS. */
extern char __executable_start[], end[];

static void touch_program(void)
{
    volatile char pad[256 * 1024];
    memset((char *)pad, 0, sizeof pad);
    unsigned sum = 0;
    for (volatile char *p = __executable_start; p < end; p += 4096)
        sum += (unsigned char)*p;
    pad[0] = (char)sum;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--eater")) {
        go_pipe[0] = atoi(argv[2]);
        ready_pipe[1] = atoi(argv[3]);
        touch_program();
        eater();
    }
    self_path = argv[0];
    /* inherited by the eater (posix_spawn keeps it, as Linux) */
    int adj = open("/proc/self/oom_score_adj", O_WRONLY);
    int exempt = adj >= 0 && write(adj, "-1000\n", 6) == 6;
    if (adj >= 0)
        close(adj);
    check(exempt, "off-the-oom-killers-list");
    touch_program();
    printf("tmpfill: %lu KiB free\n", free_kib());
    fflush(stdout);
    nested_directories();
    flat_files();
    memory_exhausted();
    return failures ? 1 : 0;
}
