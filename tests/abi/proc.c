/* /proc: its contents compared with the program's own view of itself (pid,
 * threads, argv and environment, mappings, open files, working directory)
 * and with the calls that report the same facts (uname, getcwd, fstat);
 * processes that end while their files are open; the errors for what /proc
 * refuses.  Children are this program run as `proc --child <mode>`. */
#include "abi.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>

static int g_argc;
static char **g_argv;
static char **g_envp;

/* Reads a whole file into buf (NUL-terminated); the length or -errno. */
static long slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    return (long)len;
}

/* The value of "Key:\t..." in a status-style text, or NULL. */
static const char *field(const char *text, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (!strncmp(l, key, kl) && l[kl] == ':') {
            const char *v = l + kl + 1;
            while (*v == '\t' || *v == ' ')
                v++;
            size_t n = strcspn(v, "\n");
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
    }
    return NULL;
}

static long readlink_str(const char *path, char *buf, size_t size)
{
    ssize_t n = readlink(path, buf, size - 1);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

static void t_self_links(void)
{
    char buf[64], want[64];
    OK(readlink_str("/proc/self", buf, sizeof buf));
    snprintf(want, sizeof want, "%d", getpid());
    CHECK(!strcmp(buf, want), "/proc/self -> %s, want %s", buf, want);
    OK(readlink_str("/proc/thread-self", buf, sizeof buf));
    snprintf(want, sizeof want, "%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
    CHECK(!strcmp(buf, want), "/proc/thread-self -> %s, want %s", buf, want);
    struct stat st;
    OK(lstat("/proc/self", &st));
    CHECK(S_ISLNK(st.st_mode), "lstat /proc/self: mode %o", st.st_mode);
    OK(stat("/proc/self", &st));
    CHECK(S_ISDIR(st.st_mode), "stat /proc/self: mode %o", st.st_mode);
    OK(readlink_str("/proc/mounts", buf, sizeof buf));
    CHECK(!strcmp(buf, "self/mounts"), "/proc/mounts -> %s", buf);
}

static void t_exe(void)
{
    char path[PATH_MAX], real[PATH_MAX], link[PATH_MAX];
    abi_prog_path(path, sizeof path, ABI_AREA);
    CHECK(realpath(path, real), "realpath(%s): %s", path, abi_errname(errno));
    OK(readlink_str("/proc/self/exe", link, sizeof link));
    CHECK(!strcmp(link, real), "exe -> %s, want %s", link, real);
    /* Opening the link opens the program itself (busybox re-executes it). */
    int fd = OK(open("/proc/self/exe", O_RDONLY));
    struct stat a, b;
    OK(fstat(fd, &a));
    OK(stat(real, &b));
    char magic[4];
    long n = read(fd, magic, 4);
    close(fd);
    EQ(a.st_ino, b.st_ino);
    EQ(a.st_dev, b.st_dev);
    CHECK(n == 4 && !memcmp(magic, "\177ELF", 4), "read %ld bytes, not an ELF head", n);
}

/* NUL-separated strings as the kernel lays them out. */
static size_t joined(char **v, int count, char *out, size_t size)
{
    size_t len = 0;
    for (int i = 0; (count < 0 ? v[i] != NULL : i < count); i++) {
        size_t n = strlen(v[i]) + 1;
        if (len + n > size)
            return (size_t)-1;
        memcpy(out + len, v[i], n);
        len += n;
    }
    return len;
}

static void t_cmdline_environ(void)
{
    static char got[65536], want[65536];
    long n = slurp("/proc/self/cmdline", got, sizeof got);
    CHECK(n > 0, "cmdline: %ld", n);
    size_t w = joined(g_argv, g_argc, want, sizeof want);
    CHECK((size_t)n == w && !memcmp(got, want, w), "cmdline has %ld bytes (%s...), argv %zu", n, got, w);
    n = slurp("/proc/self/environ", got, sizeof got);
    CHECK(n >= 0, "environ: %ld", n);
    w = joined(g_envp, -1, want, sizeof want);
    CHECK((size_t)n == w && !memcmp(got, want, w), "environ has %ld bytes, envp %zu", n, w);
}

/* The line of /proc/self/maps that starts at addr, into line. */
static bool maps_line(uintptr_t addr, char *line, size_t size)
{
    static char maps[1 << 16];
    if (slurp("/proc/self/maps", maps, sizeof maps) <= 0)
        return false;
    char head[32];
    snprintf(head, sizeof head, "%08lx-", (unsigned long)addr);
    for (char *l = maps; *l; l = strchr(l, '\n') + 1) {
        size_t n = strcspn(l, "\n");
        if (!strncmp(l, head, strlen(head)) && n < size) {
            memcpy(line, l, n);
            line[n] = '\0';
            return true;
        }
        if (!l[n])
            break;
    }
    return false;
}

static void t_maps(void)
{
    long page = sysconf(_SC_PAGESIZE);
    /* Three readable pages between two inaccessible ones: one line of its own. */
    char *base = mmap(NULL, 5 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(base != MAP_FAILED, "mmap: %s", abi_errname(errno));
    OK(mprotect(base + page, 3 * page, PROT_READ));
    char line[512], want[512];
    CHECK(maps_line((uintptr_t)base + page, line, sizeof line), "no line for %p", (void *)(base + page));
    snprintf(want, sizeof want, "%08lx-%08lx r--p 00000000 00:00 0 ", (unsigned long)(base + page),
             (unsigned long)(base + 4 * page));
    CHECK(!strcmp(line, want), "anonymous line '%s', want '%s'", line, want);
    munmap(base, 5 * page);

    /* A file mapped from its second page: offset, device, inode and the path at column 73. */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/mapped", abi_tmpdir());
    int fd = OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    OK(ftruncate(fd, 3 * page));
    struct stat st;
    OK(fstat(fd, &st));
    char *m = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
    close(fd);
    CHECK(m != MAP_FAILED, "mmap file: %s", abi_errname(errno));
    CHECK(maps_line((uintptr_t)m, line, sizeof line), "no line for the file mapping");
    snprintf(want, sizeof want, "%08lx-%08lx r--p %08lx %02x:%02x %lu ", (unsigned long)m,
             (unsigned long)(m + page), (unsigned long)page, major(st.st_dev), minor(st.st_dev),
             (unsigned long)st.st_ino);
    CHECK(!strncmp(line, want, strlen(want)), "file line '%s', want it to start '%s'", line, want);
    CHECK(strlen(line) > 73 && !strcmp(line + 73, path) && line[72] == ' ', "path not at column 73: '%s'", line);
    munmap(m, page);
    abi_rm_tree(abi_tmpdir());

    /* The stack holds a local variable; the program's own file is mapped. */
    static char maps[1 << 16];
    OK(slurp("/proc/self/maps", maps, sizeof maps));
    uintptr_t local = (uintptr_t)&st;
    bool stack = false;
    for (char *l = maps; *l; l = strchr(l, '\n') + 1) {
        unsigned long lo, hi;
        if (sscanf(l, "%lx-%lx", &lo, &hi) == 2 && lo <= local && local < hi)
            stack = strstr(l, "[stack]") && strstr(l, "[stack]") < strchr(l, '\n');
        if (!strchr(l, '\n'))
            break;
    }
    CHECK(stack, "the line holding %#lx is not [stack]", (unsigned long)local);
    char exe[PATH_MAX];
    OK(readlink_str("/proc/self/exe", exe, sizeof exe));
    CHECK(strstr(maps, exe), "the program %s is not in maps", exe);
}

static void *parked(void *arg)
{
    int *fd = arg;
    char c;
    (void)read(fd[0], &c, 1); /* until the main thread writes */
    return NULL;
}

/* Waits (up to 2 s) until /proc counts this process's threads as one.
 * Linux's pthread_join returns at the thread's CLEARTID wake, which comes
 * before the thread has left its group, so a test right after a join can
 * still see it counted (num_threads 2 in /proc/self/stat). */
static void wait_single_threaded(void)
{
    static char text[8192];
    char v[32];
    for (int i = 0; i < 2000; i++) {
        if (slurp("/proc/self/status", text, sizeof text) > 0 && field(text, "Threads", v, sizeof v) &&
            !strcmp(v, "1"))
            return;
        usleep(1000);
    }
}

static void t_status_and_threads(void)
{
    static char text[8192];
    char v[256], want[256];
    OK(slurp("/proc/self/status", text, sizeof text));
    snprintf(want, sizeof want, "%d", getpid());
    CHECK(field(text, "Pid", v, sizeof v) && !strcmp(v, want), "Pid: %s", v);
    CHECK(field(text, "Tgid", v, sizeof v) && !strcmp(v, want), "Tgid: %s", v);
    snprintf(want, sizeof want, "%d", getppid());
    CHECK(field(text, "PPid", v, sizeof v) && !strcmp(v, want), "PPid: %s", v);
    CHECK(field(text, "State", v, sizeof v) && !strcmp(v, "R (running)"), "State: %s", v);
    CHECK(field(text, "Threads", v, sizeof v) && !strcmp(v, "1"), "Threads: %s", v);
    snprintf(want, sizeof want, "%u\t%u\t%u\t%u", getuid(), geteuid(), getuid(), getuid());
    CHECK(field(text, "Uid", v, sizeof v) && !strcmp(v, want), "Uid: %s", v);
    unsigned long rss = 0;
    CHECK(field(text, "VmRSS", v, sizeof v) && sscanf(v, "%lu kB", &rss) == 1, "VmRSS: %s", v);
    char comm[32];
    OK(slurp("/proc/self/comm", comm, sizeof comm));
    CHECK(field(text, "Name", v, sizeof v) && strlen(v) + 1 == strlen(comm) && !strncmp(v, comm, strlen(v)),
          "Name: %s, comm %s", v, comm);

    int fd[2];
    OK(pipe(fd));
    pthread_t t;
    RET(pthread_create(&t, NULL, parked, fd), 0);
    OK(slurp("/proc/self/status", text, sizeof text));
    bool two = field(text, "Threads", v, sizeof v) && !strcmp(v, "2");
    /* task/ lists both threads; each one's stat starts with its tid. */
    DIR *d = opendir("/proc/self/task");
    int tids = 0, found_self = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        tids++;
        found_self += atoi(e->d_name) == getpid();
        char path[300], stat[512];
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        if (slurp(path, stat, sizeof stat) <= 0 || atoi(stat) != atoi(e->d_name))
            found_self = -100;
    }
    if (d)
        closedir(d);
    (void)!write(fd[1], "x", 1);
    pthread_join(t, NULL);
    wait_single_threaded(); /* for the tests after this one */
    close(fd[0]);
    close(fd[1]);
    CHECK(two, "Threads with two: %s", v);
    CHECK(tids == 2 && found_self == 1, "task/ lists %d threads, self %d", tids, found_self);
}

static void t_stat_fields(void)
{
    static char text[1024];
    OK(slurp("/proc/self/stat", text, sizeof text));
    int pid = 0;
    char comm[64] = "";
    CHECK(sscanf(text, "%d (%63[^)])", &pid, comm) == 2, "stat: %s", text);
    EQ(pid, getpid());
    char *rest = strrchr(text, ')') + 2;
    char state;
    int ppid, fields = 2;
    CHECK(sscanf(rest, "%c %d", &state, &ppid) == 2, "after comm: %s", rest);
    CHECK(state == 'R', "state %c", state);
    EQ(ppid, getppid());
    for (char *p = rest; *p; p++)
        fields += *p == ' ' || *p == '\n';
    EQ(fields, 52);
    /* Fields from 3 (the state) on, split at spaces: num_threads is field
     * 20, vsize 23, rss 24. */
    unsigned long f[53] = {0};
    char *p = rest;
    for (int i = 3; i <= 52 && *p; i++) {
        f[i] = strtoul(p, &p, 10);
        p += strcspn(p, " ");
        while (*p == ' ')
            p++;
    }
    EQ(f[20], 1);
    /* rss may read 0 on Linux (its per-thread counters are folded in late). */
    CHECK(f[23] > 0 && f[24] * 4096 <= f[23], "vsize %lu rss %lu", f[23], f[24]);
    char statm[256];
    unsigned long size, resident;
    OK(slurp("/proc/self/statm", statm, sizeof statm));
    CHECK(sscanf(statm, "%lu %lu", &size, &resident) == 2 && size > 0 && resident <= size,
          "statm: %s", statm);
}

static void t_fd_links(void)
{
    char path[64], link[PATH_MAX], want[64];
    int null = OK(open("/dev/null", O_WRONLY));
    snprintf(path, sizeof path, "/proc/self/fd/%d", null);
    OK(readlink_str(path, link, sizeof link));
    CHECK(!strcmp(link, "/dev/null"), "%s -> %s", path, link);
    struct stat st;
    OK(lstat(path, &st));
    CHECK(S_ISLNK(st.st_mode) && (st.st_mode & 0777) == 0300, "lstat %s: mode %o", path, st.st_mode);
    int p[2];
    OK(pipe(p));
    OK(fstat(p[0], &st));
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    OK(readlink_str(path, link, sizeof link));
    snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)st.st_ino);
    CHECK(!strcmp(link, want), "%s -> %s, want %s", path, link, want);
    /* Looking at the write end through /proc keeps nothing open: once it is
     * closed, the reader sees the end of the pipe. */
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    OK(readlink_str(path, link, sizeof link));
    OK(stat(path, &st));
    close(p[1]);
    OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    char c;
    EQ(read(p[0], &c, 1), 0);

    /* A socket's link names its inode as Linux's does. */
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    OK(fstat(sv[0], &st));
    snprintf(path, sizeof path, "/proc/self/fd/%d", sv[0]);
    OK(readlink_str(path, link, sizeof link));
    snprintf(want, sizeof want, "socket:[%lu]", (unsigned long)st.st_ino);
    CHECK(!strcmp(link, want), "%s -> %s, want %s", path, link, want);
    close(sv[0]);
    close(sv[1]);

    /* A file opened again through its fd link is the same file. */
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/f", abi_tmpdir());
    int fd = OK(open(file, O_RDWR | O_CREAT, 0600));
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    OK(readlink_str(path, link, sizeof link));
    CHECK(!strcmp(link, file), "%s -> %s, want %s", path, link, file);
    int again = OK(open(path, O_RDONLY));
    struct stat a, b;
    OK(fstat(fd, &a));
    OK(fstat(again, &b));
    EQ(a.st_ino, b.st_ino);

    /* fd/ lists exactly the open descriptors. */
    DIR *d = opendir("/proc/self/fd");
    CHECK(d, "opendir: %s", abi_errname(errno));
    int listed = 0, want_listed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int n = atoi(e->d_name);
        listed++;
        if (fcntl(n, F_GETFD) < 0)
            want_listed = -1000;
    }
    for (int n = 0; n < 1024; n++)
        want_listed += fcntl(n, F_GETFD) >= 0;
    closedir(d);
    close(again);
    close(fd);
    close(p[0]);
    close(null);
    abi_rm_tree(abi_tmpdir());
    EQ(listed, want_listed); /* the directory's own fd included */
}

