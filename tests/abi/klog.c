/* The kernel log through syslog(2), as dmesg reads it (SIZE_BUFFER,
 * READ_ALL of whole "<level>..." lines, the newest ones when the buffer is
 * small, SIZE_UNREAD, errors), and membarrier(2) (QUERY, the global and
 * private expedited commands, EPERM before registration,
 * GET_REGISTRATIONS, errors). */
#include "abi.h"

#include <stdbool.h>
#include <stdlib.h>
#include <sys/klog.h>

#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_CONSOLE_LEVEL 8
#define SYSLOG_ACTION_SIZE_UNREAD 9
#define SYSLOG_ACTION_SIZE_BUFFER 10

/* True if b[0..n) is whole lines, each "<digit>" then text then "\n". */
static bool whole_level_lines(const char *b, long n)
{
    if (n == 0 || b[n - 1] != '\n')
        return false;
    for (long i = 0; i < n;) {
        if (b[i] != '<' || i + 2 >= n || b[i + 1] < '0' || b[i + 1] > '7' || b[i + 2] != '>')
            return false;
        while (b[i] != '\n')
            i++;
        i++;
    }
    return true;
}

static void t_syslog_read_all(void)
{
    long size = syscall(SYS_syslog, SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
    if (size < 0 && errno == EPERM) {
        abi_skip("syslog needs CAP_SYSLOG here");
        return;
    }
    CHECK(size >= 4096, "SIZE_BUFFER is %ld", size);
    /* A small buffer gets the newest whole lines; a full read just after
     * holds them too (whatever was logged in between comes after). */
    char small[200];
    long m = OK(klogctl(SYSLOG_ACTION_READ_ALL, small, sizeof small));
    CHECK(m <= (long)sizeof small, "READ_ALL gave %ld into %zu", m, sizeof small);
    char *all = malloc((size_t)size);
    long n = OK(klogctl(SYSLOG_ACTION_READ_ALL, all, (int)size));
    CHECK(n > 0 && n <= size, "READ_ALL gave %ld of %ld", n, size);
    CHECK(whole_level_lines(all, n), "READ_ALL is not whole <level> lines");
    if (m > 0) {
        CHECK(whole_level_lines(small, m), "the small read is not whole lines");
        CHECK(memmem(all, (size_t)n, small, (size_t)m), "the small read's lines are not in the full one");
    }
    EQ(klogctl(SYSLOG_ACTION_READ_ALL, all, 0), 0);
    long unread = syscall(SYS_syslog, SYSLOG_ACTION_SIZE_UNREAD, NULL, 0);
    CHECK(unread >= 0 && unread <= size, "SIZE_UNREAD is %ld", unread);
    free(all);
}

static void t_syslog_errors(void)
{
    char b[16];
    long size = syscall(SYS_syslog, SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
    if (size < 0 && errno == EPERM) {
        abi_skip("syslog needs CAP_SYSLOG here");
        return;
    }
    ERR(syscall(SYS_syslog, 99, b, sizeof b), EINVAL);
    ERR(syscall(SYS_syslog, -1, b, sizeof b), EINVAL);
    ERR(syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, NULL, 16), EINVAL);
    ERR(syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, b, -1), EINVAL);
    ERR(syscall(SYS_syslog, SYSLOG_ACTION_READ_ALL, ABI_BAD_KERNEL, 16), EFAULT);
    ERR(syscall(SYS_syslog, SYSLOG_ACTION_CONSOLE_LEVEL, NULL, 0), EINVAL);
    ERR(syscall(SYS_syslog, SYSLOG_ACTION_CONSOLE_LEVEL, NULL, 9), EINVAL);
}

#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_GLOBAL (1 << 0)
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED (1 << 1)
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED (1 << 2)
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE (1 << 5)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE (1 << 6)
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9)

static long membarrier(int cmd, unsigned flags)
{
    return syscall(SYS_membarrier, cmd, flags, 0);
}

static void t_membarrier(void)
{
    long q = OK(membarrier(MEMBARRIER_CMD_QUERY, 0));
    int need = MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED |
               MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
    CHECK((q & need) == need, "QUERY is %#lx", q);
    /* musl's own start-up registers nothing: expedited needs it first. */
    ERR(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0), EPERM);
    if (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE)
        ERR(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0), EPERM);
    OK(membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0));
    OK(membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0));
    OK(membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0));
    OK(membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0));
    if (q & MEMBARRIER_CMD_GET_REGISTRATIONS) {
        long regs = OK(membarrier(MEMBARRIER_CMD_GET_REGISTRATIONS, 0));
        int want = MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
        CHECK((regs & want) == want, "GET_REGISTRATIONS is %#lx", regs);
    }
    ERR(membarrier(MEMBARRIER_CMD_QUERY, 1), EINVAL);
    ERR(membarrier(1 << 20, 0), EINVAL);
    ERR(membarrier(-1, 0), EINVAL);
}

/* membarrier(GLOBAL) is slow on Linux (it waits for an RCU grace period):
 * once is enough. */
static void t_membarrier_global(void)
{
    OK(membarrier(MEMBARRIER_CMD_GLOBAL, 0));
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(syslog_read_all);
    RUN(syslog_errors);
    RUN(membarrier);
    RUN(membarrier_global);
    return abi_end();
}
