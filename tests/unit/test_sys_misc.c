/* The identity and misc system calls (kernel/misc/) on the host, over the
 * fakes of syscall_fakes.h: results, Linux's errno for bad input, and the
 * state they change. */
#include "syscall_fakes.h"
#include "unit.h"

#include <kernel/errno.h>
#include <kernel/clock.h>
#include <kernel/log_ring.h>
#include <kernel/printk.h>
#include <misc/rlimit.h>
#include <string.h>

static void test_getrandom(void)
{
    fakes_init();
    static uint8_t a[1000], b[1000];
    CHECK_EQ(CALL(sys_getrandom, U(a), sizeof a, 0), 1000);
    CHECK_EQ(CALL(sys_getrandom, U(b), sizeof b, 1 /* GRND_NONBLOCK */), 1000);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK_EQ(CALL(sys_getrandom, U(a), 16, 2 /* GRND_RANDOM */), 16);
    CHECK_EQ(CALL(sys_getrandom, U(a), 16, 4 /* GRND_INSECURE */), 16);
    CHECK_EQ(CALL(sys_getrandom, U(a), 0, 0), 0);
    CHECK_EQ(CALL(sys_getrandom, BAD_LOW, 0, 0), 0); /* nothing to write, nothing checked */
    /* Flags. */
    CHECK_EQ(CALL(sys_getrandom, U(a), 16, 0x100), -EINVAL);
    CHECK_EQ(CALL(sys_getrandom, U(a), 16, 8), -EINVAL);
    CHECK_EQ(CALL(sys_getrandom, U(a), 16, 6), -EINVAL); /* INSECURE | RANDOM */
    CHECK_EQ(CALL(sys_getrandom, BAD_LOW, 16, 0x100), -EINVAL); /* flags first */
    /* Addresses. */
    CHECK_EQ(CALL(sys_getrandom, BAD_LOW, 16, 0), -EFAULT);
    CHECK_EQ(CALL(sys_getrandom, BAD_KERNEL, 16, 0), -EFAULT);
    CHECK_EQ(CALL(sys_getrandom, FAKE_USER_TOP - 16, 32, 0), -EFAULT);      /* runs out of user space */
    CHECK_EQ(CALL(sys_getrandom, FAKE_USER_TOP - 16, UINT64_MAX, 0), -EFAULT);
}

/* A buffer that runs into unwritable memory: the exact count written before it. */
static void test_getrandom_partial(void)
{
    fakes_init();
    static uint8_t buf[300];
    memset(buf, 0, sizeof buf);
    poison_start = U(buf + 200);
    poison_end = U(buf + 300);
    CHECK_EQ(CALL(sys_getrandom, U(buf), sizeof buf, 0), 200);
    poison_start = U(buf + 100);
    CHECK_EQ(CALL(sys_getrandom, U(buf + 100), 50, 0), -EFAULT);
    poison_start = U(buf + 131); /* inside a 64-byte block */
    CHECK_EQ(CALL(sys_getrandom, U(buf), sizeof buf, 0), 131);
}

static void test_uname(void)
{
    fakes_init();
    char u[6][65];
    memset(u, 'x', sizeof u);
    CHECK_EQ(CALL(sys_uname, U(u)), 0);
    CHECK(!strcmp(u[0], "Linux"));
    CHECK(!strcmp(u[1], "nutshell"));
    CHECK(!strcmp(u[2], "6.1.0-nutshell"));
    CHECK(!strcmp(u[4], "x86_64"));
    CHECK(!strcmp(u[5], "(none)"));
    CHECK_EQ(u[0][64], 0); /* zero-padded to the end of the field */
    CHECK_EQ(CALL(sys_uname, BAD_LOW), -EFAULT);
}