static void t_cwd_root_comm(void)
{
    char link[PATH_MAX], cwd[PATH_MAX];
    const char *dir = abi_tmpdir();
    char old[PATH_MAX];
    CHECK(getcwd(old, sizeof old), "getcwd");
    OK(chdir(dir));
    long n = readlink_str("/proc/self/cwd", link, sizeof link);
    CHECK(getcwd(cwd, sizeof cwd), "getcwd");
    OK(chdir(old));
    abi_rm_tree(dir);
    CHECK(n > 0 && !strcmp(link, cwd), "cwd -> %s, getcwd %s", link, cwd);
    OK(readlink_str("/proc/self/root", link, sizeof link));
    CHECK(!strcmp(link, "/"), "root -> %s", link);
    /* /proc's own directories and files have paths too. */
    char want[64];
    snprintf(want, sizeof want, "/proc/%d/task", getpid());
    OK(chdir("/proc/self/task"));
    char *got = getcwd(cwd, sizeof cwd);
    OK(chdir(old));
    CHECK(got && !strcmp(cwd, want), "getcwd in /proc/self/task: %s, want %s", got ? cwd : "(null)", want);
    int fd = OK(open("/proc/self/status", O_RDONLY));
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    n = readlink_str(fdpath, link, sizeof link);
    close(fd);
    snprintf(want, sizeof want, "/proc/%d/status", getpid());
    CHECK(n > 0 && !strcmp(link, want), "%s -> %s, want %s", fdpath, link, want);
    /* A thread's new name shows in its comm (the main thread's is the process's). */
    char before[32], after[32];
    OK(prctl(PR_GET_NAME, before));
    OK(prctl(PR_SET_NAME, "procname"));
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/comm", (long)syscall(SYS_gettid));
    long m = slurp(path, after, sizeof after);
    char comm[32];
    long k = slurp("/proc/self/comm", comm, sizeof comm);
    OK(prctl(PR_SET_NAME, before));
    CHECK(m > 0 && !strcmp(after, "procname\n"), "task comm %s", after);
    CHECK(k > 0 && !strcmp(comm, "procname\n"), "comm %s", comm);
}

