/* portbench: the ports' benchmarks (issue 17), one static program run as
 * init under nutshell and under Debian's stock kernel on the same QEMU
 * (tests/bench/ports/bench-ports.sh).
 *
 *   sqlite_insert   100 000 rows inserted in one transaction into a SQLite
 *                   database on tmpfs (/tmp), through a prepared statement,
 *                   commit included (Debian's libsqlite3.a, its default unix
 *                   VFS with fcntl locks, as in ports/sqlite)
 *   lua_startup     from posix_spawn of /bin/lua (ports/lua) on a script to
 *                   the script's first line arriving on a pipe
 *
 * sqlite_insert runs SQLITE_RUNS times, lua_startup LUA_RUNS times; every run prints
 *   PORTBENCH <name> ticks=<TSC ticks> [rows=<n>]
 * (the script takes the median and converts ticks with the host's TSC rate,
 * as tests/bench/ubench.sh does), then PORTBENCH-DONE, and the machine is
 * powered off.  A failure prints PORTBENCH-ERROR <why> and the run is left
 * out (the script then prints NA).
 *
 * As init (pid 1, in the VM), each run is also bracketed by
 *   PORTBENCH-MARK begin|end <name>
 * lines, after each of which it waits for a line on the console: the script
 * reads the CPU time of QEMU's vCPU thread meanwhile (tests/bench/lib.sh,
 * run_qemu with MARKS=1).  A loaded host takes the CPU from the vCPU now and
 * then, which the TSC counts and the vCPU's CPU time does not. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#define SQLITE_RUNS 7
#define LUA_RUNS 9
#define ROWS 100000

extern char **environ;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    /* rdtsc writes eax and edx only. */
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void error(const char *what, const char *why)
{
    printf("PORTBENCH-ERROR %s: %s\n", what, why);
    fflush(stdout);
}

/* In the VM, tells the bench script where a measured interval begins or
 * ends and waits for its answer (see the top); elsewhere (a run on the
 * host) it does nothing. */
static void mark(const char *edge, const char *name)
{
    if (getpid() != 1)
        return;
    printf("PORTBENCH-MARK %s %s\n", edge, name);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) == 1 && c != '\n')
        ;
}

static void sqlite_insert(void)
{
    const char *path = "/tmp/portbench.db";
    unlink(path);
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, value REAL)", NULL, NULL, NULL) ||
        sqlite3_prepare_v2(db, "INSERT INTO t(name, value) VALUES (?, ?)", -1, &st, NULL)) {
        error("sqlite_insert", sqlite3_errmsg(db));
        sqlite3_close(db);
        return;
    }
    mark("begin", "sqlite_insert");
    uint64_t t0 = rdtsc();
    int ok = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    for (int i = 0; ok && i < ROWS; i++) {
        char name[32];
        snprintf(name, sizeof name, "row-%d", i);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 2, i * 0.25);
        ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_reset(st) == SQLITE_OK;
    }
    ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    uint64_t t1 = rdtsc();
    mark("end", "sqlite_insert");
    sqlite3_finalize(st);
    sqlite3_stmt *count;
    int rows = -1;
    if (ok && sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &count, NULL) == SQLITE_OK) {
        if (sqlite3_step(count) == SQLITE_ROW)
            rows = sqlite3_column_int(count, 0);
        sqlite3_finalize(count);
    }
    if (!ok || rows != ROWS)
        error("sqlite_insert", ok ? "row count differs" : sqlite3_errmsg(db));
    else
        printf("PORTBENCH sqlite_insert ticks=%llu rows=%d\n", (unsigned long long)(t1 - t0), ROWS);
    fflush(stdout);
    sqlite3_close(db);
    unlink(path);
}

static void lua_startup(void)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC)) {
        error("lua_startup", strerror(errno));
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    char *argv[] = {"/bin/lua", "/bench/first-line.lua", NULL};
    pid_t pid;
    mark("begin", "lua_startup");
    uint64_t t0 = rdtsc();
    int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    char c = 0;
    ssize_t n = 0;
    while (!err && (n = read(fds[0], &c, 1)) == 1 && c != '\n')
        ;
    uint64_t t1 = rdtsc();
    mark("end", "lua_startup");
    close(fds[0]);
    int status = 0;
    if (!err)
        waitpid(pid, &status, 0);
    if (err || n != 1 || !WIFEXITED(status) || WEXITSTATUS(status))
        error("lua_startup", err ? strerror(err) : "no first line, or lua failed");
    else
        printf("PORTBENCH lua_startup ticks=%llu\n", (unsigned long long)(t1 - t0));
    fflush(stdout);
}

int main(void)
{
    mkdir("/tmp", 01777); /* Linux's initramfs has none; nutshell mounts a tmpfs there */
    for (int i = 0; i < SQLITE_RUNS; i++)
        sqlite_insert();
    for (int i = 0; i < LUA_RUNS; i++)
        lua_startup();
    printf("PORTBENCH-DONE\n");
    fflush(stdout);
    if (getpid() != 1)
        return 0;
    /* PID 1 must not return (Linux panics when init exits). */
    sync();
    reboot(RB_POWER_OFF);
    error("reboot", strerror(errno));
    for (;;)
        pause();
}