static void test_identity(void)
{
    fakes_init();
    CHECK_EQ(CALL(sys_getuid, 0), 0);
    CHECK_EQ(CALL(sys_geteuid, 0), 0);
    CHECK_EQ(CALL(sys_getgid, 0), 0);
    CHECK_EQ(CALL(sys_getegid, 0), 0);
    CHECK_EQ(CALL(sys_setuid, 0), 0);
    CHECK_EQ(CALL(sys_setuid, 1000), -EPERM);
    CHECK_EQ(CALL(sys_setuid, 0xffffffffu), -EINVAL);
    CHECK_EQ(CALL(sys_setuid, 0xffffffff00000000ull), 0); /* uid_t is 32 bits */
    CHECK_EQ(CALL(sys_setgid, 0), 0);
    CHECK_EQ(CALL(sys_setgid, 5), -EPERM);
    CHECK_EQ(CALL(sys_setgid, 0xffffffffu), -EINVAL);
    CHECK_EQ(CALL(sys_setreuid, 0xffffffffu, 0xffffffffu), 0);
    CHECK_EQ(CALL(sys_setreuid, 0, 0xffffffffu), 0);
    CHECK_EQ(CALL(sys_setreuid, 0xffffffffu, 1), -EPERM);
    CHECK_EQ(CALL(sys_setregid, 2, 0), -EPERM);
    CHECK_EQ(CALL(sys_setresuid, 0, 0xffffffffu, 0), 0);
    CHECK_EQ(CALL(sys_setresuid, 0, 0, 3), -EPERM);
    CHECK_EQ(CALL(sys_setresgid, 0xffffffffu, 0xffffffffu, 0xffffffffu), 0);
    CHECK_EQ(CALL(sys_setresgid, 0, 9, 0), -EPERM);
    uint32_t r = 7, e = 7, s = 7;
    CHECK_EQ(CALL(sys_getresuid, U(&r), U(&e), U(&s)), 0);
    CHECK(r == 0 && e == 0 && s == 0);
    r = e = s = 7;
    CHECK_EQ(CALL(sys_getresgid, U(&r), U(&e), U(&s)), 0);
    CHECK(r == 0 && e == 0 && s == 0);
    CHECK_EQ(CALL(sys_getresuid, U(&r), U(&e), BAD_LOW), -EFAULT);
    CHECK_EQ(CALL(sys_getresgid, BAD_KERNEL, U(&e), U(&s)), -EFAULT);
}

static void test_groups(void)
{
    fakes_init();
    uint32_t list[2] = {0, 0xffffffffu};
    CHECK_EQ(CALL(sys_getgroups, 0, 0), 0);
    CHECK_EQ(CALL(sys_getgroups, 2, U(list)), 0);
    CHECK_EQ(CALL(sys_getgroups, (uint32_t)-1, U(list)), -EINVAL);
    CHECK_EQ(CALL(sys_setgroups, 0, 0), 0);
    CHECK_EQ(CALL(sys_setgroups, 1, U(list)), -EPERM);
    CHECK_EQ(CALL(sys_setgroups, 2, U(list)), -EINVAL); /* -1 is not a gid */
    CHECK_EQ(CALL(sys_setgroups, 1, BAD_LOW), -EFAULT);
    CHECK_EQ(CALL(sys_setgroups, 65537, U(list)), -EINVAL);
    CHECK_EQ(CALL(sys_setgroups, (uint32_t)-1, U(list)), -EINVAL);
}

static void test_rlimits(void)
{
    fakes_init();
    struct k_rlimit r, old;
    CHECK_EQ(CALL(sys_getrlimit, RLIMIT_NOFILE, U(&r)), 0);
    CHECK(r.cur == 1024 && r.max == 4096);
    CHECK_EQ(CALL(sys_getrlimit, RLIMIT_STACK, U(&r)), 0);
    CHECK(r.cur == 8ull << 20 && r.max == RLIM_INFINITY);
    CHECK_EQ(CALL(sys_getrlimit, RLIMIT_CORE, U(&r)), 0);
    CHECK(r.cur == 0 && r.max == RLIM_INFINITY);
    /* NOFILE's soft limit is the fd table's. */
    r = (struct k_rlimit){32, 4096};
    CHECK_EQ(CALL(sys_setrlimit, RLIMIT_NOFILE, U(&r)), 0);
    CHECK_EQ(fake_fd_limit, 32);
    fake_fd_limit = 77; /* as a clone of the table would carry it */
    CHECK_EQ(CALL(sys_getrlimit, RLIMIT_NOFILE, U(&r)), 0);
    CHECK(r.cur == 77 && r.max == 4096);
    /* Root may raise a hard limit, up to the NOFILE ceiling. */
    r = (struct k_rlimit){100, 65536};
    CHECK_EQ(CALL(sys_setrlimit, RLIMIT_NOFILE, U(&r)), 0);
    r = (struct k_rlimit){100, 65537};
    CHECK_EQ(CALL(sys_setrlimit, RLIMIT_NOFILE, U(&r)), -EPERM);
    r = (struct k_rlimit){RLIM_INFINITY, RLIM_INFINITY};
    CHECK_EQ(CALL(sys_setrlimit, RLIMIT_NOFILE, U(&r)), -EPERM);
    CHECK_EQ(fake_fd_limit, 100);
    /* Other limits are kept. */
    r = (struct k_rlimit){1 << 20, 2 << 20};
    CHECK_EQ(CALL(sys_setrlimit, RLIMIT_STACK, U(&r)), 0);
    memset(&r, 0, sizeof r);
    CHECK_EQ(CALL(sys_getrlimit, RLIMIT_STACK, U(&r)), 0);
    CHECK(r.cur == 1 << 20 && r.max == 2 << 20);
    /* Errors. */
    r = (struct k_rlimit){5, 4};
    CHECK_EQ(CALL(sys_setrlimit, RLIMIT_STACK, U(&r)), -EINVAL);
    CHECK_EQ(CALL(sys_getrlimit, 16, U(&r)), -EINVAL);
    CHECK_EQ(CALL(sys_getrlimit, 999, U(&r)), -EINVAL);
    CHECK_EQ(CALL(sys_getrlimit, RLIMIT_NOFILE, BAD_LOW), -EFAULT);
    CHECK_EQ(CALL(sys_setrlimit, RLIMIT_NOFILE, BAD_LOW), -EFAULT);
    (void)old;
}