/* exec names the process and its thread after the program (the basename of
 * the path given to execve, at most 15 bytes), whatever name the thread had
 * before (its creator's, or one set with PR_SET_NAME): Linux's comm, in
 * PR_GET_NAME, /proc/PID/comm, /proc/PID/task/TID/comm and stat field 2.
 * The new program checks (child mode "comm"; its status says which name
 * was wrong). */
static void t_comm_after_exec(void)
{
    char path[512];
    abi_prog_path(path, sizeof path, ABI_AREA);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_NAME, "creator-name");
        char *argv[] = {path, "--child", "comm", NULL};
        execve(path, argv, g_envp);
        _exit(98);
    }
    CHECK(pid > 0, "fork: %s", abi_errname(errno));
    int st = abi_wait(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "after exec: status 0x%x (exit 1: PR_GET_NAME, 2: comm, 3: task comm, 4: stat field 2 kept an old name)", st);
}

/* /proc/PID/oom_score_adj: 0 by default, -1000 to 1000 written and read
 * back, anything else EINVAL, inherited by a forked child.  Raised only in a
 * child (lowering it below 0 again needs CAP_SYS_RESOURCE on Linux). */
static void t_oom_score_adj(void)
{
    char text[32];
    OK(slurp("/proc/self/oom_score_adj", text, sizeof text));
    CHECK(!strcmp(text, "0\n"), "default %s", text);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/proc/self/oom_score_adj", O_WRONLY);
        int bad = 0;
        static const char *const refused[] = {"1001", "-1001", "abc", "5x", "--3"};
        for (size_t i = 0; fd >= 0 && i < sizeof refused / sizeof *refused; i++)
            bad |= !(write(fd, refused[i], strlen(refused[i])) < 0 && errno == EINVAL) << 1;
        bad |= (fd < 0 || write(fd, "500\n", 4) != 4);
        char got[32] = "", kid[32] = "";
        slurp("/proc/self/oom_score_adj", got, sizeof got);
        pid_t k = fork();
        if (k == 0) {
            slurp("/proc/self/oom_score_adj", kid, sizeof kid);
            _exit(strcmp(kid, "500\n") ? 1 : 0);
        }
        int st = -1;
        waitpid(k, &st, 0);
        bad |= (strcmp(got, "500\n") != 0) << 2 | !(WIFEXITED(st) && WEXITSTATUS(st) == 0) << 3;
        _exit(bad);
    }
    CHECK(pid > 0, "fork: %s", abi_errname(errno));
    int st = abi_wait(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "status 0x%x (bits: 1 writing 500, 2 a bad value not EINVAL, 4 not read back, 8 not inherited)", st);
}

