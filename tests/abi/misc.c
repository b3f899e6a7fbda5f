/* Identity and the rest: uname, the pid/tid/ppid and uid/gid families,
 * getrlimit/prlimit64, getrandom, sysinfo, umask, sched_getaffinity and
 * sched_yield, set_robust_list, and the auxiliary vector the ELF loader
 * hands to musl (also built as a static-PIE, misc-pie). */
#include "abi.h"

#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>

extern char **environ;
extern char _start[];        /* musl's entry point (crt1.o / rcrt1.o) */

static int terminated(const char *s, size_t n)
{
    return memchr(s, 0, n) != NULL;
}

static void t_uname(void)
{
    struct utsname u;
    memset(&u, 0xff, sizeof u);
    OK(uname(&u));
    CHECK(terminated(u.sysname, sizeof u.sysname) && terminated(u.nodename, sizeof u.nodename) &&
          terminated(u.release, sizeof u.release) && terminated(u.version, sizeof u.version) &&
          terminated(u.machine, sizeof u.machine), "a field is not NUL-terminated");
    CHECK(u.sysname[0] && u.release[0], "empty sysname or release");
    CHECK(!strcmp(u.machine, "x86_64"), "machine '%s'", u.machine);
}

static void t_ids(void)
{
    pid_t pid = getpid();
    CHECK(pid > 0, "pid %d", (int)pid);
    EQ(syscall(SYS_getpid), pid);
    EQ(gettid(), pid);
    pid_t ppid = getppid();
    CHECK(ppid >= 0 && ppid != pid, "ppid %d", (int)ppid);
    EQ(getuid(), geteuid());
    EQ(getgid(), getegid());
    OK(setuid(getuid()));                             /* setting what we already are */
    OK(setgid(getgid()));
    EQ(getuid(), getauxval(AT_UID));
    EQ(getgid(), getauxval(AT_GID));
}

static void t_rlimits(void)
{
    struct rlimit r, s;
    OK(getrlimit(RLIMIT_NOFILE, &r));
    CHECK(r.rlim_cur <= r.rlim_max && r.rlim_cur >= 3, "NOFILE %llu/%llu", (unsigned long long)r.rlim_cur,
          (unsigned long long)r.rlim_max);
    OK(getrlimit(RLIMIT_STACK, &s));
    CHECK(s.rlim_cur > 0 && s.rlim_cur <= s.rlim_max, "STACK %llu/%llu", (unsigned long long)s.rlim_cur,
          (unsigned long long)s.rlim_max);
    OK(getrlimit(RLIMIT_AS, &s));
    OK(getrlimit(RLIMIT_DATA, &s));
    OK(getrlimit(RLIMIT_CORE, &s));
    /* prlimit64: set a lower soft limit, read it back, restore. */
    struct rlimit lower = { 64, r.rlim_max }, old, now;
    OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lower, &old));
    EQ(old.rlim_cur, r.rlim_cur);
    EQ(old.rlim_max, r.rlim_max);
    OK(syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, NULL, &now));
    EQ(now.rlim_cur, 64);
    OK(getrlimit(RLIMIT_NOFILE, &now));
    EQ(now.rlim_cur, 64);
    OK(setrlimit(RLIMIT_NOFILE, &r));
    struct rlimit inverted = { r.rlim_max, 8 };
    if (r.rlim_max > 8)
        ERR(setrlimit(RLIMIT_NOFILE, &inverted), EINVAL);   /* soft above hard */
    ERR(syscall(SYS_prlimit64, 0, 999, NULL, &now), EINVAL);
    ERR(syscall(SYS_prlimit64, 0x3fffffff, RLIMIT_NOFILE, NULL, &now), ESRCH);
    OK(getrlimit(RLIMIT_NOFILE, &now));
    EQ(now.rlim_cur, r.rlim_cur);
}