static void test_prlimit64(void)
{
    fakes_init();
    struct k_rlimit new = {64, 4096}, old = {0, 0};
    CHECK_EQ(CALL(sys_prlimit64, 0, RLIMIT_NOFILE, U(&new), U(&old)), 0);
    CHECK(old.cur == 1024 && old.max == 4096);
    CHECK_EQ(fake_fd_limit, 64);
    CHECK_EQ(CALL(sys_prlimit64, 100, RLIMIT_NOFILE, 0, U(&old)), 0);
    CHECK(old.cur == 64);
    CHECK_EQ(CALL(sys_prlimit64, 101, RLIMIT_NOFILE, 0, U(&old)), 0); /* a thread of ours */
    CHECK_EQ(CALL(sys_prlimit64, 0, RLIMIT_NOFILE, 0, 0), 0);
    CHECK_EQ(CALL(sys_prlimit64, 999, RLIMIT_NOFILE, 0, U(&old)), -ESRCH);
    CHECK_EQ(CALL(sys_prlimit64, 0, 999, 0, U(&old)), -EINVAL);
    CHECK_EQ(CALL(sys_prlimit64, 0, RLIMIT_NOFILE, BAD_LOW, 0), -EFAULT);
    CHECK_EQ(CALL(sys_prlimit64, 999, RLIMIT_NOFILE, BAD_LOW, 0), -EFAULT); /* the new limit is read first */
    /* A bad old pointer fails the call, but the new limit is in force (as on Linux). */
    new.cur = 50;
    CHECK_EQ(CALL(sys_prlimit64, 0, RLIMIT_NOFILE, U(&new), BAD_LOW), -EFAULT);
    CHECK_EQ(fake_fd_limit, 50);
}

static void test_sysinfo(void)
{
    fakes_init();
    struct {
        int64_t uptime;
        uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs, pad;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        char f[4];
    } si;
    memset(&si, 0xff, sizeof si);
    fake_mono_ns = 3 * NSEC_PER_SEC + 1;
    CHECK_EQ(CALL(sys_sysinfo, U(&si)), 0);
    CHECK_EQ(si.uptime, 4); /* rounded up */
    CHECK_EQ(si.totalram, 4096 * 4096);
    CHECK_EQ(si.freeram, 1000 * 4096);
    CHECK_EQ(si.procs, 5);
    CHECK_EQ(si.mem_unit, 1);
    CHECK(si.loads[0] == 0 && si.totalswap == 0 && si.freehigh == 0);
    CHECK_EQ(CALL(sys_sysinfo, BAD_LOW), -EFAULT);
}

