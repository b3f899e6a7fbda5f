/* The ABI test harness: check bookkeeping, output, and shared helpers. */
#include "abi.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

void *const abi_bad_ptrs[3] = { ABI_BAD_LOW, ABI_BAD_KERNEL, ABI_BAD_NONCANON };

static const char *area;
static const char *current;          /* name of the running check */
static atomic_int current_failed;    /* set once by the first failure */
static int current_skipped;
static int any_failed;

/* One write(2) per line keeps lines whole when threads or children print. */
static void emit(const char *line, size_t len)
{
    while (len > 0) {
        ssize_t n = write(1, line, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        line += n;
        len -= (size_t)n;
    }
}

static void vemitf(const char *fmt, va_list ap)
{
    char buf[1024];
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = sizeof buf - 2;
    buf[n++] = '\n';
    emit(buf, (size_t)n);
}

static void emitf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vemitf(fmt, ap);
    va_end(ap);
}

void abi_begin(const char *a)
{
    area = a;
    umask(022);
}

void abi_run(const char *name, void (*fn)(void))
{
    current = name;
    atomic_store(&current_failed, 0);
    current_skipped = 0;
    fn();
    if (atomic_load(&current_failed))
        any_failed = 1;
    else if (!current_skipped)
        emitf("PASS abi/%s/%s", area, name);
    current = NULL;
}

int abi_end(void)
{
    return any_failed ? 1 : 0;
}

void abi_fail_at(int line, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (atomic_exchange(&current_failed, 1))
        return;
    emitf("FAIL abi/%s/%s: line %d: %s", area, current ? current : "?", line, why);
}

void abi_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vemitf(fmt, ap);
    va_end(ap);
}

void abi_skip(const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    current_skipped = 1;
    emitf("SKIP abi/%s/%s: %s", area, current ? current : "?", why);
}

const char *abi_errname(int e)
{
    static const struct { int e; const char *name; } names[] = {
#define E(x) { x, #x }
        E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF),
        E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV),
        E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(EFBIG),
        E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(ERANGE), E(EDEADLK),
        E(ENAMETOOLONG), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(EOVERFLOW), E(ETIMEDOUT),
        E(EOPNOTSUPP), E(EDOM), E(ENOTSOCK), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
        E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EAFNOSUPPORT), E(EADDRINUSE), E(ECONNRESET),
        E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ECONNREFUSED),
#undef E
    };
    static __thread char other[32];
    if (e == 0)
        return "0";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].e == e)
            return names[i].name;
    snprintf(other, sizeof other, "errno %d", e);
    return other;
}

uint64_t abi_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

ssize_t abi_read_text(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    return n;
}

bool abi_wait_sleeping(pid_t pid, pid_t tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    uint64_t deadline = abi_now_ns() + 30000000000ull;
    while (abi_now_ns() < deadline) {
        char *p = abi_read_text(path, buf, sizeof buf) < 0 ? NULL : strrchr(buf, ')');
        if (p && p[1] == ' ' && p[2] == 'S')
            return true;
        abi_sleep_ms(1);
    }
    return false;
}

void abi_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* --- catching faults ----------------------------------------------------- */

static __thread sigjmp_buf *catch_jmp;
static __thread siginfo_t catch_info;

static void catch_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (!catch_jmp) {
        /* A fault outside abi_catch: die by it, as the test would have. */
        signal(sig, SIG_DFL);
        return;
    }
    catch_info = *si;
    siglongjmp(*catch_jmp, sig);
}

int abi_catch(void (*fn)(void *), void *arg, siginfo_t *info)
{
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
    struct sigaction sa, old[4];
    sigjmp_buf jb;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = catch_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    for (int i = 0; i < 4; i++)
        sigaction(sigs[i], &sa, &old[i]);
    /* volatile: read after siglongjmp returns to this frame. */
    volatile int sig = sigsetjmp(jb, 1);
    if (sig == 0) {
        catch_jmp = &jb;
        fn(arg);
    }
    catch_jmp = NULL;
    for (int i = 0; i < 4; i++)
        sigaction(sigs[i], &old[i], NULL);
    if (sig != 0 && info)
        *info = catch_info;
    return sig;
}

void abi_read_byte(void *p)
{
    (void)*(volatile char *)p;
}

void abi_write_byte(void *p)
{
    *(volatile char *)p = 0x5a;
}

/* --- programs and processes --------------------------------------------- */

const char *abi_dir(void)
{
    const char *d = getenv("ABI_DIR");
    return d && *d ? d : "/abi";
}

char *abi_prog_path(char *buf, size_t n, const char *prog)
{
    snprintf(buf, n, "%s/%s", abi_dir(), prog);
    return buf;
}

pid_t abi_spawn(const char *prog, const char *const args[])
{
    char path[512];
    const char *argv[32];
    size_t n = 0;
    abi_prog_path(path, sizeof path, prog);
    argv[n++] = path;
    for (size_t i = 0; args && args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid;
    /* posix_spawn takes char *const[]; it does not modify the strings. */
    int r = posix_spawn(&pid, path, NULL, NULL, (char *const *)argv, environ);
    return r ? -r : pid;
}

int abi_wait(pid_t pid)
{
    int st;
    pid_t r;
    while ((r = wait4(pid, &st, 0, NULL)) < 0 && errno == EINTR)
        ;
    return r < 0 ? -errno : st;
}

/* --- scratch directories ------------------------------------------------ */

const char *abi_tmpdir(void)
{
    static char path[128];
    snprintf(path, sizeof path, "/tmp/abi-%s-%d", area, (int)getpid());
    abi_rm_tree(path);
    if (mkdir(path, 0755) != 0) {
        emitf("FAIL abi/%s/setup: mkdir %s: %s", area, path, abi_errname(errno));
        exit(1);
    }
    return path;
}

void abi_rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    char sub[512];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (unlink(sub) != 0)
            abi_rm_tree(sub);
    }
    closedir(d);
    rmdir(path);
}

bool abi_has_option(const char *opts, const char *o)
{
    size_t n = strlen(o);
    for (const char *p = opts; p; p = strchr(p, ',')) {
        if (*p == ',')
            p++;
        if (!strncmp(p, o, n) && (p[n] == ',' || !p[n]))
            return true;
    }
    return false;
}

int abi_allowed_cpus(int *list)
{
    cpu_set_t mask;
    if (sched_getaffinity(0, sizeof mask, &mask) != 0)
        return -1;
    int n = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &mask))
            list[n++] = c;
    return n;
}