/* Child mode "comm": every name of this process and thread is the program's. */
static int child_comm(const char *self)
{
    char want[16] = "", got[64] = "", file[64];
    const char *base = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;
    snprintf(want, sizeof want, "%s", base);
    if (prctl(PR_GET_NAME, got) || strcmp(got, want)) {
        fprintf(stderr, "PR_GET_NAME %s, want %s\n", got, want);
        return 1;
    }
    strcat(want, "\n");
    if (slurp("/proc/self/comm", got, sizeof got) <= 0 || strcmp(got, want)) {
        fprintf(stderr, "comm %s, want %s", got, want);
        return 2;
    }
    snprintf(file, sizeof file, "/proc/self/task/%ld/comm", (long)syscall(SYS_gettid));
    if (slurp(file, got, sizeof got) <= 0 || strcmp(got, want)) {
        fprintf(stderr, "task comm %s, want %s", got, want);
        return 3;
    }
    static char stat[1024];
    int pid;
    want[strlen(want) - 1] = '\0';
    if (slurp("/proc/self/stat", stat, sizeof stat) <= 0 || sscanf(stat, "%d (%63[^)])", &pid, got) != 2 ||
        strcmp(got, want)) {
        fprintf(stderr, "stat: %.60s, want (%s)\n", stat, want);
        return 4;
    }
    return 0;
}