static void test_affinity_and_cpu(void)
{
    fakes_init();
    uint64_t mask[16];
    memset(mask, 0xff, sizeof mask);
    CHECK_EQ(CALL(sys_sched_getaffinity, 0, sizeof mask, U(mask)), 8);
    CHECK_EQ(mask[0], 1);
    CHECK_EQ(mask[1], ~0ull); /* only the returned size is written */
    CHECK_EQ(CALL(sys_sched_getaffinity, 101, 8, U(mask)), 8);
    CHECK_EQ(CALL(sys_sched_getaffinity, 0, 1, U(mask)), -EINVAL);
    CHECK_EQ(CALL(sys_sched_getaffinity, 0, 12, U(mask)), -EINVAL);
    CHECK_EQ(CALL(sys_sched_getaffinity, 0, 0, U(mask)), -EINVAL);
    CHECK_EQ(CALL(sys_sched_getaffinity, 999, 8, U(mask)), -ESRCH);
    CHECK_EQ(CALL(sys_sched_getaffinity, 0, 8, BAD_LOW), -EFAULT);
    mask[0] = 1;
    CHECK_EQ(CALL(sys_sched_setaffinity, 0, 8, U(mask)), 0);
    CHECK_EQ(CALL(sys_sched_setaffinity, 0, 128, U(mask)), 0);
    CHECK_EQ(CALL(sys_sched_setaffinity, 0, 1, U(mask)), 0);
    mask[0] = 6; /* CPUs 1 and 2: none online */
    CHECK_EQ(CALL(sys_sched_setaffinity, 0, 8, U(mask)), -EINVAL);
    CHECK_EQ(CALL(sys_sched_setaffinity, 0, 0, U(mask)), -EINVAL);
    mask[0] = 1;
    CHECK_EQ(CALL(sys_sched_setaffinity, 999, 8, U(mask)), -ESRCH);
    CHECK_EQ(CALL(sys_sched_setaffinity, 0, 8, BAD_LOW), -EFAULT);
    uint32_t cpu = 9, node = 9;
    CHECK_EQ(CALL(sys_getcpu, U(&cpu), U(&node), 0), 0);
    CHECK(cpu == 0 && node == 0);
    CHECK_EQ(CALL(sys_getcpu, 0, 0, 0), 0);
    CHECK_EQ(CALL(sys_getcpu, BAD_LOW, 0, 0), -EFAULT);
    CHECK_EQ(CALL(sys_sched_yield, 0), 0);
}

/* CPUs 0, 1 and 3 online; the caller on CPU 3. */
static void test_affinity_with_several_cpus(void)
{
    fakes_init();
    fake_online_cpus = 0xb;
    fake_cpu = 3;
    uint64_t mask[2] = {0, 0};
    CHECK_EQ(CALL(sys_sched_getaffinity, 0, 8, U(mask)), 8);
    CHECK_EQ(mask[0], 0xb);
    mask[0] = 0x4; /* CPU 2 only: offline */
    CHECK_EQ(CALL(sys_sched_setaffinity, 0, 8, U(mask)), -EINVAL);
    mask[0] = 0x6; /* CPUs 1 and 2: 1 is kept */
    CHECK_EQ(CALL(sys_sched_setaffinity, 0, 8, U(mask)), 0);
    CHECK_EQ(CALL(sys_sched_getaffinity, 0, 8, U(mask)), 8);
    CHECK_EQ(mask[0], 0x2);
    mask[0] = 0x8; /* another thread of the process, by tid */
    CHECK_EQ(CALL(sys_sched_setaffinity, 101, 8, U(mask)), 0);
    CHECK_EQ(fake_thread[1].cpus_allowed, 0x8);
    CHECK_EQ(CALL(sys_sched_getaffinity, 101, 8, U(mask)), 8);
    CHECK_EQ(mask[0], 0x8);
    uint32_t cpu = 9;
    CHECK_EQ(CALL(sys_getcpu, U(&cpu), 0, 0), 0);
    CHECK_EQ(cpu, 3);
}

static int64_t reboot_call(uint64_t m1, uint64_t m2, uint64_t cmd, uint64_t arg)
{
    jmp_buf jb;
    fake_machine_jmp = &jb;
    if (setjmp(jb)) {
        fputc('\n', stderr); /* ends the host printk's line */
        return 1000;         /* the machine "went down" */
    }
    return CALL(sys_reboot, m1, m2, cmd, arg);
}