static void t_getrandom(void)
{
    unsigned char a[32], b[32];
    static unsigned char big[65536];
    EQ(getrandom(a, sizeof a, 0), 32);
    EQ(getrandom(b, sizeof b, 0), 32);
    CHECK(memcmp(a, b, sizeof a), "two getrandom calls returned the same 32 bytes");
    EQ(getrandom(a, 1, GRND_NONBLOCK), 1);
    EQ(getrandom(a, sizeof a, GRND_RANDOM), 32);
    EQ(getrandom(a, 0, 0), 0);
    EQ(getrandom(a, 256, 0), 256);
    /* A large request: at least something, all of it by Linux's rules
     * (up to 32 MiB is served whole once the pool is ready). */
    EQ(getrandom(big, sizeof big, 0), sizeof big);
    int counts[256] = { 0 };
    for (size_t i = 0; i < sizeof big; i++)
        counts[big[i]]++;
    for (int v = 0; v < 256; v++)
        CHECK(counts[v] > 0, "byte value %d never appeared in 64 KiB", v);
    ERR(getrandom(a, sizeof a, 0x100), EINVAL);
    ERR(syscall(SYS_getrandom, ABI_BAD_KERNEL, 16, 0), EFAULT);
}

static void t_sysinfo(void)
{
    struct sysinfo si;
    memset(&si, 0, sizeof si);
    OK(sysinfo(&si));
    CHECK(si.mem_unit >= 1, "mem_unit %u", si.mem_unit);
    CHECK((unsigned long long)si.totalram * si.mem_unit >= 8ull << 20, "totalram %lu x %u", si.totalram,
          si.mem_unit);
    CHECK(si.freeram <= si.totalram, "freeram %lu > totalram %lu", si.freeram, si.totalram);
    CHECK(si.procs >= 1, "procs %u", si.procs);
    CHECK(si.uptime < 10ul * 365 * 86400, "uptime %lu s is not plausible", (unsigned long)si.uptime);
}

static void t_umask(void)
{
    mode_t first = umask(022);
    EQ(umask(077), 022);
    EQ(umask(07777), 077);                            /* only the permission bits are kept */
    EQ(umask(first), 0777);
}

static void t_sched(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    OK(sched_getaffinity(0, sizeof set, &set));
    CHECK(CPU_COUNT(&set) >= 1, "no CPU in the affinity mask");
    long n = OK(syscall(SYS_sched_getaffinity, 0, sizeof set, &set));
    CHECK(n >= 8 && n <= (long)sizeof set && n % 8 == 0, "raw sched_getaffinity returned %ld", n);
    OK(sched_getaffinity(gettid(), sizeof set, &set));
    ERR(sched_getaffinity(0x3fffffff, sizeof set, &set), ESRCH);
    EQ(sched_yield(), 0);
}

static void t_set_robust_list(void)
{
    /* The head of an empty robust list points to itself. */
    static struct { void *next; long futex_offset; void *pending; } head = { &head, 0, NULL };
    OK(syscall(SYS_set_robust_list, &head, sizeof head));
    ERR(syscall(SYS_set_robust_list, &head, sizeof head - 1), EINVAL);
}

static void t_auxv(void)
{
    EQ(getauxval(AT_PAGESZ), 4096);
    EQ(getauxval(AT_PHENT), sizeof(Elf64_Phdr));
    EQ(getauxval(AT_ENTRY), _start);
    EQ(getauxval(AT_SECURE), 0);
    EQ(getauxval(AT_BASE), 0);                        /* no interpreter */
    CHECK(getauxval(AT_HWCAP) != 0, "AT_HWCAP is 0");
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    CHECK(rnd, "no AT_RANDOM");
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero |= rnd[i];
    CHECK(nonzero, "AT_RANDOM bytes all zero");
    const char *fn = (const char *)getauxval(AT_EXECFN);
    CHECK(fn && fn[0], "no AT_EXECFN");
    /* The program headers: one PT_PHDR or PT_LOAD covering AT_PHDR, and
     * the loaded image really is where they say. */
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    size_t n = getauxval(AT_PHNUM);
    CHECK(ph && n > 0 && n < 64, "AT_PHDR %p AT_PHNUM %zu", (void *)ph, n);
    int loads = 0;
    for (size_t i = 0; i < n; i++)
        loads += ph[i].p_type == PT_LOAD;
    CHECK(loads >= 1, "no PT_LOAD among %zu headers", n);
}