static void t_machine_files(void)
{
    static char text[65536];
    char v[256];
    struct utsname u;
    OK(uname(&u));
    OK(slurp("/proc/meminfo", text, sizeof text));
    unsigned long total = 0, freemem = 0;
    CHECK(!strncmp(text, "MemTotal:", 9) && sscanf(text, "MemTotal: %lu kB", &total) == 1, "meminfo: %.40s", text);
    CHECK(field(text, "MemFree", v, sizeof v) && sscanf(v, "%lu kB", &freemem) == 1, "MemFree");
    CHECK(total > 0 && freemem <= total, "MemTotal %lu MemFree %lu", total, freemem);
    OK(slurp("/proc/uptime", text, sizeof text));
    double up, idle;
    CHECK(sscanf(text, "%lf %lf\n", &up, &idle) == 2 && up > 0, "uptime: %s", text);
    OK(slurp("/proc/loadavg", text, sizeof text));
    double l1, l5, l15;
    int run, all, last;
    CHECK(sscanf(text, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &all, &last) == 6 && run >= 1 && all >= run,
          "loadavg: %s", text);
    OK(slurp("/proc/stat", text, sizeof text));
    CHECK(!strncmp(text, "cpu  ", 5) && strstr(text, "\nctxt ") && strstr(text, "\nbtime ") &&
              strstr(text, "\nprocesses "),
          "stat: %.60s", text);
    OK(slurp("/proc/version", text, sizeof text));
    CHECK(!strncmp(text, "Linux version ", 14) && !strncmp(text + 14, u.release, strlen(u.release)),
          "version: %s", text);
    OK(slurp("/proc/sys/kernel/ostype", text, sizeof text));
    CHECK(!strcmp(text, "Linux\n"), "ostype %s", text);
    OK(slurp("/proc/sys/kernel/osrelease", text, sizeof text));
    CHECK(!strncmp(text, u.release, strlen(u.release)) && !strcmp(text + strlen(u.release), "\n"), "osrelease %s",
          text);
    OK(slurp("/proc/sys/kernel/hostname", text, sizeof text));
    CHECK(!strncmp(text, u.nodename, strlen(u.nodename)) && text[strlen(u.nodename)] == '\n', "hostname %s", text);
    OK(slurp("/proc/sys/kernel/pid_max", text, sizeof text));
    CHECK(atol(text) > getpid(), "pid_max %s", text);
    OK(slurp("/proc/sys/vm/max_map_count", text, sizeof text));
    CHECK(atol(text) > 0, "max_map_count %s", text);
    OK(slurp("/proc/filesystems", text, sizeof text));
    CHECK(strstr(text, "\tproc\n") && strstr(text, "\ttmpfs\n"), "filesystems: %s", text);
    OK(slurp("/proc/cpuinfo", text, sizeof text));
    CHECK(!strncmp(text, "processor\t: 0\n", 14) && strstr(text, "\nflags\t\t:"), "cpuinfo: %.40s", text);
    /* /proc is mounted, and the reader's view equals the machine's. */
    static char mine[8192];
    OK(slurp("/proc/mounts", text, sizeof text));
    OK(slurp("/proc/self/mounts", mine, sizeof mine));
    CHECK(!strcmp(text, mine), "self/mounts differs from mounts");
    bool proc = false;
    for (char *l = text; *l; l = strchr(l, '\n') + 1) {
        char dev[64], dir[256], type[64];
        if (sscanf(l, "%63s %255s %63s", dev, dir, type) == 3 && !strcmp(dir, "/proc") && !strcmp(type, "proc"))
            proc = true;
        if (!strchr(l, '\n'))
            break;
    }
    CHECK(proc, "no proc on /proc in: %s", text);
    struct statfs sf;
    OK(statfs("/proc", &sf));
    EQ(sf.f_type, 0x9fa0); /* PROC_SUPER_MAGIC */
}