static void test_reboot(void)
{
    fakes_init();
    const uint64_t M1 = 0xfee1dead, M2 = 672274793;
    CHECK_EQ(reboot_call(1, M2, 0x4321fedc, 0), -EINVAL);
    CHECK_EQ(reboot_call(M1, 1, 0x4321fedc, 0), -EINVAL);
    CHECK_EQ(reboot_call(M1, M2, 0x12345678, 0), -EINVAL);
    CHECK_EQ(reboot_call(M1, M2, 0x45584543 /* KEXEC */, 0), -EINVAL);
    CHECK_EQ(reboot_call(M1, M2, 0, 0), 0);          /* CAD_OFF */
    CHECK_EQ(reboot_call(M1, M2, 0x89abcdef, 0), 0); /* CAD_ON */
    CHECK_EQ(fake_machine_exit_code, -1);
    CHECK_EQ(reboot_call(M1, 85072278, 0x4321fedc, 0), 1000);
    CHECK_EQ(fake_machine_exit_code, 0); /* EXIT_POWEROFF */
    CHECK_EQ(reboot_call(M1, 537993216, 0x01234567, 0), 1000);
    CHECK_EQ(fake_machine_reboots, 1);
    CHECK_EQ(reboot_call(M1, M2, 0xa1b2c3d4, U("now")), 1000);
    CHECK_EQ(fake_machine_reboots, 2);
    CHECK_EQ(reboot_call(M1, M2, 0xa1b2c3d4, BAD_LOW), -EFAULT);
    CHECK_EQ(fake_machine_reboots, 2);
}

static void test_prctl_name(void)
{
    fakes_init();
    char name[16];
    CHECK_EQ(CALL(sys_prctl, 15, U("worker")), 0);
    CHECK(!strcmp(fake_thread[0].name, "worker"));
    CHECK(!strcmp(fake_proc.name, "worker")); /* the main thread names the process too */
    memset(name, 'x', sizeof name);
    CHECK_EQ(CALL(sys_prctl, 16, U(name)), 0);
    CHECK(!strcmp(name, "worker"));
    CHECK_EQ(name[15], 0);
    /* Longer names are cut to 15 bytes. */
    CHECK_EQ(CALL(sys_prctl, 15, U("a-very-long-thread-name")), 0);
    CHECK_EQ(CALL(sys_prctl, 16, U(name)), 0);
    CHECK(!strcmp(name, "a-very-long-thr"));
    /* A name that ends right before unreadable memory, without reading past 15 bytes. */
    static char edge[32];
    memcpy(edge, "0123456789abcdefXXXX", 20);
    poison_start = U(edge + 15);
    poison_end = U(edge + 32);
    CHECK_EQ(CALL(sys_prctl, 15, U(edge)), 0);
    CHECK(!strcmp(fake_thread[0].name, "0123456789abcde"));
    poison_start = U(edge + 3);
    CHECK_EQ(CALL(sys_prctl, 15, U(edge)), -EFAULT);
    CHECK_EQ(CALL(sys_prctl, 16, BAD_LOW), -EFAULT);
    CHECK_EQ(CALL(sys_prctl, 15, BAD_KERNEL), -EFAULT);
    CHECK_EQ(CALL(sys_prctl, 9999, 0), -EINVAL);
    CHECK_EQ(CALL(sys_prctl, 38 /* PR_SET_NO_NEW_PRIVS */, 1), -EINVAL);
}

static void test_personality(void)
{
    fakes_init();
    CHECK_EQ(CALL(sys_personality, 0xffffffffu), 0);
    CHECK_EQ(CALL(sys_personality, 0), 0);
    CHECK_EQ(CALL(sys_personality, 0x0040000 /* ADDR_NO_RANDOMIZE */), -EINVAL);
}

static void log_line(const char *text)
{
    log_ring_append_unlocked(text, strlen(text));
}

/* syslog over the real ring: READ_ALL's newest whole lines, CLEAR, READ
 * taking unread lines once, the ring dropping whole old lines when it
 * wraps, console levels, errors. */