static void t_argv_environ(void)
{
    CHECK(environ != NULL, "environ is NULL");
    /* The stack layout musl relies on: environ follows argv's NULL. */
    char **p = environ - 1;
    CHECK(*p == NULL, "environ is not preceded by argv's NULL");
}

static void t_not_a_tty(void)
{
    int fd = OK(open("/dev/null", O_RDWR));
    errno = 0;
    EQ(isatty(fd), 0);
    EQ(errno, ENOTTY);
    close(fd);
}

/* The steps of t_sethostname's child: its exit status names the first
 * that failed (0: all passed, 99: no private UTS namespace on the host). */
static int set_names_steps(void)
{
    if (unshare(CLONE_NEWUTS) != 0 && errno != ENOSYS)
        return 99; /* the host's own name must not change; nutshell has one VM to itself */
    struct utsname before, u;
    char text[128];
    if (uname(&before) != 0)
        return 1;
    if (sethostname("abi-host-name", 13) != 0 || uname(&u) != 0 || strcmp(u.nodename, "abi-host-name"))
        return 2;
    /* no NUL needed: exactly len bytes, the rest cleared */
    if (sethostname("shortXYZ", 5) != 0 || uname(&u) != 0 || strcmp(u.nodename, "short"))
        return 3;
    char longest[65];
    memset(longest, 'h', 64);
    longest[64] = 0;
    if (sethostname(longest, 64) != 0 || uname(&u) != 0 || strcmp(u.nodename, longest))
        return 4;
    errno = 0;
    if (syscall(SYS_sethostname, longest, 65) != -1 || errno != EINVAL)
        return 5;
    errno = 0;
    if (syscall(SYS_sethostname, "x", -1L) != -1 || errno != EINVAL)
        return 6;
    errno = 0;
    if (syscall(SYS_sethostname, abi_bad_ptrs[0], 4) != -1 || errno != EFAULT)
        return 7;
    if (uname(&u) != 0 || strcmp(u.nodename, longest)) /* the failures changed nothing */
        return 8;
    if (setdomainname("abi.example", 11) != 0 || uname(&u) != 0 || strcmp(u.domainname, "abi.example"))
        return 9;
    errno = 0;
    if (syscall(SYS_setdomainname, longest, 65) != -1 || errno != EINVAL)
        return 10;
    /* /proc/sys/kernel shows them and takes a new one up to a newline */
    int fd = open("/proc/sys/kernel/hostname", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n != 65 || memcmp(text, longest, 64) || text[64] != '\n')
        return 11;
    fd = open("/proc/sys/kernel/hostname", O_WRONLY);
    if (fd < 0 || write(fd, "via-proc\n", 9) != 9 || close(fd) != 0 || uname(&u) != 0 || strcmp(u.nodename, "via-proc"))
        return 12;
    fd = open("/proc/sys/kernel/domainname", O_RDONLY);
    n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n != 12 || memcmp(text, "abi.example\n", 12))
        return 13;
    /* back as it was (nutshell's one name is shared with the programs after) */
    if (sethostname(before.nodename, strlen(before.nodename)) != 0 ||
        setdomainname(before.domainname, strlen(before.domainname)) != 0)
        return 14;
    return 0;
}

static void t_sethostname(void)
{
    pid_t pid = OK(fork());
    if (pid == 0)
        _exit(set_names_steps());
    int st = abi_wait(pid);
    CHECK(st >= 0 && WIFEXITED(st), "child status %#x", st);
    if (WEXITSTATUS(st) == 99) {
        abi_skip("no private UTS namespace (unshare CLONE_NEWUTS refused)");
        return;
    }
    EQ(WEXITSTATUS(st), 0); /* the step of set_names_steps that failed */
}

int main(int argc, char **argv)
{
    (void)argv;
    abi_begin(ABI_AREA);
    if (argc < 1) {
        abi_note("FAIL abi/%s/argc: argc is %d", ABI_AREA, argc);
        return 1;
    }
    RUN(uname);
    RUN(ids);
    RUN(rlimits);
    RUN(getrandom);
    RUN(sysinfo);
    RUN(umask);
    RUN(sched);
    RUN(set_robust_list);
    RUN(auxv);
    RUN(argv_environ);
    RUN(not_a_tty);
    RUN(sethostname);
    return abi_end();
}