/* A child that sleeps until killed. */
static pid_t sleeper(void)
{
    const char *args[] = {"--child", "sleep", "marker-arg", NULL};
    return abi_spawn(ABI_AREA, args);
}

/* /proc/sysrq-trigger "t" (nutshell's debug kernel; Linux as root): the
 * kernel dumps every thread's state and backtrace on its console.  The dump
 * goes to the console, not to us: the boot that runs this on the debug
 * kernel checks that the sleeper below appears in it, asleep in pause
 * (tests/integration/kernel/kernel-boot.sh).  Elsewhere (the release kernel
 * has no such file, a user may not write it) the check is skipped. */
static void t_sysrq_task_dump(void)
{
    int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
    if (fd < 0 && (errno == ENOENT || errno == EACCES || errno == EPERM || errno == EROFS)) {
        abi_skip("no task dump here (/proc/sysrq-trigger: %s)", abi_errname(errno));
        return;
    }
    CHECK(fd >= 0, "open /proc/sysrq-trigger: %s", abi_errname(errno));
    pid_t pid = sleeper();
    CHECK(pid > 0, "spawn: %s", abi_errname((int)-pid));
    /* asleep in pause: state S in its stat, after the cmdline shows it got there */
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    bool asleep = false;
    for (int tries = 0; tries < 500 && !asleep; tries++) {
        abi_sleep_ms(10);
        long n = slurp(path, text, sizeof text);
        const char *end = n > 0 ? strrchr(text, ')') : NULL;
        asleep = end && end[1] == ' ' && end[2] == 'S';
    }
    long w = write(fd, "t", 1);
    int werr = errno;
    close(fd);
    abi_note("note abi/proc/sysrq_task_dump: pid %d was asleep in pause during the dump", pid);
    kill(pid, SIGKILL);
    EQ(abi_wait(pid), SIGKILL);
    CHECK(asleep, "the sleeper never showed state S");
    CHECK(w == 1, "write \"t\": %ld (%s)", w, abi_errname(werr));
}