static void test_syslog(void)
{
    fakes_init();
    static char buf[LOG_RING_SIZE + 100];
    log_line("<6>[     1.000] first\n");
    log_line("<4>[     2.000] second\n");
    CHECK_EQ(CALL(sys_syslog, 10 /* SIZE_BUFFER */, 0, 0), LOG_RING_SIZE);
    CHECK_EQ(CALL(sys_syslog, 3 /* READ_ALL */, U(buf), sizeof buf), 45);
    CHECK(memcmp(buf, "<6>[     1.000] first\n<4>[     2.000] second\n", 45) == 0);
    /* 30 bytes hold only the newest whole line. */
    CHECK_EQ(CALL(sys_syslog, 3, U(buf), 30), 23);
    CHECK(memcmp(buf, "<4>[     2.000] second\n", 23) == 0);
    CHECK_EQ(CALL(sys_syslog, 3, U(buf), 10), 0);
    /* READ takes what was not read yet, whole lines first, each once. */
    CHECK_EQ(CALL(sys_syslog, 9 /* SIZE_UNREAD */, 0, 0), 45);
    CHECK_EQ(CALL(sys_syslog, 2 /* READ */, U(buf), 30), 22);
    CHECK_EQ(CALL(sys_syslog, 9, 0, 0), 23);
    CHECK_EQ(CALL(sys_syslog, 2, U(buf), sizeof buf), 23);
    CHECK_EQ(CALL(sys_syslog, 9, 0, 0), 0);
    /* CLEAR hides the old lines from READ_ALL, not the new ones. */
    CHECK_EQ(CALL(sys_syslog, 5 /* CLEAR */, 0, 0), 0);
    CHECK_EQ(CALL(sys_syslog, 3, U(buf), sizeof buf), 0);
    log_line("<5>[     3.000] third\n");
    CHECK_EQ(CALL(sys_syslog, 4 /* READ_CLEAR */, U(buf), sizeof buf), 22);
    CHECK_EQ(CALL(sys_syslog, 3, U(buf), sizeof buf), 0);
    /* Wrapping: 40 KiB of lines leave only whole lines, the newest. */
    for (int k = 0; k < 2000; k++)
        log_line(k % 2 ? "<6>[     4.000] odd line\n" : "<6>[     4.000] even line\n");
    CHECK_EQ(CALL(sys_syslog, 9, 0, 0) <= LOG_RING_SIZE, 1);
    int64_t n = CALL(sys_syslog, 2, U(buf), sizeof buf);
    CHECK(n > LOG_RING_SIZE - 30 && n <= LOG_RING_SIZE);
    CHECK(buf[0] == '<' && buf[n - 1] == '\n');
    CHECK(memcmp(buf + n - 25, "<6>[     4.000] odd line\n", 25) == 0);
    /* Console levels. */
    CHECK_EQ(CALL(sys_syslog, 8 /* CONSOLE_LEVEL */, 0, 3), 0);
    CHECK_EQ(fake_console_level, 2);
    CHECK_EQ(CALL(sys_syslog, 6 /* CONSOLE_OFF */, 0, 0), 0);
    CHECK_EQ(fake_console_level, LOG_EMERG);
    CHECK_EQ(CALL(sys_syslog, 7 /* CONSOLE_ON */, 0, 0), 0);
    CHECK_EQ(fake_console_level, 2);
    /* Errors. */
    CHECK_EQ(CALL(sys_syslog, 8, 0, 0), -EINVAL);
    CHECK_EQ(CALL(sys_syslog, 8, 0, 9), -EINVAL);
    CHECK_EQ(CALL(sys_syslog, 11, U(buf), 10), -EINVAL);
    CHECK_EQ(CALL(sys_syslog, 3, 0, 10), -EINVAL);
    CHECK_EQ(CALL(sys_syslog, 3, U(buf), -1), -EINVAL);
    CHECK_EQ(CALL(sys_syslog, 3, BAD_KERNEL, 10), -EFAULT);
    CHECK_EQ(CALL(sys_syslog, 3, U(buf), 0), 0);
    CHECK_EQ(CALL(sys_syslog, 0 /* CLOSE */, 0, 0), 0);
}

int main(void)
{
    return unit_main("sys_misc", (struct unit_test[]){
                                     UNIT(test_getrandom),
                                     UNIT(test_getrandom_partial),
                                     UNIT(test_uname),
                                     UNIT(test_identity),
                                     UNIT(test_groups),
                                     UNIT(test_rlimits),
                                     UNIT(test_prlimit64),
                                     UNIT(test_sysinfo),
                                     UNIT(test_affinity_and_cpu),
                                     UNIT(test_affinity_with_several_cpus),
                                     UNIT(test_reboot),
                                     UNIT(test_prctl_name),
                                     UNIT(test_personality),
                                     UNIT(test_syslog),
                                     {0},
                                 });
}