static void t_other_process(void)
{
    pid_t pid = sleeper();
    CHECK(pid > 0, "spawn: %s", abi_errname((int)-pid));
    char path[64], text[4096], v[64];
    /* Its cmdline is readable from here once it has started. */
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    long n = 0;
    for (int tries = 0; tries < 500; tries++) {
        n = slurp(path, text, sizeof text);
        if (n > 0 && memmem(text, (size_t)n, "marker-arg", 11))
            break;
        abi_sleep_ms(10);
    }
    bool cmdline_ok = n > 0 && memmem(text, (size_t)n, "sleep\0marker-arg\0", 17);
    /* Files opened while it lives, read after it is gone. */
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    int status_fd = open(path, O_RDONLY);
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    int cmdline_fd = open(path, O_RDONLY);
    kill(pid, SIGKILL);
    /* A zombie: State Z, no memory. */
    siginfo_t si;
    OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    long zs = slurp(path, text, sizeof text);
    bool zombie = zs > 0 && field(text, "State", v, sizeof v) && !strcmp(v, "Z (zombie)");
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    long zc = slurp(path, text, sizeof text);
    EQ(abi_wait(pid), SIGKILL);
    CHECK(cmdline_ok, "cmdline of the child: %ld bytes", n);
    CHECK(zombie, "zombie status: %ld bytes, State %s", zs, v);
    EQ(zc, 0);
    /* Reaped: its directory is gone, and files open on it read ESRCH. */
    snprintf(path, sizeof path, "/proc/%d", pid);
    ERR(open(path, O_RDONLY), ENOENT);
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    ERR(open(path, O_RDONLY), ENOENT);
    CHECK(status_fd >= 0 && cmdline_fd >= 0, "open: %d %d", status_fd, cmdline_fd);
    ERR(read(status_fd, text, sizeof text), ESRCH);
    ERR(read(cmdline_fd, text, sizeof text), ESRCH);
    close(status_fd);
    close(cmdline_fd);
}

/* Reads everything /proc shows of every process, once; false when a read
 * failed otherwise than a process ending under it would make it fail. */
static bool read_all_of_proc(char *why, size_t size)
{
    static const char *files[] = {"stat", "status", "statm", "maps", "cmdline", "environ", "comm"};
    static char text[1 << 16];
    DIR *d = opendir("/proc");
    if (!d) {
        snprintf(why, size, "opendir /proc: %s", abi_errname(errno));
        return false;
    }
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], link[PATH_MAX];
        /* Only this program and its children: Linux may refuse others' maps. */
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int ppid = -1;
        if (slurp(path, text, sizeof text) <= 0 || !strrchr(text, ')') ||
            sscanf(strrchr(text, ')') + 2, "%*c %d", &ppid) != 1 ||
            (atoi(e->d_name) != getpid() && ppid != getpid()))
            continue;
        for (size_t k = 0; k < sizeof files / sizeof files[0] && ok; k++) {
            snprintf(path, sizeof path, "/proc/%s/%s", e->d_name, files[k]);
            long n = slurp(path, text, sizeof text);
            if (n < 0 && n != -ENOENT && n != -ESRCH) {
                snprintf(why, size, "%s: %s", path, abi_errname((int)-n));
                ok = false;
            }
        }
        for (int fd = 0; fd < 8 && ok; fd++) {
            snprintf(path, sizeof path, "/proc/%s/fd/%d", e->d_name, fd);
            if (readlink_str(path, link, sizeof link) < 0 && errno != ENOENT) {
                snprintf(why, size, "%s: %s", path, abi_errname(errno));
                ok = false;
            }
        }
        snprintf(path, sizeof path, "/proc/%s/task", e->d_name);
        DIR *t = opendir(path);
        if (t) {
            while (readdir(t))
                ;
            closedir(t);
        }
    }
    closedir(d);
    return ok;
}

static volatile int children_done;

static void *reader(void *arg)
{
    char *why = arg;
    int rounds = 0;
    while (!children_done || rounds < 2) {
        if (!read_all_of_proc(why, 512))
            return (void *)1;
        rounds++;
    }
    return NULL;
}

static void t_readers_while_processes_end(void)
{
    /* One thread reads all of /proc over and over while processes with
     * threads start and end under it: every read succeeds or says the
     * process is gone (ENOENT, ESRCH). */
    char why[512] = "";
    pthread_t t;
    children_done = 0;
    RET(pthread_create(&t, NULL, reader, why), 0);
    int bad = 0;
    for (int i = 0; i < 30; i++) {
        const char *args[] = {"--child", "threads-exit", NULL};
        pid_t pid = abi_spawn(ABI_AREA, args);
        if (pid < 0 || abi_wait(pid) != 0)
            bad++;
    }
    children_done = 1;
    void *r;
    pthread_join(t, &r);
    CHECK(r == NULL, "%s", why);
    EQ(bad, 0);
}

static void t_refusals(void)
{
    char buf[64];
    int fd = OK(open("/proc/self/status", O_WRONLY));
    ERR(write(fd, "x", 1), EINVAL);
    close(fd);
    fd = OK(open("/proc/meminfo", O_WRONLY));
    ERR(write(fd, "x", 1), EIO);
    close(fd);
    ERR(open("/proc/sys/kernel/ostype", O_WRONLY), EACCES);
    ERR(open("/proc/new-file", O_WRONLY | O_CREAT, 0600), ENOENT);
    ERR(mkdir("/proc/self/new-dir", 0700), ENOENT);
    ERR(symlink("x", "/proc/new-link"), ENOENT);
    ERR(unlink("/proc/self/status"), EPERM);
    ERR(rmdir("/proc/self/fd"), EPERM);
    ERR(rename("/proc/self/status", "/proc/self/stat"), EPERM);
    ERR(rename("/proc/self/status", "/tmp/status"), EXDEV);
    ERR(readlink("/proc/self/status", buf, sizeof buf), EINVAL);
    ERR(open("/proc/self/fd/999999", O_RDONLY), ENOENT);
    ERR(open("/proc/0/status", O_RDONLY), ENOENT);
    ERR(open("/proc/01/status", O_RDONLY), ENOENT);
    ERR(open("/proc/self/no-such-file", O_RDONLY), ENOENT);
    fd = OK(open("/proc/self", O_RDONLY | O_DIRECTORY));
    ERR(read(fd, buf, sizeof buf), EISDIR);
    close(fd);
    /* An existing file with O_CREAT just opens. */
    fd = OK(open("/proc/self/stat", O_RDONLY | O_CREAT, 0600));
    close(fd);
}

static void *idle_thread(void *arg)
{
    (void)arg;
    pause();
    return NULL;
}

static int child_main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[2], "threads-exit")) {
        /* Ends with threads still running: exit_group tears them down. */
        pthread_t t;
        for (int i = 0; i < 3; i++)
            pthread_create(&t, NULL, idle_thread, NULL);
        return 0;
    }
    if (argc >= 3 && !strcmp(argv[2], "comm"))
        return child_comm(argv[0]);
    if (argc >= 3 && !strcmp(argv[2], "sleep")) {
        for (;;)
            pause();
    }
    return 99;
}

int main(int argc, char **argv, char **envp)
{
    if (argc >= 3 && !strcmp(argv[1], "--child"))
        return child_main(argc, argv);
    g_argc = argc;
    g_argv = argv;
    g_envp = envp;
    abi_begin(ABI_AREA);
    RUN(self_links);
    RUN(exe);
    RUN(cmdline_environ);
    RUN(maps);
    RUN(status_and_threads);
    RUN(stat_fields);
    RUN(fd_links);
    RUN(cwd_root_comm);
    RUN(comm_after_exec);
    RUN(oom_score_adj);
    RUN(machine_files);
    RUN(other_process);
    RUN(sysrq_task_dump);
    RUN(readers_while_processes_end);
    RUN(refusals);
    return abi_end();
}
